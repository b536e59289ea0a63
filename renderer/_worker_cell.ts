/**
 * The sync cell of a worker window: shared memory the renderer makes and hands the host in its
 * hello, the fast path of a sync call both ways, and of an invoke whose answer comes quickly.
 *
 * - Sync request: when the call's arguments are small data that JSON carries exactly, the
 *   renderer writes its batch (the call, and the acknowledgement riding with it) into the cell, stores how many batches it had posted before
 *   (so the host handles the call after them, as if it had been posted too) and the call's seq,
 *   rings {@linkcode BELL}; the host waits for that with `Atomics.waitAsync`. Other calls are
 *   posted.
 * - Sync reply: when the result is small JSON-exact data the host writes it into the cell, stores
 *   the call's seq and notifies; the renderer, spinning briefly and then in `Atomics.wait`, reads
 *   it back. Any other reply travels on the window's reply port, which the renderer opens the
 *   first time one is needed ({@linkcode NEED_PORT}). The host's answer to the hello (the window's
 *   init, seq -1) comes the same way.
 * - Invoke: one invoke at a time may go the same way, in an area of its own (a sync call can come
 *   while it is pending). It counts as a posted batch for the order of what follows. The host
 *   writes the answer into the cell with how many batches it had posted before it, so the
 *   renderer takes it in its place among them; an answer that is not small JSON-exact data is
 *   posted, and the cell says so ({@linkcode ON_PORT}).
 *
 * Neither side trusts what it reads: the host treats a request it cannot parse as a malformed
 * message.
 *
 * @module
 */

/** Size of the cell: the header and room for an inline request and reply of each kind. */
export const CELL_BYTES = 32 * 1024;
/** Int32 slot: the seq of the last answered sync call (`-1`: the init is there). */
export const SEQ = 0;
/** Int32 slot: byte length of the inline reply, or {@linkcode ON_PORT}. */
export const LENGTH = 1;
/** Int32 slot: `1` if the call succeeded, `0` if the reply is an error. */
export const OK = 2;
/** Int32 slot: the seq of the last sync call written into the cell. */
export const REQUEST = 3;
/** Int32 slot: byte length of the inline request. */
export const REQUEST_LENGTH = 4;
/** Int32 slot: how many batches the renderer had posted before the inline request. */
export const REQUEST_AFTER = 5;
/**
 * Int32 slot: how many messages from the host the renderer's event loop has handled (wrapping),
 * the heartbeat's proof of life: the host reads it now and then instead of being answered, so a
 * busy window costs the heartbeat nothing, and one working through a backlog is not taken for hung.
 *
 * @example
 * ```ts
 * import { HANDLED, SyncCell, CELL_BYTES } from "./_worker_cell.ts";
 * const handled = Atomics.load(new SyncCell(new SharedArrayBuffer(CELL_BYTES)).slots, HANDLED);
 * ```
 */
export const HANDLED = 6;
/**
 * Int32 slot: the seq of the last sync call the renderer posted rather than wrote into the cell.
 * With {@linkcode REQUEST} it tells the host's heartbeat whether the renderer is blocked waiting
 * for the host (either is past {@linkcode SEQ}), which is not being hung.
 *
 * @example
 * ```ts
 * import { REQUEST, SEQ, SYNC_POSTED, SyncCell, CELL_BYTES } from "./_worker_cell.ts";
 * const slots = new SyncCell(new SharedArrayBuffer(CELL_BYTES)).slots;
 * const blocked = Math.max(slots[REQUEST], slots[SYNC_POSTED]) > slots[SEQ];
 * ```
 */
export const SYNC_POSTED = 7;
/**
 * The host's heartbeat: posted to a renderer that has handled nothing for a while, so that its
 * event loop has something to handle (and bump {@linkcode HANDLED} for). Never a batch, which is
 * an array or JSON text; it needs no answer.
 *
 * @example
 * ```ts
 * import { HEARTBEAT } from "./_worker_cell.ts";
 * const isPing = (data: unknown) => data === HEARTBEAT;
 * ```
 */
