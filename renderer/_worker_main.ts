/**
 * The bootstrap of a worker window: installs the renderer core on the worker transport before the
 * window's own script runs.
 *
 * Sync calls block in `Atomics.wait` on a cell of shared memory; the host posts the reply on a
 * dedicated `MessagePort` before it wakes us, and we take it off the port synchronously with
 * `receiveMessageOnPort`, so replies of any size keep structured-clone fidelity.
 *
 * @module
 */
import { type MessagePort as NodeMessagePort, receiveMessageOnPort } from "node:worker_threads";
import type { HostMessage, RendererMessage, SyncReply } from "../common/protocol.ts";
import { installCore, RendererCore } from "./_core.ts";
import { installEnvironment } from "./_bootstrap.ts";
import {
  INIT_TIMEOUT_MS,
  type RendererInit,
  type RendererTransport,
  type WorkerHello,
} from "./_transport.ts";

// Captured before the environment replaces `close` with the window-aware version.
const closeWorker = globalThis.close.bind(globalThis);
const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
};

class WorkerTransport implements RendererTransport {
  readonly #cell: Int32Array;
  readonly #replies: MessagePort;

  constructor(cell: SharedArrayBuffer, replies: MessagePort) {
    this.#cell = new Int32Array(cell);
    this.#replies = replies;
  }

  post(messages: RendererMessage[], transfer?: Transferable[]): void {
    scope.postMessage(messages, transfer);
  }

  waitSync(seq: number, timeoutMs: number): SyncReply {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const answered = Atomics.load(this.#cell, 0);
      if (answered === seq) break;
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(`no answer from the browser within ${timeoutMs} ms`);
      }
      Atomics.wait(this.#cell, 0, answered, left);
    }
    for (;;) {
      // Deno's web MessagePort works here; Node's typings only know their own port class.
      const entry = receiveMessageOnPort(this.#replies as unknown as NodeMessagePort);
      if (!entry) throw new Error(`internal: the reply to sync call ${seq} is missing`);
      const reply = entry.message as SyncReply;
      if (reply[0] === seq) return reply;
      // An older reply, to a call that already timed out here: drop it.
    }
  }

  listen(receive: (messages: HostMessage[]) => void): void {
    scope.onmessage = (event) => receive(event.data);
  }

  close(): void {
    this.#replies.close();
    closeWorker();
  }
}

// The window's generated entry imports this module before the window's own script (static
// imports, so a worker without read permission can load it), and calls `ready()` after it.
// The hello hands the host our sync cell and reply port; the host answers on that port with
// this window's init, which we wait for here, before the window's script can run. (Passing the
// init in the entry's source instead would make every window's entry a distinct module.)
const cell = new SharedArrayBuffer(4);
const cellView = new Int32Array(cell);
const { port1, port2 } = new MessageChannel();
(globalThis as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(
  { cell, replies: port2 } satisfies WorkerHello,
  [port2],
);
Atomics.wait(cellView, 0, 0, INIT_TIMEOUT_MS);
const welcome = receiveMessageOnPort(port1 as unknown as NodeMessagePort);
if (!welcome) throw new Error(`no init from the host within ${INIT_TIMEOUT_MS} ms`);
const init = welcome.message as RendererInit;
Atomics.store(cellView, 0, 0);
const core = new RendererCore(new WorkerTransport(cell, port1), init);
installCore(core);
installEnvironment(core, (v) => Deno.inspect(v, { colors: false, depth: 6 }));

/** Reports that the window's script has run. */
export function ready(): void {
  core.ready();
}
