/**
 * The browser side's listeners, shared by every window: the legacy `ipc` module's and (with the
 * modern API) `ipcMain`'s. One place, so a channel has one meaning whichever API listens on it.
 *
 * @module
 */
import { Emitter } from "../common/emitter.ts";

/** Listeners of the legacy `ipc` module: `(processId, routingId, ...args)` or sync `(event, …)`. */
export const legacyListeners: Emitter = new Emitter();

/** Calls `fn`, logging instead of throwing: a faulty listener must not crash the host. */
export function guard(what: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    console.error(`denotron: ${what} threw:`, error);
  }
}
