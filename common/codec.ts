/**
 * Compact binary codec with structured-clone fidelity, used to carry IPC
 * messages between the Deno host and web pages. Pure TypeScript: no Deno or
 * Node APIs, no dependencies.
 *
 * Supported, as in the HTML structured clone algorithm: `undefined`, `null`,
 * booleans, numbers (NaN, -0 and ±Infinity exact), bigints, strings (lone
 * surrogates included), arrays, plain objects (own enumerable string keys;
 * class instances become plain objects), `Map`, `Set`, `Date`, `RegExp`
 * (`lastIndex` is not kept), `ArrayBuffer`, every typed array and `DataView`
 * (offsets, lengths and buffers shared between views are kept), the
 * Boolean/Number/String/BigInt wrapper objects, and `Error` with its standard
 * subclasses (`name`, `message`, `stack`, `cause`, `errors` and own
 * enumerable properties such as `code`). Shared and circular references are
 * preserved.
 *
 * Differences from `structuredClone`: array holes are kept but other
 * non-index properties of arrays are dropped; an `ArrayBuffer` arrives
 * non-resizable; an error with a non-standard name arrives as an `Error`
 * whose own `name` property holds that name; `Blob`, `File`, `MessagePort`,
 * `SharedArrayBuffer` and other platform objects are rejected, and so is any
 * object whose `Symbol.toStringTag` is not `"Object"`. Objects from another
 * realm (iframe) are not recognised by their type. Nesting is limited to
 * 1,000 levels.
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
import { MAX_DEPTH } from "./_codec_tags.ts";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const typedArrayName = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)?.get as (this: unknown) => string | undefined;
const objectToString = Object.prototype.toString;
const hasSharedArrayBuffer = typeof SharedArrayBuffer === "function";
const INITIAL_SIZE = 8192;
const RETAINED_SIZE = 1 << 20;

type AnyObject = Record<string, unknown>;

/** Encoder state; one instance is reused unless `encode` is re-entered. */
class Writer {
  buf = new Uint8Array(INITIAL_SIZE);
  view = new DataView(this.buf.buffer);
  pos = 0;
  depth = 0;
  busy = false;
  refs = new Map<object, number>();
  kinds: number[] = [];
  keys: (string | number)[] = [];

