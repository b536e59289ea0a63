/**
 * Launches a worker window: a Deno Web Worker, sandboxed by Deno permissions (none unless
 * granted), and the host's end of its transport.
 *
 * @module
 */
import {
  type HostMessage,
  Kind,
  type RendererMessage,
  type SyncReply,
} from "../common/protocol.ts";
import type { ConnectionSink, RendererConnection } from "../browser/_connection.ts";
import type { RendererInit, WorkerHello } from "../renderer/_transport.ts";
import {
  LENGTH,
  ON_PORT,
  REQUEST,
  REQUEST_AFTER,
  SEQ,
  SyncCell,
} from "../renderer/_worker_cell.ts";

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
 * Starts the worker and returns the host's end of its transport.
 *
 * @example
 * ```ts ignore
 * const connection = launchWorker({ id: 1, entry, syncTimeout: 30_000 }, sink);
 * ```
 */
export function launchWorker(launch: WorkerLaunch, sink: ConnectionSink): RendererConnection {
  return new WorkerConnection(launch, sink);
}

const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const yieldThen = (fn: () => void): void => void (immediate ? immediate(fn) : setTimeout(fn, 0));

class WorkerConnection implements RendererConnection {
  readonly #worker: Worker;
  #cell: Int32Array | undefined;
  #sync: SyncCell | undefined;
  #replies: MessagePort | undefined;
  #destroyed = false;
  readonly #sink: ConnectionSink;
  /** Batches received since the hello (an inline sync request says how many precede it). */
  #received = 0;
  /** The last value seen in the cell's request slot. */
  #seenRequest = 0;
  /** An inline sync request waiting for the batches posted before it. */
  #deferred: { message: RendererMessage; after: number } | undefined;
  /** Inline requests handled back to back without yielding to the event loop. */
  #chain = 0;

  constructor(launch: WorkerLaunch, sink: ConnectionSink) {
    this.#sink = sink;
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
      this.#replies = event.data.replies;
      // The renderer is blocked until it has its init: answer in the cell (or, when it does not
      // fit, on the port), then wake it.
      if (!this.#sync.writeReply(true, init)) {
        this.#replies.postMessage(init);
        Atomics.store(this.#cell, LENGTH, ON_PORT);
      }
      Atomics.store(this.#cell, SEQ, -1);
      Atomics.notify(this.#cell, SEQ);
      this.#worker.onmessage = (event: MessageEvent<RendererMessage[]>) => {
        this.#received++;
        sink.receive(event.data);
        const deferred = this.#deferred;
        if (deferred && this.#received >= deferred.after) {
          this.#deferred = undefined;
          sink.receive([deferred.message]);
        }
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
    this.#worker.postMessage(messages, transfer ?? []);
  }

  /**
   * Waits (without blocking the event loop) for sync requests the renderer writes into the cell;
   * each is handled as if it had been posted, after the batches posted before it. Requests that
   * are already there are handled at once, up to a few in a row before yielding to other tasks.
   */
  #listenForRequests(): void {
    if (this.#destroyed) return;
    const wait = Atomics.waitAsync(this.#cell!, REQUEST, this.#seenRequest);
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
    const cell = this.#cell!;
    const seq = Atomics.load(cell, REQUEST);
    if (seq !== this.#seenRequest) {
      this.#seenRequest = seq;
      const after = Atomics.load(cell, REQUEST_AFTER);
      const request = this.#sync!.readRequest();
      // Not readable: the sink refuses it as malformed, like a bad posted frame.
      const message = [Kind.Sync, seq, request?.[0], request?.[1]] as RendererMessage;
      try {
        if (this.#received >= after) this.#sink.receive([message]);
        else this.#deferred = { message, after };
      } finally {
        this.#listenForRequests();
      }
      return;
    }
    this.#listenForRequests();
  };

  replySync(reply: SyncReply): void {
    // A sync call can only arrive after the hello, so the cell is there. A small JSON-exact
    // reply is written into it; any other travels on the port, wrapped in a Map: the renderer
    // takes it with `receiveMessageOnPort`, whose Deno polyfill walks every own property of the
    // message looking for ports (one step per byte of a typed array: 16 s for 64 MiB); a Map
    // has none, so the walk stops at once.
    const cell = this.#cell!;
    if (!this.#sync!.writeReply(reply[1], reply[2])) {
      this.#replies!.postMessage(new Map([[0, reply]]));
      Atomics.store(cell, LENGTH, ON_PORT);
    }
    Atomics.store(cell, SEQ, reply[0]);
    Atomics.notify(cell, SEQ);
  }

  destroy(): Promise<void> {
    if (!this.#destroyed) {
      this.#destroyed = true;
      if (this.#cell) {
        // Releases our pending `waitAsync` (it would keep this connection alive), and a renderer
        // blocked on a request the host never took up (terminate() does not wake it).
        if (this.#deferred) {
          this.#sync!.writeReply(false, {
            name: "Error",
            message: "the window is closed",
          });
          Atomics.store(this.#cell, SEQ, (this.#deferred.message as [number, number])[1]);
          Atomics.notify(this.#cell, SEQ);
        }
        Atomics.notify(this.#cell, REQUEST);
      }
      this.#replies?.close();
      this.#worker.terminate();
    }
    return Promise.resolve();
  }
}
