/**
 * The denotron command line: runs an app folder.
 *
 * ```sh
 * deno run -A host.ts path/to/app/
 * ```
 *
 * The folder's `main.ts` (or `main.tsx`, `main.js`) runs as the browser process; the bare
 * specifiers `"ipc"`, `"denotron/browser"` and `"denotron/renderer"` resolve wherever the folder
 * is. To give the app that import map and per-window permissions (Deno's worker-options), the
 * host runs itself once more as a child with the right flags and the same permissions.
 *
 * @module
 */
import { findMain, runApp } from "./host/run.ts";
import { resolve } from "./browser/_path.ts";
import { importMapUrl } from "./host/import_map.ts";

const USAGE = `usage: deno run -A host.ts <app-folder>

Runs the app in <app-folder>: its main.ts (or main.tsx, main.js) is the browser process.`;
const HOSTED = "DENOTRON_HOSTED";
const PERMISSIONS = ["read", "write", "net", "env", "sys", "run", "ffi", "import"] as const;

function fail(message: string): never {
  console.error(`denotron: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

/** The permission flags this process has, so the child never gets more. */
function permissionFlags(): string[] {
  const granted = PERMISSIONS.filter((name) =>
    Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state === "granted"
  );
  return granted.length === PERMISSIONS.length ? ["-A"] : granted.map((n) => `--allow-${n}`);
}

async function relaunch(appDir: string): Promise<never> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...permissionFlags(),
      "--no-config",
      "--unstable-worker-options",
      `--import-map=${importMapUrl(appDir)}`,
      new URL(import.meta.url).href,
      appDir,
    ],
    env: { [HOSTED]: String(Deno.pid) },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    });
  }
  const status = await child.status;
  Deno.exit(status.signal ? 128 + (status.signal === "SIGINT" ? 2 : 15) : status.code);
}

/** Ends this process if the launcher that started it disappears (even by SIGKILL). */
function exitWithParent(parent: number): void {
  const timer = setInterval(() => {
    if (Deno.ppid !== parent) Deno.exit(1);
  }, 500);
  Deno.unrefTimer(timer);
}

if (import.meta.main) {
  const [dir] = Deno.args;
  if (!dir || dir.startsWith("-")) {
    fail(dir === "--help" || dir === "-h" ? "" : "no app folder given");
  }
  const appDir = resolve(dir);
  const { main, error } = findMain(appDir);
  if (error) fail(error);
  const parent = Deno.env.get(HOSTED);
  if (!parent) await relaunch(appDir);
  exitWithParent(Number(parent));
  await runApp(appDir, main!);
}
