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
import type { RendererInit, RendererTransport } from "./_transport.ts";

/** The renderer side of one window's ipc. */
export class RendererCore {
  /** Listeners for messages from the browser, by channel; they receive the arguments only. */
  readonly listeners: Emitter = new Emitter();
  readonly id: number;
  readonly #transport: RendererTransport;
  readonly #syncTimeout: number;
  #queue: RendererMessage[] = [];
  #flushScheduled = false;
  #seq = 0;
  #closed = false;

  constructor(transport: RendererTransport, init: RendererInit) {
    this.#transport = transport;
    this.id = init.id;
    this.#syncTimeout = init.syncTimeout;
    transport.listen((messages) => this.#receive(messages));
  }

  /** Queues an async message on `channel`. */
  send(api: string, channel: string, args: unknown[]): void {
    assertChannel(api, channel);
    this.#assertOpen(api, channel);
    const copy = snapshot(args, api, channel);
    if (copy) {
      this.#queue.push([Kind.Send, channel, copy]);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        queueMicrotask(this.flush);
      }
      return;
    }
    this.flush();
    this.#post(api, channel, [Kind.Send, channel, args]);
  }

  /** Sends on `channel` and blocks until the browser answers; returns its result or throws. */
  sendSync(api: string, channel: string, args: unknown[]): unknown {
    assertChannel(api, channel);
    this.#assertOpen(api, channel);
    snapshot(args, api, channel); // refuses functions and symbols with the channel named
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
    this.#queue.push([Kind.Console, level, text]);
    this.flush();
  }

  /** Reports an uncaught error to the browser. */
  reportError(error: unknown): void {
    if (this.#closed) return;
    this.#queue.push([Kind.Error, toErrorInfo(error)]);
    this.flush();
  }

  /** Tells the browser the window's entry has run: messages it queued may now be delivered. */
  ready(): void {
    this.#queue.push([Kind.Ready]);
    this.flush();
  }

  /** Closes the window from inside, after everything sent so far. */
  close(): void {
    if (this.#closed) return;
    this.#queue.push([Kind.Close]);
    this.flush();
    this.#closed = true;
    this.#transport.close();
  }

  /** Posts every queued message now. */
  readonly flush = (): void => {
    this.#flushScheduled = false;
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#transport.post(batch);
  };

  #post(api: string, channel: string, message: RendererMessage): void {
    try {
      this.#transport.post([message]);
    } catch (error) {
      throw error instanceof DOMException && error.name === "DataCloneError"
        ? cloneError(api, channel, error)
        : error;
    }
  }

  #assertOpen(api: string, channel: string): void {
    if (this.#closed) {
      throw new Error(`${api} on channel "${channel}": window ${this.id} is closed`);
    }
  }

  #receive(messages: HostMessage[]): void {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      try {
        if (m[0] === Kind.Send) this.listeners.emitArgs(m[1], m[2]);
        else if (m[0] === Kind.Close) this.close();
      } catch (error) {
        // A listener's error must not swallow the rest of the batch: report it as uncaught.
        globalThis.reportError(error);
      }
    }
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
