/**
 * Process windows: the scenarios of `bench/process_bench.ts` (written with the process-window
 * transport), run as a subprocess when that file exists. It prints one JSON object per line,
 * the same shape as `bench/main.ts --json`: `{ name, ours, baseline, unit, ratio, target?, vs?,
 * skipped? }` (other stdout lines are ignored); it is given `--json`, and `--quick` when the
 * suite is quick.
 *
 * @module
 */
import type { Options, Result } from "./_measure.ts";

const FILE = new URL("./process_bench.ts", import.meta.url);
/** The suite's time budget for it: past this, it is stopped and what it printed so far stays. */
const TIMEOUT_S = { quick: 90, full: 270 };
const ROOT = new URL("..", import.meta.url).pathname;

function isResult(value: unknown): value is Result {
  const r = value as Result;
  return typeof r === "object" && r !== null && typeof r.name === "string" &&
    typeof r.unit === "string" && ("ours" in r) && ("baseline" in r);
}

/** Every line `bench/process_bench.ts` reports. */
export async function* run(options: Options): AsyncGenerator<Result> {
  try {
    await Deno.stat(FILE);
  } catch {
    yield {
      name: "process-*",
      ours: null,
      baseline: null,
      unit: "",
      ratio: null,
      skipped: "bench/process_bench.ts does not exist yet",
    };
    return;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${ROOT}deno.json`,
      FILE.pathname,
      "--json",
      ...(options.quick ? ["--quick"] : []),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const limit = options.quick ? TIMEOUT_S.quick : TIMEOUT_S.full;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, limit * 1000);
  let buffered = "";
  let count = 0;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith("{")) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      if (!isResult(parsed)) continue;
      const r = parsed;
      const ratio = r.ratio ?? (r.ours !== null && r.baseline ? r.ours / r.baseline : null);
      const target = typeof r.target === "number" ? r.target : undefined;
      count++;
      yield {
        ...r,
        ratio,
        ...(target !== undefined && ratio !== null ? { target, met: ratio <= target } : {}),
      };
    }
  }
  const status = await child.status;
  clearTimeout(timer);
  if (timedOut) {
    yield {
      name: "process-*",
      ours: null,
      baseline: null,
      unit: "",
      ratio: null,
      skipped: `bench/process_bench.ts stopped after ${limit} s (the suite's budget for it)`,
    };
  } else if (!status.success || count === 0) {
    yield {
      name: "process-*",
      ours: null,
      baseline: null,
      unit: "",
      ratio: null,
      skipped: `bench/process_bench.ts ${
        status.success ? "reported nothing" : `exited with code ${status.code}`
      }`,
    };
  }
}
