/**
 * Compact binary codec with structured-clone fidelity, for IPC messages
 * between the Deno host and web pages. Pure TypeScript, no dependencies, no
 * Deno or Node APIs.
 *
 * Supported as by the HTML structured clone algorithm: `undefined`, `null`,
 * booleans, numbers (NaN, -0, ±Infinity exact), bigints, strings (lone
 * surrogates included), arrays, plain objects (own enumerable string keys;
 * class instances become plain objects), `Map`, `Set`, `Date`, `RegExp`
 * (`lastIndex` is not kept), `ArrayBuffer`, all typed arrays and `DataView`
 * (offsets, lengths, and buffers shared between views are kept), Boolean,
 * Number, String and BigInt wrapper objects, and `Error` with its standard
 * subclasses (`name`, `message`, `stack`, `cause`, `errors` and own
 * enumerable properties such as `code`). Shared and circular references keep
 * their identity.
 *
 * Differences from `structuredClone`: array holes are kept, but non-index
 * properties of arrays are dropped; an `ArrayBuffer` always arrives
 * non-resizable; an error with a non-standard name arrives as an `Error`
 * whose own `name` property holds that name; `Blob`, `MessagePort`,
 * `SharedArrayBuffer` and other platform objects are rejected, as is any
 * object whose `Symbol.toStringTag` is not `"Object"`; objects from another
 * realm (an iframe) are rejected unless they are plain objects or arrays.
 * Nesting is limited to 1,000 levels.
 *
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 *
 * const bytes = encode({ id: 1, when: new Date(0), tags: new Set(["a"]) });
 * const copy = decode(bytes) as { tags: Set<string> };
 * copy.tags.has("a"); // true
 * ```
 *
 * @module
 */

import * as W from "./_codec_tags.ts";
import { ByteReader, ByteWriter, malformed, MAX_DEPTH } from "./_codec_tags.ts";

type AnyObject = Record<string, unknown>;
type ViewCtor = (new (b: ArrayBuffer, offset: number, length: number) => unknown) & {
  BYTES_PER_ELEMENT?: number;
};

const typedArrayName = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)?.get as (this: unknown) => string | undefined;
const objectToString = Object.prototype.toString;
const hasSAB = typeof SharedArrayBuffer === "function";
const NO_SAB = "SharedArrayBuffer (not supported over this transport)";
const RETAINED_SIZE = 1 << 20; // larger output buffers are handed over, not kept
const POOL_SIZE = 16384;
const POOL_MAX = 1024;
const ERROR_OWN = new Set(["name", "message", "stack", "cause", "errors"]);
// Path segment kinds, for DataCloneError messages.
const P_INDEX = 0, P_PROP = 1, P_MAP_KEY = 2, P_MAP_VALUE = 3, P_SET = 4;
const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Encoder: the value walk. One instance is reused unless `encode` re-enters. */
class Writer extends ByteWriter {
  depth = 0;
  busy = false;
  refs: Map<object, number> = new Map();
  // The path to the current value, kept as cheap per-level slots.
  kinds: number[] = [];
  keys: (string | number)[] = [];

  fail(what: string): DOMException {
    let path = "";
    for (let i = 1; i <= this.depth; i++) {
      const k = this.keys[i], kind = this.kinds[i];
      if (kind === P_INDEX) path += `[${k}]`;
      else if (kind === P_PROP) {
        path += IDENT.test(String(k)) ? (path ? "." : "") + k : `[${JSON.stringify(k)}]`;
      } else path += `<${["Map key", "Map value", "Set entry"][kind - P_MAP_KEY]} #${k}>`;
    }
    if (path.length > 200) path = `${path.slice(0, 80)}…${path.slice(-80)}`;
    const at = path ? ` at ${path}` : "";
    return new DOMException(`value${at} could not be cloned: ${what}`, "DataCloneError");
  }

