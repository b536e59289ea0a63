/**
 * Shared helpers of the benchmark suite: options, alternating measurement with medians, result
 * lines, and small conveniences for opening windows and raw workers.
 *
 * Every scenario measures denotron ("ours") and a raw-platform baseline **alternately in the same
 * process**, round after round (the order flips every round, so drift and warm-up hit both
 * sides alike), after one unmeasured warm-up of each, and reports the median of each side.
 *
 * @module
 */
import { app, BrowserWindow, type BrowserWindowOptions, ipcMain } from "../browser/mod.ts";

/** One line of the report; `--json` prints exactly this object per line. */
export interface Result {
  /** Scenario name, e.g. `sync-rtt-worker`. */
  name: string;
  /** Median of denotron's measurements (`null` when skipped). */
  ours: number | null;
  /** Median of the baseline's measurements (`null` when skipped). */
  baseline: number | null;
  /** Unit of `ours` and `baseline` (`µs`, `ms`, `MB`). */
  unit: string;
  /** `ours / baseline`: lower is better. */
  ratio: number | null;
  /** The ratio to stay at or under, when there is one. */
  target?: number;
  /** Whether `ratio <= target`. */
  met?: boolean;
  /** What the baseline is, for the table. */
  vs?: string;
  /** Why the scenario did not run. */
  skipped?: string;
  /** Every round's value, ours and baseline, for the curious (`--json` only). */
  rounds?: { ours: number[]; baseline: number[] };
}

/** Command-line options every scenario sees. */
export interface Options {
  /** Fewer rounds and smaller counts: the whole suite under 3 minutes on 2 cores. */
  quick: boolean;
  /** Measured rounds per side. */
  rounds: number;
}

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Runs each of `sides` (e.g. `{ ours, baseline }`) alternately: one warm-up each, then `rounds`
 * measured rounds, the order rotating every round. Each function returns one measurement;
 * resolves with every side's measurements.
 */
export async function alternate<K extends string>(
  rounds: number,
  sides: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(sides) as K[];
  const out = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of names) await sides[k]();
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const k = names[(r + j) % names.length];
      out[k].push(await sides[k]());
    }
  }
  return out;
}

/** Builds a result line from the rounds of {@linkcode alternate}. */
export function result(
  name: string,
  unit: string,
  rounds: { ours: number[]; baseline: number[] },
  target: number | undefined,
  vs: string,
): Result {
  const ours = median(rounds.ours);
  const baseline = median(rounds.baseline);
  const ratio = ours / baseline;
  return {
    name,
    ours,
    baseline,
    unit,
    ratio,
    ...(target === undefined ? {} : { target, met: ratio <= target }),
    vs,
    rounds: { ours: rounds.ours, baseline: rounds.baseline },
  };
}

/** A result line for a scenario that could not run. */
export function skipped(name: string, unit: string, why: string, target?: number): Result {
  return { name, ours: null, baseline: null, unit, ratio: null, target, skipped: why };
}

/** The URL of a file under `bench/fixtures/`. */
export function fixture(file: string): URL {
  return new URL(`./fixtures/${file}`, import.meta.url);
}

// As a library the app quits when its last window closes; the suite opens and closes many.
app.on("window-all-closed", () => {});

/** Opens a worker window running `bench/fixtures/<file>`; resolves once its entry has run. */
export async function openWindow(
  file: string,
  options: BrowserWindowOptions = {},
): Promise<BrowserWindow> {
  const win = new BrowserWindow(options);
  await win.loadFile(fixture(file));
  return win;
}

/** Starts a raw Web Worker running `bench/fixtures/<file>`. */
export function rawWorker(file: string): Worker {
  return new Worker(fixture(file), { type: "module" });
}

/** Resolves with the next message of a raw worker that passes `accept`. */
export function nextRaw<T = unknown>(
  worker: Worker,
  accept: (data: unknown) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const on = (event: MessageEvent) => {
      if (!accept(event.data)) return;
      worker.removeEventListener("message", on);
      resolve(event.data as T);
    };
    worker.addEventListener("message", on);
  });
}

/**
 * Asks window `win` (running `renderer.ts`) to run `op` and resolves with what it reports on
 * `bench:done`.
 */
export function runOp<T = number>(
  win: BrowserWindow,
  op: string,
  ...params: unknown[]
): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (event: { sender: { id: number } }, value: T, error?: string) => {
      if (event.sender.id !== win.id) return;
      ipcMain.off("bench:done", on);
      if (error) reject(new Error(`window ${win.id}: ${op}: ${error}`));
      else resolve(value);
    };
    ipcMain.on("bench:done", on);
    win.webContents.send("bench:run", op, ...params);
  });
}

/**
 * Has window `win` (running `renderer.ts`) send `n` small messages on `bench:t` and times them
 * until the host has received every one, checking they arrived in order; ms.
 */
export async function timeSends(win: BrowserWindow, n: number): Promise<number> {
  let expected = 0;
  let bad: string | undefined;
  const on = (_event: unknown, i: number) => {
    if (i !== expected && !bad) bad = `send: got ${i}, expected ${expected}`;
    expected++;
  };
  ipcMain.on("bench:t", on);
  try {
    const start = performance.now();
    await runOp(win, "send", n); // "bench:done" comes after every "bench:t"
    const ms = performance.now() - start;
    if (bad || expected !== n) throw new Error(bad ?? `send: got ${expected} of ${n}`);
    return ms;
  } finally {
    ipcMain.off("bench:t", on);
  }
}

/** Asks a raw worker (running `raw.ts`) to run `op` and resolves with its `{ done }` report. */
export function runRaw<T = number>(worker: Worker, op: string, ...params: unknown[]): Promise<T> {
  const done = nextRaw<{ done: T; error?: string }>(
    worker,
    (d) => typeof d === "object" && d !== null && "done" in d,
  ).then((d) => {
    if (d.error) throw new Error(`raw worker: ${op}: ${d.error}`);
    return d.done;
  });
  worker.postMessage({ op, params });
  return done;
}

/** Lets the event loop run for `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resident set size of this process, in MB. */
export function rssMB(): number {
  return Deno.memoryUsage().rss / (1 << 20);
}
