/**
 * The events browser-side listeners and handlers receive.
 *
 * @module
 */
import { TOP_FRAME_ROUTING_ID } from "../common/protocol.ts";
import type { WebContents } from "./web_contents.ts";

/**
 * What an `ipcMain.on` (or legacy sync `ipc.on`) listener receives first. For a sync message,
 * setting `returnValue` (or `result`) answers the call and wakes the renderer; it may be set
 * later, after an `await`. The first value set is the answer.
 */
export class IpcMainEvent {
  /** The window that sent the message. */
  readonly processId: number;
  /** The frame that sent the message (the window's top level). */
  readonly frameId: number = TOP_FRAME_ROUTING_ID;
  /** Same as {@linkcode IpcMainEvent.frameId}, the seed's name. */
  readonly routingId: number = TOP_FRAME_ROUTING_ID;
  /** The channel the message came on. */
  readonly channel: string;
  /** The sending window's `webContents`, verified by the host (never renderer-supplied). */
  readonly sender: WebContents;
  /** MessagePorts transferred with the message (`ipcRenderer.postMessage`). */
  readonly ports: MessagePort[];
  readonly #answer: ((ok: boolean, value: unknown) => void) | undefined;
  #result: unknown;

  /** @internal Made by the host for each message. */
  constructor(
    sender: WebContents,
    channel: string,
    ports: MessagePort[],
    answer?: (ok: boolean, value: unknown) => void,
  ) {
    this.sender = sender;
    this.processId = sender.id;
    this.channel = channel;
    this.ports = ports;
    this.#answer = answer;
  }

  /** Sends `args` on `channel` back to the window the message came from. */
  reply(channel: string, ...args: unknown[]): void {
    this.sender.send(channel, ...args);
  }

  /** The answer to a sync call; setting it wakes the renderer. */
  get returnValue(): unknown {
    return this.#result;
  }
  set returnValue(value: unknown) {
    this.#result = value;
    this.#answer?.(true, value);
  }

  /** Same as {@linkcode IpcMainEvent.returnValue}, the seed's name. */
  get result(): unknown {
    return this.#result;
  }
  set result(value: unknown) {
    this.returnValue = value;
  }
}

/** What an `ipcMain.handle` handler receives first. */
export class IpcMainInvokeEvent {
  /** The window that called. */
  readonly processId: number;
  /** The frame that called (the window's top level). */
  readonly frameId: number = TOP_FRAME_ROUTING_ID;
  /** The channel called. */
  readonly channel: string;
  /** The calling window's `webContents`, verified by the host. */
  readonly sender: WebContents;
  /**
   * Aborted when the renderer cancels the call (its signal, its deadline, a stream it stopped
   * reading) or its window goes away: a handler doing long work should stop.
   */
  readonly signal: AbortSignal;

  /** @internal Made by the host for each call. */
  constructor(sender: WebContents, channel: string, signal: AbortSignal) {
    this.sender = sender;
    this.processId = sender.id;
    this.channel = channel;
    this.signal = signal;
  }
}
