/**
 * The worker window: a Deno Web Worker with no permissions at all (the default), which draws the
 * Mandelbrot set in horizontal strips. Each strip's pixels are *moved* to the host
 * (`postMessage` with a transfer list), which passes them on to the page.
 *
 * @module
 */
import { type IpcRenderer, ipcRenderer } from "denotron/renderer";
import type { FractalJob, FractalStrip, WorkerChannels } from "./channels.ts";

const ipc: IpcRenderer<WorkerChannels> = ipcRenderer.typed<WorkerChannels>();

/** The job being drawn: a newer one makes the loop below drop the older one between strips. */
let current = 0;

ipc.on("fractal:job", (_event, job) => {
  current = job.id;
  void draw(job);
});

ipc.send("fractal:hello", await tryAccess());

/**
 * "No permissions", shown from the inside: the worker tries a harmless access of each kind and
 * reports what Deno said. Each attempt only reads, or fails before doing anything.
 */
async function tryAccess(): Promise<Record<string, string>> {
  const attempts: Record<string, () => unknown> = {
    read: () => Deno.readTextFileSync(new URL("./main.ts", import.meta.url)),
    net: () => Deno.connect({ hostname: "127.0.0.1", port: 9 }).then((conn) => conn.close()),
    env: () => Deno.env.get("HOME"),
    sys: () => Deno.hostname(),
    run: () => new Deno.Command("true").outputSync(),
  };
  const tried: Record<string, string> = {};
  for (const [kind, attempt] of Object.entries(attempts)) {
    try {
      await attempt();
      tried[kind] = "allowed";
    } catch (error) {
      // NotCapable: refused by the sandbox. Anything else (e.g. nothing listens on port 9)
      // means the access itself was allowed.
      const name = (error as Error).name;
      tried[kind] = name === "NotCapable" || name === "PermissionDenied" ? name : "allowed";
    }
  }
  return tried;
}

async function draw(job: FractalJob): Promise<void> {
  const count = Math.ceil(job.height / job.stripRows);
  for (let index = 0; index < count; index++) {
    if (current !== job.id) return;
    const started = performance.now();
    const y = index * job.stripRows;
    const rows = Math.min(job.stripRows, job.height - y);
    const pixels = strip(job, y, rows);
    const message: FractalStrip = {
      job: job.id,
      index,
      count,
      y,
      rows,
      width: job.width,
      pixels,
      ms: performance.now() - started,
    };
    // Not `ipc.send`: only postMessage takes a transfer list. The buffer leaves this worker.
    ipcRenderer.postMessage("fractal:strip", message, [pixels]);
    // Yield to the event loop so that a newer job (a zoom) can arrive and take over.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** RGBA pixels of rows `y`…`y + rows - 1`. */
function strip(job: FractalJob, y: number, rows: number): ArrayBuffer {
  const { width, height, cx, cy, scale, maxIterations } = job;
  const pixels = new Uint8ClampedArray(width * rows * 4);
  const left = cx - (width / 2) * scale;
  const top = cy + (height / 2) * scale;
  let at = 0;
  for (let row = 0; row < rows; row++) {
    const ci = top - (y + row) * scale;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(escapeTime(left + x * scale, ci, maxIterations), maxIterations);
      pixels[at++] = r;
      pixels[at++] = g;
      pixels[at++] = b;
      pixels[at++] = 255;
    }
  }
  return pixels.buffer;
}

/** A smooth (fractional) escape count, or -1 inside the set. */
function escapeTime(cr: number, ci: number, maxIterations: number): number {
  // Inside the main cardioid or the period-2 bulb: in the set, no need to iterate.
  const q = (cr - 0.25) ** 2 + ci * ci;
  if (q * (q + (cr - 0.25)) <= 0.25 * ci * ci || (cr + 1) ** 2 + ci * ci <= 0.0625) return -1;
  let zr = 0, zi = 0, zr2 = 0, zi2 = 0;
  for (let n = 0; n < maxIterations; n++) {
    zi = 2 * zr * zi + ci;
    zr = zr2 - zi2 + cr;
    zr2 = zr * zr;
    zi2 = zi * zi;
    // A large bail-out radius (256) makes the smooth count below continuous.
    if (zr2 + zi2 > 65536) return n + 1 - Math.log2(Math.log2(zr2 + zi2) / 2);
  }
  return -1;
}

/** A cosine palette (after Inigo Quilez), cycling with the log of the escape count. */
function colour(mu: number, maxIterations: number): [number, number, number] {
  if (mu < 0) return [14, 16, 38];
  const t = Math.log2(mu + 1) * 0.38 + 0.1;
  // Fade the outermost bands towards the interior colour so the set's outline stands out.
  const fade = Math.min(1, mu / Math.max(8, maxIterations * 0.02));
  const channel = (phase: number, base: number) =>
    Math.round(base + (255 * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t + phase))) - base) * fade);
  return [channel(0.0, 14), channel(0.15, 16), channel(0.32, 38)];
}
