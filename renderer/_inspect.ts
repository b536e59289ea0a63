/**
 * A browser-side `inspect` for console output, close to Deno's `Deno.inspect` (itself Node's
 * `util.inspect` style), so a page's `console.log("hello", { n: 1 })` reads `hello { n: 1 }` in
 * the host's terminal exactly as a worker's does. It covers what apps log: primitives, arrays,
 * plain and class objects, Map, Set, Date, RegExp, Error, typed arrays, ArrayBuffer, functions,
 * cycles; with Node's line breaking (80 columns, up to three levels on a line, number columns).
 *
 * @module
 */

const BREAK = 80;
const MAX_ARRAY = 100;
const IDENT = /^[A-Za-z_$][\w$]*$/;

interface Context {
  depth: number;
  indent: number;
  currentDepth: number;
  seen: object[];
  circular: Map<object, number>;
}

/**
 * Formats `value` as Deno's console would (without colours), nesting at most `depth` levels.
 *
 * @example
 * ```ts
 * import { inspect } from "./_inspect.ts";
 * inspect({ n: 1, list: [1, "a"] }); // '{ n: 1, list: [ 1, "a" ] }'
 * ```
 */
export function inspect(value: unknown, depth = 6): string {
  const ctx: Context = { depth, indent: 0, currentDepth: 0, seen: [], circular: new Map() };
  return format(ctx, value, 0);
}

function quote(s: string): string {
  const q = !s.includes('"') ? '"' : !s.includes("'") ? "'" : !s.includes("`") ? "`" : '"';
  const escaped = s.replace(/[\\\n\r\t\b\f\v]/g, (c) => JSON.stringify(c).slice(1, -1))
    .replaceAll(q, `\\${q}`);
  return q + escaped + q;
}

function format(ctx: Context, v: unknown, level: number): string {
  switch (typeof v) {
    case "string":
      return quote(v);
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "bigint":
      return `${v}n`;
    case "symbol":
      return v.toString();
    case "undefined":
      return "undefined";
    case "boolean":
      return String(v);
    case "function":
      return fn(v as (...args: never[]) => unknown);
  }
  if (v === null) return "null";
  const o = v as object;
  if (ctx.seen.includes(o)) {
    let n = ctx.circular.get(o);
    if (n === undefined) ctx.circular.set(o, n = ctx.circular.size + 1);
    return `[Circular *${n}]`;
  }
  const out = raw(ctx, o, level);
  const ref = ctx.circular.get(o);
  return ref !== undefined ? `<ref *${ref}> ${out}` : out;
}

function fn(f: (...args: never[]) => unknown): string {
  const source = Function.prototype.toString.call(f);
  if (source.startsWith("class")) return `[class ${f.name || "(anonymous)"}]`;
  const kind = f.constructor?.name ?? "Function";
  return f.name ? `[${kind}: ${f.name}]` : `[${kind} (anonymous)]`;
}

function raw(ctx: Context, o: object, level: number): string {
  const tag = Object.prototype.toString.call(o).slice(8, -1);
  if (o instanceof Date) return isNaN(o.getTime()) ? "Invalid Date" : o.toISOString();
  if (o instanceof RegExp) return String(o);
  if (o instanceof Error) return errorText(ctx, o, level);
  if (level > ctx.depth) {
    if (Array.isArray(o)) return "[Array]";
    const name = constructorName(o);
    return name === "Object" || name === null ? "[Object]" : `[${name}]`;
  }
  ctx.seen.push(o);
  ctx.currentDepth = level;
  let base = "";
  let braces: [string, string] = ["{", "}"];
  let entries: string[];
  let isArray = false;
  if (Array.isArray(o)) {
    isArray = true;
    braces = ["[", "]"];
    const name = constructorName(o);
    if (name !== "Array") base = name ?? "[Array: null prototype]";
    entries = arrayEntries(ctx, o, o.length, level);
  } else if (ArrayBuffer.isView(o) && !(o instanceof DataView)) {
    isArray = true;
    const view = o as unknown as ArrayLike<unknown>;
    braces = ["[", "]"];
    base = `${tag}(${view.length})`;
    entries = arrayEntries(ctx, view, view.length, level);
  } else if (o instanceof ArrayBuffer) {
    const bytes = [...new Uint8Array(o).subarray(0, 50)]
      .map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const more = o.byteLength > 50 ? ` ... ${o.byteLength - 50} more bytes` : "";
    base = "ArrayBuffer";
    entries = [`[Uint8Contents]: <${bytes}${more}>`, `byteLength: ${o.byteLength}`];
  } else if (o instanceof Map) {
    base = `Map(${o.size})`;
    entries = [...o].map(([k, val]) => `${child(ctx, k, level)} => ${child(ctx, val, level)}`);
  } else if (o instanceof Set) {
    base = `Set(${o.size})`;
    entries = [...o].map((val) => child(ctx, val, level));
  } else {
    const name = constructorName(o);
    base = name === "Object" ? "" : name === null ? "[Object: null prototype]" : name;
    if (tag !== "Object" && tag !== name && name !== null) base = `${name} [${tag}]`;
    entries = [];
  }
  if (!ArrayBuffer.isView(o) && !(o instanceof ArrayBuffer)) {
    const skip = isArray ? (k: string) => /^\d+$/.test(k) : () => false;
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (!d?.enumerable || (typeof key === "string" && skip(key))) continue;
      const name = typeof key === "symbol" ? key.toString() : IDENT.test(key) ? key : quote(key);
      const val = "value" in d ? child(ctx, d.value, level) : d.get ? "[Getter]" : "[Setter]";
      entries.push(`${name}: ${val}`);
    }
  }
  ctx.seen.pop();
  if (entries.length === 0) return base ? `${base} ${braces[0]}${braces[1]}` : braces.join("");
  const grouped = isArray && entries.length > 6 ? group(ctx, entries, o) : entries;
  return join(ctx, grouped, base, braces, level, grouped.length !== entries.length);
}

