/**
 * One side's admission and acknowledgement of ipc messages, shared by both halves of the core:
 * the window's channel policy and size limit are checked before a message is queued, what is in
 * flight is bounded ({@linkcode InFlight}), and what arrived is acknowledged — lazily, riding on
 * the next outgoing batch, so a ping-pong pays no extra message for it.
 *
 * @module
 */
import { InFlight } from "./in_flight.ts";
import { type ChannelKind, estimateSize, Policy } from "./policy.ts";

/** Acknowledge at once after this many unacknowledged messages... */
const ACK_EVERY = 4096;
/** ...or after this long, when nothing else is sent meanwhile. */
const ACK_DELAY_MS = 20;

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
  #ackTimer: ReturnType<typeof setTimeout> | undefined;

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

  /** Counts a control message (no channel, no limits) in flight. */
  count(): void {
    this.inFlight.add(0);
  }

  /** `n` messages from the other side were handled: acknowledge them soon. */
  received(n: number): void {
    this.#ackPending += n;
    if (this.#ackPending >= ACK_EVERY) this.#requestFlush();
    else if (this.#ackTimer === undefined) {
      this.#ackTimer = setTimeout(() => {
        this.#ackTimer = undefined;
        if (this.#ackPending > 0) this.#requestFlush();
      }, ACK_DELAY_MS);
      // A pending acknowledgement must not keep a process alive.
      (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(
        this.#ackTimer as unknown as number,
      );
    }
  }

  /** The acknowledgement to send with the next batch (0: none). */
  takeAck(): number {
    const n = this.#ackPending;
    this.#ackPending = 0;
    return n;
  }

  /** Stops the acknowledgement timer (the window is closing). */
  stop(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
  }
}
