/**
 * Reads esbuild's source maps on the host, so that a page's error stacks (which Chromium gives
 * in bundle coordinates) can be told in the app's own files, lines and columns.
 *
 * @module
 */

/**
 * A position in an original source.
 *
 * @example
 * ```ts ignore
 * const at: OriginalPosition = { file: "/app/main.ts", line: 3, column: 9 };
 * ```
 */
export interface OriginalPosition {
  /** Absolute path of the source file. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** Segments per generated line: `[generated column, source, line, column]`, all 0-based. */
type Segment = [number, number, number, number];

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/**
 * A parsed v3 source map; the mappings are decoded on the first lookup.
 *
 * @example
 * ```ts ignore
 * new SourceMap(mapText, "/app").original(12, 5)?.file; // "/app/main.ts"
 * ```
 */
export class SourceMap {
  readonly #sources: string[];
  readonly #mappings: string;
  #lines: Segment[][] | undefined;

  /**
   * `json` is the map's text; `base` the absolute folder its `sources` are relative to.
   *
   * @example
   * ```ts ignore
   * const map = new SourceMap(mapText, "/app/src");
   * map.original(12, 5); // { file: "/app/src/app.tsx", line: 3, column: 9 }
   * ```
   */
  constructor(json: string, base: string) {
    const raw = JSON.parse(json) as { sources: string[]; mappings: string };
    this.#sources = raw.sources.map((s) => new URL(s, `file://${base}/`).pathname);
    this.#mappings = raw.mappings;
  }

  /** The original position of generated `line` and `column` (1-based), if mapped. */
  original(line: number, column: number): OriginalPosition | undefined {
    const segments = (this.#lines ??= decodeMappings(this.#mappings))[line - 1];
    if (!segments?.length) return undefined;
    let best: Segment | undefined;
    for (const segment of segments) {
      if (segment[0] > column - 1) break;
      best = segment;
    }
    best ??= segments[0];
    return { file: this.#sources[best[1]], line: best[2] + 1, column: best[3] + 1 };
  }
}

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0, line = 0, column = 0;
  for (const text of mappings.split(";")) {
    const segments: Segment[] = [];
    let generated = 0;
    for (const part of text.split(",")) {
      if (!part) continue;
      const fields = vlq(part);
      generated += fields[0];
      if (fields.length < 4) continue;
      source += fields[1];
      line += fields[2];
      column += fields[3];
      segments.push([generated, source, line, column]);
    }
    lines.push(segments);
  }
  return lines;
}

function vlq(text: string): number[] {
  const out: number[] = [];
  let value = 0, shift = 0;
  for (const c of text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new SyntaxError(`bad source map character ${c}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}
