/**
 * Page windows in Chromium: one browser process per mode (headed/headless)
 * for the whole host, driven over the DevTools protocol.
 *
 * Transport: `Deno.Command` cannot hand a child extra file descriptors, but
 * `node:child_process` (built into Deno) can, so the browser runs with
 * `--remote-debugging-pipe` on fds 3 and 4. Compared with
 * `--remote-debugging-port`, no TCP port is opened that any local process
 * could use to drive the browser, and Chromium shuts itself down when the
 * pipe closes, i.e. whenever the host dies, even by SIGKILL.
 *
 * Headed windows are app-mode windows (`--app=URL`: no tabs, no omnibox).
 * The browser starts with `--no-startup-window`; each window is opened by a
 * short-lived `chromium --user-data-dir=<same> --app=URL` that hands the URL
 * to the running browser (Chromium's process singleton) and exits (~0.1 s).
 * Measured alternatives under Xvfb: `Target.createTarget({newWindow: true})`
 * makes a normal tabbed window with an omnibox (and a 500 px minimum width);
 * `window.open(url, "", "popup")` from an app window makes an app window,
 * but one tied to an opener window that must exist; launching the browser
 * with `--app=URL` works for the first window only. The singleton hand-off
 * is one code path for every window and does not depend on other windows.
 * `width`/`height` are the contents' size, set with `Browser.setContentsSize`
 * in both modes (the hand-off ignores `--window-size`, and headless windows
 * have 87 px of invisible browser chrome). Positions are left to Chromium.
 *
 * Lifetime: a browser outlives its last window until
 * {@linkcode Chromium.close}. Leftovers: `close()` kills the process group
 * and removes the profile directory; an `unload` listener does the same on
 * `Deno.exit()`/normal exit; if the host dies by a signal, Chromium exits by
 * itself (the pipe closes) but its profile directory stays in the temp dir.
 *
 * @example
 * ```ts
 * import { Chromium } from "./chromium.ts";
 *
 * const chromium = new Chromium();
 * const win = await chromium.openWindow("http://127.0.0.1:8000/", {
 *   width: 800,
 *   height: 600,
 *   title: "Hello",
 * });
 * await win.closed;
 * await chromium.close();
 * ```
 *
 * @module
 */

import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { Cdp, type CdpParams } from "./_cdp.ts";

const CANDIDATES = [
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
];

/** Flags for every Chromium this module starts (and every hand-off). */
const BASE_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-default-apps",
  "--password-store=basic",
];

/**
 * Headed only: `--test-type` hides the "unsupported command-line flag:
 * --no-sandbox" infobar, which otherwise takes 56 px off a window.
 */
const HEADED_FLAGS = ["--test-type"];

const DEFAULT_WIDTH = 800;
const DEFAULT_HEIGHT = 600;
/** How long openWindow waits for the page's first `load` before returning. */
const LOAD_WAIT_MS = 10_000;
/** How long a headed window's hand-off may take. */
const APP_OPEN_MS = 10_000;

/** Options of a {@linkcode Chromium}. */
export interface ChromiumOptions {
  /**
   * The Chromium executable: a path, or a name looked up on PATH.
   * Default: `$DENOTRON_CHROMIUM`, else the first of `chromium`,
   * `chromium-browser`, `google-chrome`, `google-chrome-stable` on PATH.
   */
  chromium?: string;
  /**
   * X display for headed windows. Default: `env.DISPLAY`, else the host's
   * `DISPLAY`. Without a display every window is headless.
   */
  display?: string;
  /** Extra environment for the browser processes (over the host's). */
  env?: Record<string, string>;
  /** Make every window headless, display or not. */
  headless?: boolean;
  /** Extra Chromium command-line flags. */
  args?: string[];
  /** Milliseconds to wait for the browser to start; default 20 000. */
  launchTimeout?: number;
}

/** Options of {@linkcode Chromium.openWindow}. */
export interface WindowOptions {
  /** Content width in CSS pixels; default 800. */
  width?: number;
  /** Content height in CSS pixels; default 600. */
  height?: number;
  /**
   * The window's title: set as `document.title` once each document is parsed
   * (the page's `<title>` is overridden; later script changes win).
   * Default: the page's own title.
   */
  title?: string;
  /** `false` opens the window in the headless browser. Default `true`. */
  show?: boolean;
  /** Open DevTools for the window (headed windows only; else ignored). */
  devTools?: boolean;
}

