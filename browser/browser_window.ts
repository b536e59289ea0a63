/**
 * `BrowserWindow`: a renderer window, with Electron's names.
 *
 * @module
 */
import { isAbsolute, resolve, toFileUrl } from "./_path.ts";
import { DEFAULT_SYNC_TIMEOUT_MS } from "../common/protocol.ts";
import type { FlowLimits } from "../common/flow.ts";
import type { ChannelPolicy } from "../common/policy.ts";
import type { RendererInit } from "../renderer/_transport.ts";
import { Emitter } from "../common/emitter.ts";
import { launchWorker, type WorkerPermissions } from "../host/worker_connection.ts";
import type { ProcessConnection, RenderProcessGoneDetails } from "../host/process_connection.ts";
import type { RendererConnection } from "./_connection.ts";
import { RendererHost } from "./_renderer_host.ts";
import { openWindows } from "./_windows.ts";
import { app } from "./app.ts";
import { WebContents } from "./web_contents.ts";
import {
  chromiumWindow,
  type PageFile,
  pageFile,
  pageStarter,
  servedPage,
} from "./_page_window.ts";

/** Options for {@linkcode BrowserWindow}. */
export interface BrowserWindowOptions {
  /** Width in CSS pixels (page windows). Default 800. */
  width?: number;
  /** Height in CSS pixels (page windows). Default 600. */
  height?: number;
  /** The window title (page windows). */
  title?: string;
  /** Whether a page window is shown; `false` runs it headless. Default `true`. */
  show?: boolean;
  /** The Chromium executable for page windows (path or name). Default `$DENOTRON_CHROMIUM`. */
  chromium?: string;
  /** A page window's Content-Security-Policy, replacing the strict default; `""` for none. */
  contentSecurityPolicy?: string;
  /** Open DevTools with a page window (when it is shown). */
  devTools?: boolean;
  /**
   * Deno permissions of a worker window: none unless granted, and never more than the host has.
   * Same shape as `Worker`'s `deno.permissions`, e.g. `{ read: ["./data"], net: false }`.
   */
  permissions?: WorkerPermissions;
  /**
   * Where a script window's renderer runs:
   *
   * - `"worker"` (the default): a Web Worker in the host; starts fastest. It reports a hang
   *   (`unresponsive`), but nothing can end one that never yields: in Deno 2.9.6
   *   `Worker.terminate()` does not stop an endless loop, so `destroy()` closes the window (its
   *   events, {@linkcode BrowserWindow.getAllWindows}, other windows and `app.quit()` are
   *   unaffected) while its thread spins on, burning a core, until the host exits. One that runs
   *   out of memory ends the whole host.
   * - `"process"`: its own Deno process: a crash, running out of memory or a hang ends that
   *   process only (see `render-process-gone`), and `destroy()` always ends it. Use it for
   *   renderers you may need to kill.
   */
  isolation?: "worker" | "process";
  /** Caps a process window's V8 heap, in MB: past it the renderer ends with reason `"oom"`. */
  memoryLimitMB?: number;
  /**
   * How long a window's renderer (worker, process or page) may go without handling the host's
   * heartbeat, in ms, before the window emits `unresponsive` (and `responsive` once it handles
   * messages again). The renderer handles it on its event loop, so an endless loop or a long
   * computation is reported, within this plus one ping interval (a quarter of it, at most 1 s); a
   * renderer blocked in `sendSync` waits for the browser and is not. Default 10,000. Reporting is
   * all a worker window gets: `destroy()` cannot stop a worker that never yields (see
   * `isolation`); use `isolation: "process"` for renderers you may need to kill.
   */
  unresponsiveTimeout?: number;
  /**
   * Electron's web preferences. `preload`: a script (relative to the app folder) that runs in the
   * window before its own scripts, with the renderer API — the place for `contextBridge`.
   */
  webPreferences?: { preload?: string };
  /** How long a renderer's sync call waits for `event.result`, in ms. Default 30,000. */
  syncTimeout?: number;
  /**
   * Channels the window may use, as glob patterns per direction and kind (`send`, `sync`,
   * `invoke` from the renderer; `receive` from the browser). All when not given. A message on
   * another channel is refused with a clear error at the sender and a line in the host's log.
   */
  channels?: ChannelPolicy;
  /** Largest message either way, in bytes (estimated). Default 256 MiB. */
  maxMessageSize?: number;
  /** Most messages sent and not yet handled by the other side, each way. Default 4,000,000. */
  maxPendingMessages?: number;
  /** Most bytes (estimated) sent and not yet handled by the other side, each way. Default 1 GiB. */
  maxPendingBytes?: number;
}

