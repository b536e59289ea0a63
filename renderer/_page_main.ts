/**
 * The bootstrap of a page window and the renderer end of its transport; it runs in the page
 * before the app's own scripts (the host bundles it into the page runtime, which every page
 * script imports first).
 *
 * Async messages go over a WebSocket as codec frames, one per batch. A sync call must really
 * block, and a page's main thread cannot `Atomics.wait`, so it blocks in a synchronous
 * `XMLHttpRequest` that tells the host how many frames the page has put on its socket: the host
 * answers only after it has handled all of them, so a `sendSync` after a burst of `send`s is
 * handled after the burst. Frames the socket could not take yet (still connecting) ride in the
 * request's body, in order. Each page load is a new session; see `common/_page_wire.ts` for how
 * a reload loses no host message.
 *
 * @module
 */
import { decode } from "../common/codec.ts";
import {
  detach,
  joinFrames,
  PAGE_INIT_KEY,
  pageFrame,
  SOCKET_PATH,
  SYNC_PATH,
  WINDOW_PREFIX,
} from "../common/_page_wire.ts";
import {
  DEFAULT_SYNC_TIMEOUT_MS,
  type HostMessage,
  type RendererMessage,
  type SyncReply,
} from "../common/protocol.ts";
import { installEnvironment, installLinkedChannels } from "./_bootstrap.ts";
import { installCore, RendererCore } from "./_core.ts";
import { inspect } from "./_inspect.ts";
import type { RendererInit, RendererTransport } from "./_transport.ts";

// The DOM's types are not in Deno's lib; this file declares the little of them it uses.
interface SyncRequest {
  open(method: string, url: string, async: false): void;
  overrideMimeType(mime: string): void;
  send(body: Uint8Array | null): void;
  readonly status: number;
  readonly responseText: string;
}
const { XMLHttpRequest, document, top } = globalThis as unknown as {
  XMLHttpRequest: new () => SyncRequest;
  document: EventTarget & { readyState: string; title: string };
  top: unknown;
};

/** Closes the page's window the browser's own way (only used when the host cannot). */
const closeNatively = globalThis.close.bind(globalThis);

class PageTransport implements RendererTransport {
  readonly #prefix: string;
  readonly #session: string;
  readonly #socket: WebSocket;
  #open = false;
  #closed = false;
  /** Frames the socket could not take yet, in order. */
  #pending: Uint8Array[] = [];
  /** Frames put on the socket. */
  #sent = 0;
  /** Host frames handled, and the count last told to the host. */
  #handled = 0;
  #told = 0;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #receive: (messages: HostMessage[]) => void = () => {};

  constructor(prefix: string, session: string) {
    this.#prefix = prefix;
    this.#session = session;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.#socket = new WebSocket(
      `${scheme}//${location.host}${prefix}${SOCKET_PATH}?s=${session}`,
    );
    this.#socket.binaryType = "arraybuffer";
    this.#socket.onopen = () => {
      this.#open = true;
      const pending = this.#pending;
      this.#pending = [];
      for (const frame of pending) this.#write(frame);
    };
    this.#socket.onmessage = (event: MessageEvent<ArrayBuffer>) => {
      this.#handled++;
      const messages = decode(new Uint8Array(event.data)) as HostMessage[];
      // An empty batch is the host's heartbeat: answered from here, not from a timer (which a
      // hidden page's browser may throttle), so an answer means this thread runs.
      if (messages.length === 0) return this.#ack();
      this.#receive(messages);
      // The next frame this page sends tells the host; if none goes soon, an ack of its own.
      this.#ackTimer ??= setTimeout(this.#ack, 0);
    };
    // A page that goes away (reload, navigation) says what it handled on its way out, so the
    // host sends the next page load exactly the frames this one never saw.
    addEventListener("pagehide", this.#ack);
    this.#socket.onclose = () => {
      this.#open = false;
      // The host closed the window it could not close itself (a browser it did not start).
      if (this.#closed) closeNatively();
    };
  }

  post(messages: RendererMessage[], transfer?: Transferable[]): void {
    const frame = pageFrame(this.#handled, messages); // a MessagePort throws: it cannot travel
    detach(transfer);
    this.#told = this.#handled;
    if (this.#open) this.#write(frame);
    else this.#pending.push(frame);
  }

  waitSync(seq: number, _timeoutMs: number): SyncReply {
    // No timeout here: a page's synchronous request cannot have one; the host always answers
    // (its own timer fails a call nobody answers).
    const body = this.#pending.length ? joinFrames(this.#pending) : null;
    this.#pending = [];
    const request = new XMLHttpRequest();
    request.open(
      "POST",
      `${this.#prefix}${SYNC_PATH}?s=${this.#session}&q=${seq}&n=${this.#sent}`,
      false,
    );
    // A synchronous request cannot have responseType "arraybuffer": read bytes as text instead.
    request.overrideMimeType("text/plain; charset=x-user-defined");
    try {
      request.send(body);
    } catch (error) {
      throw new Error(`no answer from the browser: ${(error as Error).message}`);
    }
    if (request.status !== 200) {
      throw new Error(`no answer from the browser (${request.status}): ${request.responseText}`);
    }
    const text = request.responseText;
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return decode(bytes) as SyncReply;
  }

  listen(receive: (messages: HostMessage[]) => void): void {
    this.#receive = receive;
  }

  close(): void {
    // The socket stays open until the host has the Close message and closes the window.
    this.#closed = true;
  }

  #write(frame: Uint8Array): void {
    this.#socket.send(frame);
    this.#sent++;
  }

  readonly #ack = (): void => {
    this.#ackTimer = undefined;
    if (this.#handled === this.#told || !this.#open) return;
    this.#told = this.#handled;
    this.#write(pageFrame(this.#handled));
  };
}

function sessionId(): string {
  return crypto.randomUUID?.() ??
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
}

const prefix = location.pathname.match(WINDOW_PREFIX);
if (!prefix) throw new Error("denotron: this page was not opened by a denotron host");
const init = (globalThis as Record<symbol, RendererInit | undefined>)[Symbol.for(PAGE_INIT_KEY)] ??
  { id: Number(prefix[1]), syncTimeout: DEFAULT_SYNC_TIMEOUT_MS };
const { title } = init;
if (title !== undefined && globalThis === top) {
  const set = () => void (document.title = title);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", set, { once: true });
  } else set();
}
const core = new RendererCore(new PageTransport(prefix[0], sessionId()), init);
installCore(core);
installEnvironment(core, (value) => inspect(value));
installLinkedChannels();
/**
 * Ready once the page's module scripts have finished: they have all started by `load` (the
 * runtime is the first import of each of them), but one with a top-level `await` finishes later.
 * Importing a script's own URL again gives its one instance, once it has finished evaluating.
 */
function whenModulesRan(): void {
  const scripts = (document as unknown as {
    querySelectorAll(selector: string): Iterable<{ src: string }>;
  }).querySelectorAll("script[type=module][src]");
  // A module that failed has been reported already; the page is still as ready as it gets.
  const ran = Array.from(scripts, (s) => import(s.src).catch(() => {}));
  Promise.all(ran).then(() => core.ready());
}
if (document.readyState === "complete") setTimeout(whenModulesRan, 0);
else addEventListener("load", whenModulesRan, { once: true });
