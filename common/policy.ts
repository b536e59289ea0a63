/**
 * What a window may do over ipc: which channels, in each direction and kind, and how large a
 * message may be. Both halves enforce it — the renderer so the sender gets a clear error, the
 * browser because a renderer is untrusted code and could skip its own checks.
 *
 * @module
 */
import { describe } from "./errors.ts";

/**
 * Channel allowlists (glob patterns: `*` any run of characters, `?` one) for a window, given as
 * the `channels` option of a `BrowserWindow`. A kind that is not given allows every channel; an
 * empty list allows none.
 *
 * @example
 * ```ts ignore
 * import { BrowserWindow, type ChannelPolicy } from "denotron/browser";
 * const channels: ChannelPolicy = {
 *   send: ["log", "metrics:*"],
 *   sync: [],
 *   invoke: ["db:get", "db:list"],
 *   receive: ["tick"],
 * };
 * const win = new BrowserWindow({ channels });
 * ```
 */
export interface ChannelPolicy {
  /** Channels the renderer may `send` / `postMessage` on. All when not given. */
  send?: string[];
  /** Channels the renderer may `sendSync` on. All when not given. */
  sync?: string[];
  /** Channels the renderer may `invoke`. All when not given. */
  invoke?: string[];
  /** Channels the browser may send to the renderer on. All when not given. */
  receive?: string[];
}

/** One direction and kind of {@linkcode ChannelPolicy}. */
export type ChannelKind = keyof ChannelPolicy;

/** The default largest message, in bytes (estimated as sent): generous, but not unbounded. */
export const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024 * 1024;

/** A compiled {@linkcode ChannelPolicy}: `allows(kind, channel)`. */
export class Policy {
  readonly #rules: Partial<Record<ChannelKind, RegExp>> = {};
  readonly #source: ChannelPolicy;
  /** The largest message, in bytes. */
  readonly maxMessageSize: number;

  constructor(channels: ChannelPolicy = {}, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE) {
    this.#source = channels;
    this.maxMessageSize = maxMessageSize;
    for (const [kind, patterns] of Object.entries(channels) as [ChannelKind, string[]][]) {
      if (!Array.isArray(patterns) || patterns.some((p) => typeof p !== "string")) {
        throw new TypeError(`channels.${kind} must be an array of glob patterns`);
      }
      const alternatives = patterns.map((p) =>
        p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".")
      );
      this.#rules[kind] = new RegExp(`^(?:${alternatives.join("|") || "(?!)"})$`);
    }
  }

  /** Whether `channel` is allowed for `kind`. */
  allows(kind: ChannelKind, channel: string): boolean {
    const rule = this.#rules[kind];
    return rule === undefined || rule.test(channel);
  }

  /** Throws a clear error naming the channel, the window and the rule unless allowed. */
  check(api: string, kind: ChannelKind, channel: string, windowId: number): void {
    if (this.allows(kind, channel)) return;
    throw Object.assign(
      new Error(
        `${api}: channel "${channel}" is not allowed for window ${windowId} (${kind} channels: ${
          this.#source[kind]!.join(", ") || "none"
        })`,
      ),
      { code: "ERR_CHANNEL_NOT_ALLOWED" },
    );
  }

  /** Throws a clear `RangeError` if `args` are larger than {@linkcode Policy.maxMessageSize}. */
  checkSize(api: string, channel: string, args: unknown, windowId: number): void {
    const size = estimateSize(args, this.maxMessageSize);
    if (size <= this.maxMessageSize) return;
    throw Object.assign(
      new RangeError(
        `${api} on channel "${channel}": the message is larger than window ${windowId}'s limit of ${this.maxMessageSize} bytes (maxMessageSize)`,
      ),
      { code: "ERR_MESSAGE_TOO_LARGE" },
    );
  }

  /** The plain form, to hand to a renderer. */
  toJSON(): { channels: ChannelPolicy; maxMessageSize: number } {
    return { channels: this.#source, maxMessageSize: this.maxMessageSize };
  }
}

/**
 * About how many bytes `value` takes once serialized; stops counting past `limit` (so a huge
 * message costs no more than the limit to refuse). Shared references count once.
 */
export function estimateSize(value: unknown, limit: number): number {
  // The common case, arguments that are all primitives, without the general walk's allocations.
  if (Array.isArray(value)) {
    let total = 4;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === "string") total += v.length + 4;
      else if (typeof v !== "object" || v === null) total += 9;
      else return walkSize(value, limit);
    }
    return total;
  }
  return walkSize(value, limit);
}

function walkSize(value: unknown, limit: number): number {
  let total = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= limit) {
    const v = stack.pop();
    switch (typeof v) {
      case "string":
        total += v.length + 4;
        continue;
      case "object":
        break;
      default:
        total += 9;
        continue;
    }
    if (v === null || seen.has(v)) {
      total += 1;
      continue;
    }
    seen.add(v);
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) total += v.byteLength + 8;
    else if (v instanceof Map) { for (const [k, x] of v) stack.push(k, x); }
    else if (v instanceof Set) { for (const x of v) stack.push(x); }
    else if (Array.isArray(v)) {
      total += 4;
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else if (v instanceof Blob) total += v.size;
    else {
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue;
        total += key.length + 4;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return total;
}

/** A readable name for a policy violation found by the browser (a renderer skipped its checks). */
export function refusal(kind: ChannelKind, channel: unknown): string {
  return `refused ${kind} on channel ${describe(channel)}: not in the window's allowed channels`;
}