  /** Enters a container; returns the path slot for its children. */
  enter(kind: number): number {
    this.kinds[++this.depth] = kind;
    return this.depth;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case "number":
        if ((v | 0) !== v || (v === 0 && 1 / v < 0)) return this.float64(W.T_FLOAT64, v);
        return v >= 0 && v < 128 ? this.byte(0x80 | v) : this.int32(W.T_INT32, v);
      case "string":
        this.byte(W.T_STRING);
        return this.str(v);
      case "boolean":
        return this.byte(v ? W.T_TRUE : W.T_FALSE);
      case "undefined":
        return this.byte(W.T_UNDEFINED);
      case "object":
        return v === null ? this.byte(W.T_NULL) : this.object(v);
      case "bigint":
        this.byte(W.T_BIGINT);
        return this.bigint(v);
      default:
        throw this.fail(typeof v); // "function" or "symbol"
    }
  }

  object(v: object): void {
    const index = this.refs.get(v);
    if (index !== undefined) {
      this.byte(W.T_REF);
      return this.varuint(index);
    }
    if (this.depth >= MAX_DEPTH) throw this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    this.refs.set(v, this.refs.size);
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) this.plain(v as AnyObject);
    else if (Array.isArray(v)) this.array(v);
    else if (ArrayBuffer.isView(v)) this.arrayView(v);
    else if (v instanceof Map) this.map(v);
    else if (v instanceof Set) this.set(v);
    else if (v instanceof Date) this.float64(W.T_DATE, v.getTime());
    else if (v instanceof ArrayBuffer) {
      if ((v as { detached?: boolean }).detached) throw this.fail("detached ArrayBuffer");
      this.byte(W.T_ARRAY_BUFFER);
      this.bytes(new Uint8Array(v));
    } else if (v instanceof Error) this.error(v);
    else if (v instanceof RegExp) {
      this.byte(W.T_REGEXP);
      this.str(v.source);
      this.str(v.flags);
    } else if (v instanceof Boolean) {
      this.byte(W.T_BOOLEAN_OBJECT);
      this.byte(v.valueOf() ? 1 : 0);
    } else if (v instanceof Number) this.float64(W.T_NUMBER_OBJECT, v.valueOf());
    else if (v instanceof String) {
      this.byte(W.T_STRING_OBJECT);
      this.str(v.valueOf());
    } else if (v instanceof BigInt) {
      this.byte(W.T_BIGINT_OBJECT);
      this.bigint(v.valueOf());
    } else if (hasSAB && v instanceof SharedArrayBuffer) throw this.fail(NO_SAB);
    else {
      const tag = objectToString.call(v).slice(8, -1);
      if (tag !== "Object") {
        throw this.fail(v instanceof Symbol ? "Symbol object" : tag);
      }
      this.plain(v as AnyObject); // a class instance: its own enumerable properties
    }
  }

  plain(o: AnyObject): void {
    this.byte(W.T_OBJECT);
    this.props(o, Object.keys(o));
  }

  /** A count, then (key payload, value) pairs. */
  props(o: AnyObject, names: string[]): void {
    this.varuint(names.length);
    const d = this.enter(P_PROP), keys = this.keys;
    for (let i = 0; i < names.length; i++) {
      const k = names[i];
      keys[d] = k;
      this.str(k);
      this.value(o[k]);
    }
    this.depth--;
  }

  array(a: unknown[]): void {
    const len = a.length;
    this.byte(W.T_ARRAY);
    this.varuint(len);
    const d = this.enter(P_INDEX), keys = this.keys;
    for (let i = 0; i < len; i++) {
      const x = a[i];
      if (x === undefined && !(i in a)) { // a run of holes
        let j = i + 1;
        while (j < len && !(j in a)) j++;
        this.byte(W.T_HOLES);
        this.varuint(j - i);
        i = j - 1;
      } else {
        keys[d] = i;
        this.value(x);
      }
    }
    this.depth--;
  }

  map(m: Map<unknown, unknown>): void {
    const size = m.size;
    this.byte(W.T_MAP);
    this.varuint(size);
    const d = this.enter(P_MAP_KEY), kinds = this.kinds, keys = this.keys;
    let i = 0;
    m.forEach((x, k) => {
      if (i >= size) return; // added by a getter during the walk
      kinds[d] = P_MAP_KEY;
      keys[d] = i++;
      this.value(k);
      kinds[d] = P_MAP_VALUE;
      this.value(x);
    });
    if (i !== size) throw this.fail("Map was modified while being cloned");
    this.depth--;
  }

  set(s: Set<unknown>): void {
    const size = s.size;
    this.byte(W.T_SET);
    this.varuint(size);
    const d = this.enter(P_SET), keys = this.keys;
    let i = 0;
    s.forEach((x) => {
      if (i >= size) return;
      keys[d] = i++;
      this.value(x);
    });
    if (i !== size) throw this.fail("Set was modified while being cloned");
    this.depth--;
  }

  arrayView(v: ArrayBufferView): void {
    const name = typedArrayName.call(v); // undefined for a DataView
    const kind = name === undefined ? W.KIND_DATAVIEW : W.VIEW_KIND[name];
    if (kind === undefined) throw this.fail(String(name));
    if (hasSAB && v.buffer instanceof SharedArrayBuffer) {
      throw this.fail(`${name ?? "DataView"} on a ${NO_SAB}`);
    }
    this.byte(W.T_VIEW);
    this.byte(kind);
    this.varuint(v.byteOffset);
    this.varuint(name === undefined ? v.byteLength : (v as Uint8Array).length);
    this.keys[this.enter(P_PROP)] = "buffer";
    this.object(v.buffer); // usually inline, a T_REF when views share a buffer
    this.depth--;
  }

  error(e: Error): void {
    const name = e.name;
    const code = Math.max(0, W.ERROR_NAMES.indexOf(name));
    const custom = code === 0 && name !== "Error" && typeof name === "string";
    const desc = Object.getOwnPropertyDescriptor(e, "message");
    const message = desc && "value" in desc ? String(desc.value) : undefined;
    const stack = e.stack;
    const hasCause = Object.hasOwn(e, "cause");
    const hasErrors = code === W.ERR_AGGREGATE && Object.hasOwn(e, "errors");
    this.byte(W.T_ERROR);
    this.byte(code);
    this.byte(
      (message !== undefined ? W.EF_MESSAGE : 0) | (typeof stack === "string" ? W.EF_STACK : 0) |
        (hasCause ? W.EF_CAUSE : 0) | (hasErrors ? W.EF_ERRORS : 0) | (custom ? W.EF_NAME : 0),
    );
    if (custom) this.str(name);
    if (message !== undefined) this.str(message);
    if (typeof stack === "string") this.str(stack);
    const d = this.enter(P_PROP);
    if (hasCause) {
      this.keys[d] = "cause";
      this.value(e.cause);
    }
    if (hasErrors) {
      this.keys[d] = "errors";
      this.value((e as AggregateError).errors);
    }
    this.depth--;
    this.props(e as unknown as AnyObject, Object.keys(e).filter((k) => !ERROR_OWN.has(k)));
  }
}

