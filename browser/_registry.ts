/**
 * The browser side's listeners and handlers, shared by every window: the legacy `ipc` module's
 * and `ipcMain`'s. One place, so a channel has one meaning whichever API listens on it.
 *
 * @module
 */
import { Emitter } from "../common/emitter.ts";
import type { IpcMainInvokeEvent } from "./_events.ts";

/** Listeners of the legacy `ipc` module: `(processId, routingId, ...args)` or sync `(event, …)`. */
export const legacyListeners: Emitter = new Emitter();

/** Listeners of `ipcMain.on`: `(event, ...args)`. */
export const mainListeners: Emitter = new Emitter();

/** A handler of `ipcMain.handle`. */
export type Handler = (event: IpcMainInvokeEvent, ...args: never[]) => unknown;

/** `ipcMain.handle` handlers, by channel. */
export const handlers: Map<string, Handler> = new Map();

/** Calls `fn`, logging instead of throwing: a faulty listener must not crash the host. */
export function guard(what: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    console.error(`denotron: ${what} threw:`, error);
  }
}
