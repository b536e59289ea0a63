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
  INVOKE,
  INVOKE_AFTER,
  isJsonBatch,
  LENGTH,
  NEED_PORT,
  ON_PORT,
  REQUEST,
  REQUEST_AFTER,
  SEQ,
  SYNC_POSTED,
  SyncCell,
  takeFromPort,
} from "../renderer/_worker_cell.ts";
import { SpinGate } from "../renderer/_spin_gate.ts";
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

/**
 * How long the host watches the cell for a renderer's next sync request after answering one, in
 * ms, before it goes back to its event loop. A renderer calling in a loop asks again within a µs
 * or two of its answer; catching that saves an event-loop wake-up (most of a round trip). Whether to
 * watch at all is the window's spin gate's to say (see `_spin_gate.ts`), so a window that calls
 * now and then costs next to nothing, and the host's other work waits at most this long.
 */
const HOST_SPIN_MS = 0.005;

/**
 * The same watch after an inline invoke's answer: longer, since a renderer's next invoke goes
 * through its promise jobs and a microtask flush first (5 µs missed about one time in ten).
 */
const HOST_INVOKE_SPIN_MS = 0.02;

const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const yieldThen = (fn: () => void): void => void (immediate ? immediate(fn) : setTimeout(fn, 0));

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
  /** Batches and inline invokes received since the hello (an inline request says how many precede it). */
  #received = 0;
  /** The last values seen in the cell's bell, sync request and invoke slots. */
  #seenBell = 0;
  #seenRequest = 0;
  #seenInvoke = 0;
  /** An inline sync request waiting for the batches posted before it. */
  #deferred: { batch: RendererMessage[]; after: number } | undefined;
  /** The same for an inline invoke. */
  #deferredInvoke: { batch: RendererMessage[]; after: number } | undefined;
  /** The id of the inline invoke taken and not yet answered; 0 when none. */
  #invoke = 0;
  /** Messages posted to the renderer (an inline answer says how many precede it). */
  #posts = 0;
  /** Whether to watch briefly for the next request after an inline answer. */
  readonly #invokeSpin = new SpinGate();
  /** Inline requests handled back to back without yielding to the event loop. */
  #chain = 0;
  /** Whether to watch briefly for the next request (see `HOST_SPIN_MS`). */
  readonly #spin = new SpinGate();
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
      this.#worker.onmessage = (event: MessageEvent<RendererMessage[]>) => {
        let batch: unknown = event.data;
        const replies = (batch as { replies?: unknown } | null)?.replies;
        if (replies instanceof MessagePort) return this.#openReplies(replies);
        // An inline invoke written before this batch was posted goes first.
        this.#takeRequests();
        this.#received++;
        if (typeof batch === "string") {
          // A batch sent as JSON text (see `isJsonBatch`); one that does not parse is refused
          // below as malformed.
          try {
            batch = JSON.parse(batch);
          } catch { /* refused by the sink */ }
        }
        sink.receive(batch as RendererMessage[]);
        if (this.#invoke !== 0) this.#seeCancel(batch);
        this.#takeDeferred();
      };
      this.#listenForRequests();
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
    if (this.#invoke !== 0) {
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        if (m[0] === Kind.Reply && m[1] === this.#invoke) {
          return this.#postAnswer(messages, i, transfer);
        }
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
    const id = this.#invoke;
    this.#invoke = 0;
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
    // A renderer invoking in a loop asks again within µs: catch it awake (see `HOST_SPIN_MS`).
    if (this.#invokeSpin.open()) queueMicrotask(this.#watch);
  }

  /** Tells the renderer that invoke `id`'s answer is not in the cell (it is posted, or never comes). */
  #freeAnswer(id: number): void {
    const cell = this.#cell!;
    Atomics.store(cell, ANSWER_LENGTH, ON_PORT);
    Atomics.store(cell, ANSWER_AFTER, this.#posts);
    Atomics.store(cell, ANSWERED, id);
    Atomics.notify(cell, ANSWERED);
  }

  /** The renderer cancelled the inline invoke: its handler will not answer, so free the cell. */
  #seeCancel(batch: unknown): void {
    if (!Array.isArray(batch)) return;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i];
      if (Array.isArray(m) && m[0] === Kind.Cancel && m[1] === this.#invoke) {
        this.#freeAnswer(this.#invoke);
        this.#invoke = 0;
        return;
      }
    }
  }

  readonly #watch = (): void => {
    if (this.#destroyed) return;
    const cell = this.#cell!;
    const until = performance.now() + HOST_INVOKE_SPIN_MS;
    let caught = false;
    for (let i = 1; !(caught = Atomics.load(cell, BELL) !== this.#seenBell); i++) {
      if ((i & 15) === 0 && performance.now() > until) break;
    }
    this.#invokeSpin.record(caught);
    if (caught) this.#takeRequests();
  };

  /**
   * Waits (without blocking the event loop) for sync requests the renderer writes into the cell;
   * each is handled as if it had been posted, after the batches posted before it. Requests that
   * are already there are handled at once, up to a few in a row before yielding to other tasks.
   */
  #listenForRequests(): void {
    if (this.#destroyed) return;
    const cell = this.#cell!;
    if (this.#chain < 15 && this.#spin.open()) {
      const until = performance.now() + HOST_SPIN_MS;
      let caught = false;
      for (let i = 1; !(caught = Atomics.load(cell, BELL) !== this.#seenBell); i++) {
        if ((i & 15) === 0 && performance.now() > until) break;
      }
      this.#spin.record(caught);
    }
    const wait = Atomics.waitAsync(cell, BELL, this.#seenBell);
    if (wait.async) {
      this.#chain = 0;
      wait.value.then(this.#onRequest);
    } else if (++this.#chain < 16) this.#onRequest();
    else {
      // Let other tasks run (setTimeout(0) would cost ~2 ms here; setImmediate a few µs).
      this.#chain = 0;
      yieldThen(this.#onRequest);
    }
  }

  readonly #onRequest = (): void => {
    if (this.#destroyed) return;
    try {
      this.#takeRequests();
    } finally {
      this.#listenForRequests();
    }
  };

  /**
   * Handles what the renderer wrote into the cell since the last look, each after the batches
   * posted before it: an inline invoke, then a sync request (which, blocking the renderer, can
   * only have come after it). Requests that cannot be read are passed on for the sink to refuse
   * as malformed, like a bad posted frame. A renderer that writes another request before its
   * last one is answered breaks the protocol and only loses its own earlier request.
   */
  #takeRequests(): void {
    const cell = this.#cell!;
    // The bell first: a request written after these reads rings again.
    this.#seenBell = Atomics.load(cell, BELL);
    const id = Atomics.load(cell, INVOKE);
    if (id !== this.#seenInvoke) {
      this.#seenInvoke = id;
      this.#invoke = id;
      const after = Atomics.load(cell, INVOKE_AFTER);
      // Not a batch (unreadable): refused by the sink as malformed.
      const batch = this.#sync!.readInvoke() as RendererMessage[];
      if (this.#received >= after) {
        this.#received++;
        this.#sink.receive(batch);
      } else this.#deferredInvoke = { batch, after };
    }
    const seq = Atomics.load(cell, REQUEST);
    if (seq !== this.#seenRequest) {
      this.#seenRequest = seq;
      const after = Atomics.load(cell, REQUEST_AFTER);
      // Not a batch (unreadable): refused by the sink as malformed.
      const batch = this.#sync!.readRequest() as RendererMessage[];
      if (this.#received >= after) this.#sink.receive(batch);
      else this.#deferred = { batch, after };
    }
  }

  /** Handles inline requests that were waiting for the batch just received. */
  #takeDeferred(): void {
    const invoke = this.#deferredInvoke;
    if (invoke && this.#received >= invoke.after) {
      this.#deferredInvoke = undefined;
      this.#received++;
      this.#sink.receive(invoke.batch);
    }
    const sync = this.#deferred;
    if (sync && this.#received >= sync.after) {
      this.#deferred = undefined;
      this.#sink.receive(sync.batch);
    }
  }

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
      this.#replies?.close();
      this.#held?.channel.port1.close();
      this.#worker.terminate();
    }
    return Promise.resolve();
  }
}
