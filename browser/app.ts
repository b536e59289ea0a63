/**
 * `app`: the browser process's life cycle, with Electron's names.
 *
 * @module
 */
import { Emitter, type Listener } from "../common/emitter.ts";
import { openWindows } from "./_windows.ts";

/**
 * The application's life cycle. Events: `ready`, `window-all-closed`, `before-quit`,
 * `will-quit`, `quit`. When the last window closes, the app quits unless something listens for
 * `window-all-closed`.
 *
 * @example
 * ```ts ignore
 * import { app, BrowserWindow } from "denotron/browser";
 * await app.whenReady();
 * const win = new BrowserWindow();
 * await win.loadFile("renderer.ts");
 * ```
 */
export class App extends Emitter {
  #ready = false;
  #deferred = false;
  #loading = false;
  #quitting = false;
  #exitCode = 0;
  #appPath: string = Deno.cwd();
  #exit: ((code: number) => void) | undefined;
  readonly #beforeExit = new Set<() => Promise<void>>();
  readonly #whenReady: PromiseWithResolvers<void> = Promise.withResolvers();

  constructor() {
    super();
    // Used as a library (not under host.ts) the app is ready as soon as the caller's module has
    // run; host.ts defers this until the app's main has been loaded, as Electron does.
    setTimeout(() => {
      if (!this.#deferred) this._markReady();
    }, 0);
  }

  /** Whether the app has finished starting. */
  isReady(): boolean {
    return this.#ready;
  }

  /** Resolves once the app is ready to open windows. */
  whenReady(): Promise<void> {
    this.#kick();
    return this.#whenReady.promise;
  }

  /** Adds `listener` for `event`; see {@linkcode Emitter.on}. */
  override on(event: string, listener: Listener): this {
    if (event === "ready") this.#kick();
    return super.on(event, listener);
  }

  /** Adds `listener` for the next `event` only; see {@linkcode Emitter.once}. */
  override once(event: string, listener: Listener): this {
    if (event === "ready") this.#kick();
    return super.once(event, listener);
  }

  // Under host.ts, `ready` comes once the app's main has run up to its first `await`: a main
  // that awaits `whenReady()` at top level must not wait for its own end. Asking for `ready`
  // during main's first synchronous run schedules it for right after that run.
  #kick(): void {
    if (this.#deferred && this.#loading && !this.#ready) setTimeout(() => this._markReady(), 0);
  }

  /** The app folder: relative paths given to `loadFile` resolve against it. */
  getAppPath(): string {
    return this.#appPath;
  }

  /** Whether `quit()` has been called. */
  get isQuitting(): boolean {
    return this.#quitting;
  }

  /**
   * Closes every window (each emits `closed`), emits `will-quit` and `quit`, then ends the host
   * process when running under `host.ts`.
   */
  quit(): void {
    if (this.#quitting) return;
    this.#quitting = true;
    this.emit("before-quit");
    for (const win of [...openWindows.values()]) win.destroy();
    this.emit("will-quit");
    this.emit("quit");
    if (this.#exit) this.#exitAfterCleanup(this.#exit);
    else this.#quitting = false; // a library user's process goes on; so may its app
  }

  /** Ends at once with `code`, without `before-quit`; windows are destroyed first. */
  exit(code = 0): void {
    this.#quitting = true;
    for (const win of [...openWindows.values()]) win.destroy();
    this.#exit?.(code);
  }

  /**
   * @internal `cleanup` runs when the app quits, before the host process ends (page windows:
   * the page server, esbuild's service and Chromium). Registered once per subsystem.
   */
  _beforeExit(cleanup: () => Promise<void>): void {
    this.#beforeExit.add(cleanup);
  }

  #exitAfterCleanup(exit: (code: number) => void): void {
    if (this.#beforeExit.size === 0) return exit(this.#exitCode);
    const cleanups = [...this.#beforeExit].map((cleanup) => cleanup().catch(() => {}));
    // Bounded: a cleanup that hangs must not keep a quitting app alive.
    const limit = new Promise((resolve) => setTimeout(resolve, 3_000));
    Promise.race([Promise.all(cleanups), limit]).then(() => exit(this.#exitCode));
  }

  /** @internal Quits as {@linkcode App.quit} does, ending the host with `code` (signals). */
  _quitWith(code: number): void {
    this.#exitCode = code;
    this.quit();
  }

  /** @internal Called by the window registry when the last window has closed. */
  _lastWindowClosed(): void {
    if (this.#quitting) return;
    if (this.listenerCount("window-all-closed") > 0) this.emit("window-all-closed");
    else this.quit();
  }

  /** @internal host.ts: the app folder, the exit hook, and the ready moment are the host's. */
  _host(appPath: string, exit: (code: number) => void): void {
    this.#appPath = appPath;
    this.#exit = exit;
    this.#deferred = true;
  }

  /** @internal host.ts is loading the app's main now. */
  _loading(): void {
    this.#loading = true;
  }

  /** @internal Emits `ready` once. */
  _markReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#whenReady.resolve();
    this.emit("ready");
  }
}

/**
 * The application.
 *
 * @example
 * ```ts ignore
 * import { app } from "denotron/browser";
 * app.on("window-all-closed", () => app.quit());
 * ```
 */
export const app: App = new App();
