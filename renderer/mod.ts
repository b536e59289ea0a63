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
