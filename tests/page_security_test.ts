/**
 * The page server's security defaults, each attacked: the URL secret, DNS rebinding (Host),
 * cross-site WebSocket and sync requests (Origin), path traversal and symlinks, directory
 * listings, the Content-Security-Policy, and malformed frames from a page.
 */
import assert from "node:assert/strict";
import { ipc } from "../browser/mod.ts";
import { Chromium } from "../host/chromium.ts";
import { encode } from "../common/codec.ts";
import { next } from "./_harness.ts";
import { appFolder, rawHttp, secretUrl, status, unshownPage } from "./_pages.ts";

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>secure</title>
<link rel="stylesheet" href="style.css"><script type="module" src="page.ts"></script></head>
<body></body></html>`;

Deno.test({
  name: "page server security defaults",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const outside = await Deno.makeTempDir({ prefix: "denotron-outside-" });
    await Deno.writeTextFile(`${outside}/secret.txt`, "TOP SECRET");
    const dir = await appFolder({
      "index.html": PAGE,
      "page.ts":
        `import ipc from "ipc";\nipc.on("ping", (x: unknown) => ipc.sendChannel("pong", x));`,
      "style.css": "body { color: black }",
      "logo.svg": `<svg xmlns="http://www.w3.org/2000/svg"/>`,
      "sub/inner.txt": "inner",
    });
    await Deno.symlink(`${outside}/secret.txt`, `${dir}/link.txt`);
    await Deno.symlink(outside, `${dir}/out`);
    const page = await unshownPage(`${dir}/index.html`);
    const custom = await unshownPage(`${dir}/index.html`, {
      contentSecurityPolicy: "default-src 'none'",
    });
    const none = await unshownPage(`${dir}/index.html`, { contentSecurityPolicy: "" });
    const base = await secretUrl(page.launchUrl);
    const port = Number(base.port);
    const [, secret, win] = base.pathname.split("/");
    const get = (path: string, host = `127.0.0.1:${port}`, extra: string[] = []) =>
      rawHttp(port, [`GET ${path} HTTP/1.1`, `Host: ${host}`, "Connection: close", ...extra]);
    const other = new Chromium({ headless: true });
    try {
      await t.step("the secret is required and never printed", async () => {
        assert.equal(secret.length, 32);
        assert.ok(!page.printed.includes(secret), "the secret was printed");
        for (
          const path of [
            "/",
            `/${win}/index.html`,
            `/${secret.replace(/.$/, (c) => c === "0" ? "1" : "0")}/${win}/index.html`,
            `/${secret}/w999/index.html`,
            `/${secret}`,
          ]
        ) {
          assert.equal(status(await get(path)), 404, path);
        }
        assert.equal(status(await get(`/${secret}/${win}/index.html`)), 200);
      });

      await t.step("a foreign Host header is refused (DNS rebinding)", async () => {
        const path = `/${secret}/${win}/index.html`;
        assert.equal(status(await get(path, `evil.example:${port}`)), 403);
        assert.equal(status(await get(path, "127.0.0.1")), 403);
        assert.equal(status(await get(path, `localhost:${port}`)), 200);
      });

      await t.step("WebSocket and sync requests with a foreign Origin are refused", async () => {
        const socket = `/${secret}/${win}/__denotron/ws?s=aaaaaaaa-test`;
        const upgrade = [
          "Upgrade: websocket",
          "Connection: Upgrade",
          "Sec-WebSocket-Version: 13",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        ];
        const ws = (origin: string[]) =>
          rawHttp(port, [
            `GET ${socket} HTTP/1.1`,
            `Host: 127.0.0.1:${port}`,
            ...upgrade,
            ...origin,
          ]);
        assert.equal(status(await ws(["Origin: http://evil.example"])), 403);
        assert.equal(status(await ws([`Origin: http://127.0.0.1:${port + 1}`])), 403);
        assert.equal(status(await ws([`Origin: http://127.0.0.1:${port}`])), 101);
        const sync = (origin: string, body: string) =>
          rawHttp(port, [
            `POST /${secret}/${win}/__denotron/sync?s=aaaaaaaa-test&q=1&n=0 HTTP/1.1`,
            `Host: 127.0.0.1:${port}`,
            `Origin: ${origin}`,
            "Connection: close",
            `Content-Length: ${body.length}`,
          ], body);
        assert.equal(status(await sync("http://evil.example", "")), 403);
        assert.equal(status(await sync(`http://127.0.0.1:${port}`, "garbage")), 400);
      });

      await t.step("paths outside the app folder are refused, however spelled", async () => {
        const prefix = `/${secret}/${win}`;
        for (
          const path of [
            `${prefix}/../../../etc/passwd`,
            `${prefix}/%2e%2e/%2e%2e/%2e%2e/etc/passwd`,
            `${prefix}/..%2f..%2f..%2fetc%2fpasswd`,
            `${prefix}/sub/%2e%2e%2f%2e%2e%2f${outside.split("/").pop()}%2fsecret.txt`,
            `${prefix}/sub/..%5c..%5csecret.txt`,
            `${prefix}/link.txt`,
            `${prefix}/out/secret.txt`,
            `${prefix}/%00`,
          ]
        ) {
          const answer = await get(path);
          assert.ok([400, 403, 404].includes(status(answer)), `${path}: ${answer.slice(0, 40)}`);
          assert.ok(!answer.includes("TOP SECRET") && !answer.includes("root:"), path);
        }
        assert.equal(status(await get(`${prefix}/link.txt`)), 403);
        assert.equal(status(await get(`${prefix}/sub/inner.txt`)), 200);
      });

      await t.step("folders are not listed", async () => {
        for (const path of ["sub/", "sub", ""]) {
          const answer = await get(`/${secret}/${win}/${path}`);
          assert.equal(status(answer), 404, path);
          assert.ok(!answer.includes("inner.txt"));
        }
      });

      await t.step(
        "strict CSP by default, overridable; content types; no Referer leak",
        async () => {
          const html = await fetch(base);
          await html.body?.cancel();
          const csp = html.headers.get("content-security-policy") ?? "";
          assert.match(csp, /default-src 'self'/);
          assert.match(csp, /script-src 'self'(;|$)/);
          assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${port}`));
          assert.equal(html.headers.get("referrer-policy"), "same-origin");
          assert.equal(html.headers.get("x-content-type-options"), "nosniff");
          assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
          for (
            const [file, type] of [
              ["style.css", "text/css; charset=utf-8"],
              ["logo.svg", "image/svg+xml"],
              ["page.ts", "text/javascript; charset=utf-8"],
              ["sub/inner.txt", "text/plain; charset=utf-8"],
            ]
          ) {
            const r = await fetch(new URL(file, base));
            await r.body?.cancel();
            assert.equal(r.headers.get("content-type"), type, file);
          }
          const customized = await fetch(await secretUrl(custom.launchUrl));
          await customized.body?.cancel();
          assert.equal(customized.headers.get("content-security-policy"), "default-src 'none'");
          const without = await fetch(await secretUrl(none.launchUrl));
          await without.body?.cancel();
          assert.equal(without.headers.get("content-security-policy"), null);
        },
      );

      await t.step("malformed frames close that socket only; the window works on", async () => {
        const url = `ws://127.0.0.1:${port}/${secret}/${win}/__denotron/ws?s=bbbbbbbb-test`;
        for (
          const frame of [
            new Uint8Array([1, 2, 3]),
            encode([0, [[0, "", []]]]), // an empty channel
            encode([0, [[99]]]), // no such kind
            encode({ not: "a frame" }),
            encode([5, []]), // acknowledges frames never sent
            "text",
          ]
        ) {
          const socket = new WebSocket(url);
          const closed = new Promise<number>((resolve) => socket.onclose = (e) => resolve(e.code));
          socket.onopen = () => socket.send(frame);
          assert.equal(await closed, 1007, String(frame));
        }
        await other.openWindow(base.href);
        await page.loaded;
        const pong = next(ipc as never, "pong");
        ipc.sendChannel(page.win.id, 1, "ping", new Map([["after", "bad frames"]]));
        assert.deepEqual((await pong).slice(2), [new Map([["after", "bad frames"]])]);
      });
    } finally {
      for (const p of [page, custom, none]) p.win.destroy();
      await other.close();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(outside, { recursive: true });
    }
  },
});
