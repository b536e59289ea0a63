/**
 * A small property-based testing kit (no dependency): a seeded PRNG, composable generators and
 * `check`, which runs a property on many generated cases and, when one fails, shrinks it and
 * reports the seed and the smallest failing case it found.
 *
 * Shrinking is greedy: a generator offers smaller variants of a failing value, the first that
 * still fails replaces it, until none does (or a budget runs out). Byte arrays shrink by getting
 * shorter and by zeroing bytes, so a failing frame is reported as the few bytes that matter.
 *
 * @example
 * ```ts ignore
 * import { bytes, check } from "./_property.ts";
 * await check(bytes(64), (b) => b.length <= 64, { runs: 1_000, seed: 42 });
 * ```
 *
 * @module
 */

/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same cases.
 *
 * @example
 * ```ts ignore
 * const rng = new Rng(7);
 * rng.int(1, 6); // a die roll, the same one every time for seed 7
 * ```
 */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** True with probability `p`. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/**
 * Makes values at random, and smaller variants of a value for shrinking.
 *
 * @example
 * ```ts ignore
 * const dice: Gen<number> = gen((rng) => rng.int(1, 6), (n) => n > 1 ? [1] : []);
 * ```
 */
export interface Gen<T> {
  /** A random value; `size` (1..100) grows over a run, so early cases are small. */
  draw(rng: Rng, size: number): T;
  /** Smaller variants of `value`, the most aggressive first. */
  shrink(value: T): Iterable<T>;
}

/**
 * A generator from a draw function and an optional shrinker.
 *
 * @example
 * ```ts ignore
 * const small = gen((rng) => rng.int(0, 9));
 * ```
 */
export function gen<T>(
  draw: (rng: Rng, size: number) => T,
  shrink: (value: T) => Iterable<T> = () => [],
): Gen<T> {
  return { draw, shrink };
}

/**
 * An integer in [lo, hi], shrinking towards `lo`.
 *
 * @example
 * ```ts ignore
 * integer(0, 255).draw(new Rng(1), 100);
 * ```
 */
export function integer(lo: number, hi: number): Gen<number> {
  return gen((rng) => rng.int(lo, hi), function* (n) {
    if (n !== lo) yield lo;
    if (Math.floor((n + lo) / 2) !== n && Math.floor((n + lo) / 2) !== lo) {
      yield Math.floor((n + lo) / 2);
    }
  });
}

/**
 * Random bytes, up to `max` long (scaled by size); shrinks by shortening, then zeroing bytes.
 *
 * @example
 * ```ts ignore
 * const frame = bytes(32).draw(new Rng(1), 100); // a Uint8Array of 0..32 bytes
 * ```
 */
export function bytes(max: number, min = 0): Gen<Uint8Array> {
  return gen<Uint8Array>((rng, size) => {
    const length = rng.int(min, Math.max(min, Math.ceil(max * size / 100)));
    return Uint8Array.from({ length }, () => rng.int(0, 255));
  }, (b) => shrinkBytes(b, min));
}

/**
 * Shorter and then zeroed variants of `b` (never shorter than `min`).
 *
 * @example
 * ```ts ignore
 * [...shrinkBytes(new Uint8Array([1, 2]))]; // [[], [2], [1], [0, 2], [1, 0]]
 * ```
 */
export function* shrinkBytes(b: Uint8Array, min = 0): Iterable<Uint8Array> {
  // Remove chunks, from half the array down to single bytes.
  for (let chunk = b.length >> 1 || 1; chunk >= 1; chunk >>= 1) {
    if (b.length - chunk < min) continue;
    for (let at = 0; at + chunk <= b.length; at += chunk) {
      const shorter = new Uint8Array(b.length - chunk);
      shorter.set(b.subarray(0, at));
      shorter.set(b.subarray(at + chunk), at);
      yield shorter;
    }
  }
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0) continue;
    const zeroed = b.slice();
    zeroed[i] = 0;
    yield zeroed;
  }
}

