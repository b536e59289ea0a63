/**
 * The live panel's other half: the host samples its own memory and the machine's load four times
 * a second, and `invoke("demo:live")` answers with a *stream* of those samples (an async
 * generator), which the page reads with `for await`. The first chunk is the history so far, so
 * the panel's chart starts full; a page that stops reading pauses the generator (backpressure),
 * and a closed page aborts it.
 *
 * @module
 */
import { ipcMain } from "denotron/browser";
import type { DemoChannels, LiveSample } from "../channels.ts";

const PERIOD_MS = 250;
const HISTORY = 120; // 30 s at 4 samples a second

const history: LiveSample[] = [];
const waiting = new Set<(sample: LiveSample) => void>();

/** Starts sampling and answers `demo:live` with a stream of sample batches. */
export function serveLive(): void {
  history.push(sample());
  const timer = setInterval(() => {
    const next = sample();
    history.push(next);
    if (history.length > HISTORY) history.shift();
    for (const resolve of waiting) resolve(next);
    waiting.clear();
  }, PERIOD_MS);
  // The app's lifetime is its windows': this timer alone must not keep the host running.
  Deno.unrefTimer(timer);
  ipcMain.typed<DemoChannels>().handle("demo:live", (event) => samples(event.signal));
}

async function* samples(signal: AbortSignal): AsyncGenerator<LiveSample[]> {
  yield [...history];
  // One abort listener for the whole stream (not one per wait): it ends the current wait.
  let stop: (() => void) | undefined;
  const stopped = new Promise<undefined>((resolve) => (stop = () => resolve(undefined)));
  signal.addEventListener("abort", () => stop!(), { once: true });
  while (!signal.aborted) {
    const next = await Promise.race([
      new Promise<LiveSample>((resolve) => waiting.add(resolve)),
      stopped,
    ]);
    if (!next) return;
    yield [next];
  }
}

function sample(): LiveSample {
  const { rss, heapUsed, heapTotal } = Deno.memoryUsage();
  const { total, available } = Deno.systemMemoryInfo();
  return {
    at: Date.now(),
    rss,
    heapUsed,
    heapTotal,
    load: Deno.loadavg(),
    memTotal: total,
    memAvailable: available,
  };
}
