import assert from "node:assert/strict";
import { decode, encode } from "./codec.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

function roundTrip<T>(value: T): T {
  return decode(encode(value)) as T;
}

function same(value: unknown): void {
  assert.deepStrictEqual(roundTrip(value), value);
}

function cloneError(value: unknown, pattern: RegExp): void {
  assert.throws(() => encode(value), (e: unknown) => {
    assert.ok(e instanceof DOMException, `expected DOMException, got ${e}`);
    assert.equal(e.name, "DataCloneError");
    assert.match(e.message, pattern);
    return true;
  });
}

function malformed(bytes: Uint8Array | number[], pattern?: RegExp): void {
  assert.throws(() => decode(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)), (e) => {
    assert.ok(e instanceof TypeError || e instanceof RangeError, `unexpected ${e}`);
    assert.match((e as Error).message, pattern ?? /^malformed frame: /);
    return true;
  });
}

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("primitives and numbers round-trip exactly", () => {
  const values = [
    undefined,
    null,
    true,
    false,
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    1,
    127,
    128,
    255,
    -1,
    -128,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32,
    1.5,
    -1e-300,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER,
    Number.EPSILON,
  ];
  for (const v of values) assert.ok(Object.is(roundTrip(v), v), String(v));
  same(values);
  assert.equal(encode(5).length, 3); // magic, version, fixint
  assert.equal(encode(-5).length, 7); // int32
  assert.equal(encode(0.5).length, 11); // float64
  assert.equal(encode(-0).length, 11);
});

Deno.test("bigints of any size and sign", () => {
  for (
    const v of [
      0n,
      1n,
      -1n,
      255n,
      256n,
      -256n,
      2n ** 47n,
      2n ** 48n,
      -(2n ** 48n),
      2n ** 63n,
      2n ** 64n,
      -(2n ** 64n) - 1n,
      2n ** 1000n + 12345n,
      -(3n ** 5000n),
    ]
  ) {
    assert.equal(roundTrip(v), v);
  }
});

Deno.test("strings: ASCII, Unicode, BOM, NUL and lone surrogates", () => {
  const a63 = "x".repeat(63);
  const values = [
    "",
    "a",
    a63,
    a63 + "y",
    a63 + "é",
    "é" + a63,
    "x".repeat(200),
    "héllo wörld",
    "日本語",
    "😀 emoji 👍🏽",
    "\uFEFFbom",
    "\u0000nul",
    "\u0080\u07ff\u0800\uffff",
    "\uD800",
    "\uDC00",
    "a\uD800b",
    "\uDBFF\uDBFF",
    "ok😀\uDE00",
    "é".repeat(100_000),
    "x".repeat(1 << 20),
  ];
  for (const s of values) assert.equal(roundTrip(s), s);
  same(values);
  same({ [a63 + "é"]: 1, "\uD800": 2, "": 3, "A\uDC00": 4, "\u0000\u0041": 5, "é": 6 });
  assert.equal(encode("hi").length, 6); // magic, version, tag, length, 2 bytes
});

Deno.test("arrays, holes and plain objects", () => {
  same([]);
  same([1, [2, [3, [4]]], { a: [] }]);
  same({ a: 1, b: "two", c: { d: null, e: undefined }, 10: "ten", 2: "two" });
  same([1, , 3, , , 6]); // holes stay holes
  const sparse: number[] = [];
  sparse[1_000_000] = 7;
  const s = roundTrip(sparse);
  assert.equal(s.length, 1_000_001);
  assert.equal(s[1_000_000], 7);
  assert.ok(!(0 in s));
  assert.ok(encode(sparse).length < 16);
  const empty = roundTrip(new Array(5));
  assert.equal(empty.length, 5);
  assert.ok(!(4 in empty));
  assert.deepStrictEqual(roundTrip([undefined, undefined]), [undefined, undefined]);
  assert.ok(1 in roundTrip([undefined, undefined]));
});

