/**
 * The renderer half of the ipc core: one per window, shared by the legacy `ipc` module and the
 * modern API. The browser half (`browser/_renderer_host.ts`) mirrors it.
 *
 * Async messages are batched per tick (one transport post carries many), copied at send time so
 * batching cannot leak later mutations; sync messages flush the batch first, so a `sendSync`
 * issued after a burst of `send`s is handled after all of them.
 *
 * @module
 */
import { Emitter } from "../common/emitter.ts";
import { assertChannel, cloneError, fromErrorInfo, toErrorInfo } from "../common/errors.ts";
import {
  type ConsoleLevel,
  type ErrorInfo,
  type HostMessage,
  Kind,
  RENDERER_TIMEOUT_GRACE_MS,
  type RendererMessage,
} from "../common/protocol.ts";
import { snapshot } from "../common/snapshot.ts";
import { Flow } from "../common/flow.ts";
import { IpcStream } from "./_stream.ts";
import type { RendererInit, RendererTransport } from "./_transport.ts";

/** Most messages in one transport post: a longer burst is split, so both sides work at once. */
const BATCH_MAX = 4096;

/** Options of an `invoke` call. */
export interface InvokeOptions {
  /** Aborting it rejects the call here and aborts the handler's `event.signal` in the browser. */
  signal?: AbortSignal;
  /** A deadline in ms: past it the call rejects with a `TimeoutError` and is cancelled. */
  timeout?: number;
}

interface PendingInvoke {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  context: string;
  stream?: IpcStream;
  cleanup?: () => void;
}

/** The renderer side of one window's ipc. */
export class RendererCore {
  /** Legacy `ipc` listeners, by channel: they receive the arguments only. */
  readonly listeners: Emitter = new Emitter();
  /** `ipcRenderer` listeners, by channel: they receive `(event, ...args)`. */
  readonly eventListeners: Emitter = new Emitter();
  /** Makes the event `ipcRenderer` listeners receive; set by the `ipcRenderer` module. */
  createEvent: (ports: MessagePort[]) => unknown = (ports) => ({ ports });
  readonly id: number;
  readonly #transport: RendererTransport;
  readonly #syncTimeout: number;
  #queue: RendererMessage[] = [];
  #flushScheduled = false;
  readonly #flow: Flow;
  #seq = 0;
  #invokeSeq = 0;
  readonly #invokes = new Map<number, PendingInvoke>();
  #closed = false;

