/**
 * Faults: a renderer that spins, a window that goes away mid-call, a host asked to quit with
 * calls in flight. In every case the other side gets a clear error, other windows keep working,
 * and nothing is left running.
 */
import assert from "node:assert/strict";
import { ipcMain } from "../browser/mod.ts";
import { openAgent, transports } from "./_harness.ts";

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

async function app(files: Record<string, string>) {
  const dir = await Deno.makeTempDir();
  for (const [name, source] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, source);
  }
  return dir;
}

function start(dir: string) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../host.ts", import.meta.url).pathname, dir],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function readUntil(stream: ReadableStream<Uint8Array>, text: string): Promise<string> {
  let out = "";
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  while (!out.includes(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return out;
}

for (const t of transports) {
  test(`${t.name}: a window closed mid-invoke aborts the handler's signal, naming the window`, async () => {
    const agent = await openAgent(t);
    const aborted = Promise.withResolvers<Error>();
    const called = Promise.withResolvers<void>();
    ipcMain.handle("forever", (event) => {
      called.resolve();
      event.signal.addEventListener("abort", () => aborted.resolve(event.signal.reason));
      return new Promise(() => {});
    });
    const other = await openAgent(t);
    try {
      agent.call("invoke", "forever");
      await called.promise; // the call is in flight in the browser
      agent.win.destroy();
      const reason = await aborted.promise;
      assert.equal(reason.name, "AbortError");
      assert.match(reason.message, new RegExp(`window ${agent.win.id} is closed`));
      // Other windows are untouched.
      ipcMain.handle("still", () => "working");
      assert.deepEqual(await other.call("invoke", "still"), { ok: true, value: "working" });
    } finally {
      ipcMain.removeHandler("forever");
      ipcMain.removeHandler("still");
      other.win.destroy();
    }
  });
}

for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  test(`host: ${signal} with a renderer blocked in sendSync and one spinning ends everything`, async () => {
    const dir = await app({
      "main.ts": `import ipc from "ipc";
import { app, BrowserWindow } from "denotron/browser";
ipc.on("sync-message", () => {}); // never answers
app.on("quit", () => console.log("quit"));
await app.whenReady();
new BrowserWindow().loadFile("spin.ts");
await new BrowserWindow().loadFile("blocked.ts");
`,
      "blocked.ts": `import ipc from "ipc";
console.log("blocking");
ipc.sendSync("never answered");
`,
      "spin.ts": `while (true) {}\n`,
    });
    const child = start(dir);
    try {
      const out = await readUntil(child.stdout, "blocking");
      assert.match(out, /\[window 2\] blocking/);
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      child.kill(signal);
      const status = await child.status;
      const rest = await readUntil(child.stdout, "\u0000"); // to the end
      assert.equal(status.code, code);
      assert.match(rest, /quit/);
      assert.ok(performance.now() - started < 3_000, "the host ended promptly");
    } finally {
      await child.stderr.cancel();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

test("host: a spinning worker window is destroyed, the others go on, and quit still ends the host", async () => {
  const dir = await app({
    "main.ts": `import ipc from "ipc";
import { app, BrowserWindow } from "denotron/browser";
ipc.on("message", (processId, routingId, text) => ipc.send(processId, routingId, text));
await app.whenReady();
const spinning = new BrowserWindow();
const echo = new BrowserWindow(); // open, so destroying the other is not the last window closing
echo.on("closed", () => app.quit());
spinning.loadFile("spin.ts");
await new Promise((r) => setTimeout(r, 200));
spinning.destroy();
console.log("destroyed", spinning.isDestroyed());
await echo.loadFile("echo.ts");
`,
    "spin.ts": `while (true) {}\n`,
    "echo.ts": `import ipc from "ipc";
ipc.on("message", (text) => { console.log("echo", text); close(); });
ipc.send("still alive");
`,
  });
  try {
    const started = performance.now();
    const { code, stdout } = await start(dir).output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0);
    assert.match(out, /destroyed true/);
    assert.match(out, /\[window 2\] echo still alive/);
    assert.ok(performance.now() - started < 5_000, "quit ended the spinning thread too");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
