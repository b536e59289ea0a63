/**
 * One sample of `startup-100-workers`, in a fresh process so that memory is measured without the
 * leftovers of earlier rounds: opens `count` worker windows (`ours`) or bare workers (`raw`),
 * waits for every first message, and prints `{ ms, mb }` (time to the last first message, RSS
 * growth per window).
 *
 * @module
 */
import { BrowserWindow, ipcMain } from "../browser/mod.ts";
import { fixture, rssMB } from "./_measure.ts";

const [side, countArg] = Deno.args;
const count = Number(countArg ?? 100);

// Let the process settle (module loading, the app's ready tick) before the first sample.
await new Promise((resolve) => setTimeout(resolve, 50));
const before = rssMB();
let ms: number;
if (side === "ours") {
  const { promise, resolve } = Promise.withResolvers<void>();
  let hellos = 0;
  ipcMain.on("bench:hello", () => {
    if (++hellos === count) resolve();
  });
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    new BrowserWindow().loadFile(fixture("hello.ts")).catch((error) => {
      console.error(error);
      Deno.exit(1);
    });
  }
  await promise;
  ms = performance.now() - start;
} else {
  const { promise, resolve } = Promise.withResolvers<void>();
  let hellos = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const worker = new Worker(fixture("raw_hello.ts"), { type: "module" });
    worker.onmessage = () => {
      if (++hellos === count) resolve();
    };
  }
  await promise;
  ms = performance.now() - start;
}
const mb = (rssMB() - before) / count;
console.log(JSON.stringify({ ms, mb }));
Deno.exit(0);
