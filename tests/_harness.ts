/**
 * What the conformance suite runs against: every window kind ("transport"), and a controller
 * for the agent fixture, which does in the renderer what a test asks.
 */
import { BrowserWindow, type BrowserWindowOptions, ipc } from "../browser/mod.ts";

/** A window kind under test. */
export interface Transport {
  name: string;
  /** Window options this kind needs. */
  options: BrowserWindowOptions;
  /** What to load for fixture `name` (`tests/fixtures/<name>.ts`) in this kind of window. */
  file(name: string): URL;
}

const fixture = (file: string) => new URL(`./fixtures/${file}`, import.meta.url);

/** Every transport; each suite runs once per entry. */
export const transports: Transport[] = [
  { name: "worker", options: {}, file: (name) => fixture(`${name}.ts`) },
  { name: "page", options: { show: false }, file: (name) => fixture(`${name}.html`) },
  { name: "process", options: { isolation: "process" }, file: (name) => fixture(`${name}.ts`) },
];

/** Opens a window of `transport` running fixture `name`. */
export async function open(
  transport: Transport,
  name: string,
  options?: BrowserWindowOptions,
): Promise<BrowserWindow> {
  const win = new BrowserWindow({ ...transport.options, ...options });
  await win.loadFile(transport.file(name));
  return win;
}

let nextRequest = 1;
const pending = new Map<string, PromiseWithResolvers<unknown>>();
ipc.on("done", (processId: number, _routingId: number, id: number, ok: boolean, value: unknown) => {
  const key = `${processId}:${id}`;
  const call = pending.get(key);
  pending.delete(key);
  if (ok) call?.resolve(value);
  else call?.reject(value);
});

/** Drives an agent window. */
export class Agent {
  readonly win: BrowserWindow;
  constructor(win: BrowserWindow) {
    this.win = win;
  }
  /** Asks the agent to run `op` and resolves with what it reports. */
  call<T = unknown>(op: string, ...params: unknown[]): Promise<T> {
    const id = nextRequest++;
    const call = Promise.withResolvers<unknown>();
    pending.set(`${this.win.id}:${id}`, call);
    ipc.sendChannel(this.win.id, 1, "do", id, op, ...params);
    return call.promise as Promise<T>;
  }
}

/** Opens an agent window on `transport`. */
export async function openAgent(
  transport: Transport,
  options?: BrowserWindowOptions,
): Promise<Agent> {
  return new Agent(await open(transport, "agent", options));
}

/** Resolves with the arguments of the next `event` on `target`. */
export function next(
  target: { once(event: string, fn: (...args: unknown[]) => void): unknown },
  event: string,
): Promise<unknown[]> {
  return new Promise((resolve) => target.once(event, (...args: unknown[]) => resolve(args)));
}

/** `promise`, or a rejection naming `what` if it has not settled within `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Collects what browser-side `ipc` listeners receive on `channel` from window `processId`. */
export function collect(
  channel: string,
  processId: number,
): { messages: unknown[][]; stop(): void } {
  const messages: unknown[][] = [];
  const listener = (from: number, _routingId: number, ...args: unknown[]) => {
    if (from === processId) messages.push(args);
  };
  ipc.on(channel, listener);
  return { messages, stop: () => ipc.off(channel, listener) };
}

/** Waits until `check` is true (polling), or fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs `fn` with an agent window on `transport`, then destroys the window. */
export async function withAgent(
  transport: Transport,
  fn: (agent: Agent) => Promise<void>,
  options?: BrowserWindowOptions,
): Promise<void> {
  const agent = await openAgent(transport, options);
  try {
    await fn(agent);
  } finally {
    agent.win.destroy();
  }
}
