/**
 * The `ipc` module as the browser (main) process sees it (the seed's contract).
 *
 * - async messages call `listener(processId, routingId, ...args)`;
 * - sync messages call `listener(event, processId, routingId, ...args)`, and the listener answers
 *   by setting `event.result` (or `event.returnValue`), now or later (after an `await`): the
 *   renderer stays blocked until it does, or until the window's sync timeout (30 s by default);
 * - `ipc.send(processId, routingId, ...args)` delivers `"message"` to that window;
 *   `ipc.sendChannel(processId, routingId, channel, ...args)` delivers any channel.
 *
 * A sync call with no listener fails at once in the renderer; a listener that throws fails it with
 * the listener's error (name and message). A listener that throws on an async message is logged
 * and does not stop the host. Messages sent to a window before its renderer has loaded are
 * delivered once it has.
 *
 * @example
 * ```ts ignore
 * import ipc from "ipc";
 * ipc.on("message", (processId, routingId, text) => ipc.send(processId, routingId, text));
 * ipc.on("sync-message", (event, processId, routingId, what) => {
 *   event.result = `data for ${what}`;
 * });
 * ```
 *
 * @module
 */
import type { Listener } from "../common/emitter.ts";
import { MESSAGE_CHANNEL, TOP_FRAME_ROUTING_ID } from "../common/protocol.ts";
import { describe } from "../common/errors.ts";
import { legacyListeners } from "./_registry.ts";
import type { RendererHost } from "./_renderer_host.ts";
import { BrowserWindow } from "./browser_window.ts";

/** The browser side of the `ipc` module. */
export interface BrowserIpc {
  /** Listens on `channel` for messages from every window. */
  on(channel: string, listener: Listener): BrowserIpc;
  /** Same as {@linkcode BrowserIpc.on}. */
  addListener(channel: string, listener: Listener): BrowserIpc;
  /** Listens for the next message on `channel` only. */
  once(channel: string, listener: Listener): BrowserIpc;
  /** Removes `listener` from `channel`. */
  off(channel: string, listener: Listener): BrowserIpc;
  /** Same as {@linkcode BrowserIpc.off}. */
  removeListener(channel: string, listener: Listener): BrowserIpc;
  /** Removes every listener of `channel`, or of all channels. */
  removeAllListeners(channel?: string): BrowserIpc;
  /** How many listeners `channel` has. */
  listenerCount(channel: string): number;
  /** Sends `args` on `"message"` to the window `processId`. */
  send(processId: number, routingId: number, ...args: unknown[]): void;
  /** Sends `args` on `channel` to the window `processId`. */
  sendChannel(processId: number, routingId: number, channel: string, ...args: unknown[]): void;
}

function target(api: string, processId: number, routingId: number): RendererHost {
  const win = BrowserWindow.fromId(processId);
  if (!win) throw new Error(`${api}: no open window has processId ${describe(processId)}`);
  if (routingId !== TOP_FRAME_ROUTING_ID) {
    throw new Error(
      `${api}: window ${processId} has no frame with routingId ${
        describe(routingId)
      } (its top frame is ${TOP_FRAME_ROUTING_ID})`,
    );
  }
  return win._host(api);
}

/**
 * The browser side of the `ipc` module.
 *
 * @example
 * ```ts ignore
 * import { ipc } from "denotron/browser";
 * ipc.on("message", (processId, routingId, ...args) => console.log(processId, args));
 * ```
 */
export const ipc: BrowserIpc = {
  on(channel, listener) {
    legacyListeners.on(channel, listener);
    return ipc;
  },
  addListener(channel, listener) {
    return ipc.on(channel, listener);
  },
  once(channel, listener) {
    legacyListeners.once(channel, listener);
    return ipc;
  },
  off(channel, listener) {
    legacyListeners.off(channel, listener);
    return ipc;
  },
  removeListener(channel, listener) {
    return ipc.off(channel, listener);
  },
  removeAllListeners(channel) {
    legacyListeners.removeAllListeners(channel);
    return ipc;
  },
  listenerCount(channel) {
    return legacyListeners.listenerCount(channel);
  },
  send(processId, routingId, ...args) {
    target("ipc.send", processId, routingId).send("ipc.send", MESSAGE_CHANNEL, args);
  },
  sendChannel(processId, routingId, channel, ...args) {
    target("ipc.sendChannel", processId, routingId).send("ipc.sendChannel", channel, args);
  },
};

export default ipc;
