/**
 * The browser's end of a stream a `handle` handler returned: pulls from the handler's async
 * iterable (or `ReadableStream`) only while the renderer has granted credit, so a fast producer
 * cannot flood a slow reader, and cancels it when the renderer stops reading.
 *
 * @module
 */
import { toErrorInfo } from "../common/errors.ts";
import { type ErrorInfo, STREAM_WINDOW } from "../common/protocol.ts";

/** Whether a handler's result should be streamed rather than sent as one value. */
export function isStreamable(value: unknown): value is AsyncIterable<unknown> | ReadableStream {
  return typeof value === "object" && value !== null &&
    (Symbol.asyncIterator in value || value instanceof ReadableStream);
}

/** Pumps one stream to a renderer. */
export class StreamPump {
  readonly #iterator: AsyncIterator<unknown>;
  readonly #chunk: (value: unknown) => void;
  readonly #end: (ok: boolean, error?: ErrorInfo) => void;
  #credit = STREAM_WINDOW;
  #pumping = false;
  #done = false;

  constructor(
    source: AsyncIterable<unknown> | ReadableStream,
    chunk: (value: unknown) => void,
    end: (ok: boolean, error?: ErrorInfo) => void,
  ) {
    this.#iterator = source instanceof ReadableStream && !(Symbol.asyncIterator in source)
      ? readerIterator(source)
      : (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    this.#chunk = chunk;
    this.#end = end;
    this.#pump();
  }

  /** The renderer can take `n` more chunks. */
  pull(n: number): void {
    this.#credit += n;
    this.#pump();
  }

  /** The renderer stopped reading, or went away: stop the producer. */
  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.#iterator.return?.().catch(() => {});
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#credit > 0 && !this.#done) {
        const step = await this.#iterator.next();
        if (this.#done) return;
        if (step.done) {
          this.#done = true;
          this.#end(true);
          return;
        }
        this.#credit--;
        this.#chunk(step.value);
      }
    } catch (error) {
      if (!this.#done) {
        this.#done = true;
        this.#end(false, toErrorInfo(error));
      }
    } finally {
      this.#pumping = false;
    }
  }
}

function readerIterator(stream: ReadableStream): AsyncIterator<unknown> {
  const reader = stream.getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    return: async () => {
      await reader.cancel();
      return { value: undefined, done: true };
    },
  };
}
