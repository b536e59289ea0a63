/**
 * The `ipc` module as a renderer window sees it (the seed's contract).
 *
 * - `ipc.send(...args)` is `ipc.sendChannel("message", ...args)`;
 * - `ipc.sendSync(...args)` is `ipc.sendChannelSync("sync-message", ...args)`;
 * - `ipc.on(channel, (...args) => …)` hears what the browser sends this window.
 *
 * Arguments travel with structured-clone fidelity; a value that cannot be cloned throws at the
 * sender, naming the channel. Messages arrive in the order they were sent, and a sync call is
 * handled after every async message sent before it. A sync call blocks this renderer until the
 * browser sets `event.result`; it throws an `Error` naming the channel if there is no listener,
 * the handler throws, the window closes, or the timeout (30 s by default) passes.
 *
 * @example
 * ```ts ignore
 * import ipc from "ipc";
 * ipc.on("message", (text) => console.log("Received message", text));
 * ipc.send("Hello world");
 * const data = ipc.sendSync("get-data");
 * ```
 *
 * @module
 */
import type { Listener } from "../common/emitter.ts";
import { MESSAGE_CHANNEL, SYNC_MESSAGE_CHANNEL } from "../common/protocol.ts";
import { rendererCore } from "./_core.ts";

/** The renderer side of the `ipc` module. */
export interface RendererIpc {
  /** Listens on `channel`; the listener receives the arguments the browser sent. */
  on(channel: string, listener: Listener): RendererIpc;
  /** Same as {@linkcode RendererIpc.on}. */
  addListener(channel: string, listener: Listener): RendererIpc;
  /** Listens for the next message on `channel` only. */
  once(channel: string, listener: Listener): RendererIpc;
  /** Removes `listener` from `channel`. */
  off(channel: string, listener: Listener): RendererIpc;
  /** Same as {@linkcode RendererIpc.off}. */
  removeListener(channel: string, listener: Listener): RendererIpc;
  /** Removes every listener of `channel`, or of all channels. */
  removeAllListeners(channel?: string): RendererIpc;
  /** Sends `args` on the `"message"` channel. */
  send(...args: unknown[]): void;
  /** Sends `args` on the `"sync-message"` channel and blocks for the browser's result. */
  sendSync(...args: unknown[]): unknown;
  /** Sends `args` on `channel`. */
  sendChannel(channel: string, ...args: unknown[]): void;
  /** Sends `args` on `channel` and blocks for the browser's result. */
  sendChannelSync(channel: string, ...args: unknown[]): unknown;
}

const core = (api: string) => rendererCore(api);

/**
 * The renderer side of the `ipc` module.
 *
 * @example
 * ```ts ignore
 * import { ipc } from "denotron/renderer";
 * ipc.sendChannel("log", "started");
 * ```
 */
export const ipc: RendererIpc = {
  on(channel, listener) {
    core("ipc.on").listeners.on(channel, listener);
    return ipc;
  },
  addListener(channel, listener) {
    return ipc.on(channel, listener);
  },
  once(channel, listener) {
    core("ipc.once").listeners.once(channel, listener);
    return ipc;
  },
  off(channel, listener) {
    core("ipc.off").listeners.off(channel, listener);
    return ipc;
  },
  removeListener(channel, listener) {
    return ipc.off(channel, listener);
  },
  removeAllListeners(channel) {
    core("ipc.removeAllListeners").listeners.removeAllListeners(channel);
    return ipc;
  },
  send(...args) {
    core("ipc.send").send("ipc.send", MESSAGE_CHANNEL, args);
  },
  sendSync(...args) {
    return core("ipc.sendSync").sendSync("ipc.sendSync", SYNC_MESSAGE_CHANNEL, args);
  },
  sendChannel(channel, ...args) {
    core("ipc.sendChannel").send("ipc.sendChannel", channel, args);
  },
  sendChannelSync(channel, ...args) {
    return core("ipc.sendChannelSync").sendSync("ipc.sendChannelSync", channel, args);
  },
};

export default ipc;
