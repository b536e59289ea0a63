/**
 * The demo's channels, described once for both halves: `ipcMain.typed<DemoChannels>()` in the
 * browser process and `ipcRenderer.typed<DemoChannels>()` in the page check every channel name and
 * argument at `deno check` time. Types only: the page's bundle gets nothing from this file.
 *
 * @module
 */
import type { ChannelMap } from "denotron/browser";

/** The four panels; each reports once on `demo:panel-ready` when it first has a result. */
export type PanelName = "ping" | "sync" | "live" | "worker";

/** What the host tells about itself, synchronously (the sync panel). */
export interface HostInfo {
  deno: string;
  v8: string;
  typescript: string;
  os: string;
  arch: string;
  cpus: number;
  /** Seconds since the machine booted. */
  osUptime: number;
  /** Seconds since the host process started. */
  hostUptime: number;
  pid: number;
  /** Lines in the app's own main.ts, read from disk by the host while the page waits. */
  mainLines: number;
}

/** One reading of the host's memory and the machine's load (the live panel). */
export interface LiveSample {
  /** Host time, ms since the epoch. */
  at: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** 1, 5 and 15 minute load averages. */
  load: number[];
  memTotal: number;
  memAvailable: number;
}

/** A region of the Mandelbrot set to draw, in device pixels. */
export interface FractalJob {
  /** Newer jobs replace older ones; strips of an old job are dropped. */
  id: number;
  width: number;
  height: number;
  /** The centre of the view, in the complex plane. */
  cx: number;
  cy: number;
  /** Complex-plane units per pixel. */
  scale: number;
  maxIterations: number;
  /** Rows per strip: the unit the worker computes, sends and the page draws. */
  stripRows: number;
}

/** One horizontal strip of a job, as RGBA pixels. */
export interface FractalStrip {
  job: number;
  index: number;
  count: number;
  y: number;
  rows: number;
  width: number;
  /** RGBA, `width * rows * 4` bytes; moved (transferred), not copied, out of the worker. */
  pixels: ArrayBuffer;
  /** How long the worker spent computing it. */
  ms: number;
}

/** What the worker window says about itself once it runs. */
export interface WorkerHello {
  /** The worker window's id (its `processId`). */
  id: number;
  /**
   * What "no permissions" means, from the inside: for each kind of access the worker tried,
   * the name of the error Deno threw (`"NotCapable"`), or `"allowed"`.
   */
  tried: Record<string, string>;
}

/** The page window's channels (besides the legacy `"message"` channel the ping panel uses). */
export interface DemoChannels extends ChannelMap {
  send: {
    "demo:fractal": [job: FractalJob];
    "demo:panel-ready": [panel: PanelName, value: Record<string, unknown>];
  };
  sync: { "demo:host-info": () => HostInfo };
  invoke: { "demo:live": () => AsyncIterable<LiveSample[]> };
  push: {
    "demo:fractal-strip": [strip: FractalStrip];
    "demo:worker-hello": [hello: WorkerHello];
  };
}

/** The fractal worker window's channels. */
export interface WorkerChannels extends ChannelMap {
  send: {
    "fractal:hello": [tried: Record<string, string>];
    "fractal:strip": [strip: FractalStrip];
  };
  push: { "fractal:job": [job: FractalJob] };
}
