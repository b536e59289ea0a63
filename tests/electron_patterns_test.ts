/**
 * Electron's IPC tutorial patterns (examples/electron-patterns/), run as denotron apps with only
 * their imports changed, driven like a user would: typing and clicking in the page.
 */
import assert from "node:assert/strict";
import { BrowserWindow, ipcMain } from "../browser/mod.ts";
import { next, until } from "./_harness.ts";

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

/** Runs an example's main in this process and returns the window it opens. */
async function run(example: string): Promise<BrowserWindow> {
  const before = new Set(BrowserWindow.getAllWindows());
  await import(`../examples/electron-patterns/${example}/main.ts`);
  let win: BrowserWindow | undefined;
  await until(
    () => !!(win = BrowserWindow.getAllWindows().find((w) => !before.has(w))),
    "the window",
  );
  await next(win!, "ready-to-show");
  return win!;
}

test("pattern 1, renderer to main: the page sets the window's title", async () => {
  const win = await run("1-renderer-to-main");
  try {
    await win.webContents.executeJavaScript(
      `document.getElementById("title").value = "Hello denotron"; document.getElementById("btn").click()`,
    );
    await until(() => win.getTitle() === "Hello denotron", "the new title");
    await new Promise((r) => setTimeout(r, 50)); // setTitle reaches the page asynchronously
    assert.equal(await win.executeJavaScript("document.title"), "Hello denotron");
  } finally {
    win.destroy();
    ipcMain.removeAllListeners("set-title");
  }
});

test("pattern 2, renderer to main two-way: invoke answers with a file path", async () => {
  const win = await run("2-renderer-to-main-two-way");
  try {
    await win.webContents.executeJavaScript(`document.getElementById("btn").click()`);
    let shown = "";
    for (let i = 0; i < 100 && !shown; i++) {
      shown = await win.executeJavaScript(
        `document.getElementById("filePath").innerText`,
      ) as string;
      if (!shown) await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(shown, /electron-patterns\/2-renderer-to-main-two-way\/[^/]+$/);
  } finally {
    win.destroy();
    ipcMain.removeHandler("dialog:openFile");
  }
});

test("pattern 3, main to renderer: the counter follows the menu clicks and reports back", async () => {
  const logged: unknown[] = [];
  const { log } = console;
  console.log = (...args: unknown[]) => logged.push(...args);
  try {
    const win = await run("3-main-to-renderer");
    try {
      await until(() => logged.length === 3, "three counter values", 5_000);
      assert.deepEqual(logged, [1, 2, 1]);
      assert.equal(
        await win.executeJavaScript(`document.getElementById("counter").innerText`),
        "1",
      );
    } finally {
      win.destroy();
    }
  } finally {
    console.log = log;
    ipcMain.removeAllListeners("counter-value");
  }
});

test("pattern 4, renderer to renderer: two windows talk over a MessagePort", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../host.ts", import.meta.url).pathname,
      new URL("../examples/electron-patterns/4-renderer-to-renderer", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0);
  assert.match(out, /\[window 2\] secondary window got ping from the main window/);
  assert.match(out, /\[window 1\] main window got pong from the secondary window/);
});
