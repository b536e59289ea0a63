/**
 * Hostile renderers: random and malformed frames thrown at the browser never crash the host;
 * they are refused (and logged), and valid traffic on other windows goes on.
 */
import assert from "node:assert/strict";
import { BrowserWindow, ipc, ipcMain, type IpcMainEvent } from "../browser/mod.ts";
import { next, openAgent, transports } from "./_harness.ts";

Deno.test({
  name: "worker: junk written into a window's own sync cell; the host and other windows go on",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const hostile = new BrowserWindow();
    const bystander = await openAgent(transports[0]);
    const refused: string[] = [];
    const original = console.error;
    console.error = (line: string) => refused.push(String(line));
    ipcMain.handle("cell-fuzz-capture", () => 1);
    try {
      await hostile.loadFile(new URL("./fixtures/cell_fuzzer.ts", import.meta.url));
      for (let round = 1; round <= 4; round++) {
        const done = next(ipc as never, "cell-fuzz-done");
        ipc.sendChannel(hostile.id, 1, "cell-fuzz", round * 104729, 2_000);
        const echoed = next(ipc as never, "bystander");
        await bystander.call("send", "bystander", round);
        assert.deepEqual((await echoed).slice(2), [round]);
        assert.deepEqual((await done).slice(2), [2_000]);
      }
      assert.ok(
        refused.some((l) => l.includes(`[window ${hostile.id}] refused a malformed message`)),
      );
      assert.equal(hostile.isDestroyed(), false);
      // The bystander's own calls, sync and invoke, still go through the cell.
      ipcMain.on("cell-sync", (event: IpcMainEvent, n: number) => (event.returnValue = n + 1));
      ipcMain.handle("cell-invoke", (_event, n: number) => n * 2);
      const sync = await bystander.call<{ ok: boolean; value: unknown }>(
        "modernSync",
        "cell-sync",
        1,
      );
      assert.deepEqual([sync.ok, sync.value], [true, 2]);
      assert.deepEqual(await bystander.call("invoke", "cell-invoke", 21), { ok: true, value: 42 });
    } finally {
      console.error = original;
      ipcMain.removeHandler("cell-fuzz-capture");
      ipcMain.removeAllListeners("cell-sync");
      ipcMain.removeHandler("cell-invoke");
      hostile.destroy();
      bystander.win.destroy();
    }
  },
});

Deno.test({
  name: "worker: 20,000 random frames from a hostile window; the host and other windows go on",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const hostile = new BrowserWindow();
    const bystander = await openAgent(transports[0]);
    const refused: string[] = [];
    const original = console.error;
    console.error = (line: string) => refused.push(String(line));
    try {
      await hostile.loadFile(new URL("./fixtures/fuzzer.ts", import.meta.url));
      let total = 0;
      for (let round = 1; round <= 4; round++) {
        const done = next(ipc as never, "fuzz-done");
        ipc.sendChannel(hostile.id, 1, "fuzz", round * 7919, 5_000);
        // Valid traffic from another window while the hostile one floods.
        const echoed = next(ipc as never, "bystander");
        await bystander.call("send", "bystander", round);
        assert.deepEqual((await echoed).slice(2), [round]);
        assert.deepEqual((await done).slice(2), [5_000]);
        total += 5_000;
      }
      assert.equal(total, 20_000);
      assert.ok(
        refused.some((l) => l.includes(`[window ${hostile.id}] refused a malformed message`)),
      );
      assert.equal(hostile.isDestroyed(), false);
    } finally {
      console.error = original;
      hostile.destroy();
      bystander.win.destroy();
    }
  },
});
