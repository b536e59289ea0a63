/**
 * The host's page server: one `Deno.serve` on 127.0.0.1 (a free port), started with the first
 * page window, serving each page window's app folder with the page's WebSocket and sync request.
 *
 * Security defaults:
 * - every URL starts with a per-run random secret (128 bits): `/<secret>/w<window id>/<path>`,
 *   so the app's relative URLs keep working and no other local user or web page can guess one;
 *   the secret is never printed. A window is opened through a one-time launch URL
 *   (`/<token>`, redirecting to the real one), which is what may appear in a process list or on
 *   the terminal: once used it is worth nothing;
 * - the `Host` header must be this server's own `127.0.0.1:<port>` or `localhost:<port>` (no DNS
 *   rebinding); a WebSocket upgrade or sync request with a foreign `Origin` is refused (a
 *   missing `Origin` is allowed: only browsers send it, and other local clients need the
 *   secret anyway);
 * - files are served only from inside the window's app folder: `.`/`..` segments, encoded or
 *   not, encoded slashes and symlinks whose real path is outside are refused; no listings;
 * - a strict Content-Security-Policy unless the window sets its own, `Referrer-Policy:
 *   same-origin` (no secret in a Referer to another site), `nosniff`, `no-store`.
 *
 * @module
 */
import { PAGE_INIT_KEY, RESERVED_DIR, SESSION_ID } from "../common/_page_wire.ts";
import type { RendererInit } from "../renderer/_transport.ts";
import { type Bundle, BundleError, type Bundler } from "./bundler.ts";
import { contentType, extension, Refused, resolveInside } from "./_static.ts";

/**
 * What the server needs of a page window.
 *
 * @example
 * ```ts ignore
 * server.register(1, { root, csp: undefined, init, socket, sync });
 * ```
 */
export interface PageRoute {
  /** The app folder the window serves (a real path). */
  readonly root: string;
  /** The window's Content-Security-Policy; `undefined` for the default, `""` for none. */
  readonly csp: string | undefined;
  /** What the window's renderer starts with (the page runtime gets it with its code). */
  readonly init: RendererInit;
  /** A script (a real path inside `root`) that runs before the page's own scripts. */
  readonly preload?: string;
  /** A page load's WebSocket (`session` is chosen by the page, one per load). */
  socket(session: string, socket: WebSocket): void;
  /**
   * A page blocked in a sync call `seq`, after putting `sent` frames on its socket; `body` holds
   * frames it could not send yet. Resolves with the encoded reply.
   */
  sync(session: string, seq: number, sent: number, body: Uint8Array): Promise<Uint8Array>;
}

