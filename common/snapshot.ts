/**
 * Copies message arguments at the moment they are sent, so a message can wait in a batch without
 * seeing later mutations of the sender's objects.
 *
 * Only plain data is copied here (primitives, arrays and plain objects, up to a small budget);
 * that is the common case and copying it in JavaScript is cheaper than a structured clone.
 * Anything else (Map, Date, typed arrays, class instances, cycles, large trees) makes
 * {@linkcode snapshot} return `undefined`, and the caller posts that message at once, where the
 * platform's structured clone copies it with full fidelity.
 *
 * @module
 */
import { cloneError, describe } from "./errors.ts";

const BUDGET = 256;
let budget = 0;

class NotPlain {}
const NOT_PLAIN = new NotPlain();

/**
 * Returns a copy of `args` that may be queued, or `undefined` when the arguments need the
 * platform's structured clone. Throws a `DataCloneError` naming `api` and `channel` for a
 * function or symbol, which no transport can carry.
 *
 * @example
 * ```ts
 * import { snapshot } from "./snapshot.ts";
 * const args = [{ n: 1 }];
 * const copy = snapshot(args, "ipc.send", "message")!;
 * args[0].n = 2;
 * console.log(copy); // [ { n: 1 } ]
 * ```
 */
export function snapshot(args: unknown[], api: string, channel: string): unknown[] | undefined {
  budget = BUDGET;
  try {
    const copy = copyArray(args, "args");
    return copy === NOT_PLAIN ? undefined : copy as unknown[];
  } catch (error) {
    throw cloneError(api, channel, error);
  }
}

function copy(value: unknown, path: string): unknown {
  switch (typeof value) {
    case "object":
      if (value === null) return null;
      if (--budget < 0) return NOT_PLAIN;
      if (Array.isArray(value)) {
        return Object.getPrototypeOf(value) === Array.prototype
          ? copyArray(value, path)
          : NOT_PLAIN;
      }
      {
        const proto = Object.getPrototypeOf(value);
        return proto === Object.prototype || proto === null
          ? copyObject(value as Record<string, unknown>, path)
          : NOT_PLAIN;
      }
    case "function":
    case "symbol":
      throw new TypeError(`${path} is a ${describe(value)}, which cannot be sent`);
    default:
      return value;
  }
}

function copyArray(array: unknown[], path: string): unknown {
  const out = new Array(array.length);
  for (let i = 0; i < array.length; i++) {
    const v = array[i];
    const c = typeof v === "object" || typeof v === "function" || typeof v === "symbol"
      ? copy(v, `${path}[${i}]`)
      : v;
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[i] = c;
  }
  return out;
}

function copyObject(object: Record<string, unknown>, path: string): unknown {
  const out: Record<string, unknown> = {};
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    const c = copy(object[key], `${path}.${key}`);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[key] = c;
  }
  return out;
}
