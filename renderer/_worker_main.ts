/**
 * The bootstrap of a worker window: installs the renderer core on the worker transport before the
 * window's own script runs.
 *
 * Sync calls go through a cell of shared memory (`_worker_cell.ts`) and block on it: a brief
 * spin, then `Atomics.wait`. Small requests and replies that JSON carries exactly are written
 * into the cell itself; any other request is posted, and any other reply is posted on a dedicated
 * `MessagePort` before the host wakes us, and we take it off the port synchronously with
 * `receiveMessageOnPort`, so replies of any size keep structured-clone fidelity. The port is
 * opened, and `node:worker_threads` loaded, only when such a reply first comes: neither is part
 * of a window's start.
 *
 * No timer here for the heartbeat: each message the event loop handles bumps a counter in the
 * cell, which the host reads (a ping is just one more message, so it needs no answer).
 *
 * @module
 */
import {
  type HostMessage,
  Kind,
  type RendererMessage,
  type SyncReply,
} from "../common/protocol.ts";
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
  HANDLED,
  HEARTBEAT,
  isJsonBatch,
  LENGTH,
  NEED_PORT,
  OK,
  ON_PORT,
  REQUEST,
  REQUEST_AFTER,
  SEQ,
  SYNC_POSTED,
  SyncCell,
  takeFromPort,
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

class WorkerTransport implements RendererTransport {
  readonly movesPorts = true;
  readonly #cell: Int32Array;
  readonly #sync: SyncCell;
  /** Where replies too big for the cell (or not plain data) come; opened on first need. */
  #replies: MessagePort | undefined;
  /** Batches posted so far: an inline sync request is handled after this many. */
  #posted = 0;

  constructor(cell: SharedArrayBuffer) {
    this.#sync = new SyncCell(cell);
    this.#cell = this.#sync.slots;
  }

  post(messages: RendererMessage[], transfer?: Transferable[]): void {
    const m = messages[0];
    if (m[0] === Kind.Sync) {
      const cell = this.#cell;
      if (messages.length === 1 && !transfer && this.#sync.writeRequest(m[2], m[3])) {
        Atomics.store(cell, REQUEST_AFTER, this.#posted);
        Atomics.store(cell, REQUEST, m[1]);
        Atomics.notify(cell, REQUEST);
        return;
      }
      // The heartbeat must know we are about to block on the host (see `SYNC_POSTED`).
      Atomics.store(cell, SYNC_POSTED, m[1]);
    }
    // Plain data goes as JSON text: much cheaper to post than a structured clone of the tuples.
    // No transfer argument at all unless there is something to move: Deno takes a slower path
    // for any second argument, even `undefined` (~45% more per post, measured).
    if (transfer?.length) scope.postMessage(messages, transfer);
    else scope.postMessage(isJsonBatch(messages) ? JSON.stringify(messages) : messages);
    this.#posted++;
  }

  /** Blocks until the host's answer to the hello (the window's init) is there; returns it. */
  receiveInit(): RendererInit {
    const init = this.#answer(-1, INIT_TIMEOUT_MS, false, "no init from the host")[2];
    Atomics.store(this.#cell, SEQ, 0);
    return init as RendererInit;
  }

  waitSync(seq: number, timeoutMs: number): SyncReply {
    return this.#answer(seq, timeoutMs, true, "no answer from the browser");
  }

  /** Waits for the answer to `seq` and reads it, from the cell or the reply port. */
  #answer(seq: number, timeoutMs: number, spin: boolean, what: string): SyncReply {
    const cell = this.#cell;
    const deadline = performance.now() + timeoutMs;
    if (Atomics.load(cell, SEQ) !== seq) {
      let caught = false;
      if (spin && (spinning || (++calls & 31) === 0)) {
        const spinUntil = performance.now() + SPIN_MS;
        for (let i = 1; !(caught = Atomics.load(cell, SEQ) === seq); i++) {
          if ((i & 31) === 0 && performance.now() > spinUntil) break;
        }
        spinning = caught;
      }
      if (!caught) this.#sleep(seq, deadline, timeoutMs, what);
    }
    let length = Atomics.load(cell, LENGTH);
    if (length === NEED_PORT) {
      // The host holds a reply for the port we have not opened yet: open it, and wait again.
      const { port1, port2 } = new MessageChannel();
      this.#replies = port1;
      Atomics.store(cell, SEQ, 0);
      scope.postMessage({ replies: port2 }, [port2]);
      this.#sleep(seq, deadline, timeoutMs, what);
      length = Atomics.load(cell, LENGTH);
    }
    if (length !== ON_PORT) {
      return [seq, Atomics.load(cell, OK) === 1, this.#sync.readReply(length)];
    }
    for (;;) {
      const message = this.#replies && takeFromPort(this.#replies);
      if (!message) throw new Error(`internal: the reply to sync call ${seq} is missing`);
      // Wrapped in a Map by the host (see `WorkerConnection.replySync`).
      const reply = (message as Map<0, SyncReply>).get(0)!;
      if (reply[0] === seq) return reply;
      // An older reply, to a call that already timed out here: drop it.
    }
  }

  #sleep(seq: number, deadline: number, timeoutMs: number, what: string): void {
    for (;;) {
      const answered = Atomics.load(this.#cell, SEQ);
      if (answered === seq) return;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${what} within ${timeoutMs} ms`);
      Atomics.wait(this.#cell, SEQ, answered, left);
    }
  }

  listen(receive: (messages: HostMessage[]) => void): void {
    const cell = this.#cell;
    scope.onmessage = (event) => {
      // First, so that a batch whose listener throws still counts. Only we write the slot.
      cell[HANDLED]++;
      const data = event.data;
      if (data === HEARTBEAT) return;
      receive(typeof data === "string" ? JSON.parse(data) : data);
    };
  }

  close(): void {
    this.#replies?.close();
    closeWorker();
  }
}

// The window's generated entry imports this module before the window's own script (static
// imports, so a worker without read permission can load it), and calls `ready()` after it.
// The hello hands the host our sync cell; the host answers in it with this window's init, which
// we wait for here, before the window's script can run. (Passing the init in the entry's source
// instead would make every window's entry a distinct module.)
const cell = new SharedArrayBuffer(CELL_BYTES);
scope.postMessage({ cell } satisfies WorkerHello);
const transport = new WorkerTransport(cell);
const core = new RendererCore(transport, transport.receiveInit());
installCore(core);
installEnvironment(core, (v) => Deno.inspect(v, { colors: false, depth: 6 }));

/** Reports that the window's script has run. */
export function ready(): void {
  core.ready();
}
