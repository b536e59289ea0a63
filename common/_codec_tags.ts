/**
 * Private wire-format constants and cold-path helpers for `codec.ts`.
 * Not part of the public API.
 *
 * Frame layout: `MAGIC VERSION value`, where every value starts with one tag
 * byte. Lengths and counts are unsigned LEB128 varints. A "string payload"
 * is a varint header `h` followed by bytes: UTF-8 of `h / 2` bytes when `h`
 * is even, or UTF-16LE of `(h - 1) / 2` code units when `h` is odd (used only
 * for strings containing lone surrogates). Every object is numbered in
 * encounter order; `REF index` repeats an earlier one.
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
export const T_INT32 = 0x04; // 4 bytes, little endian
export const T_FLOAT64 = 0x05; // 8 bytes, little endian
export const T_BIGINT = 0x06; // varint (bytes * 2 + negative), magnitude LE
export const T_STRING = 0x07; // string payload
export const T_REF = 0x08; // varint index of an earlier object
export const T_HOLES = 0x09; // varint run length; only inside T_ARRAY
export const T_ARRAY = 0x10; // varint length, elements (or T_HOLES runs)
export const T_OBJECT = 0x11; // varint count, (key payload, value) pairs
export const T_MAP = 0x12; // varint size, (key, value) pairs
export const T_SET = 0x13; // varint size, values
export const T_DATE = 0x14; // float64 time value (NaN = invalid date)
export const T_REGEXP = 0x15; // source payload, flags payload
export const T_ARRAY_BUFFER = 0x16; // varint byteLength, bytes
export const T_VIEW = 0x17; // kind, varint byteOffset, varint length, buffer
export const T_ERROR = 0x18; // see `error()` in codec.ts
export const T_BOOLEAN_OBJECT = 0x19; // 0 or 1
export const T_NUMBER_OBJECT = 0x1a; // float64
export const T_STRING_OBJECT = 0x1b; // string payload
export const T_BIGINT_OBJECT = 0x1c; // bigint payload

/** View kinds, by index. The last two are not typed arrays. */
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

/** Error constructors, by wire code. Unknown names use code 0 plus a name. */
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
// Error flag bits.
export const EF_MESSAGE = 1;
export const EF_STACK = 2;
export const EF_CAUSE = 4;
export const EF_ERRORS = 8;
export const EF_NAME = 16;

// Path segment kinds, used only to build DataCloneError messages.
export const P_INDEX = 0;
export const P_PROP = 1;
export const P_MAP_KEY = 2;
export const P_MAP_VALUE = 3;
export const P_SET = 4;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Formats path segments `1..n` as e.g. `args[1].handler`. */
export function formatPath(
  kinds: readonly number[],
  keys: readonly (string | number)[],
  n: number,
): string {
  let s = "";
  for (let i = 1; i <= n; i++) {
    const k = keys[i];
    switch (kinds[i]) {
      case P_INDEX:
        s += `[${k}]`;
        break;
      case P_PROP:
        s += IDENT.test(String(k)) ? (s ? "." : "") + k : `[${JSON.stringify(k)}]`;
        break;
      case P_MAP_KEY:
        s += `<Map key #${k}>`;
        break;
      case P_MAP_VALUE:
        s += `<Map value #${k}>`;
        break;
      default:
        s += `<Set entry #${k}>`;
    }
  }
  return s;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, "0"));

/** Little-endian magnitude bytes of a non-negative bigint. */
export function bigintBytes(m: bigint): Uint8Array {
  if (m === 0n) return new Uint8Array(0);
  let hex = m.toString(16);
  if (hex.length & 1) hex = "0" + hex;
  const n = hex.length >> 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const at = hex.length - 2 * i - 2;
    out[i] = parseInt(hex.slice(at, at + 2), 16);
  }
  return out;
}

/** Inverse of {@linkcode bigintBytes}; linear time even for huge values. */
export function bytesBigint(b: Uint8Array, start: number, n: number): bigint {
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[start + i];
    return BigInt(v);
  }
  let hex = "0x";
  for (let i = start + n - 1; i >= start; i--) hex += HEX[b[i]];
  return BigInt(hex);
}

const hasIsWellFormed = typeof "".isWellFormed === "function";
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whether `s` survives UTF-8. The fallback for old engines is conservative:
 * any surrogate sends the string down the (still lossless) UTF-16 path.
 */
export function utf8Safe(s: string): boolean {
  return hasIsWellFormed ? s.isWellFormed() : !SURROGATE.test(s);
}

/** Decodes `n` UTF-16LE code units, keeping lone surrogates. */
export function utf16Decode(b: Uint8Array, start: number, n: number): string {
  const units = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    units[i] = b[start + 2 * i] | (b[start + 2 * i + 1] << 8);
  }
  let s = "";
  for (let i = 0; i < n; i += 4096) {
    s += String.fromCharCode(...units.subarray(i, i + 4096));
  }
  return s;
}
