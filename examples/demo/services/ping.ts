/**
 * The ping panel's other half, in the seed's legacy `ipc` style: every message on the
 * `"message"` channel goes straight back to the window that sent it.
 *
 * @module
 */
import { ipc } from "denotron/browser";

/** Echoes each legacy `ipc.send(...)` back to its sender, arguments untouched. */
export function servePing(): void {
  ipc.on("message", (processId: number, routingId: number, ...args: unknown[]) => {
    ipc.send(processId, routingId, ...args);
  });
}
