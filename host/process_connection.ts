/**
 * Launches a process window: a renderer in its own Deno process, and the host's end of its
 * transport. Electron's founding promise: when the renderer crashes, runs out of memory, hangs or
 * is killed, the browser process lives on, learns why, and can close or reload the window.
 *
 * The child is `deno run` with only the permissions the window was given, the app's import map
 * (so `import ipc from "ipc"` works as in a worker window) and, when asked, a V8 heap limit. Its
 * stdin and stdout carry frames both ways, its stderr stays its own; how the renderer blocks in a
 * sync call and still hears the host asynchronously is in `renderer/_process_main.ts`. It is
 * started with `node:child_process`, whose streams cost a sync round trip a third of
 * `Deno.Command`'s here.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { DENO_EXECUTABLE, HOST_TOKEN, unwatch, watch } from "./_reaper.ts";
import { decode, encode } from "../common/codec.ts";
import { detach } from "../common/_page_wire.ts";
import { Frame, frame, FrameReader } from "../common/_frames.ts";
import {
  DEFAULT_UNRESPONSIVE_TIMEOUT_MS,
  type HostMessage,
  Kind,
  pingInterval,
  type RendererMessage,
  type SyncReply,
} from "../common/protocol.ts";
import type { ConnectionSink, RendererConnection } from "../browser/_connection.ts";
import type { RendererInit } from "../renderer/_transport.ts";
import { importMapUrl } from "./import_map.ts";
import { permissionFlags, type ProcessPermissions } from "./process_permissions.ts";

const PROCESS_MAIN = new URL("../renderer/_process_main.ts", import.meta.url).href;
const DENO = Deno.execPath();

export { DEFAULT_UNRESPONSIVE_TIMEOUT_MS } from "../common/protocol.ts";
/** How long `close()` waits for a renderer to end by itself before it is killed. */
export const CLOSE_GRACE_MS = 2_000;

/** Why a renderer process ended, with Electron's names. */
export type RenderProcessGoneReason =
  | "clean-exit"
  | "abnormal-exit"
  | "killed"
  | "crashed"
  | "oom"
  | "launch-failed";

/** The details of `render-process-gone`. */
export interface RenderProcessGoneDetails {
  /** Why the process ended. */
  reason: RenderProcessGoneReason;
  /** Its exit code; for a signal, 128 + the signal's number, as shells report it. */
  exitCode: number;
  /** The signal that ended it, if one did (e.g. `"SIGKILL"`). */
  signal?: string;
}

/** How to launch a process window. */
export interface ProcessLaunch extends RendererInit {
  /** The script to run. */
  entry: URL;
  /** The app folder, whose `deno.json` imports the renderer resolves with. */
  appDir: string;
  /** Deno permissions; none when not given. */
  permissions?: ProcessPermissions;
  /** Caps the renderer's V8 heap (`--max-old-space-size`), in MB. */
  memoryLimitMB?: number;
  /** Heartbeat silence, in ms, after which the renderer is `unresponsive`. Default 10,000. */
  unresponsiveTimeout?: number;
}

/** What a process window reports besides messages. */
export interface ProcessEvents {
  /** The renderer stopped answering the heartbeat (`false`), or answers again (`true`). */
  responsive(responsive: boolean): void;
  /** The renderer process ended without being asked to (not by `destroy()` or `close()`). */
  gone(details: RenderProcessGoneDetails): void;
}

/** The host's end of a process window: a {@linkcode RendererConnection} that can also close. */
export interface ProcessConnection extends RendererConnection {
  /** The renderer's process id. */
  readonly pid: number | undefined;
  /** Asks the renderer to close; kills it after `graceMs`. Resolves once it has exited. */
  close(graceMs?: number): Promise<void>;
}

const CRASH_SIGNALS = new Set([
  "SIGSEGV",
  "SIGBUS",
  "SIGILL",
  "SIGFPE",
  "SIGABRT",
  "SIGTRAP",
  "SIGSYS",
]);
const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSYS: 31,
};