const BUNDLED = new Set(["ts", "tsx", "jsx", "mts", "cts"]);
const MODULE = new Set(["js", "mjs"]);
const MODULE_SCRIPT = /<script\b[^>]*\btype\s*=\s*["']?module\b/i;

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Compares without an early exit, so the time taken says nothing about the secret. */
function same(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= a.charCodeAt(i % (a.length || 1)) ^ b.charCodeAt(i);
  return diff === 0;
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * The page server. Get the host's one with `pages.ts`; tests may start their own.
 *
 * @example
 * ```ts ignore
 * const server = await PageServer.start(new Bundler());
 * server.register(1, route);
 * const url = server.launchUrl(1, "/app/index.html");
 * await server.shutdown();
 * ```
 */
export class PageServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The port. */
  readonly port: number;
  readonly #secret = randomHex(16);
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #bundler: Bundler;
  readonly #routes = new Map<number, PageRoute>();
  readonly #tokens = new Map<string, { id: number; path: string }>();
  readonly #hosts: Set<string>;
  readonly #origins: Set<string>;
  readonly #csp: string;

  private constructor(bundler: Bundler) {
    this.#bundler = bundler;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => this.#handle(request),
    );
    this.port = this.#server.addr.port;
    this.origin = `http://127.0.0.1:${this.port}`;
    this.#hosts = new Set([`127.0.0.1:${this.port}`, `localhost:${this.port}`]);
    this.#origins = new Set([...this.#hosts].map((host) => `http://${host}`));
    this.#csp = [
      "default-src 'self'",
      "script-src 'self'",
      `connect-src 'self' ws://127.0.0.1:${this.port} ws://localhost:${this.port}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'self'",
    ].join("; ");
  }

  /**
   * Starts a server on a free loopback port.
   *
   * @example
   * ```ts ignore
   * const server = await PageServer.start(new Bundler());
   * ```
   */
  static start(bundler: Bundler): Promise<PageServer> {
    return Promise.resolve(new PageServer(bundler));
  }

  /** The default Content-Security-Policy of this server's pages. */
  get defaultCsp(): string {
    return this.#csp;
  }

  /** Serves `route` as window `id`. */
  register(id: number, route: PageRoute): void {
    this.#routes.set(id, route);
  }

  /** Stops serving window `id` (its launch URLs die too). */
  unregister(id: number): void {
    this.#routes.delete(id);
    for (const [token, target] of this.#tokens) {
      if (target.id === id) this.#tokens.delete(token);
    }
  }

  /** Whether any window is served. */
  get idle(): boolean {
    return this.#routes.size === 0;
  }

  /**
   * A one-time URL that opens `file` (inside the window's folder) in window `id`: it redirects
   * to the real, secret URL once and is refused after that.
   */
  launchUrl(id: number, file: string): string {
    const token = randomHex(16);
    this.#tokens.set(token, { id, path: this.#path(id, file) });
    return `${this.origin}/${token}`;
  }

  /**
   * The window and file a URL of this server names (for `loadURL`), or undefined when the URL
   * is not one of this server's pages.
   */
  async locate(url: URL): Promise<{ id: number; root: string; file: string } | undefined> {
    if (url.protocol !== "http:" || !this.#hosts.has(url.host)) return undefined;
    const [secret, window, ...rest] = url.pathname.split("/").slice(1);
    const id = Number(window?.match(/^w(\d+)$/)?.[1]);
    const route = this.#routes.get(id);
    if (!same(secret ?? "", this.#secret) || !route) return undefined;
    return { id, root: route.root, file: await resolveInside(route.root, rest) };
  }

  /**
   * Rewrites this server's URLs in `text` (an error stack, a console line) as the app's own
   * files, with the positions the source maps give; whatever remains has the secret masked.
   */
  tell(text: string): string {
    if (!text.includes(this.#secret)) return text;
    const url = new RegExp(
      `(?:https?://(?:127\\.0\\.0\\.1|localhost):${this.port})?/${this.#secret}/w(\\d+)/` +
        `([^\\s)'"?#:]*)(?:[?#][^\\s)'":]*)?(?::(\\d+):(\\d+))?`,
      "g",
    );
    return text.replace(url, (whole, id: string, path: string, line?: string, col?: string) => {
      const root = this.#routes.get(Number(id))?.root;
      if (!root) return whole.replaceAll(this.#secret, "…");
      const file = path.startsWith(`${RESERVED_DIR}/`)
        ? this.#bundler.runtimeFile
        : `${root}/${decodeURIComponent(path)}`;
      const at = line ? this.#bundler.sourceMap(file)?.original(+line, +col!) : undefined;
      if (at) return `file://${at.file}:${at.line}:${at.column}`;
      return `file://${file}${line ? `:${line}:${col}` : ""}`;
    }).replaceAll(this.#secret, "…");
  }

  /** Stops serving (open sockets are closed by their windows). */
  async shutdown(): Promise<void> {
    this.#routes.clear();
    this.#tokens.clear();
    await this.#server.shutdown();
  }

  #path(id: number, file: string): string {
    const root = this.#routes.get(id)?.root;
    if (!root || !file.startsWith(`${root}/`)) {
      throw new Error(`window ${id}: ${file} is not inside its app folder`);
    }
    const rel = file.slice(root.length + 1).split("/").map(encodeURIComponent).join("/");
    return `/${this.#secret}/w${id}/${rel}`;
  }

  async #handle(request: Request): Promise<Response> {
    if (!this.#hosts.has(request.headers.get("host") ?? "")) {
      return text(403, "forbidden: wrong Host (DNS rebinding?)");
    }
    const url = new URL(request.url);
    const [first, window, ...rest] = url.pathname.split("/").slice(1);
    const launch = this.#tokens.get(first ?? "");
    if (launch && window === undefined) {
      this.#tokens.delete(first);
      return new Response(null, {
        status: 303,
        headers: { location: launch.path, "cache-control": "no-store" },
      });
    }
    if (!same(first ?? "", this.#secret)) return text(404, "not found");
    const route = this.#routes.get(Number(window?.match(/^w(\d+)$/)?.[1]));
    if (!route) return text(404, "no such window");
    try {
      if (rest[0] === RESERVED_DIR) return await this.#reserved(request, route, rest.slice(1), url);
      return await this.#file(request, route, rest);
    } catch (error) {
      if (error instanceof Refused) return text(error.status, error.message);
      console.error("denotron: the page server failed on a request:", error);
      return text(500, "internal error");
    }
  }

  async #reserved(
    request: Request,
    route: PageRoute,
    rest: string[],
    url: URL,
  ): Promise<Response> {
    const what = rest.join("/");
    if (what === "runtime.js") {
      // Prepended on the bundle's first line, so the source map's lines stay right.
      const { code } = await this.#bundler.runtime();
      const init = `globalThis[Symbol.for(${JSON.stringify(PAGE_INIT_KEY)})] = ${
        JSON.stringify(route.init)
      };`;
      return this.#script(route, { code: init + code });
    }
    if (what !== "ws" && what !== "sync") throw new Refused(404, "not found");
    const origin = request.headers.get("origin");
    if (origin !== null && !this.#origins.has(origin)) {
      throw new Refused(403, "forbidden: foreign Origin");
    }
    const session = url.searchParams.get("s") ?? "";
    if (!SESSION_ID.test(session)) throw new Refused(400, "bad session");
    if (what === "ws") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        throw new Refused(400, "expected a WebSocket upgrade");
      }
      const { socket, response } = Deno.upgradeWebSocket(request);
      route.socket(session, socket);
      return response;
    }
    if (request.method !== "POST") throw new Refused(405, "method not allowed");
    // `|| NaN`: a missing or empty parameter is not 0 (Number(null) and Number("") are).
    const [seq, sent] = ["q", "n"].map((k) => Number(url.searchParams.get(k) || NaN));
    if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(sent) || sent < 0) {
      throw new Refused(400, "bad sync request");
    }
    const reply = await route.sync(session, seq, sent, new Uint8Array(await request.arrayBuffer()));
    return new Response(reply as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": "application/octet-stream", "cache-control": "no-store" },
    });
  }

  async #file(request: Request, route: PageRoute, segments: string[]): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      throw new Refused(405, "method not allowed");
    }
    const file = await resolveInside(route.root, segments);
    const ext = extension(file);
    if (ext === "html" || ext === "htm") {
      let html = await Deno.readTextFile(file);
      if (route.preload) html = injectPreload(html, segments.length - 1, route);
      else if (!MODULE_SCRIPT.test(html)) html = injectRuntime(html, segments.length - 1);
      return new Response(html, { headers: this.#headers(route, contentType(file)) });
    }
    const dest = request.headers.get("sec-fetch-dest");
    const isModule = request.headers.get("sec-fetch-mode") === "cors" &&
      (dest === "script" || dest === "worker" || dest === "sharedworker");
    if (BUNDLED.has(ext) || (MODULE.has(ext) && isModule)) {
      const page = dest !== "worker" && dest !== "sharedworker" && dest !== "serviceworker";
      try {
        return this.#script(route, await this.#bundler.bundle({ root: route.root, file, page }));
      } catch (error) {
        if (!(error instanceof BundleError)) throw error;
        return this.#script(route, { code: error.script });
      }
    }
    const body = await Deno.open(file);
    const { size } = await body.stat();
    return new Response(request.method === "HEAD" ? (body.close(), null) : body.readable, {
      headers: { ...this.#headers(route, contentType(file)), "content-length": String(size) },
    });
  }

  #script(route: PageRoute, bundle: Bundle): Response {
    return new Response(bundle.code, {
      headers: this.#headers(route, "text/javascript; charset=utf-8"),
    });
  }

  #headers(route: PageRoute, type: string): Record<string, string> {
    const csp = route.csp ?? this.#csp;
    return {
      "content-type": type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "cross-origin-resource-policy": "same-origin",
      ...(csp ? { "content-security-policy": csp } : {}),
    };
  }
}

