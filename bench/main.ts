/**
 * `deno task bench`: denotron against the raw platform, side by side.
 *
 * ```sh
 * deno task bench              # the table (~6 minutes on 2 cores)
 * deno task bench --quick      # fewer rounds (under 3 minutes)
 * deno task bench --json       # one JSON object per line: {name, ours, baseline, unit, ratio, …}
 * deno task bench --only=sync-rtt-worker,broadcast-100   # scenarios whose name starts so
 * ```
 *
 * Each scenario measures ours and its baseline alternately in this one process, several rounds,
 * and reports medians; `ratio` is ours / baseline (lower is better). Run it from the repository
 * (worker windows need deno.json's `"unstable": ["worker-options"]`).
 *
 * Scenarios of another file join by printing the same JSON lines: `bench/process_bench.ts`, when
 * it exists, runs as `deno run -A bench/process_bench.ts --json [--quick]` and every stdout line
 * that parses as an object with `name`, `ours`, `baseline`, `unit` (and optionally `ratio`,
 * `target`, `vs`, `skipped`) becomes a row.
 *
 * @module
 */
import type { Options, Result } from "./_measure.ts";

type Scenario = {
  /** The names of the lines it yields (for `--only`). */
  names: string[];
  load: () => Promise<{ run(options: Options): AsyncGenerator<Result> }>;
};

const SCENARIOS: Scenario[] = [
  {
    names: [
      "sync-rtt-worker",
      "sync-rtt-worker-vs-futex",
      "sync-rtt-worker-vs-floor",
      "invoke-rtt-worker",
      "invoke-rtt-worker-vs-await",
    ],
    load: () => import("./worker_rtt.ts"),
  },
  {
    names: ["send-throughput-worker", "push-throughput-worker"],
    load: () => import("./throughput.ts"),
  },
  { names: ["transfer-64mib", "sync-reply-64mib"], load: () => import("./transfer.ts") },
  { names: ["page-rtt", "page-sync-rtt"], load: () => import("./page.ts") },
  {
    names: ["startup-100-workers", "startup-100-workers-memory"],
    load: () => import("./startup.ts"),
  },
  { names: ["broadcast-100"], load: () => import("./broadcast.ts") },
  { names: ["process"], load: () => import("./process.ts") },
];

const args = Deno.args;
const json = args.includes("--json");
const quick = args.includes("--quick");
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const options: Options = { quick, rounds: quick ? 3 : 7 };

const COLUMNS = ["scenario", "ours", "baseline", "unit", "ratio", "target", "met", "baseline is"];
const WIDTHS = [26, 10, 10, 4, 6, 7, 4, 0];

function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function row(cells: string[]): string {
  return cells.map((c, i) => (WIDTHS[i] ? c.padEnd(WIDTHS[i]) : c)).join(" ").trimEnd();
}

function print(r: Result): void {
  if (json) {
    const { name, ours, baseline, unit, ratio, target, met, vs, skipped, rounds } = r;
    console.log(
      JSON.stringify({ name, ours, baseline, unit, ratio, target, met, vs, skipped, rounds }),
    );
    return;
  }
  if (r.skipped) {
    console.log(row([r.name, `skipped: ${r.skipped}`]));
    return;
  }
  console.log(row([
    r.name,
    fmt(r.ours),
    fmt(r.baseline),
    r.unit,
    fmt(r.ratio),
    r.target === undefined ? "—" : `≤ ${r.target}`,
    r.met === undefined ? "—" : r.met ? "yes" : "NO",
    r.vs ?? "",
  ]));
}

const started = performance.now();

/** What this machine is, for the report: CPU model, cores, load average. */
function machine(): string {
  let cpu: string = Deno.build.arch;
  let load = "";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? cpu;
    load = `, load average ${
      Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")
    }`;
  } catch { /* not Linux */ }
  return `${cpu}, ${navigator.hardwareConcurrency} cores, ${Deno.build.os}${load}`;
}

if (!json) {
  console.log(
    `denotron bench${
      quick ? " --quick" : ""
    }: Deno ${Deno.version.deno} on ${machine()}; medians of alternating rounds\n`,
  );
  console.log(row(COLUMNS));
  console.log(row(WIDTHS.map((w) => "-".repeat(w || 20))));
}
const results: Result[] = [];
for (const scenario of SCENARIOS) {
  if (only && !scenario.names.some((n) => only.some((o) => n.startsWith(o)))) continue;
  try {
    const mod = await scenario.load();
    for await (const r of mod.run(options)) {
      if (only && !only.some((o) => r.name.startsWith(o)) && scenario.names[0] !== "process") {
        continue;
      }
      results.push(r);
      print(r);
    }
  } catch (error) {
    const r: Result = {
      name: scenario.names[0],
      ours: null,
      baseline: null,
      unit: "",
      ratio: null,
      skipped: `failed: ${(error as Error)?.stack ?? error}`,
    };
    results.push(r);
    print(r);
  }
}
if (!json) {
  const measured = results.filter((r) => r.met !== undefined);
  console.log(
    `\n${measured.filter((r) => r.met).length}/${measured.length} targets met in ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s (now: ${machine()})`,
  );
}
// Windows and workers may linger (a worker blocked in a wait); the report is complete.
Deno.exit(0);
