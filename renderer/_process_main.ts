/**
 * The bootstrap of a process window (a renderer in its own Deno process) and the renderer end of
 * its transport. The window's generated entry imports this module before the window's own script
 * and calls `ready()` after it; its init (`RendererInit` as JSON) is the process's first argument.
 *
 * It uses only the standard streams, natively: any `node:` module would cost each renderer
 * ~20 ms of start-up and ~10 MB (Deno's Node compatibility boots on first use).
 *
 * - stdout carries this renderer's frames to the host, written synchronously. What the renderer's
 *   own code writes to `Deno.stdout` (or `process.stdout`) is wrapped into frames too and printed
 *   by the host, so the window's real output still reaches the terminal.
 * - stdin carries the host's frames, and is only ever read synchronously: an asynchronous read
 *   left pending on the event loop would take a sync call's answer, and the renderer would wait
 *   forever for an answer already consumed. A sync call reads until its answer (keeping what
 *   comes before it for later). Everything else is announced: the host writes its frames, then a
 *   doorbell frame, then sends SIGUSR2; the signal handler, on the event loop, reads up to the
 *   doorbell and acknowledges it, and the host rings again only after that acknowledgement, so
 *   every doorbell has its own signal. A heartbeat ping is answered from there: a renderer that
 *   never yields stops answering.
 * - stderr stays the process's own (Deno's errors, V8's fatal messages): the host shows it.
 *
 * The process ends when the host goes away: a sync call's read ends, and a timer notices that the
 * parent changed (started with the first doorbell: Deno's timers cost a renderer ~14 ms to load,
 * which its start-up does without). One whose main thread never yields cannot notice; the host's
 * reaper process (`host/_reaper.ts`) kills it.
 *
 * Frames are `common/_frames.ts`; payloads are `common/codec.ts` (much faster than `node:v8` for
 * the small messages that dominate; see `bench/process_bench.ts`).
 *
 * @module
 */
import { decode, encode } from "../common/codec.ts";
import { detach } from "../common/_page_wire.ts";
import { Frame, FrameReader, FrameWriter } from "../common/_frames.ts";
import type { HostMessage, RendererMessage, SyncReply } from "../common/protocol.ts";
import { installEnvironment, installLinkedChannels } from "./_bootstrap.ts";
import { installCore, RendererCore } from "./_core.ts";
import type { RendererInit, RendererTransport } from "./_transport.ts";

/**
 * Most messages per frame: a big batch leaves as several frames, so the host decodes one while
 * we encode the next (two cores at work), and neither side holds one huge buffer.
 */
const MESSAGES_PER_FRAME = 4096;
/** Frames are written once this many bytes are collected (and at the end of each post). */
const WRITE_AT = 256 * 1024;
/** How often an idle renderer checks that its host is still there, in ms. */
const PARENT_CHECK_MS = 250;

const stdout = Deno.stdout;
const writeOut = stdout.writeSync.bind(stdout);

const parent = Deno.ppid;
let watching = false;

/** Ends the process when it gets another parent: its host is gone. */
function watchParent(): void {
  if (watching) return;
  watching = true;
  setInterval(() => {
    if (Deno.ppid !== parent) hostGone();
  }, PARENT_CHECK_MS);
}

/** The host is gone (a pipe closed, or we were handed to another parent): end now. */
function hostGone(): never {
  Deno.exit(0);
}

/** Writes all of `bytes` to stdout, or ends the process if the host is gone. */
function writeAll(bytes: Uint8Array): void {
  try {
    let written = writeOut(bytes);
    while (written < bytes.length) written += writeOut(bytes.subarray(written));
  } catch {
    hostGone();
  }
}

class ProcessTransport implements RendererTransport {
  readonly #out = new FrameWriter();
  readonly #in = new FrameReader();
  readonly #scratch = new Uint8Array(256 * 1024);
  #receive: (messages: HostMessage[]) => void = () => {};
  /** Host batches read during a sync call, delivered by the next doorbell's handler. */
  #held: HostMessage[][] = [];
  /** A doorbell frame read during a sync call: its signal needs no reading, only the ack. */
  #doorbellRead = false;
  /** A heartbeat ping read during a sync call: answered from the event loop, not from there. */
  #pongOwed = false;
  #answer: SyncReply | undefined;
  #stop: "answer" | "doorbell" = "doorbell";
  #stopped = false;
  #closing = false;

  post(messages: RendererMessage[], transfer?: Transferable[]): void {
    const out = this.#out;
    if (messages.length <= MESSAGES_PER_FRAME) {
      out.add(Frame.Batch, encode(messages)); // throws a DataCloneError before anything is written
    } else {
      for (let i = 0; i < messages.length; i += MESSAGES_PER_FRAME) {
        out.add(Frame.Batch, encode(messages.slice(i, i + MESSAGES_PER_FRAME)));
        if (out.size >= WRITE_AT) writeAll(out.take());
      }
    }
    detach(transfer); // bytes were copied: the sender's buffers go, as a transfer promises
    writeAll(out.take());
  }

