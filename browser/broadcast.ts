/**
 * Sending one message to many windows in one call.
 *
 * @module
 */
import { assertChannel } from "../common/errors.ts";
import { BrowserWindow } from "./browser_window.ts";
import type { WebContents } from "./web_contents.ts";

/**
 * Sends `args` on `channel` to every open window (or, with `filter`, to those it accepts), each
 * window's copy made once. Windows that cannot take it (closed meanwhile) are skipped; returns
 * how many windows it was sent to.
 *
 * @example
 * ```ts ignore
 * import { broadcast } from "denotron/browser";
 * broadcast("theme-changed", "dark");
 * broadcast({ filter: (wc) => wc.id !== 1 }, "theme-changed", "dark");
 * ```
 */
export function broadcast(channel: string, ...args: unknown[]): number;
/** Sends to the windows `options.filter` accepts. */
export function broadcast(
  options: { filter: (webContents: WebContents) => boolean },
  channel: string,
  ...args: unknown[]
): number;
export function broadcast(first: unknown, ...rest: unknown[]): number {
  const filter = typeof first === "object" && first !== null
    ? (first as { filter: (wc: WebContents) => boolean }).filter
    : undefined;
  const channel = (filter ? rest.shift() : first) as string;
  assertChannel("broadcast", channel);
  let sent = 0;
  for (const win of BrowserWindow.getAllWindows()) {
    if (win.isDestroyed() || (filter && !filter(win.webContents))) continue;
    win.webContents.send(channel, ...rest);
    sent++;
  }
  return sent;
}
