/**
 * Private wire format of `codec.ts`: tags, tables, and byte-level reading
 * and writing (varints, numbers, strings, bigints). Not part of the API.
 *
 * Frame: `MAGIC VERSION value`; every value starts with a tag byte. Lengths
 * and counts are unsigned LEB128 varints. A string payload is a varint `h`
 * and then UTF-8 of `h / 2` bytes if `h` is even, or UTF-16LE of
 * `(h - 1) / 2` code units if `h` is odd (only for lone surrogates). Objects
 * are numbered in the order they start; `T_REF n` repeats object `n`.
 *
 * @module
 */

export const MAGIC = 0xdc;
export const VERSION = 1;
/** Maximum number of nested containers, enforced by encode and decode. */
export const MAX_DEPTH = 1000;

// Tags. 0x80..0xff encode the integers 0..127 in the tag byte itself.
export const T_UNDEFINED = 0x00;
export const T_NULL = 0x01;
export const T_FALSE = 0x02;
export const T_TRUE = 0x03;
export const T_INT32 = 0x04; // 4 bytes LE
export const T_FLOAT64 = 0x05; // 8 bytes LE
export const T_BIGINT = 0x06; // bigint payload: varint (bytes * 2 + sign), magnitude LE
export const T_STRING = 0x07; // string payload
export const T_REF = 0x08; // varint object number
export const T_HOLES = 0x09; // varint run of array holes; only inside T_ARRAY
export const T_ARRAY = 0x10; // varint length, elements and T_HOLES runs
export const T_OBJECT = 0x11; // varint count, (key string payload, value) pairs
export const T_MAP = 0x12; // varint size, (key, value) pairs
export const T_SET = 0x13; // varint size, values
export const T_DATE = 0x14; // float64 time value (NaN: invalid date)
export const T_REGEXP = 0x15; // source payload, flags payload
export const T_ARRAY_BUFFER = 0x16; // varint byteLength, bytes
export const T_VIEW = 0x17; // kind byte, varint byteOffset, varint length, buffer value
export const T_ERROR = 0x18; // code, flags, [name], [message], [stack], [cause], [errors], props
export const T_BOOLEAN_OBJECT = 0x19; // byte 0 or 1
export const T_NUMBER_OBJECT = 0x1a; // float64
export const T_STRING_OBJECT = 0x1b; // string payload
export const T_BIGINT_OBJECT = 0x1c; // bigint payload

/** View kinds by wire number; `length` is in elements, or bytes for DataView. */
export const VIEW_NAMES: readonly string[] = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Float16Array",
  "DataView",
];
export const KIND_DATAVIEW = 12;
export const VIEW_KIND: Record<string, number> = Object.create(null);
VIEW_NAMES.forEach((name, i) => VIEW_KIND[name] = i);

/** Error types by wire code. Other names travel as code 0 plus EF_NAME. */
export const ERROR_NAMES: readonly string[] = [
  "Error",
  "EvalError",
  "RangeError",
  "ReferenceError",
  "SyntaxError",
  "TypeError",
  "URIError",
  "AggregateError",
];
export const ERR_AGGREGATE = 7;
export const EF_MESSAGE = 1;
export const EF_STACK = 2;
export const EF_CAUSE = 4;
export const EF_ERRORS = 8;
export const EF_NAME = 16;

const INITIAL_SIZE = 8192;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const hasIsWellFormed = typeof "".isWellFormed === "function";
const SURROGATE = /[\uD800-\uDFFF]/;
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, "0"));
const KEY_CACHE_SIZE = 4096;
const keyCache: (string | undefined)[] = new Array(KEY_CACHE_SIZE).fill(undefined);

/** A `malformed frame` TypeError. */
export function malformed(message: string): TypeError {
  return new TypeError(`malformed frame: ${message}`);
}

/** Growable output buffer with the primitive writers. */
export class ByteWriter {
  buf: Uint8Array = new Uint8Array(INITIAL_SIZE);
  view: DataView = new DataView(this.buf.buffer);
  pos = 0;

