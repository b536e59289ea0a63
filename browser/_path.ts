// Deno has no path module of its own without JSR; Node's built-ins are part of Deno.
export { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A file URL for an absolute path. */
export function toFileUrl(path: string): URL {
  return pathToFileURL(path);
}
