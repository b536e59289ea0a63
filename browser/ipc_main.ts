/**
 * `ipcMain`: Electron's modern browser-side API, on the same core as the legacy `ipc` module.
 * Electron main-process IPC code ports with only its imports changed.
 *
 * @example
 * ```ts ignore
 * import { ipcMain } from "denotron/browser";
 * ipcMain.handle("add", (_event, a: number, b: number) => a + b);
 * ipcMain.on("log", (event, text: string) => event.reply("logged", text));
 * ipcMain.on("config", (event) => (event.returnValue = { theme: "dark" }));
 * ```
 *
 * @module
 */
import type {
  ChannelMap,
  InvokeChannels,
  SendChannels,
  SyncChannels,
  Untyped,
} from "../common/channels.ts";
import { assertChannel } from "../common/errors.ts";
import type { IpcMainEvent, IpcMainInvokeEvent } from "./_events.ts";
import { type Handler, handlers, mainListeners } from "./_registry.ts";

/**
 * The channels `ipcMain.on` listens on for the channel description `C`: its `send` channels
 * (renderer → browser async messages) and its `sync` channels (answered with
 * `event.returnValue`).
 *
 * @example
 * ```ts ignore
 * import type { ChannelMap, OnChannels } from "denotron/browser";
 * interface Channels extends ChannelMap {
 *   send: { log: [text: string] };
 *   sync: { config: () => { theme: string } };
 * }
 * type Listened = keyof OnChannels<Channels>; // "log" | "config"
 * ```
 */
export type OnChannels<C extends ChannelMap> = SendChannels<C> & SyncChannels<C>;
/**
 * The arguments an `ipcMain.on` listener receives after the event for channel `K` of the channel
 * description `C`: the argument tuple of a `send` channel, or the parameters of a `sync` one.
 *
 * @example
 * ```ts ignore
 * import type { ChannelMap, OnArgs } from "denotron/browser";
 * interface Channels extends ChannelMap {
 *   send: { log: [text: string] };
 *   sync: { config: (key: string) => string };
 * }
 * type LogArgs = OnArgs<Channels, "log">; // [text: string]
 * type ConfigArgs = OnArgs<Channels, "config">; // [key: string]
 * ```
 */
export type OnArgs<C extends ChannelMap, K> = K extends keyof SendChannels<C> ? SendChannels<C>[K]
  : K extends keyof SyncChannels<C> ? Parameters<SyncChannels<C>[K]>
  : never;

/** Electron's `ipcMain`, typed by an optional channel description `C`. */
export interface IpcMain<C extends ChannelMap = Untyped> {
  /** Listens on `channel` for messages (async, or sync: answer with `event.returnValue`). */
  on<K extends keyof OnChannels<C> & string>(
    channel: K,
    listener: (event: IpcMainEvent, ...args: OnArgs<C, K>) => void,
  ): this;
  /** Same as `on`, for the next message only. */
  once<K extends keyof OnChannels<C> & string>(
    channel: K,
    listener: (event: IpcMainEvent, ...args: OnArgs<C, K>) => void,
  ): this;
  /** Removes `listener` from `channel`. */
  off(channel: string, listener: (...args: never[]) => void): this;
  /** Same as `off`. */
  removeListener(channel: string, listener: (...args: never[]) => void): this;
  /** Removes every listener of `channel`, or of all channels. */
  removeAllListeners(channel?: string): this;
  /** How many listeners `channel` has. */
  listenerCount(channel: string): number;
  /**
   * Answers `ipcRenderer.invoke(channel, ...)` with the handler's value (or promise); an async
   * iterable or `ReadableStream` result streams to the renderer. Throws if `channel` already has
   * a handler.
   */
  handle<K extends keyof InvokeChannels<C> & string>(
    channel: K,
    handler: (
      event: IpcMainInvokeEvent,
      ...args: Parameters<InvokeChannels<C>[K]>
    ) => ReturnType<InvokeChannels<C>[K]> | Promise<Awaited<ReturnType<InvokeChannels<C>[K]>>>,
  ): void;
  /** Same as `handle`, for one call only. */
  handleOnce<K extends keyof InvokeChannels<C> & string>(
    channel: K,
    handler: (
      event: IpcMainInvokeEvent,
      ...args: Parameters<InvokeChannels<C>[K]>
    ) => ReturnType<InvokeChannels<C>[K]> | Promise<Awaited<ReturnType<InvokeChannels<C>[K]>>>,
  ): void;
  /** Removes the handler of `channel`, if any. */
  removeHandler(channel: string): void;
  /** This same object, typed by the channel description `T`. */
  typed<T extends ChannelMap>(): IpcMain<T>;
}

function register(api: string, channel: string, handler: Handler): void {
  assertChannel(api, channel);
  if (typeof handler !== "function") {
    throw new TypeError(`${api}: the handler for "${channel}" must be a function`);
  }
  if (handlers.has(channel)) {
    throw new Error(`${api}: attempted to register a second handler for "${channel}"`);
  }
  handlers.set(channel, handler);
}

/**
 * Electron's `ipcMain`.
 *
 * @example
 * ```ts ignore
 * import { ipcMain } from "denotron/browser";
 * ipcMain.handle("slow", async (event) => {
 *   await new Promise((r) => setTimeout(r, 1000));
 *   if (event.signal.aborted) return; // the renderer gave up
 *   return "done";
 * });
 * ```
 */
export const ipcMain: IpcMain = {
  on(channel, listener) {
    assertChannel("ipcMain.on", channel);
    mainListeners.on(channel, listener);
    return this;
  },
  once(channel, listener) {
    assertChannel("ipcMain.once", channel);
    mainListeners.once(channel, listener);
    return this;
  },
  off(channel, listener) {
    mainListeners.off(channel, listener);
    return this;
  },
  removeListener(channel, listener) {
    return this.off(channel, listener);
  },
  removeAllListeners(channel) {
    mainListeners.removeAllListeners(channel);
    return this;
  },
  listenerCount(channel) {
    return mainListeners.listenerCount(channel);
  },
  handle(channel, handler) {
    register("ipcMain.handle", channel, handler as Handler);
  },
  handleOnce(channel, handler) {
    const once: Handler = (event, ...args) => {
      if (handlers.get(channel) === once) handlers.delete(channel);
      return (handler as Handler)(event, ...args);
    };
    register("ipcMain.handleOnce", channel, once);
  },
  removeHandler(channel) {
    handlers.delete(channel);
  },
  typed() {
    return this as never;
  },
};
