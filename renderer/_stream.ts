/**
 * The renderer's end of a stream that a `handle` handler returned: an async iterable with
 * credit-based backpressure (the host sends at most {@linkcode STREAM_WINDOW} chunks ahead of what
 * has been read) whose `return()` — a `break` out of `for await` — cancels the producer.
 *
 * @module
 */
import { fromErrorInfo } from "../common/errors.ts";
import { type ErrorInfo, STREAM_WINDOW } from "../common/protocol.ts";

type Step<T> = { value: T; done: false } | { value: undefined; done: true };

/**
 * What `invoke` resolves to when the handler returned an async iterable or a `ReadableStream`.
 *
 * @example
 * ```ts ignore
 * import { ipcRenderer } from "denotron/renderer";
 * const ticks = await ipcRenderer.invoke("ticks") as IpcStream<number>;
 * for await (const tick of ticks) if (tick > 10) break; // break cancels the producer
 * ```
 */
export class IpcStream<T = unknown> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  readonly #pull: (n: number) => void;
  readonly #cancel: () => void;
  readonly #context: string;
  #waiting: PromiseWithResolvers<Step<T>> | undefined;
  #ended = false;
  #error: Error | undefined;
  #outstanding = STREAM_WINDOW;

  /** @internal Made by the renderer core when a reply says a stream follows. */
  constructor(context: string, pull: (n: number) => void, cancel: () => void) {
    this.#context = context;
    this.#pull = pull;
    this.#cancel = cancel;
  }

  /** @internal A chunk arrived. */
  _chunk(value: T): void {
    this.#outstanding--;
    if (this.#waiting) {
      this.#waiting.resolve({ value, done: false });
      this.#waiting = undefined;
      this.#credit();
    } else this.#buffer.push(value);
  }

  /** @internal The producer finished, or failed. */
  _end(ok: boolean, error?: ErrorInfo): void {
    this.#ended = true;
    if (!ok) this.#error = fromErrorInfo(error!, this.#context);
    if (this.#waiting) {
      if (this.#error) this.#waiting.reject(this.#error);
      else this.#waiting.resolve({ value: undefined, done: true });
      this.#waiting = undefined;
    }
  }

  /** The next chunk, waiting for it if needed. */
  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) {
      const value = this.#buffer.shift()!;
      this.#credit();
      return Promise.resolve({ value, done: false });
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    this.#waiting = Promise.withResolvers();
    return this.#waiting.promise;
  }

  /** Stops reading: the producer is cancelled (its iterator's `return()`, or the stream's `cancel()`). */
  return(): Promise<IteratorResult<T>> {
    if (!this.#ended) {
      this.#ended = true;
      this.#buffer.length = 0;
      this.#cancel();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  /** This stream itself, so that `for await (const chunk of stream)` reads its chunks. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  // Grant more chunks once half the window has been read, so the producer rarely waits.
  #credit(): void {
    if (this.#ended) return;
    const inFlight = this.#outstanding + this.#buffer.length;
    if (inFlight <= STREAM_WINDOW / 2) {
      const more = STREAM_WINDOW - inFlight;
      this.#outstanding += more;
      this.#pull(more);
    }
  }
}
