/**
 * The heartbeat of worker and page windows: the host pings a renderer only when it has shown no
 * sign of life since the last look, and reports it `unresponsive` when that ping stays unhandled
 * for the timeout, `responsive` when signs of life come again. A busy renderer costs nothing.
 * (Process windows answer a regular ping instead: `host/process_connection.ts`.)
 *
 * @module
 */
import { pingInterval } from "../common/protocol.ts";

/** How a heartbeat sees one renderer. */
export interface HeartbeatProbe {
  /** A count that moves whenever the renderer shows that its event loop runs. */
  life(): number;
  /**
   * Whether the renderer cannot be judged now: blocked in a call the host has not answered
   * (waiting for us, not hung), or between page loads. Its clock starts again afterwards.
   */
  paused(): boolean;
  /** Sends a ping the renderer handles on its event loop (which moves `life`). */
  ping(): void;
}

/**
 * Watches one renderer until {@linkcode Heartbeat.stop}.
 *
 * @example
 * ```ts ignore
 * const heartbeat = new Heartbeat(10_000, probe, (ok) => console.log(ok ? "back" : "hung"));
 * heartbeat.stop();
 * ```
 */
export class Heartbeat {
  readonly #timeout: number;
  readonly #probe: HeartbeatProbe;
  readonly #report: (responsive: boolean) => void;
  readonly #timer: ReturnType<typeof setInterval>;
  #life: number;
  #pingAt: number | undefined;
  #unresponsive = false;

  constructor(timeout: number, probe: HeartbeatProbe, report: (responsive: boolean) => void) {
    this.#timeout = timeout;
    this.#probe = probe;
    this.#report = report;
    this.#life = probe.life();
    // Twice per ping interval: a ping goes out at most one interval after the renderer's last
    // sign of life, and so it is reported within the timeout plus one interval.
    this.#timer = setInterval(this.#beat, pingInterval(timeout) / 2);
    Deno.unrefTimer(this.#timer);
  }

  /** Stops watching (the window is closing). */
  stop(): void {
    clearInterval(this.#timer);
  }

  readonly #beat = (): void => {
    const life = this.#probe.life();
    if (life !== this.#life) {
      this.#life = life;
      this.#pingAt = undefined;
      if (this.#unresponsive) {
        this.#unresponsive = false;
        this.#report(true);
      }
      return;
    }
    const now = performance.now();
    if (this.#probe.paused()) {
      if (this.#pingAt !== undefined) this.#pingAt = now;
    } else if (this.#pingAt === undefined) {
      this.#pingAt = now;
      this.#probe.ping();
    } else if (!this.#unresponsive && now - this.#pingAt >= this.#timeout) {
      this.#unresponsive = true;
      this.#report(false);
    }
  };
}