const SCRIPT = /\.(ts|tsx|js|jsx|mjs|mts)$/;
const PAGE = /\.html?$/;
let nextId = 1;

/**
 * A renderer window. A script file (`.ts .tsx .js .jsx`) loads as a worker window.
 *
 * Events: `ready-to-show` (the renderer's entry has run), `console-message` (level, text),
 * `uncaught-error` (error), `unresponsive` and `responsive` (see `unresponsiveTimeout`), `close`,
 * `closed`.
 *
 * @example
 * ```ts ignore
 * import { BrowserWindow } from "denotron/browser";
 * const win = new BrowserWindow({ permissions: { read: ["./data"] } });
 * win.on("closed", () => console.log("bye"));
 * await win.loadFile("renderer.ts");
 * ```
 */
export class BrowserWindow extends Emitter {
  /** The window's id: the `processId` its messages arrive with. */
  readonly id: number;
  /** The window's contents: `send`, `postMessage`, and their events. */
  readonly webContents: WebContents;
  readonly #options: BrowserWindowOptions;
  #title: string;
  #host: RendererHost;
  #connection: RendererConnection | undefined;
  #destroyed = false;
  #closing = false;
  #url: URL | undefined;
  #goneReason: string | undefined;
  /** Loads started: a `render-process-gone` listener that reloads keeps the window open. */
  #loads = 0;

  /** The window with `id`, if it is open. */
  static fromId(id: number): BrowserWindow | null {
    return (openWindows.get(id) as BrowserWindow | undefined) ?? null;
  }

  /** The window that shows `webContents` (e.g. an ipc event's `sender`), if it is open. */
  static fromWebContents(webContents: WebContents): BrowserWindow | null {
    const win = BrowserWindow.fromId(webContents.id);
    return win?.webContents === webContents ? win : null;
  }

  /** Every open window, oldest first. */
  static getAllWindows(): BrowserWindow[] {
    return [...openWindows.values()] as BrowserWindow[];
  }

  /**
   * Creates a new window with the properties set by `options`. Nothing runs in it until a
   * renderer is loaded (`loadFile`, `loadURL`); messages sent to it before then wait for that
   * renderer.
   */
  constructor(options: BrowserWindowOptions = {}) {
    super();
    this.#options = options;
    this.#title = options.title ?? "denotron";
    this.id = nextId++;
    this.webContents = new WebContents(this);
    // Created now so that messages sent before anything is loaded wait for the first renderer.
    this.#host = this.#newHost();
    openWindows.set(this.id, this);
  }

  /**
   * Loads `file` (a path relative to the app folder, an absolute path or a `file:` URL) into the
   * window, replacing what it ran before. Resolves once the renderer's entry has run.
   */
  loadFile(file: string | URL): Promise<void> {
    const url = file instanceof URL || file.startsWith("file:")
      ? new URL(file)
      : toFileUrl(isAbsolute(file) ? file : resolve(app.getAppPath(), file));
    if (this.#destroyed) {
      return Promise.reject(new Error(`window ${this.id} is closed: cannot load ${url.pathname}`));
    }
    this.#url = url;
    this.#loads++;
    if (PAGE.test(url.pathname)) {
      return pageFile(url, app.getAppPath()).then((p) => this.#loadPage(p));
    }
    if (!SCRIPT.test(url.pathname)) {
      return Promise.reject(
        new Error(
          `window ${this.id}: cannot load ${url.pathname}: expected a script (.ts .tsx .js .jsx) or a page (.html)`,
        ),
      );
    }
    if (this.#options.isolation === "process") return this.#loadProcess(url);
    return this.#launch((host) =>
      launchWorker(
        {
          ...this._init(),
          entry: url,
          preload: this.#preload(),
          permissions: this.#options.permissions,
          unresponsiveTimeout: this.#options.unresponsiveTimeout,
        },
        host,
        this.#responsive,
      )
    );
  }

  /** Reports a script renderer's heartbeat on the window and its contents. */
  readonly #responsive = (ok: boolean): void => {
    const event = ok ? "responsive" : "unresponsive";
    this.emit(event);
    this.webContents.emit(event);
  };

