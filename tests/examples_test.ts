/** End to end: the examples and the command line, run through host.ts as a user runs them. */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

async function host(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("host.ts", root).pathname, ...args],
    cwd: "/",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
}

Deno.test("examples/echo prints the echoed message and exits 0", async () => {
  const r = await host(new URL("examples/echo/", root).pathname);
  assert.equal(r.err, "");
  assert.equal(r.out, "[window 1] Received message Hello world\n");
  assert.equal(r.code, 0);
});

Deno.test("examples/sync-request prints the browser's data and exits 0", async () => {
  const r = await host(new URL("examples/sync-request", root).pathname);
  assert.equal(r.err, "");
  assert.equal(r.out, "[window 1] THIS SOME DATA FROM THE BROWSER\n");
  assert.equal(r.code, 0);
});

Deno.test("host.ts without a usable app folder prints a usage error and exits non-zero", async () => {
  const empty = await Deno.makeTempDir();
  try {
    for (
      const [args, message] of [
        [[], /no app folder given/],
        [["/no/such/folder"], /app folder not found: \/no\/such\/folder/],
        [[empty], /no main in .*: expected one of main.ts/],
      ] as const
    ) {
      const r = await host(...args);
      assert.equal(r.code, 2);
      assert.match(r.err, message);
      assert.match(r.err, /usage: deno run -A host.ts <app-folder>/);
    }
  } finally {
    await Deno.remove(empty);
  }
});

Deno.test("an app folder anywhere resolves 'ipc' and honours window-all-closed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import ipc from "ipc";
import { app, BrowserWindow } from "denotron/browser";
app.on("window-all-closed", () => { console.log("all closed"); setTimeout(() => app.quit(), 10); });
app.on("quit", () => console.log("quit"));
ipc.on("sync-message", (event, processId, routingId, n) => { event.result = n * 2; });
app.whenReady().then(() => new BrowserWindow().loadFile("win.ts"));
`,
    );
    await Deno.writeTextFile(
      `${dir}/win.ts`,
      `import { ipc } from "denotron/renderer";
console.log("doubled", ipc.sendSync(21));
close();
`,
    );
    const r = await host(dir);
    assert.equal(r.err, "");
    assert.equal(r.out, "[window 1] doubled 42\nall closed\nquit\n");
    assert.equal(r.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs host.ts with `DISPLAY` set to `display`, or unset (headless page windows). */
async function hostOn(display: string | undefined, ...args: string[]) {
  const env = Deno.env.toObject();
  delete env.DISPLAY;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("host.ts", root).pathname, ...args],
    cwd: "/",
    clearEnv: true,
    env: { ...env, NO_COLOR: "1", ...(display ? { DISPLAY: display } : {}) },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
}

for (
  const [name, line] of [
    ["echo-page", "[window 1] Received message Hello world\n"],
    ["sync-request-page", "[window 1] THIS SOME DATA FROM THE BROWSER\n"],
  ]
) {
  Deno.test(`examples/${name} (a page, headless) prints the same and exits 0`, async () => {
    const r = await hostOn(undefined, new URL(`examples/${name}/`, root).pathname);
    assert.equal(r.err, "");
    assert.equal(r.out, line);
    assert.equal(r.code, 0);
  });
}

Deno.test("examples/echo-page in a shown window (under Xvfb) prints the echo and exits 0", async () => {
  // -displayfd: Xvfb picks a free display and reports it once it is ready.
  const xvfb = new Deno.Command("Xvfb", {
    args: ["-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = xvfb.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const r = await hostOn(`:${text.trim()}`, new URL("examples/echo-page/", root).pathname);
    assert.equal(r.err, "");
    assert.equal(r.out, "[window 1] Received message Hello world\n");
    assert.equal(r.code, 0);
  } finally {
    xvfb.kill("SIGTERM");
    await xvfb.status;
    await xvfb.stdout.cancel().catch(() => {});
  }
});