/**
 * A page window. Get one from {@linkcode Chromium.openWindow}.
 *
 * @example
 * ```ts
 * const win: ChromiumWindow = await chromium.openWindow(url);
 * const png: Uint8Array = await win.capture();
 * console.log(await win.evaluate("document.title"));
 * await win.close();
 * ```
 */
export interface ChromiumWindow {
  /** The DevTools target id of the window's page. */
  readonly targetId: string;
  /** Whether the window lives in the headless browser. */
  readonly headless: boolean;
  /**
   * Resolves once the window is gone for any reason: closed by the user, by
   * `window.close()`, by {@linkcode ChromiumWindow.close}, renderer crash
   * (the crashed window is then closed too) or browser exit. Never rejects.
   */
  readonly closed: Promise<void>;
  /** Closes the window (accepting any `beforeunload` prompt). Idempotent. */
  close(): Promise<void>;
  /** A PNG of the window's contents (its viewport). */
  capture(): Promise<Uint8Array>;
  /**
   * Evaluates a JavaScript expression in the page, awaits it if it is a
   * promise, and returns the value as JSON-like data. Throws on exceptions.
   */
  evaluate(expression: string): Promise<unknown>;
  /**
   * Opens a DevTools window for this page (`Target.openDevTools`). Headed
   * windows only: throws for a headless one. Docked DevTools is not
   * available; it is always a separate window, closed with the page.
   */
  openDevTools(): Promise<void>;
}

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // No --allow-env: as if unset.
  }
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && (info.mode === null || (info.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

/** A path is checked as is; a bare name is looked up on PATH. */
function resolveExecutable(nameOrPath: string): string | undefined {
  if (nameOrPath.includes("/")) {
    return isExecutable(nameOrPath) ? nameOrPath : undefined;
  }
  for (const dir of (envVar("PATH") ?? "").split(":")) {
    if (dir && isExecutable(`${dir}/${nameOrPath}`)) {
      return `${dir}/${nameOrPath}`;
    }
  }
  return undefined;
}

/**
 * Finds the Chromium executable: `explicit` if given (a path, or a name on
 * PATH), else `$DENOTRON_CHROMIUM`, else the first of `chromium`,
 * `chromium-browser`, `google-chrome`, `google-chrome-stable` on PATH.
 * An explicit or environment choice that does not exist gives `undefined`
 * (no silent fallback to another browser).
 *
 * @example
 * ```ts
 * const path = findChromium(); // e.g. "/usr/bin/chromium"
 * if (!path) console.error("install chromium");
 * ```
 */
export function findChromium(explicit?: string): string | undefined {
  if (explicit) return resolveExecutable(explicit);
  const fromEnv = envVar("DENOTRON_CHROMIUM");
  if (fromEnv) return resolveExecutable(fromEnv);
  for (const name of CANDIDATES) {
    const found = resolveExecutable(name);
    if (found) return found;
  }
  return undefined;
}

function notFoundMessage(explicit?: string): string {
  const fromEnv = envVar("DENOTRON_CHROMIUM");
  const looked = explicit
    ? `the \`chromium\` option (${explicit})`
    : fromEnv
    ? `DENOTRON_CHROMIUM (${fromEnv})`
    : `${CANDIDATES.join(", ")} on PATH`;
  return `No Chromium found: looked at ${looked}. Install it ` +
    "(Debian/Ubuntu: `apt-get install chromium`), or set DENOTRON_CHROMIUM " +
    "or the `chromium` option to the path of a Chromium or Chrome executable.";
}

/** Rejects with `message` if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sets the title after each document is parsed; top frame only. */
function titleScript(title: string): string {
  return `if (window === top) {
  const set = () => { document.title = ${JSON.stringify(title)}; };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", set, { once: true });
  } else set();
}`;
}

/** One Chromium process, its profile directory and its windows. */
class BrowserProcess {
  readonly headless: boolean;
  readonly cdp: Cdp;
  readonly windows: Map<string, PageWindow> = new Map();
  /** Resolves when the process is gone and cleaned up. */
  readonly done: Promise<void>;
  #exe: string;
  #dir: string;
  #env: Record<string, string>;
  #pid: number | undefined;
  #stderr = "";
  #exit: string | undefined;
  #exited: Promise<void>;
  #queue: Promise<unknown> = Promise.resolve();
  #onUnload = () => {
    // Synchronous last resort; the pipe closing would end Chromium anyway.
    this.#killGroup();
    try {
      Deno.removeSync(this.#dir, { recursive: true });
    } catch { /* still in use, or gone */ }
  };

  private constructor(
    exe: string,
    headless: boolean,
    dir: string,
    env: Record<string, string>,
    args: string[],
  ) {
    this.#exe = exe;
    this.headless = headless;
    this.#dir = dir;
    this.#env = env;
    const child = spawn(exe, [
      ...BASE_FLAGS,
      ...(headless ? ["--headless"] : HEADED_FLAGS),
      "--no-startup-window",
      "--remote-debugging-pipe",
      `--user-data-dir=${dir}`,
      ...args,
    ], {
      env,
      // Own process group, so that close() can kill helpers with the browser.
      detached: true,
      stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
    });
    this.#pid = child.pid;
    const toBrowser = child.stdio[3] as Writable;
    const fromBrowser = child.stdio[4] as Readable;
    const stderr = child.stderr as Readable;
    this.cdp = new Cdp((message) => toBrowser.write(message + "\0"));
    const ignore = () => {}; // EPIPE and the like: the exit handler reports.
    toBrowser.on("error", ignore);
    fromBrowser.on("error", ignore);
    stderr.on("error", ignore);
    fromBrowser.on("data", (bytes: Uint8Array) => this.cdp.receive(bytes));
    stderr.on("data", (bytes: Uint8Array) => {
      this.#stderr = (this.#stderr + new TextDecoder().decode(bytes))
        .slice(-4000);
    });
    const streamsClosed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    this.#exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exit = signal ? `signal ${signal}` : `exit code ${code}`;
        resolve();
      });
      child.once("error", (error) => {
        this.#exit ??= `spawn error: ${error.message}`;
        resolve();
      });
    });
    this.done = this.#exited.then(async () => {
      globalThis.removeEventListener("unload", this.#onUnload);
      this.cdp.dispose(new Error(`Chromium exited (${this.#exit})`));
      for (const win of [...this.windows.values()]) win.gone();
      this.#killGroup(); // Helpers (zygote, renderers) that outlive it.
      await within(streamsClosed, 2000, "").catch(() => {
        toBrowser.destroy();
        fromBrowser.destroy();
        stderr.destroy();
      });
      for (let i = 0;; i++) {
        try {
          await Deno.remove(dir, { recursive: true });
          break;
        } catch (error) {
          if (error instanceof Deno.errors.NotFound || i >= 20) break;
          await delay(50); // A helper was still writing.
        }
      }
    });
    globalThis.addEventListener("unload", this.#onUnload);
  }

  /** Starts Chromium and waits until it answers on the pipe. */
  static async launch(
    exe: string,
    headless: boolean,
    options: ChromiumOptions,
    display: string | undefined,
  ): Promise<BrowserProcess> {
    let env: Record<string, string> = {};
    try {
      env = Deno.env.toObject();
    } catch { /* no --allow-env */ }
    env = { ...env, ...options.env };
    if (display) env.DISPLAY = display;
    const dir = await Deno.makeTempDir({ prefix: "denotron-chromium-" });
    const browser = new BrowserProcess(
      exe,
      headless,
      dir,
      env,
      options.args ?? [],
    );
    const timeout = options.launchTimeout ?? 20_000;
    try {
      await within(
        browser.cdp.send("Target.setDiscoverTargets", {
          discover: true,
          filter: [{ type: "page" }],
        }),
        timeout,
        `Chromium (${exe}) did not answer on the DevTools pipe within ` +
          `${timeout / 1000} s.`,
      );
    } catch (error) {
      const message = browser.#exit
        ? `Chromium (${exe}) failed to start (${browser.#exit}).`
        : (error as Error).message;
      browser.#killGroup();
      await browser.done;
      throw new Error(
        `${message}${browser.#stderr ? ` Its stderr ends with:\n${browser.#stderr}` : ""}`,
      );
    }
    return browser;
  }

  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** Opens a window and waits for its first load (bounded). */
  async openWindow(url: string, options: WindowOptions): Promise<PageWindow> {
    const width = options.width ?? DEFAULT_WIDTH;
    const height = options.height ?? DEFAULT_HEIGHT;
    const targetId = this.headless
      ? (await this.cdp.send("Target.createTarget", {
        url,
        newWindow: true,
        // The contents get their size in setup(); a window given a height
        // smaller than its chrome has no contents to size (Chromium 156).
        width: width + 200,
        height: height + 200,
      })).targetId as string
      : await this.#serially(() => this.#openAppWindow(url));
    const win = new PageWindow(this, targetId);
    this.windows.set(targetId, win);
    try {
      await win.setup(url, width, height, options.title);
    } catch (error) {
      // Closed by its page or its user (or crashed) during setup: the page may have run already,
      // so this is a window that opened and closed; its `closed` has resolved.
      if (win.isGone) return win;
      await win.close();
      throw error;
    }
    if (options.devTools && !this.headless) await win.openDevTools();
    return win;
  }

  /** Hands `--app=URL` to the running browser; resolves to the new target. */
  async #openAppWindow(url: string): Promise<string> {
    const href = new URL(url).href;
    let off = () => {};
    const created = new Promise<string>((resolve) => {
      off = this.cdp.on("Target.targetCreated", (params) => {
        const info = params.targetInfo as Record<string, string>;
        if (
          info.type === "page" && info.url === href && !info.openerId &&
          !this.windows.has(info.targetId)
        ) resolve(info.targetId);
      });
    });
    if (!this.alive) throw new Error(`Chromium exited (${this.#exit})`);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), APP_OPEN_MS);
    try {
      // If this ever started a browser of its own instead of handing over,
      // the timeout kills it (and its profile lock would make it quit).
      const result = await new Deno.Command(this.#exe, {
        args: [
          ...BASE_FLAGS,
          ...HEADED_FLAGS,
          `--user-data-dir=${this.#dir}`,
          `--app=${href}`,
        ],
        env: this.#env,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
        signal: abort.signal,
      }).output().catch((error) => {
        throw abort.signal.aborted
          ? new Error(
            `Chromium did not hand ${href} to the running browser within ` +
              `${APP_OPEN_MS / 1000} s.`,
          )
          : error;
      });
      if (!result.success) {
        const tail = new TextDecoder().decode(result.stderr).slice(-2000);
        throw new Error(
          `Chromium could not open an app window for ${href} (${
            result.signal ?? `exit code ${result.code}`
          }). Its stderr ends with:\n${tail}`,
        );
      }
      return await within(
        Promise.race([
          created,
          this.#exited.then(() => {
            throw new Error(`Chromium exited (${this.#exit})`);
          }),
        ]),
        APP_OPEN_MS,
        `Chromium did not open an app window for ${href} within ` +
          `${APP_OPEN_MS / 1000} s.`,
      );
    } finally {
      clearTimeout(timer);
      off();
    }
  }

  /** Runs headed opens one at a time, so each new target is unambiguous. */
  #serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => {});
    return result;
  }

  #killGroup(): void {
    if (this.#pid === undefined) return;
    try {
      Deno.kill(-this.#pid, "SIGKILL");
    } catch { /* already gone */ }
  }

  /** Closes windows, then the browser; kills it after 2 s; cleans up. */
  async close(): Promise<void> {
    if (this.alive) {
      await within(
        Promise.all([...this.windows.values()].map((win) => win.close())),
        1000,
        "",
      ).catch(() => {});
      this.cdp.send("Browser.close").catch(() => {});
      await within(this.#exited, 2000, "").catch(() => this.#killGroup());
    }
    await this.done;
  }
}

/** How long a command to a window that closed may still be answered, in ms. */
const UNANSWERED_GRACE_MS = 1_000;

class PageWindow implements ChromiumWindow {
  readonly targetId: string;
  readonly headless: boolean;
  readonly closed: Promise<void>;
  #browser: BrowserProcess;
  #sessionId = "";
  #gone = false;
  #closing = false;
  #resolveClosed = () => {};
  #offs: (() => void)[] = [];
  /** Fails the commands sent to the page and not answered yet. */
  #inFlight = new Set<() => void>();

  constructor(browser: BrowserProcess, targetId: string) {
    this.#browser = browser;
    this.targetId = targetId;
    this.headless = browser.headless;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    const cdp = browser.cdp;
    this.#offs.push(
      cdp.on("Target.targetDestroyed", (params) => {
        if (params.targetId === targetId) this.gone();
      }),
      cdp.on("Target.detachedFromTarget", (params) => {
        if (params.sessionId === this.#sessionId) this.gone();
      }),
      cdp.on("Target.targetCrashed", (params) => {
        if (params.targetId !== targetId) return;
        this.gone();
        // Remove the "Aw, Snap!" window: to its owner the window is closed.
        cdp.send("Target.closeTarget", { targetId }).catch(() => {});
      }),
    );
  }

  /** Attaches, sizes and titles the window; waits for its first load. */
  async setup(
    url: string,
    width: number,
    height: number,
    title?: string,
  ): Promise<void> {
    const cdp = this.#browser.cdp;
    const { sessionId } = await cdp.send("Target.attachToTarget", {
      targetId: this.targetId,
      flatten: true,
    });
    this.#sessionId = sessionId as string;
    let loaded = () => {};
    const load = new Promise<void>((resolve) => loaded = resolve);
    this.#offs.push(
      cdp.on("Page.loadEventFired", () => loaded(), this.#sessionId),
      cdp.on("Page.javascriptDialogOpening", (params) => {
        if (this.#closing && params.type === "beforeunload") {
          this.#send("Page.handleJavaScriptDialog", { accept: true })
            .catch(() => {});
        }
      }, this.#sessionId),
    );
    await this.#send("Page.enable");
    if (title !== undefined) {
      const source = titleScript(title);
      // Later documents, then the current one (whichever it is by now).
      await this.#send("Page.addScriptToEvaluateOnNewDocument", { source });
      await this.#send("Runtime.evaluate", { expression: source });
    }
    // Both modes: the window has browser chrome (headless too: 87 px of
    // invisible tab strip and toolbar), so size its contents, not its frame.
    const { windowId } = await cdp.send("Browser.getWindowForTarget", {
      targetId: this.targetId,
    });
    await cdp.send("Browser.setContentsSize", { windowId, width, height });
    // Page.enable came first, so a load after this check is an event.
    // (The page starts as the initial about:blank, complete at once.)
    const ready = await this.evaluate(
      "document.readyState === 'complete' && " +
        (url === "about:blank" ? "true" : "location.href !== 'about:blank'"),
    );
    if (!ready) {
      await within(Promise.race([load, this.closed]), LOAD_WAIT_MS, "")
        .catch(() => {}); // Still loading: the window is there anyway.
    }
    // setContentsSize reaches the page asynchronously (~5-20 ms measured).
    const sized = `innerWidth === ${width} && innerHeight === ${height}`;
    for (let i = 0; i < 50 && !this.#gone; i++) {
      if (await this.evaluate(sized).catch(() => false)) break;
      await delay(20);
    }
  }

  /** Whether the window is gone (see `closed`). */
  get isGone(): boolean {
    return this.#gone;
  }

  /** Marks the window gone: resolves `closed`, drops its handlers. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    for (const off of this.#offs) off();
    // Chromium may still answer a command after the window's end (its answer and the end travel
    // different ways); one not answered within a grace period never will be.
    if (this.#inFlight.size) {
      const inFlight = [...this.#inFlight];
      const timer = setTimeout(() => inFlight.forEach((fail) => fail()), UNANSWERED_GRACE_MS);
      Deno.unrefTimer(timer);
    }
    this.#browser.windows.delete(this.targetId);
    this.#resolveClosed();
  }

  #send(method: string, params: CdpParams = {}): Promise<CdpParams> {
    if (this.#gone) {
      return Promise.reject(
        new Error(`CDP ${method} failed: window ${this.targetId} is closed`),
      );
    }
    // A command in flight when its page closes may never be answered: the window's end ends it.
    const { promise, resolve, reject } = Promise.withResolvers<CdpParams>();
    const fail = () => reject(new Error(`CDP ${method} failed: window ${this.targetId} is closed`));
    this.#inFlight.add(fail);
    this.#browser.cdp.send(method, params, this.#sessionId).then(resolve, reject)
      .finally(() => this.#inFlight.delete(fail));
    return promise;
  }

  async close(): Promise<void> {
    if (!this.#gone) {
      this.#closing = true;
      await this.#browser.cdp.send("Target.closeTarget", {
        targetId: this.targetId,
      }).catch(() => this.gone()); // No such target: it is gone already.
    }
    await this.closed;
  }

  async capture(): Promise<Uint8Array> {
    const { data } = await this.#send("Page.captureScreenshot", {
      format: "png",
    });
    return Uint8Array.fromBase64(data as string);
  }

  async evaluate(expression: string): Promise<unknown> {
    const { result, exceptionDetails } = await this.#send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    }) as {
      result: { value?: unknown };
      exceptionDetails?: {
        text: string;
        exception?: { description?: string };
      };
    };
    if (exceptionDetails) {
      throw new Error(
        `evaluate failed: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`,
      );
    }
    return result.value;
  }

  async openDevTools(): Promise<void> {
    if (this.headless) {
      throw new Error(
        "openDevTools() needs a headed window (a display, and show !== false)",
      );
    }
    await this.#browser.cdp.send("Target.openDevTools", {
      targetId: this.targetId,
    });
  }
}

/**
 * The host's Chromium: launched on the first window, one process per mode
 * (headed windows need a display; `show: false` or no display → headless).
 * A browser that dies is launched again by the next {@linkcode openWindow}.
 *
 * @example
 * ```ts
 * const chromium = new Chromium({ display: ":99" });
 * const win = await chromium.openWindow("http://127.0.0.1:8000/", {
 *   width: 300,
 *   height: 200,
 * });
 * const png = await win.capture();
 * await chromium.close();
 * ```
 */
export class Chromium {
  #options: ChromiumOptions;
  #launches = new Map<boolean, Promise<BrowserProcess>>();
  #closed = false;

  /**
   * Nothing starts until the first window.
   *
   * @example
   * ```ts
   * const chromium = new Chromium({ chromium: "/usr/bin/chromium" });
   * ```
   */
  constructor(options: ChromiumOptions = {}) {
    this.#options = { ...options };
  }

  /**
   * Opens `url` in a new window and resolves once the window exists and its
   * first load finished (or after 10 s of loading). Launches the browser if
   * needed. Rejects with a clear Error when no Chromium is found or it fails
   * to start. A window its page (or its user) closed while it was opening is
   * returned closed: its `closed` has resolved.
   *
   * @example
   * ```ts
   * const win = await chromium.openWindow(url, { width: 300, height: 200 });
   * await win.closed;
   * ```
   */
  async openWindow(
    url: string,
    options: WindowOptions = {},
  ): Promise<ChromiumWindow> {
    if (this.#closed) throw new Error("Chromium.openWindow: Chromium is closed");
    const display = this.#display();
    const headless = this.#options.headless === true ||
      options.show === false || !display;
    const browser = await this.#browser(headless, display);
    return await browser.openWindow(url, options);
  }

  /**
   * Closes every window and browser process (killing any that takes over
   * 2 s) and removes the profile directories. Idempotent.
   *
   * @example
   * ```ts
   * await chromium.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    const launches = [...this.#launches.values()];
    this.#launches.clear();
    await Promise.all(
      launches.map((launch) => launch.then((b) => b.close(), () => {})),
    );
  }

  #display(): string | undefined {
    return this.#options.display ?? this.#options.env?.DISPLAY ??
      envVar("DISPLAY");
  }

  async #browser(
    headless: boolean,
    display: string | undefined,
  ): Promise<BrowserProcess> {
    const current = this.#launches.get(headless);
    if (current) {
      const browser = await current.catch(() => undefined);
      if (browser?.alive) return browser;
      if (this.#closed) throw new Error("Chromium.openWindow: Chromium is closed");
      // Someone else may have started the replacement meanwhile.
      if (this.#launches.get(headless) !== current) {
        return this.#browser(headless, display);
      }
    }
    const exe = findChromium(this.#options.chromium);
    if (!exe) throw new Error(notFoundMessage(this.#options.chromium));
    const launch = BrowserProcess.launch(exe, headless, this.#options, display);
    this.#launches.set(headless, launch);
    return await launch;
  }
}
