import assert from "node:assert/strict";
import { Chromium, type ChromiumWindow, findChromium } from "./chromium.ts";
import { decodePng, pngSize } from "./_png.ts";

const HAVE_CHROMIUM = findChromium() !== undefined;
const HAVE_XVFB = (() => {
  try {
    return Deno.statSync("/usr/bin/Xvfb").isFile;
  } catch {
    return false;
  }
})();

/** Serves `/color/R,G,B` (a page of that colour, title "C R,G,B"). */
function servePages(): { base: string; server: Deno.HttpServer } {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const { pathname } = new URL(request.url);
      const rgb = pathname.match(/^\/color\/(\d+,\d+,\d+)$/)?.[1] ?? "0,0,0";
      return new Response(
        `<!doctype html><title>C ${rgb}</title>` +
          `<style>html,body{margin:0;height:100%;background:rgb(${rgb})}</style>`,
        { headers: { "content-type": "text/html" } },
      );
    },
  );
  return { base: `http://127.0.0.1:${server.addr.port}`, server };
}

/** Processes whose command line contains `text` (scans /proc). */
function processesWith(text: string): { pid: number; cmdline: string }[] {
  const found = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`)
        .replaceAll("\0", " ");
      if (cmdline.includes(text)) found.push({ pid: +entry.name, cmdline });
    } catch { /* exited meanwhile */ }
  }
  return found;
}

/** The profile dir of the browser started with `--denotron-test=<marker>`. */
function profileDir(marker: string): string {
  const [main] = processesWith(`--denotron-test=${marker}`)
    .filter((p) => p.cmdline.includes("--user-data-dir="));
  assert.ok(main, "browser process not found");
  const dir = main.cmdline.match(/--user-data-dir=(\S+)/)?.[1];
  assert.ok(dir);
  return dir;
}

function assertGone(dir: string): void {
  assert.deepEqual(processesWith(dir).map((p) => p.cmdline.slice(0, 80)), []);
  assert.throws(() => Deno.statSync(dir), Deno.errors.NotFound);
}

async function assertColor(
  win: ChromiumWindow,
  width: number,
  height: number,
  rgb: [number, number, number],
): Promise<void> {
  const png = await win.capture();
  assert.deepEqual(pngSize(png), { width, height });
  const image = await decodePng(png);
  for (const [x, y] of [[width >> 1, height >> 1], [1, 1], [width - 2, height - 2]]) {
    assert.deepEqual(image.pixel(x, y), [...rgb, 255], `pixel ${x},${y}`);
  }
}

function settled(promise: Promise<unknown>, ms = 5000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((r) => timer = setTimeout(() => r(false), ms)),
  ]).finally(() => clearTimeout(timer));
}

Deno.test("findChromium: explicit path, name on PATH, missing", () => {
  const found = findChromium();
  if (HAVE_CHROMIUM) assert.ok(found && Deno.statSync(found).isFile);
  assert.equal(findChromium("/nonexistent/chromium"), undefined);
  assert.equal(findChromium("no-such-browser-here"), undefined);
  if (found) assert.equal(findChromium(found), found);
});

Deno.test("missing Chromium: clear error", async () => {
  const chromium = new Chromium({ chromium: "/nonexistent/chromium" });
  const error = await chromium.openWindow("about:blank").then(
    () => assert.fail("opened"),
    (e: Error) => e,
  );
  assert.match(error.message, /No Chromium found/);
  assert.match(error.message, /apt-get install chromium/);
  assert.match(error.message, /DENOTRON_CHROMIUM/);
  await chromium.close();
});

Deno.test("launch failure: exit status and stderr tail", async () => {
  const dir = await Deno.makeTempDir();
  const fake = `${dir}/fake-chromium`;
  await Deno.writeTextFile(fake, "#!/bin/sh\necho 'boom: no display' >&2\nexit 3\n");
  await Deno.chmod(fake, 0o755);
  const chromium = new Chromium({ chromium: fake, headless: true });
  const error = await chromium.openWindow("about:blank").then(
    () => assert.fail("opened"),
    (e: Error) => e,
  );
  assert.match(error.message, /failed to start \(exit code 3\)/);
  assert.match(error.message, /boom: no display/);
  await chromium.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("launch timeout: clear error, nothing left running", async () => {
  const dir = await Deno.makeTempDir();
  const fake = `${dir}/silent-chromium`;
  await Deno.writeTextFile(fake, `#!/bin/sh\necho started >&2\nexec sleep 30 # ${dir}\n`);
  await Deno.chmod(fake, 0o755);
  const chromium = new Chromium({ chromium: fake, headless: true, launchTimeout: 500 });
  await assert.rejects(
    chromium.openWindow("about:blank"),
    /did not answer on the DevTools pipe within 0.5 s.* stderr ends with:\nstarted/s,
  );
  await chromium.close();
  assert.deepEqual(processesWith(`sleep 30 # ${dir}`), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "headless windows",
  ignore: !HAVE_CHROMIUM,
  async fn(t) {
    const { base, server } = servePages();
    const marker = crypto.randomUUID();
    const chromium = new Chromium({
      headless: true,
      // No spare renderer: the crash step must kill only its window's.
      args: [`--denotron-test=${marker}`, "--disable-features=SpareRendererForSitePerProcess"],
    });
    let t0 = performance.now();
    const win = await chromium.openWindow(`${base}/color/255,0,0`, {
      width: 300,
      height: 200,
      title: "My title",
    });
    const firstOpen = performance.now() - t0;
    const dir = profileDir(marker);

    await t.step("capture is a 300x200 red PNG", async () => {
      assert.equal(win.headless, true);
      t0 = performance.now();
      await assertColor(win, 300, 200, [255, 0, 0]);
      const captureMs = performance.now() - t0;
      t0 = performance.now();
      const other = await chromium.openWindow(`${base}/color/0,0,0`);
      const openMs = performance.now() - t0;
      await other.close();
      console.log(
        `launch+open ${firstOpen.toFixed(0)} ms, open ${openMs.toFixed(0)} ms,` +
          ` capture+decode ${captureMs.toFixed(0)} ms`,
      );
    });

    await t.step("title option and evaluate", async () => {
      assert.equal(await win.evaluate("document.title"), "My title");
      assert.equal(await win.evaluate("Promise.resolve(6 * 7)"), 42);
      assert.deepEqual(await win.evaluate("({a: [1, 'x']})"), { a: [1, "x"] });
      await assert.rejects(win.evaluate("nope()"), /nope is not defined/);
      await assert.rejects(win.openDevTools(), /needs a headed window/);
      assert.deepEqual(
        await win.evaluate("[innerWidth, innerHeight]"),
        [300, 200],
      );
    });

    await t.step("win.close() resolves closed; idempotent", async () => {
      await win.close();
      assert.ok(await settled(win.closed, 0));
      await win.close();
      await assert.rejects(win.capture(), /is closed/);
    });

    await t.step("window.close() from the page resolves closed", async () => {
      const w = await chromium.openWindow(`${base}/color/1,2,3`);
      await w.evaluate("setTimeout(() => window.close(), 20)");
      assert.ok(await settled(w.closed), "closed did not resolve");
    });

    await t.step("two windows at once", async () => {
      const [green, blue] = await Promise.all([
        chromium.openWindow(`${base}/color/0,255,0`, { width: 320, height: 240 }),
        chromium.openWindow(`${base}/color/0,0,255`, { width: 200, height: 100 }),
      ]);
      assert.notEqual(green.targetId, blue.targetId);
      await Promise.all([
        assertColor(green, 320, 240, [0, 255, 0]),
        assertColor(blue, 200, 100, [0, 0, 255]),
      ]);
      await green.close();
      assert.equal(await blue.evaluate("document.title"), "C 0,0,255");
      await blue.close();
    });

    await t.step("renderer crash resolves closed", async () => {
      const w = await chromium.openWindow(`${base}/color/9,9,9`);
      const renderers = processesWith(dir).filter((p) => p.cmdline.includes("--type=renderer"));
      assert.ok(renderers.length > 0);
      for (const { pid } of renderers) Deno.kill(pid, "SIGKILL");
      assert.ok(await settled(w.closed), "closed did not resolve");
    });

    await t.step("browser death resolves closed; next open relaunches", async () => {
      const w = await chromium.openWindow(`${base}/color/5,5,5`);
      const [main] = processesWith(`--denotron-test=${marker}`)
        .filter((p) => p.cmdline.includes("--user-data-dir="));
      Deno.kill(main.pid, "SIGKILL");
      assert.ok(await settled(w.closed), "closed did not resolve");
      await assert.rejects(w.evaluate("1"), /closed|exited/);
      const again = await chromium.openWindow(`${base}/color/0,0,255`, {
        width: 100,
        height: 100,
      });
      await assertColor(again, 100, 100, [0, 0, 255]);
      assert.notEqual(profileDir(marker), dir);
    });

    const dir2 = profileDir(marker);
    const open = await chromium.openWindow(`${base}/color/0,0,0`);
    await chromium.close();
    assert.ok(await settled(open.closed, 0));
    assertGone(dir);
    assertGone(dir2);
    await chromium.close(); // idempotent
    await assert.rejects(chromium.openWindow(base), /closed/);
    await server.shutdown();
  },
});

