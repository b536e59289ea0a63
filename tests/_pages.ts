/**
 * Helpers for the page window tests: app folders made on the fly, a window's secret URL (found
 * the way a user finds it when Chromium is missing), raw HTTP, and the host's child processes.
 */
import { BrowserWindow, type BrowserWindowOptions } from "../browser/mod.ts";

/** Writes `files` (path → text) into a new temp folder: an app folder with no config. */
export async function appFolder(files: Record<string, string>): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "denotron-app-" }));
  for (const [path, text] of Object.entries(files)) {
    const file = `${dir}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
  return dir;
}

/** A page window whose Chromium is missing: the host prints a one-time URL instead. */
export interface UnshownPage {
  win: BrowserWindow;
  /** The printed one-time URL. */
  launchUrl: string;
  /** Everything the host printed on stderr while opening it. */
  printed: string;
  /** Resolves once some browser has loaded the page. */
  loaded: Promise<void>;
}

/** Opens `file` in a page window with no Chromium and captures what the host prints. */
export async function unshownPage(
  file: string | URL,
  options: BrowserWindowOptions = {},
): Promise<UnshownPage> {
  const win = new BrowserWindow({ ...options, chromium: "/nonexistent/chromium" });
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    const loaded = win.loadFile(file);
    loaded.catch(() => {});
    for (let i = 0; i < 200 && !lines.join("\n").includes("one-time"); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const printed = lines.join("\n");
    const launchUrl = printed.match(/http:\/\/127\.0\.0\.1:\d+\/\S+/)?.[0];
    if (!launchUrl) throw new Error(`no URL printed: ${printed}`);
    return { win, launchUrl, printed, loaded };
  } finally {
    console.error = original;
  }
}

/** Follows a one-time URL once and returns the page's real (secret) URL. */
export async function secretUrl(launchUrl: string): Promise<URL> {
  const response = await fetch(launchUrl, { redirect: "manual" });
  await response.body?.cancel();
  if (response.status !== 303) throw new Error(`launch URL answered ${response.status}`);
  return new URL(response.headers.get("location")!, launchUrl);
}

/** Sends a raw HTTP/1.1 request (`lines`, then `body`) and returns the answer, head and body. */
export async function rawHttp(port: number, lines: string[], body = ""): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 3_000);
  await conn.write(new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n${body}`));
  let text = "";
  const buffer = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) continue;
    if (/^HTTP\/1\.1 101/.test(text)) break; // a WebSocket now: it stays open
    const length = text.slice(0, end).match(/content-length: (\d+)/i)?.[1];
    if (length !== undefined && text.length - end - 4 >= Number(length)) break;
  }
  clearTimeout(timer);
  try {
    conn.close();
  } catch { /* closed by the timer */ }
  return text;
}

/** The status code of a raw HTTP answer. */
export function status(answer: string): number {
  return Number(answer.match(/^HTTP\/1\.1 (\d+)/)?.[1] ?? 0);
}

/** Live (not zombie) child processes of this process. */
export function children(): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const [, name, state, ppid] = stat.match(/^\d+ \((.*)\) (\S) (\d+)/) ?? [];
      if (Number(ppid) === Deno.pid && state !== "Z") found.push(name);
    } catch { /* gone meanwhile */ }
  }
  return found;
}
