/** @jsxImportSource preact */
/**
 * worker: the host runs fractal_worker.ts in a worker window with no permissions; the page asks
 * for a view, and each strip the worker computes is drawn on the canvas as it arrives (worker →
 * host: `ipcRenderer.postMessage` with the buffer transferred; host → page:
 * `webContents.postMessage`). Click to zoom in; a newer view replaces the one being drawn.
 *
 * @module
 */
/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import type { FractalJob, FractalStrip, WorkerHello } from "../channels.ts";
import { demoIpc, rectOf, reportReady } from "../page_ipc.ts";
import { Card, Metric, Stats } from "./card.tsx";
import { count, millis } from "./format.ts";

/** What the canvas shows: a centre and how much of the imaginary axis fits its height. */
interface View {
  cx: number;
  cy: number;
  span: number;
}

const HOME: View = { cx: -0.62, cy: 0, span: 2.5 };
const ZOOM = 3;
const STRIP_ROWS = 8;

interface Progress {
  job: FractalJob;
  started: number;
  strips: number;
  count: number;
  /** Time the worker spent computing, summed over strips. */
  workerMs: number;
  /** From asking to the last strip drawn. */
  ms?: number;
}

let nextJob = 1;

/** More iterations the deeper the view, so edges stay detailed. */
function iterations(view: View): number {
  return Math.round(Math.min(4000, 200 + 80 * Math.log2(Math.max(1, HOME.span / view.span))));
}

/** The worker panel. */
export function WorkerPanel() {
  const card = useRef<HTMLElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<View>({ ...HOME });
  const progress = useRef<Progress | null>(null);
  const [shown, setShown] = useState<Progress | null>(null);
  const [hello, setHello] = useState<WorkerHello | null>(null);

  const draw = () => {
    const c = canvas.current!;
    const { cx, cy, span } = view.current;
    const job: FractalJob = {
      id: nextJob++,
      width: c.width,
      height: c.height,
      cx,
      cy,
      scale: span / c.height,
      maxIterations: iterations(view.current),
      stripRows: STRIP_ROWS,
    };
    progress.current = {
      job,
      started: performance.now(),
      strips: 0,
      count: Math.ceil(job.height / STRIP_ROWS),
      workerMs: 0,
    };
    setShown({ ...progress.current });
    demoIpc.send("demo:fractal", job);
  };

  useEffect(() => {
    let frameRequest: number | undefined;
    const onStrip = (_event: unknown, strip: FractalStrip) => {
      const p = progress.current;
      if (!p || strip.job !== p.job.id) return; // a strip of a view already replaced
      const pixels = new ImageData(new Uint8ClampedArray(strip.pixels), strip.width, strip.rows);
      canvas.current!.getContext("2d")!.putImageData(pixels, 0, strip.y);
      p.strips++;
      p.workerMs += strip.ms;
      if (p.strips === strip.count) p.ms = performance.now() - p.started;
      // The pixels are drawn at once; the figures at most once a frame, so that a fast run of
      // strips does not make the page re-render for each (and delay the other panels' messages).
      frameRequest ??= requestAnimationFrame(() => {
        frameRequest = undefined;
        setShown({ ...progress.current! });
      });
    };
    const onHello = (_event: unknown, info: WorkerHello) => setHello(info);
    demoIpc.on("demo:fractal-strip", onStrip).on("demo:worker-hello", onHello);

    // Draw at the canvas's size in device pixels, again whenever the window is resized.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const resize = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const c = canvas.current!, box = frame.current!.getBoundingClientRect();
        const w = Math.round(box.width * devicePixelRatio);
        const h = Math.round(box.height * devicePixelRatio);
        if (w === c.width && h === c.height) return;
        [c.width, c.height] = [w, h];
        draw();
      }, 60);
    });
    resize.observe(frame.current!);
    return () => {
      if (frameRequest !== undefined) cancelAnimationFrame(frameRequest);
      resize.disconnect();
      demoIpc.off("demo:fractal-strip", onStrip).off("demo:worker-hello", onHello);
    };
  }, []);

  useEffect(() => {
    if (shown?.ms !== undefined) {
      reportReady("worker", card.current, {
        strips: shown.strips,
        ms: Math.round(shown.ms),
        workerMs: Math.round(shown.workerMs),
        width: shown.job.width,
        height: shown.job.height,
        canvas: rectOf(canvas.current),
      });
    }
  }, [shown]);

  const zoom = (event: MouseEvent) => {
    const c = canvas.current!, box = c.getBoundingClientRect();
    const px = (event.clientX - box.left) * devicePixelRatio;
    const py = (event.clientY - box.top) * devicePixelRatio;
    const v = view.current, scale = v.span / c.height;
    const factor = event.shiftKey ? 1 / ZOOM : ZOOM;
    view.current = {
      cx: v.cx + (px - c.width / 2) * scale,
      cy: v.cy - (py - c.height / 2) * scale,
      span: Math.max(1e-12, Math.min(HOME.span * 2, v.span / factor)),
    };
    if (factor > 1) {
      // A preview while the worker computes: the current picture, magnified around the click.
      const w = c.width / factor, h = c.height / factor;
      c.getContext("2d")!.drawImage(c, px - w / 2, py - h / 2, w, h, 0, 0, c.width, c.height);
    }
    draw();
  };
  const reset = () => {
    view.current = { ...HOME };
    draw();
  };

  const p = shown;
  const pixels = p ? p.job.width * p.job.height : 0;
  const tried = hello ? Object.entries(hello.tried) : [];
  return (
    <Card
      name="worker"
      title="Worker"
      api="ipcRenderer.postMessage(…, [buffer])"
      cardRef={card}
    >
      <div class="worker">
        <div class="fractal" ref={frame}>
          <canvas ref={canvas} onClick={zoom} title="Click to zoom in, shift-click to zoom out" />
          <div class="fractal__bar" style={{ width: `${p ? (100 * p.strips) / p.count : 0}%` }} />
        </div>
        <div class="worker__side">
          <Metric
            value={p?.ms !== undefined ? millis(p.ms) : "…"}
            unit="ms"
            caption={p
              ? `${p.strips}/${p.count} strips · ${count(p.job.maxIterations)} iterations · ${
                count(HOME.span / view.current.span)
              }× zoom`
              : "waiting for the worker"}
          />
          <Stats
            items={[
              ["pixels", count(pixels)],
              ["in worker", `${millis(p?.workerMs ?? NaN)} ms`],
              ["rate", p?.ms ? `${(pixels / p.ms / 1000).toFixed(1)} Mpx/s` : "…"],
            ]}
          />
          <div class="perms">
            <span class="muted small">
              Window {hello ? `#${hello.id}` : ""} has no permissions. It tried:
            </span>
            <div>
              {tried.map(([kind, outcome]) => (
                <span
                  key={kind}
                  class={`perm perm--${outcome === "allowed" ? "allowed" : "refused"}`}
                  title={outcome}
                >
                  {kind} {outcome === "allowed" ? "✓" : "✕"}
                </span>
              ))}
            </div>
          </div>
          <p class="muted small">
            Strips of {STRIP_ROWS}{" "}
            rows, computed in that worker window, moved to the host and on to this page.
          </p>
          <div class="row">
            <button type="button" onClick={reset}>Reset view</button>
            <span class="muted small">click the picture to zoom in</span>
          </div>
        </div>
      </div>
    </Card>
  );
}
