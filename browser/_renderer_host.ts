/**
 * The browser half of the ipc core for one window, the mirror of `renderer/_core.ts`: it receives
 * the renderer's messages in order and routes them to the listeners, answers sync calls, and
 * queues what the browser sends until the renderer's entry has run.
 *
 * @module
 */
import { assertChannel, cloneError, fromErrorInfo, toErrorInfo } from "../common/errors.ts";
import {
  type ErrorInfo,
  type HostMessage,
  Kind,
  type RendererMessage,
  TOP_FRAME_ROUTING_ID,
} from "../common/protocol.ts";
import { snapshot } from "../common/snapshot.ts";
import type { ConnectionSink, RendererConnection } from "./_connection.ts";
import { guard, legacyListeners } from "./_registry.ts";

/** What the core needs of its window. */
export interface HostedWindow {
  readonly id: number;
  /** Emits a window event (`console-message`, `uncaught-error`, …). */
  emit(event: string, ...args: unknown[]): boolean;
  /** The renderer asked to close its window. */
  close(): void;
  /** The renderer is gone: the window ends without asking. */
  destroy(): void;
}

/**
 * The event a sync listener receives. Setting `result` (or `returnValue`) answers the call and
 * wakes the renderer; it may be set later, after an `await`. The first value set is the answer.
 */
export class SyncEvent {
  /** The window that sent the message. */
  readonly processId: number;
  /** The frame that sent the message (the window's top level). */
  readonly routingId: number = TOP_FRAME_ROUTING_ID;
  /** Same as {@linkcode SyncEvent.routingId}, Electron's later name. */
  readonly frameId: number = TOP_FRAME_ROUTING_ID;
  /** The channel the message came on. */
  readonly channel: string;
  #answer: (ok: boolean, value: unknown) => void;
  #result: unknown;

  constructor(processId: number, channel: string, answer: (ok: boolean, value: unknown) => void) {
    this.processId = processId;
    this.channel = channel;
    this.#answer = answer;
  }

  /** The answer to the sync call; setting it wakes the renderer. */
  get result(): unknown {
    return this.#result;
  }
  set result(value: unknown) {
    this.#result = value;
    this.#answer(true, value);
  }

  /** Same as {@linkcode SyncEvent.result}, Electron's later name. */
  get returnValue(): unknown {
    return this.#result;
  }
  set returnValue(value: unknown) {
    this.result = value;
  }
}

interface PendingSync {
  seq: number;
  channel: string;
  timer: ReturnType<typeof setTimeout>;
}

/** The browser side of one window's ipc. */
export class RendererHost implements ConnectionSink {
  readonly #window: HostedWindow;
  readonly #syncTimeout: number;
  #connection: RendererConnection | undefined;
  #ready = false;
  #gone: string | undefined;
  #queue: HostMessage[] = [];
  #flushScheduled = false;
  #sync: PendingSync | undefined;
  #closedByRenderer = false;

  constructor(window: HostedWindow, syncTimeout: number) {
    this.#window = window;
    this.#syncTimeout = syncTimeout;
  }

  /** Attaches the transport (once the window's renderer has been launched). */
  attach(connection: RendererConnection): void {
    this.#connection = connection;
  }

  /** Whether the renderer closed its window itself (so it did load and run). */
  get closedByRenderer(): boolean {
    return this.#closedByRenderer;
  }

  /** Whether the renderer's entry has run. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Queues an async message to the renderer on `channel`. */
  send(api: string, channel: string, args: unknown[]): void {
    assertChannel(api, channel);
    if (this.#gone) {
      throw new Error(`${api} on channel "${channel}": window ${this.#window.id} ${this.#gone}`);
    }
    let copy = snapshot(args, api, channel);
    if (!copy && !this.#ready) {
      try {
        copy = structuredClone(args);
      } catch (error) {
        throw cloneError(api, channel, error);
      }
    }
    if (copy) {
      this.#queue.push([Kind.Send, channel, copy]);
      if (this.#ready && !this.#flushScheduled) {
        this.#flushScheduled = true;
        queueMicrotask(this.flush);
      }
      return;
    }
    this.flush();
    try {
      this.#connection!.post([[Kind.Send, channel, args]]);
    } catch (error) {
      throw cloneError(api, channel, error);
    }
  }