  /**
   * Loads the file the window last loaded again, in a fresh renderer. Resolves once its entry has
   * run. Called from a `render-process-gone` listener, it keeps the window open.
   */
  reload(): Promise<void> {
    if (!this.#url) return Promise.reject(new Error(`window ${this.id} has not loaded anything`));
    return this.loadFile(this.#url);
  }

  async #loadProcess(url: URL): Promise<void> {
    const { launchProcess } = await import("../host/process_connection.ts");
    if (this.#destroyed) {
      throw new Error(`window ${this.id} is closed: cannot load ${url.pathname}`);
    }
    const { permissions, memoryLimitMB, unresponsiveTimeout } = this.#options;
    return this.#launch((host) =>
      launchProcess(
        {
          ...this._init(),
          entry: url,
          appDir: app.getAppPath(),
          permissions,
          memoryLimitMB,
          unresponsiveTimeout,
        },
        host,
        { responsive: this.#responsive, gone: (details) => this.#processGone(details) },
      )
    );
  }

  /** The renderer process ended by itself: tell the app, then close unless it reloads. */
  #processGone(details: RenderProcessGoneDetails): void {
    if (this.#destroyed) return;
    const code = details.signal ?? `exit code ${details.exitCode}`;
    this.#goneReason = `its renderer process is gone (${details.reason}, ${code})`;
    this.#end(this.#goneReason);
    this.#host = this.#newHost(); // what the app sends now waits for a reload
    const loads = this.#loads;
    const event = { sender: this.webContents };
    this.webContents.emit("render-process-gone", event, details);
    app.emit("render-process-gone", event, this.webContents, details);
    if (this.#loads === loads) this.destroy(); // nobody called reload()
  }

  /**
   * Loads `url`: a `file:` URL as {@linkcode BrowserWindow.loadFile} does, or the URL of a page
   * this host serves (e.g. one a page window reported). Other web URLs are refused.
   */
  async loadURL(url: string | URL): Promise<void> {
    const target = new URL(url);
    if (target.protocol === "file:") return this.loadFile(target);
    return this.#loadPage(await servedPage(target));
  }

  /** A PNG of a page window's contents, at its size in CSS pixels. */
  async capturePage(): Promise<Uint8Array> {
    return await (await this.#chromiumWindow("capturePage")).capture();
  }

  /**
   * Sets the window's title: a page window's document title (what its window shows), and what
   * {@linkcode BrowserWindow.getTitle} returns for every kind.
   */
  setTitle(title: string): void {
    this.#title = String(title);
    this.#chromiumWindow("setTitle")
      .then((w) => w.evaluate(`document.title = ${JSON.stringify(this.#title)}`))
      .catch(() => {}); // not a page, or not drawn by our Chromium: the title is kept here
  }

  /** The window's title, as last set (option `title` or {@linkcode BrowserWindow.setTitle}). */
  getTitle(): string {
    return this.#title;
  }

  /**
   * Runs `code` in a page window and resolves with its value (awaited if it is a promise), as
   * Electron's `webContents.executeJavaScript` does.
   */
  async executeJavaScript(code: string): Promise<unknown> {
    return await (await this.#chromiumWindow("executeJavaScript")).evaluate(code);
  }

  /** Opens DevTools for a page window shown on a display. */
  async openDevTools(): Promise<void> {
    await (await this.#chromiumWindow("openDevTools")).openDevTools();
  }

  #chromiumWindow(api: string): ReturnType<typeof chromiumWindow> {
    if (this.#destroyed) return Promise.reject(new Error(`${api}: window ${this.id} is closed`));
    return chromiumWindow(this.#connection, api, this.id);
  }

  async #loadPage(page: PageFile): Promise<void> {
    const { width, height, title, show, chromium, contentSecurityPolicy, devTools } = this.#options;
    const preload = this.#preload() && (await Deno.realPath(this.#preload()!.pathname));
    if (preload && !preload.startsWith(`${page.root}/`)) {
      throw new Error(
        `window ${this.id}: the preload ${preload} must be inside the folder the page is served from (${page.root})`,
      );
    }
    const start = await pageStarter(this._init(), page, {
      width,
      height,
      title,
      show,
      chromium,
      contentSecurityPolicy,
      devTools,
      preload,
      unresponsiveTimeout: this.#options.unresponsiveTimeout,
    }, this.#responsive);
    if (this.#destroyed) throw new Error(`window ${this.id} is closed: cannot load ${page.file}`);
    return this.#launch(start);
  }

  /** The preload script's URL, if the window has one. */
  #preload(): URL | undefined {
    const preload = this.#options.webPreferences?.preload;
    if (!preload) return undefined;
    return preload.startsWith("file:")
      ? new URL(preload)
      : toFileUrl(isAbsolute(preload) ? preload : resolve(app.getAppPath(), preload));
  }

  /** @internal What every renderer of this window starts with, whatever its kind. */
  _init(): RendererInit {
    const { channels, maxMessageSize, maxPendingMessages, maxPendingBytes } = this.#options;
    const limits: FlowLimits = { channels, maxMessageSize, maxPendingMessages, maxPendingBytes };
    return {
      id: this.id,
      syncTimeout: this.#options.syncTimeout ?? DEFAULT_SYNC_TIMEOUT_MS,
      limits: JSON.parse(JSON.stringify(limits)),
    };
  }

  #newHost(): RendererHost {
    const init = this._init();
    return new RendererHost(this, init.syncTimeout, init.limits);
  }

  /** @internal The window's ipc core, for the browser-side ipc modules. */
  _host(api: string): RendererHost {
    if (!this.#host || this.#destroyed) {
      throw new Error(
        `${api}: window ${this.id} ${this.#destroyed ? "is closed" : "has not loaded anything"}`,
      );
    }
    return this.#host;
  }

  /** Whether the window has been closed or destroyed. */
  isDestroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * Closes the window: emits `close`, ends the renderer, then emits `closed`. A process window's
   * renderer is asked first and killed only if it has not ended within 2 s.
   */
  close(): void {
    if (this.#destroyed || this.#closing) return;
    this.emit("close");
    const connection = this.#connection as Partial<ProcessConnection> | undefined;
    if (connection?.close) {
      this.#closing = true;
      connection.close().then(() => this.destroy());
      return;
    }
    this.destroy();
  }

  /** Ends the renderer at once and emits `closed`, without `close`. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#end("is closed");
    openWindows.delete(this.id);
    this.emit("closed");
    if (openWindows.size === 0) app._lastWindowClosed();
  }

  #launch(start: (host: RendererHost) => RendererConnection): Promise<void> {
    if (this.#connection) {
      this.#end("navigated away");
      this.#host = this.#newHost();
    }
    const host = this.#host;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const settle = (event: string) => {
      this.off("ready-to-show", onReady).off("closed", onClosed);
      if (event === "ready-to-show" || host.closedByRenderer) resolve();
      else {
        const why = this.#goneReason ? `: ${this.#goneReason}` : "";
        reject(new Error(`window ${this.id} closed before its renderer was ready${why}`));
      }
    };
    const onReady = () => settle("ready-to-show");
    const onClosed = () => settle("closed");
    this.on("ready-to-show", onReady).on("closed", onClosed);
    try {
      this.#connection = start(host);
    } catch (error) {
      this.off("ready-to-show", onReady).off("closed", onClosed);
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const hint = error instanceof Error && error.name === "NotCapable"
        ? ` (a window never gets more permissions than the host has: ${
          JSON.stringify(this.#options.permissions)
        })`
        : "";
      return Promise.reject(
        new Error(`window ${this.id}: cannot start its renderer: ${why}${hint}`),
      );
    }
    host.attach(this.#connection);
    return promise;
  }

  #end(reason: string): void {
    this.#host.gone(reason);
    this.#connection?.destroy();
    this.#connection = undefined;
  }
}
