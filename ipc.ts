/**
 * The bare `"ipc"` module. Like Electron's `"electron"` module, one specifier means the side it is
 * imported on: the browser side in the app's main, the renderer side inside a window. Import
 * `"denotron/browser"` or `"denotron/renderer"` for a side's full API and exact types.
 *
 * @example
 * ```ts ignore
 * import ipc from "ipc";
 * ipc.on("message", (...args) => console.log(args));
 * ```
 *
 * @module
 */
import type { BrowserIpc } from "./browser/ipc.ts";
import type { RendererIpc } from "./renderer/ipc.ts";
import { isRenderer } from "./renderer/_core.ts";

/** Either side's `ipc`: the methods of both, since one specifier serves both sides. */
export type Ipc = BrowserIpc & RendererIpc;

/**
 * This side's `ipc` module.
 *
 * @example
 * ```ts ignore
 * import { ipc } from "ipc";
 * ipc.send("Hello world");
 * ```
 */
export const ipc: Ipc =
  (isRenderer()
    ? (await import("./renderer/ipc.ts")).ipc
    : (await import("./browser/ipc.ts")).ipc) as Ipc;

export default ipc;
