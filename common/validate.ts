/**
 * Shape checks for what a renderer sends, the one rule every transport applies (a page's frame
 * reader too). A renderer is untrusted code: whatever arrives is checked before the browser acts
 * on it, so a malformed frame is refused, never a crash.
 *
 * @module
 */
import { Kind, type RendererMessage } from "./protocol.ts";

const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const LEVELS = new Set(["log", "info", "warn", "error", "debug"]);
/**
 * Most arguments one message may carry. Listeners get them spread, and a sparse array of 2³²−1
 * holes costs a renderer a few bytes but the host seconds and gigabytes to spread.
 */
const MAX_ARGS = 65_536;
const isArgs = (v: unknown): v is unknown[] => Array.isArray(v) && v.length <= MAX_ARGS;
/**
 * Whether `v` is a list of ids of ports a renderer relays: it picks odd ones (see `PortId`).
 *
 * @example
 * ```ts
 * import { isRelayedPorts } from "./validate.ts";
 * console.log(isRelayedPorts([1, 3])); // true
 * console.log(isRelayedPorts([2])); // false: an id the host picks
 * ```
 */
export function isRelayedPorts(v: unknown): v is number[] {
  if (!Array.isArray(v)) return false;
  // Indexed, not `every`: a hole (a huge sparse array decodes from a few bytes) is refused.
  for (let i = 0; i < v.length; i++) {
    const p = v[i];
    if (!Number.isSafeInteger(p) || p <= 0 || p % 2 !== 1) return false;
  }
  return true;
}
const isRelayed = isRelayedPorts;
/** Ports a renderer sends: moved ones (a worker's), or the ids of relayed ones. */
const isPorts = (v: unknown): boolean =>
  isRelayed(v) ||
  (Array.isArray(v) && v.every((p) => p instanceof MessagePort));

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
      return isString(m[1]) && isArgs(m[2]) &&
        (m.length === 3 || (m.length === 4 && isPorts(m[3])));
    case Kind.PortMessage:
      return isId(m[1]) && (m.length === 3 || (m.length === 4 && isRelayed(m[3])));
    case Kind.PortClose:
      return m.length === 2 && isId(m[1]);
    case Kind.Sync:
    case Kind.Invoke:
      return m.length === 4 && isId(m[1]) && isString(m[2]) && isArgs(m[3]);
    case Kind.Console:
      return m.length === 3 && LEVELS.has(m[1]) && typeof m[2] === "string";
    case Kind.Error:
      return m.length === 2 && isErrorInfo(m[1]);
    case Kind.Cancel:
      return m.length === 2 && isId(m[1]);
    case Kind.Pull:
      return m.length === 3 && isId(m[1]) && isId(m[2]) && m[2] <= 1_000_000;
    case Kind.Ack:
      return isId(m[1]) && (m.length === 2 || (m.length === 3 && m[2] === 1));
    case Kind.Ready:
    case Kind.Close:
      return m.length === 1;
    default:
      return false;
  }
}

function isErrorInfo(v: unknown): boolean {
  const info = v as Record<string, unknown> | null;
  return typeof info === "object" && info !== null &&
    typeof info.name === "string" && typeof info.message === "string" &&
    (info.stack === undefined || typeof info.stack === "string") &&
    (info.props === undefined || (typeof info.props === "object" && info.props !== null));
}
