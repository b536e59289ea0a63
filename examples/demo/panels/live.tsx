/** @jsxImportSource preact */
/**
 * live: `invoke("demo:live")` resolves to a stream that the host keeps feeding (an async
 * generator in services/live.ts); the panel reads it with `for await` and charts the host's heap
 * and the machine's load.
 *
 * @module
 */
/// <reference lib="dom" />
import type { IpcStream } from "denotron/renderer";
import { useEffect, useRef, useState } from "preact/hooks";
import type { LiveSample } from "../channels.ts";
import { demoIpc, reportReady } from "../page_ipc.ts";
import { Card } from "./card.tsx";
import { bytes } from "./format.ts";
import { Sparkline } from "./sparkline.tsx";

const KEEP = 120;
/** Samples before the panel reports: a chart with a line in it. */
const READY_AFTER = 8;

/** The live panel. */
export function LivePanel() {
  const card = useRef<HTMLElement>(null);
  const [samples, setSamples] = useState<LiveSample[]>([]);
  const [received, setReceived] = useState(0);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stream: IpcStream | undefined;
    let stopped = false;
    (async () => {
      const live = await demoIpc.invoke("demo:live"); // an IpcStream of LiveSample batches
      stream = live;
      for await (const batch of live) {
        if (stopped) break; // break cancels the host's generator
        setSamples((last) => [...last, ...batch].slice(-KEEP));
        setReceived((n) => n + batch.length);
      }
    })().catch((e: Error) => setError(e.message));
    return () => {
      stopped = true;
      void stream?.return();
    };
  }, []);

  const last = samples.at(-1);
  useEffect(() => {
    if (last && samples.length >= READY_AFTER) {
      reportReady("live", card.current, {
        samples: samples.length,
        rss: last.rss,
        heapUsed: last.heapUsed,
        load1: last.load[0],
      });
    }
  }, [samples]);

  const clock = last ? new Date(last.at) : undefined;
  const used = last ? 1 - last.memAvailable / last.memTotal : NaN;
  return (
    <Card
      name="live"
      title="Live"
      api="ipcMain.handle → for await"
      cardRef={card}
      note="Deno.memoryUsage() and Deno.loadavg(), sampled 4× a second and streamed from one invoke()."
    >
      <div class="metric">
        <div class="metric__value">
          {clock ? clock.toLocaleTimeString("en-GB", { hour12: false }) : "--:--:--"}
          <span class="metric__tenths">
            .{clock ? Math.floor(clock.getMilliseconds() / 100) : 0}
          </span>
        </div>
        <div class="metric__caption">
          host clock · {received} samples streamed{error ? ` · ${error}` : ""}
        </div>
      </div>
      <div class="series">
        <div class="series__label">
          <span>host heap used</span>
          <b>{last ? bytes(last.heapUsed) : "–"}</b>
        </div>
        <Sparkline values={samples.map((s) => s.heapUsed)} height={36} />
      </div>
      <div class="series series--load">
        <div class="series__label">
          <span>load average, 1 min</span>
          <b>{last ? last.load[0].toFixed(2) : "–"}</b>
        </div>
        <Sparkline values={samples.map((s) => s.load[0])} height={36} min={0} />
      </div>
      <p class="muted small">
        RSS {last ? bytes(last.rss) : "–"} · system memory{" "}
        {Number.isFinite(used) ? `${Math.round(used * 100)}% of ${bytes(last!.memTotal)}` : "–"}
      </p>
    </Card>
  );
}