export const HEARTBEAT = 0;
/** Int32 slot: bumped by the renderer for every request it writes; the host waits on it. */
export const BELL = 8;
/** Int32 slot: the id of the last invoke written into the cell. */
export const INVOKE = 9;
/** Int32 slot: byte length of the inline invoke. */
export const INVOKE_LENGTH = 10;
/** Int32 slot: how many batches the renderer had posted before the inline invoke. */
export const INVOKE_AFTER = 11;
/** Int32 slot: the id of the last inline invoke the host answered (the renderer waits on it). */
export const ANSWERED = 12;
/** Int32 slot: byte length of the inline answer, or {@linkcode ON_PORT} when it was posted. */
export const ANSWER_LENGTH = 13;
/** Int32 slot: `1` if the invoke succeeded, `0` if the answer is an error. */
export const ANSWER_OK = 14;
/** Int32 slot: how many messages the host had posted before the answer (see {@linkcode HANDLED}). */
export const ANSWER_AFTER = 15;
/** {@linkcode LENGTH} when the reply was posted on the reply port instead. */
export const ON_PORT = -1;
/**
 * {@linkcode LENGTH} when the reply must go on the reply port and the renderer has not opened one
 * yet (it does so on demand, which keeps posting a port out of every window's start): the
 * renderer resets {@linkcode SEQ} to 0, posts `{ replies: port }`, and waits again.
 */
export const NEED_PORT = -2;

const SLOTS = 16;
const AREA = CELL_BYTES / 4;

/** Most objects and arrays an inline value may have: the check stays cheap. */
const BUDGET = 512;
/** Most string characters a batch sent as JSON may have: a structured clone copies long strings faster. */
const BATCH_CHARS = 1 << 18;
let budget = 0;
let chars = 0;

/**
 * Whether `JSON.parse(JSON.stringify(value))` gives what a structured clone would: primitives
 * JSON keeps exactly (not `undefined`, `NaN`, `±Infinity`, `-0` or bigints), and arrays and plain
 * objects of them, without holes, cycles or accessors, within a small budget.
 */
export function isJsonExact(value: unknown): boolean {
  budget = BUDGET;
  chars = Infinity;
  return exact(value, 0);
}

/**
 * Whether a batch of messages can travel as JSON text (see {@linkcode isJsonExact}; no object
 * budget, but little string text). A string is the cheapest thing to post: the structured clone
 * of a small tuple costs a few µs each way, its JSON text a fraction of that.
 */
export function isJsonBatch(batch: unknown[]): boolean {
  budget = Infinity;
  chars = BATCH_CHARS;
  for (let i = 0; i < batch.length; i++) {
    if (!exact(batch[i], 0)) return false;
  }
  return true;
}

