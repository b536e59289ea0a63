/**
 * Errors that cross between the browser and a renderer, and the checks that produce clear errors
 * at the sender.
 *
 * @module
 */
import type { ErrorInfo } from "./protocol.ts";

const KNOWN: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/**
 * Captures an error (or any thrown value) so it can be rebuilt on the other side.
 *
 * @example
 * ```ts
 * import { toErrorInfo } from "./errors.ts";
 * const info = toErrorInfo(Object.assign(new TypeError("bad"), { code: "E_BAD" }));
 * console.log(info.name, info.props?.code); // TypeError E_BAD
 * ```
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (!(error instanceof Error)) {
    return { name: "Error", message: describe(error) };
  }
  const info: ErrorInfo = { name: error.name, message: error.message, stack: error.stack };
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) {
      (info.props ??= {})[key] = value;
    }
  }
  return info;
}

/**
 * Rebuilds an error from {@linkcode toErrorInfo}, its message prefixed with `context` (what failed
 * and on which channel); the original name and own fields are kept.
 *
 * @example
 * ```ts
 * import { fromErrorInfo } from "./errors.ts";
 * const e = fromErrorInfo({ name: "TypeError", message: "bad" }, 'sync channel "get"');
 * console.log(e.name, e.message); // TypeError sync channel "get": bad
 * ```
 */
export function fromErrorInfo(info: ErrorInfo, context?: string): Error {
  const Ctor = KNOWN[info.name] ?? Error;
  const error = new Ctor(context ? `${context}: ${info.message}` : info.message);
  if (error.name !== info.name) {
    Object.defineProperty(error, "name", { value: info.name, configurable: true, writable: true });
  }
  if (info.props) Object.assign(error, info.props);
  if (info.stack) {
    error.stack = `${error.stack}\n    --- from the other side ---\n${info.stack}`;
  }
  return error;
}

/**
 * Throws a `TypeError` naming `api` unless `channel` is a non-empty string.
 *
 * @example
 * ```ts
 * import { assertChannel } from "./errors.ts";
 * assertChannel("ipc.sendChannel", "greet"); // fine
 * ```
 */
export function assertChannel(api: string, channel: unknown): asserts channel is string {
  if (typeof channel !== "string" || channel.length === 0) {
    throw new TypeError(`${api}: channel must be a non-empty string, got ${describe(channel)}`);
  }
}

/** A short, safe description of any value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value);
  }
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  return Object.prototype.toString.call(value);
}

/**
 * Rethrows a structured-clone failure with the channel named, so the sender sees which message
 * was refused and why.
 */
export function cloneError(api: string, channel: string, cause: unknown): DOMException {
  const why = cause instanceof Error ? cause.message : describe(cause);
  return new DOMException(
    `${api}: the arguments on channel "${channel}" could not be cloned: ${why}`,
    "DataCloneError",
  );
}