/**
 * An unsigned LEB128 varint (the codec's lengths and counts), often at the edges of its range.
 *
 * @example
 * ```ts ignore
 * varint().draw(new Rng(1), 100); // e.g. Uint8Array [0xff, 0xff, 0xff, 0xff, 0x0f]
 * ```
 */
export function varint(): Gen<Uint8Array> {
  const edges = [0, 1, 127, 128, 0x3fff, 0x4000, 0x7fffffff, 0xffffffff, 2 ** 35 - 1];
  return gen<Uint8Array>((rng) => {
    const n = rng.bool(0.6) ? rng.pick(edges) : rng.int(0, 0xffffffff);
    const out: number[] = [];
    let rest = n;
    do {
      const low = rest % 128;
      rest = Math.floor(rest / 128);
      out.push(rest > 0 ? low | 0x80 : low);
    } while (rest > 0);
    return Uint8Array.from(out);
  }, (b) => shrinkBytes(b, 1));
}

/**
 * One of `gens`, chosen with the given weights (`[weight, gen]` pairs).
 *
 * @example
 * ```ts ignore
 * const digitOrLetter = oneOf([3, integer(0, 9)], [1, gen(() => "x")]);
 * ```
 */
export function oneOf<T>(...weighted: [number, Gen<T>][]): Gen<T> {
  const total = weighted.reduce((sum, [w]) => sum + w, 0);
  // A value does not remember which generator made it; each is asked for its shrinks, and
  // shrinkers ignore values that are not theirs.
  return gen((rng, size) => {
    let roll = rng.next() * total;
    for (const [w, g] of weighted) {
      if ((roll -= w) < 0) return g.draw(rng, size);
    }
    return weighted[weighted.length - 1][1].draw(rng, size);
  }, function* (value) {
    for (const [, g] of weighted) yield* g.shrink(value);
  });
}

/**
 * An array of up to `max` values of `item` (scaled by size); shrinks by dropping elements.
 *
 * @example
 * ```ts ignore
 * arrayOf(integer(0, 9), 5).draw(new Rng(1), 100); // e.g. [3, 0, 7]
 * ```
 */
export function arrayOf<T>(item: Gen<T>, max: number, min = 0): Gen<T[]> {
  return gen((rng, size) => {
    const length = rng.int(min, Math.max(min, Math.ceil(max * size / 100)));
    return Array.from({ length }, () => item.draw(rng, size));
  }, function* (a) {
    for (let i = 0; i < a.length && a.length > min; i++) yield a.toSpliced(i, 1);
    for (let i = 0; i < a.length; i++) {
      for (const smaller of item.shrink(a[i])) yield a.with(i, smaller);
    }
  });
}

/**
 * Structured-clone values: primitives at their edges (NaN, -0, bigints, lone surrogates),
 * arrays with holes, objects, Map, Set, Date, RegExp, buffers, typed arrays, errors, shared
 * references; nested up to `depth`.
 *
 * @example
 * ```ts ignore
 * structuredCloneable().draw(new Rng(1), 100); // e.g. Map { -0 => [ <1 empty item>, "\ud800" ] }
 * ```
 */
