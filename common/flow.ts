/**
 * One side's admission and acknowledgement of ipc messages, shared by both halves of the core:
 * the window's channel policy and size limit are checked before a message is queued, what is in
 * flight is bounded ({@linkcode InFlight}), and what arrived is acknowledged — riding on the next
 * outgoing batch, so a ping-pong pays no extra message for it.
 *
 * Acknowledgements are only needed for the in-flight bounds, so a receiver sends one of its own
 * only when the sender asks (a side past half of a bound marks each batch it sends) or after
 * many messages. A fan-out to a hundred windows costs no timer and no message back per window.
 *
 * @module
 */
import { InFlight } from "./in_flight.ts";
import { type ChannelKind, estimateSize, Policy } from "./policy.ts";
import { Kind } from "./protocol.ts";

/** Acknowledge at once after this many unacknowledged messages, even unasked. */
const ACK_EVERY = 4096;

/** The acknowledgement a batch carries: `[Ack, n]`, or `[Ack, n, 1]` asking for one back. */
export type AckMessage = [kind: typeof Kind.Ack, n: number, ask?: 1];

/** Limits of a window's ipc (all optional; defaults are generous). */
export interface FlowLimits {
  /** See {@linkcode Policy}. */
  channels?: ConstructorParameters<typeof Policy>[0];
  /** Largest message in bytes (estimated). */
  maxMessageSize?: number;
  /** Most messages in flight, sent but not yet handled by the other side. */
  maxPendingMessages?: number;
  /** Most estimated bytes in flight. */
  maxPendingBytes?: number;
}

/** Admission and acknowledgement for one side of one window. */
export class Flow {
  readonly policy: Policy;
  readonly inFlight: InFlight;
  readonly #windowId: number;
  readonly #peer: string;
  readonly #requestFlush: () => void;
  #ackPending = 0;

  constructor(windowId: number, peer: string, limits: FlowLimits, requestFlush: () => void) {
    this.#windowId = windowId;
    this.#peer = peer;
    this.#requestFlush = requestFlush;
    this.policy = new Policy(limits.channels, limits.maxMessageSize);
    this.inFlight = new InFlight(limits.maxPendingMessages, limits.maxPendingBytes);
  }

  /**
   * Checks a message on `channel` carrying `args` against the policy, the size limit and the
   * in-flight bounds; throws a clear error, or counts it in flight and returns.
   */
  admit(api: string, kind: ChannelKind, channel: string, args: unknown): void {
    this.policy.check(api, kind, channel, this.#windowId);
    const max = this.policy.maxMessageSize;
    const bytes = estimateSize(args, max);
    if (bytes > max) this.policy.checkSize(api, channel, args, this.#windowId);
    this.inFlight.check(api, channel, bytes, this.#windowId, this.#peer);
    this.inFlight.add(bytes);
  }

  /**
   * Checks a message on relayed port `port` against the size limit and the in-flight bounds (a
   * port is no channel: the channel policy admitted it when it was sent); throws a clear error,
   * or counts it in flight and returns.
   */
  admitPort(api: string, port: string, data: unknown): void {
    const max = this.policy.maxMessageSize;
    const bytes = estimateSize(data, max);
    if (bytes > max) this.policy.checkSize(api, port, data, this.#windowId);
    this.inFlight.check(api, port, bytes, this.#windowId, this.#peer);
    this.inFlight.add(bytes);
  }

  /** Counts a control message (no channel, no limits) in flight. */
  count(): void {
    this.inFlight.add(0);
  }

  /**
   * `n` messages from the other side were handled, from a batch that did (`asked`) or did not
   * ask for an acknowledgement: acknowledge them with the next batch, or now if asked.
   */
  received(n: number, asked: boolean): void {
    this.#ackPending += n;
    if (this.#ackPending >= ACK_EVERY || (asked && this.#ackPending > 0)) this.#requestFlush();
  }

  /**
   * The acknowledgement for the next batch: what this side handled, and a request for one back
   * when this side is past half of a bound (so the other side answers before this one is
   * refused); undefined when there is neither.
   *
   * @example
   * ```ts ignore
   * const ack = flow.takeAck();
   * if (ack) queue.push(ack);
   * ```
   */
  takeAck(): AckMessage | undefined {
    const n = this.#ackPending;
    const { messages, bytes, maxMessages, maxBytes } = this.inFlight;
    const ask = messages * 2 > maxMessages || bytes * 2 > maxBytes;
    if (n === 0 && !ask) return undefined;
    this.#ackPending = 0;
    return ask ? [Kind.Ack, n, 1] : [Kind.Ack, n];
  }
}
