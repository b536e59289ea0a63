/**
 * The bootstrap of a process window (a renderer in its own Deno process) and the renderer end of
 * its transport. The window's generated entry imports this module before the window's own script
 * and calls `ready()` after it; its init (`RendererInit` as JSON) is the process's first argument.
 *
 * The host starts the process with three descriptors besides stdout and stderr (which stay the
 * process's real output):
 *
 * - fd 3, a socket: everything this renderer sends (frames of codec-encoded batches, heartbeat
 *   answers) and, the other way, the answers to sync calls only. Nothing reads it asynchronously,
 *   so a sync call can block in a plain synchronous read of it and no event-loop reader steals
 *   its answer (one pipe read both ways is exactly that race).
 * - fd 4, a socket: what the host sends (message batches, heartbeat pings), read on the event
 *   loop. A heartbeat is answered from here, so a renderer that never yields stops answering.
 * - stdin, a pipe the host never writes: the lifeline. A watchdog worker reads it; when the host
 *   goes away by any means, even SIGKILL, the read ends and the watchdog kills this process,
 *   whatever its main thread is doing (an endless loop cannot stop a second thread).
 *
 * Frames are `common/_frames.ts`; payloads are `common/codec.ts` (faster than `node:v8` for the
 * small messages that dominate; see `bench/process_bench.ts`).
 *
 * @module
 */
import { readSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { decode, encode } from "../common/codec.ts";
import { detach } from "../common/_page_wire.ts";
import { Frame, FrameReader, FrameWriter } from "../common/_frames.ts";
import type { HostMessage, RendererMessage, SyncReply } from "../common/protocol.ts";
import { installEnvironment } from "./_bootstrap.ts";
import { installCore, RendererCore } from "./_core.ts";
import type { RendererInit, RendererTransport } from "./_transport.ts";

/** Our end of the socket for what we send and for sync answers. */
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

// Kills this process when the lifeline ends. `Deno.exit` in a worker ends only the worker;
// signalling our own pid needs no permission.
const WATCHDOG = `const buf = new Uint8Array(16);
try { while (await Deno.stdin.read(buf) !== null); } catch {}
Deno.kill(Deno.pid, "SIGKILL");`;

/** The host is gone (its end of a socket closed): nobody is left to serve; end now. */
function hostGone(): never {
  Deno.exit(0);
}

/** Writes all of `bytes` to `fd` (a blocking socket), or ends the process if the host is gone. */
function writeAll(fd: number, bytes: Uint8Array): void {
  try {
    // The two-argument form is the cheapest call; a blocking socket rarely writes in part.
    let written = writeSync(fd, bytes);
    while (written < bytes.length) written += writeSync(fd, bytes.subarray(written));
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
        if (out.size >= WRITE_AT) writeAll(TO_HOST_FD, out.take());
      }
    }
    detach(transfer); // bytes were copied: the sender's buffers go, as a transfer promises
    writeAll(TO_HOST_FD, out.take());
  }

  /** Sends the heartbeat's answer (or the hello). */
  signal(type: number): void {
    this.#out.add(type);
    writeAll(TO_HOST_FD, this.#out.take());
  }

  waitSync(seq: number, _timeoutMs: number): SyncReply {
    // No timer here: a blocking read cannot have one. The host's own timer answers a call
    // nobody answers; if the host dies instead, the read ends and so does this process.
    for (;;) {
      let n: number;
      try {
        n = readSync(TO_HOST_FD, this.#scratch);
      } catch {
        hostGone();
      }
      if (n === 0) hostGone();
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

new Worker(`data:text/javascript,${encodeURIComponent(WATCHDOG)}`, {
  type: "module",
  name: "denotron lifeline",
});
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
