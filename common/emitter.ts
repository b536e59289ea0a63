/**
 * A small, typed-by-convention event registry shared by every denotron object that has listeners
 * (`ipc`, `app`, `BrowserWindow`). It follows Node's `EventEmitter` naming so Electron code reads
 * the same, without Node's special "error" event or its warnings.
 *
 * @module
 */

/**
 * A function called when an event is emitted (on `app`, a `BrowserWindow`, its `webContents`, or
 * the legacy `ipc` module), with the event's arguments; what it returns is ignored.
 *
 * @example
 * ```ts ignore
 * import { BrowserWindow, type Listener } from "denotron/browser";
 * const onConsole: Listener = (level: string, text: string) => console.log(level, text);
 * const win = new BrowserWindow();
 * win.on("console-message", onConsole);
 * ```
 */
// deno-lint-ignore no-explicit-any
export type Listener = (...args: any[]) => unknown;

const ONCE = Symbol("once");
type Wrapped = Listener & { [ONCE]?: Listener };

/**
 * Listeners per event name, called in the order they were added.
 *
 * @example Listening and emitting
 * ```ts
 * import { Emitter } from "./emitter.ts";
 * const events = new Emitter();
 * events.on("ready", (n: number) => console.log("ready", n));
 * events.emit("ready", 1);
 * ```
 */
export class Emitter {
  // Arrays are replaced, never mutated, so an emit in progress is not disturbed by (un)subscribing.
  #listeners: Map<string, Wrapped[]> = new Map();

  /** Adds `listener` for `event`. */
  on(event: string, listener: Listener): this {
    const list = this.#listeners.get(event);
    this.#listeners.set(event, list ? [...list, listener] : [listener]);
    return this;
  }

  /** Same as {@linkcode Emitter.on}. */
  addListener(event: string, listener: Listener): this {
    return this.on(event, listener);
  }

  /** Adds `listener` for the next `event` only. */
  once(event: string, listener: Listener): this {
    const wrapped: Wrapped = (...args: unknown[]) => {
      this.off(event, wrapped);
      return listener(...args);
    };
    wrapped[ONCE] = listener;
    return this.on(event, wrapped);
  }

  /** Removes one registration of `listener` (added with `on` or `once`) for `event`. */
  off(event: string, listener: Listener): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const i = list.findLastIndex((l) => l === listener || l[ONCE] === listener);
    if (i < 0) return this;
    if (list.length === 1) this.#listeners.delete(event);
    else this.#listeners.set(event, list.toSpliced(i, 1));
    return this;
  }

  /** Same as {@linkcode Emitter.off}. */
  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event when none is named. */
  removeAllListeners(event?: string): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: string): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** The listeners of `event`, as they were added. */
  listeners(event: string): Listener[] {
    return (this.#listeners.get(event) ?? []).map((l) => l[ONCE] ?? l);
  }

  /** The names of the events that have listeners. */
  eventNames(): string[] {
    return [...this.#listeners.keys()];
  }

  /** Calls every listener of `event` with `args`; returns whether there was any. */
  emit(event: string, ...args: unknown[]): boolean {
    return this.emitArgs(event, args);
  }

  /** Like {@linkcode Emitter.emit} with the arguments as an array (no copy on the hot path). */
  emitArgs(event: string, args: unknown[]): boolean {
    const list = this.#listeners.get(event);
    if (!list) return false;
    for (let i = 0; i < list.length; i++) list[i].apply(this, args);
    return true;
  }
}
