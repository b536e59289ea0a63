/**
 * Launches a worker window: a Deno Web Worker, sandboxed by Deno permissions (none unless
 * granted), and the host's end of its transport.
 *
 * The heartbeat (`unresponsive` / `responsive`) costs a busy window nothing: the renderer bumps
 * a counter in the sync cell for each message its event loop handles, and the host only reads it,
 * twice per ping interval. Only when it has not moved since the last look does the host post a
 * ping (which the renderer handles like any message, so it needs no answer); a ping left unhandled
 * for `unresponsiveTimeout` makes the window `unresponsive`, the counter moving again `responsive`.
 * A renderer blocked in a sync call is waiting for the host, and is not hung. Reporting is all the
 * host can do: Deno 2.9.6's `Worker.terminate()` does not stop a worker that never yields.
 *
 * @module
 */
import {
  DEFAULT_UNRESPONSIVE_TIMEOUT_MS,
  type HostMessage,
  Kind,
  type RendererMessage,
  type SyncReply,
} from "../common/protocol.ts";
import type { ConnectionSink, RendererConnection } from "../browser/_connection.ts";
import type { RendererInit, WorkerHello } from "../renderer/_transport.ts";
import {
  ANSWER_AFTER,
  ANSWER_LENGTH,
  ANSWERED,
  BELL,
  HANDLED,
  HEARTBEAT,
  isJsonBatch,
  LENGTH,
  NEED_PORT,
  ON_PORT,
  REQUEST,
  SEQ,
  SYNC_POSTED,
  SyncCell,
  takeFromPort,
} from "../renderer/_worker_cell.ts";
import { CellRequests } from "./_cell_requests.ts";
import { Heartbeat } from "./_heartbeat.ts";

const WORKER_MAIN = new URL("../renderer/_worker_main.ts", import.meta.url).href;

/** Deno permissions for a worker window, as `Worker`'s `deno.permissions` takes them. */
export type WorkerPermissions = "none" | "inherit" | Deno.PermissionOptionsObject;

/** How to launch a worker window. */
export interface WorkerLaunch extends RendererInit {
  /** The script to run. */
  entry: URL;
  /** A script to run before it (`webPreferences.preload`). */
  preload?: URL;
  /** Deno permissions; `"none"` when not given. */
  permissions?: WorkerPermissions;
  /** Heartbeat silence, in ms, after which the renderer is `unresponsive`. Default 10,000. */
  unresponsiveTimeout?: number;
}

/**
 * The worker's main module: our bootstrap, then the window's script, each a static import so that
 * a worker with no read permission can load them, then reports ready. The same for every window
 * of one script, so it is loaded (and type-checked, under `deno test`) once.
 */