  grow(n: number): void {
    const next = new Uint8Array(Math.max(this.pos + n, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Drops a large buffer so that it is not kept alive between frames. */
  shrink(): void {
    this.buf = new Uint8Array(INITIAL_SIZE);
    this.view = new DataView(this.buf.buffer);
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  varuint(n: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    const b = this.buf;
    let p = this.pos;
    for (; n > 0x7f; n >>>= 7) b[p++] = (n & 0x7f) | 0x80;
    b[p] = n;
    this.pos = p + 1;
  }

  int32(tag: number, n: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    this.buf[this.pos] = tag;
    this.view.setInt32(this.pos + 1, n, true);
    this.pos += 5;
  }

  float64(tag: number, n: number): void {
    if (this.pos + 9 > this.buf.length) this.grow(9);
    this.buf[this.pos] = tag;
    this.view.setFloat64(this.pos + 1, n, true);
    this.pos += 9;
  }

  bytes(src: Uint8Array): void {
    this.varuint(src.length);
    if (this.pos + src.length > this.buf.length) this.grow(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** String payload: byte-by-byte for short ASCII, else `encodeInto` or UTF-16. */
  str(s: string): void {
    const len = s.length;
    if (len < 64) {
      if (this.pos + 1 + len > this.buf.length) this.grow(1 + len);
      const b = this.buf, start = this.pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        b[start + i] = c;
      }
      if (i === len) {
        b[this.pos] = len << 1;
        this.pos = start + len;
        return;
      }
    }
    if (hasIsWellFormed ? !s.isWellFormed() : SURROGATE.test(s)) {
      this.varuint(len * 2 + 1); // lone surrogates: UTF-8 would lose them
      if (this.pos + 2 * len > this.buf.length) this.grow(2 * len);
      for (let i = 0; i < len; i++) this.view.setUint16(this.pos + 2 * i, s.charCodeAt(i), true);
      this.pos += 2 * len;
      return;
    }
    // Reserve the header for the worst case (3 bytes per code unit), then
    // pad it with continuation bits: LEB128 allows non-minimal encodings.
    const max = len * 3;
    const hdr = max < 0x40 ? 1 : max < 0x2000 ? 2 : max < 0x100000 ? 3 : max < 0x8000000 ? 4 : 5;
    if (this.pos + hdr + max > this.buf.length) this.grow(hdr + max);
    const b = this.buf, start = this.pos + hdr;
    const n = utf8Encoder.encodeInto(s, b.subarray(start, start + max)).written;
    let h = n * 2, p = this.pos;
    for (let k = 1; k < hdr; k++, h >>>= 7) b[p++] = (h & 0x7f) | 0x80;
    b[p] = h;
    this.pos = start + n;
  }

  /** Bigint payload; linear time for any size. */
  bigint(v: bigint): void {
    const neg = v < 0n;
    let hex = v === 0n ? "" : (neg ? -v : v).toString(16);
    if (hex.length & 1) hex = "0" + hex;
    const n = hex.length >> 1;
    this.varuint(n * 2 + (neg ? 1 : 0));
    if (this.pos + n > this.buf.length) this.grow(n);
    for (let i = 0, at = hex.length - 2; i < n; i++, at -= 2) {
      this.buf[this.pos + i] = parseInt(hex.slice(at, at + 2), 16);
    }
    this.pos += n;
  }
}

/** Bounds-checked reader over one frame; never allocates past the input. */
export class ByteReader {
  pos = 2;
  readonly end: number;
  readonly view: DataView;
  constructor(readonly b: Uint8Array) {
    this.end = b.length;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Checks that `n` more bytes exist, before anything is allocated for them. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      throw new RangeError(
        `malformed frame: truncated, ${n} bytes needed at offset ${this.pos}` +
          ` but ${this.end - this.pos} left`,
      );
    }
  }

  u8(): number {
    if (this.pos >= this.end) this.need(1);
    return this.b[this.pos++];
  }

  varuint(): number {
    let b = this.u8();
    if (b < 0x80) return b;
    let n = b & 0x7f;
    for (let i = 1, scale = 128; i < 5; i++, scale *= 128) {
      b = this.u8();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
    }
    throw malformed(`varint too long at offset ${this.pos}`);
  }

  /** Reads a count of items that take at least `min` bytes each. */
  count(min: number): number {
    const n = this.varuint();
    this.need(n * min);
    return n;
  }

  i32(): number {
    this.need(4);
    this.pos += 4;
    return this.view.getInt32(this.pos - 4, true);
  }

  f64(): number {
    this.need(8);
    this.pos += 8;
    return this.view.getFloat64(this.pos - 8, true);
  }

  str(): string {
    const h = this.varuint(), b = this.b, start = this.pos;
    if (h & 1) {
      const n = (h - 1) / 2;
      this.need(2 * n);
      const units = new Uint16Array(n);
      for (let i = 0; i < n; i++) units[i] = b[start + 2 * i] | (b[start + 2 * i + 1] << 8);
      this.pos += 2 * n;
      let s = "";
      for (let i = 0; i < n; i += 4096) s += String.fromCharCode(...units.subarray(i, i + 4096));
      return s;
    }
    this.need(h / 2);
    const end = this.pos = start + h / 2;
    if (h < 64) {
      let s = "";
      for (let p = start; p < end; p++) {
        if (b[p] > 0x7f) return utf8Decoder.decode(b.subarray(start, end));
        s += String.fromCharCode(b[p]);
      }
      return s;
    }
    return utf8Decoder.decode(b.subarray(start, end));
  }

  /** A property key: short ASCII keys come from a cache, sparing allocations. */
  key(): string {
    const b = this.b, h = b[this.pos], start = this.pos + 1, n = h >> 1;
    if (h & 1 || !(h < 64 && start + n <= this.end)) return this.str(); // UTF-16, long or cut
    const end = start + n;
    let hash = n;
    for (let p = start; p < end; p++) {
      if (b[p] > 0x7f) return this.str();
      hash = (hash * 31 + b[p]) | 0;
    }
    this.pos = end;
    const slot = (hash ^ (hash >>> 11)) & (KEY_CACHE_SIZE - 1), hit = keyCache[slot];
    if (hit !== undefined && hit.length === n) {
      let i = 0;
      while (i < n && hit.charCodeAt(i) === b[start + i]) i++;
      if (i === n) return hit;
    }
    let s = "";
    for (let p = start; p < end; p++) s += String.fromCharCode(b[p]);
    return keyCache[slot] = s;
  }

  bigint(): bigint {
    const h = this.varuint(), n = Math.floor(h / 2), b = this.b;
    this.need(n);
    let v: bigint;
    if (n <= 6) {
      let x = 0;
      for (let i = this.pos + n - 1; i >= this.pos; i--) x = x * 256 + b[i];
      v = BigInt(x);
    } else {
      let hex = "0x";
      for (let i = this.pos + n - 1; i >= this.pos; i--) hex += HEX[b[i]];
      v = BigInt(hex);
    }
    this.pos += n;
    return h & 1 ? -v : v;
  }
}
