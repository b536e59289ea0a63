/** @jsxImportSource preact */
/**
 * The page: a header and the four panels. index.html loads this file; the host bundles it (and
 * preact, from npm) when Chromium asks for it.
 *
 * @module
 */
/// <reference lib="dom" />
import { render } from "preact";
import { useState } from "preact/hooks";
import type { HostInfo } from "./channels.ts";
import { LivePanel } from "./panels/live.tsx";
import { PingPanel } from "./panels/ping.tsx";
import { SyncPanel } from "./panels/sync.tsx";
import { WorkerPanel } from "./panels/worker.tsx";

/** The chromium version this page runs in, from its user agent. */
const chromium = navigator.userAgent.match(/Chrom(?:e|ium)\/(\d+)/)?.[1];

function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
      <defs>
        <linearGradient id="logo" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stop-color="#7c6cff" />
          <stop offset="1" stop-color="#19c3a6" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="9" fill="url(#logo)" />
      <circle cx="11" cy="16" r="4" fill="#fff" />
      <circle cx="22" cy="16" r="4" fill="none" stroke="#fff" stroke-width="2.4" />
      <path d="M15 16h3" stroke="#fff" stroke-width="2.4" stroke-linecap="round" />
    </svg>
  );
}

function App() {
  const [host, setHost] = useState<HostInfo | null>(null);
  return (
    <>
      <header class="top">
        <Logo />
        <div class="top__title">
          <h1>
            denotron <span>demo</span>
          </h1>
          <p>One Deno host, a Chromium page and a sandboxed worker, talking over ipc.</p>
        </div>
        <div class="pills">
          {host && <span class="pill">Deno {host.deno}</span>}
          {chromium && <span class="pill">Chromium {chromium}</span>}
          {host && <span class="pill">{host.os} · {host.arch}</span>}
        </div>
      </header>
      <main class="grid">
        <PingPanel />
        <SyncPanel onInfo={setHost} />
        <LivePanel />
        <WorkerPanel />
      </main>
    </>
  );
}

render(<App />, document.getElementById("root")!);
