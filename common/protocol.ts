/**
 * The wire protocol between the browser (host) process and a renderer window, defined once and
 * imported by both halves. Every transport (worker, page, process) carries these same messages; a
 * transport only decides how bytes or clones move.
 *
 * Messages are small tuples rather than objects: they are created on the hot path and a tuple is
 * the cheapest thing to build and to clone.
 *
 * @module
 */

/** Message kinds. Numbers, so a frame stays small on every transport. */
export const Kind = {
  /** Async message on a channel, either direction: `[Send, channel, args]`. */
  Send: 0,
  /** Renderer blocks for the reply: `[Sync, seq, channel, args]`. */
  Sync: 1,
  /** Renderer awaits a promise: `[Invoke, id, channel, args]`. */
  Invoke: 2,
  /** Host answers an invoke: `[Reply, id, ok, value]`. */
  Reply: 3,
  /** Renderer console output: `[Console, level, text]`. */
  Console: 4,
  /** Renderer uncaught error: `[Error, ErrorInfo]`. */
  Error: 5,
  /** Either side ends the window: `[Close]`. */
  Close: 6,
  /** Renderer's entry has been evaluated; queued host messages may flow: `[Ready]`. */
  Ready: 7,
  /** Renderer abandons invoke `id` (abort, timeout, or a stream it stopped reading): `[Cancel, id]`. */
  Cancel: 8,
  /** Renderer can take `n` more chunks of stream `id`: `[Pull, id, n]`. */
  Pull: 9,
  /** One chunk of the stream answering invoke `id`: `[Chunk, id, value]`. */
  Chunk: 10,
  /** The stream answering invoke `id` ended, or failed: `[End, id, ok, ErrorInfo?]`. */
  End: 11,
  /**
   * Either side handled `n` more of the other's messages (flow control): `[Ack, n]`; `[Ack, n, 1]`
   * also asks for an acknowledgement back, soon (the sender is past half of a bound).
   */
  Ack: 12,
  /**
   * A message on relayed port `port`, either direction: `[PortMessage, port, data, ports?]`;
   * `ports` are ids of relayed ports sent with it. See {@linkcode PortId}.
   */
  PortMessage: 13,
  /** Relayed port `port` was closed on the sender's side, after its messages: `[PortClose, port]`. */
  PortClose: 14,
} as const;

/**
 * The id of a port relayed over a transport that cannot move MessagePorts (page and process
 * windows): the host holds the real end and the ids travel in its place. Each side picks ids for
 * the ports it sends: the host even ones, the renderer odd ones, so they never collide.
 */
export type PortId = number;

/** One of the {@linkcode Kind} values. */
export type KindValue = typeof Kind[keyof typeof Kind];

/** Console levels a renderer forwards. */
export type ConsoleLevel = "log" | "info" | "warn" | "error" | "debug";

/** An error as it crosses the wire: enough to rebuild it with its name, message and own fields. */
export interface ErrorInfo {
  /** The error's `name`, e.g. `TypeError`. */
  name: string;
  /** The error's `message`. */
  message: string;
  /** The error's stack, where known. */
  stack?: string;
  /** Own enumerable fields such as `code`, kept when they can be cloned. */
  props?: Record<string, unknown>;
}

/**
 * A message from a renderer to the host. `ports` are transferred with it, or relayed (their ids)
 * where the transport cannot move them.
 */
export type RendererMessage =
  | [kind: typeof Kind.Send, channel: string, args: unknown[], ports?: MessagePort[] | PortId[]]
  | [kind: typeof Kind.Sync, seq: number, channel: string, args: unknown[]]
  | [kind: typeof Kind.Invoke, id: number, channel: string, args: unknown[]]
  | [kind: typeof Kind.Console, level: ConsoleLevel, text: string]
  | [kind: typeof Kind.Error, error: ErrorInfo]
  | [kind: typeof Kind.Ready]
  | [kind: typeof Kind.Close]
  | [kind: typeof Kind.Cancel, id: number]
  | [kind: typeof Kind.Pull, id: number, n: number]
  | [kind: typeof Kind.Ack, n: number, ask?: 1]
  | PortMessage;

