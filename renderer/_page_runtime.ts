/**
 * The page runtime: the one module every script of a page window imports first (the host's
 * bundler adds the import). It installs the page bootstrap, then offers what `"ipc"` and
 * `"denotron/renderer"` mean inside a page, so all of a page's scripts share one renderer core.
 *
 * @example
 * ```ts ignore
 * // What a page's bundle starts with (the host writes it):
 * import "./__denotron/runtime.js";
 * ```
 *
 * @module
 */
import "./_page_main.ts";

export * from "./mod.ts";
export { default } from "./mod.ts";
