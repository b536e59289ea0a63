/**
 * How a page window's messages travel, shared by the page bootstrap and the host.
 *
 * Every page URL is `/<secret>/w<window id>/<path in the app folder>`; the host answers the
 * reserved paths below itself. Host → page WebSocket frames are codec-encoded arrays of
 * messages. Page → host frames are `[handled, messages?]`: `handled` counts the host frames the
 * page has handled, so the host knows which frames a page that goes away (reload) never saw and
 * sends those again to the next page load. A sync request's body carries the frames the page
 * could not put on its socket yet (still connecting), each behind its length.
 *
 * @module
 */
import { encode } from "./codec.ts";
import type { RendererMessage } from "./protocol.ts";

/**
 * The folder name the host keeps for itself in every window's URL space.
 *
 * @example
 * ```ts ignore
 * new URL(`${RESERVED_DIR}/runtime.js`, pageUrl);
 * ```
 */
export const RESERVED_DIR = "__denotron";
/**
 * The page's WebSocket, relative to the window's prefix; `?s=<session>`.
 *
 * @example
 * ```ts ignore
 * new WebSocket(`ws://${location.host}${prefix}${SOCKET_PATH}?s=${session}`);
 * ```
 */
export const SOCKET_PATH = `${RESERVED_DIR}/ws`;
/**
 * The sync request, relative to the window's prefix; `?s=<session>&q=<seq>&n=<frames sent>`.
 *
 * @example
 * ```ts ignore
 * request.open("POST", `${prefix}${SYNC_PATH}?s=${session}&q=${seq}&n=${sent}`, false);
 * ```
 */
export const SYNC_PATH = `${RESERVED_DIR}/sync`;
/**
 * The page runtime (bootstrap + renderer API), one module shared by all of a page's scripts.
 *
 * @example
 * ```ts ignore
 * const runtime = `../${RUNTIME_PATH}`; // from a script one folder down
 * ```
 */
export const RUNTIME_PATH = `${RESERVED_DIR}/runtime.js`;
/**
 * The global the served runtime sets (its first statement) to the window's `RendererInit`:
 * `runtime.js` is fetched at the window's own URL, so the host can prepend it.
 *
 * @example
 * ```ts ignore
 * const init = globalThis[Symbol.for(PAGE_INIT_KEY)];
 * ```
 */
export const PAGE_INIT_KEY = "denotron.page-init";
/**
 * The window prefix of a page URL's path: `/<secret>/w<id>/`.
 *
 * @example
 * ```ts ignore
 * "/0123abcd/w3/index.html".match(WINDOW_PREFIX)?.[1]; // "3"
 * ```
 */
export const WINDOW_PREFIX: RegExp = /^\/[^/]+\/w(\d+)\//;
/**
 * What a page session id (chosen by the page, one per page load) looks like.
 *
 * @example
 * ```ts ignore
 * SESSION_ID.test(crypto.randomUUID()); // true
 * ```
 */
export const SESSION_ID: RegExp = /^[0-9a-zA-Z-]{8,64}$/;

/**
 * A page → host frame.
 *
 * @example
 * ```ts
 * import { pageFrame } from "./_page_wire.ts";
 * const ack = pageFrame(3); // "I have handled 3 host frames"
 * ```
 */
export function pageFrame(handled: number, messages?: RendererMessage[]): Uint8Array {
  return encode(messages ? [handled, messages] : [handled]);
}

/**
 * Joins frames for a sync request's body: each as a 4-byte little-endian length, then its bytes.
 *
 * @example
 * ```ts
 * import { joinFrames, splitFrames } from "./_page_wire.ts";
 * splitFrames(joinFrames([new Uint8Array([1, 2])])); // [Uint8Array [1, 2]]
 * ```
 */
export function joinFrames(frames: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const frame of frames) size += 4 + frame.length;
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  let at = 0;
  for (const frame of frames) {
    view.setUint32(at, frame.length, true);
    body.set(frame, at + 4);
    at += 4 + frame.length;
  }
  return body;
}

/**
 * Splits a body made by {@linkcode joinFrames}; throws a `RangeError` if it is malformed.
 *
 * @example
 * ```ts
 * import { splitFrames } from "./_page_wire.ts";
 * splitFrames(new Uint8Array(0)); // []
 * ```
 */
export function splitFrames(body: Uint8Array): Uint8Array[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < body.length;) {
    if (at + 4 > body.length) throw new RangeError("malformed sync body: truncated length");
    const size = view.getUint32(at, true);
    if (at + 4 + size > body.length) throw new RangeError("malformed sync body: truncated frame");
    frames.push(body.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return frames;
}

/**
 * After a frame carrying them was encoded, detaches the ArrayBuffers of `transfer`: a page frame
 * copies bytes, and detaching the sender's buffers keeps the "moved, not copied" promise.
 *
 * @example
 * ```ts
 * import { detach } from "./_page_wire.ts";
 * const buffer = new ArrayBuffer(8);
 * detach([buffer]);
 * buffer.byteLength; // 0
 * ```
 */
export function detach(transfer: Transferable[] | undefined): void {
  for (const item of transfer ?? []) {
    if (item instanceof ArrayBuffer && !item.detached) structuredClone(item, { transfer: [item] });
  }
}
