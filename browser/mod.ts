/**
 * The browser (main) process side of denotron: `app`, `BrowserWindow` and the `ipc` module.
 *
 * @example
 * ```ts ignore
 * import { app, BrowserWindow, ipc } from "denotron/browser";
 * ipc.on("message", (processId, routingId, text) => ipc.send(processId, routingId, text));
 * await app.whenReady();
 * await new BrowserWindow().loadFile("renderer.ts");
 * ```
 *
 * @module
 */
export { App, app } from "./app.ts";
export { BrowserWindow, type BrowserWindowOptions } from "./browser_window.ts";
export { type BrowserIpc, ipc } from "./ipc.ts";
export { IpcMainEvent, IpcMainEvent as SyncEvent, IpcMainInvokeEvent } from "./_events.ts";
export { type IpcMain, ipcMain } from "./ipc_main.ts";
export { type TypedSender, WebContents } from "./web_contents.ts";
export { broadcast } from "./broadcast.ts";
export type { ChannelMap } from "../common/channels.ts";
export type { WorkerPermissions } from "../host/worker_connection.ts";
export type {
  RenderProcessGoneDetails,
  RenderProcessGoneReason,
} from "../host/process_connection.ts";
export { ipc as default } from "./ipc.ts";
/**
 * Electron's `MessageChannelMain`: in Deno, the web's own `MessageChannel`, whose ports
 * `webContents.postMessage` transfers to worker windows.
 */
export const MessageChannelMain: typeof MessageChannel = MessageChannel;