/**
 * Why a renderer process ended, from how it ended and the tail of its stderr (V8 prints "Fatal
 * JavaScript out of memory" and traps when a heap limit is reached).
 *
 * @example
 * ```ts
 * import { goneDetails } from "./process_connection.ts";
 * goneDetails(3, null, "", true); // { reason: "abnormal-exit", exitCode: 3 }
 * ```
 */
export function goneDetails(
  code: number | null,
  signal: string | null,
  stderrTail: string,
  started: boolean,
): RenderProcessGoneDetails {
  const exitCode = code ?? 128 + (SIGNAL_NUMBERS[signal ?? ""] ?? 0);
  const withSignal = signal ? { signal } : {};
  if (/out of memory/i.test(stderrTail)) return { reason: "oom", exitCode, ...withSignal };
  if (!started) return { reason: "launch-failed", exitCode, ...withSignal };
  if (signal) {
    return { reason: CRASH_SIGNALS.has(signal) ? "crashed" : "killed", exitCode, signal };
  }
  return { reason: code === 0 ? "clean-exit" : "abnormal-exit", exitCode };
}

/**
 * The child's main module: our bootstrap, then the window's script (static imports: a renderer
 * needs no read permission to load its own module graph), then ready. The same for every window
 * of one script, so Deno compiles it once.
 */
