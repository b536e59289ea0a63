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

/**
 * The arguments of one message channel (a `send` or `push` entry of a {@linkcode ChannelMap}): a
 * tuple, labelled or not, of the values sent on the channel.
 *
 * @example
 * ```ts ignore
 * import type { AnyArgs } from "denotron/renderer";
 * type LogArgs = [level: string, text: string] extends AnyArgs ? "ok" : never; // "ok"
 * ```
 */
// deno-lint-ignore no-explicit-any
export type AnyArgs = any[];
/**
 * The signature of one call channel (a `sync` or `invoke` entry of a {@linkcode ChannelMap}): its
 * parameters are what the renderer sends, its return type what the browser answers with.
 *
 * @example
 * ```ts ignore
 * import type { AnyFn } from "denotron/renderer";
 * type Add = (a: number, b: number) => number;
 * type IsCall = Add extends AnyFn ? "ok" : never; // "ok"
 * ```
 */
// deno-lint-ignore no-explicit-any
export type AnyFn = (...args: any[]) => any;

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

/**
 * The channel description used when none is given: every channel name is allowed in each
 * direction and kind, with any arguments and any result. `ipcMain`, `ipcRenderer` and
 * `webContents` are typed by it until `.typed<Channels>()` narrows them.
 *
 * @example
 * ```ts ignore
 * import type { IpcRenderer, Untyped } from "denotron/renderer";
 * declare const untyped: IpcRenderer<Untyped>; // the same as IpcRenderer
 * untyped.send("any-channel", 1, "two", { three: 3 });
 * ```
 */
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

/**
 * One part `K` (`send`, `sync`, `invoke` or `push`) of the channel description `C`, if it has the
 * shape `D` that part must have; `never` (no channels) when `C` leaves that part out.
 *
 * @example
 * ```ts ignore
 * import type { AnyFn, ChannelMap, ChannelPart } from "denotron/renderer";
 * interface Channels extends ChannelMap {
 *   invoke: { add: (a: number, b: number) => number };
 * }
 * type Invoke = ChannelPart<Channels, "invoke", Record<string, AnyFn>>; // { add: … }
 * type Sync = ChannelPart<Channels, "sync", Record<string, AnyFn>>; // never
 * ```
 */
export type ChannelPart<C extends ChannelMap, K extends keyof ChannelMap, D> = C[K] extends D ? C[K]
  : never;

/**
 * The `send` part of the channel description `C`: the channels a renderer sends on with
 * `ipcRenderer.send` (and the browser listens on with `ipcMain.on`), each mapped to its argument
 * tuple.
 *
 * @example
 * ```ts ignore
 * import type { ChannelMap, SendChannels } from "denotron/renderer";
 * interface Channels extends ChannelMap {
 *   send: { log: [level: string, text: string] };
 * }
 * type LogArgs = SendChannels<Channels>["log"]; // [level: string, text: string]
 * ```
 */
export type SendChannels<C extends ChannelMap> = ChannelPart<C, "send", Record<string, AnyArgs>>;
/**
 * The `sync` part of the channel description `C`: the channels a renderer calls with
 * `ipcRenderer.sendSync` (blocking until the browser's `ipcMain.on` listener sets
 * `event.returnValue`), each mapped to `(...args) => result`.
 *
 * @example
 * ```ts ignore
 * import type { ChannelMap, SyncChannels } from "denotron/renderer";
 * interface Channels extends ChannelMap {
 *   sync: { config: () => { theme: string } };
 * }
 * type Config = ReturnType<SyncChannels<Channels>["config"]>; // { theme: string }
 * ```
 */
export type SyncChannels<C extends ChannelMap> = ChannelPart<C, "sync", Record<string, AnyFn>>;
/**
 * The `invoke` part of the channel description `C`: the channels a renderer calls with
 * `ipcRenderer.invoke` and the browser answers with `ipcMain.handle`, each mapped to
 * `(...args) => result`.
 *
 * @example
 * ```ts ignore
 * import type { ChannelMap, InvokeChannels } from "denotron/renderer";
 * interface Channels extends ChannelMap {
 *   invoke: { add: (a: number, b: number) => number };
 * }
 * type AddArgs = Parameters<InvokeChannels<Channels>["add"]>; // [a: number, b: number]
 * ```
 */
export type InvokeChannels<C extends ChannelMap> = ChannelPart<
  C,
  "invoke",
  Record<string, AnyFn>
>;
/**
 * The `push` part of the channel description `C`: the channels the browser sends on to a window
 * with `webContents.send` (and the renderer listens on with `ipcRenderer.on`), each mapped to its
 * argument tuple.
 *
 * @example
 * ```ts ignore
 * import type { ChannelMap, PushChannels } from "denotron/browser";
 * interface Channels extends ChannelMap {
 *   push: { tick: [n: number] };
 * }
 * type TickArgs = PushChannels<Channels>["tick"]; // [n: number]
 * ```
 */
export type PushChannels<C extends ChannelMap> = ChannelPart<C, "push", Record<string, AnyArgs>>;

/**
 * What a renderer's `ipcRenderer.invoke` resolves to when the browser's handler returns `R`: the
 * awaited value, or — when the handler returns an async iterable or a `ReadableStream` of `T` — a
 * `Stream` (an `IpcStream`) that yields the chunks of type `T` as they arrive.
 *
 * @example
 * ```ts ignore
 * import type { InvokeResult, IpcStream } from "denotron/renderer";
 * type Sum = InvokeResult<Promise<number>, IpcStream>; // number
 * type Ticks = InvokeResult<AsyncIterable<number>, IpcStream>; // IpcStream & AsyncIterable<number>
 * ```
 */
export type InvokeResult<R, Stream> = Awaited<R> extends AsyncIterable<infer T>
  ? Stream & AsyncIterable<T>
  : Awaited<R> extends ReadableStream<infer T> ? Stream & AsyncIterable<T>
  : Awaited<R>;
