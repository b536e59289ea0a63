/**
 * A minimal Chrome DevTools Protocol client: a message-id → promise map plus
 * event dispatch by (method, sessionId). The transport is whatever the caller
 * gives it; {@linkcode Cdp.receive} takes raw bytes of messages separated by
 * NUL bytes, the framing of `--remote-debugging-pipe`.
 *
 * Private to the host: use `chromium.ts`.
 *
 * @module
 */

/** Parameters or result of a CDP message: a plain JSON object. */
export type CdpParams = Record<string, unknown>;

/** Called with an event's params and the session it came from (if any). */
export type CdpHandler = (params: CdpParams, sessionId?: string) => void;

interface Pending {
  method: string;
  resolve: (result: CdpParams) => void;
  reject: (error: Error) => void;
}

interface Message {
  id?: number;
  method?: string;
  params?: CdpParams;
  sessionId?: string;
  result?: CdpParams;
  error?: { code?: number; message?: string; data?: string };
}

/**
 * One CDP connection (the browser's). Commands for a page go to the same
 * connection with the `sessionId` of a flattened `Target.attachToTarget`.
 *
 * @example Feed it the pipe, write its messages to the pipe
 * ```ts
 * const cdp = new Cdp((message) => pipeIn.write(message + "\0"));
 * pipeOut.on("data", (bytes: Uint8Array) => cdp.receive(bytes));
 * const { product } = await cdp.send("Browser.getVersion");
 * ```
 */
export class Cdp {
  #write: (message: string) => void;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #handlers = new Map<string, Set<CdpHandler>>();
  #chunks: Uint8Array[] = [];
  #decoder = new TextDecoder();
  #disposed: Error | undefined;

  /**
   * A connection that sends each message with `write`.
   *
   * @param write sends one serialized message (without any framing).
   */
  constructor(write: (message: string) => void) {
    this.#write = write;
  }

  /**
   * Sends a command and resolves with its result. Rejects with an Error
   * naming the method and CDP's error message, or when the connection ends.
   *
   * @example
   * ```ts
   * const { targetId } = await cdp.send("Target.createTarget", { url });
   * ```
   */
  send(
    method: string,
    params: CdpParams = {},
    sessionId?: string,
  ): Promise<CdpParams> {
    if (this.#disposed) {
      return Promise.reject(
        new Error(`CDP ${method} failed: ${this.#disposed.message}`),
      );
    }
    const id = this.#nextId++;
    const message: Message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise<CdpParams>((resolve, reject) => {
      this.#pending.set(id, { method, resolve, reject });
      try {
        this.#write(JSON.stringify(message));
      } catch (error) {
        this.#pending.delete(id);
        reject(new Error(`CDP ${method} failed: ${String(error)}`));
      }
    });
  }

  /**
   * Calls `handler` for each event `method` of session `sessionId` (no
   * session: the browser's own events). Returns a function that unsubscribes.
   *
   * @example
   * ```ts
   * const off = cdp.on("Target.targetDestroyed", ({ targetId }) => {});
   * off();
   * ```
   */
  on(method: string, handler: CdpHandler, sessionId?: string): () => void {
    const key = `${method} ${sessionId ?? ""}`;
    let set = this.#handlers.get(key);
    if (!set) this.#handlers.set(key, set = new Set());
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.#handlers.delete(key);
    };
  }

  /**
   * Takes bytes from the transport: NUL-separated JSON messages, possibly
   * split across chunks.
   *
   * @example
   * ```ts
   * cdp.receive(new TextEncoder().encode('{"id":1,"result":{}}\0'));
   * ```
   */
  receive(bytes: Uint8Array): void {
    let start = 0;
    for (let end = bytes.indexOf(0); end !== -1; end = bytes.indexOf(0, start)) {
      this.#chunks.push(bytes.subarray(start, end));
      const text = this.#chunks.map((c, i) =>
        this.#decoder.decode(c, { stream: i < this.#chunks.length - 1 })
      ).join("");
      this.#chunks = [];
      start = end + 1;
      this.#dispatch(text);
    }
    // Copy: the transport may reuse its buffer.
    if (start < bytes.length) this.#chunks.push(bytes.slice(start));
  }

  /**
   * Ends the connection: every pending and later command rejects with
   * `reason`; handlers are dropped.
   *
   * @example
   * ```ts
   * cdp.dispose(new Error("Chromium exited"));
   * ```
   */
  dispose(reason: Error): void {
    if (this.#disposed) return;
    this.#disposed = reason;
    for (const { method, reject } of this.#pending.values()) {
      reject(new Error(`CDP ${method} failed: ${reason.message}`));
    }
    this.#pending.clear();
    this.#handlers.clear();
  }

  #dispatch(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text);
    } catch {
      return; // Not ours to crash on; Chromium only sends JSON.
    }
    if (message.id !== undefined) {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error) {
        const { message: text, data } = message.error;
        pending.reject(
          new Error(
            `CDP ${pending.method} failed: ${text ?? "unknown error"}${data ? ` (${data})` : ""}`,
          ),
        );
      } else {
        pending.resolve(message.result ?? {});
      }
      return;
    }
    if (!message.method) return;
    const key = `${message.method} ${message.sessionId ?? ""}`;
    for (const handler of [...this.#handlers.get(key) ?? []]) {
      try {
        handler(message.params ?? {}, message.sessionId);
      } catch (error) {
        // A buggy handler must break neither the connection nor the host.
        console.error(`denotron: CDP ${message.method} handler:`, error);
      }
    }
  }
}