let cached: Writer | undefined;
// Small frames are copied into a shared slab, like Node's Buffer pool:
// allocating a tiny ArrayBuffer per frame costs ~0.3 µs in Deno.
let pool = new Uint8Array(0);
let poolPos = 0;

/**
 * Serializes `value` into a binary frame, following the HTML structured
 * clone algorithm (see the module documentation for what is supported).
 * Getters are invoked, as `structuredClone` does.
 *
 * The codec never writes to a returned frame again, so it stays valid after
 * later calls. It is a view rather than a buffer of its own: frames up to
 * 1 KiB share a 16 KiB `ArrayBuffer`, and frames over 1 MiB may sit at the
 * start of a larger one. Send, decode or copy the view; do not transfer or
 * detach `frame.buffer` (use `frame.slice()` for a standalone copy).
 *
 * @param value Any structured-cloneable value.
 * @returns The encoded frame.
 * @throws {DOMException} A `DataCloneError` naming the value and where it is,
 * such as `value at args[1].handler could not be cloned: function`, for
 * functions, symbols, `WeakMap`, `WeakSet`, `WeakRef`, `Promise`,
 * `SharedArrayBuffer`, detached buffers and other platform objects, and for
 * nesting deeper than 1,000 levels.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 *
 * const frame = encode(["ping", 1, { a: "x" }]);
 * frame.length; // 18
 * ```
 */
