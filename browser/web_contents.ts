/**
 * `webContents`: what a window shows, and the way to message it, with Electron's names.
 *
 * @module
 */
import type { ChannelMap, PushChannels, Untyped } from "../common/channels.ts";
import { Emitter } from "../common/emitter.ts";
import type { RendererHost } from "./_renderer_host.ts";

/** What a `WebContents` needs of its window. */
interface Owner {
  readonly id: number;
  isDestroyed(): boolean;
  _host(api: string): RendererHost;
  openDevTools(): Promise<void>;
  executeJavaScript(code: string): Promise<unknown>;
}

/** `webContents.send`, typed by a channel description's `push` part. */
export interface TypedSender<C extends ChannelMap> {
  /** Sends `args` on `channel` to the window's `ipcRenderer.on` (and legacy `ipc.on`) listeners. */
  send<K extends keyof PushChannels<C> & string>(channel: K, ...args: PushChannels<C>[K]): void;
}

/**
 * A window's contents. Events: `console-message` (level, text), `render-process-gone`
 * (event, details), `did-finish-load`.
 *
 * @example
 * ```ts ignore
 * import { BrowserWindow } from "denotron/browser";
 * const win = new BrowserWindow();
 * await win.loadFile("renderer.ts");
 * win.webContents.send("tick", 1);
 * ```
 */
export class WebContents extends Emitter implements TypedSender<Untyped> {
  /** The id: the same as its window's (`processId`). */
  readonly id: number;
  readonly #owner: Owner;

  /** @internal Made by its `BrowserWindow`. */
  constructor(owner: Owner) {
    super();
    this.#owner = owner;
    this.id = owner.id;
  }

  /** Sends `args` on `channel` to the window's `ipcRenderer.on` (and legacy `ipc.on`) listeners. */
  send(channel: string, ...args: unknown[]): void {
    this.#owner._host("webContents.send").send("webContents.send", channel, args);
  }

  /**
   * Sends `message` on `channel`, moving `transfer` (MessagePorts, ArrayBuffers) rather than
   * copying it; the renderer's listener finds the ports in `event.ports`.
   */
  postMessage(channel: string, message: unknown, transfer: Transferable[] = []): void {
    this.#owner._host("webContents.postMessage")
      .postMessage("webContents.postMessage", channel, message, transfer);
  }

  /** Opens DevTools for a page window shown on a display (a separate window). */
  openDevTools(): Promise<void> {
    return this.#owner.openDevTools();
  }

  /** Runs `code` in a page window; resolves with its (awaited) value. */
  executeJavaScript(code: string): Promise<unknown> {
    return this.#owner.executeJavaScript(code);
  }

  /** Whether its window has been closed. */
  isDestroyed(): boolean {
    return this.#owner.isDestroyed();
  }

  /** This same object, with `send` typed by the channel description `C`. */
  typed<C extends ChannelMap>(): TypedSender<C> {
    return this as TypedSender<C>;
  }
}
