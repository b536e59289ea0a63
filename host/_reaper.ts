/**
 * The host's side of the reaper (`_reaper_main.ts`): a process that kills this host's renderer
 * processes once the host is gone, so no renderer outlives it even when it is killed with
 * SIGKILL while a renderer spins. Started with the first process window, one per host.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { hostHasAll } from "./process_permissions.ts";

const MAIN = new URL("./_reaper_main.ts", import.meta.url).href;

/**
 * The Deno executable, spelled so that `node:child_process` runs it as given: spawning exactly
 * `Deno.execPath()` makes it read the arguments as a Node command line and run them with `-A`,
 * which would hand every renderer every permission.
 */
export const DENO_EXECUTABLE: string = Deno.execPath().replace(/[^/]+$/, "./$&");

/**
 * Marks this host's renderers: every renderer's command line carries it, and the reaper kills
 * only processes whose command line does.
 */
export const HOST_TOKEN: string = `denotron-host-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;

let reaper: ChildProcess | undefined;
const encoder = new TextEncoder();

/**
 * The reaper needs run permission to kill; reading another process's command line in `/proc`
 * (to check the token) takes all permissions in Deno, so it gets `-A` only from a host that has
 * them all. Without, it kills what the host listed unchecked: a renderer's pid stays listed only
 * between its exit and the host seeing it, far too briefly to be reused.
 */
function flags(): string[] {
  return hostHasAll() ? ["-A"] : ["--allow-run"];
}
const live = new Set<number>();

function stdin(): Writable | undefined {
  if (!reaper) {
    // Detached (its own session): the terminal's Ctrl-C is for the host, not for the reaper,
    // which must outlive the host. Unref'd: it never keeps the host running.
    reaper = spawn(
      DENO_EXECUTABLE,
      ["run", "--no-config", "--no-prompt", ...flags(), MAIN, HOST_TOKEN],
      { stdio: ["pipe", "ignore", "inherit"], detached: true },
    );
    reaper.on("error", () => {}); // could not start: renderers still end by themselves mostly
    reaper.stdin!.on("error", () => {});
    reaper.unref();
    (reaper.stdin as unknown as { unref?(): void }).unref?.();
  }
  return reaper.stdin ?? undefined;
}

/**
 * Lists renderer `pid` with the reaper.
 *
 * @example
 * ```ts ignore
 * watch(child.pid);
 * ```
 */
export function watch(pid: number): void {
  live.add(pid);
  stdin()?.write(encoder.encode(`+${pid}\n`));
}

/**
 * Takes renderer `pid` off the list (it has exited: its pid may be reused).
 *
 * @example
 * ```ts ignore
 * unwatch(child.pid);
 * ```
 */
export function unwatch(pid: number): void {
  if (live.delete(pid)) stdin()?.write(encoder.encode(`-${pid}\n`));
}

// A host that ends with Deno.exit() (app.exit(), signals, its launcher gone) kills what is left
// at once, rather than leave it to the reaper.
globalThis.addEventListener("unload", () => {
  for (const pid of live) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
});