export function encode(value: unknown): Uint8Array {
  let w = cached;
  if (w === undefined) w = cached = new Writer();
  else if (w.busy) w = new Writer(); // re-entered from a getter
  w.busy = true;
  try {
    w.buf[0] = W.MAGIC;
    w.buf[1] = W.VERSION;
    w.pos = 2;
    w.value(value);
    const n = w.pos, buf = w.buf;
    if (buf.length > RETAINED_SIZE) {
      w.shrink();
      return buf.subarray(0, n);
    }
    if (n > POOL_MAX) return buf.slice(0, n);
    if (poolPos + n > pool.length) { // also when someone detached the pool
      pool = new Uint8Array(POOL_SIZE);
      poolPos = 0;
    }
    const start = poolPos;
    if (n > 64) pool.set(buf.subarray(0, n), start);
    else for (let i = 0; i < n; i++) pool[start + i] = buf[i];
    poolPos = (start + n + 7) & ~7; // 8-byte aligned frames
    return pool.subarray(start, start + n);
  } finally {
    w.busy = false;
    w.depth = 0;
    if (w.refs.size) w.refs.clear();
    if (w.buf.length > RETAINED_SIZE) w.shrink(); // failed while large
  }
}

const VIEW_CTORS = W.VIEW_NAMES.map((n) =>
  (globalThis as unknown as Record<string, ViewCtor | undefined>)[n]
);
const ERROR_CTORS = [
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
];
/** Fills the object slot of a view while its buffer is being read. */
const PENDING: unknown = Symbol("pending");

function define(o: object, key: string, value: unknown, enumerable = false): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable, configurable: true });
}

/** Decoder for one frame. */
class Reader extends ByteReader {
  readonly objs: unknown[] = [];

  /** `depth` is the number of containers around the value. */
  value(depth: number): unknown {
    if (this.pos >= this.end) this.need(1);
    const tag = this.b[this.pos++];
    if (tag >= 0x80) return tag & 0x7f;
    switch (tag) {
      case W.T_UNDEFINED:
        return undefined;
      case W.T_NULL:
        return null;
      case W.T_FALSE:
        return false;
      case W.T_TRUE:
        return true;
      case W.T_INT32:
        return this.i32();
      case W.T_FLOAT64:
        return this.f64();
      case W.T_STRING:
        return this.str();
      case W.T_BIGINT:
        return this.bigint();
      case W.T_REF: {
        const i = this.varuint();
        const o = i < this.objs.length ? this.objs[i] : PENDING;
        if (o === PENDING) throw malformed(`invalid back-reference #${i}`);
        return o;
      }
    }
    if (depth >= MAX_DEPTH) {
      throw new RangeError(`malformed frame: nested more than ${MAX_DEPTH} levels deep`);
    }
    const d = depth + 1, objs = this.objs;
    switch (tag) {
      case W.T_OBJECT:
        return this.props(this.push({}), d);
      case W.T_ARRAY: {
        const len = this.varuint(), a: unknown[] = this.push([]);
        if (len > 0xffffffff) throw malformed(`array length ${len}`);
        for (let i = 0; i < len;) {
          if (this.b[this.pos] === W.T_HOLES && this.pos < this.end) {
            this.pos++;
            const n = this.varuint();
            if (n === 0 || n > len - i) throw malformed("invalid run of holes");
            a.length = i += n;
          } else {
            a.push(this.value(d));
            i++;
          }
        }
        return a;
      }
      case W.T_MAP: {
        const n = this.count(2), m = this.push(new Map());
        for (let i = 0; i < n; i++) m.set(this.value(d), this.value(d));
        return m;
      }
      case W.T_SET: {
        const n = this.count(1), s = this.push(new Set());
        for (let i = 0; i < n; i++) s.add(this.value(d));
        return s;
      }
      case W.T_DATE:
        return this.push(new Date(this.f64()));
      case W.T_REGEXP: {
        const source = this.str(), flags = this.str();
        try {
          return this.push(new RegExp(source, flags));
        } catch {
          throw malformed(`invalid RegExp ${JSON.stringify(`/${source}/${flags}`.slice(0, 60))}`);
        }
      }
      case W.T_ARRAY_BUFFER: {
        const n = this.count(1);
        this.pos += n;
        return this.push(this.b.slice(this.pos - n, this.pos).buffer);
      }
      case W.T_VIEW: {
        const kind = this.u8(), offset = this.varuint(), length = this.varuint();
        const slot = objs.push(PENDING) - 1;
        const buffer = this.value(d);
        const name = W.VIEW_NAMES[kind], Ctor = VIEW_CTORS[kind];
        if (!(buffer instanceof ArrayBuffer)) throw malformed("view without a buffer");
        if (name === undefined) throw malformed(`unknown view kind ${kind}`);
        if (Ctor === undefined) throw new TypeError(`${name} is not supported by this runtime`);
        const size = Ctor.BYTES_PER_ELEMENT ?? 1;
        if (offset % size !== 0 || offset + length * size > buffer.byteLength) {
          throw new RangeError(`malformed frame: ${name} out of its buffer`);
        }
        return objs[slot] = new Ctor(buffer, offset, length);
      }
      case W.T_ERROR:
        return this.error(d);
      case W.T_BOOLEAN_OBJECT:
        return this.push(Object(this.u8() !== 0));
      case W.T_NUMBER_OBJECT:
        return this.push(Object(this.f64()));
      case W.T_STRING_OBJECT:
        return this.push(Object(this.str()));
      case W.T_BIGINT_OBJECT:
        return this.push(Object(this.bigint()));
    }
    throw malformed(`unknown tag 0x${tag.toString(16)} at offset ${this.pos - 1}`);
  }

