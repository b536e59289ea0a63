/** @jsxImportSource preact */
/**
 * sync: `sendSync` really blocks the page until the host answers (services/host_info.ts). The
 * panel asks once a second (and on demand) and shows how long the page was frozen each time.
 *
 * @module
 */
/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import type { HostInfo } from "../channels.ts";
import { demoIpc, reportReady } from "../page_ipc.ts";
import { Card, Metric } from "./card.tsx";
import { count, duration, median, millis } from "./format.ts";

const EVERY_MS = 1_000;
const KEEP = 20;
/** Calls before the panel reports: the first one also pays for opening a connection. */
const READY_AFTER = 3;

interface Answer {
  info: HostInfo;
  /** How long each `sendSync` blocked the page, oldest first. */
  blocked: number[];
  calls: number;
}

/** The sync panel; `onInfo` lets the header show the host's Deno version too. */
export function SyncPanel({ onInfo }: { onInfo: (info: HostInfo) => void }) {
  const card = useRef<HTMLElement>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);

  const ask = () => {
    const started = performance.now();
    const info = demoIpc.sendSync("demo:host-info"); // nothing else runs in the page meanwhile
    const ms = performance.now() - started;
    setAnswer((last) => ({
      info,
      blocked: [...(last?.blocked ?? []).slice(1 - KEEP), ms],
      calls: (last?.calls ?? 0) + 1,
    }));
  };
  useEffect(() => {
    ask();
    const timer = setInterval(ask, EVERY_MS);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (answer?.calls === 1) onInfo(answer.info);
    if (answer && answer.calls >= READY_AFTER) {
      reportReady("sync", card.current, {
        lastMs: Number(answer.blocked.at(-1)!.toFixed(2)),
        medianMs: Number(median(answer.blocked).toFixed(2)),
        calls: answer.calls,
        deno: answer.info.deno,
        mainLines: answer.info.mainLines,
      });
    }
  }, [answer]);

  const info = answer?.info;
  const last = answer?.blocked.at(-1);
  return (
    <Card
      name="sync"
      title="Sync"
      api="ipcRenderer.sendSync"
      cardRef={card}
      note="Once a second the page is frozen until the host has read main.ts and answered."
    >
      <Metric
        value={last === undefined ? "…" : millis(last)}
        unit="ms"
        caption={answer
          ? `page blocked, call ${count(answer.calls)} · median ${
            millis(median(answer.blocked))
          } ms`
          : "page blocked"}
      />
      {info && (
        <table class="facts">
          <tbody>
            <tr>
              <th>Deno</th>
              <td>{info.deno} · V8 {info.v8.split("-")[0]} · TS {info.typescript}</td>
            </tr>
            <tr>
              <th>System</th>
              <td>{info.os} {info.arch} · {info.cpus} CPUs</td>
            </tr>
            <tr>
              <th>Uptime</th>
              <td>machine {duration(info.osUptime)} · host {duration(info.hostUptime)}</td>
            </tr>
            <tr>
              <th>main.ts</th>
              <td>{count(info.mainLines)} lines, read during the call</td>
            </tr>
          </tbody>
        </table>
      )}
      <div class="row">
        <button type="button" onClick={ask}>Ask now</button>
        <span class="muted small">host pid {info?.pid ?? "…"}</span>
      </div>
    </Card>
  );
}
