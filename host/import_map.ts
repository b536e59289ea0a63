/**
 * The import map an app runs with, wherever its folder is: the bare `"ipc"`, `"denotron/browser"`
 * and `"denotron/renderer"` name this package's files, plus the app's own `imports` (from its
 * `deno.json`). `host.ts` runs the browser process with it, and every process window gets the
 * same one, so a renderer resolves exactly what the app does.
 *
 * @module
 */
import config from "../deno.json" with { type: "json" };

const own = (path: string) => new URL(path, import.meta.url).href;

/**
 * The imports of the app in `appDir`: its `deno.json` (or `deno.jsonc`) `imports`, with relative
 * targets made absolute, then ours on top.
 *
 * @example
 * ```ts
 * import { appImports } from "./import_map.ts";
 * appImports("/no/such/app").ipc.endsWith("/ipc.ts"); // true
 * ```
 */
export function appImports(appDir: string): Record<string, string> {
  const imports: Record<string, string> = {};
  for (const name of ["deno.json", "deno.jsonc"]) {
    try {
      const config = JSON.parse(Deno.readTextFileSync(`${appDir}/${name}`));
      for (const [k, v] of Object.entries(config.imports ?? {})) {
        imports[k] = /^[./]/.test(String(v))
          ? new URL(String(v), `file://${appDir}/`).href
          : String(v);
      }
      break;
    } catch { /* no config, or not JSON: the app needs none */ }
  }
  Object.assign(imports, {
    "ipc": own("../ipc.ts"),
    "denotron/browser": own("../browser/mod.ts"),
    "denotron/renderer": own("../renderer/mod.ts"),
    "denotron": own("../mod.ts"),
    // The page bundler's own dependency (the child runs without our deno.json).
    "esbuild": config.imports.esbuild,
  });
  return imports;
}

/**
 * {@linkcode appImports} as a `data:` URL for `--import-map`.
 *
 * @example
 * ```ts
 * import { importMapUrl } from "./import_map.ts";
 * importMapUrl("/no/such/app").startsWith("data:application/json,"); // true
 * ```
 */
export function importMapUrl(appDir: string): string {
  const map = JSON.stringify({ imports: appImports(appDir) });
  return `data:application/json,${encodeURIComponent(map)}`;
}
