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

const WORKER_MAIN = new URL("../renderer/_worker_main.ts", import.meta.url).href;

/** Deno permissions for a worker window, as `Worker`'s `deno.permissions` takes them. */
export type WorkerPermissions = "none" | "inherit" | Deno.PermissionOptionsObject;

/** How to launch a worker window. */
export interface WorkerLaunch extends RendererInit {
  /** The script to run. */
  entry: URL;
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

class WorkerConnection implements RendererConnection {
  readonly #worker: Worker;
  #cell: Int32Array | undefined;
  #replies: MessagePort | undefined;
  #destroyed = false;

  constructor(launch: WorkerLaunch, sink: ConnectionSink) {
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
      this.#cell = new Int32Array(event.data.cell);
      this.#replies = event.data.replies;
      // The renderer is blocked until it has its init: answer on the port, then wake it.
      this.#replies.postMessage(init);
      Atomics.store(this.#cell, 0, -1);
      Atomics.notify(this.#cell, 0);
      this.#worker.onmessage = (event: MessageEvent<RendererMessage[]>) => sink.receive(event.data);
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

  replySync(reply: SyncReply): void {
    // A sync call can only arrive after the hello, so the cell is there.
    this.#replies!.postMessage(reply);
    Atomics.store(this.#cell!, 0, reply[0]);
    Atomics.notify(this.#cell!, 0);
  }

  destroy(): Promise<void> {
    if (!this.#destroyed) {
      this.#destroyed = true;
      this.#replies?.close();
      this.#worker.terminate();
    }
    return Promise.resolve();
  }
}