/** A page without a module script still gets the runtime (ipc, console), as the first script. */
function injectRuntime(html: string, depth: number, extra = ""): string {
  const up = "../".repeat(depth) || "./";
  const tag = `<script type="module" src="${up}${RESERVED_DIR}/runtime.js"></script>${extra}`;
  const head = html.match(/<head\b[^>]*>/i);
  if (head) return html.replace(head[0], `${head[0]}${tag}`);
  const doctype = html.match(/^\s*<!doctype[^>]*>/i);
  return doctype ? html.replace(doctype[0], `${doctype[0]}${tag}`) : tag + html;
}

/**
 * A window with a preload: the runtime, then the preload, run before the page's own scripts. Its
 * classic scripts become module scripts so they keep their order after the preload (module
 * scripts run in document order, after parsing; a classic one would run before the preload).
 */
function injectPreload(html: string, depth: number, route: PageRoute): string {
  const up = "../".repeat(depth) || "./";
  const path = route.preload!.slice(route.root.length + 1).split("/").map(encodeURIComponent);
  const preload = `<script type="module" src="${up}${path.join("/")}"></script>`;
  const classic = /<script\b(?![^>]*\btype\s*=)([^>]*\bsrc\s*=[^>]*)>/gi;
  return injectRuntime(html.replace(classic, '<script type="module"$1>'), depth, preload);
}
