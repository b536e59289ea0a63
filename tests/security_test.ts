/**
 * Closed by default: worker permissions, channel capabilities, message size limits and bounded
 * queues. Each test attacks a defence and would fail without it.
 */
import assert from "node:assert/strict";
import { BrowserWindow, ipc } from "../browser/mod.ts";
import { collect, next, openAgent, transports, until } from "./_harness.ts";

type ErrorShape = { name: string; message: string; code?: string };
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

async function probe(permissions?: BrowserWindow["webContents"] extends never ? never : unknown) {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/secret.txt`;
  await Deno.writeTextFile(file, "secret");
  const win = new BrowserWindow(
    permissions === undefined ? {} : { permissions: permissions as never },
  );
  try {
    await win.loadFile(new URL("./fixtures/deno_probe.ts", import.meta.url));
    const probed = next(ipc as never, "probed");
    ipc.sendChannel(win.id, 1, "probe", file);
    return { result: (await probed)[2] as Record<string, string>, dir };
  } finally {
    win.destroy();
  }
}

test("worker windows get no Deno permissions unless granted", async () => {
  const { result, dir } = await probe();
  try {
    assert.deepEqual(result, {
      read: "NotCapable",
      env: "NotCapable",
      write: "NotCapable",
      run: "NotCapable",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("permissions granted per window are exactly those", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { result } = await probe({ read: [dir], env: false, write: false, run: false });
    // Reading another folder's file would be refused: only `dir` was granted.
    assert.equal(result.env, "NotCapable");
    assert.equal(result.write, "NotCapable");
    assert.equal(result.run, "NotCapable");
    assert.equal(result.read, "NotCapable"); // the probe's file is in another temp dir
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const granted = await probe({ read: true, write: false });
  try {
    assert.equal(granted.result.read, "granted");
    assert.equal(granted.result.write, "NotCapable");
  } finally {
    await Deno.remove(granted.dir, { recursive: true });
  }
});

test("a window never gets more permissions than the host has", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { BrowserWindow } from "denotron/browser";
const win = new BrowserWindow({ permissions: { net: true } });
win.loadFile("win.ts").then(() => console.log("loaded"), (e) => { console.log("refused:", e.message); Deno.exit(3); });
`,
    );
    await Deno.writeTextFile(`${dir}/win.ts`, `close();\n`);
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-run",
        new URL("../host.ts", import.meta.url).pathname,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 3, out);
    assert.match(
      out,
      /refused: window 1: cannot start its renderer: NotCapable.*never gets more permissions than the host has/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const t of transports) {
  test(`${t.name}: a window limited to channels is refused others, with clear errors`, async () => {
    const agent = await openAgent(t, {
      channels: {
        send: ["do*", "log:*"],
        sync: ["config"],
        invoke: ["db:*"],
        receive: ["do", "tick"],
      },
    });
    ipc.on("config", (event: { result: unknown }) => (event.result = "cfg"));
    try {
      const refused = await agent.call<Record<string, ErrorShape>>("tryAll", "forbidden", 1);
      for (const kind of ["send", "sync", "invoke"]) {
        assert.equal(
          refused[kind].code,
          "ERR_CHANNEL_NOT_ALLOWED",
          `${kind}: ${JSON.stringify(refused[kind])}`,
        );
        assert.match(refused[kind].message, /channel "forbidden" is not allowed for window \d+/);
      }
      const logged = collect("log:info", agent.win.id);
      await agent.call("send", "log:info", "fine");
      await until(() => logged.messages.length === 1, "the allowed message");
      logged.stop();
      assert.deepEqual(
        (await agent.call<{ value: unknown }>("sync", "config")).value,
        "cfg",
      );
      assert.throws(
        () => agent.win.webContents.send("not-for-this-window", 1),
        (e: ErrorShape) =>
          e.code === "ERR_CHANNEL_NOT_ALLOWED" && /not-for-this-window/.test(e.message),
      );
      agent.win.webContents.send("tick", 1);
    } finally {
      ipc.removeAllListeners("config");
      agent.win.destroy();
    }
  });

  test(`${t.name}: messages over the size limit are refused at the sender, both ways`, async () => {
    const agent = await openAgent(t, { maxMessageSize: 10_000 });
    try {
      const got = collect("big", agent.win.id);
      assert.equal((await agent.call<{ ok: boolean }>("big", "big", 5_000, false)).ok, true);
      const e = await agent.call<{ ok: boolean; value: ErrorShape }>("big", "big", 20_000, true);
      assert.equal(e.value.name, "RangeError");
      assert.equal(e.value.code, "ERR_MESSAGE_TOO_LARGE");
      assert.match(e.value.message, /"big".*limit of 10000 bytes/);
      assert.throws(
        () => agent.win.webContents.send("down", new Uint8Array(20_000)),
        (err: ErrorShape) => err.code === "ERR_MESSAGE_TOO_LARGE" && /"down"/.test(err.message),
      );
      await until(() => got.messages.length === 1, "the message under the limit");
      got.stop();
      assert.equal((got.messages[0][0] as string).length, 5_000);
    } finally {
      agent.win.destroy();
    }
  });

  test(`${t.name}: a flooding renderer hits a bound with a clear error; nothing accepted is lost`, async () => {
    const agent = await openAgent(t, { maxPendingMessages: 1_000 });
    try {
      const got = collect("flood", agent.win.id);
      const r = await agent.call<{ sent: number; error: ErrorShape }>("sendMany", "flood", 5_000);
      assert.ok(r.sent > 0 && r.sent < 1_000, `sent ${r.sent}`);
      assert.equal(r.error.code, "ERR_BACKPRESSURE");
      assert.match(r.error.message, /"flood".*limits: 1000 messages/);
      // Everything accepted arrives, in order; once the browser catches up, sending works again.
      await until(() => got.messages.length === r.sent, "the accepted messages");
      assert.deepEqual(got.messages.map((m) => m[0]), Array.from({ length: r.sent }, (_, i) => i));
      await new Promise((resolve) => setTimeout(resolve, 100)); // the acknowledgement's delay
      const again = await agent.call<{ sent: number; error?: ErrorShape }>(
        "sendMany",
        "flood",
        500,
      );
      assert.equal(again.sent, 500, JSON.stringify(again.error));
      got.stop();
    } finally {
      agent.win.destroy();
    }
  });
}

test("worker: a renderer that skips its own checks is refused by the browser and logged", async () => {
  const win = new BrowserWindow({ channels: { send: ["allowed"] } });
  const lines: string[] = [];
  const original = console.error;
  console.error = (line: string) => lines.push(line);
  const heard = collect("forbidden", win.id);
  try {
    await win.loadFile(new URL("./fixtures/deno_probe.ts", import.meta.url));
    ipc.sendChannel(win.id, 1, "bypass", "forbidden");
    await until(() => lines.length > 0, "the refusal in the host's log");
    assert.match(
      lines[0],
      new RegExp(`\\[window ${win.id}\\] refused send on channel "forbidden"`),
    );
    assert.equal(heard.messages.length, 0);
  } finally {
    console.error = original;
    heard.stop();
    win.destroy();
  }
});