/** A message on a relayed port, or its end; the same both ways. */
export type PortMessage =
  | [kind: typeof Kind.PortMessage, port: PortId, data: unknown, ports?: PortId[]]
  | [kind: typeof Kind.PortClose, port: PortId];

/** A message from the host to a renderer. */
export type HostMessage =
  | [kind: typeof Kind.Send, channel: string, args: unknown[], ports?: MessagePort[] | PortId[]]
  | [kind: typeof Kind.Reply, id: number, ok: boolean, value: unknown, stream?: boolean]
  | [kind: typeof Kind.Chunk, id: number, value: unknown]
  | [kind: typeof Kind.End, id: number, ok: boolean, error?: ErrorInfo]
  | [kind: typeof Kind.Ack, n: number, ask?: 1]
  | [kind: typeof Kind.Close]
  | PortMessage;

/**
 * The answer to a sync call: `[seq, true, value]`, or `[seq, false, ErrorInfo]` when the call
 * failed (no listener, handler threw, timeout, window closing).
 */
export type SyncReply = [seq: number, ok: boolean, value: unknown];

/** The channel `send(...args)` uses. */
export const MESSAGE_CHANNEL = "message";
/** The channel `sendSync(...args)` uses. */
export const SYNC_MESSAGE_CHANNEL = "sync-message";
/** The routing id of a window's top-level frame. */
export const TOP_FRAME_ROUTING_ID = 1;
/** How many chunks of a stream a renderer lets the host send ahead of what it has read. */
export const STREAM_WINDOW = 16;
/** How long a sync call waits for `event.result` before it fails, by default. */
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000;
/**
 * How long a script window's renderer may leave the host's heartbeat unanswered before the window
 * is `unresponsive`, by default, in ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_UNRESPONSIVE_TIMEOUT_MS } from "./protocol.ts";
 * const options = { unresponsiveTimeout: DEFAULT_UNRESPONSIVE_TIMEOUT_MS / 2 }; // 5 s
 * ```
 */
export const DEFAULT_UNRESPONSIVE_TIMEOUT_MS = 10_000;
/**
 * How often the host pings a script window's renderer that has been quiet, in ms, for an
 * `unresponsiveTimeout` of `timeout` ms: a quarter of it, within 10 ms and 1 s. A renderer that
 * stops is reported at most `timeout` plus this after its last sign of life.
 *
 * @example
 * ```ts
 * import { pingInterval } from "./protocol.ts";
 * pingInterval(10_000); // 1_000
 * ```
 */
export function pingInterval(timeout: number): number {
  return Math.max(10, Math.min(1_000, timeout / 4));
}
/**
 * Extra time a blocked renderer waits beyond the host's timeout: the host's own timer normally
 * answers first with a clear error; the renderer's is the backstop when the host cannot answer.
 */
export const RENDERER_TIMEOUT_GRACE_MS = 2_000;

/**
 * Whether a host message answers the renderer's own call (a reply, a stream's chunk or end) or
 * acknowledges its messages: what may reach a renderer before its entry has run, since an entry
 * may await a call at its top level.
 *
 * @example
 * ```ts
 * import { isAnswer, Kind } from "./protocol.ts";
 * isAnswer([Kind.Reply, 1, true, 42]); // true
 * isAnswer([Kind.Send, "tick", []]); // false
 * ```
 */
export function isAnswer(m: HostMessage): boolean {
  return m[0] === Kind.Reply || m[0] === Kind.Chunk || m[0] === Kind.End || m[0] === Kind.Ack;
}

/**
 * Whether a host message still means something to a renderer that started over in the same
 * window (a page that reloaded itself): not an answer to the old renderer's calls (see
 * {@linkcode isAnswer}), nor traffic of its relayed ports.
 *
 * @example
 * ```ts
 * import { isForAnyRenderer, Kind } from "./protocol.ts";
 * isForAnyRenderer([Kind.Send, "tick", []]); // true
 * isForAnyRenderer([Kind.Reply, 1, true, 42]); // false
 * ```
 */
export function isForAnyRenderer(m: HostMessage): boolean {
  return !isAnswer(m) && m[0] !== Kind.PortMessage && m[0] !== Kind.PortClose;
}
