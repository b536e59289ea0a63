/**
 * The renderer side of denotron: what code inside a window imports.
 *
 * @example
 * ```ts ignore
 * import { ipc } from "denotron/renderer";
 * ipc.on("message", (text) => console.log("Received message", text));
 * ipc.send("Hello world");
 * ```
 *
 * @module
 */
export { ipc, type RendererIpc } from "./ipc.ts";
export { ipc as default } from "./ipc.ts";
export { type IpcRenderer, ipcRenderer, type IpcRendererEvent } from "./ipc_renderer.ts";
export { IpcStream } from "./_stream.ts";
export type { InvokeOptions } from "./_core.ts";
export type {
  AnyArgs,
  AnyFn,
  ChannelMap,
  ChannelPart,
  InvokeChannels,
  InvokeResult,
  PushChannels,
  SendChannels,
  SyncChannels,
  Untyped,
} from "../common/channels.ts";
export type { Listener } from "../common/emitter.ts";
export { type ContextBridge, contextBridge } from "./context_bridge.ts";
