/**
 * Fetches, before the suite runs, the npm packages a host resolves on its first run: `host.ts`
 * relaunches itself outside any `deno.json` or lockfile, with the app's import map, and on a fresh
 * machine that first resolution of esbuild prints Deno's "Download …" lines on stderr, which the
 * demo's test rightly takes for the app's own. Resolving it the same way here, once, keeps them out.
 */
import { importMapUrl } from "../host/import_map.ts";

const demo = new URL("../examples/demo", import.meta.url).pathname;
const { code } = await new Deno.Command(Deno.execPath(), {
  args: [
    "cache",
    "--no-config",
    `--import-map=${importMapUrl(demo)}`,
    new URL("../host/bundler.ts", import.meta.url).href,
  ],
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (code !== 0) Deno.exit(code);