  push<T>(o: T): T {
    this.objs.push(o);
    return o;
  }

  props(o: object, d: number): object {
    const n = this.count(2);
    for (let i = 0; i < n; i++) {
      const k = this.key(), v = this.value(d);
      if (k === "__proto__") define(o, k, v, true); // an own property, not the prototype
      else (o as AnyObject)[k] = v;
    }
    return o;
  }

  error(d: number): Error {
    const code = this.u8(), flags = this.u8();
    if (code > W.ERR_AGGREGATE) throw malformed(`unknown error type ${code}`);
    const name = flags & W.EF_NAME ? this.str() : undefined;
    const message = flags & W.EF_MESSAGE ? this.str() : undefined;
    const stack = flags & W.EF_STACK ? this.str() : undefined;
    const e = this.push(
      code === W.ERR_AGGREGATE ? new AggregateError([], message) : new ERROR_CTORS[code](message),
    );
    if (name !== undefined) define(e, "name", name);
    if (stack !== undefined) define(e, "stack", stack);
    if (flags & W.EF_CAUSE) define(e, "cause", this.value(d));
    if (flags & W.EF_ERRORS) define(e, "errors", this.value(d));
    return this.props(e, d) as Error;
  }
}

/**
 * Deserializes a frame produced by {@linkcode encode}. `bytes` may be a view
 * into a larger buffer (its `byteOffset` is respected); nothing in the result
 * aliases it, so it may be reused afterwards.
 *
 * @param bytes An encoded frame.
 * @returns The decoded value.
 * @throws {TypeError} `malformed frame: …` when the input is not a frame of
 * this codec and version, or is corrupt.
 * @throws {RangeError} `malformed frame: …` when the frame is truncated,
 * declares more data than it holds, or nests more than 1,000 levels deep.
 *
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 *
 * const shared = { name: "a" };
 * const [x, y] = decode(encode([shared, shared])) as object[];
 * x === y; // true
 * ```
 */
export function decode(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("decode() expects a Uint8Array");
  if (bytes.length < 3) throw malformed(`${bytes.length}-byte frame is too short`);
  if (bytes[0] !== W.MAGIC) {
    throw malformed(`bad magic byte 0x${bytes[0].toString(16)}, not a codec frame`);
  }
  if (bytes[1] !== W.VERSION) throw malformed(`unsupported codec version ${bytes[1]}`);
  // A subclass (Node's Buffer) has a `slice` that does not copy: decoded buffers would alias it.
  if (bytes.constructor !== Uint8Array) {
    bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const r = new Reader(bytes);
  const value = r.value(0);
  if (r.pos !== r.end) throw malformed(`${r.end - r.pos} trailing bytes`);
  return value;
}
