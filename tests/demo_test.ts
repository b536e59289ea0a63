/**
 * The demo app (examples/demo/), run the way the README runs it — `host.ts examples/demo/` —
 * headless, with `DENOTRON_DEMO_CAPTURE` set: the demo waits until each of its four panels has
 * reported a result over ipc, saves a screenshot, prints the reports and quits. Checked here:
 * every panel's figures, the screenshot region by region, and that nothing is left running.
 */
import assert from "node:assert/strict";
import { decodePng, type Png, pngSize } from "../host/_png.ts";

const root = new URL("../", import.meta.url);
const demo = new URL("examples/demo/", root).pathname;
/** The page window's size in examples/demo/main.ts. */
const WIDTH = 1120;
const HEIGHT = 780;
const DEADLINE_MS = 25_000;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How many different colours the screenshot has inside `rect` (every pixel looked at). */
function colours(png: Png, rect: Rect): number {
  const seen = new Set<number>();
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const [r, g, b] = png.pixel(x, y);
      seen.add((r << 16) | (g << 8) | b);
    }
  }
  return seen.size;
}

interface Proc {
  pid: number;
  ppid: number;
  name: string;
  /** Start time since boot (clock ticks): a pid used again by another process differs here. */
  start: string;
  environ: string;
}

/** Every live (not zombie) process but this one. */
function processes(): Proc[] {
  const found: Proc[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const [, name, rest] = stat.match(/^\d+ \((.*)\) (.*)$/s) ?? [];
      const fields = rest.split(" "); // fields[0] is field 3 of stat(5)
      if (fields[0] === "Z") continue;
      let environ = "";
      try {
        environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`);
      } catch { /* not ours to read */ }
      found.push({
        pid: Number(entry.name),
        ppid: Number(fields[1]),
        name,
        start: fields[19],
        environ,
      });
    } catch { /* gone meanwhile */ }
  }
  return found;
}

/** `pid` and the processes under it. */
function tree(pid: number): Proc[] {
  const all = processes();
  const found = all.filter((p) => p.pid === pid);
  for (let i = 0; i < found.length; i++) found.push(...all.filter((p) => p.ppid === found[i].pid));
  return found;
}

/**
 * What is still running of `seen` (processes of the demo seen while it ran) or carries `marker`
 * in its environment (anything the demo started, even a process that left the tree).
 */
function leftovers(seen: Proc[], marker: string): string[] {
  const key = (p: Proc) => `${p.pid}/${p.start}`;
  const earlier = new Set(seen.map(key));
  return processes()
    .filter((p) => earlier.has(key(p)) || p.environ.includes(marker))
    .map((p) => `${p.pid} ${p.name}`);
}

Deno.test("examples/demo: all four panels show results, the screenshot shows them, it quits", async () => {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "denotron-demo-test-" });
  const file = `${dir}/demo.png`;
  // Inherited by every process the demo starts (host, esbuild, Chromium): finds leftovers.
  const run = crypto.randomUUID();
  const env = Deno.env.toObject();
  delete env.DISPLAY; // headless, whatever the machine running the tests has
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("host.ts", root).pathname, demo],
      cwd: "/",
      clearEnv: true,
      env: {
        ...env,
        NO_COLOR: "1",
        DENOTRON_DEMO_CAPTURE: file,
        DENOTRON_DEMO_TEST_RUN: run,
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGTERM"), DEADLINE_MS);
    const err = new Response(child.stderr).text();
    // Read as it comes: the demo's processes are listed while it still runs (at the capture).
    let out = "";
    let seen: Proc[] = [];
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      out += text;
      if (seen.length === 0 && out.includes("demo: captured")) seen = tree(child.pid);
    }
    const { code } = await child.status;
    clearTimeout(timer);
    assert.equal(await err, "", "nothing on stderr");
    assert.equal(code, 0, `exit code (stdout: ${out})`);

    // What each panel reported over ipc (`demo:panel-ready`), as the demo printed it.
    const panels: Record<string, Record<string, unknown>> = {};
    for (const [, name, json] of out.matchAll(/^demo: panel (\w+) (\{.*\})$/gm)) {
      panels[name] = JSON.parse(json);
    }
    assert.deepEqual(Object.keys(panels).sort(), ["live", "ping", "sync", "worker"]);
    const { ping, sync, live, worker } = panels as Record<string, Record<string, number>>;

    assert.ok(ping.samples >= 20, `ping samples: ${ping.samples}`);
    assert.ok(ping.medianUs > 0 && ping.medianUs < 1_000_000, `ping median ${ping.medianUs} µs`);

    const mainTs = await Deno.readTextFile(`${demo}main.ts`);
    assert.equal(sync.mainLines, mainTs.split("\n").length - 1, "main.ts lines, read by the host");
    assert.equal(panels.sync.deno, Deno.version.deno);
    assert.ok(sync.calls >= 3 && sync.lastMs > 0 && sync.lastMs < 5_000, `sync ${sync.lastMs} ms`);

    assert.ok(live.samples >= 8, `live samples: ${live.samples}`);
    assert.ok(live.rss > 1_000_000 && live.heapUsed > 100_000, "host memory figures");
    assert.ok(live.load1 >= 0);

    assert.ok(
      worker.width > 100 && worker.height > 100,
      `fractal ${worker.width}×${worker.height}`,
    );
    assert.equal(worker.strips, Math.ceil(worker.height / 8), "every strip arrived");

    assert.match(out, new RegExp(`^demo: captured ${file} `, "m"));

    // The screenshot: a PNG of the window's size, each panel drawn, the fractal in colour.
    const bytes = await Deno.readFile(file);
    assert.deepEqual(pngSize(bytes), { width: WIDTH, height: HEIGHT });
    const png = await decodePng(bytes);
    for (const [name, report] of Object.entries(panels)) {
      const rect = report.rect as unknown as Rect;
      assert.ok(rect.x >= 0 && rect.y >= 0 && rect.x + rect.width <= WIDTH, `${name} is on screen`);
      assert.ok(rect.y + rect.height <= HEIGHT, `${name} is on screen: ${JSON.stringify(rect)}`);
      // Text, charts and a background: far more than a blank card's one or two colours.
      assert.ok(colours(png, rect) > 40, `${name} panel: ${colours(png, rect)} colours`);
    }
    const canvas = panels.worker.canvas as unknown as Rect;
    const fractal = colours(png, canvas);
    assert.ok(fractal > 500, `the fractal has ${fractal} colours`);
    const centre = png.pixel(canvas.x + (canvas.width >> 1), canvas.y + (canvas.height >> 1));
    const corner = png.pixel(canvas.x + 2, canvas.y + 2);
    assert.notDeepEqual(centre, corner, "the fractal is not one flat colour");

    // Nothing the demo started is still running (the host and its child, esbuild, Chromium's
    // processes); a moment is allowed for the last of them to go.
    assert.ok(seen.some((p) => /chrom/i.test(p.name)), seen.map((p) => p.name).join());
    assert.ok(seen.some((p) => p.name === "esbuild"), seen.map((p) => p.name).join());
    const marker = `DENOTRON_DEMO_TEST_RUN=${run}`;
    let left = leftovers(seen, marker);
    for (let i = 0; i < 40 && left.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = leftovers(seen, marker);
    }
    assert.deepEqual(left, [], "processes left running");
    assert.ok(performance.now() - started < 30_000, "the whole test takes under 30 s");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
