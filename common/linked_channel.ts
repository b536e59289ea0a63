/**
 * A `MessageChannel` whose ports tell each other when one is closed, with a `close` event: what
 * Electron's `MessagePortMain` has, and what neither Deno nor this Chromium fires for web
 * MessagePorts. Relayed ports are made of these on both sides, so a `close()` at one end of a
 * relayed port reaches the other end.
 *
 * The event comes after every message the closed port sent before closing (the count of them
 * goes with the close), so nothing is lost and nothing arrives after it; like messages, it waits
 * until the port is started (`onmessage`, or `start()`). Only these very port objects know: a port
 * transferred elsewhere (to a worker) is a plain MessagePort there.
 *
 * @module
 */

interface End {
  readonly port: MessagePort;
  partner: End | undefined;
  /** Messages this port posted, and messages dispatched at it. */
  sent: number;
  received: number;
  /** How many messages the partner sent before it closed (-1: it has not). */
  closeAfter: number;
  closed: boolean;
}

const nativeClose = MessagePort.prototype.close;
const nativePost = MessagePort.prototype.postMessage as (
  this: MessagePort,
  ...args: unknown[]
) => void;

/**
 * A `MessageChannel` whose ports fire `close` (an event, and `onclose`) when the other port is
 * closed, after the messages it sent before.
 *
 * @example
 * ```ts
 * import { LinkedChannel } from "./linked_channel.ts";
 * const { port1, port2 } = new LinkedChannel();
 * port2.addEventListener("close", () => console.log("port1 closed"));
 * port2.start();
 * port1.close();
 * ```
 */
export class LinkedChannel extends MessageChannel {
  constructor() {
    super();
    const a = link(this.port1);
    const b = link(this.port2);
    a.partner = b;
    b.partner = a;
  }
}

function link(port: MessagePort): End {
  const end: End = {
    port,
    partner: undefined,
    sent: 0,
    received: 0,
    closeAfter: -1,
    closed: false,
  };
  // Registered before any of the app's listeners, so a message is counted before they see it;
  // the close event is fired from a task of its own, after the last message's listeners ran.
  const count = () => {
    if (++end.received === end.closeAfter) setTimeout(() => fire(end), 0);
  };
  port.addEventListener("message", count);
  port.addEventListener("messageerror", count);
  Object.defineProperties(port, {
    postMessage: {
      value(...args: unknown[]) {
        nativePost.apply(port, args);
        end.sent++;
      },
      configurable: true,
      writable: true,
    },
    close: { value: () => close(end), configurable: true, writable: true },
  });
  if (!("onclose" in port)) onclose(port);
  return end;
}

function close(end: End): void {
  if (end.closed) return;
  end.closed = true;
  nativeClose.call(end.port);
  const partner = end.partner;
  if (!partner || partner.closed) return;
  partner.closeAfter = end.sent;
  if (partner.received >= end.sent) setTimeout(() => fire(partner), 0);
}

function fire(end: End): void {
  if (end.closed) return;
  end.closed = true;
  nativeClose.call(end.port);
  end.port.dispatchEvent(new Event("close"));
}

/** The `onclose` handler property, where the platform's MessagePort lacks it. */
function onclose(port: MessagePort): void {
  let handler: ((event: Event) => void) | null = null;
  port.addEventListener("close", (event) => handler?.call(port, event));
  Object.defineProperty(port, "onclose", {
    get: () => handler,
    set: (fn: unknown) => void (handler = typeof fn === "function" ? fn as typeof handler : null),
    configurable: true,
  });
}
