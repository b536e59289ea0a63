/**
 * Collects the page's `demo:panel-ready` reports: each panel sends one when it first shows a real
 * result. The demo uses them to know when a screenshot is worth taking.
 *
 * @module
 */
import { type BrowserWindow, ipcMain } from "denotron/browser";
import type { DemoChannels, PanelName } from "../channels.ts";

/** Every panel, in the order they appear. */
export const PANELS: readonly PanelName[] = ["ping", "sync", "live", "worker"];

/** Each panel's first result, as the page reported it. */
export type PanelReports = Partial<Record<PanelName, Record<string, unknown>>>;

/**
 * Listens for `page`'s reports: `reports` fills as they come (`onReport` sees each one), and
 * `all` resolves once every panel has reported.
 */
export function panelsReady(
  page: BrowserWindow,
  onReport?: (panel: PanelName, value: Record<string, unknown>) => void,
): { reports: PanelReports; all: Promise<PanelReports> } {
  const reports: PanelReports = {};
  const { promise, resolve } = Promise.withResolvers<PanelReports>();
  ipcMain.typed<DemoChannels>().on("demo:panel-ready", (event, panel, value) => {
    if (event.sender !== page.webContents || !PANELS.includes(panel) || reports[panel]) return;
    reports[panel] = value;
    onReport?.(panel, value);
    if (PANELS.every((name) => reports[name])) resolve(reports);
  });
  return { reports, all: promise };
}
