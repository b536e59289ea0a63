/**
 * Runs an app folder as the browser process: loads its main, then makes `app` ready. Used by
 * `host.ts` once the process has the import map and flags the app needs.
 *
 * @module
 */
import { app } from "../browser/app.ts";
import { toFileUrl } from "../browser/_path.ts";

/** The main files the host looks for in an app folder, in this order. */
export const MAIN_FILES = ["main.ts", "main.tsx", "main.js", "main.jsx", "main.mjs"] as const;

/** Finds the app's main file, or explains what is wrong with `dir`. */
export function findMain(dir: string): { main?: string; error?: string } {
  let stat: Deno.FileInfo;
  try {
    stat = Deno.statSync(dir);
  } catch {
    return { error: `app folder not found: ${dir}` };
  }
  if (!stat.isDirectory) return { error: `not a folder: ${dir}` };
  for (const name of MAIN_FILES) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return { main: `${dir}/${name}` };
    } catch { /* try the next name */ }
  }
  return { error: `no main in ${dir}: expected one of ${MAIN_FILES.join(", ")}` };
}

/**
 * Loads `main` (in `appDir`) as the browser side and starts the app. The process ends when the
 * app quits (the last window closed, `app.quit()`, Ctrl-C or SIGTERM).
 *
 * @example
 * ```ts ignore
 * await runApp("/path/to/app", "/path/to/app/main.ts");
 * ```
 */
export async function runApp(appDir: string, main: string): Promise<void> {
  // Deno.exit, not a return: a worker stuck in an endless loop would otherwise keep the process.
  app._host(appDir, (code) => Deno.exit(code));
  // A faulty listener or promise in the app must not take the host down: report it, go on.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    console.error("denotron: unhandled rejection in the browser process:", event.reason);
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    console.error("denotron: uncaught error in the browser process:", event.error);
  });
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    Deno.addSignalListener(signal, () => app._quitWith(code));
  }
  app._loading();
  try {
    await import(toFileUrl(main).href);
  } catch (error) {
    console.error(`denotron: ${main} failed to load:`, error);
    app.exit(1);
  }
  app._markReady();
}
