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
 * An invoke may take the same road (see `_worker_cell.ts`): written into the cell, and its answer
 * caught with a brief spin right there, when the host answers within it, which saves both event
 * loops a wake-up; else taken when `Atomics.waitAsync` or the next message from the host finds
 * it, always after every message the host posted before it.
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
import { SpinGate, spinUntil } from "./_spin_gate.ts";
import {
  INIT_TIMEOUT_MS,
  type RendererInit,
  type RendererTransport,
  type WorkerHello,
} from "./_transport.ts";
import {
  ANSWER_AFTER,
  ANSWER_LENGTH,
  ANSWER_OK,
  ANSWERED,
  BELL,
  CELL_BYTES,
  HANDLED,
  HEARTBEAT,
  INVOKE,
  INVOKE_AFTER,
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
 * How long a sync call spins on the cell before it sleeps in `Atomics.wait`, in ms: when the host
 * runs on another core and answers at once (a few µs), catching the reply awake saves a wake-up.
 * When to spin at all is the gate's to say (see `_spin_gate.ts`).
 */
const SPIN_MS = 0.05;
const spin = new SpinGate();
/** The same for an invoke's answer: its handler may well be slower than a sync listener. */
const invokeSpin = new SpinGate();

/**
 * Whether a call's batch may go into the cell: the call, and at most an acknowledgement (which
 * rides on every batch after the renderer has handled messages, so most calls carry one).
 */
function inlineBatch(messages: RendererMessage[]): boolean {
  return messages.length === 1 || (messages.length === 2 && messages[1][0] === Kind.Ack);
}

class WorkerTransport implements RendererTransport {
  readonly movesPorts = true;
  readonly #cell: Int32Array;
  readonly #sync: SyncCell;
  /** Where replies too big for the cell (or not plain data) come; opened on first need. */
  #replies: MessagePort | undefined;
  /** Batches (and inline invokes) posted so far: an inline request is handled after this many. */
  #posted = 0;
  /** The id of the invoke in the cell, until its answer is taken; 0 when none. */
  #invoke = 0;
  #receive: ((messages: HostMessage[]) => void) | undefined;

  constructor(cell: SharedArrayBuffer) {
    this.#sync = new SyncCell(cell);
    this.#cell = this.#sync.slots;
  }

  post(messages: RendererMessage[], transfer?: Transferable[]): void {
    const m = messages[0];
    if (m[0] === Kind.Invoke && this.#invoke === 0 && !transfer && inlineBatch(messages)) {
      if (this.#sync.writeInvoke(messages)) return this.#postInvoke(m[1]);
    } else if (m[0] === Kind.Sync) {
      const cell = this.#cell;
      if (!transfer && inlineBatch(messages) && this.#sync.writeRequest(messages)) {
        Atomics.store(cell, REQUEST_AFTER, this.#posted);
        Atomics.store(cell, REQUEST, m[1]);
        this.#ring();
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

  #ring(): void {
    Atomics.add(this.#cell, BELL, 1);
    Atomics.notify(this.#cell, BELL);
  }

  /** Invoke `id`, written into the cell: tell the host, then look for its answer. */
  #postInvoke(id: number): void {
    const cell = this.#cell;
    Atomics.store(cell, INVOKE_AFTER, this.#posted++);
    Atomics.store(cell, INVOKE, id);
    this.#invoke = id;
    this.#ring();
    if (invokeSpin.open()) {
      const caught = spinUntil(cell, ANSWERED, id, SPIN_MS);
      invokeSpin.record(caught);
      if (caught) return this.#takeAnswer();
    }
    const answered = Atomics.load(cell, ANSWERED);
    if (answered === id) return this.#takeAnswer();
    const wait = Atomics.waitAsync(cell, ANSWERED, answered);
    if (wait.async) wait.value.then(this.#takeAnswer);
    else this.#takeAnswer();
  }

  /**
   * Delivers the cell's answer to the pending invoke, if it is there and every message the host
   * posted before it has been handled; else leaves it for a later look.
   */
  readonly #takeAnswer = (): void => {
    const cell = this.#cell;
    const id = this.#invoke;
    if (id === 0 || Atomics.load(cell, ANSWERED) !== id) return;
    // Wrapping counts: compare their difference.
    if ((cell[HANDLED] - Atomics.load(cell, ANSWER_AFTER) | 0) < 0) return;
    this.#invoke = 0;
    const length = Atomics.load(cell, ANSWER_LENGTH);
    if (length === ON_PORT) return; // posted, in its place among the host's messages
    const ok = Atomics.load(cell, ANSWER_OK) === 1;
    this.#receive!([[Kind.Reply, id, ok, this.#sync.readAnswer(length)]]);
  };

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
  #answer(seq: number, timeoutMs: number, spinFirst: boolean, what: string): SyncReply {
    const cell = this.#cell;
    const deadline = performance.now() + timeoutMs;
    if (Atomics.load(cell, SEQ) !== seq) {
      let caught = false;
      if (spinFirst && spin.open()) {
        caught = spinUntil(cell, SEQ, seq, SPIN_MS);
        spin.record(caught);
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
    this.#receive = receive;
    scope.onmessage = (event) => {
      // An invoke's answer the host gave before this message goes first.
      if (this.#invoke !== 0) this.#takeAnswer();
      // Before the batch, so that one whose listener throws still counts. Only we write the slot.
      cell[HANDLED]++;
      const data = event.data;
      if (data !== HEARTBEAT) receive(typeof data === "string" ? JSON.parse(data) : data);
      if (this.#invoke !== 0) this.#takeAnswer();
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
