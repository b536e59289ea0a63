import type { HostMessage, RendererMessage, SyncReply } from "../common/protocol.ts";

/**
 * The host's end of one window's transport, the mirror of `renderer/_transport.ts`. Each window
 * kind (worker, page, process) implements it; the core never looks behind it.
 */
export interface RendererConnection {
  /**
   * Whether MessagePorts travel natively (a worker's); if not, the core relays them over this
   * connection (see `common/port_relay.ts`).
   */
  readonly movesPorts?: boolean;
  /**
   * Delivers `messages` to the renderer, in order, moving `transfer` (ports, buffers) where the
   * transport can. Throws a `DataCloneError` synchronously.
   */
  post(messages: HostMessage[], transfer?: Transferable[]): void;
  /** Answers the renderer's blocked sync call (`reply[0]` is its seq) and wakes it. */
  replySync(reply: SyncReply): void;
  /** Ends the renderer at once, whatever it is doing. */
  destroy(): Promise<void>;
}

/** What a connection reports to the core. */
export interface ConnectionSink {
  /** Messages from the renderer, in the order it sent them. */
  receive(messages: RendererMessage[]): void;
  /** The renderer went away by itself (crash, exit, page closed); `reason` ends error messages. */
  exited(reason: string): void;
  /**
   * The renderer started over in the same window (a page reloaded itself): what was the old
   * renderer's alone ends with it; `reason` ends error messages.
   */
  restarted(reason: string): void;
}
