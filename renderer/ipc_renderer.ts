/**
 * `ipcRenderer`: Electron's modern renderer API, on the same core as the legacy `ipc` module.
 * Electron renderer code ports with only its imports changed.
 *
 * @example
 * ```ts ignore
 * import { ipcRenderer } from "denotron/renderer";
 * ipcRenderer.on("tick", (_event, n) => console.log(n));
 * const sum = await ipcRenderer.invoke("add", 1, 2);
 * const data = ipcRenderer.sendSync("config");
 * ```
 *
 * @module
 */
import type {
  ChannelMap,
  InvokeChannels,
  InvokeResult,
  PushChannels,
  SendChannels,
  SyncChannels,
  Untyped,
} from "../common/channels.ts";
import { type InvokeOptions, rendererCore } from "./_core.ts";
import type { IpcStream } from "./_stream.ts";

/** What an `ipcRenderer` listener receives first. */
export interface IpcRendererEvent {
  /** The `ipcRenderer` the message arrived on (reply with `event.sender.send`). */
  sender: IpcRenderer;
  /** MessagePorts transferred with the message (`webContents.postMessage`). */
  ports: MessagePort[];
}

/** Electron's `ipcRenderer`, typed by an optional channel description `C`. */
export interface IpcRenderer<C extends ChannelMap = Untyped> {
  /** Sends `args` on `channel` to the browser's `ipcMain.on` listeners. */
  send<K extends keyof SendChannels<C> & string>(channel: K, ...args: SendChannels<C>[K]): void;
  /** Sends on `channel` and blocks this renderer until a listener sets `event.returnValue`. */
  sendSync<K extends keyof SyncChannels<C> & string>(
    channel: K,
    ...args: Parameters<SyncChannels<C>[K]>
  ): ReturnType<SyncChannels<C>[K]>;
  /**
   * Calls the browser's `ipcMain.handle(channel)` handler. Rejects with the handler's error (name,
   * message, `code`-like fields kept), or at once when no handler is registered. A handler that
   * returns an async iterable or a `ReadableStream` resolves to an {@linkcode IpcStream}.
   */
  invoke<K extends keyof InvokeChannels<C> & string>(
    channel: K,
    ...args: Parameters<InvokeChannels<C>[K]>
  ): Promise<InvokeResult<ReturnType<InvokeChannels<C>[K]>, IpcStream>>;
  /** Like `invoke`, with a signal and/or a deadline, given apart from the arguments. */
  invokeWith<K extends keyof InvokeChannels<C> & string>(
    options: InvokeOptions,
    channel: K,
    ...args: Parameters<InvokeChannels<C>[K]>
  ): Promise<InvokeResult<ReturnType<InvokeChannels<C>[K]>, IpcStream>>;
  /** Sends `message` with `transfer` (MessagePorts, ArrayBuffers) moved, not copied. */
  postMessage(channel: string, message: unknown, transfer?: Transferable[]): void;
  /** Listens on `channel` for messages from the browser. */
  on<K extends keyof PushChannels<C> & string>(
    channel: K,
    listener: (event: IpcRendererEvent, ...args: PushChannels<C>[K]) => void,
  ): this;
  /** Same as `on`, for the next message only. */
  once<K extends keyof PushChannels<C> & string>(
    channel: K,
    listener: (event: IpcRendererEvent, ...args: PushChannels<C>[K]) => void,
  ): this;
  /** Removes `listener` from `channel`. */
  off(channel: string, listener: (...args: never[]) => void): this;
  /** Same as `off`. */
  removeListener(channel: string, listener: (...args: never[]) => void): this;
  /** Removes every listener of `channel`, or of all channels. */
  removeAllListeners(channel?: string): this;
  /** This same object, typed by the channel description `T`. */
  typed<T extends ChannelMap>(): IpcRenderer<T>;
}

const core = (api: string) => rendererCore(api);
const withEvents = (api: string) => {
  const c = rendererCore(api);
  c.createEvent = (ports) => ({ sender: ipcRenderer, ports }) satisfies IpcRendererEvent;
  return c;
};

/**
 * Electron's `ipcRenderer`.
 *
 * @example
 * ```ts ignore
 * import { ipcRenderer } from "denotron/renderer";
 * const controller = new AbortController();
 * const result = ipcRenderer.invokeWith({ signal: controller.signal, timeout: 5_000 }, "search", "q");
 * ```
 */
export const ipcRenderer: IpcRenderer = {
  send(channel, ...args) {
    core("ipcRenderer.send").send("ipcRenderer.send", channel, args);
  },
  sendSync(channel, ...args) {
    return core("ipcRenderer.sendSync").sendSync("ipcRenderer.sendSync", channel, args);
  },
  invoke(channel, ...args) {
    // deno-lint-ignore no-explicit-any
    return core("ipcRenderer.invoke").invoke("ipcRenderer.invoke", channel, args) as any;
  },
  invokeWith(options, channel, ...args) {
    // deno-lint-ignore no-explicit-any
    return core("ipcRenderer.invoke").invoke("ipcRenderer.invoke", channel, args, options) as any;
  },
  postMessage(channel, message, transfer = []) {
    core("ipcRenderer.postMessage").postMessage(
      "ipcRenderer.postMessage",
      channel,
      message,
      transfer,
    );
  },
  on(channel, listener) {
    withEvents("ipcRenderer.on").eventListeners.on(channel, listener);
    return this;
  },
  once(channel, listener) {
    withEvents("ipcRenderer.once").eventListeners.once(channel, listener);
    return this;
  },
  off(channel, listener) {
    core("ipcRenderer.off").eventListeners.off(channel, listener);
    return this;
  },
  removeListener(channel, listener) {
    return this.off(channel, listener);
  },
  removeAllListeners(channel) {
    core("ipcRenderer.removeAllListeners").eventListeners.removeAllListeners(channel);
    return this;
  },
  typed() {
    return this as never;
  },
};
