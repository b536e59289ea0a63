/**
 * Big payloads: a 64 MiB ArrayBuffer moved from a worker window to the host
 * (`ipcRenderer.postMessage(channel, buf, [buf])`) against a raw transfer from a bare worker, and
 * a 64 MiB `sendSync` reply against a raw structured clone of the same bytes.
 *
 * @module
 */
import { type BrowserWindow, ipcMain, type IpcMainEvent } from "../browser/mod.ts";
import {
  alternate,
  median,
  nextRaw,
  openWindow,
  type Options,
  rawWorker,
  type Result,
  result,
  runOp,
  runRaw,
} from "./_measure.ts";

const SIZE = 64 << 20;

function check(buf: unknown): void {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength !== SIZE) {
    throw new Error(`transfer: got ${Object.prototype.toString.call(buf)}`);
  }
}

/** µs from asking the window to move its (already allocated) buffer to its arrival here. */
async function oursTransfer(win: BrowserWindow): Promise<number> {
  await runOp(win, "prep", SIZE);
  const arrived = new Promise<number>((resolve, reject) => {
    ipcMain.once("bench:buf", (_event: IpcMainEvent, buf: ArrayBuffer) => {
      const at = performance.now();
      try {
        check(buf);
        resolve(at);
      } catch (error) {
        reject(error);
      }
    });
  });
  const start = performance.now();
  runOp(win, "transfer");
  return ((await arrived) - start) * 1000;
}

async function rawTransfer(worker: Worker): Promise<number> {
  await runRaw(worker, "prep", SIZE);
  const arrived = nextRaw<{ buf: ArrayBuffer }>(worker, (d) => typeof d === "object" && "buf" in d!)
    .then((d) => {
      const at = performance.now();
      check(d.buf);
      return at;
    });
  const start = performance.now();
  worker.postMessage({ op: "transfer", params: [] });
  return ((await arrived) - start) * 1000;
}

/**
 * Each round takes the median of `k` transfers: a fresh 64 MiB allocation before each one makes
 * the garbage collector wake at random moments, which a single sample would catch now and then.
 */
async function medianOf(k: number, once: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < k; i++) values.push(await once());
  return median(values);
}

/** `transfer-64mib`, `sync-reply-64mib`. */
export async function* run(options: Options): AsyncGenerator<Result> {
  const k = options.quick ? 5 : 9;
  const win = await openWindow("renderer.ts");
  const raw = rawWorker("raw.ts");
  const big = new Uint8Array(SIZE).map((_, i) => i & 0xff);
  ipcMain.on("bench:big", (event: IpcMainEvent) => (event.returnValue = big));
  try {
    yield result(
      "transfer-64mib",
      "µs",
      await alternate(options.rounds, {
        ours: () => medianOf(k, () => oursTransfer(win)),
        baseline: () => medianOf(k, () => rawTransfer(raw)),
      }),
      1.2,
      "raw postMessage transfer",
    );
    yield result(
      "sync-reply-64mib",
      "ms",
      await alternate(options.rounds, {
        ours: () => runOp(win, "bigSync", SIZE),
        baseline: () => {
          const start = performance.now();
          const copy = structuredClone(big);
          const ms = performance.now() - start;
          if (copy.byteLength !== SIZE) throw new Error("structuredClone: wrong size");
          return Promise.resolve(ms);
        },
      }),
      1.5,
      "raw structuredClone of it",
    );
  } finally {
    ipcMain.removeAllListeners("bench:big");
    win.destroy();
    raw.terminate();
  }
}
