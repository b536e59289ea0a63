/**
 * Length-prefixed frames for byte-stream transports (process windows): a 4-byte little-endian
 * payload length, a 1-byte frame type, then the payload. Frames are the only structure a pipe
 * has, so both ends of a process window share this module.
 *
 * @module
 */

/** Frame types. */
export const Frame = {
  /** A codec-encoded array of protocol messages (either direction). */
  Batch: 1,
  /** A codec-encoded `SyncReply` (host → renderer). */
  Reply: 2,
  /** Heartbeat request (host → renderer); empty payload. */
  Ping: 3,
  /** Heartbeat answer, sent from the renderer's event loop; empty payload. */
  Pong: 4,
  /** The renderer's bootstrap runs: its module graph loaded (renderer → host); empty payload. */
  Hello: 5,
  /** Host → renderer: the frames before this one are announced by a signal; empty payload. */
  Doorbell: 6,
  /** Renderer → host: the last doorbell was handled; the host may ring again. Empty payload. */
  DoorbellAck: 7,
  /** Renderer → host: bytes the renderer's own code wrote to its stdout, to print as they are. */
  Stdout: 8,
} as const;

/** Bytes before each payload. */
export const HEADER_BYTES = 5;

/**
 * Collects frames into one buffer, so that a batch leaves in one write. The buffer is reused:
 * {@linkcode FrameWriter.take} hands out a view that is valid until the next `add`.
 *
 * @example
 * ```ts
 * import { Frame, FrameWriter } from "./_frames.ts";
 * const out = new FrameWriter();
 * out.add(Frame.Ping);
 * out.take().length; // 5
 * ```
 */
export class FrameWriter {
  #buf: Uint8Array = new Uint8Array(64 * 1024);
  #view: DataView = new DataView(this.#buf.buffer);
  #pos = 0;

  /** Bytes collected and not taken yet. */
  get size(): number {
    return this.#pos;
  }

  /** Appends a frame of `type` carrying `payload`. */
  add(type: number, payload?: Uint8Array): void {
    const n = payload?.length ?? 0;
    const end = this.#pos + HEADER_BYTES + n;
    if (end > this.#buf.length) this.#grow(end);
    this.#view.setUint32(this.#pos, n, true);
    this.#buf[this.#pos + 4] = type;
    if (n > 0) this.#buf.set(payload!, this.#pos + HEADER_BYTES);
    this.#pos = end;
  }

  /** The collected frames (a view into the reused buffer), and starts over. */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.#pos);
    this.#pos = 0;
    return out;
  }

  #grow(need: number): void {
    const next = new Uint8Array(Math.max(need, this.#buf.length * 2));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}

/**
 * One frame, in a buffer of its own (for writes that complete later).
 *
 * @example
 * ```ts
 * import { Frame, frame } from "./_frames.ts";
 * frame(Frame.Batch, new Uint8Array([1, 2])).length; // 7
 * ```
 */
export function frame(type: number, payload?: Uint8Array): Uint8Array {
  const n = payload?.length ?? 0;
  const out = new Uint8Array(HEADER_BYTES + n);
  // Byte by byte: cheaper than a DataView for one header (this is on the sync reply's path).
  out[0] = n;
  out[1] = n >>> 8;
  out[2] = n >>> 16;
  out[3] = n >>> 24;
  out[4] = type;
  if (n > 0) out.set(payload!, HEADER_BYTES);
  return out;
}

/**
 * Splits a byte stream into frames, whatever the chunk boundaries. A payload that fits in its
 * chunk is handed out as a view of it (no copy); a split one is gathered into a buffer that grows
 * as its bytes arrive, so a header that declares a huge length (a renderer is untrusted) costs
 * nothing until the bytes are really sent.
 *
 * @example
 * ```ts
 * import { Frame, frame, FrameReader } from "./_frames.ts";
 * const reader = new FrameReader();
 * const bytes = frame(Frame.Pong);
 * reader.push(bytes.subarray(0, 2), () => {});
 * reader.push(bytes.subarray(2), (type) => console.log(type)); // 4
 * ```
 */
export class FrameReader {
  readonly #head = new Uint8Array(HEADER_BYTES);
  readonly #headView = new DataView(this.#head.buffer);
  #headLength = 0;
  #body: Uint8Array | undefined;
  /** The declared length of the payload being gathered. */
  #bodyLength = 0;
  #bodyType = 0;
  #filled = 0;
  /** Largest payload accepted; a bigger length means a corrupt stream. */
  readonly #max: number;

  /** A reader that refuses payloads over `maxPayload` bytes (default 2 GiB). */
  constructor(maxPayload = 2 ** 31) {
    this.#max = maxPayload;
  }

  /**
   * Feeds `chunk`; calls `onFrame` for each complete frame, in order. The payload view is only
   * valid during the call. Throws a `RangeError` on a length over the limit.
   */
  push(chunk: Uint8Array, onFrame: (type: number, payload: Uint8Array) => void): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.#body) {
        const take = Math.min(n - i, this.#bodyLength - this.#filled);
        if (this.#filled + take > this.#body.length) this.#grow(this.#filled + take);
        this.#body.set(chunk.subarray(i, i + take), this.#filled);
        this.#filled += take;
        i += take;
        if (this.#filled === this.#bodyLength) {
          const body = this.#body;
          this.#body = undefined;
          onFrame(this.#bodyType, body);
        }
        continue;
      }
      let length: number;
      let type: number;
      if (this.#headLength === 0 && n - i >= HEADER_BYTES) {
        length = (chunk[i] | chunk[i + 1] << 8 | chunk[i + 2] << 16 | chunk[i + 3] << 24) >>> 0;
        type = chunk[i + 4];
        i += HEADER_BYTES;
      } else {
        const take = Math.min(HEADER_BYTES - this.#headLength, n - i);
        this.#head.set(chunk.subarray(i, i + take), this.#headLength);
        this.#headLength += take;
        i += take;
        if (this.#headLength < HEADER_BYTES) return;
        this.#headLength = 0;
        length = this.#headView.getUint32(0, true);
        type = this.#head[4];
      }
      if (length > this.#max) {
        throw new RangeError(`malformed stream: a ${length}-byte frame is over the limit`);
      }
      if (n - i >= length) {
        onFrame(type, chunk.subarray(i, i + length));
        i += length;
      } else {
        this.#body = new Uint8Array(Math.min(length, FIRST_BODY_BYTES));
        this.#bodyLength = length;
        this.#bodyType = type;
        this.#filled = 0;
      }
    }
  }

  /** Makes room for `need` bytes of the payload: doubling, up to its declared length. */
  #grow(need: number): void {
    const next = new Uint8Array(Math.min(this.#bodyLength, Math.max(need, this.#body!.length * 2)));
    next.set(this.#body!.subarray(0, this.#filled));
    this.#body = next;
  }
}

/** What a split payload's buffer starts at (it doubles as bytes arrive). */
const FIRST_BODY_BYTES = 1 << 20;
