/**
 * The sync cell of a worker window: shared memory the renderer makes and hands the host in its
 * hello, the fast path of a sync call both ways.
 *
 * - Request: when the call's arguments are small data that JSON carries exactly, the renderer
 *   writes `[channel, args]` into the cell, stores how many batches it had posted before (so the
 *   host handles the call after them, as if it had been posted too) and the call's seq, and
 *   notifies; the host waits for that with `Atomics.waitAsync`. Other calls are posted.
 * - Reply: when the result is small JSON-exact data the host writes it into the cell, stores the
 *   call's seq and notifies; the renderer, spinning briefly and then in `Atomics.wait`, reads it
 *   back. Any other reply travels on the window's reply port, which the renderer opens the first
 *   time one is needed ({@linkcode NEED_PORT}). The host's answer to the hello (the window's
 *   init, seq -1) comes the same way.
 *
 * Neither side trusts what it reads: the host treats a request it cannot parse as a malformed
 * message.
 *
 * @module
 */

/** Size of the cell: the header and room for an inline request and reply. */
export const CELL_BYTES = 16 * 1024;
/** Int32 slot: the seq of the last answered sync call (`-1`: the init is there). */
export const SEQ = 0;
/** Int32 slot: byte length of the inline reply, or {@linkcode ON_PORT}. */
export const LENGTH = 1;
/** Int32 slot: `1` if the call succeeded, `0` if the reply is an error. */
export const OK = 2;
/** Int32 slot: the seq of the last sync call written into the cell (the host waits on it). */
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
/** {@linkcode LENGTH} when the reply was posted on the reply port instead. */
export const ON_PORT = -1;
/**
 * {@linkcode LENGTH} when the reply must go on the reply port and the renderer has not opened one
 * yet (it does so on demand, which keeps posting a port out of every window's start): the
 * renderer resets {@linkcode SEQ} to 0, posts `{ replies: port }`, and waits again.
 */
export const NEED_PORT = -2;

const REPLY_AT = 32;
const REQUEST_AT = CELL_BYTES / 2;

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

  constructor(buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer, 0, 8);
    this.#reply = new Uint8Array(buffer, REPLY_AT, REQUEST_AT - REPLY_AT);
    this.#request = new Uint8Array(buffer, REQUEST_AT, CELL_BYTES - REQUEST_AT);
  }

  /**
   * Host: writes a reply into the cell and sets {@linkcode LENGTH} and {@linkcode OK}; returns
   * `false` (nothing set) when `value` is not JSON-exact or does not fit. The caller then stores
   * {@linkcode SEQ} and notifies.
   */
  writeReply(ok: boolean, value: unknown): boolean {
    if (!isJsonExact(value)) return false;
    const written = put(this.#reply, JSON.stringify(value));
    if (written < 0) return false;
    Atomics.store(this.slots, LENGTH, written);
    Atomics.store(this.slots, OK, ok ? 1 : 0);
    return true;
  }

  /** Renderer: the reply {@linkcode SyncCell.writeReply} wrote, `length` bytes long. */
  readReply(length: number): unknown {
    return JSON.parse(take(this.#reply, length));
  }

  /**
   * Renderer: writes a sync call's channel and arguments into the cell and sets
   * {@linkcode REQUEST_LENGTH}; returns `false` when they are not JSON-exact or do not fit. The
   * caller then stores {@linkcode REQUEST_AFTER} and {@linkcode REQUEST} and notifies.
   */
  writeRequest(channel: string, args: unknown[]): boolean {
    if (!isJsonExact(args)) return false;
    const written = put(this.#request, JSON.stringify([channel, args]));
    if (written < 0) return false;
    Atomics.store(this.slots, REQUEST_LENGTH, written);
    return true;
  }

  /** Host: `[channel, args]` of the request in the cell, or `undefined` if it cannot be read. */
  readRequest(): [unknown, unknown] | undefined {
    const length = Atomics.load(this.slots, REQUEST_LENGTH);
    if (!(length >= 0 && length <= this.#request.length)) return undefined;
    try {
      const request = JSON.parse(take(this.#request, length));
      return Array.isArray(request) ? [request[0], request[1]] : undefined;
    } catch {
      return undefined;
    }
  }
}