  /** Sends a frame of `type` (the hello, a heartbeat's answer, a doorbell's acknowledgement). */
  signal(type: number, payload?: Uint8Array): void {
    this.#out.add(type, payload);
    writeAll(this.#out.take());
  }

  waitSync(seq: number, _timeoutMs: number): SyncReply {
    // No timer here: a blocking read cannot have one. The host's own timer answers a call
    // nobody answers; if the host dies instead, the read ends and so does this process.
    for (;;) {
      const answer = this.#readUntil("answer");
      if (answer[0] === seq) return answer;
      // An answer to an older call (none is expected: every call waits for its own): dropped.
    }
  }

  listen(receive: (messages: HostMessage[]) => void): void {
    this.#receive = receive;
  }

  /** Starts answering doorbells. Before this, SIGUSR2 would end the process: the host rings only
   * after our hello, which follows. */
  answerDoorbells(): void {
    Deno.addSignalListener("SIGUSR2", this.#onDoorbell);
  }

  close(): void {
    // Everything is written synchronously, so nothing is pending: end after this task, as a
    // worker's close() does, once the host has our Close message.
    if (this.#closing) return;
    this.#closing = true;
    setTimeout(() => Deno.exit(0), 0);
  }

  /** Wraps the renderer's own stdout writes into frames, so they cannot break ours. */
  captureStdout(): void {
    const writeSync = (bytes: Uint8Array) => {
      this.signal(Frame.Stdout, bytes.slice());
      return bytes.length;
    };
    const write = (bytes: Uint8Array) => Promise.resolve(writeSync(bytes));
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => void writeSync(chunk),
    });
    for (const [name, value] of Object.entries({ writeSync, write })) {
      Object.defineProperty(stdout, name, { value, configurable: true, writable: true });
    }
    Object.defineProperty(stdout, "writable", { get: () => writable, configurable: true });
  }

  readonly #onDoorbell = (): void => {
    watchParent();
    if (this.#doorbellRead) this.#doorbellRead = false;
    else this.#readUntil("doorbell");
    this.signal(Frame.DoorbellAck);
    if (this.#pongOwed) {
      this.#pongOwed = false;
      this.signal(Frame.Pong);
    }
    const held = this.#held;
    this.#held = [];
    for (const messages of held) this.#deliver(messages);
  };

  #deliver(messages: HostMessage[]): void {
    try {
      this.#receive(messages);
    } catch (error) {
      globalThis.reportError(error);
    }
  }

  /** Reads stdin synchronously up to the next frame of kind `stop`; returns an answer's reply. */
  #readUntil(stop: "answer"): SyncReply;
  #readUntil(stop: "doorbell"): undefined;
  #readUntil(stop: "answer" | "doorbell"): SyncReply | undefined {
    this.#stop = stop;
    this.#stopped = false;
    while (!this.#stopped) {
      let n: number | null;
      try {
        n = Deno.stdin.readSync(this.#scratch);
      } catch {
        hostGone();
      }
      if (!n) hostGone();
      this.#in.push(this.#scratch.subarray(0, n), this.#onFrame);
    }
    const answer = this.#answer;
    this.#answer = undefined;
    return answer;
  }

  readonly #onFrame = (type: number, payload: Uint8Array): void => {
    switch (type) {
      case Frame.Batch:
        this.#held.push(decode(payload) as HostMessage[]);
        break;
      case Frame.Ping:
        if (this.#stop === "doorbell") this.signal(Frame.Pong);
        else this.#pongOwed = true;
        break;
      case Frame.Reply:
        this.#answer = decode(payload) as SyncReply;
        if (this.#stop === "answer") this.#stopped = true;
        break;
      case Frame.Doorbell:
        if (this.#stop === "doorbell") this.#stopped = true;
        else this.#doorbellRead = true;
        break;
    }
  };
}

const init = JSON.parse(Deno.args[0]) as RendererInit;
const transport = new ProcessTransport();
transport.answerDoorbells();
transport.signal(Frame.Hello);
transport.captureStdout();
const core = new RendererCore(transport, init);
installCore(core);
installEnvironment(core, (v) => Deno.inspect(v, { colors: false, depth: 6 }));
installLinkedChannels();
// The terminal's Ctrl-C reaches the whole process group; the host ends its renderers itself
// (an orderly quit, not a crash report for each).
Deno.addSignalListener("SIGINT", () => {});
// Keeps the process alive (a signal listener does not), without a timer.
const keepAlive = new MessageChannel().port1;
keepAlive.onmessage = () => {};

/** Reports that the window's script has run. */
export function ready(): void {
  core.ready();
}
