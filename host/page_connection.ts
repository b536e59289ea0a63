/**
 * Launches a page window (an app folder's page, served by the host and shown in Chromium) and
 * is the host's end of its transport.
 *
 * Sessions: each page load (first load, reload, in-app navigation) opens its own WebSocket with
 * a session id it chose. The newest page load is the window's renderer; a socket of an older one
 * is closed ("replaced"), so two browsers showing the same window cannot both drive it.
 * Host → page frames wait in a queue while no page is connected and ready (it has sent
 * `Ready`), and a frame stays "unacknowledged" until the page says it handled it: frames a
 * page never handled (it was unloading) go back to the front of the queue when its socket
 * closes, for the next page load. So a reload loses no message sent meanwhile.
 *
 * Sync calls: see `renderer/_page_main.ts`. The host answers a sync request only once the
 * session's socket has delivered as many frames as the page says it sent before blocking.
 *
 * @module
 */
import { decode, encode } from "../common/codec.ts";
import { detach, splitFrames } from "../common/_page_wire.ts";
import {
  DEFAULT_UNRESPONSIVE_TIMEOUT_MS,
  type ErrorInfo,
  type HostMessage,
  isAnswer,
  isForAnyRenderer,
  Kind,
  RENDERER_TIMEOUT_GRACE_MS,
  type RendererMessage,
  type SyncReply,
} from "../common/protocol.ts";
import type { ConnectionSink, RendererConnection } from "../browser/_connection.ts";
import type { RendererInit } from "../renderer/_transport.ts";
import type { PageFile, PageOptions } from "../browser/_page_window.ts";
import type { ChromiumWindow } from "./chromium.ts";
import { type PageFrame, readPageFrame } from "./_page_frames.ts";
import { Refused } from "./_static.ts";
import { Heartbeat } from "./_heartbeat.ts";
import type { PageRoute, PageServer } from "./page_server.ts";
import { chromiumFor, releasePages, usePages } from "./pages.ts";

/**
 * How to launch a page window.
 *
 * @example
 * ```ts ignore
 * const launch: PageLaunch = { id: 1, syncTimeout: 30_000, root: "/app", file: "/app/index.html" };
 * ```
 */
export interface PageLaunch extends RendererInit, PageFile, PageOptions {}

interface Session {
  id: string;
  socket?: WebSocket;
  open: boolean;
  /** Frames received on its socket. */
  received: number;
  /** Host frames the page said it handled. */
  handled: number;
  /** Host frames put on its socket that it has not handled yet, oldest first. */
  unacked: Uint8Array[];
  ready: boolean;
  /** Sync requests waiting for frames still on their way. */
  waiters: { need: number; resolve(): void; reject(error: Error): void }[];
  /** A sync reply that came before its request, or the request waiting for it. */
  reply?: { seq: number; bytes: Uint8Array };
  answer?: { seq: number; resolve(bytes: Uint8Array): void };
}

/**
 * Opens the window's page and returns the host's end of its transport. The page server starts
 * with the first page window; without Chromium the host prints a URL to open in any browser.
 *
 * @example
 * ```ts ignore
 * const connection = launchPage({ id: 1, syncTimeout: 30_000, root, file: `${root}/index.html` }, sink);
 * // `responsive`, when given, hears `false` when the page stops answering, `true` when it is back.
 * ```
 */
export function launchPage(
  launch: PageLaunch,
  sink: ConnectionSink,
  responsive?: (responsive: boolean) => void,
): PageConnection {
  return new PageConnection(launch, sink, responsive);
}

/**
 * The host's end of a page window's transport.
 *
 * @example
 * ```ts ignore
 * const connection: PageConnection = launchPage(launch, sink);
 * const png = await (await connection.window())?.capture();
 * ```
 */
export class PageConnection implements RendererConnection {
  readonly #launch: PageLaunch;
  readonly #sink: ConnectionSink;
  readonly #sessions = new Map<string, Session>();
  readonly #opened: Promise<ChromiumWindow | undefined>;
  #server: PageServer | undefined;
  #current: Session | undefined;
  #queue: Uint8Array[] = [];
  #readySeen = false;
  #syncSession: Session | undefined;
  #destroyed = false;
  readonly #responsive: ((responsive: boolean) => void) | undefined;
  #heartbeat: Heartbeat | undefined;
  /** Frames heard from the page: its signs of life. */
  #heard = 0;
  /** Sync requests the host holds: a page waiting for them is blocked, not hung. */
  #syncWaiting = 0;

