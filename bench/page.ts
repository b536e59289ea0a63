/**
 * Page windows (headless Chromium): a `send` → `event.reply` round trip against a raw WebSocket
 * echo from the same page to a bare `Deno.serve`, and a `sendSync` against a raw synchronous
 * XMLHttpRequest to that server (the way a page's main thread can block).
 *
 * @module
 */
import { BrowserWindow, ipcMain, type IpcMainEvent } from "../browser/mod.ts";
import {
  alternate,
  fixture,
  type Options,
  type Result,
  result,
  runOp,
  skipped,
} from "./_measure.ts";

const LOAD_TIMEOUT_MS = 60_000;

/** A bare server: WebSocket echo, and `GET /?x` answered with `x` (CORS open). */
function bareServer(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    if (request.headers.get("upgrade") === "websocket") {
      const { socket, response } = Deno.upgradeWebSocket(request);
      socket.onmessage = (event) => socket.send(event.data);
      return response;
    }
    return new Response(new URL(request.url).search.slice(1), {
      headers: { "access-control-allow-origin": "*", "cache-control": "no-store" },
    });
  });
}

async function openPage(): Promise<BrowserWindow> {
  const win = new BrowserWindow({
    show: false,
    // The default policy keeps a page to its own origin; the baselines talk to another port.
    contentSecurityPolicy:
      "default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:* http://127.0.0.1:*",
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      win.loadFile(fixture("page.html")),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the page did not load within ${LOAD_TIMEOUT_MS / 1000} s`)),
          LOAD_TIMEOUT_MS,
        );
      }),
    ]);
    return win;
  } catch (error) {
    win.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** `page-rtt`, `page-sync-rtt`. */
export async function* run(options: Options): AsyncGenerator<Result> {
  let win: BrowserWindow;
  try {
    win = await openPage();
  } catch (error) {
    const why = `page windows unavailable (${(error as Error)?.message ?? error})`;
    console.error(`skipped: ${why}`);
    yield skipped("page-rtt", "µs", why, 1.5);
    yield skipped("page-sync-rtt", "µs", why, 1.3);
    return;
  }
  const server = bareServer();
  const base = `127.0.0.1:${server.addr.port}`;
  ipcMain.on("bench:ping", (event: IpcMainEvent, i: number) => event.reply("bench:pong", i));
  ipcMain.on("bench:sync", (event: IpcMainEvent, i: number) => (event.returnValue = i));
  const n = options.quick ? 200 : 500;
  const nSync = options.quick ? 50 : 150;
  try {
    yield result(
      "page-rtt",
      "µs",
      await alternate(options.rounds, {
        ours: () => runOp(win, "rtt", n),
        baseline: () => runOp(win, "wsRtt", n, `ws://${base}/`),
      }),
      1.5,
      "raw WebSocket echo, same page",
    );
    yield result(
      "page-sync-rtt",
      "µs",
      await alternate(options.rounds, {
        ours: () => runOp(win, "sync", nSync),
        baseline: () => runOp(win, "xhr", nSync, `http://${base}/`),
      }),
      1.3,
      "raw sync XHR to Deno.serve",
    );
  } finally {
    ipcMain.removeAllListeners("bench:ping");
    ipcMain.removeAllListeners("bench:sync");
    win.destroy();
    await server.shutdown();
  }
}
