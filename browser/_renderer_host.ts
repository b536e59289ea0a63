/**
 * The browser half of the ipc core for one window, the mirror of `renderer/_core.ts`: it receives
 * the renderer's messages in order and routes them to the listeners and handlers, answers sync
 * and invoke calls, and queues what the browser sends until the renderer's entry has run.
 *
 * @module
 */
import {
  assertChannel,
  cloneError,
  describe,
  fromErrorInfo,
  toErrorInfo,
} from "../common/errors.ts";
import { isRendererMessage } from "../common/validate.ts";
import {
  type ErrorInfo,
  type HostMessage,
  isAnswer,
  isForAnyRenderer,
  Kind,
  type PortId,
  type RendererMessage,
  TOP_FRAME_ROUTING_ID,
} from "../common/protocol.ts";
import { PortRelay } from "../common/port_relay.ts";
import { snapshot } from "../common/snapshot.ts";
import { Flow, type FlowLimits } from "../common/flow.ts";
import { refusal } from "../common/policy.ts";
import type { ConnectionSink, RendererConnection } from "./_connection.ts";
import { IpcMainEvent, IpcMainInvokeEvent } from "./_events.ts";
import { guard, handlers, legacyListeners, mainListeners } from "./_registry.ts";
import { isStreamable, StreamPump } from "./_stream_pump.ts";
import type { WebContents } from "./web_contents.ts";

/** Most messages in one transport post: a longer burst is split, so both sides work at once. */
const BATCH_MAX = 4096;
const NO_PORTS: MessagePort[] = [];
const PORT_API = "MessagePort.postMessage";
/** The first id the host gives a port it relays: even (a renderer's are odd). */
const FIRST_PORT_ID = 2;

/** What the core needs of its window. */
export interface HostedWindow {
  readonly id: number;
  readonly webContents: WebContents;
  /** Emits a window event (`console-message`, `uncaught-error`, …). */
  emit(event: string, ...args: unknown[]): boolean;
  /** The renderer asked to close its window. */
  close(): void;
  /** The renderer is gone: the window ends without asking. */
  destroy(): void;
}

interface PendingSync {
  seq: number;
  channel: string;
  /** When the call times out (`performance.now()` time). */
  deadline: number;
}

interface PendingInvoke {
  controller: AbortController;
  pump?: StreamPump;
}

