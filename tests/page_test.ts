/**
 * Page windows beyond the conformance suite: drawing, closing, reloading, bundling (TSX, preact
 * from npm, source maps), the no-Chromium fallback, and shutting everything down.
 */
import assert from "node:assert/strict";
import { BrowserWindow, ipc, ipcMain, MessageChannelMain } from "../browser/mod.ts";
import { Chromium } from "../host/chromium.ts";
import { decodePng, pngSize } from "../host/_png.ts";
import { runningPageServer } from "../host/pages.ts";
import { Agent, collect, next, until, within } from "./_harness.ts";
import { appFolder, secretUrl, unshownPage } from "./_pages.ts";

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

const PAGE = (script: string, body = "") =>
  `<!doctype html><html><head><meta charset="utf-8"><title>t</title>` +
  `<script type="module" src="${script}"></script></head><body>${body}</body></html>`;

async function withWindow(
  dir: string,
  file: string,
  fn: (win: BrowserWindow) => Promise<void>,
  options = {},
) {
  const win = new BrowserWindow({ show: false, ...options });
  try {
    await win.loadFile(`${dir}/${file}`);
    await fn(win);
  } finally {
    win.destroy();
    await Deno.remove(dir, { recursive: true });
  }
}

test("capturePage is a PNG of the window's size showing what the page painted", async () => {
  // No module script: the host adds the runtime itself, so even this page is a renderer.
  const dir = await appFolder({
    "index.html": `<!doctype html><style>html,body{margin:0;height:100%;background:rgb(12,200,40)}
      #box{width:50px;height:50px;background:rgb(255,0,0)}</style><div id="box"></div>`,
  });
  await withWindow(dir, "index.html", async (win) => {
    const png = await win.capturePage();
    assert.deepEqual(pngSize(png), { width: 200, height: 120 });
    const image = await decodePng(png);
    assert.deepEqual(image.pixel(10, 10), [255, 0, 0, 255]);
    assert.deepEqual(image.pixel(150, 100), [12, 200, 40, 255]);
  }, { width: 200, height: 120 });
  const worker = new BrowserWindow();
  try {
    await worker.loadFile(new URL("./fixtures/agent.ts", import.meta.url));
    await assert.rejects(worker.capturePage(), /capturePage: window \d+ is not a page window/);
  } finally {
    worker.destroy();
  }
});

