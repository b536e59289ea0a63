/**
 * The bootstrap of a worker window: installs the renderer core on the worker transport before the
 * window's own script runs.
 *
 * Sync calls go through a cell of shared memory (`_worker_cell.ts`) and block on it: a brief
 * spin, then `Atomics.wait`. Small requests and replies that JSON carries exactly are written
 * into the cell itself; any other request is posted, and any other reply is posted on a dedicated
 * `MessagePort` before the host wakes us, and we take it off the port synchronously with
 * `receiveMessageOnPort`, so replies of any size keep structured-clone fidelity. `node:worker_threads` (which costs a window ~0.4 MB and ~5 ms to load) is loaded
 * only when a reply first comes that way.
 *
 * @module
 */
import type { MessagePort as NodeMessagePort, receiveMessageOnPort } from "node:worker_threads";
import { type HostMessage, Kind, type RendererMessage, type SyncReply } from "../common/protocol.ts";
import { installCore, RendererCore } from "./_core.ts";
import { installEnvironment } from "./_bootstrap.ts";
import {
  INIT_TIMEOUT_MS,
  type RendererInit,
  type RendererTransport,
  type WorkerHello,
} from "./_transport.ts";
import {
  CELL_BYTES,
  LENGTH,
  OK,
  ON_PORT,
  REQUEST,
  REQUEST_AFTER,
  SEQ,
  SyncCell,
} from "./_worker_cell.ts";

// Captured before the environment replaces `close` with the window-aware version.
const closeWorker = globalThis.close.bind(globalThis);
const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
};

/**
 * How long a sync call spins on the cell before it sleeps in `Atomics.wait`, in ms. When the host
 * runs on another core and answers at once (a few µs), catching the reply awake saves a wake-up
 * (~5–40 µs on a VM). When it does not (a slow handler, or the scheduler put the host on this very
 * core, where spinning only delays it), a missed spin turns spinning off, and one call in 32
 * tries again.
 */
const SPIN_MS = 0.05;
let spinning = true;
let calls = 0;

let receiveOnPort: typeof receiveMessageOnPort | undefined;

/** Takes the next message off `port` synchronously (loading `node:worker_threads` once). */
function takeFrom(port: MessagePort): unknown {
  receiveOnPort ??= (globalThis as unknown as {
    process: { getBuiltinModule(id: string): typeof import("node:worker_threads") };
  }).process.getBuiltinModule("node:worker_threads").receiveMessageOnPort;
  // Deno's web MessagePort works here; Node's typings only know their own port class.
  return receiveOnPort(port as unknown as NodeMessagePort)?.message;
}

class WorkerTransport implements RendererTransport {
  readonly #cell: Int32Array;
  readonly #sync: SyncCell;
  readonly #replies: MessagePort;
  /** Batches posted so far: an inline sync request is handled after this many. */
  #posted = 0;

  constructor(cell: SharedArrayBuffer, replies: MessagePort) {
    this.#sync = new SyncCell(cell);
    this.#cell = this.#sync.slots;
    this.#replies = replies;
  }

  post(messages: RendererMessage[], transfer?: Transferable[]): void {
    const m = messages[0];
    if (messages.length === 1 && m[0] === Kind.Sync && !transfer) {
      const cell = this.#cell;
      if (this.#sync.writeRequest(m[2], m[3])) {
        Atomics.store(cell, REQUEST_AFTER, this.#posted);
        Atomics.store(cell, REQUEST, m[1]);
        Atomics.notify(cell, REQUEST);
        return;
      }
    }
    scope.postMessage(messages, transfer);
    this.#posted++;
  }

  waitSync(seq: number, timeoutMs: number): SyncReply {
    const cell = this.#cell;
    if (Atomics.load(cell, SEQ) !== seq) {
      const start = performance.now();
      let caught = false;
      if (spinning || (++calls & 31) === 0) {
        const spinUntil = start + SPIN_MS;
        for (let i = 1; !(caught = Atomics.load(cell, SEQ) === seq); i++) {
          if ((i & 31) === 0 && performance.now() > spinUntil) break;
        }
        spinning = caught;
      }
      if (!caught) this.#sleep(seq, start + timeoutMs, timeoutMs);
    }
    const length = Atomics.load(cell, LENGTH);
    if (length !== ON_PORT) {
      return [seq, Atomics.load(cell, OK) === 1, this.#sync.readReply(length)];
    }
    for (;;) {
      const message = takeFrom(this.#replies);
      if (!message) throw new Error(`internal: the reply to sync call ${seq} is missing`);
      // Wrapped in a Map by the host (see `WorkerConnection.replySync`).
      const reply = (message as Map<0, SyncReply>).get(0)!;
      if (reply[0] === seq) return reply;
      // An older reply, to a call that already timed out here: drop it.
    }
  }

  #sleep(seq: number, deadline: number, timeoutMs: number): void {
    for (;;) {
      const answered = Atomics.load(this.#cell, SEQ);
      if (answered === seq) return;
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(`no answer from the browser within ${timeoutMs} ms`);
      }
      Atomics.wait(this.#cell, SEQ, answered, left);
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
const cell = new SharedArrayBuffer(CELL_BYTES);
const cellView = new Int32Array(cell);
const { port1, port2 } = new MessageChannel();
(globalThis as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(
  { cell, replies: port2 } satisfies WorkerHello,
  [port2],
);
Atomics.wait(cellView, SEQ, 0, INIT_TIMEOUT_MS);
if (Atomics.load(cellView, SEQ) !== -1) {
  throw new Error(`no init from the host within ${INIT_TIMEOUT_MS} ms`);
}
const initLength = Atomics.load(cellView, LENGTH);
const init = (initLength === ON_PORT
  ? takeFrom(port1)
  : new SyncCell(cell).readReply(initLength)) as RendererInit;
Atomics.store(cellView, SEQ, 0);
const core = new RendererCore(new WorkerTransport(cell, port1), init);
installCore(core);
installEnvironment(core, (v) => Deno.inspect(v, { colors: false, depth: 6 }));

/** Reports that the window's script has run. */
export function ready(): void {
  core.ready();
}
