/**
 * Bounds what one side has sent and the other has not yet taken, so a side that floods (or one
 * that stops reading) cannot grow the other's memory without limit. The receiver acknowledges
 * how many messages it has handled (`[Ack, n]`); the sender counts messages and their estimated
 * bytes until then, and refuses new messages with a clear error past the bounds.
 *
 * @module
 */

/** Default bound on messages sent but not yet handled by the other side. */
export const DEFAULT_MAX_PENDING_MESSAGES = 4_000_000;
/** Default bound on the estimated bytes of those messages. */
export const DEFAULT_MAX_PENDING_BYTES = 1024 * 1024 * 1024;

/** Messages (and bytes) in flight from one side to the other. */
export class InFlight {
  /** Sent (or queued to send) and not yet acknowledged. */
  messages = 0;
  /** Their estimated size. */
  bytes = 0;
  readonly maxMessages: number;
  readonly maxBytes: number;
  // [count, bytes] per batch, oldest first, so acknowledgements release the right bytes.
  #batches: number[] = [];
  #head = 0;
  #openCount = 0;
  #openBytes = 0;

  constructor(maxMessages = DEFAULT_MAX_PENDING_MESSAGES, maxBytes = DEFAULT_MAX_PENDING_BYTES) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  /** Throws a clear error if one more message of `bytes` would pass a bound. */
  check(api: string, channel: string, bytes: number, windowId: number, peer: string): void {
    if (this.messages + 1 <= this.maxMessages && this.bytes + bytes <= this.maxBytes) return;
    throw Object.assign(
      new Error(
        `${api} on channel "${channel}": window ${windowId} already has ${this.messages} messages (${this.bytes} bytes) that the ${peer} has not handled yet (limits: ${this.maxMessages} messages, ${this.maxBytes} bytes); wait for it to catch up`,
      ),
      { code: "ERR_BACKPRESSURE" },
    );
  }

  /** Counts one more message of `bytes` in the current batch. */
  add(bytes: number): void {
    this.messages++;
    this.bytes += bytes;
    this.#openCount++;
    this.#openBytes += bytes;
  }

  /** Closes the current batch (it has been posted). */
  seal(): void {
    if (this.#openCount === 0) return;
    this.#batches.push(this.#openCount, this.#openBytes);
    this.#openCount = 0;
    this.#openBytes = 0;
  }

  /** Starts counting over: the other side was replaced and will acknowledge nothing sent before. */
  reset(): void {
    this.messages = 0;
    this.bytes = 0;
    this.#batches = [];
    this.#head = 0;
    this.#openCount = 0;
    this.#openBytes = 0;
  }

  /** The other side handled `n` more messages. */
  ack(n: number): void {
    // More than was sent comes only from a misbehaving peer: it must not lift the bounds.
    if (n > this.messages) n = this.messages;
    this.messages -= n;
    while (n > 0 && this.#head < this.#batches.length) {
      const count = this.#batches[this.#head];
      const bytes = this.#batches[this.#head + 1];
      if (n >= count) {
        this.bytes -= bytes;
        n -= count;
        this.#head += 2;
      } else {
        const released = Math.floor(bytes * n / count);
        this.bytes -= released;
        this.#batches[this.#head] = count - n;
        this.#batches[this.#head + 1] = bytes - released;
        n = 0;
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#batches.length) {
      this.#batches = this.#batches.slice(this.#head);
      this.#head = 0;
    }
  }
}
