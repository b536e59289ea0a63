/**
 * Many small messages, each way: 1,000,000 `send`s from a worker window to the host
 * (`ipcRenderer.send` → `ipcMain.on`) and 1,000,000 pushes from the host to the window
 * (`webContents.send` → `ipcRenderer.on`), every one received and checked in order, against one
 * raw `postMessage` per message. Time from the first send to the last message received, in ms.
 *
 * @module
 */
import type { BrowserWindow } from "../browser/mod.ts";
import {
  alternate,
  openWindow,
  type Options,
  rawWorker,
  type Result,
  result,
  runOp,
  timeSends,
} from "./_measure.ts";

const N = 1_000_000;

function rawSend(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    let expected = 0;
    let bad: string | undefined;
    const start = performance.now();
    worker.onmessage = (event) => {
      const data = event.data;
      if (typeof data === "number") {
        if (data !== expected && !bad) bad = `send: got ${data}, expected ${expected}`;
        expected++;
        return;
      }
      const ms = performance.now() - start;
      worker.onmessage = null;
      if (bad || expected !== N) reject(new Error(bad ?? `raw send: got ${expected} of ${N}`));
      else resolve(ms);
    };
    worker.postMessage({ op: "send", params: [N] });
  });
}

async function oursPush(win: BrowserWindow): Promise<number> {
  const start = performance.now();
  const done = runOp<number>(win, "push", N); // arms the window's counter, ahead of the pushes
  for (let i = 0; i < N; i++) win.webContents.send("bench:p", i);
  const got = await done;
  const ms = performance.now() - start;
  if (got !== N) throw new Error(`push: got ${got} of ${N}`);
  return ms;
}

function rawPush(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    worker.onmessage = (event) => {
      const ms = performance.now() - start;
      worker.onmessage = null;
      const { done, error } = event.data as { done: number; error?: string };
      if (error || done !== N) reject(new Error(error ?? `raw push: got ${done} of ${N}`));
      else resolve(ms);
    };
    worker.postMessage({ op: "push", params: [N] });
    for (let i = 0; i < N; i++) worker.postMessage(i);
  });
}

/** `send-throughput-worker`, `push-throughput-worker`. */
export async function* run(options: Options): AsyncGenerator<Result> {
  const rounds = Math.max(3, options.rounds - 2);
  const win = await openWindow("renderer.ts");
  const raw = rawWorker("raw.ts");
  try {
    yield result(
      "send-throughput-worker",
      "ms",
      await alternate(rounds, { ours: () => timeSends(win, N), baseline: () => rawSend(raw) }),
      0.5,
      "1 raw postMessage per message",
    );
    yield result(
      "push-throughput-worker",
      "ms",
      await alternate(rounds, { ours: () => oursPush(win), baseline: () => rawPush(raw) }),
      0.5,
      "1 raw postMessage per message",
    );
  } finally {
    win.destroy();
    raw.terminate();
  }
}