Deno.test({
  name: "host killed: Chromium exits with it (the pipe closes)",
  ignore: !HAVE_CHROMIUM,
  async fn() {
    const marker = crypto.randomUUID();
    const script = `
      import { Chromium } from ${JSON.stringify(import.meta.resolve("./chromium.ts"))};
      const chromium = new Chromium({ headless: true, args: ["--denotron-test=${marker}"] });
      await chromium.openWindow("data:text/html,hi");
      console.log("open");
      await new Promise(() => setInterval(() => {}, 1000));`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", script],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /open/);
    const dir = profileDir(marker);
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    let left = processesWith(dir);
    for (let i = 0; i < 50 && left.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = processesWith(dir);
    }
    assert.deepEqual(left, []);
    // Nobody was left to remove the profile: that is the one leftover.
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "headed app window under Xvfb",
  ignore: !HAVE_CHROMIUM || !HAVE_XVFB,
  async fn() {
    // -displayfd: Xvfb picks a free display and reports it once ready.
    const xvfb = new Deno.Command("/usr/bin/Xvfb", {
      args: ["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = xvfb.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const display = `:${text.trim()}`;
    const { base, server } = servePages();
    const marker = crypto.randomUUID();
    const chromium = new Chromium({ display, args: [`--denotron-test=${marker}`] });
    try {
      let t0 = performance.now();
      const win = await chromium.openWindow(`${base}/color/255,0,0`, {
        width: 300,
        height: 200,
        title: "Headed",
      });
      const firstOpen = performance.now() - t0;
      assert.equal(win.headless, false);
      const dir = profileDir(marker);
      await assertColor(win, 300, 200, [255, 0, 0]);
      assert.equal(await win.evaluate("document.title"), "Headed");
      // An app window: no tab strip or omnibox around the page.
      const [outerH, innerH] = await win.evaluate(
        "[outerHeight, innerHeight]",
      ) as number[];
      assert.ok(outerH - innerH < 40, `window chrome ${outerH - innerH} px`);
      t0 = performance.now();
      const second = await chromium.openWindow(`${base}/color/0,255,0`, {
        width: 250,
        height: 150,
      });
      const openMs = performance.now() - t0;
      await assertColor(second, 250, 150, [0, 255, 0]);
      await win.openDevTools();
      const hidden = await chromium.openWindow(`${base}/color/0,0,255`, {
        show: false,
        width: 50,
        height: 50,
      });
      assert.equal(hidden.headless, true);
      console.log(
        `headed launch+open ${firstOpen.toFixed(0)} ms, open ${openMs.toFixed(0)} ms`,
      );
      await win.close();
      assert.ok(await settled(win.closed, 0));
      await second.evaluate("setTimeout(() => window.close(), 20)");
      assert.ok(await settled(second.closed), "closed did not resolve");
      // The browser outlives its last window.
      const third = await chromium.openWindow(`${base}/color/0,0,0`, {
        width: 100,
        height: 100,
      });
      await assertColor(third, 100, 100, [0, 0, 0]);
      await chromium.close();
      assert.ok(await settled(third.closed, 0));
      assertGone(dir);
      assert.deepEqual(processesWith(`--denotron-test=${marker}`), []);
    } finally {
      await chromium.close();
      await server.shutdown();
      xvfb.kill("SIGTERM");
      await xvfb.status;
      await xvfb.stdout.cancel();
    }
  },
});
