/**
 * What `BrowserWindow` needs for page windows, kept apart so that an app with worker windows
 * only never loads the page machinery (server, esbuild, Chromium): it is imported on the first
 * page window.
 *
 * @module
 */
import type { ChromiumWindow } from "../host/chromium.ts";
import type { RendererInit } from "../renderer/_transport.ts";
import type { ConnectionSink, RendererConnection } from "./_connection.ts";

/**
 * The page window options of `BrowserWindowOptions`.
 *
 * @example
 * ```ts ignore
 * const options: PageOptions = { width: 640, height: 480, show: false };
 * ```
 */
export interface PageOptions {
  /** Content width in CSS pixels. */
  width?: number;
  /** Content height in CSS pixels. */
  height?: number;
  /** The window title. */
  title?: string;
  /** `false` runs the window headless. */
  show?: boolean;
  /** The Chromium executable. */
  chromium?: string;
  /** The Content-Security-Policy of the window's responses; `""` for none. */
  contentSecurityPolicy?: string;
  /** Open DevTools with the window (headed only). */
  devTools?: boolean;
  /** A script (a real path inside the served folder) that runs before the page's own scripts. */
  preload?: string;
  /** Heartbeat silence, in ms, after which the page is `unresponsive`. Default 10,000. */
  unresponsiveTimeout?: number;
}

/**
 * A page to open: the app folder to serve and the file in it.
 *
 * @example
 * ```ts ignore
 * const page: PageFile = { root: "/app", file: "/app/index.html" };
 * ```
 */
export interface PageFile {
  /** The app folder served to the window (absolute). */
  root: string;
  /** The page to open (absolute, inside `root`). */
  file: string;
}

/**
 * The folder a page window serves: the app folder when the page is inside it (so pages can use
 * the app's other files), else the page's own folder. Both as real paths.
 *
 * @example
 * ```ts ignore
 * await pageFile(new URL("file:///app/index.html"), "/app"); // { root: "/app", file: "/app/index.html" }
 * ```
 */
export async function pageFile(url: URL, appPath: string): Promise<PageFile> {
  let file: string;
  try {
    file = await Deno.realPath(decodeURIComponent(url.pathname));
  } catch {
    throw new Error(`cannot load ${decodeURIComponent(url.pathname)}: no such file`);
  }
  const app = await Deno.realPath(appPath).catch(() => appPath);
  const root = file.startsWith(`${app}/`) ? app : file.slice(0, file.lastIndexOf("/")) || "/";
  return { root, file };
}

/**
 * The page a URL of this host's page server names (for `loadURL`); throws for any other URL.
 *
 * @example
 * ```ts ignore
 * const page = await servedPage(new URL(urlFromAnotherWindow));
 * ```
 */
export async function servedPage(url: URL): Promise<PageFile> {
  const { runningPageServer } = await import("../host/pages.ts");
  const server = await runningPageServer();
  let found: PageFile | undefined;
  try {
    found = await server?.locate(url);
  } catch (error) {
    throw new Error(`loadURL(${url.origin}/…): ${(error as Error).message}`);
  }
  if (found) return { root: found.root, file: found.file };
  throw new Error(
    `loadURL: ${url.protocol}//${url.host}/… is not a page this host serves: ` +
      "load a file: URL, an app file with loadFile, or a URL of one of this host's pages",
  );
}

/**
 * Starts a page window's renderer; what `BrowserWindow` gives its `#launch`.
 *
 * @example
 * ```ts ignore
 * const start = await pageStarter(win._init(), page, options);
 * ```
 */
export async function pageStarter(
  init: RendererInit,
  page: PageFile,
  options: PageOptions,
  responsive?: (responsive: boolean) => void,
): Promise<(sink: ConnectionSink) => RendererConnection> {
  const { launchPage } = await import("../host/page_connection.ts");
  return (sink) => launchPage({ ...init, ...page, ...options }, sink, responsive);
}

/**
 * The Chromium window behind a page window's connection, for `capturePage` and DevTools.
 *
 * @example
 * ```ts ignore
 * const png = await (await chromiumWindow(connection, "capturePage", win.id)).capture();
 * ```
 */
export async function chromiumWindow(
  connection: RendererConnection | undefined,
  api: string,
  id: number,
): Promise<ChromiumWindow> {
  const page = connection as { window?(): Promise<ChromiumWindow | undefined> } | undefined;
  if (!page?.window) {
    throw new Error(`${api}: window ${id} is not a page window (only pages are drawn)`);
  }
  const win = await page.window();
  if (!win) {
    throw new Error(
      `${api}: window ${id} is not shown by the host's Chromium (it is closed, or open in ` +
        "another browser because Chromium is missing)",
    );
  }
  return win;
}
