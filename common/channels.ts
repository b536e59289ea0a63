/**
 * Typed channels: one TypeScript type describes a set of channels, and both halves of the API
 * accept it as a type parameter (`ipcRenderer.typed<Channels>()`, `ipcMain.typed<Channels>()`,
 * `webContents.typed<Channels>()`), so a wrong channel name or argument type fails `deno check`.
 *
 * @example
 * ```ts
 * import type { ChannelMap } from "./channels.ts";
 * interface Channels extends ChannelMap {
 *   send: { log: [level: string, text: string] };          // renderer → browser, send/on
 *   sync: { config: () => { theme: string } };              // renderer → browser, sendSync
 *   invoke: { add: (a: number, b: number) => number };      // renderer → browser, invoke/handle
 *   push: { tick: [n: number] };                            // browser → renderer, send/on
 * }
 * ```
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type AnyArgs = any[];
// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;

/** The shape every channel description has; each part is optional. */
export interface ChannelMap {
  /** Renderer → browser async messages: channel → argument tuple. */
  send?: Record<string, AnyArgs>;
  /** Renderer → browser sync messages: channel → `(...args) => result`. */
  sync?: Record<string, AnyFn>;
  /** Renderer → browser invoke/handle: channel → `(...args) => result` (a value, a promise, or an async iterable / ReadableStream for a stream). */
  invoke?: Record<string, AnyFn>;
  /** Browser → renderer messages: channel → argument tuple. */
  push?: Record<string, AnyArgs>;
}

/** No description: every channel, any arguments. */
export interface Untyped extends ChannelMap {
  /** Any channel. */
  send: Record<string, AnyArgs>;
  /** Any channel. */
  sync: Record<string, AnyFn>;
  /** Any channel. */
  invoke: Record<string, AnyFn>;
  /** Any channel. */
  push: Record<string, AnyArgs>;
}

type Part<C extends ChannelMap, K extends keyof ChannelMap, D> = C[K] extends D ? C[K] : never;

/** The `send` part of `C`. */
export type SendChannels<C extends ChannelMap> = Part<C, "send", Record<string, AnyArgs>>;
/** The `sync` part of `C`. */
export type SyncChannels<C extends ChannelMap> = Part<C, "sync", Record<string, AnyFn>>;
/** The `invoke` part of `C`. */
export type InvokeChannels<C extends ChannelMap> = Part<C, "invoke", Record<string, AnyFn>>;
/** The `push` part of `C`. */
export type PushChannels<C extends ChannelMap> = Part<C, "push", Record<string, AnyArgs>>;

/** What a renderer's `invoke` resolves to when the handler returns `R`. */
export type InvokeResult<R, Stream> = Awaited<R> extends AsyncIterable<infer T>
  ? Stream & AsyncIterable<T>
  : Awaited<R> extends ReadableStream<infer T> ? Stream & AsyncIterable<T>
  : Awaited<R>;