test("window.close() in a page closes the BrowserWindow, and so does closing it in Chromium", async () => {
  const dir = await appFolder({
    "index.html": PAGE("page.ts"),
    "page.ts": `import ipc from "ipc";
ipc.on("close", () => window.close());
ipc.on("close-natively", () => {
  // Chromium's own close (as the user's): the Window method of another frame of the page.
  const frame = document.createElement("iframe");
  document.body.append(frame);
  (frame.contentWindow as Window).close.call(window);
});`,
  });
  try {
    for (const how of ["close", "close-natively"]) {
      const win = new BrowserWindow({ show: false });
      await win.loadFile(`${dir}/index.html`);
      const closed = next(win, "closed");
      ipc.sendChannel(win.id, 1, how);
      await within(closed, `the window closed by ${how}`);
      assert.equal(win.isDestroyed(), true, how);
      assert.equal(BrowserWindow.fromId(win.id), null);
      await assert.rejects(win.capturePage(), /not shown|closed/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("a reload keeps the window and loses no message sent meanwhile", async () => {
  const dir = await appFolder({
    "index.html": PAGE("page.ts"),
    "page.ts": `import ipc from "ipc";
const load = Number(sessionStorage.getItem("loads") ?? 0) + 1;
sessionStorage.setItem("loads", String(load));
ipc.on("m", (i: number) => ipc.sendChannel("got", load, i));
ipc.on("reload", () => location.reload());
ipc.sendChannel("loaded", load);`,
  });
  const win = new BrowserWindow({ show: false });
  const loads = collect("loaded", win.id);
  const got = collect("got", win.id);
  try {
    await win.loadFile(`${dir}/index.html`);
    const n = 300;
    for (let i = 0; i < 10; i++) ipc.sendChannel(win.id, 1, "m", i);
    ipc.sendChannel(win.id, 1, "reload");
    for (let i = 10; i < n - 10; i++) {
      ipc.sendChannel(win.id, 1, "m", i);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    // On a loaded machine the old page may handle everything above before it unloads; the last
    // ten go once the new page has said it loaded, so they must reach it.
    await until(() => loads.messages.length >= 2, "the reloaded page", 10_000);
    for (let i = n - 10; i < n; i++) ipc.sendChannel(win.id, 1, "m", i);
    await until(() => got.messages.length >= n, "every message", 10_000);
    await new Promise((r) => setTimeout(r, 100)); // a duplicate would arrive by now
    assert.deepEqual(loads.messages, [[1], [2]]);
    assert.deepEqual(got.messages.map((m) => m[1]), Array.from({ length: n }, (_, i) => i));
    assert.equal(got.messages.at(-1)![0], 2, "the last messages reached the reloaded page");
    assert.equal(win.isDestroyed(), false);
    assert.equal(BrowserWindow.fromId(win.id), win);
  } finally {
    loads.stop();
    got.stop();
    win.destroy();
    await Deno.remove(dir, { recursive: true });
  }
});

test("a reload ends the old page's ports and calls; the new page's calls get their own answers", async () => {
  const dir = await appFolder({
    "index.html": PAGE("page.ts"),
    "page.ts": `import { ipcRenderer } from "denotron/renderer";
const load = Number(sessionStorage.getItem("loads") ?? 0) + 1;
sessionStorage.setItem("loads", String(load));
ipcRenderer.on("port", (event) => {
  const port = event.ports[0];
  (globalThis as Record<string, unknown>).kept = port;
  port.onmessage = (m) => ipcRenderer.send("port-echo", load, m.data);
});
ipcRenderer.on("call", async () => {
  ipcRenderer.send("answer", load, await ipcRenderer.invoke("which", load));
});
ipcRenderer.on("reload", () => location.reload());
ipcRenderer.send("loaded", load);`,
  });
  const aborted = Promise.withResolvers<string>();
  ipcMain.handle("which", async (event, load: number) => {
    if (load === 1) {
      // The old page's call: it never returns by itself; the reload must abort it.
      await new Promise((resolve) => event.signal.addEventListener("abort", resolve));
      aborted.resolve(String((event.signal.reason as Error).message));
      return "old";
    }
    return `new ${load}`;
  });
  const win = new BrowserWindow({ show: false });
  const loads = collect("loaded", win.id);
  const echoes = collect("port-echo", win.id);
  const answers = collect("answer", win.id);
  const { port1, port2 } = new MessageChannelMain();
  const closed = Promise.withResolvers<void>();
  port1.addEventListener("close", () => closed.resolve());
  try {
    await win.loadFile(`${dir}/index.html`);
    await until(() => loads.messages.length === 1, "the first load");
    win.webContents.postMessage("port", null, [port2]);
    port1.postMessage("hi");
    await until(() => echoes.messages.length === 1, "the port's echo");
    assert.deepEqual(echoes.messages[0], [1, "hi"]);
    ipc.sendChannel(win.id, 1, "call"); // the first page's invoke, left pending
    await new Promise((r) => setTimeout(r, 50));
    ipc.sendChannel(win.id, 1, "reload");
    await until(() => loads.messages.length === 2, "the reload");
    await within(closed.promise, "the old page's port closing");
    assert.match(await within(aborted.promise, "the old call's abort"), /reloaded its page/);
    ipc.sendChannel(win.id, 1, "call"); // the same invoke id, from the new page
    await until(() => answers.messages.length === 1, "the new page's answer");
    assert.deepEqual(answers.messages, [[2, "new 2"]]);
  } finally {
    ipcMain.removeHandler("which");
    loads.stop();
    echoes.stop();
    answers.stop();
    win.destroy();
    await Deno.remove(dir, { recursive: true });
  }
});

test("an edited script is bundled again on the next load", async () => {
  const dir = await appFolder({
    "index.html": PAGE("page.ts"),
    "page.ts": `import ipc from "ipc";\nimport { version } from "./version.ts";\n` +
      `ipc.sendChannel("version", version);\nipc.on("reload", () => location.reload());`,
    "version.ts": "export const version = 1;",
  });
  const win = new BrowserWindow({ show: false });
  const versions = collect("version", win.id);
  try {
    await win.loadFile(`${dir}/index.html`);
    await until(() => versions.messages.length === 1, "the first load");
    await new Promise((r) => setTimeout(r, 20)); // a later mtime, even on coarse clocks
    await Deno.writeTextFile(`${dir}/version.ts`, "export const version = 2;");
    ipc.sendChannel(win.id, 1, "reload");
    await until(() => versions.messages.length === 2, "the reload");
    assert.deepEqual(versions.messages, [[1], [2]]);
  } finally {
    versions.stop();
    win.destroy();
    await Deno.remove(dir, { recursive: true });
  }
});

test("TSX with preact from npm, in an app folder with no node_modules or config", async () => {
  const dir = await appFolder({
    "index.html": PAGE("app.tsx", `<div id="root"></div>`),
    "app.tsx": `import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useRef } from "npm:preact@11/hooks";
import ipc from "ipc";

function Counter({ start }: { start: number }) {
  const [n, setN] = useState(start);
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (n < start + 2) setN(n + 1);
    else ipc.sendChannel("rendered", document.getElementById("root")!.innerHTML, ref.current?.tagName);
  }, [n]);
  return <button ref={ref} class="count">count {n}</button>;
}
render(<Counter start={40} />, document.getElementById("root")!);`,
  });
  const rendered = next(ipc as never, "rendered");
  await withWindow(dir, "index.html", async () => {
    // Hooks from "preact/hooks" and "npm:preact@11/hooks" work together: one preact.
    assert.deepEqual((await rendered).slice(2), [
      `<button class="count">count 42</button>`,
      "BUTTON",
    ]);
  });
});

test("errors point at the app's own files (source maps); build errors too", async () => {
  const dir = await appFolder({
    "index.html": PAGE("main.ts"),
    "main.ts":
      `import ipc from "ipc";\nimport { boom } from "./lib/boom.ts";\nipc.on("boom", () => boom());`,
    "lib/boom.ts":
      `export function boom(): never {\n  // the app's line 2\n  throw new RangeError("boom from the app");\n}`,
    "broken.html": PAGE("broken.ts"),
    "broken.ts": `const fine = 1;\nconst broken = ;\n`,
  });
  const lines: string[] = [];
  const original = console.error;
  await withWindow(dir, "index.html", async (win) => {
    const server = (await runningPageServer())!;
    const uncaught = next(win, "uncaught-error");
    console.error = (...args: unknown[]) => lines.push(args.join(" "));
    try {
      ipc.sendChannel(win.id, 1, "boom");
      const [error] = (await uncaught) as [Error];
      assert.equal(error.name, "RangeError");
      assert.match(error.stack!, new RegExp(`at boom \\(file://${dir}/lib/boom\\.ts:3:\\d+\\)`));
      assert.match(
        lines.join("\n"),
        new RegExp(`Uncaught RangeError: boom from the app\\n.*${dir}/lib/boom\\.ts:3:`),
      );
      assert.doesNotMatch(error.stack! + lines.join("\n"), new RegExp(server.origin));

      const broken = new BrowserWindow({ show: false });
      const failed = next(broken, "uncaught-error");
      await broken.loadFile(`${dir}/broken.html`);
      const [syntax] = (await failed) as [Error];
      broken.destroy();
      assert.equal(syntax.name, "SyntaxError");
      assert.match(syntax.message, new RegExp(`${dir}/broken\\.ts:2:16: Unexpected ";"`));
    } finally {
      console.error = original;
    }
  });
});

test("loadURL opens a page this host serves and refuses other URLs; title; DevTools", async () => {
  const dir = await appFolder({
    "index.html": PAGE("page.ts"),
    "other.html": PAGE("page.ts"),
    "page.ts": `import ipc from "ipc";
addEventListener("load", () => ipc.sendChannel("at", location.href, document.title));`,
  });
  const first = new BrowserWindow({ show: false, title: "First" });
  const second = new BrowserWindow({ show: false });
  try {
    const at = next(ipc as never, "at");
    await first.loadFile(`${dir}/index.html`);
    const [href, title] = (await at).slice(2) as [string, string];
    assert.equal(title, "First");
    // A page's own address (a page may report it) opens in another window, as its file does.
    const other = next(ipc as never, "at");
    await second.loadURL(new URL("other.html", href));
    assert.match((await other)[2] as string, new RegExp(`/w${second.id}/other\\.html$`));
    await assert.rejects(second.loadURL("https://example.com/"), /not a page this host serves/);
    await assert.rejects(second.loadURL(href.replace(/\/[0-9a-f]{32}\//, "/0123/")), /not a page/);
    await assert.rejects(first.openDevTools(), /needs a headed window/);
    await assert.rejects(first.webContents.openDevTools(), /needs a headed window/);
  } finally {
    first.destroy();
    second.destroy();
    await Deno.remove(dir, { recursive: true });
  }
});

test("without Chromium the host prints how to install it and a URL any browser can open", async () => {
  const page = await unshownPage(new URL("./fixtures/agent.html", import.meta.url));
  const other = new Chromium({ headless: true });
  try {
    assert.match(page.printed, /No Chromium found/);
    assert.match(page.printed, /apt-get install chromium/);
    assert.match(page.printed, /open it in a browser to show the window/);
    // The printed URL opens the page once (a fetch here), then is worth nothing.
    const html = await fetch(page.launchUrl);
    assert.equal(html.status, 200);
    assert.match(await html.text(), /<title>agent<\/title>/);
    const real = new URL(html.url);
    const again = await fetch(page.launchUrl);
    await again.body?.cancel();
    assert.equal(again.status, 404);
    // Another browser opens the real page: the window works from there.
    await other.openWindow(real.href);
    await page.loaded;
    const agent = new Agent(page.win);
    const got = next(ipc as never, "from-elsewhere");
    await agent.call("send", "from-elsewhere", new Set([1]));
    assert.deepEqual((await got).slice(2), [new Set([1])]);
    await assert.rejects(page.win.capturePage(), /not shown by the host's Chromium/);
    assert.equal((await secretUrl(await freshLaunch(page))).pathname, real.pathname);
  } finally {
    page.win.destroy();
    await other.close();
  }
});

/** A second one-time URL for the same page (what the host would print again). */
async function freshLaunch(page: { win: BrowserWindow; launchUrl: string }): Promise<string> {
  const server = (await runningPageServer())!;
  const file = new URL("./fixtures/agent.html", import.meta.url).pathname;
  return server.launchUrl(page.win.id, await Deno.realPath(file));
}

test("shutdownPages ends the server, esbuild and Chromium, and closes open windows", async () => {
  // In a process of its own: what it has left running is then its alone.
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--config=${new URL("../deno.json", import.meta.url).pathname}`,
      new URL("./fixtures/page_shutdown.ts", import.meta.url).pathname,
    ],
    env: { NO_COLOR: "1" },
    stderr: "inherit",
  }).output();
  assert.ok(success);
  const report = JSON.parse(new TextDecoder().decode(stdout));
  assert.ok(report.before.some((name: string) => /chrom/i.test(name)), report.before.join());
  assert.ok(report.before.includes("esbuild"), report.before.join());
  assert.deepEqual(report.after, []);
  assert.equal(report.destroyed, true);
  assert.match(report.served, /fetch failed|onnection refused/i);
});
