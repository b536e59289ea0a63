/**
 * The host's side of relayed ports, driven with raw renderer messages: what a hostile or buggy
 * renderer can send about ports is refused with a clear error, never a crash, and a window that
 * goes closes its relayed ports. The transports' own port tests are in `modern_ipc_test.ts`.
 */
import assert from "node:assert/strict";
import { ipcMain, type IpcMainEvent } from "../browser/mod.ts";
import { RendererHost } from "../browser/_renderer_host.ts";
import type { WebContents } from "../browser/web_contents.ts";
import { LinkedChannel } from "../common/linked_channel.ts";
import { type HostMessage, Kind, type RendererMessage } from "../common/protocol.ts";
import { until } from "./_harness.ts";

/** A host core for window 990 on a transport that cannot move ports, and what it posts. */
function relayingHost() {
  const posted: HostMessage[] = [];
  const window = {
    id: 990,
    webContents: { id: 990 } as WebContents,
    emit: () => true,
    close() {},
    destroy() {},
  };
  const host = new RendererHost(window, 1_000);
  host.attach({
    post: (messages) => posted.push(...messages),
    replySync() {},
    destroy: async () => {},
  });
  host.receive([[Kind.Ready]]);
  return { host, posted };
}

/** Runs `fn` with console.error captured; returns the lines. */
async function errors(fn: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return lines;
}

/** Receives the port a renderer offers (as raw id `id`) in `event.ports`. */
function offer(host: RendererHost, id: number): MessagePort {
  let port: MessagePort | undefined;
  ipcMain.once("offer", (event: IpcMainEvent) => (port = event.ports[0]));
  host.receive([[Kind.Send, "offer", [], [id]]]);
  assert.ok(port, "ipcMain got no port");
  return port;
}

Deno.test("a relayed port from a renderer works both ways and closes from either side", async () => {
  const { host, posted } = relayingHost();
  const port = offer(host, 3);
  const seen: unknown[] = [];
  port.onmessage = (e) => seen.push(e.data);
  port.addEventListener("close", () => seen.push("close"));
  host.receive([[Kind.PortMessage, 3, 1], [Kind.PortMessage, 3, new Map([[2, 2]])]]);
  host.receive([[Kind.PortClose, 3]]);
  await until(() => seen.length === 3, "the messages, then close");
  assert.deepEqual(seen, [1, new Map([[2, 2]]), "close"]);

  const other = offer(host, 5);
  other.postMessage("down");
  other.close();
  await until(() => posted.some((m) => m[0] === Kind.PortClose && m[1] === 5), "PortClose 5");
  const five = posted.filter((m) =>
    (m[0] === Kind.PortMessage || m[0] === Kind.PortClose) && m[1] === 5
  );
  assert.deepEqual(five, [[Kind.PortMessage, 5, "down"], [Kind.PortClose, 5]]);
  host.gone("is closed");
});

Deno.test("bad port ids from a renderer are refused with a clear error, never a crash", async () => {
  const { host } = relayingHost();
  const port = offer(host, 7);
  const lines = await errors(() => {
    const bad: unknown[] = [
      [Kind.PortMessage, 9, "never opened"],
      [Kind.PortMessage, 2, "an id the host never gave"],
      [Kind.PortClose, 11],
      [Kind.Send, "offer", [], [7]], // already in use
      [Kind.Send, "offer", [], [13, 13]], // twice in one message
      [Kind.Send, "offer", [], [4]], // the host's to pick
      [Kind.PortMessage, -1, "x"],
      [Kind.PortMessage, 1.5, "x"],
      [Kind.PortMessage, "7", "x"],
      [Kind.PortMessage, 7, "x", [2]],
      [Kind.PortMessage, 7, "x", [15], "extra"],
      [Kind.PortClose, 7, "extra"],
    ];
    host.receive(bad as RendererMessage[]);
  });
  assert.equal(lines.length, 12, lines.join("\n"));
  for (const line of lines.slice(0, 3)) {
    assert.match(
      line,
      /\[window 990\] refused a message on relayed port \d+: the window has no such port open/,
    );
  }
  assert.match(lines[3], /refused a message on channel "offer": port id 7 is already in use/);
  assert.match(lines[4], /port id 13 is already in use/);
  for (const line of lines.slice(5)) assert.match(line, /refused a malformed message/);

  // The window and its good port work on; a message on a port closed meanwhile is dropped quietly.
  const got = new Promise((resolve) => (port.onmessage = (e) => resolve(e.data)));
  host.receive([[Kind.PortMessage, 7, "still here"]]);
  assert.equal(await got, "still here");
  const quiet = await errors(() =>
    host.receive([[Kind.PortClose, 7], [Kind.PortMessage, 7, "late"]])
  );
  assert.deepEqual(quiet, []);
  host.gone("is closed");
});

Deno.test("a window that goes closes its relayed ports: their other ends see close", async () => {
  const { host } = relayingHost();
  const fromRenderer = offer(host, 17);
  const { port1, port2 } = new LinkedChannel();
  // Sent while ready: relayed under the host's first id.
  host.postMessage("test", "port", null, [port2]);
  const closes: string[] = [];
  fromRenderer.addEventListener("close", () => closes.push("renderer's"));
  fromRenderer.start();
  port1.addEventListener("close", () => closes.push("host's"));
  port1.start();
  host.gone("is closed");
  await until(() => closes.length === 2, "both close events");
  assert.deepEqual(closes.sort(), ["host's", "renderer's"]);
  // Nothing is left to relay to: a late message from the renderer is dropped, not delivered.
  const lines = await errors(() => host.receive([[Kind.PortMessage, 17, "late"]]));
  assert.equal(lines.length, 0);
});

Deno.test("LinkedChannel: close comes after every message sent before it, on both ports", async () => {
  const { port1, port2 } = new LinkedChannel();
  const seen: unknown[] = [];
  port2.onmessage = (e) => seen.push(e.data);
  port2.addEventListener("close", () => seen.push("close"));
  for (let i = 0; i < 500; i++) port1.postMessage(i);
  port1.close();
  await until(() => seen.includes("close"), "close");
  assert.equal(seen.length, 501);
  assert.deepEqual(seen.slice(-2), [499, "close"]);
  // `onclose` works where the platform has no such property.
  const other = new LinkedChannel();
  const closed = new Promise<void>((resolve) => {
    (other.port1 as MessagePort & { onclose: () => void }).onclose = () => resolve();
  });
  other.port2.close();
  await closed;
});
