/**
 * The worker panel's other half: the page asks for a fractal, the host hands the job to the
 * worker window, and relays each strip the worker computes to the page as it arrives. The host
 * never draws anything; it checks who is talking and passes buffers along.
 *
 * @module
 */
import { type BrowserWindow, ipcMain } from "denotron/browser";
import type { DemoChannels, FractalJob, FractalStrip, WorkerChannels } from "../channels.ts";

/** Largest side of a job, in pixels: the page is untrusted input, the worker's memory is not. */
const MAX_SIDE = 4096;

/** Connects the page window to the fractal worker window. */
export function serveFractal(page: BrowserWindow, worker: BrowserWindow): void {
  const toWorker = worker.webContents.typed<WorkerChannels>();
  const toPage = page.webContents.typed<DemoChannels>();
  const fromPage = ipcMain.typed<DemoChannels>();
  const fromWorker = ipcMain.typed<WorkerChannels>();

  fromPage.on("demo:fractal", (event, job) => {
    if (event.sender !== page.webContents || worker.isDestroyed()) return;
    toWorker.send("fractal:job", checked(job));
  });

  fromWorker.on("fractal:hello", (event, tried) => {
    if (event.sender !== worker.webContents || page.isDestroyed()) return;
    // Sent before the page has loaded, it waits for it: nothing sent to a window is lost.
    toPage.send("demo:worker-hello", { id: worker.id, tried });
  });

  fromWorker.on("fractal:strip", (event, strip: FractalStrip) => {
    if (event.sender !== worker.webContents || page.isDestroyed()) return;
    // Moved on again: a page receives a copy, and the host's buffer is detached right here.
    page.webContents.postMessage("demo:fractal-strip", strip, [strip.pixels]);
  });
}

/** The job with every field a finite number in range. */
function checked(job: FractalJob): FractalJob {
  const int = (n: unknown, min: number, max: number) =>
    Math.min(max, Math.max(min, Math.round(Number.isFinite(n) ? n as number : min)));
  const real = (n: unknown, fallback: number) => Number.isFinite(n) ? n as number : fallback;
  return {
    id: int(job.id, 0, Number.MAX_SAFE_INTEGER),
    width: int(job.width, 1, MAX_SIDE),
    height: int(job.height, 1, MAX_SIDE),
    cx: real(job.cx, -0.5),
    cy: real(job.cy, 0),
    scale: Math.abs(real(job.scale, 0.005)) || 0.005,
    maxIterations: int(job.maxIterations, 16, 20_000),
    stripRows: int(job.stripRows, 1, 256),
  };
}
