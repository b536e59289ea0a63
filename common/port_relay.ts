/**
 * Relays MessagePorts over a transport that cannot move them (page and process windows), the same
 * on both sides: the side that sends a port keeps it and pumps it (its messages go out as
 * `PortMessage`s under an id, what comes back under that id is posted on it); the side that
 * receives an id makes a {@linkcode LinkedChannel}, hands one port to the app and pumps the other.
 * A `close()` at either end goes across as `PortClose`, after the messages sent before it.
 *
 * Messages on a relayed port are copied (the transport's codec carries them): buffers in them are
 * never moved without a copy, unlike between the host and a worker window.
 *
 * @module
 */
import { LinkedChannel } from "./linked_channel.ts";
import type { PortId } from "./protocol.ts";

/** How many closed ids a relay remembers, to drop quietly what the other side sent meanwhile. */
const RECENTLY_CLOSED = 1024;

/** Where a relay sends what happens on its ports. */
export interface RelaySink {
  /** A message arrived on port `id` here, with `ports` transferred along: send it across. */
  message(id: PortId, data: unknown, ports: readonly MessagePort[]): void;
  /** Port `id` was closed here, after its messages: tell the other side. */
  closed(id: PortId): void;
}

/** What {@linkcode PortRelay.deliver} did with a message from the other side. */
export type Delivery = "delivered" | "closed" | "unknown";

/**
 * One side's relayed ports of one window.
 *
 * @example
 * ```ts
 * import { PortRelay } from "./port_relay.ts";
 * const relay = new PortRelay({ message: (id, data) => console.log(id, data), closed() {} }, 2);
 * const { port1, port2 } = new MessageChannel();
 * const [id] = relay.send([port2]); // 2: the host's first id
 * port1.postMessage("hi"); // logs 2 hi
 * relay.closeAll();
 * port1.close();
 * ```
 */
export class PortRelay {
  readonly #sink: RelaySink;
  readonly #ports = new Map<PortId, MessagePort>();
  readonly #recentlyClosed = new Set<PortId>();
  #next: PortId;

  /**
   * `firstId` is the first id this side gives a port it sends: even on the host, odd in a
   * renderer (see `PortId`); ids it receives must have the other parity.
   */
  constructor(sink: RelaySink, firstId: PortId) {
    this.#sink = sink;
    this.#next = firstId;
  }

  /** How many ports are relayed now. */
  get size(): number {
    return this.#ports.size;
  }

  /** Starts relaying `ports`, which this side sends across; returns their ids, in order. */
  send(ports: readonly MessagePort[]): PortId[] {
    const ids: PortId[] = [];
    for (const port of ports) {
      const id = this.#next;
      this.#next += 2;
      this.#pump(id, port);
      ids.push(id);
    }
    return ids;
  }

  /**
   * Ports the other side sent, by id: returns the app's ends, in order. Throws a clear error
   * (and relays none of them) for an id that is not the other side's to pick, or already used.
   */
  receive(ids: readonly PortId[]): MessagePort[] {
    const seen = new Set<PortId>();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isSafeInteger(id) || id <= 0 || id % 2 === this.#next % 2) {
        throw new TypeError(`port id ${id} is not one the other side may pick`);
      }
      if (this.#ports.has(id) || this.#recentlyClosed.has(id) || seen.has(id)) {
        throw new TypeError(`port id ${id} is already in use`);
      }
      seen.add(id);
    }
    return ids.map((id) => {
      const { port1, port2 } = new LinkedChannel();
      this.#pump(id, port2);
      return port1;
    });
  }

  /** Posts a message from the other side on port `id`, with `ports` transferred along. */
  deliver(id: PortId, data: unknown, ports: MessagePort[]): Delivery {
    const port = this.#ports.get(id);
    if (port) {
      port.postMessage(data, ports);
      return "delivered";
    }
    for (const p of ports) p.close();
    return this.#recentlyClosed.has(id) ? "closed" : "unknown";
  }

  /** The other side closed port `id`: closes this end (after what it delivered). */
  close(id: PortId): Delivery {
    const port = this.#ports.get(id);
    if (!port) return this.#recentlyClosed.has(id) ? "closed" : "unknown";
    this.#drop(id);
    port.close();
    return "delivered";
  }

  /** Stops relaying `ids` without a word to the other side (the message sending them failed). */
  forget(ids: readonly PortId[]): void {
    for (const id of ids) {
      const port = this.#ports.get(id);
      if (port) port.onmessage = null;
      this.#ports.delete(id);
    }
  }

  /** Closes every relayed port here (the window is going); the other side is not told. */
  closeAll(): void {
    const ports = [...this.#ports.values()];
    this.#ports.clear();
    this.#recentlyClosed.clear();
    for (const port of ports) port.close();
  }

  #pump(id: PortId, port: MessagePort): void {
    this.#ports.set(id, port);
    port.onmessage = (event) => this.#sink.message(id, event.data, event.ports);
    // Fired by a LinkedChannel port whose partner closed (after its messages).
    port.addEventListener("close", () => {
      if (this.#ports.get(id) !== port) return;
      this.#drop(id);
      this.#sink.closed(id);
    });
  }

  #drop(id: PortId): void {
    this.#ports.delete(id);
    this.#recentlyClosed.add(id);
    if (this.#recentlyClosed.size > RECENTLY_CLOSED) {
      this.#recentlyClosed.delete(this.#recentlyClosed.values().next().value!);
    }
  }
}