function entryModule(entry: URL): string {
  const source = [
    `import { ready } from ${JSON.stringify(PROCESS_MAIN)};`,
    `import ${JSON.stringify(entry.href)};`,
    `ready();`,
  ].join("\n");
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

const importMaps = new Map<string, string>();

/** The app's import map, read once per app folder (each window would read its deno.json). */
function importMap(appDir: string): string {
  let map = importMaps.get(appDir);
  if (map === undefined) importMaps.set(appDir, map = importMapUrl(appDir));
  return map;
}

/** The `deno run` arguments of a process window. */
function commandArgs(launch: ProcessLaunch): string[] {
  const init: RendererInit = {
    id: launch.id,
    syncTimeout: launch.syncTimeout,
    limits: launch.limits,
  };
  const args = [
    "run",
    "--no-config",
    "--no-prompt",
    `--import-map=${importMap(launch.appDir)}`,
    ...permissionFlags(launch.permissions),
  ];
  if (launch.memoryLimitMB !== undefined) {
    if (!(Number.isInteger(launch.memoryLimitMB) && launch.memoryLimitMB > 0)) {
      throw new TypeError(`memoryLimitMB must be a positive integer, got ${launch.memoryLimitMB}`);
    }
    args.push(`--v8-flags=--max-old-space-size=${launch.memoryLimitMB}`);
  }
  // The token marks the process as this host's renderer (for the reaper, and for `ps`).
  args.push(entryModule(launch.entry), JSON.stringify(init), HOST_TOKEN);
  return args;
}

/**
 * Starts the renderer process and returns the host's end of its transport. Throws (before
 * anything starts) if the window asks for permissions the host lacks, or the host may not run
 * Deno.
 *
 * @example
 * ```ts ignore
 * const connection = launchProcess(
 *   { id: 1, entry, appDir: Deno.cwd(), syncTimeout: 30_000 },
 *   sink,
 *   { responsive: (ok) => console.log(ok), gone: (details) => console.log(details.reason) },
 * );
 * ```
 */
export function launchProcess(
  launch: ProcessLaunch,
  sink: ConnectionSink,
  events: ProcessEvents,
): ProcessConnection {
  const args = commandArgs(launch);
  if (Deno.permissions.querySync({ name: "run", command: DENO }).state !== "granted") {
    throw new Error(`process windows need the host to have run permission for ${DENO}`);
  }
  return new Connection(launch, args, sink, events);
}

/**
 * A plain `Uint8Array` view of a stream chunk: chunks are Node `Buffer`s, whose `slice` does not
 * copy, and the codec slices its input to copy typed arrays out of it.
 *
 * @example
 * ```ts ignore
 * stream.on("data", (chunk) => reader.push(plain(chunk), onFrame));
 * ```
 */
export function plain(chunk: Uint8Array): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Prints what a renderer's own code wrote to its stdout, as it is. */
function writeOut(bytes: Uint8Array): void {
  try {
    for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
  } catch { /* our stdout is closed: nowhere to print */ }
}

/** Bytes of the child's stderr kept to recognise how it ended. */
const STDERR_TAIL = 4096;

class Connection implements ProcessConnection {
  readonly #id: number;
  readonly #child: ChildProcess;
  /** The child's stdout: its frames to us. */
  readonly #fromChild: Readable;
  /** The child's stdin: our frames to it. */
  readonly #toChild: Writable;
  readonly #sink: ConnectionSink;
  readonly #events: ProcessEvents;
  readonly #timeout: number;
  readonly #exited = Promise.withResolvers<void>();
  #started = false;
  #ended = false;
  /** Set once the host ends it (destroy or close): its exit is then no news. */
  #ending = false;
  readonly #decoder = new TextDecoder();
  #stderrTail = "";
  #stderrLine = "";
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #pingAt = 0;
  #awaitingPong = false;
  #unresponsive = false;
  #syncPending = false;
  /** A doorbell was rung and not acknowledged yet: the next one waits (one signal each). */
  #ringing = false;
  /** Frames were written after the outstanding doorbell: ring again once it is acknowledged. */
  #unrung = false;

  constructor(launch: ProcessLaunch, args: string[], sink: ConnectionSink, events: ProcessEvents) {
    this.#id = launch.id;
    this.#sink = sink;
    this.#events = events;
    this.#timeout = launch.unresponsiveTimeout ?? DEFAULT_UNRESPONSIVE_TIMEOUT_MS;
    // Not detached: a new session makes the runtime fork rather than spawn, ~25 ms per window
    // in a host of a few hundred MB. The renderer ignores the terminal's Ctrl-C instead (the
    // host ends its renderers itself).
    this.#child = spawn(DENO_EXECUTABLE, args, { stdio: "pipe" });
    const stdio = this.#child.stdio;
    this.#fromChild = stdio[1] as Readable;
    this.#toChild = stdio[0] as Writable;
    if (this.#child.pid !== undefined) watch(this.#child.pid);
    const ignore = () => {};
    for (const stream of stdio) (stream as Writable | null)?.on("error", ignore);
    const reader = new FrameReader();
    this.#fromChild.on("data", (chunk: Uint8Array) => {
      if (this.#ending) return;
      try {
        reader.push(plain(chunk), this.#onFrame);
      } catch (error) {
        // A corrupt stream: the renderer is untrusted code; end it rather than guess.
        console.error(`[window ${this.#id}] refused a malformed stream: ${error}`);
        this.#kill();
      }
    });
    this.#child.stderr!.on("data", (chunk: Uint8Array) => this.#stderr(chunk));
    this.#child.on("error", (error: Error) => {
      // Spawning failed: no exit event follows.
      this.#stderrTail += String(error);
      this.#finish(null, null);
    });
    this.#child.on("close", (code: number | null, signal: string | null) => {
      this.#finish(code, signal);
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  readonly #onFrame = (type: number, payload: Uint8Array): void => {
    // Doorbells go on while the window closes: the Close message is announced by one.
    if (type === Frame.DoorbellAck) {
      this.#ringing = false;
      if (this.#unrung) this.#ring();
      return;
    }
    if (this.#ending) return;
    switch (type) {
      case Frame.Batch: {
        const messages = decode(payload) as RendererMessage[];
        const last = messages[messages.length - 1];
        if (Array.isArray(last) && last[0] === Kind.Sync) this.#syncPending = true;
        this.#sink.receive(messages);
        break;
      }
      case Frame.Pong:
        this.#awaitingPong = false;
        if (this.#unresponsive) {
          this.#unresponsive = false;
          this.#events.responsive(true);
        }
        break;
      case Frame.Stdout:
        writeOut(payload);
        break;
      case Frame.Hello:
        this.#started = true;
        this.#startHeartbeat();
        if (this.#unrung) this.#ring();
        break;
    }
  };

  /**
   * Announces the frames written since the last doorbell: a doorbell frame, then SIGUSR2. Only
   * after the renderer's hello (it installs its handler first: before, the signal would end it)
   * and one at a time (signals coalesce; the acknowledgement says the last one was handled).
   */
  #ring(): void {
    if (!this.#started || this.#ringing || this.#ended) {
      this.#unrung = true;
      return;
    }
    this.#unrung = false;
    this.#ringing = true;
    this.#toChild.write(frame(Frame.Doorbell));
    try {
      // Deno.kill: Node's `child.kill()` refuses every call after its first success.
      Deno.kill(this.#child.pid!, "SIGUSR2");
    } catch { /* it has just exited */ }
  }

  post(messages: HostMessage[], transfer?: Transferable[]): void {
    const payload = encode(messages); // throws a DataCloneError synchronously
    detach(transfer);
    if (this.#ending || this.#ended) return;
    this.#toChild.write(frame(Frame.Batch, payload));
    this.#ring();
  }

  replySync(reply: SyncReply): void {
    const payload = encode(reply); // throws a DataCloneError synchronously
    this.#syncPending = false;
    // The renderer was blocked, not hung: its heartbeat clock starts again now.
    this.#pingAt = performance.now();
    // No doorbell: the renderer is blocked reading for exactly this.
    if (!this.#ending && !this.#ended) this.#toChild.write(frame(Frame.Reply, payload));
  }

  destroy(): Promise<void> {
    this.#ending = true;
    this.#kill();
    return this.#exited.promise;
  }

  close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    if (this.#ending || this.#ended) return this.#exited.promise;
    this.#toChild.write(frame(Frame.Batch, encode([[Kind.Close]])));
    this.#ring();
    this.#ending = true;
    this.#stopHeartbeat();
    const timer = setTimeout(() => this.#kill(), graceMs);
    return this.#exited.promise.finally(() => clearTimeout(timer));
  }

  #kill(): void {
    this.#stopHeartbeat();
    // Never after the exit was seen: the pid could be someone else's by then.
    if (this.#ended) return;
    try {
      this.#child.kill("SIGKILL");
    } catch { /* it has just exited */ }
  }

  #startHeartbeat(): void {
    const timer = setInterval(() => this.#beat(), pingInterval(this.#timeout));
    Deno.unrefTimer(timer);
    this.#heartbeat = timer;
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #beat(): void {
    const now = performance.now();
    if (!this.#awaitingPong) {
      this.#awaitingPong = true;
      this.#pingAt = now;
      this.#toChild.write(frame(Frame.Ping));
      this.#ring();
      return;
    }
    // A renderer blocked in a sync call waits for us: that is not its silence.
    if (!this.#unresponsive && !this.#syncPending && now - this.#pingAt >= this.#timeout) {
      this.#unresponsive = true;
      this.#events.responsive(false);
    }
  }

  #stderr(chunk: Uint8Array): void {
    const text = this.#decoder.decode(chunk, { stream: true });
    this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL);
    // The child's own stderr is real output (Deno's errors, V8's fatal messages): shown as it
    // comes, each line marked with the window as console output is.
    const lines = (this.#stderrLine + text).split("\n");
    this.#stderrLine = lines.pop()!;
    if (lines.length) {
      const marked = lines.map((line) => `[window ${this.#id}] ${line}\n`).join("");
      Deno.stderr.writeSync(new TextEncoder().encode(marked));
    }
  }

  #finish(code: number | null, signal: string | null): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#child.pid !== undefined) unwatch(this.#child.pid);
    this.#stopHeartbeat();
    if (this.#stderrLine) this.#stderr(new TextEncoder().encode("\n"));
    for (const stream of this.#child.stdio) (stream as Writable | null)?.destroy();
    this.#exited.resolve();
    if (this.#ending) return;
    this.#ending = true;
    this.#events.gone(goneDetails(code, signal, this.#stderrTail, this.#started));
  }
}