function child(ctx: Context, v: unknown, level: number): string {
  ctx.indent += 2;
  const s = format(ctx, v, level + 1);
  ctx.indent -= 2;
  return s;
}

function arrayEntries(
  ctx: Context,
  a: ArrayLike<unknown>,
  length: number,
  level: number,
): string[] {
  const out: string[] = [];
  const shown = Math.min(length, MAX_ARRAY);
  for (let i = 0; i < shown; i++) {
    if (!(i in (a as object))) {
      let j = i;
      while (j < shown && !(j in (a as object))) j++;
      const n = j - i;
      out.push(`<${n} empty item${n > 1 ? "s" : ""}>`);
      i = j - 1;
    } else out.push(child(ctx, a[i], level));
  }
  if (length > shown) out.push(`... ${length - shown} more item${length - shown > 1 ? "s" : ""}`);
  return out;
}

function constructorName(o: object): string | null {
  let proto = Object.getPrototypeOf(o);
  while (proto) {
    const d = Object.getOwnPropertyDescriptor(proto, "constructor");
    if (typeof d?.value === "function" && d.value.name) return d.value.name;
    proto = Object.getPrototypeOf(proto);
  }
  return null;
}

function errorText(ctx: Context, e: Error, level: number): string {
  let text = e.stack && e.stack.includes(e.message) ? e.stack : `${e.name}: ${e.message}`;
  if (ctx.indent) text = text.replaceAll("\n", `\n${" ".repeat(ctx.indent)}`);
  const own = Object.keys(e).filter((k) => k !== "stack" && k !== "message");
  if (own.length === 0 || level > ctx.depth) return text;
  ctx.seen.push(e);
  const props = own.map((k) =>
    `${IDENT.test(k) ? k : quote(k)}: ${child(ctx, (e as never)[k], level)}`
  );
  ctx.seen.pop();
  return join(ctx, props, text, ["{", "}"], level);
}

/** Node's rule: one line if it fits and nests at most three levels; else one entry per line. */
function join(
  ctx: Context,
  entries: string[],
  base: string,
  braces: [string, string],
  level: number,
  grouped = false,
): string {
  const head = base ? `${base} ` : "";
  if (!grouped && ctx.currentDepth - level < 3) {
    const start = entries.length + ctx.indent + braces[0].length + base.length + 10;
    let total = entries.length + start;
    let fits = total + entries.length <= BREAK;
    for (let i = 0; fits && i < entries.length; i++) {
      total += entries[i].length;
      fits = total <= BREAK;
    }
    const line = entries.join(", ");
    if (fits && !line.includes("\n") && !base.includes("\n")) {
      return `${head}${braces[0]} ${line} ${braces[1]}`;
    }
  }
  const pad = `\n${" ".repeat(ctx.indent)}`;
  return `${head}${braces[0]}${pad}  ${entries.join(`,${pad}  `)}${pad}${braces[1]}`;
}

/** Node's `groupArrayElements`: short entries of long arrays in aligned columns. */
function group(ctx: Context, output: string[], value: object): string[] {
  let total = 0;
  let max = 0;
  const count = output.length > MAX_ARRAY ? output.length - 1 : output.length;
  const lengths = output.slice(0, count).map((s) => s.length);
  for (const len of lengths) {
    total += len + 2;
    if (len > max) max = len;
  }
  const actualMax = max + 2;
  if (!(actualMax * 3 + ctx.indent < BREAK && (total / actualMax > 5 || max <= 6))) return output;
  const bias = Math.sqrt(actualMax - total / output.length);
  const biasedMax = Math.max(actualMax - 3 - bias, 1);
  const columns = Math.min(
    Math.round(Math.sqrt(2.5 * biasedMax * count) / biasedMax),
    Math.floor((BREAK - ctx.indent) / actualMax),
    12,
    15,
  );
  if (columns <= 1) return output;
  const widths: number[] = [];
  for (let i = 0; i < columns; i++) {
    let width = 0;
    for (let j = i; j < count; j += columns) width = Math.max(width, lengths[j]);
    widths.push(width + 2);
  }
  const items = value as ArrayLike<unknown>;
  let numeric = true;
  for (let i = 0; i < count; i++) {
    if (typeof items[i] !== "number" && typeof items[i] !== "bigint") numeric = false;
  }
  const rows: string[] = [];
  for (let i = 0; i < count; i += columns) {
    const last = Math.min(i + columns, count) - 1;
    let row = "";
    for (let j = i; j < last; j++) {
      const cell = `${output[j]}, `;
      row += numeric ? cell.padStart(widths[j - i]) : cell.padEnd(widths[j - i]);
    }
    row += numeric ? output[last].padStart(widths[last - i] - 2) : output[last];
    rows.push(row);
  }
  if (count < output.length) rows.push(output[count]);
  return rows;
}