export function structuredCloneable(depth = 3): Gen<unknown> {
  const texts = ["", "a", "fuzz", "é", "\ud800", "😀", "__proto__", "x".repeat(70)];
  const numbers = [0, -0, 1, -1, 127, 128, 2 ** 31, -(2 ** 31) - 1, 0.5, NaN, Infinity, -1e308];
  const leaf = (rng: Rng): unknown => {
    switch (rng.int(0, 11)) {
      case 0:
        return undefined;
      case 1:
        return null;
      case 2:
        return rng.bool();
      case 3:
        return rng.pick(numbers);
      case 4:
        return rng.int(-1e9, 1e9);
      case 5:
        return rng.pick([0n, -1n, 2n ** 64n, -(3n ** 80n)]);
      case 6:
        return rng.pick(texts);
      case 7:
        return new Date(rng.bool(0.9) ? rng.int(0, 2e12) : NaN);
      case 8:
        return new RegExp(rng.pick(["a+", "^$", "[\\u{1F600}]"]), rng.pick(["", "gu", "y"]));
      case 9:
        return Uint8Array.from({ length: rng.int(0, 16) }, () => rng.int(0, 255)).buffer;
      case 10:
        return new (rng.pick([Float64Array, Int16Array, BigInt64Array, Uint8ClampedArray]))(
          rng.int(0, 4),
        );
      default:
        return Object.assign(new (rng.pick([Error, TypeError, RangeError]))(rng.pick(texts)), {
          code: rng.pick(texts),
        });
    }
  };
  const value = (rng: Rng, level: number): unknown => {
    if (level >= depth || rng.bool(0.5)) return leaf(rng);
    const n = rng.int(0, 4);
    const kids = () => Array.from({ length: n }, () => value(rng, level + 1));
    switch (rng.int(0, 4)) {
      case 0: {
        const a = kids();
        if (rng.bool(0.3)) a.length += rng.int(1, 5); // trailing holes
        if (a.length > 1 && rng.bool(0.3)) delete a[0];
        return a;
      }
      case 1:
        return Object.fromEntries(kids().map((v, i) => [rng.pick(texts) + i, v]));
      case 2:
        return new Map(kids().map((v) => [leaf(rng), v]));
      case 3:
        return new Set(kids());
      default: {
        const shared = value(rng, level + 1);
        return [shared, shared]; // one object twice: a back-reference on the wire
      }
    }
  };
  return gen((rng) => value(rng, 0));
}

/**
 * A byte mutation of a frame, and what it did.
 *
 * @example
 * ```ts ignore
 * const m: Mutation = { how: "truncate", bytes: new Uint8Array([0xdc, 1]) };
 * ```
 */
export interface Mutation {
  how: "truncate" | "flip" | "splice" | "garbage";
  bytes: Uint8Array;
}

/**
 * Mutations of frames drawn from `base`: a strict prefix (`truncate`), bit flips, random bytes
 * spliced in or written over, or garbage. A truncated codec frame is always malformed; the others
 * may by chance still be well formed. Shrinks the mutated bytes.
 *
 * @example
 * ```ts ignore
 * mutation(gen(() => encode([0, []]))).draw(new Rng(3), 100); // { how: "flip", bytes: … }
 * ```
 */
export function mutation(base: Gen<Uint8Array>): Gen<Mutation> {
  return gen<Mutation>((rng, size) => {
    const b = base.draw(rng, size).slice();
    const how = rng.pick(["truncate", "flip", "flip", "splice", "garbage"] as const);
    switch (how) {
      case "truncate":
        return { how, bytes: b.slice(0, rng.int(0, Math.max(0, b.length - 1))) };
      case "flip": {
        for (let n = rng.int(1, 4); n > 0 && b.length; n--) {
          b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
        }
        return { how, bytes: b };
      }
      case "splice": {
        const at = rng.int(0, b.length);
        const cut = rng.int(0, b.length - at);
        const insert = Uint8Array.from({ length: rng.int(0, 8) }, () => rng.int(0, 255));
        return {
          how,
          bytes: new Uint8Array([...b.subarray(0, at), ...insert, ...b.subarray(at + cut)]),
        };
      }
      default:
        return { how, bytes: bytes(64).draw(rng, size) };
    }
  }, function* (m) {
    if (!(m?.bytes instanceof Uint8Array) || typeof m.how !== "string") return;
    if (m.how === "truncate") {
      // Only shorter prefixes: a prefix of a prefix is still a truncated frame.
      for (let n = m.bytes.length >> 1; n < m.bytes.length; n++) {
        yield { how: m.how, bytes: m.bytes.slice(0, n) };
      }
    } else for (const b of shrinkBytes(m.bytes)) yield { how: m.how, bytes: b };
  });
}