  constructor(
    launch: PageLaunch,
    sink: ConnectionSink,
    responsive?: (responsive: boolean) => void,
  ) {
    this.#responsive = responsive;
    this.#launch = launch;
    this.#sink = sink;
    this.#opened = this.#open();
  }

  /** The Chromium window, once open; undefined when the page is shown elsewhere (no Chromium). */
  window(): Promise<ChromiumWindow | undefined> {
    return this.#opened;
  }

  /** Frames of answers only (see `#flush`). */
  readonly #answers = new WeakSet<Uint8Array>();

  post(messages: HostMessage[], transfer?: Transferable[]): void {
    const frame = encode(messages); // throws a DataCloneError synchronously
    detach(transfer);
    const answer = messages.every(isAnswer);
    if (answer) this.#answers.add(frame);
    this.#queue.push(frame);
    // Until the page load is ready only answers go: another frame for its listeners frees nothing.
    if (answer || this.#current?.ready) this.#flush();
  }

  replySync(reply: SyncReply): void {
    const bytes = encode(reply); // throws a DataCloneError synchronously
    const session = this.#syncSession ?? this.#current;
    if (!session) return;
    if (session.answer?.seq === reply[0]) {
      session.answer.resolve(bytes);
      session.answer = undefined;
    } else session.reply = { seq: reply[0], bytes };
  }

  async destroy(): Promise<void> {
    if (this.#end(1001, "window closed")) await (await this.#opened)?.close();
  }

  /** Opens the Chromium window, or tells the user where to open the page. */
  async #open(): Promise<ChromiumWindow | undefined> {
    const { id, file } = this.#launch;
    let server: PageServer;
    try {
      server = await usePages(this);
    } catch (error) {
      this.#exited(`could not serve its page: ${(error as Error).message}`);
      return undefined;
    }
    if (this.#destroyed) return undefined;
    this.#server = server;
    server.register(id, this.#route());
    try {
      const win = await chromiumFor(this.#launch.chromium).openWindow(server.launchUrl(id, file), {
        width: this.#launch.width,
        height: this.#launch.height,
        title: this.#launch.title,
        show: this.#launch.show,
        devTools: this.#launch.devTools,
      });
      if (this.#destroyed) {
        await win.close();
        return undefined;
      }
      win.closed.then(() => this.#exited("was closed"));
      return win;
    } catch (error) {
      if (this.#destroyed) return undefined;
      console.error(
        `denotron: window ${id}: ${(error as Error).message}\n` +
          `denotron: window ${id} is served at ${server.launchUrl(id, file)} ` +
          "(a one-time address): open it in a browser to show the window.",
      );
      return undefined;
    }
  }

  #route(): PageRoute {
    const { id, syncTimeout, limits, title } = this.#launch;
    // The title goes with the runtime too: set through Chromium alone, a fast page may have
    // loaded (and read its title) before the window is set up.
    const init: RendererInit = { id, syncTimeout, limits, ...title === undefined ? {} : { title } };
    return {
      root: this.#launch.root,
      csp: this.#launch.contentSecurityPolicy,
      preload: this.#launch.preload,
      init,
      socket: (session, socket) => this.#accept(session, socket),
      sync: (session, seq, sent, body) => this.#sync(session, seq, sent, body),
    };
  }

  #session(id: string): Session {
    let session = this.#sessions.get(id);
    if (!session) {
      session = {
        id,
        open: false,
        received: 0,
        handled: 0,
        unacked: [],
        ready: false,
        waiters: [],
      };
      this.#sessions.set(id, session);
    }
    if (this.#current !== session) {
      // A newer page load: it is the renderer now. An older page still connected is closed; its
      // unhandled frames return to the queue when its socket is gone (see #closed).
      const old = this.#current;
      this.#current = session;
      if (old?.socket) old.socket.close(4000, "replaced by a newer page load");
      else if (old) this.#sessions.delete(old.id);
      if (old) {
        this.#queue = this.#forNewPage(this.#queue);
        this.#sink.restarted("reloaded its page");
      }
    }
    return session;
  }

  #accept(id: string, socket: WebSocket): void {
    const existing = this.#sessions.get(id);
    if (this.#destroyed || existing?.socket) {
      socket.onopen = () => socket.close(4001, existing ? "this page load has a socket" : "closed");
      return;
    }
    const session = this.#session(id);
    session.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      session.open = true;
      this.#flush();
    };
    // Frames already on their way when a bad one closed the socket are not the page's word.
    let refused = false;
    socket.onmessage = (event) => {
      if (refused) return;
      this.#heard++;
      if (!(event.data instanceof ArrayBuffer)) {
        refused = true;
        return this.#badFrame(session, new TypeError("bad frame: text"));
      }
      session.received++;
      try {
        this.#frame(session, readPageFrame(new Uint8Array(event.data)));
      } catch (error) {
        refused = true;
        return this.#badFrame(session, error as Error);
      }
      for (const waiter of session.waiters.filter((w) => w.need <= session.received)) {
        session.waiters.splice(session.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    };
    socket.onerror = (event) => event.preventDefault();
    socket.onclose = () => this.#closed(session);
  }

  /** A decoded frame from the page, from its socket or a sync request's body. Throws if bad. */
  #frame(session: Session, { handled, messages }: PageFrame): void {
    if (handled > session.handled) {
      if (handled - session.handled > session.unacked.length) {
        throw new TypeError("bad frame: acknowledges frames never sent");
      }
      session.unacked.splice(0, handled - session.handled);
      session.handled = handled;
    }
    const server = this.#server!;
    let ready = false;
    const out: RendererMessage[] = [];
    for (const m of messages) {
      switch (m[0]) {
        case Kind.Ready:
          ready = true;
          if (this.#readySeen) continue; // a reload: the window was ready long ago
          this.#readySeen = true;
          this.#startHeartbeat();
          break;
        case Kind.Sync:
          this.#syncSession = session;
          break;
        case Kind.Console:
          m[2] = server.tell(m[2]);
          break;
        case Kind.Error:
          m[1] = tellError(server, m[1]);
          break;
      }
      out.push(m);
    }
    if (out.length) {
      try {
        this.#sink.receive(out);
      } catch (error) {
        console.error(
          `denotron: window ${this.#launch.id}: handling a page's messages threw:`,
          error,
        );
      }
    }
    if (ready && session === this.#current) {
      session.ready = true;
      this.#flush();
    }
  }

  async #sync(id: string, seq: number, sent: number, body: Uint8Array): Promise<Uint8Array> {
    this.#syncWaiting++;
    try {
      return await this.#answerSync(id, seq, sent, body);
    } finally {
      this.#syncWaiting--;
    }
  }

  async #answerSync(id: string, seq: number, sent: number, body: Uint8Array): Promise<Uint8Array> {
    if (this.#destroyed) throw new Refused(410, "the window is closed");
    // Checked before this request's page load becomes the window's renderer: a malformed
    // request must not replace (close) the page that is connected, nor wait for nothing.
    const known = this.#sessions.get(id);
    if (!known?.socket && sent > (known?.received ?? 0)) {
      if (known) throw new Refused(410, "the page's socket closed");
      throw new Refused(400, `bad sync request: ${sent} frames sent on a socket never opened`);
    }
    let frames: PageFrame[];
    try {
      frames = splitFrames(body).map(readPageFrame);
      if (!known && frames.some((frame) => frame.handled > 0)) {
        throw new TypeError("bad frame: acknowledges frames never sent");
      }
    } catch (error) {
      throw new Refused(400, (error as Error).message);
    }
    const session = this.#session(id);
    const limit = this.#launch.syncTimeout + RENDERER_TIMEOUT_GRACE_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const backstop = new Promise<Uint8Array>((resolve) => {
      timer = setTimeout(() => {
        const info: ErrorInfo = { name: "Error", message: `no answer within ${limit} ms` };
        resolve(encode([seq, false, info] satisfies SyncReply));
      }, limit);
    });
    try {
      if (session.received < sent) {
        await Promise.race([
          new Promise<void>((resolve, reject) =>
            session.waiters.push({ need: sent, resolve, reject })
          ),
          backstop,
        ]);
      }
      try {
        for (const frame of frames) this.#frame(session, frame);
      } catch (error) {
        throw new Refused(400, (error as Error).message);
      }
      if (session.reply?.seq === seq) {
        const { bytes } = session.reply;
        session.reply = undefined;
        return bytes;
      }
      return await Promise.race([
        new Promise<Uint8Array>((resolve) => session.answer = { seq, resolve }),
        backstop,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #flush(): void {
    const session = this.#current;
    if (!session?.open || this.#queue.length === 0) return;
    // An older page's socket still closing may give frames back: they go first.
    for (const other of this.#sessions.values()) if (other !== session && other.socket) return;
    const socket = session.socket!;
    // Until the page load is ready, only answers to its own calls go (its entry may await one).
    const held: Uint8Array[] = [];
    for (const frame of this.#queue) {
      if (!session.ready && !this.#answers.has(frame)) {
        held.push(frame);
        continue;
      }
      socket.send(frame);
      session.unacked.push(frame);
    }
    this.#queue = held;
  }

  /**
   * An old page load's frames, for the one after it: without answers to the old page's calls or
   * its relayed ports' traffic, which were its alone (see `isForAnyRenderer`). Messages for
   * listeners stay, so a reload loses none.
   */
  #forNewPage(frames: Uint8Array[]): Uint8Array[] {
    const kept: Uint8Array[] = [];
    for (const frame of frames) {
      if (this.#answers.has(frame)) continue;
      const messages = decode(frame) as HostMessage[];
      const rest = messages.filter(isForAnyRenderer);
      if (rest.length === messages.length) kept.push(frame);
      else if (rest.length > 0) kept.push(encode(rest));
    }
    return kept;
  }

  #closed(session: Session): void {
    session.socket = undefined;
    session.open = false;
    const unacked = session === this.#current ? session.unacked : this.#forNewPage(session.unacked);
    this.#queue = [...unacked, ...this.#queue];
    session.unacked = [];
    session.handled = 0;
    for (const waiter of session.waiters.splice(0)) {
      waiter.reject(new Refused(410, "the page's socket closed"));
    }
    if (session !== this.#current) this.#sessions.delete(session.id);
    else session.ready = false;
    this.#flush();
  }

  #badFrame(session: Session, error: Error): void {
    console.error(`denotron: window ${this.#launch.id}: closing a page socket: ${error.message}`);
    session.socket?.close(1007, error.message.slice(0, 100));
  }

  /**
   * A quiet page is pinged with an empty batch, which it acknowledges from its socket's message
   * handler: a page that leaves it unanswered does not run its main thread.
   */
  #startHeartbeat(): void {
    if (!this.#responsive || this.#destroyed) return;
    const timeout = this.#launch.unresponsiveTimeout ?? DEFAULT_UNRESPONSIVE_TIMEOUT_MS;
    this.#heartbeat = new Heartbeat(timeout, {
      life: () => this.#heard,
      // Blocked on a sync request we hold, or between page loads.
      paused: () => this.#syncWaiting > 0 || !this.#current?.open || !this.#current.ready,
      ping: () => {
        const session = this.#current!;
        const ping = encode([]);
        session.socket!.send(ping);
        session.unacked.push(ping);
      },
    }, this.#responsive);
  }

  /** Ends everything this window holds; false if it had already ended. */
  #end(code: number, reason: string): boolean {
    if (this.#destroyed) return false;
    this.#destroyed = true;
    this.#heartbeat?.stop();
    this.#server?.unregister(this.#launch.id);
    for (const session of this.#sessions.values()) {
      session.socket?.close(code, reason);
      for (const waiter of session.waiters.splice(0)) {
        waiter.reject(new Refused(410, "the window is closed"));
      }
      session.answer?.resolve(
        encode([session.answer.seq, false, { name: "Error", message: `window ${reason}` }]),
      );
    }
    this.#queue = [];
    releasePages(this);
    return true;
  }

  /** The window went away by itself (closed in Chromium, crashed, host shutting down). */
  #exited(reason: string): void {
    if (this.#end(1001, reason)) this.#sink.exited(reason);
  }

  /** @internal The host is shutting its pages down. */
  _shutDown(): void {
    this.#exited("was closed: the host shut its pages down");
  }
}

function tellError(server: PageServer, info: ErrorInfo): ErrorInfo {
  return {
    ...info,
    message: server.tell(info.message),
    ...(info.stack ? { stack: server.tell(info.stack) } : {}),
  };
}