  constructor(transport: RendererTransport, init: RendererInit) {
    this.#transport = transport;
    this.id = init.id;
    this.#syncTimeout = init.syncTimeout;
    this.#flow = new Flow(init.id, "browser", init.limits ?? {}, () => this.#schedule());
    transport.listen((messages) => this.#receive(messages));
  }

  /** Queues an async message on `channel`. */
  send(api: string, channel: string, args: unknown[]): void {
    assertChannel(api, channel);
    this.#assertOpen(api, channel);
    this.#flow.admit(api, "send", channel, args);
    const copy = snapshot(args, api, channel);
    if (copy) return this.#enqueue([Kind.Send, channel, copy]);
    this.flush();
    this.#post(api, channel, [Kind.Send, channel, args]);
  }

  #enqueue(message: RendererMessage): void {
    // A long burst goes out in batches of BATCH_MAX, so the other side works on one while this
    // side fills the next (order is unchanged: batches are posted in order).
    if (this.#queue.push(message) >= BATCH_MAX) this.flush();
    else this.#schedule();
  }

  #schedule(): void {
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.flush);
    }
  }

  /** Queues a control message (counted in flight, outside any channel's limits). */
  #control(message: RendererMessage): void {
    this.#flow.count();
    this.#enqueue(message);
  }

  #cancel(id: number): void {
    if (!this.#closed) this.#control([Kind.Cancel, id]);
  }

  /** Sends `message` on `channel` with `transfer` (MessagePorts, ArrayBuffers) moved, not copied. */
  postMessage(api: string, channel: string, message: unknown, transfer: Transferable[]): void {
    assertChannel(api, channel);
    this.#assertOpen(api, channel);
    this.#flow.admit(api, "send", channel, message);
    const ports = transfer.filter((t): t is MessagePort => t instanceof MessagePort);
    this.flush();
    this.#post(api, channel, [Kind.Send, channel, [message], ports], transfer);
  }

  /** Calls the browser's handler for `channel`; resolves with its result (or a stream). */
  invoke(api: string, channel: string, args: unknown[], options?: InvokeOptions): Promise<unknown> {
    try {
      assertChannel(api, channel);
      this.#assertOpen(api, channel);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      this.#flow.admit(api, "invoke", channel, args);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = ++this.#invokeSeq;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const call: PendingInvoke = { resolve, reject, context: `${api} on channel "${channel}"` };
    this.#invokes.set(id, call);
    try {
      const copy = snapshot(args, api, channel);
      if (copy) this.#enqueue([Kind.Invoke, id, channel, copy]);
      else {
        this.flush();
        this.#post(api, channel, [Kind.Invoke, id, channel, args]);
      }
    } catch (error) {
      this.#invokes.delete(id);
      return Promise.reject(error);
    }
    if (signal || options?.timeout !== undefined) {
      const cancel = (reason: unknown) => {
        if (!this.#invokes.has(id)) return;
        this.#invokes.delete(id);
        this.#cancel(id);
        reject(reason);
      };
      const onAbort = () => cancel(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      const timer = options?.timeout === undefined ? undefined : setTimeout(
        () =>
          cancel(
            new DOMException(
              `${call.context} timed out after ${options.timeout} ms`,
              "TimeoutError",
            ),
          ),
        options.timeout,
      );
      call.cleanup = () => {
        signal?.removeEventListener("abort", onAbort);
        clearTimeout(timer);
      };
    }
    return promise;
  }

  /** Sends on `channel` and blocks until the browser answers; returns its result or throws. */
  sendSync(api: string, channel: string, args: unknown[]): unknown {
    assertChannel(api, channel);
    this.#assertOpen(api, channel);
    snapshot(args, api, channel); // refuses functions and symbols with the channel named
    this.#flow.admit(api, "sync", channel, args);
    this.flush();
    const seq = ++this.#seq;
    this.#post(api, channel, [Kind.Sync, seq, channel, args]);
    const [, ok, value] = this.#transport.waitSync(
      seq,
      this.#syncTimeout + RENDERER_TIMEOUT_GRACE_MS,
    );
    if (ok) return value;
    throw fromErrorInfo(value as ErrorInfo, `${api} on channel "${channel}"`);
  }

  /** Reports console output to the browser's terminal. */
  console(level: ConsoleLevel, text: string): void {
    if (this.#closed) return;
    this.#control([Kind.Console, level, text]);
    this.flush();
  }

  /** Reports an uncaught error to the browser. */
  reportError(error: unknown): void {
    if (this.#closed) return;
    this.#control([Kind.Error, toErrorInfo(error)]);
    this.flush();
  }

  /** Tells the browser the window's entry has run: messages it queued may now be delivered. */
  ready(): void {
    this.#control([Kind.Ready]);
    this.flush();
  }

  /** Closes the window from inside, after everything sent so far. */
  close(): void {
    if (this.#closed) return;
    this.#control([Kind.Close]);
    this.flush();
    this.#closed = true;
    this.#flow.stop();
    for (const [id, call] of this.#invokes) {
      this.#invokes.delete(id);
      call.cleanup?.();
      call.reject(new Error(`${call.context}: window ${this.id} is closed`));
    }
    this.#transport.close();
  }

  /** Posts every queued message now. */
  readonly flush = (): void => {
    this.#flushScheduled = false;
    const ack = this.#flow.takeAck();
    if (ack > 0) this.#queue.push([Kind.Ack, ack]);
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#flow.inFlight.seal();
    this.#transport.post(batch);
  };

  #post(api: string, channel: string, message: RendererMessage, transfer?: Transferable[]): void {
    this.#flow.inFlight.seal();
    try {
      this.#transport.post([message], transfer);
    } catch (error) {
      throw error instanceof DOMException && error.name === "DataCloneError"
        ? cloneError(api, channel, error)
        : error;
    }
  }

  #reply(id: number, ok: boolean, value: unknown, stream?: boolean): void {
    const call = this.#invokes.get(id);
    if (!call) return; // cancelled here already
    call.cleanup?.();
    if (!ok) {
      this.#invokes.delete(id);
      call.reject(fromErrorInfo(value as ErrorInfo, call.context));
    } else if (stream) {
      call.stream = new IpcStream(
        call.context,
        (n) => this.#enqueue([Kind.Pull, id, n]),
        () => {
          this.#invokes.delete(id);
          this.#cancel(id);
        },
      );
      call.resolve(call.stream);
    } else {
      this.#invokes.delete(id);
      call.resolve(value);
    }
  }

  #assertOpen(api: string, channel: string): void {
    if (this.#closed) {
      throw new Error(`${api} on channel "${channel}": window ${this.id} is closed`);
    }
  }

  #receive(messages: HostMessage[]): void {
    let handled = 0;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      if (m[0] === Kind.Ack) {
        this.#flow.inFlight.ack(m[1]);
        continue;
      }
      handled++;
      try {
        switch (m[0]) {
          case Kind.Send:
            this.listeners.emitArgs(m[1], m[2]);
            if (this.eventListeners.listenerCount(m[1]) > 0) {
              this.eventListeners.emitArgs(m[1], [this.createEvent(m[3] ?? []), ...m[2]]);
            }
            break;
          case Kind.Reply:
            this.#reply(m[1], m[2], m[3], m[4]);
            break;
          case Kind.Chunk:
            this.#invokes.get(m[1])?.stream?._chunk(m[2]);
            break;
          case Kind.End: {
            const call = this.#invokes.get(m[1]);
            this.#invokes.delete(m[1]);
            call?.stream?._end(m[2], m[3]);
            break;
          }
          case Kind.Close:
            this.close();
            break;
        }
      } catch (error) {
        // A listener's error must not swallow the rest of the batch: report it as uncaught.
        globalThis.reportError(error);
      }
    }
    if (handled > 0 && !this.#closed) this.#flow.received(handled);
  }
}

let current: RendererCore | undefined;

/** Makes `core` the one this renderer's ipc modules use. Called once by the window's bootstrap. */
export function installCore(core: RendererCore): void {
  if (current) throw new Error("denotron: a renderer core is already installed");
  current = core;
}

/** The renderer core of this window; throws a clear error outside a renderer window. */
export function rendererCore(api: string): RendererCore {
  if (!current) {
    throw new Error(
      `${api}: not inside a denotron renderer window (import "denotron/browser" in the main process)`,
    );
  }
  return current;
}

/** Whether this code runs inside a renderer window. */
export function isRenderer(): boolean {
  return current !== undefined;
}
