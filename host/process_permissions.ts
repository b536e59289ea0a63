/**
 * A process window's Deno permissions as command-line flags. The option has the shape worker
 * windows take (`"none"`, `"inherit"`, or `{ read: [...], net: false, ... }`); a process window
 * gets exactly the flags it names, none by default, and never more than the host has: asking for
 * more is refused with an error naming what is missing (not clamped, so an app never runs with
 * less than it believes it granted).
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Deno permissions for a process window: the same shape as a worker window's. */
export type ProcessPermissions = "none" | "inherit" | Deno.PermissionOptionsObject;

type Name = keyof Deno.PermissionOptionsObject;

/** Every permission, with the descriptor field a single entry is queried by. */
const FIELDS: Record<Name, string> = {
  read: "path",
  write: "path",
  ffi: "path",
  net: "host",
  import: "host",
  env: "variable",
  run: "command",
  sys: "kind",
};
const NAMES = Object.keys(FIELDS) as Name[];
const PATHS = new Set<Name>(["read", "write", "ffi"]);

function hostHas(name: Name, entry?: string): boolean {
  const descriptor =
    (entry === undefined ? { name } : { name, [FIELDS[name]]: entry }) as Deno.PermissionDescriptor;
  return Deno.permissions.querySync(descriptor).state === "granted";
}

function entryText(name: Name, entry: string | URL): string {
  let text = entry instanceof URL ? fileURLToPath(entry) : entry;
  // Resolved here, against the host's working directory (the child's too), so the host's check
  // and the child's flag mean the same file.
  if (PATHS.has(name) && !isAbsolute(text)) {
    text = resolve(text);
  }
  if (text.includes(",")) {
    throw new Error(
      `"${name}" entry ${JSON.stringify(text)} contains a comma: a flag cannot carry it`,
    );
  }
  return text;
}

/**
 * Whether the host has every permission in full (as with `-A`).
 *
 * @example
 * ```ts ignore
 * hostHasAll(); // true under `deno run -A`
 * ```
 */
export function hostHasAll(): boolean {
  return NAMES.every((name) => hostHas(name));
}

/**
 * The `--allow-*` flags for `permissions`; throws an `Error` naming each permission the host
 * lacks. `"inherit"` (whole or per permission) passes on what the host has in full; a permission
 * the host holds for some entries only cannot be read back from Deno, so it is not passed on by
 * `"inherit"`: list the entries instead.
 *
 * @example
 * ```ts ignore
 * permissionFlags({ read: ["/data"], net: false }); // ["--allow-read=/data"]
 * permissionFlags("none"); // []
 * ```
 */
export function permissionFlags(permissions: ProcessPermissions | undefined): string[] {
  if (permissions === undefined || permissions === "none") return [];
  if (permissions === "inherit") {
    return NAMES.filter((name) => hostHas(name)).map((name) => `--allow-${name}`);
  }
  const flags: string[] = [];
  const missing: string[] = [];
  for (const name of NAMES) {
    const value = permissions[name];
    if (value === undefined || value === false) continue;
    if (value === "inherit") {
      if (hostHas(name)) flags.push(`--allow-${name}`);
    } else if (value === true) {
      if (hostHas(name)) flags.push(`--allow-${name}`);
      else missing.push(`"${name}"`);
    } else if (Array.isArray(value)) {
      if (value.length === 0) continue;
      const entries = value.map((entry) => entryText(name, entry));
      const lacking = entries.filter((entry) => !hostHas(name, entry));
      if (lacking.length) missing.push(`"${name}" for ${lacking.join(", ")}`);
      else flags.push(`--allow-${name}=${entries.join(",")}`);
    } else {
      throw new TypeError(`permissions.${name}: expected "inherit", a boolean or a list`);
    }
  }
  if (missing.length) {
    throw new Error(
      `a window never gets more permissions than the host has; the host lacks ${
        missing.join("; ")
      }`,
    );
  }
  return flags;
}