/**
 * Options of {@linkcode check}.
 *
 * @example
 * ```ts ignore
 * const options: CheckOptions = { runs: 500, seed: 1234 };
 * ```
 */
export interface CheckOptions {
  /** How many cases to try. */
  runs: number;
  /** The seed; the same seed makes the same cases. */
  seed: number;
  /** At most this many shrink attempts once a case fails. */
  maxShrinks?: number;
  /** Formats a case for the report. */
  show?: (value: unknown) => string;
}

/**
 * Thrown by {@linkcode check}: the seed, the run, and the smallest failing case found.
 *
 * @example
 * ```ts ignore
 * try { await check(g, p, { runs: 10, seed: 1 }); } catch (e) { (e as PropertyFailure).minimal; }
 * ```
 */
export class PropertyFailure extends Error {
  constructor(
    readonly seed: number,
    readonly run: number,
    readonly minimal: unknown,
    readonly shrinks: number,
    cause: unknown,
    show: (value: unknown) => string,
  ) {
    super(
      `property failed on run ${run} (seed ${seed}), shrunk ${shrinks} times to:\n  ` +
        `${show(minimal)}\n  because: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = "PropertyFailure";
  }
}

/**
 * Runs `property` on `runs` cases drawn from `generator` (seeded); a case fails when the
 * property throws or returns `false`. The first failing case is shrunk and reported in a
 * {@linkcode PropertyFailure}. Resolves with the number of cases run.
 *
 * @example
 * ```ts ignore
 * import { bytes, check } from "./_property.ts";
 * await check(bytes(8), (b) => b.length < 8, { runs: 200, seed: 1 }); // fails, shrinks to 8 zeros
 * ```
 */
export async function check<T>(
  generator: Gen<T>,
  property: (value: T, run: number) => unknown,
  options: CheckOptions,
): Promise<number> {
  const { runs, seed, maxShrinks = 300, show = format } = options;
  const rng = new Rng(seed);
  const fails = async (value: T, run: number): Promise<unknown> => {
    try {
      return (await property(value, run)) === false ? new Error("returned false") : undefined;
    } catch (error) {
      return error ?? new Error("threw undefined");
    }
  };
  for (let run = 0; run < runs; run++) {
    const value = generator.draw(rng, Math.min(100, 1 + Math.floor(run * 100 / runs)));
    let cause = await fails(value, run);
    if (cause === undefined) continue;
    let minimal = value, shrinks = 0, tries = 0;
    search: while (tries < maxShrinks) {
      for (const smaller of generator.shrink(minimal)) {
        if (++tries > maxShrinks) break search;
        const why = await fails(smaller, run);
        if (why !== undefined) {
          minimal = smaller;
          cause = why;
          shrinks++;
          continue search;
        }
      }
      break;
    }
    throw new PropertyFailure(seed, run, minimal, shrinks, cause, show);
  }
  return runs;
}

/**
 * A readable one-line form of a case: bytes in hex, bigints, Maps and Sets spelled out.
 *
 * @example
 * ```ts ignore
 * format({ bytes: new Uint8Array([0xdc, 1]) }); // '{"bytes":"bytes(2) dc01"}'
 * ```
 */
export function format(value: unknown): string {
  const text = JSON.stringify(value, (_key, v) => {
    if (v instanceof Uint8Array) {
      const hex = Array.from(v.subarray(0, 256), (b) => b.toString(16).padStart(2, "0")).join("");
      return `bytes(${v.length}) ${hex}${v.length > 256 ? "…" : ""}`;
    }
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Map) return { Map: [...v] };
    if (v instanceof Set) return { Set: [...v] };
    if (v === undefined) return "undefined";
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    return v;
  });
  return text === undefined ? String(value) : text;
}