/** The browser side of one window's ipc. */
export class RendererHost implements ConnectionSink {
  readonly #window: HostedWindow;
  readonly #syncTimeout: number;
  #connection: RendererConnection | undefined;
  #ready = false;
  /** Answers queued before the renderer's entry has run, which go at once (see `#flushAnswers`). */
  #earlyAnswers = 0;
  #gone: string | undefined;
  #queue: HostMessage[] = [];
  #flushScheduled = false;
  #sync: PendingSync | undefined;
  /**
   * Fails the pending sync call at its deadline. One timer serves call after call (a timer per
   * call would cost more than the rest of a sync round trip on the host): it is re-armed only
   * when it fires early, and unref'd while no call is pending.
   */
  #syncTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #invokes = new Map<number, PendingInvoke>();
  readonly #flow: Flow;
  #closedByRenderer = false;
  /** Ports sent to or received from a renderer whose transport cannot move them. */
  readonly #relay = new PortRelay({
    message: (id, data, ports) => this.#portMessage(id, data, ports),
    closed: (id) => this.#portClosed(id),
  }, FIRST_PORT_ID);

  constructor(window: HostedWindow, syncTimeout: number, limits: FlowLimits = {}) {
    this.#window = window;
    this.#syncTimeout = syncTimeout;
    this.#flow = new Flow(window.id, "renderer", limits, () => this.#schedule());
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
    this.#assertOpen(api, channel);
    this.#flow.admit(api, "receive", channel, args);
    let copy = snapshot(args, api, channel);
    if (!copy && !this.#ready) copy = clone(api, channel, args);
    if (copy) return this.#enqueue([Kind.Send, channel, copy]);
    this.flush();
    this.#post(api, channel, [Kind.Send, channel, args]);
  }

  /** Sends `message` on `channel` with `transfer` (ports, buffers) moved, not copied. */
  postMessage(api: string, channel: string, message: unknown, transfer: Transferable[]): void {
    assertChannel(api, channel);
    this.#assertOpen(api, channel);
    this.#flow.admit(api, "receive", channel, message);
    const ports = transfer.filter((t): t is MessagePort => t instanceof MessagePort);
    if (!this.#ready) {
      // Transfer now (the sender's side is detached at once, as promised), deliver on ready.
      const message_: HostMessage = [Kind.Send, channel, [message], ports];
      this.#queue.push(clone(api, channel, message_, transfer));
      return;
    }
    this.flush();
    if (ports.length === 0 || this.#connection!.movesPorts) {
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

  /** Posts every queued message now (only answers, until the renderer's entry has run). */
  readonly flush = (): void => {
    this.#flushScheduled = false;
    if (!this.#connection) return;
    if (!this.#ready) return this.#flushAnswers();
    const batch = this.#queue;
    this.#queue = [];
    this.#send(batch);
  };

  /** Posts `batch` with the acknowledgement that rides on it, if either has anything. */
  #send(batch: HostMessage[]): void {
    const ack = this.#flow.takeAck();
    if (ack) batch.push(ack);
    if (batch.length === 0) return;
    this.#flow.inFlight.seal();
    const relay = this.#connection!.movesPorts ? undefined : this.#relay;
    this.#connection!.post(batch, collectTransfer(batch, relay));
  }

  /**
   * Before the renderer's entry has run, the answers to its own calls go at once (an entry may
   * well `await ipcRenderer.invoke(…)` at its top level, and would wait forever); messages for
   * its listeners wait until it has run, so that none comes before the listener it is for.
   */
  #flushAnswers(): void {
    // Most queues before the entry has run hold no answer: leave them be, however long they are.
    if (this.#earlyAnswers === 0) return;
    this.#earlyAnswers = 0;
    const answers: HostMessage[] = [];
    const held: HostMessage[] = [];
    for (const m of this.#queue) {
      (isAnswer(m) ? answers : held).push(m);
    }
    if (answers.length === 0) return;
    this.#queue = held;
    this.#send(answers);
  }

  /** Messages from the renderer, in order. */
  receive(messages: RendererMessage[]): void {
    if (!Array.isArray(messages)) return this.#malformed(messages);
    let handled = 0;
    let asked = false;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      if (!isRendererMessage(m)) {
        this.#malformed(m);
        continue;
      }
      if (m[0] !== Kind.Ack) handled++;
      switch (m[0]) {
        case Kind.Ack:
          this.#flow.inFlight.ack(m[1]);
          asked = m[2] === 1;
          break;
        case Kind.Send:
          if (this.#allowed("send", m[1])) this.#dispatchSend(m[1], m[2], m[3]);
          else if (typeof m[3]?.[0] === "number") this.#refusePorts(m[3] as PortId[]);
          break;
        // Once the window is gone its ports are closed: what was still on its way is dropped.
        case Kind.PortMessage:
          if (!this.#gone) this.#portIn(m[1], m[2], m[3]);
          break;
        case Kind.PortClose:
          if (!this.#gone && this.#relay.close(m[1]) === "unknown") this.#unknownPort(m[1]);
          break;
        case Kind.Sync:
          if (this.#allowed("sync", m[2])) this.#dispatchSync(m[1], m[2], m[3]);
          else this.#refuseSync(m[1], m[2]);
          break;
        case Kind.Invoke:
          if (this.#allowed("invoke", m[2])) this.#dispatchInvoke(m[1], m[2], m[3]);
          else this.#reply(m[1], false, errorInfo(this.#refusalText("invoke", m[2])));
          break;
        case Kind.Cancel:
          this.#cancelInvoke(m[1], "the renderer cancelled the call");
          break;
        case Kind.Pull:
          this.#invokes.get(m[1])?.pump?.pull(m[2]);
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
    if ((handled > 0 || asked) && !this.#gone) this.#flow.received(handled, asked);
  }

  /**
   * The renderer is gone or going: fail its blocked sync call with `reason` (so it never hangs),
   * abort running handlers, and refuse further sends. Idempotent.
   */
  gone(reason: string): void {
    if (this.#gone) return;
    this.#gone = reason;
    this.#queue = [];
    this.#relay.closeAll();
    if (this.#sync) this.#answerSync(false, `window ${this.#window.id} ${reason}`);
    clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    for (const id of [...this.#invokes.keys()]) {
      this.#cancelInvoke(id, `window ${this.#window.id} ${reason}`);
    }
  }

  /**
   * The renderer started over in the same window (a page reloaded itself). Its relayed ports close
   * (the app's ends see `close`), and handlers still running for its calls are aborted with their
   * answers dropped, queued ones included: the new renderer never made those calls, and its call
   * ids start over. The in-flight count starts over too (the old page will acknowledge nothing);
   * messages for listeners stay queued, for the new renderer.
   */
  restarted(reason: string): void {
    if (this.#gone) return;
    this.#relay.closeAll();
    this.#queue = this.#queue.filter(isForAnyRenderer);
    for (const id of [...this.#invokes.keys()]) {
      this.#cancelInvoke(id, `window ${this.#window.id} ${reason}`);
    }
    this.#flow.inFlight.reset();
  }

  /** The renderer went away by itself: its window ends. */
  exited(reason: string): void {
    this.gone(reason);
    this.#window.destroy();
  }

  #enqueue(message: HostMessage): void {
    if (!this.#ready && isAnswer(message)) this.#earlyAnswers++;
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

  #malformed(what: unknown): void {
    console.error(
      `[window ${this.#window.id}] refused a malformed message: ${describe(what)}`,
    );
  }

  // The renderer checks its own policy; one that did not is refused here, and the host's log
  // says so (a renderer is untrusted code).
  #allowed(kind: "send" | "sync" | "invoke", channel: string): boolean {
    if (this.#flow.policy.allows(kind, channel)) return true;
    console.error(`[window ${this.#window.id}] ${refusal(kind, channel)}`);
    return false;
  }

  #refusalText(kind: string, channel: string): string {
    return `channel "${channel}" is not allowed for window ${this.#window.id} (${kind})`;
  }

  #refuseSync(seq: number, channel: string): void {
    this.#sync = { seq, channel, deadline: 0 };
    this.#answerSync(false, this.#refusalText("sync", channel));
  }

  #post(api: string, channel: string, message: HostMessage, transfer?: Transferable[]): void {
    this.#flow.inFlight.seal();
    const ack = this.#flow.takeAck();
    try {
      this.#connection!.post(ack ? [message, ack] : [message], transfer);
    } catch (error) {
      throw cloneError(api, channel, error);
    }
  }

  #assertOpen(api: string, channel: string): void {
    if (this.#gone) {
      throw new Error(`${api} on channel "${channel}": window ${this.#window.id} ${this.#gone}`);
    }
  }

  #dispatchSend(
    channel: string,
    args: unknown[],
    sent: MessagePort[] | PortId[] | undefined,
  ): void {
    const id = this.#window.id;
    let ports = sent as MessagePort[] ?? NO_PORTS;
    const relayed = typeof sent?.[0] === "number";
    if (relayed) {
      try {
        ports = this.#relay.receive(sent as PortId[]);
      } catch (error) {
        return this.#refused(`a message on channel "${channel}"`, error);
      }
      // Sent to nowhere: nobody can hold these ports, so the renderer sees them close.
      if (mainListeners.listenerCount(channel) === 0) { for (const port of ports) port.close(); }
    }
    if (legacyListeners.listenerCount(channel) > 0) {
      guard(`ipc listener on channel "${channel}"`, () => {
        legacyListeners.emitArgs(channel, [id, TOP_FRAME_ROUTING_ID, ...args]);
      });
    }
    if (mainListeners.listenerCount(channel) > 0) {
      const event = new IpcMainEvent(this.#window.webContents, channel, ports);
      guard(`ipcMain listener on channel "${channel}"`, () => {
        mainListeners.emitArgs(channel, [event, ...args]);
      });
    }
  }

  #dispatchSync(seq: number, channel: string, args: unknown[]): void {
    this.#sync = { seq, channel, deadline: performance.now() + this.#syncTimeout };
    this.#armSyncTimer();
    const legacy = legacyListeners.listenerCount(channel);
    const modern = mainListeners.listenerCount(channel);
    if (legacy + modern === 0) {
      this.#answerSync(false, "no listener for this sync channel in the browser");
      return;
    }
    const event = new IpcMainEvent(this.#window.webContents, channel, [], (ok, value) => {
      if (this.#sync?.seq === seq) this.#answerSync(ok, value);
    });
    try {
      if (legacy) {
        legacyListeners.emitArgs(channel, [event, this.#window.id, TOP_FRAME_ROUTING_ID, ...args]);
      }
      if (modern) mainListeners.emitArgs(channel, [event, ...args]);
    } catch (error) {
      if (this.#sync?.seq === seq) this.#answerSync(false, error);
    }
  }

  #answerSync(ok: boolean, value: unknown): void {
    const sync = this.#sync!;
    this.#sync = undefined;
    if (this.#syncTimer !== undefined) Deno.unrefTimer(this.#syncTimer as unknown as number);
    const connection = this.#connection!;
    if (ok) {
      try {
        connection.replySync([sync.seq, true, value]);
        return;
      } catch (error) {
        value = cloneError("event.returnValue", sync.channel, error);
      }
    }
    connection.replySync([sync.seq, false, errorInfo(value)]);
  }

  #armSyncTimer(): void {
    if (this.#syncTimer !== undefined) {
      Deno.refTimer(this.#syncTimer as unknown as number);
      return;
    }
    this.#syncTimer = setTimeout(this.#onSyncTimer, this.#sync!.deadline - performance.now());
  }

  readonly #onSyncTimer = (): void => {
    this.#syncTimer = undefined;
    const sync = this.#sync;
    if (!sync) return;
    if (performance.now() < sync.deadline) this.#armSyncTimer();
    else this.#answerSync(false, `no listener set event.result within ${this.#syncTimeout} ms`);
  };

  async #dispatchInvoke(id: number, channel: string, args: unknown[]): Promise<void> {
    const handler = handlers.get(channel);
    if (!handler) {
      this.#reply(id, false, errorInfo(`no handler registered for "${channel}" (ipcMain.handle)`));
      return;
    }
    const call: PendingInvoke = { controller: new AbortController() };
    this.#invokes.set(id, call);
    const event = new IpcMainInvokeEvent(this.#window.webContents, channel, call.controller.signal);
    let value: unknown;
    try {
      value = await (handler as (...a: unknown[]) => unknown)(event, ...args);
    } catch (error) {
      if (this.#invokes.delete(id)) this.#reply(id, false, toErrorInfo(error));
      return;
    }
    if (!this.#invokes.has(id)) {
      // Cancelled meanwhile: nobody waits; a stream it made must still be released.
      if (isStreamable(value)) new StreamPump(value, () => {}, () => {}).cancel();
      return;
    }
    if (!isStreamable(value)) {
      this.#invokes.delete(id);
      try {
        this.#reply(id, true, value, channel);
      } catch (error) {
        this.#reply(id, false, toErrorInfo(error));
      }
      return;
    }
    this.#reply(id, true, null, channel, true);
    call.pump = new StreamPump(
      value,
      (chunk) => {
        this.#flow.count();
        this.#enqueueValue([Kind.Chunk, id, chunk], "stream chunk", channel);
      },
      (ok, error) => {
        this.#invokes.delete(id);
        this.#flow.count();
        this.#enqueue([Kind.End, id, ok, error]);
      },
    );
  }

  #cancelInvoke(id: number, reason: string): void {
    const call = this.#invokes.get(id);
    if (!call) return;
    this.#invokes.delete(id);
    call.pump?.cancel();
    call.controller.abort(new DOMException(reason, "AbortError"));
  }

  #reply(id: number, ok: boolean, value: unknown, channel = "", stream?: boolean): void {
    this.#flow.count();
    if (this.#gone) return;
    // No trailing `undefined`: a message of plain data can then travel as JSON text.
    const reply: HostMessage = stream
      ? [Kind.Reply, id, ok, value, true]
      : [Kind.Reply, id, ok, value];
    this.#enqueueValue(reply, "handler result", channel);
  }

  /** Queues a message carrying an arbitrary value: copied now, so later mutation cannot leak. */
  #enqueueValue(message: HostMessage, api: string, channel: string): void {
    if (this.#gone) return;
    const copy = snapshot(message as unknown[], api, channel) ??
      clone(api, channel, message as unknown[]);
    this.#enqueue(copy as HostMessage);
  }

  /** A message on relayed port `id` here: admitted like any other, then sent to the renderer. */
  #portMessage(id: PortId, data: unknown, ports: readonly MessagePort[]): void {
    if (this.#gone) return;
    const what = `relayed port ${id}`;
    let ids: PortId[] | undefined;
    try {
      this.#flow.admitPort(PORT_API, what, data);
      ids = ports.length ? this.#relay.send(ports) : undefined;
      const message: HostMessage = ids
        ? [Kind.PortMessage, id, data, ids]
        : [Kind.PortMessage, id, data];
      // The data is the port's own fresh copy: only a value the codec may refuse is posted alone,
      // where a refusal cannot take a batch down with it.
      if (!this.#ready || snapshot([data], PORT_API, what)) return this.#enqueue(message);
      this.flush();
      this.#post(PORT_API, what, message);
    } catch (error) {
      // Neither lost in silence nor queued without bound: the port closes on both sides.
      if (ids) this.#relay.forget(ids);
      this.#relay.close(id);
      this.#portClosed(id);
      console.error(
        `[window ${this.#window.id}] ${(error as Error).message ?? error}; ${what} is closed`,
      );
    }
  }

  #portClosed(id: PortId): void {
    if (this.#gone) return;
    this.#flow.count();
    this.#enqueue([Kind.PortClose, id]);
  }

  /** A message from the renderer on relayed port `id`. */
  #portIn(id: PortId, data: unknown, sent: PortId[] | undefined): void {
    let ports = NO_PORTS;
    if (sent) {
      try {
        ports = this.#relay.receive(sent);
      } catch (error) {
        return this.#refused(`a message on relayed port ${id}`, error);
      }
    }
    if (this.#relay.deliver(id, data, ports) === "unknown") this.#unknownPort(id);
  }

  /** Ports the renderer sent with a refused message: it is told they are closed. */
  #refusePorts(ids: PortId[]): void {
    try {
      for (const port of this.#relay.receive(ids)) port.close();
    } catch (error) {
      this.#refused("ports", error);
    }
  }

  #unknownPort(id: PortId): void {
    console.error(
      `[window ${this.#window.id}] refused a message on relayed port ${id}: the window has no such port open`,
    );
  }

  #refused(what: string, error: unknown): void {
    console.error(
      `[window ${this.#window.id}] refused ${what}: ${(error as Error).message ?? error}`,
    );
  }

  #console(level: string, text: string): void {
    const line = `[window ${this.#window.id}] ${text}`;
    if (level === "warn" || level === "error") console.error(line);
    else console.log(line);
    this.#window.emit("console-message", level, text);
    this.#window.webContents.emit("console-message", level, text);
  }

  #uncaught(info: ErrorInfo): void {
    const error = fromErrorInfo(info);
    console.error(
      `[window ${this.#window.id}] Uncaught ${info.stack ?? `${info.name}: ${info.message}`}`,
    );
    this.#window.emit("uncaught-error", error);
  }
}

function clone<T>(api: string, channel: string, value: T, transfer?: Transferable[]): T {
  try {
    return structuredClone(value, { transfer });
  } catch (error) {
    throw cloneError(api, channel, error);
  }
}

function errorInfo(value: unknown): ErrorInfo {
  return typeof value === "string" ? { name: "Error", message: value } : toErrorInfo(value);
}

/**
 * What `batch` transfers: its ports, or, over a transport that cannot move them (`relay` given),
 * nothing: each port is relayed instead and its id takes its place in the message.
 */
function collectTransfer(batch: HostMessage[], relay?: PortRelay): Transferable[] | undefined {
  let transfer: Transferable[] | undefined;
  for (const m of batch) {
    if (m[0] !== Kind.Send || !m[3]?.length || typeof m[3][0] === "number") continue;
    if (relay) m[3] = relay.send(m[3] as MessagePort[]);
    else (transfer ??= []).push(...m[3] as MessagePort[]);
  }
  return transfer;
}