Deno.test("objects follow structured clone rules", () => {
  class Point {
    x = 1;
    y = 2;
    get sum(): number {
      return this.x + this.y;
    }
  }
  const p = roundTrip(new Point());
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.deepStrictEqual(p, { x: 1, y: 2 });

  const bare = Object.create(null);
  bare.k = 1;
  assert.deepStrictEqual(roundTrip(bare), { k: 1 });

  const hidden = { shown: 1, [Symbol("s")]: 2 };
  Object.defineProperty(hidden, "hidden", { value: 3, enumerable: false });
  assert.deepStrictEqual(roundTrip(hidden), { shown: 1 });

  assert.deepStrictEqual(
    roundTrip({
      get g() {
        return 42;
      },
    }),
    { g: 42 },
  );

  const proto = JSON.parse('{"__proto__": {"polluted": true}}');
  const back = roundTrip(proto);
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.ok(Object.hasOwn(back, "__proto__"));
  assert.equal(({} as Any).polluted, undefined);
  assert.deepStrictEqual(back.__proto__, { polluted: true });
});

Deno.test("Map, Set, Date and RegExp", () => {
  same(new Map<unknown, unknown>([[1, "a"], ["b", { c: 2 }], [NaN, null], [{ k: 1 }, [1]]]));
  same(new Set([1, "1", { a: 1 }, NaN, undefined]));
  same(new Map([[new Map([[1, 2]]), new Set([new Set()])]]));
  same(new Date(0));
  same(new Date(8.64e15));
  const invalid = roundTrip(new Date(NaN));
  assert.ok(invalid instanceof Date && Number.isNaN(invalid.getTime()));
  for (const re of [/a+b/gi, /x/dgimsuy, /[\p{L}--[a-z]]/v, new RegExp("/", ""), /(?:)/]) {
    const back = roundTrip(re);
    assert.equal(back.source, re.source);
    assert.equal(back.flags, re.flags);
  }
  const sticky = /a/g;
  sticky.exec("aaa");
  assert.equal(roundTrip(sticky).lastIndex, 0); // not kept, as in structuredClone
});

Deno.test("ArrayBuffer, typed arrays and DataView keep offsets and sharing", () => {
  const buf = new ArrayBuffer(64);
  new Uint8Array(buf).forEach((_, i, a) => a[i] = i * 3);
  same(buf);
  same(new ArrayBuffer(0));
  const ctors = [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ];
  const f16 = (globalThis as Any).Float16Array;
  if (f16) ctors.push(f16);
  for (const C of ctors) {
    const whole = new C(buf);
    same(whole);
    const part = new C(buf, 8, 2);
    const back = roundTrip(part);
    assert.equal(back.constructor, C);
    assert.equal(back.byteOffset, 8);
    assert.equal(back.length, 2);
    assert.equal(back.buffer.byteLength, 64);
    assert.deepStrictEqual(back, part);
  }
  const dv = roundTrip(new DataView(buf, 3, 5));
  assert.ok(dv instanceof DataView);
  assert.equal(dv.byteOffset, 3);
  assert.equal(dv.byteLength, 5);
  assert.equal(dv.getUint8(0), 9);

  const views: Any = roundTrip([new Uint8Array(buf, 0, 4), new Float64Array(buf, 8, 2), buf]);
  assert.equal(views[0].buffer, views[1].buffer);
  assert.equal(views[0].buffer, views[2]);
  views[0][0] = 255;
  assert.equal(new Uint8Array(views[2])[0], 255);
  assert.notEqual(views[2], buf); // decoded data never aliases the input

  const floats = new Float64Array([NaN, -0, Infinity, 1.25]);
  assert.deepStrictEqual(roundTrip(floats), floats);
  const big = new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]);
  assert.deepStrictEqual(roundTrip(big), big);
});

Deno.test("primitive wrapper objects", () => {
  for (
    const v of [Object(true), Object(false), Object(-0), Object(NaN), Object("str"), Object(9n)]
  ) {
    const back = roundTrip(v);
    assert.equal(typeof back, "object");
    assert.ok(Object.is(back.valueOf(), v.valueOf()));
  }
  same([Object(1), Object("s"), Object(false), Object(1n)]);
});

