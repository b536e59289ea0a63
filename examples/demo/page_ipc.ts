/**
 * The page's side of the demo's channels: `ipcRenderer`, typed by the same description the host
 * uses, and the one-time "this panel has a result" report.
 *
 * @module
 */
/// <reference lib="dom" />
import { type IpcRenderer, ipcRenderer } from "denotron/renderer";
import type { DemoChannels, PanelName } from "./channels.ts";

/** `ipcRenderer`, checked against {@linkcode DemoChannels}. */
export const demoIpc: IpcRenderer<DemoChannels> = ipcRenderer.typed<DemoChannels>();

const reported = new Set<PanelName>();

/**
 * Tells the host, once per panel, that `panel` shows a result: `value` and where the panel is
 * on the page (CSS pixels), so that a screenshot can be checked region by region.
 */
export function reportReady(
  panel: PanelName,
  element: Element | null,
  value: Record<string, unknown>,
): void {
  if (reported.has(panel)) return;
  reported.add(panel);
  demoIpc.send("demo:panel-ready", panel, { ...value, rect: rectOf(element) });
}

/** An element's box in CSS pixels, rounded inwards. */
export function rectOf(element: Element | null): Record<string, number> | null {
  if (!element) return null;
  const r = element.getBoundingClientRect();
  const x = Math.ceil(r.left), y = Math.ceil(r.top);
  return { x, y, width: Math.floor(r.right) - x, height: Math.floor(r.bottom) - y };
}
