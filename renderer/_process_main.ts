/**
 * The bootstrap of a process window (a renderer in its own Deno process) and the renderer end of
 * its transport. The window's generated entry imports this module before the window's own script
 * and calls `ready()` after it; its init (`RendererInit` as JSON) is the process's first argument.
 *
 * Besides stdout and stderr, which stay the process's real output, the host gives it:
 *
 * - stdin, a pipe: the answers to sync calls, and nothing else. Nothing reads it on the event
 *   loop, so a sync call blocks in a plain synchronous read of it, and no pending asynchronous
 *   read can take its answer first (if one channel carried both, one would: the renderer would
 *   then wait forever for an answer already consumed). A pipe, because waking a reader blocked
 *   on a pipe costs less than on a socket: ~11 µs against ~16 µs per round trip here.
 * - fd 3, a socket: everything this renderer sends (frames of codec-encoded batches, heartbeat
 *   answers), written synchronously.
 * - fd 4, a socket: what the host sends (message batches, heartbeat pings), read on the event
 *   loop. A ping is answered from there, so a renderer that never yields stops answering.
 *
 * When the host goes away, by any means, they end: a renderer that is idle or blocked in a sync
 * call sees it and exits. One whose main thread never yields cannot; the host's reaper process
 * (`host/_reaper.ts`) kills it.
 *
 * Frames are `common/_frames.ts`; payloads are `common/codec.ts` (much faster than `node:v8`
 * for the small messages that dominate; see `bench/process_bench.ts`).
 *
 * @module
 */
import { writeSync } from "node:fs";
import { Socket } from "node:net";
import { decode, encode } from "../common/codec.ts";
import { detach } from "../common/_page_wire.ts";
import { Frame, FrameReader, FrameWriter } from "../common/_frames.ts";
import type { HostMessage, RendererMessage, SyncReply } from "../common/protocol.ts";
import { installEnvironment } from "./_bootstrap.ts";
import { installCore, RendererCore } from "./_core.ts";
import type { RendererInit, RendererTransport } from "./_transport.ts";

/** Our end of the socket for what we send. */
const TO_HOST_FD = 3;
/** Our end of the socket for what the host sends. */
const FROM_HOST_FD = 4;
/**
 * Most messages per frame: a big batch leaves as several frames, so the host decodes one while
 * we encode the next (two cores at work), and neither side holds one huge buffer.
 */
const MESSAGES_PER_FRAME = 4096;
/** Frames are written once this many bytes are collected (and at the end of each post). */
const WRITE_AT = 256 * 1024;

/** The host is gone (its end of a pipe closed): nobody is left to serve; end now. */
function hostGone(): never {
  Deno.exit(0);
}

/** Writes all of `bytes` to the socket, or ends the process if the host is gone. */
function writeAll(bytes: Uint8Array): void {
  try {
    // The two-argument form is the cheapest call; a blocking socket rarely writes in part.
    let written = writeSync(TO_HOST_FD, bytes);
    while (written < bytes.length) written += writeSync(TO_HOST_FD, bytes.subarray(written));
  } catch {
    hostGone();
  }
}

class ProcessTransport implements RendererTransport {
  readonly #out = new FrameWriter();
  readonly #answers = new FrameReader();
  readonly #scratch = new Uint8Array(256 * 1024);
  #answer: SyncReply | undefined;
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

  /** Sends an empty frame of `type` (the hello, a heartbeat's answer). */
  signal(type: number): void {
    this.#out.add(type);
    writeAll(this.#out.take());
  }

  waitSync(seq: number, _timeoutMs: number): SyncReply {
    // No timer here: a blocking read cannot have one. The host's own timer answers a call
    // nobody answers; if the host dies instead, the read ends and so does this process.
    for (;;) {
      let n: number | null;
      try {
        n = Deno.stdin.readSync(this.#scratch);
      } catch {
        hostGone();
      }
      if (!n) hostGone();
      this.#answers.push(this.#scratch.subarray(0, n), this.#onAnswer);
      const answer = this.#answer;
      this.#answer = undefined;
      if (answer && answer[0] === seq) return answer;
      // An answer to an older call (none is expected: every call waits for its own): dropped.
    }
  }

  readonly #onAnswer = (type: number, payload: Uint8Array): void => {
    if (type === Frame.Reply) this.#answer = decode(payload) as SyncReply;
  };

  listen(receive: (messages: HostMessage[]) => void): void {
    const reader = new FrameReader();
    const onFrame = (type: number, payload: Uint8Array) => {
      if (type === Frame.Batch) receive(decode(payload) as HostMessage[]);
      else if (type === Frame.Ping) this.signal(Frame.Pong);
    };
    const socket = new Socket({ fd: FROM_HOST_FD, readable: true, writable: false });
    // Chunks are Node `Buffer`s, whose `slice` does not copy; the codec needs a plain view.
    socket.on("data", (chunk: Uint8Array) => {
      reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), onFrame);
    });
    socket.on("end", hostGone);
    socket.on("error", hostGone);
  }

  close(): void {
    // Everything is written synchronously, so nothing is pending: end after this task, as a
    // worker's close() does, once the host has our Close message.
    if (this.#closing) return;
    this.#closing = true;
    setTimeout(() => Deno.exit(0), 0);
  }
}

const init = JSON.parse(Deno.args[0]) as RendererInit;
const transport = new ProcessTransport();
transport.signal(Frame.Hello);
const core = new RendererCore(transport, init);
installCore(core);
installEnvironment(core, (v) => Deno.inspect(v, { colors: false, depth: 6 }));

/** Reports that the window's script has run. */
export function ready(): void {
  core.ready();
}