Deno.test("errors keep type, message, stack, cause, errors and extra properties", () => {
  for (
    const C of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]
  ) {
    const e = new C("boom");
    const back = roundTrip(e);
    assert.equal(Object.getPrototypeOf(back), C.prototype);
    assert.equal(back.message, "boom");
    assert.equal(back.stack, e.stack);
    assert.deepStrictEqual(back, e);
  }
  const inner = new TypeError("inner");
  const e = Object.assign(new Error("outer", { cause: inner }), { code: "ENOENT", errno: -2 });
  const back = roundTrip(e);
  assert.deepStrictEqual(back, e);
  assert.equal(back.code, "ENOENT");
  assert.ok(back.cause instanceof TypeError);
  assert.equal((back.cause as Error).message, "inner");
  assert.ok(!Object.keys(back).includes("cause"));

  const agg = new AggregateError([new Error("a"), 1], "many");
  const aggBack = roundTrip(agg);
  assert.ok(aggBack instanceof AggregateError);
  assert.deepStrictEqual(aggBack.errors, agg.errors);
  assert.equal(aggBack.message, "many");

  class HttpError extends Error {
    override name = "HttpError";
    status = 404;
  }
  const custom = roundTrip(new HttpError("nope"));
  assert.equal(Object.getPrototypeOf(custom), Error.prototype);
  assert.equal(custom.name, "HttpError");
  assert.equal(custom.message, "nope");
  assert.equal((custom as Any).status, 404);

  const bare = roundTrip(new RangeError());
  assert.ok(!Object.hasOwn(bare, "message"));
  assert.equal(bare.message, "");

  const self = new Error("self") as Error & { cause?: unknown };
  self.cause = self;
  const selfBack = roundTrip(self);
  assert.equal(selfBack.cause, selfBack);
});

Deno.test("shared and circular references keep identity", () => {
  const shared = { n: 1 };
  const arr: Any = roundTrip([shared, shared, { inner: shared }]);
  assert.equal(arr[0], arr[1]);
  assert.equal(arr[0], arr[2].inner);

  const cyc: Any = { name: "root", list: [] };
  cyc.self = cyc;
  cyc.list.push(cyc, cyc.list);
  const c = roundTrip(cyc);
  assert.equal(c.self, c);
  assert.equal(c.list[0], c);
  assert.equal(c.list[1], c.list);

  const m = new Map<unknown, unknown>();
  m.set(m, m);
  const s = new Set<unknown>();
  s.add(s);
  const [m2, s2] = roundTrip([m, s]);
  assert.equal(m2.get(m2), m2);
  assert.ok(s2.has(s2));

  const date = new Date(1);
  const re = /x/;
  const boxed = Object("s");
  const d = roundTrip({ a: date, b: date, c: re, d: re, e: boxed, f: boxed });
  assert.equal(d.a, d.b);
  assert.equal(d.c, d.d);
  assert.equal(d.e, d.f);
  assert.deepStrictEqual(roundTrip(cyc), cyc);
});