function entryModule(launch: WorkerLaunch): string {
  const source = [
    `import { ready } from ${JSON.stringify(WORKER_MAIN)};`,
    launch.preload ? `import ${JSON.stringify(launch.preload.href)};` : "",
    `import ${JSON.stringify(launch.entry.href)};`,
    `ready();`,
  ].join("\n");
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * Starts the worker and returns the host's end of its transport. `responsive`, when given, hears
 * that the renderer stopped handling messages (`false`), or handles them again (`true`).
 *
 * @example
 * ```ts ignore
 * const connection = launchWorker(
 *   { id: 1, entry, syncTimeout: 30_000, unresponsiveTimeout: 5_000 },
 *   sink,
 *   (ok) => console.log(ok ? "responsive" : "unresponsive"),
 * );
 * ```
 */
export function launchWorker(
  launch: WorkerLaunch,
  sink: ConnectionSink,
  responsive?: (responsive: boolean) => void,
): RendererConnection {
  return new WorkerConnection(launch, sink, responsive);
}

class WorkerConnection implements RendererConnection {
  readonly movesPorts = true;
  readonly #worker: Worker;
  #cell: Int32Array | undefined;
  #sync: SyncCell | undefined;
  /** Where replies that do not fit the cell go; the renderer opens it on first need. */
  #replies: MessagePort | undefined;
  /** A reply copied (onto a channel of ours) while waiting for the renderer's port. */
  #held: { channel: MessageChannel; seq: number } | undefined;
  #destroyed = false;
  readonly #sink: ConnectionSink;
  /** The renderer's inline requests (see `_cell_requests.ts`); there from the hello on. */
  #requests: CellRequests | undefined;
  /** Messages posted to the renderer (an inline answer says how many precede it). */
  #posts = 0;
  readonly #responsive: ((responsive: boolean) => void) | undefined;
  readonly #timeout: number;
  #heartbeat: Heartbeat | undefined;

  constructor(
    launch: WorkerLaunch,
    sink: ConnectionSink,
    responsive?: (responsive: boolean) => void,
  ) {
    this.#sink = sink;
    this.#responsive = responsive;
    this.#timeout = launch.unresponsiveTimeout ?? DEFAULT_UNRESPONSIVE_TIMEOUT_MS;
    this.#worker = new Worker(entryModule(launch), {
      type: "module",
      name: `window ${launch.id}`,
      deno: { permissions: launch.permissions ?? "none" },
    });
    const init: RendererInit = {
      id: launch.id,
      syncTimeout: launch.syncTimeout,
      limits: launch.limits,
    };
    this.#worker.onmessage = (event: MessageEvent<WorkerHello>) => {
      this.#sync = new SyncCell(event.data.cell);
      this.#cell = this.#sync.slots;
      // The renderer is blocked until it has its init (seq -1).
      this.#answer([-1, true, init]);
      this.#startHeartbeat();
      const requests = this.#requests = new CellRequests(this.#sync, sink, this.#freeAnswer);
      this.#worker.onmessage = (event: MessageEvent<RendererMessage[]>) => {
        let batch: unknown = event.data;
        const replies = (batch as { replies?: unknown } | null)?.replies;
        if (replies instanceof MessagePort) return this.#openReplies(replies);
        if (typeof batch === "string") {
          // A batch sent as JSON text (see `isJsonBatch`); one that does not parse is refused
          // as malformed.
          try {
            batch = JSON.parse(batch);
          } catch { /* refused by the sink */ }
        }
        requests.receive(batch);
      };
      requests.listen();
    };
    this.#worker.onerror = (event) => {
      // Only what the renderer could not catch itself arrives here: its script failed to load or
      // to evaluate, and the worker is over.
      event.preventDefault();
      sink.receive([[Kind.Error, { name: "Error", message: event.message }]]);
      sink.exited(`failed to load ${launch.entry.pathname}: ${event.message}`);
    };
    this.#worker.onmessageerror = () => {
      sink.receive([[Kind.Error, {
        name: "DataCloneError",
        message: "a message could not be read",
      }]]);
    };
  }

  post(messages: HostMessage[], transfer?: Transferable[]): void {
    const invoke = this.#requests?.invoke ?? 0;
    if (invoke !== 0) {
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        if (m[0] === Kind.Reply && m[1] === invoke) return this.#postAnswer(messages, i, transfer);
      }
    }
    this.#post(messages, transfer);
  }

  #post(messages: HostMessage[], transfer?: Transferable[]): void {
    this.#posts++;
    // Plain data goes as JSON text: much cheaper to post than a structured clone of the tuples.
    // No transfer argument at all unless there is something to move: Deno takes a slower path
    // for any second argument, even an empty list (~45% more per post, measured).
    if (transfer?.length) this.#worker.postMessage(messages, transfer);
    else this.#worker.postMessage(isJsonBatch(messages) ? JSON.stringify(messages) : messages);
  }

  /**
   * Posts `messages`, whose `at`th is the answer to the inline invoke: into the cell, after the
   * messages before it and before the rest, when it is small JSON-exact data (and nothing is
   * transferred); else posted with them, the cell saying so.
   */
  #postAnswer(messages: HostMessage[], at: number, transfer?: Transferable[]): void {
    const requests = this.#requests!;
    const id = requests.invoke;
    requests.invoke = 0;
    const reply = messages[at] as [number, number, boolean, unknown, true?];
    const cell = this.#cell!;
    if (transfer?.length || reply[4] || !this.#sync!.writeAnswer(reply[2], reply[3])) {
      this.#freeAnswer(id);
      return this.#post(messages, transfer);
    }
    if (at > 0) this.#post(messages.slice(0, at));
    Atomics.store(cell, ANSWER_AFTER, this.#posts);
    Atomics.store(cell, ANSWERED, id);
    Atomics.notify(cell, ANSWERED);
    if (at + 1 < messages.length) this.#post(messages.slice(at + 1));
    requests.watchNext();
  }

  /** Tells the renderer that invoke `id`'s answer is not in the cell (it is posted, or never comes). */
  readonly #freeAnswer = (id: number): void => {
    const cell = this.#cell!;
    Atomics.store(cell, ANSWER_LENGTH, ON_PORT);
    Atomics.store(cell, ANSWER_AFTER, this.#posts);
    Atomics.store(cell, ANSWERED, id);
    Atomics.notify(cell, ANSWERED);
  };

  replySync(reply: SyncReply): void {
    // A sync call can only arrive after the hello, so the cell is there.
    this.#answer(reply);
  }

  /**
   * Answers `reply[0]` (-1: the init) and wakes the renderer. A small JSON-exact value is written
   * into the cell; any other is copied now (one that cannot be cloned throws here, to the caller)
   * and posted on the reply port, wrapped in a Map: the renderer takes it with
   * `receiveMessageOnPort`, whose Deno polyfill walks every own property of the message looking
   * for ports (one step per byte of a typed array: 16 s for 64 MiB); a Map has none. Without a
   * port yet, the copy waits on a channel of ours and the renderer is asked to open one.
   */
  #answer(reply: SyncReply): void {
    const cell = this.#cell!;
    if (!this.#sync!.writeReply(reply[1], reply[2])) {
      const message = new Map([[0, reply]]);
      if (this.#replies) {
        this.#replies.postMessage(message);
        Atomics.store(cell, LENGTH, ON_PORT);
      } else {
        const channel = new MessageChannel();
        channel.port1.postMessage(message);
        this.#held?.channel.port1.close();
        this.#held = { channel, seq: reply[0] };
        Atomics.store(cell, LENGTH, NEED_PORT);
      }
    }
    Atomics.store(cell, SEQ, reply[0]);
    Atomics.notify(cell, SEQ);
  }

  /** The renderer opened its reply port: deliver the reply held for it, if any. */
  #openReplies(port: MessagePort): void {
    this.#replies?.close();
    this.#replies = port;
    const held = this.#held;
    this.#held = undefined;
    if (!held || this.#destroyed) return;
    const message = takeFromPort(held.channel.port2);
    held.channel.port1.close();
    if (message === undefined) return;
    port.postMessage(message);
    const cell = this.#cell!;
    Atomics.store(cell, LENGTH, ON_PORT);
    Atomics.store(cell, SEQ, held.seq);
    Atomics.notify(cell, SEQ);
  }

  #startHeartbeat(): void {
    if (!this.#responsive || this.#destroyed) return;
    const cell = this.#cell!;
    this.#heartbeat = new Heartbeat(this.#timeout, {
      life: () => Atomics.load(cell, HANDLED),
      // Blocked in a sync call we have not answered: waiting for us, not hung.
      paused: () =>
        Math.max(Atomics.load(cell, REQUEST), Atomics.load(cell, SYNC_POSTED)) >
          Atomics.load(cell, SEQ),
      ping: () => {
        this.#posts++;
        this.#worker.postMessage(HEARTBEAT);
      },
    }, this.#responsive);
  }

  destroy(): Promise<void> {
    if (!this.#destroyed) {
      this.#destroyed = true;
      this.#heartbeat?.stop();
      const cell = this.#cell;
      if (cell) {
        // A renderer blocked on a request written into the cell that nobody answered would
        // outlive terminate() (which does not wake Atomics.wait): answer it. Then release our
        // pending `waitAsync`.
        const asked = Atomics.load(cell, REQUEST);
        if (asked > 0 && asked !== Atomics.load(cell, SEQ)) {
          this.#sync!.writeReply(false, { name: "Error", message: "the window is closed" });
          Atomics.store(cell, SEQ, asked);
          Atomics.notify(cell, SEQ);
        }
        Atomics.notify(cell, BELL);
      }
      this.#requests?.stop();
      this.#replies?.close();
      this.#held?.channel.port1.close();
      this.#worker.terminate();
    }
    return Promise.resolve();
  }
}
