/**
 * Shape checks for what a renderer sends. A renderer is untrusted code: whatever arrives is
 * checked before the browser acts on it, so a malformed frame is refused, never a crash.
 *
 * @module
 */
import { Kind, type RendererMessage } from "./protocol.ts";

const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const LEVELS = new Set(["log", "info", "warn", "error", "debug"]);

/**
 * Whether `m` is a well-formed renderer message.
 *
 * @example
 * ```ts
 * import { isRendererMessage } from "./validate.ts";
 * console.log(isRendererMessage([0, "greet", ["hi"]])); // true
 * console.log(isRendererMessage([0, 42])); // false
 * ```
 */
export function isRendererMessage(m: unknown): m is RendererMessage {
  if (!Array.isArray(m)) return false;
  switch (m[0]) {
    case Kind.Send:
      return isString(m[1]) && Array.isArray(m[2]) &&
        (m[3] === undefined ||
          (Array.isArray(m[3]) && m[3].every((p) => p instanceof MessagePort)));
    case Kind.Sync:
    case Kind.Invoke:
      return isId(m[1]) && isString(m[2]) && Array.isArray(m[3]);
    case Kind.Console:
      return LEVELS.has(m[1]) && typeof m[2] === "string";
    case Kind.Error:
      return typeof m[1] === "object" && m[1] !== null &&
        typeof m[1].name === "string" && typeof m[1].message === "string";
    case Kind.Cancel:
      return isId(m[1]);
    case Kind.Pull:
    case Kind.Ack:
      return isId(m[1]) && (m[0] === Kind.Ack || (isId(m[2]) && m[2] <= 1_000_000));
    case Kind.Ready:
    case Kind.Close:
      return m.length === 1;
    default:
      return false;
  }
}