Deno.test("uncloneable values throw DataCloneError naming what and where", () => {
  cloneError(() => {}, /^value could not be cloned: function$/);
  cloneError(
    { args: [1, { handler() {} }] },
    /^value at args\[1\]\.handler could not be cloned: function$/,
  );
  cloneError([Symbol("s")], /^value at \[0\] could not be cloned: symbol$/);
  cloneError({ "a b": { w: new WeakMap() } }, /at \["a b"\]\.w could not be cloned: WeakMap$/);
  cloneError(new WeakSet(), /WeakSet$/);
  cloneError(new WeakRef({}), /WeakRef$/);
  cloneError({ p: Promise.resolve() }, /at p could not be cloned: Promise$/);
  cloneError(new SharedArrayBuffer(8), /SharedArrayBuffer \(not supported over this transport\)/);
  cloneError(new Uint8Array(new SharedArrayBuffer(8)), /SharedArrayBuffer/);
  cloneError(Object(Symbol("x")), /Symbol object$/);
  cloneError(new Map([[1, { f: Math.max }]]), /at <Map value #0>\.f could not be cloned: function/);
  cloneError(new Map([[() => 0, 1]]), /at <Map key #0> could not be cloned/);
  cloneError({ s: new Set([1, 2, () => 0]) }, /at s<Set entry #2> could not be cloned/);
  cloneError(new Error("x", { cause: () => 0 }), /at cause could not be cloned: function/);
  cloneError([1, 2, [3, { g: Symbol.iterator }]], /at \[2\]\[1\]\.g could not be cloned: symbol/);
  cloneError(new URL("https://example.com/"), /could not be cloned: URL$/);
  cloneError([1, 2, 3].values(), /Array Iterator$/);
  const buf = new ArrayBuffer(8);
  buf.transfer();
  cloneError({ buf }, /at buf could not be cloned: detached ArrayBuffer/);
});

Deno.test("nesting is limited to 1,000 levels on both sides", () => {
  let ok: unknown[] = [];
  for (let i = 1; i < 1000; i++) ok = [ok];
  let back = roundTrip(ok), levels = 1;
  while ((back as unknown[]).length) back = (back as unknown[][])[0], levels++;
  assert.equal(levels, 1000);
  cloneError(
    [ok],
    /^value at (\[0\]){20}.*….*(\[0\]){20} could not be cloned: nested more than 1000/,
  );

  const frame = [0xdc, 1];
  for (let i = 0; i < 100_000; i++) frame.push(0x10, 1); // [[[[...]]]]
  malformed(frame, /nested more than 1000 levels deep/);
});

Deno.test("frames stay valid after later encodes; decode respects byteOffset", () => {
  const a = encode({ first: true });
  const copy = a.slice();
  for (let i = 0; i < 2000; i++) encode({ i, pad: "x".repeat(i % 300) }); // cycles the pool
  const big = encode(new Uint8Array(3 << 20)); // larger than the retained buffer
  encode(new Uint8Array(3 << 20));
  assert.deepStrictEqual(a, copy);
  assert.deepStrictEqual(decode(a), { first: true });
  assert.equal((decode(big) as Uint8Array).length, 3 << 20);

  // Someone detaching a pooled frame's buffer does not break later frames.
  const pooled = encode("pooled");
  structuredClone(pooled.buffer, { transfer: [pooled.buffer as ArrayBuffer] });
  assert.equal(decode(encode("after")), "after");

  const framed = new Uint8Array(copy.length + 7);
  framed.set(copy, 3);
  assert.deepStrictEqual(decode(framed.subarray(3, 3 + copy.length)), { first: true });
  malformed(framed.subarray(3, 3 + copy.length - 1), /truncated/);
});

Deno.test("encode is re-entrant from getters", () => {
  const inner = {
    get nested() {
      return decode(encode({ deep: [1, 2] }));
    },
  };
  assert.deepStrictEqual(roundTrip({ a: 1, inner, z: "end" }), {
    a: 1,
    inner: { nested: { deep: [1, 2] } },
    z: "end",
  });
});

Deno.test("malformed frames are rejected clearly", () => {
  assert.throws(() => decode([1, 2, 3] as unknown as Uint8Array), TypeError);
  malformed([], /too short/);
  malformed([0xdc, 1], /too short/);
  malformed([0x7b, 0x22, 0x61], /bad magic byte 0x7b/);
  malformed([0xdc, 9, 0], /unsupported codec version 9/);
  malformed([0xdc, 1, 0x00, 0x00], /1 trailing bytes/);
  malformed([0xdc, 1, 0x7f], /unknown tag 0x7f/);
  malformed([0xdc, 1, 0x09, 1], /unknown tag|hole/);
  malformed([0xdc, 1, 0x08, 0], /invalid back-reference #0/);
  malformed([0xdc, 1, 0x07, 0xff, 0xff, 0xff, 0xff, 0x7f], /truncated/); // huge string
  malformed([0xdc, 1, 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], /varint too long/);
  malformed([0xdc, 1, 0x10, 0xff, 0xff, 0xff, 0xff, 0x0f], /truncated/); // 4G array
  malformed([0xdc, 1, 0x10, 0xff, 0xff, 0xff, 0xff, 0x7f], /array length/);
  malformed([0xdc, 1, 0x10, 3, 0x09, 4], /holes/);
  malformed([0xdc, 1, 0x11, 0xff, 0xff, 0xff, 0xff, 0x0f], /truncated/); // object count
  malformed([0xdc, 1, 0x12, 0xff, 0xff, 0xff, 0x7f], /truncated/); // map size
  malformed([0xdc, 1, 0x13, 0xff, 0xff, 0xff, 0x7f], /truncated/); // set size
  malformed([0xdc, 1, 0x16, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2], /truncated/); // buffer
  malformed([0xdc, 1, 0x06, 0xff, 0xff, 0xff, 0xff, 0x0f, 1], /truncated/); // bigint
  malformed([0xdc, 1, 0x17, 8, 0, 1, 0x16, 4, 0, 0, 0, 0], /Float64Array out of its buffer/);
  malformed([0xdc, 1, 0x17, 5, 1, 1, 0x16, 4, 0, 0, 0, 0], /out of its buffer/); // misaligned
  malformed([0xdc, 1, 0x17, 1, 0, 1, 0x08, 0], /invalid back-reference/); // self buffer
  malformed([0xdc, 1, 0x17, 1, 0, 1, 0x11, 0], /view without a buffer/);
  malformed([0xdc, 1, 0x17, 99, 0, 0, 0x16, 0], /unknown view kind/);
  malformed([0xdc, 1, 0x15, 2, 0x28, 0], /invalid RegExp/);
  malformed([0xdc, 1, 0x18, 42, 0], /unknown error type/);
  // Every strict prefix of a rich frame is truncated.
  const full = encode({ a: [1, "two", 3n, new Map([[1, new Uint8Array(4)]])], e: new Error("x") });
  for (let n = 0; n < full.length; n++) malformed(full.subarray(0, n));
});

Deno.test("fuzz: decode returns or throws TypeError/RangeError, never anything else", () => {
  const random = rng(0xC0DEC);
  const byte = () => (random() * 256) | 0;
  const samples = [
    encode(["ping", 1, { a: "x" }]),
    encode({ m: new Map([[{ k: 1 }, new Set([1n, -0])]]), d: new Date(5), r: /x/g }),
    encode([new Float64Array([1, 2]), new DataView(new ArrayBuffer(4)), Object("s")]),
    encode(Object.assign(new AggregateError([new TypeError("t")], "m"), { code: 7 })),
    encode([1, , "é😀", "\uD800", [[[]]], 2 ** 40, -1]),
  ];
  let decoded = 0;
  const check = (bytes: Uint8Array) => {
    try {
      decode(bytes);
      decoded++;
    } catch (e) {
      if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
    }
  };
  for (let i = 0; i < 3000; i++) {
    const len = (random() * 40) | 0;
    const bytes = new Uint8Array(len + 2).map(byte);
    bytes[0] = 0xdc;
    bytes[1] = 1;
    check(bytes);
  }
  for (let i = 0; i < 4000; i++) {
    const src = samples[i % samples.length].slice();
    const edits = 1 + ((random() * 3) | 0);
    for (let j = 0; j < edits; j++) src[2 + ((random() * (src.length - 2)) | 0)] = byte();
    check(random() < 0.3 ? src.subarray(0, (random() * src.length) | 0) : src);
  }
  assert.ok(decoded > 0);
});

Deno.test("fuzz: random values round-trip", () => {
  const random = rng(42);
  const pick = <T>(xs: T[]): T => xs[(random() * xs.length) | 0];
  const gen = (depth: number): unknown => {
    const leaves = [
      () => (random() * 1000 - 500) | 0,
      () => random() * 1e6,
      () => pick([NaN, -0, Infinity, null, undefined, true, false, 2 ** 31, ""]),
      () =>
        String.fromCharCode(
          ...Array.from({ length: (random() * 20) | 0 }, () => random() * 0xffff),
        ),
      () => BigInt(Math.floor(random() * 1e15)) ** 3n * pick([1n, -1n]),
      () => new Date(Math.floor(random() * 1e12)),
    ];
    if (depth > 3 || random() < 0.4) return pick(leaves)();
    const n = (random() * 5) | 0;
    const kids = Array.from({ length: n }, () => gen(depth + 1));
    switch ((random() * 4) | 0) {
      case 0:
        return kids;
      case 1:
        return Object.fromEntries(kids.map((k, i) => [`k${i}`, k]));
      case 2:
        return new Map(kids.map((k, i) => [i % 2 ? k : String(i), k]));
      default:
        return new Set(kids);
    }
  };
  for (let i = 0; i < 500; i++) {
    const v = gen(0);
    assert.deepStrictEqual(roundTrip(v), v);
  }
});

Deno.test("decoding a Node Buffer copies buffers out of it rather than aliasing it", async () => {
  const { Buffer } = await import("node:buffer");
  const bytes = encode({ buf: new Uint8Array([1, 2, 3]).buffer, view: new Int16Array([7]) });
  // A chunk from a stream: a Buffer over part of a bigger buffer, whose `slice` does not copy.
  const memory = new Uint8Array(bytes.length + 16).fill(9);
  memory.set(bytes, 8);
  const frame = Buffer.from(memory.buffer, 8, bytes.length);
  const out = decode(frame) as { buf: ArrayBuffer; view: Int16Array };
  assert.deepEqual([...new Uint8Array(out.buf)], [1, 2, 3]);
  assert.deepEqual([...out.view], [7]);
  memory.fill(0);
  assert.deepEqual([...new Uint8Array(out.buf)], [1, 2, 3], "independent of the chunk");
  assert.deepEqual([...out.view], [7]);
});
