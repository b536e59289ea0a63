/**
 * The sync panel's other half: the page calls `sendSync("demo:host-info")` and stays blocked
 * until this listener sets `event.returnValue` — here after reading a file from disk, to show that
 * the answer may take real work.
 *
 * @module
 */
import { app, ipcMain } from "denotron/browser";
import type { DemoChannels, HostInfo } from "../channels.ts";

/** Answers `demo:host-info` with facts only the host can know. */
export function serveHostInfo(): void {
  ipcMain.typed<DemoChannels>().on("demo:host-info", (event) => {
    event.returnValue = hostInfo();
  });
}

function hostInfo(): HostInfo {
  const main = Deno.readTextFileSync(`${app.getAppPath()}/main.ts`);
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
    osUptime: Deno.osUptime(),
    hostUptime: performance.now() / 1000,
    pid: Deno.pid,
    mainLines: main.split("\n").length - (main.endsWith("\n") ? 1 : 0),
  };
}
