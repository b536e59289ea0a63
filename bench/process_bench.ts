/**
 * Process windows (`isolation: "process"`) against the raw platform. A standalone script:
 *
 * ```sh
 * deno run -A bench/process_bench.ts [--quick] [--json] [--only=startup,sync-rtt]
 * ```
 *
 * prints one JSON object per line, `{ name, ours, baseline, unit, ratio, target, vs }` (with
 * `--json`, also every round), the median of several alternating rounds each (see
 * `bench/_measure.ts`):
 *
 * - `sync-rtt-process`: a small `sendSync` round trip from a process window, against a raw
 *   Worker `postMessage` ping-pong (µs);
 * - `startup-10-process`: 10 process windows to their first message, against 10 bare `deno run`
 *   children writing one byte (ms); `memory-process`: VmRSS of a process window against a bare
 *   child's (MB);
 * - `send-throughput-process`: 1,000,000 small sends (200,000 with `--quick`) from a process
 *   window, received in order, against one raw framed write per message over the same kind of
 *   pipe (ms);
 * - `codec-vs-v8-*`: the serialization choice, `common/codec.ts` ("ours") against `node:v8`
 *   ("baseline") for the messages that dominate (ns per message, encode + decode).
 *
 * @module
 */
import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { deserialize, serialize } from "node:v8";
import { BrowserWindow, ipcMain, type IpcMainEvent } from "../browser/mod.ts";
import { decode, encode } from "../common/codec.ts";
import { FrameReader } from "../common/_frames.ts";
import {
  alternate,
  fixture,
  median,
  nextRaw,
  openWindow,
  rawWorker,
  type Result,
  result,
  runOp,
  timeSends,
} from "./_measure.ts";

const quick = Deno.args.includes("--quick");
const only = Deno.args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const wanted = (name: string) => !only || only.some((o) => name.startsWith(o));
const json = Deno.args.includes("--json");
const ROUNDS = quick ? 3 : 7;
const PROCESS = { isolation: "process" } as const;
const RAW_CHILD = fixture("raw_process.ts").pathname;
// Spelled so node:child_process does not rewrite it as a Node command line (see host/_reaper.ts).
const DENO = Deno.execPath().replace(/[^/]+$/, "./$&");

function print(r: Result): void {
  const { rounds, ...rest } = r;
  console.log(JSON.stringify(json ? r : rest));
  void rounds;
}

/** Raw async ping-pong initiated by a bare worker; µs per round trip. */
function rawRtt(worker: Worker, n: number): Promise<number> {
  const done = nextRaw<{ done: number }>(worker, (d) => typeof d === "object").then((d) => d.done);
  worker.postMessage({ op: "rtt", params: [n] });
  return done;
}

async function syncRtt(): Promise<Result> {
  const n = quick ? 5_000 : 20_000;
  const win = await openWindow("renderer.ts", PROCESS);
  const raw = rawWorker("raw.ts");
  raw.addEventListener("message", (e) => {
    if (typeof e.data === "number") raw.postMessage(e.data);
  });
  ipcMain.on("bench:sync", (event: IpcMainEvent, i: number) => (event.returnValue = i));
  try {
    const rounds = await alternate(ROUNDS, {
      ours: () => runOp(win, "sync", n),
      baseline: () => rawRtt(raw, n),
    });
    return result("sync-rtt-process", "µs", rounds, 1.2, "raw Worker postMessage ping-pong");
  } finally {
    ipcMain.removeAllListeners("bench:sync");
    win.destroy();
    raw.terminate();
  }
}

/** VmRSS of process `pid`, in MB. */
function rssOf(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** This process's renderer processes (not the reaper, not the baseline's children). */
function renderers(): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== Deno.pid) continue;
      if (Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).includes("_process_main")) {
        pids.push(Number(entry.name));
      }
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

const COUNT = 10;

async function startupOurs(memory: number[]): Promise<number> {
  const { promise, resolve } = Promise.withResolvers<void>();
  let hellos = 0;
  const on = () => {
    if (++hellos === COUNT) resolve();
  };
  ipcMain.on("bench:hello", on);
  const start = performance.now();
  const windows = Array.from({ length: COUNT }, () => new BrowserWindow(PROCESS));
  for (const win of windows) win.loadFile(fixture("hello.ts"));
  await promise;
  const ms = performance.now() - start;
  ipcMain.off("bench:hello", on);
  await new Promise((r) => setTimeout(r, 200)); // let them settle before reading memory
  const pids = renderers();
  memory.push(pids.reduce((sum, pid) => sum + rssOf(pid), 0) / pids.length);
  for (const win of windows) win.destroy();
  await until(() => renderers().length === 0);
  return ms;
}

