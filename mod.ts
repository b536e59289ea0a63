/**
 * denotron: an Electron-style application host for Deno. The main process imports this module
 * (the browser side); windows import `"denotron/renderer"` or the bare `"ipc"`.
 *
 * @example
 * ```ts ignore
 * import { app, BrowserWindow, ipc } from "@denotron/denotron";
 * ipc.on("message", (processId, routingId, text) => ipc.send(processId, routingId, text));
 * await app.whenReady();
 * await new BrowserWindow().loadFile("renderer.ts");
 * ```
 *
 * @module
 */
export * from "./browser/mod.ts";
export { default } from "./browser/mod.ts";