  grow(n: number): void {
    const size = Math.max(this.pos + n, this.buf.length * 2);
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  varuint(n: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    const b = this.buf;
    let p = this.pos;
    while (n > 0x7f) {
      b[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[p++] = n;
    this.pos = p;
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

  /** Builds the DataCloneError for the value at the current path. */
  fail(what: string): DOMException {
    const path = W.formatPath(this.kinds, this.keys, this.depth);
    const at = path ? ` at ${path}` : "";
    return new DOMException(
      `value${at} could not be cloned: ${what}`,
      "DataCloneError",
    );
  }

  /** Enters a container: returns the path slot for its children. */
  enter(kind: number): number {
    const d = ++this.depth;
    this.kinds[d] = kind;
    return d;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case "number": {
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
          if (v < 128 && v >= 0) return this.byte(0x80 | v);
          if (this.pos + 5 > this.buf.length) this.grow(5);
          this.buf[this.pos] = W.T_INT32;
          this.view.setInt32(this.pos + 1, v, true);
          this.pos += 5;
          return;
        }
        return this.float64(W.T_FLOAT64, v);
      }
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

  /** String payload: ASCII fast path, else `encodeInto` or UTF-16. */
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
    if (!W.utf8Safe(s)) {
      this.varuint(len * 2 + 1);
      if (this.pos + 2 * len > this.buf.length) this.grow(2 * len);
      for (let i = 0; i < len; i++) {
        this.view.setUint16(this.pos + 2 * i, s.charCodeAt(i), true);
      }
      this.pos += 2 * len;
      return;
    }
    // Reserve the header for the worst case (3 bytes per code unit) and pad
    // it with continuation bits: LEB128 readers accept non-minimal varints.
    const max = len * 3;
    const hdr = max < 0x40 ? 1 : max < 0x2000 ? 2 : max < 0x100000 ? 3 : 5;
    if (this.pos + hdr + max > this.buf.length) this.grow(hdr + max);
    const b = this.buf, start = this.pos + hdr;
    const n = utf8Encoder.encodeInto(s, b.subarray(start, start + max)).written;
    let h = n * 2, p = this.pos;
    for (let k = 1; k < hdr; k++, h >>>= 7) b[p++] = (h & 0x7f) | 0x80;
    b[p] = h;
    this.pos = start + n;
  }

  bigint(v: bigint): void {
    const neg = v < 0n;
    const mag = W.bigintBytes(neg ? -v : v);
    this.varuint(mag.length * 2 + (neg ? 1 : 0));
    if (this.pos + mag.length > this.buf.length) this.grow(mag.length);
    this.buf.set(mag, this.pos);
    this.pos += mag.length;
  }

  object(v: object): void {
    const refs = this.refs;
    const index = refs.get(v);
    if (index !== undefined) {
      this.byte(W.T_REF);
      return this.varuint(index);
    }
    if (this.depth >= MAX_DEPTH) {
      throw this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    }
    refs.set(v, refs.size);
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      this.plain(v as AnyObject);
    } else if (Array.isArray(v)) this.array(v);
    else if (ArrayBuffer.isView(v)) this.arrayView(v);
    else if (v instanceof Map) this.map(v);
    else if (v instanceof Set) this.set(v);
    else if (v instanceof Date) this.float64(W.T_DATE, v.getTime());
    else if (v instanceof ArrayBuffer) this.arrayBuffer(v);
    else if (v instanceof Error) this.error(v);
    else if (v instanceof RegExp) {
      this.byte(W.T_REGEXP);
      this.str(v.source);
      this.str(v.flags);
    } else if (v instanceof Boolean) {
      this.byte(W.T_BOOLEAN_OBJECT);
      this.byte(v.valueOf() ? 1 : 0);
    } else if (v instanceof Number) {
      this.float64(W.T_NUMBER_OBJECT, v.valueOf());
    } else if (v instanceof String) {
      this.byte(W.T_STRING_OBJECT);
      this.str(v.valueOf());
    } else if (v instanceof BigInt) {
      this.byte(W.T_BIGINT_OBJECT);
      this.bigint(v.valueOf());
    } else if (hasSharedArrayBuffer && v instanceof SharedArrayBuffer) {
      throw this.fail("SharedArrayBuffer (not supported over this transport)");
    } else {
      const tag = objectToString.call(v).slice(8, -1);
      if (tag !== "Object" && tag !== "Arguments") {
        throw this.fail(v instanceof Symbol ? "Symbol object" : tag);
      }
      this.plain(v as AnyObject); // class instance: own enumerable props
    }
  }

  plain(o: AnyObject): void {
    this.byte(W.T_OBJECT);
    this.props(o, Object.keys(o));
  }

  /** Writes a count and (key payload, value) pairs. */
  props(o: AnyObject, names: string[]): void {
    this.varuint(names.length);
    const d = this.enter(W.P_PROP), keys = this.keys;
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
    const d = this.enter(W.P_INDEX), keys = this.keys;
    for (let i = 0; i < len; i++) {
      const x = a[i];
      if (x === undefined && !(i in a)) {
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
    const d = this.enter(W.P_MAP_KEY), kinds = this.kinds, keys = this.keys;
    let i = 0;
    m.forEach((x, k) => {
      if (i >= size) return; // entries added by a getter mid-clone
      kinds[d] = W.P_MAP_KEY;
      keys[d] = i;
      this.value(k);
      kinds[d] = W.P_MAP_VALUE;
      this.value(x);
      i++;
    });
    if (i !== size) throw this.fail("Map was modified while being cloned");
    this.depth--;
  }

  set(s: Set<unknown>): void {
    const size = s.size;
    this.byte(W.T_SET);
    this.varuint(size);
    const d = this.enter(W.P_SET), keys = this.keys;
    let i = 0;
    s.forEach((x) => {
      if (i >= size) return;
      keys[d] = i++;
      this.value(x);
    });
    if (i !== size) throw this.fail("Set was modified while being cloned");
    this.depth--;
  }

  arrayBuffer(b: ArrayBuffer): void {
    if ((b as { detached?: boolean }).detached) {
      throw this.fail("detached ArrayBuffer");
    }
    this.byte(W.T_ARRAY_BUFFER);
    this.bytes(new Uint8Array(b));
  }

  arrayView(v: ArrayBufferView): void {
    const name = typedArrayName.call(v);
    const kind = name === undefined ? W.KIND_DATAVIEW : W.VIEW_KIND[name];
    if (kind === undefined) throw this.fail(String(name));
    if (hasSharedArrayBuffer && v.buffer instanceof SharedArrayBuffer) {
      throw this.fail(
        `${name ?? "DataView"} on a SharedArrayBuffer (not supported over this transport)`,
      );
    }
    this.byte(W.T_VIEW);
    this.byte(kind);
    this.varuint(v.byteOffset);
    this.varuint(name ? (v as Uint8Array).length : v.byteLength);
    this.keys[this.enter(W.P_PROP)] = "buffer";
    this.object(v.buffer);
    this.depth--;
  }

  error(e: Error): void {
    const name = e.name;
    let code = W.ERROR_NAMES.indexOf(name);
    const custom = code < 0 && typeof name === "string";
    if (code < 0) code = 0;
    const desc = Object.getOwnPropertyDescriptor(e, "message");
    const message = desc && "value" in desc ? String(desc.value) : undefined;
    const stack = e.stack;
    const hasCause = Object.hasOwn(e, "cause");
    const hasErrors = code === W.ERR_AGGREGATE && Object.hasOwn(e, "errors");
    const extra = Object.keys(e).filter((k) => !ERROR_OWN.has(k));
    this.byte(W.T_ERROR);
    this.byte(code);
    this.byte(
      (message !== undefined ? W.EF_MESSAGE : 0) |
        (typeof stack === "string" ? W.EF_STACK : 0) |
        (hasCause ? W.EF_CAUSE : 0) | (hasErrors ? W.EF_ERRORS : 0) |
        (custom ? W.EF_NAME : 0),
    );
    if (custom) this.str(name);
    if (message !== undefined) this.str(message);
    if (typeof stack === "string") this.str(stack);
    const d = this.enter(W.P_PROP);
    if (hasCause) {
      this.keys[d] = "cause";
      this.value(e.cause);
    }
    if (hasErrors) {
      this.keys[d] = "errors";
      this.value((e as AggregateError).errors);
    }
    this.depth--;
    this.props(e as unknown as AnyObject, extra);
  }
}

const ERROR_OWN = new Set(["name", "message", "stack", "cause", "errors"]);
let cached: Writer | undefined;

/**
 * Serializes `value` into a new binary frame, following the HTML structured
 * clone algorithm (see the module documentation for what is supported).
 *
 * The result is a fresh copy that the caller owns: it stays valid after
 * later `encode` calls. Getters are invoked, as `structuredClone` does.
 *
 * @param value Any structured-cloneable value.
 * @returns The encoded frame.
 * @throws {DOMException} A `DataCloneError` naming the value and its path
 * (e.g. `value at args[1].handler could not be cloned: function`) when the
 * value contains a function, symbol, WeakMap, WeakSet, WeakRef, Promise,
 * SharedArrayBuffer, detached buffer or other platform object, or nests
 * more than 1,000 levels deep.
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
    return w.buf.slice(0, w.pos);
  } finally {
    w.busy = false;
    w.depth = 0;
    w.refs.clear();
    if (w.buf.length > RETAINED_SIZE) {
      w.buf = new Uint8Array(INITIAL_SIZE);
      w.view = new DataView(w.buf.buffer);
    }
  }
}

type ViewCtor = new (b: ArrayBuffer, off: number, len: number) => unknown;
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
const KEY_CACHE_SIZE = 4096;
const keyCache: (string | undefined)[] = new Array(KEY_CACHE_SIZE).fill(undefined);
/** Marks an object slot whose object is still being decoded. */
const PENDING: unknown = Symbol("pending");

function bad(message: string): TypeError {
  return new TypeError(`malformed frame: ${message}`);
}

function define(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/** Decoder state for one frame. */
class Reader {
  pos = 2;
  readonly end: number;
  readonly view: DataView;
  readonly objs: unknown[] = [];
  constructor(readonly b: Uint8Array) {
    this.end = b.length;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Checks that `n` more bytes exist before anything is allocated. */
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
    let n = b & 0x7f, scale = 128;
    for (let i = 1; i < 5; i++, scale *= 128) {
      b = this.u8();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
    }
    throw bad(`varint too long at offset ${this.pos}`);
  }

  /** Reads a count of items that each take at least `min` bytes. */
  count(min: number): number {
    const n = this.varuint();
    this.need(n * min);
    return n;
  }

  f64(): number {
    this.need(8);
    const n = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return n;
  }

  str(): string {
    const h = this.varuint(), b = this.b, start = this.pos;
    if (h & 1) {
      const n = (h - 1) / 2;
      this.need(2 * n);
      this.pos += 2 * n;
      return W.utf16Decode(b, start, n);
    }
    const end = start + h / 2;
    this.need(h / 2);
    this.pos = end;
    if (h < 64) {
      let s = "";
      for (let p = start; p < end; p++) {
        const c = b[p];
        if (c > 0x7f) return utf8Decoder.decode(b.subarray(start, end));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8Decoder.decode(b.subarray(start, end));
  }

  /** A property key: short ASCII keys come from a cache, saving allocation. */
  key(): string {
    const b = this.b, start = this.pos + 1, n = b[this.pos] / 2;
    if (!(n < 32 && start + n <= this.end)) return this.str(); // odd, long or past end
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
    const h = this.varuint(), n = Math.floor(h / 2);
    this.need(n);
    const v = W.bytesBigint(this.b, this.pos, n);
    this.pos += n;
    return h & 1 ? -v : v;
  }

  /** `depth` is the number of containers enclosing the value. */
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
      case W.T_INT32: {
        this.need(4);
        const n = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return n;
      }
      case W.T_FLOAT64:
        return this.f64();
      case W.T_STRING:
        return this.str();
      case W.T_BIGINT:
        return this.bigint();
      case W.T_REF: {
        const i = this.varuint();
        const o = i < this.objs.length ? this.objs[i] : PENDING;
        if (o === PENDING) throw bad(`invalid back-reference #${i}`);
        return o;
      }
    }
    if (depth >= MAX_DEPTH) {
      throw new RangeError(
        `malformed frame: nested more than ${MAX_DEPTH} levels deep`,
      );
    }
    return this.object(tag, depth + 1);
  }

  object(tag: number, d: number): unknown {
    const objs = this.objs;
    switch (tag) {
      case W.T_OBJECT:
        return this.props(this.push({}), d);
      case W.T_ARRAY: {
        const len = this.varuint();
        if (len > 0xffffffff) throw bad(`array length ${len}`);
        const a: unknown[] = [], b = this.b;
        objs.push(a);
        for (let i = 0; i < len;) {
          if (b[this.pos] === W.T_HOLES && this.pos < this.end) {
            this.pos++;
            const n = this.varuint();
            if (n === 0 || n > len - i) throw bad("invalid run of holes");
            a.length = i += n;
          } else {
            a.push(this.value(d));
            i++;
          }
        }
        return a;
      }
      case W.T_MAP: {
        const n = this.count(2), m = new Map();
        objs.push(m);
        for (let i = 0; i < n; i++) m.set(this.value(d), this.value(d));
        return m;
      }
      case W.T_SET: {
        const n = this.count(1), s = new Set();
        objs.push(s);
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
          throw bad(`invalid RegExp /${source}/${flags}`);
        }
      }
      case W.T_ARRAY_BUFFER: {
        const n = this.count(1);
        this.pos += n;
        return this.push(this.b.slice(this.pos - n, this.pos).buffer);
      }
      case W.T_VIEW:
        return this.arrayView(d);
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
    throw bad(`unknown tag 0x${tag.toString(16)} at offset ${this.pos - 1}`);
  }

  push<T>(o: T): T {
    this.objs.push(o);
    return o;
  }

  props(o: object, d: number): object {
    const n = this.count(2), obj = o as AnyObject;
    for (let i = 0; i < n; i++) {
      const k = this.key();
      const v = this.value(d);
      if (k === "__proto__") {
        Object.defineProperty(obj, k, {
          value: v,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else obj[k] = v;
    }
    return o;
  }

  arrayView(d: number): unknown {
    const kind = this.u8(), offset = this.varuint(), length = this.varuint();
    const slot = this.objs.length;
    this.objs.push(PENDING);
    const buffer = this.value(d);
    if (!(buffer instanceof ArrayBuffer)) throw bad("view without a buffer");
    const name = W.VIEW_NAMES[kind], Ctor = VIEW_CTORS[kind];
    if (name === undefined) throw bad(`unknown view kind ${kind}`);
    if (Ctor === undefined) throw new TypeError(`${name} is not supported`);
    const size = (Ctor as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ??
      1;
    if (offset % size !== 0 || offset + length * size > buffer.byteLength) {
      throw new RangeError(`malformed frame: ${name} out of its buffer`);
    }
    return this.objs[slot] = new Ctor(buffer, offset, length);
  }

  error(d: number): Error {
    const code = this.u8(), flags = this.u8();
    if (code > W.ERR_AGGREGATE) throw bad(`unknown error type ${code}`);
    const name = flags & W.EF_NAME ? this.str() : undefined;
    const message = flags & W.EF_MESSAGE ? this.str() : undefined;
    const stack = flags & W.EF_STACK ? this.str() : undefined;
    const e = code === W.ERR_AGGREGATE
      ? new AggregateError([], message)
      : new ERROR_CTORS[code](message);
    this.objs.push(e);
    if (name !== undefined) define(e, "name", name);
    if (stack !== undefined) define(e, "stack", stack);
    if (flags & W.EF_CAUSE) define(e, "cause", this.value(d));
    if (flags & W.EF_ERRORS) define(e, "errors", this.value(d));
    return this.props(e, d) as Error;
  }
}

/**
 * Deserializes a frame produced by {@linkcode encode}. `bytes` may be a view
 * into a larger buffer; it is not retained and may be reused afterwards.
 *
 * @param bytes An encoded frame.
 * @returns The decoded value.
 * @throws {TypeError} `malformed frame: …` when the frame is not from this
 * codec or is corrupt.
 * @throws {RangeError} `malformed frame: …` when the frame is truncated,
 * declares more data than it holds, or nests more than 1,000 levels deep.
 *
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 *
 * const a = { name: "a" };
 * const [x, y] = decode(encode([a, a])) as object[];
 * x === y; // true
 * ```
 */
export function decode(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("decode() expects a Uint8Array");
  }
  if (bytes.length < 3) throw bad(`${bytes.length}-byte frame is too short`);
  if (bytes[0] !== W.MAGIC) {
    throw bad(`bad magic byte 0x${bytes[0].toString(16)}, not a codec frame`);
  }
  if (bytes[1] !== W.VERSION) {
    throw bad(`unsupported codec version ${bytes[1]}`);
  }
  const r = new Reader(bytes);
  const value = r.value(0);
  if (r.pos !== r.end) throw bad(`${r.end - r.pos} trailing bytes`);
  return value;
}