async function startupRaw(memory: number[]): Promise<number> {
  const start = performance.now();
  const procs = Array.from({ length: COUNT }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", fixture("raw_byte.ts").pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn());
  await Promise.all(procs.map(async (p) => {
    const reader = p.stdout.getReader();
    await reader.read();
    reader.releaseLock();
  }));
  const ms = performance.now() - start;
  await new Promise((r) => setTimeout(r, 200));
  memory.push(procs.reduce((sum, p) => sum + rssOf(p.pid), 0) / procs.length);
  for (const p of procs) {
    await p.stdin.close();
    await p.stdout.cancel();
    await p.status;
  }
  return ms;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

async function* startup(): AsyncGenerator<Result> {
  const memory = { ours: [] as number[], baseline: [] as number[] };
  const rounds = await alternate(ROUNDS, {
    ours: () => startupOurs(memory.ours),
    baseline: () => startupRaw(memory.baseline),
  });
  yield result("startup-10-process", "ms", rounds, 1.5, "10 bare deno children, 1 byte each");
  yield result("memory-process", "MB", memory, undefined, "VmRSS of a bare deno child");
}

/** A bare child writing raw frames on its stdout, as a process window's renderer does. */
class RawFrames {
  readonly #child = spawn(DENO, ["run", "--no-config", RAW_CHILD], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  #onFrame: (type: number, payload: Uint8Array) => void = () => {};

  constructor() {
    const reader = new FrameReader();
    (this.#child.stdout as Readable).on("data", (chunk: Uint8Array) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      reader.push(bytes, (type, payload) => this.#onFrame(type, payload));
    });
  }

  /** `n` frames, each checked in order; ms from the request to the last. */
  run(n: number): Promise<number> {
    return new Promise((resolve, reject) => {
      let expected = 0;
      let bad: string | undefined;
      const start = performance.now();
      this.#onFrame = (type, payload) => {
        if (type === 1) {
          const i = payload[0] | payload[1] << 8 | payload[2] << 16 | payload[3] << 24;
          if (i !== expected && !bad) bad = `raw: got ${i}, expected ${expected}`;
          expected++;
          return;
        }
        const ms = performance.now() - start;
        if (bad || expected !== n) reject(new Error(bad ?? `raw: got ${expected} of ${n}`));
        else resolve(ms);
      };
      (this.#child.stdin as Writable).write(`${n}\n`);
    });
  }

  stop(): void {
    this.#child.kill("SIGKILL");
  }
}

async function throughput(): Promise<Result> {
  const n = quick ? 200_000 : 1_000_000;
  const win = await openWindow("renderer.ts", PROCESS);
  const raw = new RawFrames();
  try {
    const rounds = await alternate(Math.max(3, ROUNDS - 2), {
      ours: () => timeSends(win, n),
      baseline: () => raw.run(n),
    });
    return result(
      "send-throughput-process",
      "ms",
      rounds,
      1.5,
      `${n} raw framed writes over the same kind of pipe`,
    );
  } finally {
    win.destroy();
    raw.stop();
  }
}

/** ns per message to encode and decode `value`, by each serializer. */
function serialization(name: string, value: unknown, n: number): Result {
  const time = (fn: () => void) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    return (performance.now() - start) * 1e6 / n;
  };
  const codec = () => void decode(encode(value));
  const v8 = () => void deserialize(serialize(value));
  const rounds = { ours: [] as number[], baseline: [] as number[] };
  time(codec);
  time(v8);
  for (let r = 0; r < ROUNDS; r++) {
    rounds.ours.push(time(codec));
    rounds.baseline.push(time(v8));
  }
  return result(`codec-vs-v8-${name}`, "ns", rounds, undefined, "node:v8 serialize+deserialize");
}

const send = [[0, "bench:t", [42]]];
const sync = [[1, 7, "sync-message", ["config", { key: "ui" }]]];
const reply = [7, true, { theme: "dark", size: 12 }];
const batch = Array.from({ length: 1000 }, (_, i) => [0, "bench:t", [i]]);
if (wanted("codec-vs-v8")) {
  print(serialization("send", send, quick ? 20_000 : 100_000));
  print(serialization("sync", sync, quick ? 20_000 : 100_000));
  print(serialization("reply", reply, quick ? 20_000 : 100_000));
  const perBatch = serialization("batch-1000", batch, quick ? 50 : 200);
  print({
    ...perBatch,
    ours: median(perBatch.rounds!.ours) / 1000,
    baseline: median(perBatch.rounds!.baseline) / 1000,
    vs: "node:v8, per message of a 1,000-message batch",
  });
}
if (wanted("sync-rtt-process")) print(await syncRtt());
if (wanted("startup-10-process") || wanted("memory-process")) {
  for await (const r of startup()) print(r);
}
if (wanted("send-throughput-process")) print(await throughput());
Deno.exit(0);
