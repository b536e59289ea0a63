import type { FlowLimits } from "../common/flow.ts";
import type { HostMessage, RendererMessage, SyncReply } from "../common/protocol.ts";

/**
 * The renderer's end of a transport. The core decides what to send and when; the transport only
 * moves messages. Each window kind (worker, page, process) has one.
 */
export interface RendererTransport {
  /**
   * Whether MessagePorts travel natively (a worker's); if not, the core relays them over this
   * transport (see `common/port_relay.ts`).
   */
  readonly movesPorts?: boolean;
  /**
   * Delivers `messages` to the host, in order, moving `transfer` (ports, buffers) where the
   * transport can. Throws a `DataCloneError` if one cannot travel.
   */
  post(messages: RendererMessage[], transfer?: Transferable[]): void;
  /**
   * Blocks the renderer until the host answers sync call `seq` (already posted), or until
   * `timeoutMs` passes, then returns the reply or throws.
   */
  waitSync(seq: number, timeoutMs: number): SyncReply;
  /** Hands the core's receiver to the transport; called once. */
  listen(receive: (messages: HostMessage[]) => void): void;
  /** Ends the renderer after pending messages have gone out. */
  close(): void;
}

/** What the host tells a renderer when it starts. */
export interface RendererInit {
  /** The window id (the `processId` the browser side sees). */
  id: number;
  /** How long a sync call may block, in ms. */
  syncTimeout: number;
  /** The window's channel policy and limits; none when not given. */
  limits?: FlowLimits;
  /** A page window's title, replacing the document's own once it is parsed. */
  title?: string;
}

/** The first message a worker window posts: where the host answers its sync calls. */
export interface WorkerHello {
  /** The sync cell (see `_worker_cell.ts`). */
  cell: SharedArrayBuffer;
}

/** How long a worker window waits for the host's answer to its hello. */
export const INIT_TIMEOUT_MS = 10_000;
