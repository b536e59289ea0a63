/**
 * One message to 100 windows: `broadcast(channel, i)` to 100 worker windows, each answering with
 * one `send`, against a loop of raw `postMessage` to 100 bare workers, each echoing. µs from the
 * call to the 100th answer, per broadcast.
 *
 * @module
 */
import { broadcast, type BrowserWindow, ipcMain } from "../browser/mod.ts";
import {
  alternate,
  nextRaw,
  openWindow,
  type Options,
  rawWorker,
  type Result,
  result,
} from "./_measure.ts";

const COUNT = 100;

/** `broadcast-100`. */
export async function* run(options: Options): AsyncGenerator<Result> {
  const k = options.quick ? 20 : 50;
  const windows: BrowserWindow[] = await Promise.all(
    Array.from({ length: COUNT }, () => openWindow("hello.ts")),
  );
  const workers = Array.from({ length: COUNT }, () => rawWorker("raw_hello.ts"));
  await Promise.all(workers.map((w) => nextRaw(w)));

  let acks = 0;
  let allAcked: (() => void) | undefined;
  const ack = () => {
    if (++acks === COUNT) allAcked!();
  };
  ipcMain.on("bench:ack", ack);
  for (const w of workers) w.onmessage = ack;
  const waitAll = () => {
    acks = 0;
    return new Promise<void>((resolve) => (allAcked = resolve));
  };

  try {
    yield result(
      "broadcast-100",
      "µs",
      await alternate(options.rounds, {
        ours: async () => {
          const start = performance.now();
          for (let j = 0; j < k; j++) {
            const all = waitAll();
            if (broadcast("bench:b", j) !== COUNT) throw new Error("broadcast: not every window");
            await all;
          }
          return (performance.now() - start) * 1000 / k;
        },
        baseline: async () => {
          const start = performance.now();
          for (let j = 0; j < k; j++) {
            const all = waitAll();
            for (const w of workers) w.postMessage(j);
            await all;
          }
          return (performance.now() - start) * 1000 / k;
        },
      }),
      1.0,
      "loop of raw postMessage to 100 workers",
    );
  } finally {
    ipcMain.off("bench:ack", ack);
    for (const win of windows) win.destroy();
    for (const w of workers) w.terminate();
  }
}
