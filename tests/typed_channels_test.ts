/**
 * Typed channels: a wrong channel name or argument type must fail `deno check` (which `deno
 * test` runs on this file). Each `@ts-expect-error` becomes an error itself if the typing broke
 * and the line it guards type-checked.
 */
import assert from "node:assert/strict";
import { type ChannelMap, ipcMain, type WebContents } from "../browser/mod.ts";
import { type IpcRenderer, ipcRenderer } from "../renderer/mod.ts";

interface Channels extends ChannelMap {
  send: { log: [level: "info" | "warn", text: string] };
  sync: { config: (key: string) => { theme: string } };
  invoke: {
    add: (a: number, b: number) => number;
    user: (id: number) => Promise<{ name: string }>;
    ticks: () => AsyncIterable<number>;
  };
  push: { tick: [n: number] };
}

// Never called: these functions exist to be type-checked.
async function renderer(ipc: IpcRenderer<Channels>) {
  ipc.send("log", "info", "started");
  // @ts-expect-error: not a channel of Channels
  ipc.send("lgo", "info", "started");
  // @ts-expect-error: "debug" is not a level
  ipc.send("log", "debug", "started");
  const theme: string = ipc.sendSync("config", "ui").theme;
  // @ts-expect-error: config takes a string key
  ipc.sendSync("config", 1);
  const sum: number = await ipc.invoke("add", 1, 2);
  // @ts-expect-error: add takes numbers
  await ipc.invoke("add", "1", 2);
  // @ts-expect-error: the result is a number, not a string
  const wrong: string = await ipc.invoke("add", 1, 2);
  const name: string = (await ipc.invoke("user", 1)).name;
  for await (const tick of await ipc.invoke("ticks")) {
    const n: number = tick;
    void n;
  }
  await ipc.invokeWith({ timeout: 100 }, "add", 1, 2);
  // @ts-expect-error: options come first and are not a channel
  await ipc.invokeWith("add", 1, 2);
  ipc.on("tick", (_event, n) => {
    const m: number = n;
    void m;
  });
  // @ts-expect-error: tick carries a number
  ipc.on("tick", (_event, n: string) => void n);
  return [theme, sum, wrong, name];
}

function browser(contents: WebContents) {
  const main = ipcMain.typed<Channels>();
  main.handle("add", (_event, a, b) => a + b);
  // @ts-expect-error: add must return a number
  main.handle("add", () => "three");
  // @ts-expect-error: not a channel of Channels
  main.handle("sub", () => 1);
  main.on("log", (_event, level, text) => void [level, text]);
  main.on("config", (event, key) => (event.returnValue = { theme: key }));
  contents.typed<Channels>().send("tick", 1);
  // @ts-expect-error: tick carries a number
  contents.typed<Channels>().send("tick", "1");
}

Deno.test("typed channels: the same objects, typed", () => {
  assert.equal(ipcRenderer.typed<Channels>(), ipcRenderer);
  assert.equal(ipcMain.typed<Channels>(), ipcMain);
  assert.equal(typeof renderer, "function");
  assert.equal(typeof browser, "function");
});
