/** @jsxImportSource preact */
/**
 * ping: the seed's legacy `ipc.send`, echoed by the host (services/ping.ts). Ten pings a second;
 * the panel shows the median round trip of the last 50. A burst of 1,000 messages sent at once
 * (soon after start, and from the button) shows throughput.
 *
 * @module
 */
/// <reference lib="dom" />
import { ipc } from "denotron/renderer";
import { useEffect, useRef, useState } from "preact/hooks";
import { reportReady } from "../page_ipc.ts";
import { Card, Metric, Stats } from "./card.tsx";
import { count, median, micros, millis, quantile } from "./format.ts";
import { Bars } from "./sparkline.tsx";

const KEEP = 50;
const EVERY_MS = 100;
const BURST = 1_000;
const BURST_AFTER_MS = 1_200;
/** Enough samples for a median worth reporting. */
const READY_AFTER = 20;

interface Burst {
  started: number;
  echoed: number;
  ms?: number;
}

/** The ping panel. */
export function PingPanel() {
  const card = useRef<HTMLElement>(null);
  const [rtts, setRtts] = useState<number[]>([]);
  const [sent, setSent] = useState(0);
  const [burst, setBurst] = useState<Burst | null>(null);
  const burstRef = useRef<Burst | null>(null);

  useEffect(() => {
    // Legacy listeners get the arguments themselves: what the page sent, echoed untouched.
    const onEcho = (kind: string, _seq: number, sentAt: number) => {
      const now = performance.now();
      if (kind === "ping") setRtts((last) => [...last.slice(1 - KEEP), now - sentAt]);
      const b = burstRef.current;
      if (kind === "burst" && b && ++b.echoed === BURST) {
        b.ms = now - b.started;
        setBurst({ ...b });
      }
    };
    ipc.on("message", onEcho);
    let seq = 0;
    const timer = setInterval(() => {
      // A ping behind a burst's 1,000 messages would time the queue, not the round trip.
      const b = burstRef.current;
      if (b && b.ms === undefined) return;
      ipc.send("ping", ++seq, performance.now());
      setSent(seq);
    }, EVERY_MS);
    return () => {
      clearInterval(timer);
      ipc.off("message", onEcho);
    };
  }, []);

  const mid = median(rtts);
  useEffect(() => {
    if (rtts.length >= READY_AFTER) {
      reportReady("ping", card.current, {
        medianUs: Math.round(mid * 1000),
        minUs: Math.round(Math.min(...rtts) * 1000),
        samples: rtts.length,
      });
    }
  }, [rtts]);

  const startBurst = () => {
    const b: Burst = { started: performance.now(), echoed: 0 };
    burstRef.current = b;
    setBurst(b);
    for (let i = 0; i < BURST; i++) ipc.send("burst", i, 0);
  };
  // One burst soon after start (once the page has settled), so the panel shows throughput.
  useEffect(() => {
    const timer = setTimeout(startBurst, BURST_AFTER_MS);
    return () => clearTimeout(timer);
  }, []);

  return (
    <Card
      name="ping"
      title="Ping"
      api="ipc.send ⇄ ipc.send"
      cardRef={card}
      note="Sent ten times a second; the host sends each back to the window it came from."
    >
      <Metric
        value={micros(mid)}
        unit="µs"
        caption={`median round trip, last ${Math.min(rtts.length, KEEP)} pings`}
      />
      {/* Scaled to the usual, not the worst: a stray slow round trip is clipped at the top. */}
      <Bars values={rtts} slots={KEEP} height={44} max={3 * quantile(rtts, 0.75)} mark={mid} />
      <Stats
        items={[
          ["min", `${micros(Math.min(...rtts))} µs`],
          ["p90", `${micros(quantile(rtts, 0.9))} µs`],
          ["sent", count(sent)],
        ]}
      />
      <div class="row">
        <button type="button" onClick={startBurst} disabled={!!burst && burst.ms === undefined}>
          Burst of {count(BURST)}
        </button>
        <span class="muted small">
          {burst?.ms !== undefined
            ? `all back in ${millis(burst.ms)} ms · ${count(BURST / (burst.ms / 1000))} msg/s`
            : burst
            ? "sending…"
            : "messages sent at once"}
        </span>
      </div>
    </Card>
  );
}
