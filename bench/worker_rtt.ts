/**
 * Round trips between a worker window and the host: `sendSync` and `invoke`, against a raw async
 * `postMessage` ping-pong between the host and a bare worker, and (for `sendSync`) against a bare
 * futex ping-pong between two workers, the floor of any blocking hand-off.
 *
 * @module
 */
import { ipcMain, type IpcMainEvent } from "../browser/mod.ts";
import {
  alternate,
  nextRaw,
  openWindow,
  type Options,
  rawWorker,
  type Result,
  result,
  runOp,
} from "./_measure.ts";

/** Raw async ping-pong, initiated by the worker; µs per round trip. */
function rawRtt(worker: Worker, n: number): Promise<number> {
  const done = nextRaw<{ done: number }>(worker, (d) => typeof d === "object").then((d) => d.done);
  worker.postMessage({ op: "rtt", params: [n] });
  return done;
}

/** Futex ping-pong between two bare workers; µs per round trip. */
async function futexRtt(pair: [Worker, Worker], n: number): Promise<number> {
  const sab = new SharedArrayBuffer(8);
  const a = nextRaw<number>(pair[0]);
  const b = nextRaw<number>(pair[1]);
  pair[1].postMessage({ sab, role: 1, n });
  pair[0].postMessage({ sab, role: 0, n });
  const [us] = await Promise.all([a, b]);
  return us;
}

const immediate = (globalThis as unknown as { setImmediate(fn: () => void): void }).setImmediate;

/**
 * The same hand-off as denotron's with none of its code: request through shared memory, host
 * woken by `Atomics.waitAsync` (taking up to 16 requests in a row before it yields to its event
 * loop, as denotron does), reply stored and notified; µs per round trip.
 */
async function floorRtt(worker: Worker, n: number): Promise<number> {
  const sab = new SharedArrayBuffer(8);
  const cell = new Int32Array(sab);
  let seen = 0;
  let done = false;
  let chain = 0;
  const listen = (): void => {
    if (done) return;
    const wait = Atomics.waitAsync(cell, 1, seen);
    if (wait.async) {
      chain = 0;
      wait.value.then(answer);
    } else if (++chain < 16) answer();
    else {
      chain = 0;
      immediate(answer);
    }
  };
  const answer = (): void => {
    const i = Atomics.load(cell, 1);
    if (i !== seen) {
      seen = i;
      Atomics.store(cell, 0, i);
      Atomics.notify(cell, 0);
    }
    if (i < n) listen();
  };
  listen();
  const result = nextRaw<number>(worker);
  worker.postMessage({ sab, n });
  const us = await result;
  done = true;
  Atomics.notify(cell, 1);
  return us;
}

/** `sync-rtt-worker` (`-vs-futex`, `-vs-floor`), `invoke-rtt-worker` (`-vs-await`). */
export async function* run(options: Options): AsyncGenerator<Result> {
  // Many short rounds rather than a few long ones: the VM's scheduling changes from second to
  // second (which core each thread runs on), and alternating often lets both sides see the same.
  const n = 2_000;
  const rounds = options.quick ? 11 : 25;
  const win = await openWindow("renderer.ts");
  const raw = rawWorker("raw.ts");
  raw.addEventListener("message", (e) => {
    if (typeof e.data === "number") raw.postMessage(e.data); // the echo
  });
  const pair: [Worker, Worker] = [rawWorker("raw_futex.ts"), rawWorker("raw_futex.ts")];
  const bare = rawWorker("raw_sync.ts");
  const awaiting = rawWorker("raw_promise.ts");
  awaiting.addEventListener("message", (e) => {
    if (typeof e.data === "number") awaiting.postMessage(e.data); // the echo
  });
  ipcMain.on("bench:sync", (event: IpcMainEvent, i: number) => (event.returnValue = i));
  ipcMain.handle("bench:invoke", (_event, i: number) => i);
  try {
    const sync = await alternate(rounds, {
      ours: () => runOp(win, "sync", n),
      baseline: () => rawRtt(raw, n),
      futex: () => futexRtt(pair, n),
      floor: () => floorRtt(bare, n),
    });
    yield result(
      "sync-rtt-worker",
      "µs",
      sync,
      0.7,
      "raw postMessage ping-pong",
    );
    yield result(
      "sync-rtt-worker-vs-futex",
      "µs",
      { ours: sync.ours, baseline: sync.futex },
      1.5,
      "futex ping-pong, 2 workers",
    );
    yield result(
      "sync-rtt-worker-vs-floor",
      "µs",
      { ours: sync.ours, baseline: sync.floor },
      undefined,
      "bare SAB + waitAsync hand-off",
    );
    const invoke = await alternate(rounds, {
      ours: () => runOp(win, "invoke", n),
      baseline: () => rawRtt(raw, n),
      awaiting: () => {
        const done = nextRaw<{ done: number }>(awaiting, (d) => typeof d === "object")
          .then((d) => d.done);
        awaiting.postMessage({ n });
        return done;
      },
    });
    yield result("invoke-rtt-worker", "µs", invoke, 1.2, "raw postMessage ping-pong");
    yield result(
      "invoke-rtt-worker-vs-await",
      "µs",
      { ours: invoke.ours, baseline: invoke.awaiting },
      undefined,
      "raw ping-pong, awaiting each reply",
    );
  } finally {
    ipcMain.removeAllListeners("bench:sync");
    ipcMain.removeHandler("bench:invoke");
    win.destroy();
    raw.terminate();
    for (const w of pair) w.terminate();
    bare.terminate();
    awaiting.terminate();
  }
}
