/**
 * What every renderer window sets up before its entry runs, whatever the transport: console
 * output and uncaught errors go to the browser (marked with the window there), and the global
 * `close()` closes the window through the host rather than vanishing silently.
 *
 * @module
 */
import type { ConsoleLevel } from "../common/protocol.ts";
import { LinkedChannel } from "../common/linked_channel.ts";
import type { RendererCore } from "./_core.ts";

const LEVELS: ConsoleLevel[] = ["log", "info", "warn", "error", "debug"];

/** Routes console, errors and `close()` of this global scope through `core`. */
export function installEnvironment(
  core: RendererCore,
  inspect: (value: unknown) => string,
): void {
  const format = (args: unknown[]) =>
    args.map((a) => typeof a === "string" ? a : inspect(a)).join(" ");
  for (const level of LEVELS) {
    console[level] = (...args: unknown[]) => core.console(level, format(args));
  }
  console.trace = (...args: unknown[]) =>
    core.console(
      "error",
      `Trace: ${format(args)}\n${new Error().stack?.split("\n").slice(2).join("\n")}`,
    );

  // Handled here so that an error in a listener does not end the renderer: like a web page, it
  // reports the error and keeps running.
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    core.reportError(event.error ?? event.message);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    core.reportError(event.reason);
  });
  Object.defineProperty(globalThis, "close", {
    value: () => core.close(),
    configurable: true,
    writable: true,
  });
}

/**
 * Makes this scope's `MessageChannel` one whose ports fire `close` when the other end closes (as
 * Electron's renderers do): where the host relays ports (page and process windows), a port the
 * app made and sent tells the host's end when the app closes the one it kept.
 */
export function installLinkedChannels(): void {
  Object.defineProperty(globalThis, "MessageChannel", {
    value: LinkedChannel,
    configurable: true,
    writable: true,
  });
}
