/**
 * Hostile renderers: random and malformed frames thrown at the browser, or junk written into a
 * window's own sync cell, never crash the host; they are refused (and logged), and valid traffic
 * on other windows goes on.
 */
import assert from "node:assert/strict";
import { BrowserWindow, ipc, ipcMain, type IpcMainEvent } from "../browser/mod.ts";
import { type Agent, next, openAgent, transports } from "./_harness.ts";

/**
 * Runs a hostile worker window (`fixture`) for 4 rounds of `count` bad things each (it answers
 * `${command}-done`), while a bystander window echoes; checks both, and that the refusals were
 * logged, then hands the bystander to `after`.
 */
async function hostileRounds(
  fixture: string,
  command: string,
  seed: number,
  count: number,
  after?: (bystander: Agent) => Promise<void>,
): Promise<void> {
  const hostile = new BrowserWindow();
  const bystander = await openAgent(transports[0]);
  const refused: string[] = [];
  const original = console.error;
  console.error = (line: string) => refused.push(String(line));
  try {
    await hostile.loadFile(new URL(`./fixtures/${fixture}`, import.meta.url));
    for (let round = 1; round <= 4; round++) {
      const done = next(ipc as never, `${command}-done`);
      ipc.sendChannel(hostile.id, 1, command, round * seed, count);
      // Valid traffic from another window while the hostile one goes on.
      const echoed = next(ipc as never, "bystander");
      await bystander.call("send", "bystander", round);
      assert.deepEqual((await echoed).slice(2), [round]);
      assert.deepEqual((await done).slice(2), [count]);
    }
    assert.ok(
      refused.some((l) => l.includes(`[window ${hostile.id}] refused a malformed message`)),
    );
    assert.equal(hostile.isDestroyed(), false);
    await after?.(bystander);
  } finally {
    console.error = original;
    hostile.destroy();
    bystander.win.destroy();
  }
}

Deno.test({
  name: "worker: junk written into a window's own sync cell; the host and other windows go on",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    ipcMain.handle("cell-fuzz-capture", () => 1);
    ipcMain.on("cell-sync", (event: IpcMainEvent, n: number) => (event.returnValue = n + 1));
    ipcMain.handle("cell-invoke", (_event, n: number) => n * 2);
    try {
      await hostileRounds("cell_fuzzer.ts", "cell-fuzz", 104729, 2_000, async (bystander) => {
        // The bystander's own calls, sync and invoke, still go through its cell.
        const sync = await bystander.call<{ ok: boolean; value: unknown }>(
          "modernSync",
          "cell-sync",
          1,
        );
        assert.deepEqual([sync.ok, sync.value], [true, 2]);
        assert.deepEqual(await bystander.call("invoke", "cell-invoke", 21), {
          ok: true,
          value: 42,
        });
      });
    } finally {
      ipcMain.removeHandler("cell-fuzz-capture");
      ipcMain.removeAllListeners("cell-sync");
      ipcMain.removeHandler("cell-invoke");
    }
  },
});

Deno.test({
  name: "worker: 20,000 random frames from a hostile window; the host and other windows go on",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => hostileRounds("fuzzer.ts", "fuzz", 7919, 5_000),
});
