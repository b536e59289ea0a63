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
  type PortId,
  RENDERER_TIMEOUT_GRACE_MS,
  type RendererMessage,
} from "../common/protocol.ts";
import { PortRelay } from "../common/port_relay.ts";
import { snapshot } from "../common/snapshot.ts";
import { Flow } from "../common/flow.ts";
import { IpcStream } from "./_stream.ts";
import type { RendererInit, RendererTransport } from "./_transport.ts";

/** Most messages in one transport post: a longer burst is split, so both sides work at once. */
const BATCH_MAX = 4096;
const NO_PORTS: MessagePort[] = [];
const PORT_API = "MessagePort.postMessage";

/**
 * The first id this renderer gives a port it relays: odd (the host's are even), and different
 * for each page load, so a reloaded page's ids never meet its predecessor's still on the host.
 */
const firstPortId = (): PortId => 1 + 2 * Math.floor(Math.random() * 2 ** 40);

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
  /** Ports sent or received over a transport that cannot move them. */
  readonly #relay = new PortRelay({
    message: (id, data, ports) => this.#portMessage(id, data, ports),
    closed: (id) => this.#portClosed(id),
  }, firstPortId());

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
    if (ports.length === 0 || this.#transport.movesPorts) {
      return this.#post(api, channel, [Kind.Send, channel, [message], ports], transfer);
    }
    const ids = this.#relay.send(ports);
    try {
      const rest = transfer.filter((t) => !(t instanceof MessagePort));
      this.#post(api, channel, [Kind.Send, channel, [message], ids], rest);
    } catch (error) {
      this.#relay.forget(ids);
      throw error;
    }
  }

  /** A message on relayed port `id`: admitted like any other, then sent to the host. */
  #portMessage(id: PortId, data: unknown, ports: readonly MessagePort[]): void {
    if (this.#closed) return;
    const what = `relayed port ${id}`;
    let ids: PortId[] | undefined;
    try {
      this.#flow.admitPort(PORT_API, what, data);
      ids = ports.length ? this.#relay.send(ports) : undefined;
      const message: RendererMessage = ids
        ? [Kind.PortMessage, id, data, ids]
        : [Kind.PortMessage, id, data];
      // The data is the port's own fresh copy: only a value the codec may refuse is posted alone,
      // where a refusal cannot take a batch down with it.
      if (snapshot([data], PORT_API, what)) return this.#enqueue(message);
      this.flush();
      this.#post(PORT_API, what, message);
    } catch (error) {
      // Neither lost in silence nor queued without bound: the port closes on both sides.
      if (ids) this.#relay.forget(ids);
      this.#relay.close(id);
      this.#portClosed(id);
      globalThis.reportError(error);
    }
  }

  #portClosed(id: PortId): void {
    if (!this.#closed) this.#control([Kind.PortClose, id]);
  }

  /** The app's ends of the ports a host message carries (relayed ones by id). */
  #portsIn(ports: MessagePort[] | PortId[] | undefined): MessagePort[] {
    if (!ports?.length) return NO_PORTS;
    return typeof ports[0] === "number"
      ? this.#relay.receive(ports as PortId[])
      : ports as MessagePort[];
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
    this.#relay.closeAll();
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
    if (ack) this.#queue.push(ack);
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#flow.inFlight.seal();
    this.#transport.post(batch);
  };

  #post(api: string, channel: string, message: RendererMessage, transfer?: Transferable[]): void {
    this.#flow.inFlight.seal();
    const ack = this.#flow.takeAck();
    try {
      this.#transport.post(ack ? [message, ack] : [message], transfer);
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
    let asked = false;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      if (m[0] === Kind.Ack) {
        this.#flow.inFlight.ack(m[1]);
        asked = m[2] === 1;
        continue;
      }
      handled++;
      try {
        switch (m[0]) {
          case Kind.Send: {
            // Relayed ports are made even without a listener: the host's end is pumped already.
            const ports = this.#portsIn(m[3]);
            this.listeners.emitArgs(m[1], m[2]);
            if (this.eventListeners.listenerCount(m[1]) > 0) {
              this.eventListeners.emitArgs(m[1], [this.createEvent(ports), ...m[2]]);
            } else if (m[3]?.length && typeof m[3][0] === "number") {
              // Sent to nowhere: nobody can hold these ports, so their other ends see them close.
              for (const port of ports) port.close();
            }
            break;
          }
          case Kind.PortMessage:
            this.#relay.deliver(m[1], m[2], m[3] ? this.#relay.receive(m[3]) : NO_PORTS);
            break;
          case Kind.PortClose:
            this.#relay.close(m[1]);
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
    if ((handled > 0 || asked) && !this.#closed) this.#flow.received(handled, asked);
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
