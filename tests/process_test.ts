/**
 * Process windows (`isolation: "process"`): a renderer that crashes, runs out of memory, hangs,
 * exits or is killed takes only its own process down; the host learns why
 * (`render-process-gone`), can reload it, and never leaves a renderer running after it ends,
 * however it ends.
 */
import assert from "node:assert/strict";
import { app, BrowserWindow, type BrowserWindowOptions, ipcMain } from "../browser/mod.ts";
import type { IpcMainEvent, IpcMainInvokeEvent } from "../browser/mod.ts";
import { Frame, frame, FrameReader, FrameWriter } from "../common/_frames.ts";
import { goneDetails, type RenderProcessGoneDetails } from "../host/process_connection.ts";
import { permissionFlags } from "../host/process_permissions.ts";
import { next, until } from "./_harness.ts";

const test = (name: string, fn: () => Promise<void> | void) =>
  Deno.test({ name: `process: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

app.on("window-all-closed", () => {}); // the tests open and close many windows
const FAULT_AGENT = new URL("./fixtures/fault_agent.ts", import.meta.url);
const HOST = new URL("../host.ts", import.meta.url).pathname;

async function openFault(options: BrowserWindowOptions = {}): Promise<BrowserWindow> {
  const win = new BrowserWindow({ isolation: "process", ...options });
  await win.loadFile(FAULT_AGENT);
  return win;
}

let nextCall = 1;
/** Asks the fault agent in `win` to run `op`; resolves with what it reports. */
function call<T = unknown>(win: BrowserWindow, op: string, ...params: unknown[]): Promise<T> {
  const id = nextCall++;
  return new Promise((resolve) => {
    const on = (event: IpcMainEvent, got: number, value: T) => {
      if (event.sender !== win.webContents || got !== id) return;
      ipcMain.off("fault:done", on);
      resolve(value);
    };
    ipcMain.on("fault:done", on);
    win.webContents.send("fault", id, op, ...params);
  });
}

function gone(win: BrowserWindow): Promise<RenderProcessGoneDetails> {
  return next(win.webContents, "render-process-gone").then((args) =>
    args[1] as RenderProcessGoneDetails
  );
}

/** Whether `pid` is a live process (not gone, not a zombie). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line contains `marker`. */
function withMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(marker) && alive(Number(entry.name))) pids.push(Number(entry.name));
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

/** Another window still works: its renderer answers. */
async function stillWorks(): Promise<void> {
  const other = await openFault();
  try {
    assert.equal(typeof await call(other, "pid"), "number");
  } finally {
    other.destroy();
  }
}

test("out of memory (memoryLimitMB): reason 'oom', the window closes, the host goes on", async () => {
  const win = await openFault({ memoryLimitMB: 32 });
  const pid = await call<number>(win, "pid");
  const details = gone(win);
  const closed = next(win, "closed");
  call(win, "oom");
  assert.equal((await details).reason, "oom");
  await closed;
  assert.equal(win.isDestroyed(), true);
  assert.equal(alive(pid), false);
  await stillWorks();
});

test("exit with a code: 'abnormal-exit' with exitCode; exit 0: 'clean-exit'", async () => {
  const win = await openFault();
  const details = gone(win);
  call(win, "exit", 3);
  assert.deepEqual(await details, { reason: "abnormal-exit", exitCode: 3 });
  const clean = await openFault();
  const cleanDetails = gone(clean);
  call(clean, "exit", 0);
  assert.deepEqual(await cleanDetails, { reason: "clean-exit", exitCode: 0 });
});

test("a signal from outside: 'killed'; a crash signal: 'crashed'", async () => {
  const win = await openFault();
  const details = gone(win);
  Deno.kill(await call<number>(win, "pid"), "SIGTERM");
  assert.deepEqual(await details, { reason: "killed", exitCode: 143, signal: "SIGTERM" });
  const crashing = await openFault();
  const crashed = gone(crashing);
  call(crashing, "crash");
  assert.deepEqual(await crashed, { reason: "crashed", exitCode: 134, signal: "SIGABRT" });
});

test("a script that cannot load: 'launch-failed', and loadFile rejects saying so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/broken.ts`, `import "./missing.ts";\n`);
    const win = new BrowserWindow({ isolation: "process" });
    const details = gone(win);
    const errors: string[] = [];
    const original = Deno.stderr.writeSync;
    Deno.stderr.writeSync = (bytes: Uint8Array) => { // the child's own error, marked
      errors.push(new TextDecoder().decode(bytes));
      return bytes.length;
    };
    try {
      await assert.rejects(win.loadFile(`${dir}/broken.ts`), /launch-failed/);
    } finally {
      Deno.stderr.writeSync = original;
    }
    assert.equal((await details).reason, "launch-failed");
    assert.match(errors.join(""), new RegExp(`\\[window ${win.id}\\] .*missing\\.ts`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("what the renderer writes to its stdout is printed by the host, as it is", async () => {
  const win = await openFault();
  const printed: string[] = [];
  const original = Deno.stdout.writeSync;
  Deno.stdout.writeSync = (bytes: Uint8Array) => {
    printed.push(new TextDecoder().decode(bytes));
    return bytes.length;
  };
  try {
    assert.equal(await call(win, "stdout", "raw output\n"), true);
    assert.equal(await call<number>(win, "pid") > 0, true); // the stream is intact after it
  } finally {
    Deno.stdout.writeSync = original;
    win.destroy();
  }
  assert.deepEqual(printed, ["raw output\n"]);
});

test("an endless loop ends at once with destroy()", async () => {
  const win = await openFault();
  const pid = await call<number>(win, "pid");
  call(win, "spin", Infinity);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(pid), true);
  const started = performance.now();
  win.destroy();
  await until(() => !alive(pid), "the spinning renderer to end", 2_000);
  assert.ok(performance.now() - started < 1_000);
  await stillWorks();
});

test("close() asks the renderer first; one that spins is killed after the grace period", async () => {
  const polite = await openFault();
  const politePid = await call<number>(polite, "pid");
  let goneEvents = 0;
  polite.webContents.on("render-process-gone", () => goneEvents++);
  const closed = next(polite, "closed");
  polite.close();
  await closed;
  assert.equal(goneEvents, 0, "a window closed by the app is no crash");
  assert.equal(alive(politePid), false);

  const spinning = await openFault();
  const pid = await call<number>(spinning, "pid");
  call(spinning, "spin", Infinity);
  await new Promise((r) => setTimeout(r, 50));
  const started = performance.now();
  const spinClosed = next(spinning, "closed");
  spinning.close();
  assert.equal(spinning.isDestroyed(), false, "it waits for the renderer first");
  await spinClosed;
  const ms = performance.now() - started;
  assert.ok(ms >= 1_900 && ms < 4_000, `closed after ${ms} ms`);
  assert.equal(alive(pid), false);
});

// The heartbeat (`unresponsive` / `responsive`) is tested for every script window kind, worker
// and process alike, in faults_test.ts.

test("killed in the middle of a sendSync: the call is cleaned up, other windows work", async () => {
  const win = await openFault({ syncTimeout: 20_000 });
  const blocked = Promise.withResolvers<IpcMainEvent>();
  ipcMain.on("never", (event: IpcMainEvent) => blocked.resolve(event));
  // The pending call's timeout timer (~20 s) is how the host tracks it: it must be cleared.
  const { setTimeout: set, clearTimeout: clear } = globalThis;
  const callTimers = new Set<unknown>();
  const cleared = new Set<unknown>();
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const id = set(fn, ms);
    if (ms !== undefined && ms > 19_000 && ms <= 20_000) callTimers.add(id);
    return id;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((id?: number) => {
    cleared.add(id);
    clear(id);
  }) as typeof clearTimeout;
  try {
    const pid = await call<number>(win, "pid");
    call(win, "sync", "never");
    const event = await blocked.promise;
    const details = gone(win);
    const closed = next(win, "closed");
    const started = performance.now();
    Deno.kill(pid, "SIGKILL");
    assert.equal((await details).reason, "killed");
    await closed;
    assert.ok(performance.now() - started < 2_000, "not left waiting for the sync timeout");
    assert.equal(callTimers.size, 1);
    assert.ok([...callTimers].every((id) => cleared.has(id)), "the pending call was cleaned up");
    Object.assign(globalThis, { setTimeout: set, clearTimeout: clear });
    // The pending call is over: a late answer is ignored, not sent to a dead renderer.
    event.returnValue = "too late";
    ipcMain.removeAllListeners("never");
    ipcMain.on("never", (e: IpcMainEvent) => (e.returnValue = "answered"));
    const other = await openFault();
    try {
      assert.deepEqual(await call(other, "sync", "never"), { ok: true, value: "answered" });
    } finally {
      other.destroy();
    }
  } finally {
    Object.assign(globalThis, { setTimeout: set, clearTimeout: clear });
    ipcMain.removeAllListeners("never");
  }
});

test("killed in the middle of an invoke: the handler's signal aborts, naming window and reason", async () => {
  const win = await openFault();
  const aborted = Promise.withResolvers<Error>();
  const started = Promise.withResolvers<void>();
  ipcMain.handle("slow-invoke", (event: IpcMainInvokeEvent) => {
    event.signal.addEventListener("abort", () => aborted.resolve(event.signal.reason));
    started.resolve();
    return new Promise(() => {});
  });
  try {
    const pid = await call<number>(win, "pid");
    call(win, "invoke", "slow-invoke");
    await started.promise;
    Deno.kill(pid, "SIGKILL");
    const reason = await aborted.promise;
    assert.equal(reason.name, "AbortError");
    assert.match(
      reason.message,
      new RegExp(`window ${win.id} .*renderer process is gone \\(killed`),
    );
    await stillWorks();
  } finally {
    ipcMain.removeHandler("slow-invoke");
  }
});

test("reload() from render-process-gone starts a fresh renderer and keeps the window", async () => {
  const win = await openFault();
  try {
    const firstPid = await call<number>(win, "pid");
    let closed = false;
    win.on("closed", () => (closed = true));
    const reloaded = Promise.withResolvers<void>();
    win.webContents.once("render-process-gone", () => {
      win.reload().then(reloaded.resolve, reloaded.reject);
    });
    call(win, "exit", 1);
    await reloaded.promise;
    const secondPid = await call<number>(win, "pid");
    assert.notEqual(secondPid, firstPid);
    assert.equal(closed, false);
    assert.equal(win.isDestroyed(), false);
    assert.equal(alive(firstPid), false);
  } finally {
    win.destroy();
  }
});

test("reload() works for worker windows too: a fresh renderer, the same file", async () => {
  const win = new BrowserWindow();
  try {
    await win.loadFile(new URL("./fixtures/agent.ts", import.meta.url));
    const loaded = next(win, "ready-to-show");
    await win.reload();
    await loaded;
    assert.equal(win.isDestroyed(), false);
    const never = new BrowserWindow();
    await assert.rejects(never.reload(), /has not loaded anything/);
    never.destroy();
  } finally {
    win.destroy();
  }
});

test("permissions: none by default; what is granted, exactly", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/data.txt`;
  await Deno.writeTextFile(file, "granted");
  const none = await openFault();
  const granted = await openFault({ permissions: { read: [file] } });
  try {
    const denied = await call<{ ok: boolean; error: { name: string } }>(none, "read", file);
    assert.equal(denied.ok, false);
    assert.equal(denied.error.name, "NotCapable");
    assert.deepEqual(await call(granted, "read", file), { ok: true, text: "granted" });
    const other = await call<{ ok: boolean; error: { name: string } }>(
      granted,
      "read",
      "/etc/hostname",
    );
    assert.equal(other.error.name, "NotCapable");
  } finally {
    none.destroy();
    granted.destroy();
    await Deno.remove(dir, { recursive: true });
  }
});

test("permissions: flags, and never more than the host has (refused, naming what is missing)", async () => {
  assert.deepEqual(permissionFlags(undefined), []);
  assert.deepEqual(permissionFlags("none"), []);
  assert.deepEqual(permissionFlags({ read: ["/data", new URL("file:///more")], net: false }), [
    "--allow-read=/data,/more",
  ]);
  assert.deepEqual(permissionFlags({ env: true, sys: ["hostname"] }), [
    "--allow-env",
    "--allow-sys=hostname",
  ]);
  // A host with run permission only asks for a window with network access.
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/host.ts`;
    await Deno.writeTextFile(
      script,
      `import { BrowserWindow } from ${
        JSON.stringify(new URL("../browser/mod.ts", import.meta.url).href)
      };
const win = new BrowserWindow({ isolation: "process", permissions: { net: true, read: ["/etc"] } });
try {
  await win.loadFile(${JSON.stringify(FAULT_AGENT.href)});
  console.log("loaded");
} catch (error) {
  console.log(error.message);
}
Deno.exit(0);
`,
    );
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-config", `--allow-run=${Deno.execPath()}`, script],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.match(out, /never gets more permissions than the host has/);
    assert.match(out, /"read" for \/etc; "net"|"net".*"read" for \/etc/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("goneDetails names each ending as Electron does", () => {
  assert.deepEqual(goneDetails(0, null, "", true), { reason: "clean-exit", exitCode: 0 });
  assert.deepEqual(goneDetails(2, null, "", true), { reason: "abnormal-exit", exitCode: 2 });
  assert.equal(goneDetails(1, null, "", false).reason, "launch-failed");
  assert.deepEqual(goneDetails(null, "SIGKILL", "", true), {
    reason: "killed",
    exitCode: 137,
    signal: "SIGKILL",
  });
  assert.equal(goneDetails(null, "SIGABRT", "", true).reason, "crashed");
  const oom = "#\n# Fatal JavaScript out of memory: Reached heap limit\n#";
  assert.equal(goneDetails(null, "SIGTRAP", oom, true).reason, "oom");
});

test("frames survive any chunking, and big payloads", () => {
  const big = new Uint8Array(300_000).map((_, i) => i % 251);
  const out = new FrameWriter();
  out.add(Frame.Ping);
  out.add(Frame.Batch, new Uint8Array([1, 2, 3]));
  out.add(Frame.Reply, big);
  const bytes = out.take().slice();
  assert.deepEqual(bytes.subarray(0, 5), frame(Frame.Ping));
  for (const size of [1, 2, 7, 4096, bytes.length]) {
    const reader = new FrameReader();
    const got: [number, Uint8Array][] = [];
    for (let at = 0; at < bytes.length; at += size) {
      reader.push(
        bytes.subarray(at, at + size),
        (type, payload) => got.push([type, payload.slice()]),
      );
    }
    assert.deepEqual(got.map((g) => g[0]), [Frame.Ping, Frame.Batch, Frame.Reply]);
    assert.deepEqual(got[1][1], new Uint8Array([1, 2, 3]));
    assert.deepEqual(got[2][1], big);
  }
  assert.throws(() => new FrameReader(10).push(frame(Frame.Batch, new Uint8Array(11)), () => {}));
});

// The host through host.ts, as a user runs it, with three renderers: idle, spinning, and blocked
// in a sendSync nobody answers. However the host ends, none of them may remain.
async function hostedApp(marker: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `${marker}-` });
  await Deno.writeTextFile(
    `${dir}/main.ts`,
    `import ipc from "ipc";
import { app, BrowserWindow } from "denotron/browser";
ipc.on("sync-message", () => {}); // never answers
let up = 0;
ipc.on("up", () => {
  if (++up === 3) console.log("all up", Deno.pid);
});
app.on("window-all-closed", () => {});
await app.whenReady();
for (const file of ["idle.ts", "spin.ts", "blocked.ts"]) {
  new BrowserWindow({ isolation: "process" }).loadFile(file);
}
Deno.addSignalListener("SIGUSR1", () => app.quit()); // the test's way to ask for a normal quit
`,
  );
  await Deno.writeTextFile(`${dir}/idle.ts`, `import ipc from "ipc";\nipc.sendChannel("up");\n`);
  await Deno.writeTextFile(
    `${dir}/spin.ts`,
    `import ipc from "ipc";\nipc.sendChannel("up");\nsetTimeout(() => { while (true) {} }, 0);\n`,
  );
  await Deno.writeTextFile(
    `${dir}/blocked.ts`,
    `import ipc from "ipc";\nipc.sendChannel("up");\nsetTimeout(() => ipc.sendSync("never"), 0);\n`,
  );
  return dir;
}

async function runHosted(
  end: (launcher: Deno.ChildProcess, host: number, dir: string) => void,
): Promise<void> {
  const marker = `denotron-proc-${crypto.randomUUID().slice(0, 8)}`;
  const dir = await hostedApp(marker);
  const launcher = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HOST, dir],
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  try {
    const reader = launcher.stdout.getReader();
    let out = "";
    while (!/all up (\d+)/.test(out)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the app ended early: ${out}`);
      out += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const host = Number(/all up (\d+)/.exec(out)![1]);
    await new Promise((r) => setTimeout(r, 100)); // the spinner spins, the blocked one blocks
    assert.equal(withMarker(marker).length, 5, "launcher, host and 3 renderers");
    end(launcher, host, dir);
    await until(
      () => withMarker(marker).length === 0,
      "every process with the marker to end",
      2_000,
    );
  } finally {
    for (const pid of withMarker(marker)) Deno.kill(pid, "SIGKILL");
    await launcher.stdout.cancel().catch(() => {});
    await launcher.status;
    await Deno.remove(dir, { recursive: true });
  }
}

for (const signal of ["SIGTERM", "SIGINT", "SIGKILL"] as const) {
  test(`no renderer outlives the host: ${signal} to host.ts`, () =>
    runHosted((launcher) => launcher.kill(signal)));
}

test("no renderer outlives the host: SIGKILL to the browser process itself", () =>
  runHosted((_launcher, host) => Deno.kill(host, "SIGKILL")));

test("no renderer outlives the host: a normal app.quit()", () =>
  runHosted((_launcher, host) => Deno.kill(host, "SIGUSR1")));
