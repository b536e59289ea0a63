/**
 * Reads a page's frames on the host. A page is untrusted input: anything that is not exactly a
 * well-formed frame is refused here, before the core sees it.
 *
 * @module
 */
import { decode } from "../common/codec.ts";
import { Kind, type RendererMessage } from "../common/protocol.ts";
import { isRendererMessage } from "../common/validate.ts";

/**
 * A decoded page → host frame.
 *
 * @example
 * ```ts ignore
 * const { handled, messages }: PageFrame = readPageFrame(bytes);
 * ```
 */
export interface PageFrame {
  /** Host frames the page has handled. */
  handled: number;
  /** Its messages, in order. */
  messages: RendererMessage[];
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Decodes and checks a page → host frame; throws a `TypeError` saying what is wrong.
 *
 * @example
 * ```ts
 * import { pageFrame } from "../common/_page_wire.ts";
 * import { readPageFrame } from "./_page_frames.ts";
 * readPageFrame(pageFrame(0, [[7]])); // { handled: 0, messages: [[7]] }
 * ```
 */
export function readPageFrame(bytes: Uint8Array): PageFrame {
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (error) {
    throw new TypeError(`bad frame: ${(error as Error).message}`);
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > 2 || !isCount(value[0])) {
    throw new TypeError("bad frame: expected [handled, messages?]");
  }
  const messages = value[1] ?? [];
  if (!Array.isArray(messages)) throw new TypeError("bad frame: messages is not an array");
  for (const m of messages) {
    if (!isRendererMessage(m)) {
      const kind = Array.isArray(m) ? `kind ${String(m[0]).slice(0, 20)}` : typeof m;
      throw new TypeError(`bad frame: not a well-formed message (${kind})`);
    }
    // A run of holes decodes from a few bytes to an array of any length, and the host spreads
    // arguments into listener calls: 2^32 holes cost seconds and gigabytes. A page's arguments
    // are dense (a rest parameter), so each takes at least a byte of the frame.
    const args = m[0] === Kind.Send ? m[2] : m[0] === Kind.Sync || m[0] === Kind.Invoke ? m[3] : [];
    if (args.length > bytes.length) {
      throw new TypeError(
        `bad frame: ${args.length} arguments declared in a ${bytes.length}-byte frame`,
      );
    }
  }
  return { handled: value[0], messages };
}
