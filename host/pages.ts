/**
 * The page windows of a host, as one unit with a life cycle: the page server, the bundler
 * (esbuild's service) and the Chromium browsers start with the first page window, and
 * {@linkcode shutdownPages} ends them all. The app's `quit` ends them before the host exits;
 * otherwise (denotron used as a library, tests) they end a moment after the last page window
 * closes, so a program with no window left can end, while windows opened one after another (as
 * tests do) share one browser.
 *
 * @module
 */
import { app } from "../browser/app.ts";
import { Chromium } from "./chromium.ts";
import { Bundler } from "./bundler.ts";
import { PageServer } from "./page_server.ts";

/** How long the page machinery outlives the last page window when the app does not quit. */
const IDLE_MS = 2_000;

interface Running {
  bundler: Bundler;
  server: Promise<PageServer>;
}

let running: Running | undefined;
const browsers = new Map<string, Chromium>();
/**
 * What holds the pages running: page windows, which can be shut down with them.
 *
 * @example
 * ```ts ignore
 * const user: PageUser = { _shutDown: () => connection.close() };
 * ```
 */
export interface PageUser {
  /** The pages are shutting down: end at once. */
  _shutDown(): void;
}
const users = new Set<PageUser>();
let idleTimer: ReturnType<typeof setTimeout> | undefined;

const onUnload = () => running?.bundler.stopSync();

/**
 * The host's page server (started on first use). `user` keeps the pages running until it is
 * given back with {@linkcode releasePages}.
 *
 * @example
 * ```ts ignore
 * const server = await usePages(connection);
 * ```
 */
export function usePages(user: PageUser): Promise<PageServer> {
  users.add(user);
  clearTimeout(idleTimer);
  if (!running) {
    const bundler = new Bundler();
    running = { bundler, server: PageServer.start(bundler) };
    globalThis.addEventListener("unload", onUnload);
    app._beforeExit(shutdownPages);
  }
  return running.server;
}

/**
 * Gives back what {@linkcode usePages} took; the pages shut down shortly after the last user.
 *
 * @example
 * ```ts ignore
 * releasePages(connection);
 * ```
 */
export function releasePages(user: PageUser): void {
  if (!users.delete(user) || users.size > 0) return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (users.size === 0) shutdownPages();
  }, IDLE_MS);
}

/**
 * The page server, if page windows are running (nothing is started).
 *
 * @example
 * ```ts ignore
 * const server = await runningPageServer();
 * ```
 */
export function runningPageServer(): Promise<PageServer> | undefined {
  return running?.server;
}

/**
 * The host's Chromium for `executable` (a path or name; default: `$DENOTRON_CHROMIUM`, else the
 * usual names on PATH). Launched on its first window.
 *
 * @example
 * ```ts ignore
 * const win = await chromiumFor().openWindow(url, { show: false });
 * ```
 */
export function chromiumFor(executable?: string): Chromium {
  const key = executable ?? "";
  let chromium = browsers.get(key);
  if (!chromium) {
    chromium = new Chromium({ chromium: executable });
    browsers.set(key, chromium);
  }
  return chromium;
}

/**
 * Ends every page window's machinery: Chromium, the page server and esbuild's service. Windows
 * still open are closed. Safe to call at any time and more than once; page windows opened later
 * start it all again.
 *
 * @example
 * ```ts ignore
 * import { shutdownPages } from "denotron/host/pages.ts";
 * await shutdownPages();
 * ```
 */
export async function shutdownPages(): Promise<void> {
  clearTimeout(idleTimer);
  const was = running;
  running = undefined;
  for (const user of [...users]) user._shutDown();
  users.clear();
  const closing = [...browsers.values()];
  browsers.clear();
  await Promise.all(closing.map((chromium) => chromium.close()));
  if (!was) return;
  globalThis.removeEventListener("unload", onUnload);
  await (await was.server).shutdown();
  await was.bundler.stop();
}
