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
import { LinkedChannel } from "../common/linked_channel.ts";

export { App, app } from "./app.ts";
export { BrowserWindow, type BrowserWindowOptions } from "./browser_window.ts";
export { type BrowserIpc, ipc } from "./ipc.ts";
export { IpcMainEvent, IpcMainEvent as SyncEvent, IpcMainInvokeEvent } from "./_events.ts";
export { type IpcMain, ipcMain, type OnArgs, type OnChannels } from "./ipc_main.ts";
export { type TypedSender, WebContents } from "./web_contents.ts";
export { broadcast } from "./broadcast.ts";
export type {
  AnyArgs,
  AnyFn,
  ChannelMap,
  ChannelPart,
  InvokeChannels,
  PushChannels,
  SendChannels,
  SyncChannels,
  Untyped,
} from "../common/channels.ts";
export type { ChannelPolicy } from "../common/policy.ts";
export type { Emitter, Listener } from "../common/emitter.ts";
export type { WorkerPermissions } from "../host/worker_connection.ts";
export type {
  RenderProcessGoneDetails,
  RenderProcessGoneReason,
} from "../host/process_connection.ts";
export { ipc as default } from "./ipc.ts";
/**
 * Electron's `MessageChannelMain`: a web `MessageChannel` whose ports `webContents.postMessage`
 * sends to any window (moved to a worker window, relayed by the host to a page or process one),
 * and whose ports fire `close` when the other end closes, as Electron's `MessagePortMain` does
 * (where the port is: in this process, or relayed to a page or process window).
 *
 * @example
 * ```ts ignore
 * import { BrowserWindow, MessageChannelMain } from "denotron/browser";
 * const win = new BrowserWindow({ isolation: "process" });
 * await win.loadFile("renderer.ts");
 * const { port1, port2 } = new MessageChannelMain();
 * win.webContents.postMessage("port", null, [port2]);
 * port1.addEventListener("close", () => console.log("the window closed its end"));
 * port1.onmessage = (event) => console.log(event.data);
 * ```
 */
export const MessageChannelMain: typeof MessageChannel = LinkedChannel;