  /** Posts every queued message now (if the renderer is ready for them). */
  readonly flush = (): void => {
    this.#flushScheduled = false;
    if (!this.#ready || this.#queue.length === 0 || !this.#connection) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#connection.post(batch);
  };

  /** Messages from the renderer, in order. */
  receive(messages: RendererMessage[]): void {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      switch (m[0]) {
        case Kind.Send:
          this.#dispatchSend(m[1], m[2]);
          break;
        case Kind.Sync:
          this.#dispatchSync(m[1], m[2], m[3]);
          break;
        case Kind.Console:
          this.#console(m[1], m[2]);
          break;
        case Kind.Error:
          this.#uncaught(m[1]);
          break;
        case Kind.Ready:
          this.#ready = true;
          this.flush();
          this.#window.emit("ready-to-show");
          break;
        case Kind.Close:
          this.#closedByRenderer = true;
          this.#window.close();
          break;
      }
    }
  }

  /**
   * The renderer is gone or going: fail its blocked sync call with `reason` (so it never hangs),
   * and refuse further sends. Idempotent.
   */
  gone(reason: string): void {
    if (this.#gone) return;
    this.#gone = reason;
    this.#queue = [];
    if (this.#sync) this.#answerSync(false, `window ${this.#window.id} ${reason}`);
  }

  /** The renderer went away by itself: its window ends. */
  exited(reason: string): void {
    this.gone(reason);
    this.#window.destroy();
  }

  #dispatchSend(channel: string, args: unknown[]): void {
    if (legacyListeners.listenerCount(channel) === 0) return;
    const id = this.#window.id;
    guard(`ipc listener on channel "${channel}"`, () => {
      legacyListeners.emitArgs(channel, [id, TOP_FRAME_ROUTING_ID, ...args]);
    });
  }

  #dispatchSync(seq: number, channel: string, args: unknown[]): void {
    const timer = setTimeout(
      () => this.#answerSync(false, `no listener set event.result within ${this.#syncTimeout} ms`),
      this.#syncTimeout,
    );
    this.#sync = { seq, channel, timer };
    if (legacyListeners.listenerCount(channel) === 0) {
      this.#answerSync(false, "no listener for this sync channel in the browser");
      return;
    }
    const event = new SyncEvent(this.#window.id, channel, (ok, value) => {
      if (this.#sync?.seq === seq) this.#answerSync(ok, value);
    });
    try {
      legacyListeners.emitArgs(channel, [event, this.#window.id, TOP_FRAME_ROUTING_ID, ...args]);
    } catch (error) {
      if (this.#sync?.seq === seq) this.#answerSync(false, error);
    }
  }

  #answerSync(ok: boolean, value: unknown): void {
    const sync = this.#sync!;
    this.#sync = undefined;
    clearTimeout(sync.timer);
    const connection = this.#connection!;
    if (ok) {
      try {
        connection.replySync([sync.seq, true, value]);
        return;
      } catch (error) {
        value = cloneError("event.result", sync.channel, error);
      }
    }
    const info: ErrorInfo = typeof value === "string"
      ? { name: "Error", message: value }
      : toErrorInfo(value);
    connection.replySync([sync.seq, false, info]);
  }

  #console(level: string, text: string): void {
    const line = `[window ${this.#window.id}] ${text}`;
    if (level === "warn" || level === "error") console.error(line);
    else console.log(line);
    this.#window.emit("console-message", level, text);
  }

  #uncaught(info: ErrorInfo): void {
    const error = fromErrorInfo(info);
    console.error(
      `[window ${this.#window.id}] Uncaught ${info.stack ?? `${info.name}: ${info.message}`}`,
    );
    this.#window.emit("uncaught-error", error);
  }
}
