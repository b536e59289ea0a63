/**
 * `contextBridge`, with Electron's name, so preload scripts port unchanged. A denotron renderer
 * has no separate isolated world: the preload and the page share one global scope, so exposing
 * an API is defining a global — frozen, and never over an existing one.
 *
 * @module
 */

/** Electron's `contextBridge`. */
export interface ContextBridge {
  /** Makes `api` available to the window's scripts as `globalThis[apiKey]` (`window.apiKey`). */
  exposeInMainWorld(apiKey: string, api: unknown): void;
}

/**
 * Electron's `contextBridge`.
 *
 * @example
 * ```ts ignore
 * // preload.ts
 * import { contextBridge, ipcRenderer } from "denotron/renderer";
 * contextBridge.exposeInMainWorld("electronAPI", {
 *   setTitle: (title: string) => ipcRenderer.send("set-title", title),
 * });
 * ```
 */
export const contextBridge: ContextBridge = {
  exposeInMainWorld(apiKey, api) {
    if (typeof apiKey !== "string" || apiKey === "") {
      throw new TypeError("contextBridge.exposeInMainWorld: the key must be a non-empty string");
    }
    if (apiKey in globalThis) {
      throw new Error(`contextBridge.exposeInMainWorld: "${apiKey}" is already defined`);
    }
    Object.defineProperty(globalThis, apiKey, {
      value: typeof api === "object" && api !== null ? Object.freeze(api) : api,
      enumerable: true,
    });
  },
};
