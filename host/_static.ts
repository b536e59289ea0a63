/**
 * Serving an app folder's files safely: content types, and paths that cannot leave the folder.
 *
 * @module
 */

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  bmp: "image/bmp",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  wasm: "application/wasm",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  wav: "audio/wav",
  mp4: "video/mp4",
  webm: "video/webm",
  pdf: "application/pdf",
};

/**
 * The extension of `path`, lower case, without the dot.
 *
 * @example
 * ```ts ignore
 * extension("/app/Logo.SVG"); // "svg"
 * ```
 */
export function extension(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/**
 * The `Content-Type` for a file.
 *
 * @example
 * ```ts
 * import { contentType } from "./_static.ts";
 * contentType("/app/logo.svg"); // "image/svg+xml"
 * ```
 */
export function contentType(path: string): string {
  return TYPES[extension(path)] ?? "application/octet-stream";
}

/**
 * Why a path was refused: the status and a short text.
 *
 * @example
 * ```ts ignore
 * throw new Refused(403, "path outside the app folder");
 * ```
 */
export class Refused extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The real path of the file that URL path `segments` (still percent-encoded) name in `root` (a
 * real path). Refuses `.`/`..` segments (however encoded), encoded slashes, NUL, and anything
 * whose real path (symlinks followed) is outside `root`; directories are not listed.
 *
 * @example
 * ```ts ignore
 * await resolveInside("/srv/app", ["src", "main.ts"]); // "/srv/app/src/main.ts"
 * await resolveInside("/srv/app", ["%2e%2e", "etc"]); // throws Refused(403)
 * ```
 */
export async function resolveInside(root: string, segments: string[]): Promise<string> {
  const parts: string[] = [];
  for (const segment of segments) {
    let part: string;
    try {
      part = decodeURIComponent(segment);
    } catch {
      throw new Refused(400, "bad path encoding");
    }
    if (part === "" && segment === "") continue;
    if (part === "." || part === ".." || /[/\\\0]/.test(part)) {
      throw new Refused(403, "path outside the app folder");
    }
    parts.push(part);
  }
  let real: string;
  try {
    real = await Deno.realPath(`${root}/${parts.join("/")}`);
  } catch {
    throw new Refused(404, "not found");
  }
  if (real !== root && !real.startsWith(`${root}/`)) {
    throw new Refused(403, "path outside the app folder");
  }
  const info = await Deno.stat(real);
  if (!info.isFile) throw new Refused(404, "not found (folders are not listed)");
  return real;
}
