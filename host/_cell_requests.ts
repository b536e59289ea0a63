/**
 * The host's intake of what a worker window's renderer writes into its sync cell (see
 * `renderer/_worker_cell.ts`): a sync call, or an invoke (one at a time), each handed to the sink
 * in its place: after the batches the renderer posted before it, before those it posted after.
 *
 * The host waits for the renderer's ring with `Atomics.waitAsync`, never blocking its event loop,
 * and watches the cell for a few µs after answering (a renderer calling in a loop asks again
 * within µs of its answer; catching that saves an event-loop wake-up, most of a round trip).
 * Whether to watch is a spin gate's call (`renderer/_spin_gate.ts`), so a window that calls now
 * and then costs next to nothing, and the host's other work waits at most that long.
 *
 * @module
 */
import type { RendererMessage } from "../common/protocol.ts";
import { Kind } from "../common/protocol.ts";
import type { ConnectionSink } from "../browser/_connection.ts";
import {
  BELL,
  INVOKE,
  INVOKE_AFTER,
  REQUEST,
  REQUEST_AFTER,
  type SyncCell,
} from "../renderer/_worker_cell.ts";
import { SpinGate, spinWhile } from "../renderer/_spin_gate.ts";

/** How long to watch for the next request after a sync call was answered, in ms. */
const SYNC_WATCH_MS = 0.005;
/**
 * The same after an inline invoke's answer: longer, since a renderer's next invoke goes through
 * its promise jobs and a microtask flush first (5 µs missed about one time in ten).
 */
const INVOKE_WATCH_MS = 0.02;

const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const yieldThen = (fn: () => void): void => void (immediate ? immediate(fn) : setTimeout(fn, 0));

type Deferred = { batch: RendererMessage[]; after: number };

/**
 * Takes a worker window's inline requests, in their place among its posted batches.
 *
 * @example
 * ```ts ignore
 * const requests = new CellRequests(cell, sink, (id) => freeAnswer(id));
 * requests.listen();
 * worker.onmessage = (event) => requests.receive(event.data);
 * ```
 */
export class CellRequests {
  /** The id of the inline invoke handed on and not answered yet; 0 when none. */
  invoke = 0;
  readonly #cell: Int32Array;
  readonly #sync: SyncCell;
  readonly #sink: ConnectionSink;
  readonly #cancelled: (id: number) => void;
  /** Batches and inline invokes received (an inline request says how many precede it). */
  #received = 0;
  /** The last values seen in the cell's bell, sync request and invoke slots. */
  #seenBell = 0;
  #seenRequest = 0;
  #seenInvoke = 0;
  /** Inline requests waiting for the batches posted before them. */
  #deferredSync: Deferred | undefined;
  #deferredInvoke: Deferred | undefined;
  /** Requests handled back to back without yielding to the event loop. */
  #chain = 0;
  readonly #syncWatch = new SpinGate();
  readonly #invokeWatch = new SpinGate();
  #stopped = false;

  /** `cancelled` hears that the renderer gave up the inline invoke: no answer will come. */
  constructor(sync: SyncCell, sink: ConnectionSink, cancelled: (id: number) => void) {
    this.#sync = sync;
    this.#cell = sync.slots;
    this.#sink = sink;
    this.#cancelled = cancelled;
  }

  /** Starts waiting for the renderer's rings. */
  listen(): void {
    if (this.#stopped) return;
    const cell = this.#cell;
    // A ring caught here is taken just below: `waitAsync` sees the bell has moved.
    if (this.#chain < 15 && this.#syncWatch.open()) {
      this.#syncWatch.record(spinWhile(this.#cell, BELL, this.#seenBell, SYNC_WATCH_MS));
    }
    const wait = Atomics.waitAsync(cell, BELL, this.#seenBell);
    if (wait.async) {
      this.#chain = 0;
      wait.value.then(this.#onRing);
    } else if (++this.#chain < 16) this.#onRing();
    else {
      // Let other tasks run (setTimeout(0) would cost ~2 ms here; setImmediate a few µs).
      this.#chain = 0;
      yieldThen(this.#onRing);
    }
  }

  /** A batch the renderer posted (parsed, or not: the sink refuses what is malformed). */
  receive(batch: unknown): void {
    // An inline request written before this batch was posted goes first.
    this.#take();
    this.#received++;
    this.#sink.receive(batch as RendererMessage[]);
    if (this.invoke !== 0) this.#seeCancel(batch);
    this.#takeDeferred();
  }

  /**
   * The inline invoke's answer was written into the cell: watch briefly for the next request, once
   * this task is done, when that has been paying off.
   */
  watchNext(): void {
    if (this.#invokeWatch.open()) queueMicrotask(this.#watchAfterAnswer);
  }

  /** Stops taking requests (the window is closing). */
  stop(): void {
    this.#stopped = true;
  }

  readonly #onRing = (): void => {
    if (this.#stopped) return;
    try {
      this.#take();
    } finally {
      this.listen();
    }
  };

  readonly #watchAfterAnswer = (): void => {
    if (this.#stopped) return;
    const caught = spinWhile(this.#cell, BELL, this.#seenBell, INVOKE_WATCH_MS);
    this.#invokeWatch.record(caught);
    // The pending `waitAsync` wakes later and finds nothing new.
    if (caught) this.#take();
  };

  /**
   * Hands on what the renderer wrote since the last look, each after the batches posted before
   * it: an inline invoke, then a sync call (which, blocking the renderer, can only have come
   * after it). A request that cannot be read is passed on for the sink to refuse as malformed,
   * like a bad posted frame. A renderer that writes another request before its last one is
   * answered breaks the protocol and only loses its own earlier request.
   */
  #take(): void {
    const cell = this.#cell;
    // The bell first: a request written after these reads rings again.
    this.#seenBell = Atomics.load(cell, BELL);
    const id = Atomics.load(cell, INVOKE);
    if (id !== this.#seenInvoke) {
      this.#seenInvoke = id;
      this.invoke = id;
      const deferred = this.#hand(this.#sync.readInvoke(), Atomics.load(cell, INVOKE_AFTER), true);
      if (deferred) this.#deferredInvoke = deferred;
    }
    const seq = Atomics.load(cell, REQUEST);
    if (seq !== this.#seenRequest) {
      this.#seenRequest = seq;
      const deferred = this.#hand(this.#sync.readRequest(), Atomics.load(cell, REQUEST_AFTER));
      if (deferred) this.#deferredSync = deferred;
    }
  }

  /** Hands `batch` to the sink if its turn has come, else returns it deferred. */
  #hand(batch: unknown, after: number, counts = false): Deferred | undefined {
    if (this.#received < after) return { batch: batch as RendererMessage[], after };
    if (counts) this.#received++;
    this.#sink.receive(batch as RendererMessage[]);
  }

  /** Hands on inline requests that were waiting for the batch just received. */
  #takeDeferred(): void {
    const invoke = this.#deferredInvoke;
    if (invoke && this.#received >= invoke.after) {
      this.#deferredInvoke = undefined;
      this.#hand(invoke.batch, invoke.after, true);
    }
    const sync = this.#deferredSync;
    if (sync && this.#received >= sync.after) {
      this.#deferredSync = undefined;
      this.#hand(sync.batch, sync.after);
    }
  }

  /** The renderer cancelled the inline invoke: its handler will not answer. */
  #seeCancel(batch: unknown): void {
    if (!Array.isArray(batch)) return;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i];
      if (Array.isArray(m) && m[0] === Kind.Cancel && m[1] === this.invoke) {
        const id = this.invoke;
        this.invoke = 0;
        this.#cancelled(id);
        return;
      }
    }
  }
}