function exact(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
      return (chars -= value.length) >= 0;
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (--budget < 0 || depth > 64) return false;
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        if (proto !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          // A hole reads as undefined: refused, like undefined itself.
          if (!exact(value[i], depth + 1)) return false;
        }
        return true;
      }
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false;
        const d = Object.getOwnPropertyDescriptor(value, key)!;
        if (!("value" in d) || !exact(d.value, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `json` into `area`; returns its byte length, or -1 when it does not fit. */
function put(area: Uint8Array, json: string): number {
  // At most 3 bytes per UTF-16 unit: skip the encoding when it cannot fit.
  if (json.length > area.length) return -1;
  const { read, written } = encoder.encodeInto(json, area);
  return read < json.length ? -1 : written;
}

/** The JSON text of the first `length` bytes of `area`. */
function take(area: Uint8Array, length: number): string {
  if (length <= 64) {
    // Short ASCII: cheaper than a decoder call.
    let text = "";
    for (let i = 0; i < length; i++) {
      const b = area[i];
      if (b >= 0x80) return decoder.decode(area.subarray(0, length));
      text += String.fromCharCode(b);
    }
    return text;
  }
  return decoder.decode(area.subarray(0, length));
}

let receiveOnPort: typeof import("node:worker_threads").receiveMessageOnPort | undefined;

/**
 * Takes the next message off `port` synchronously, or `undefined`; `node:worker_threads` (which
 * costs a worker window ~2 MB and ~15 ms) is loaded on the first call only.
 */
export function takeFromPort(port: MessagePort): unknown {
  receiveOnPort ??= (globalThis as unknown as {
    process: { getBuiltinModule(id: string): typeof import("node:worker_threads") };
  }).process.getBuiltinModule("node:worker_threads").receiveMessageOnPort;
  // Deno's web MessagePort works here; Node's typings only know their own port class.
  return receiveOnPort(port as never)?.message;
}

/** One side's view of a sync cell. */
export class SyncCell {
  /** The header slots ({@linkcode SEQ}, {@linkcode LENGTH}, …). */
  readonly slots: Int32Array;
  readonly #reply: Uint8Array;
  readonly #request: Uint8Array;
  readonly #answer: Uint8Array;
  readonly #invoke: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer, 0, SLOTS);
    this.#reply = new Uint8Array(buffer, SLOTS * 4, AREA - SLOTS * 4);
    this.#request = new Uint8Array(buffer, AREA, AREA);
    this.#answer = new Uint8Array(buffer, 2 * AREA, AREA);
    this.#invoke = new Uint8Array(buffer, 3 * AREA, AREA);
  }

  /**
   * Host: writes a sync reply into the cell and sets {@linkcode LENGTH} and {@linkcode OK};
   * returns `false` (nothing set) when `value` is not JSON-exact or does not fit. The caller then
   * stores {@linkcode SEQ} and notifies.
   */
  writeReply(ok: boolean, value: unknown): boolean {
    return this.#writeResult(this.#reply, LENGTH, OK, ok, value);
  }

  /** Renderer: the reply {@linkcode SyncCell.writeReply} wrote, `length` bytes long. */
  readReply(length: number): unknown {
    return JSON.parse(take(this.#reply, length));
  }

  /**
   * Renderer: writes a batch of a sync call (and at most an acknowledgement riding with it) and
   * sets {@linkcode REQUEST_LENGTH}; `false` when it is not JSON-exact or does not fit. The caller
   * then stores {@linkcode REQUEST_AFTER} and {@linkcode REQUEST} and rings.
   */
  writeRequest(batch: unknown[]): boolean {
    return this.#writeCall(this.#request, REQUEST_LENGTH, batch);
  }

  /** Host: the batch of the sync call in the cell, or `undefined` if unreadable. */
  readRequest(): unknown {
    return takeJson(this.#request, Atomics.load(this.slots, REQUEST_LENGTH));
  }

  /**
   * Renderer: writes a batch of an invoke (and at most an acknowledgement riding with it) and
   * sets {@linkcode INVOKE_LENGTH}; `false` when it is not JSON-exact or does not fit. The caller
   * then stores {@linkcode INVOKE_AFTER} and {@linkcode INVOKE} and rings.
   */
  writeInvoke(batch: unknown[]): boolean {
    return this.#writeCall(this.#invoke, INVOKE_LENGTH, batch);
  }

  /** Host: the batch of the invoke in the cell, or `undefined` if unreadable. */
  readInvoke(): unknown {
    return takeJson(this.#invoke, Atomics.load(this.slots, INVOKE_LENGTH));
  }

  /**
   * Host: writes an invoke's answer and sets {@linkcode ANSWER_LENGTH} and {@linkcode ANSWER_OK}
   * (`false`, nothing set, as for {@linkcode SyncCell.writeReply}). The caller then stores
   * {@linkcode ANSWER_AFTER} and {@linkcode ANSWERED} and notifies.
   */
  writeAnswer(ok: boolean, value: unknown): boolean {
    return this.#writeResult(this.#answer, ANSWER_LENGTH, ANSWER_OK, ok, value);
  }

  /** Renderer: the answer {@linkcode SyncCell.writeAnswer} wrote, `length` bytes long. */
  readAnswer(length: number): unknown {
    return JSON.parse(take(this.#answer, length));
  }

  /** Writes a call's batch into `area`, its length into its slot. */
  #writeCall(area: Uint8Array, lengthSlot: number, batch: unknown[]): boolean {
    const written = putValue(area, batch);
    if (written < 0) return false;
    Atomics.store(this.slots, lengthSlot, written);
    return true;
  }

  /** Writes a call's result into `area`, its length and success into their slots. */
  #writeResult(area: Uint8Array, lengthSlot: number, okSlot: number, ok: boolean, value: unknown) {
    const written = putValue(area, value);
    if (written < 0) return false;
    Atomics.store(this.slots, lengthSlot, written);
    Atomics.store(this.slots, okSlot, ok ? 1 : 0);
    return true;
  }
}

/**
 * Writes the JSON text of `value` into `area`; its byte length, or -1 when it is not JSON-exact or
 * does not fit.
 */
function putValue(area: Uint8Array, value: unknown): number {
  if (!isJsonExact(value)) return -1;
  return put(area, JSON.stringify(value));
}

/** The value of the JSON text `length` bytes long in `area`, or `undefined` if unreadable. */
function takeJson(area: Uint8Array, length: number): unknown {
  if (!(length >= 0 && length <= area.length)) return undefined;
  try {
    return JSON.parse(take(area, length));
  } catch {
    return undefined;
  }
}
