/**
 * Electron's modern IPC (ipcMain / ipcRenderer / webContents) and what denotron adds to it
 * (cancellation, deadlines, streams, broadcast), on every transport.
 */
import assert from "node:assert/strict";
import {
  broadcast,
  BrowserWindow,
  ipcMain,
  type IpcMainEvent,
  MessageChannelMain,
} from "../browser/mod.ts";
import {
  type Agent,
  collect,
  next,
  openAgent,
  transports,
  until,
  withAgent,
  within,
} from "./_harness.ts";

type Settled = {
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; code?: unknown };
};

for (const t of transports) {
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${t.name}: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

  test("ipcMain.on gets (event, ...args) with a verified sender; event.reply answers", () =>
    withAgent(t, async (agent) => {
      const events: IpcMainEvent[] = [];
      ipcMain.on("ask", (event: IpcMainEvent, n: number) => {
        events.push(event);
        event.reply("answer", n * 2);
      });
      try {
        await agent.call("modernListen", "answer");
        const heard = collect("heard-modern", agent.win.id);
        await agent.call("modernSend", "ask", 21);
        await until(() => heard.messages.length === 1, "the reply");
        heard.stop();
        assert.deepEqual(heard.messages[0], ["answer", [42], 0, true]);
        const [event] = events;
        assert.equal(event.sender, agent.win.webContents);
        assert.equal(event.processId, agent.win.id);
        assert.equal(event.frameId, 1);
        assert.equal(BrowserWindow.fromId(event.sender.id), agent.win);
      } finally {
        ipcMain.removeAllListeners("ask");
      }
    }));

  test("ipcRenderer.sendSync is answered by ipcMain's event.returnValue", () =>
    withAgent(t, async (agent) => {
      ipcMain.on(
        "config",
        (event: IpcMainEvent, key: string) => (event.returnValue = { key, theme: "dark" }),
      );
      try {
        const r = await agent.call<{ ok: boolean; value: unknown }>("modernSync", "config", "ui");
        assert.deepEqual(r.value, { key: "ui", theme: "dark" });
      } finally {
        ipcMain.removeAllListeners("config");
      }
    }));

  test("webContents.send reaches ipcRenderer.on listeners", () =>
    withAgent(t, async (agent) => {
      await agent.call("modernListen", "tick");
      const heard = collect("heard-modern", agent.win.id);
      agent.win.webContents.send("tick", 1, new Date(0));
      await until(() => heard.messages.length === 1, "the tick");
      heard.stop();
      assert.deepEqual(heard.messages[0], ["tick", [1, new Date(0)], 0, true]);
    }));

  test("invoke resolves with the handler's value, sync or async", () =>
    withAgent(t, async (agent) => {
      ipcMain.handle("add", (_event, a: number, b: number) => a + b);
      ipcMain.handle("later", async (event) => {
        await new Promise((r) => setTimeout(r, 20));
        return { from: event.processId, map: new Map([[1, "one"]]) };
      });
      try {
        assert.deepEqual(await agent.call("invoke", "add", 2, 3), { ok: true, value: 5 });
        assert.deepEqual(await agent.call("invoke", "later"), {
          ok: true,
          value: { from: agent.win.id, map: new Map([[1, "one"]]) },
        });
      } finally {
        ipcMain.removeHandler("add");
        ipcMain.removeHandler("later");
      }
    }));

  test("invoke rejects with the handler's error name, message and code", () =>
    withAgent(t, async (agent) => {
      ipcMain.handle("fails", () => {
        throw Object.assign(new TypeError("bad input"), { code: "E_BAD", errno: 7 });
      });
      ipcMain.handle("rejects", () => Promise.reject(new RangeError("too far")));
      try {
        const r = await agent.call<Settled>("invoke", "fails");
        assert.equal(r.ok, false);
        assert.equal(r.error!.name, "TypeError");
        assert.match(r.error!.message, /bad input/);
        assert.match(r.error!.message, /"fails"/);
        assert.equal(r.error!.code, "E_BAD");
        const r2 = await agent.call<Settled>("invoke", "rejects");
        assert.equal(r2.error!.name, "RangeError");
        assert.match(r2.error!.message, /too far/);
      } finally {
        ipcMain.removeHandler("fails");
        ipcMain.removeHandler("rejects");
      }
    }));

  test("invoke with no handler rejects at once", () =>
    withAgent(t, async (agent) => {
      const started = performance.now();
      const r = await agent.call<Settled>("invoke", "unhandled");
      assert.equal(r.ok, false);
      assert.match(r.error!.message, /no handler registered for "unhandled"/);
      assert.ok(performance.now() - started < 1_000);
    }));

  test("handleOnce answers once; a second handle throws; removeHandler removes", () =>
    withAgent(t, async (agent) => {
      ipcMain.handleOnce("one-shot", () => "first");
      assert.throws(() => ipcMain.handle("one-shot", () => 1), /second handler for "one-shot"/);
      assert.deepEqual(await agent.call("invoke", "one-shot"), { ok: true, value: "first" });
      const r = await agent.call<Settled>("invoke", "one-shot");
      assert.match(r.error!.message, /no handler registered/);
      ipcMain.handle("removed", () => 1);
      ipcMain.removeHandler("removed");
      assert.match((await agent.call<Settled>("invoke", "removed")).error!.message, /no handler/);
    }));

  test("an aborted invoke rejects in the renderer and aborts the handler's signal", () =>
    withAgent(t, async (agent) => {
      const aborted = Promise.withResolvers<unknown>();
      ipcMain.handle("slow", (event) => {
        event.signal.addEventListener("abort", () => aborted.resolve(event.signal.reason));
        return new Promise(() => {}); // never answers by itself
      });
      try {
        const r = await agent.call<Settled>("invokeWith", { abortAfter: 50 }, "slow");
        assert.equal(r.ok, false);
        assert.equal(r.error!.name, "AbortError");
        assert.equal(((await aborted.promise) as DOMException).name, "AbortError");
      } finally {
        ipcMain.removeHandler("slow");
      }
    }));

  test("an invoke past its deadline rejects with TimeoutError and aborts the handler", () =>
    withAgent(t, async (agent) => {
      const aborted = Promise.withResolvers<void>();
      ipcMain.handle("slower", (event) => {
        event.signal.addEventListener("abort", () => aborted.resolve());
        return new Promise(() => {});
      });
      try {
        const r = await agent.call<Settled>("invokeWith", { timeout: 80 }, "slower");
        assert.equal(r.error!.name, "TimeoutError");
        assert.match(r.error!.message, /timed out after 80 ms/);
        await aborted.promise;
      } finally {
        ipcMain.removeHandler("slower");
      }
    }));

  test("an entry may await invoke at its top level; messages for its listeners wait for it", async () => {
    ipcMain.handle("tli:config", () => ({ theme: "dark" }));
    const pong = Promise.withResolvers<unknown[]>();
    ipcMain.on("tli:pong", (_event, ...args: unknown[]) => pong.resolve(args));
    const win = new BrowserWindow(t.options);
    try {
      const loaded = win.loadFile(t.file("top_level_invoke"));
      // Sent before the entry has run, for a listener it adds after its await.
      win.webContents.send("tli:ping", 1);
      await within(loaded, "the entry, awaiting its config");
      assert.deepEqual(await within(pong.promise, "the pong"), [1, { theme: "dark" }]);
    } finally {
      ipcMain.removeHandler("tli:config");
      ipcMain.removeAllListeners("tli:pong");
      win.destroy();
    }
  });

  test("invoke answers keep their place among the messages of both sides", () =>
    withAgent(t, async (agent) => {
      // Answers fast and slow (past any spin), plain and not (a Map), values and errors, with and
      // without a message sent just before: each must come in its place, and come by itself.
      const host: string[] = [];
      ipcMain.on("order:pre", (_event, i: number) => host.push(`pre ${i}`));
      ipcMain.on("order:post", (_event, i: number) => host.push(`post ${i}`));
      ipcMain.handle("order:call", async (event, i: number) => {
        host.push(`call ${i}`);
        if (i % 4 === 1) await new Promise((r) => setTimeout(r, 1));
        if (i % 2 === 0) event.sender.send("order:before", i);
        if (i % 8 === 5) throw new Error(`call ${i} failed`);
        return i % 4 === 3 ? new Map([["i", i]]) : i;
      });
      try {
        const n = 200;
        const log = await agent.call<string[]>("invokeOrder", n);
        const expected = [];
        for (let i = 0; i < n; i++) {
          if (i % 2 === 0) expected.push(`before ${i}`);
          expected.push(i % 8 === 5 ? `error ${i}` : `reply ${i}`);
        }
        assert.deepEqual(log, expected);
        await until(() => host.length === 3 * n, "the last send");
        assert.deepEqual(
          host,
          [...Array(n).keys()].flatMap((i) => [`pre ${i}`, `call ${i}`, `post ${i}`]),
        );
      } finally {
        ipcMain.removeAllListeners("order:pre");
        ipcMain.removeAllListeners("order:post");
        ipcMain.removeHandler("order:call");
      }
    }));

  test("a handler's async iterable streams to the renderer with backpressure", () =>
    withAgent(t, async (agent) => {
      let produced = 0;
      ipcMain.handle("count", async function* () {
        for (let i = 0; i < 100; i++) {
          produced++;
          yield i;
        }
      });
      try {
        const r = await agent.call<{ ok: boolean; chunks: number[] }>("stream", "count", 1_000);
        assert.deepEqual(r.chunks, Array.from({ length: 100 }, (_, i) => i));
      } finally {
        ipcMain.removeHandler("count");
      }
      assert.equal(produced, 100);
    }));

  test("breaking out of the renderer's loop cancels the producer; it never runs far ahead", () =>
    withAgent(t, async (agent) => {
      let produced = 0;
      const finished = Promise.withResolvers<void>();
      ipcMain.handle("endless", async function* () {
        try {
          for (let i = 0;; i++) {
            produced++;
            yield i;
          }
        } finally {
          finished.resolve();
        }
      });
      try {
        const r = await agent.call<{ ok: boolean; chunks: number[] }>("stream", "endless", 5);
        assert.deepEqual(r.chunks, [0, 1, 2, 3, 4]);
        await finished.promise; // the generator's finally ran: it was cancelled
        assert.ok(produced <= 5 + 16 + 1, `produced ${produced} chunks for 5 read`);
      } finally {
        ipcMain.removeHandler("endless");
      }
    }));

  test("a ReadableStream result streams too, and its error reaches the renderer", () =>
    withAgent(t, async (agent) => {
      ipcMain.handle("readable", () => {
        const chunks = ["a", "b"];
        return new ReadableStream({
          pull(controller) {
            if (chunks.length) controller.enqueue(chunks.shift());
            else controller.error(new SyntaxError("broken stream"));
          },
        });
      });
      try {
        const r = await agent.call<
          { ok: boolean; chunks: string[]; error: { name: string; message: string } }
        >(
          "stream",
          "readable",
          10,
        );
        assert.deepEqual(r.chunks, ["a", "b"]);
        assert.equal(r.ok, false);
        assert.equal(r.error.name, "SyntaxError");
        assert.match(r.error.message, /broken stream/);
      } finally {
        ipcMain.removeHandler("readable");
      }
    }));

  test("broadcast sends to every window, or to those a filter accepts", async () => {
    const agents = [await openAgent(t), await openAgent(t), await openAgent(t)];
    try {
      for (const a of agents) await a.call("modernListen", "news");
      const heard = agents.map((a) => collect("heard-modern", a.win.id));
      assert.equal(broadcast("news", "all"), 3);
      assert.equal(broadcast({ filter: (wc) => wc.id !== agents[0].win.id }, "news", "some"), 2);
      await until(
        () =>
          heard[0].messages.length === 1 && heard[1].messages.length === 2 &&
          heard[2].messages.length === 2,
        "the news",
      );
      assert.deepEqual(heard.map((h) => h.messages.map((m) => (m[1] as string[])[0])), [
        ["all"],
        ["all", "some"],
        ["all", "some"],
      ]);
      heard.forEach((h) => h.stop());
    } finally {
      agents.forEach((a) => a.win.destroy());
    }
  });
}

// MessagePorts and zero-copy transfer need a transport that moves them: worker windows.
Deno.test({
  name: "worker: ArrayBuffers in the transfer list move without a copy, both ways",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withAgent(transports[0], async (agent) => {
      const got = Promise.withResolvers<[IpcMainEvent, ArrayBuffer]>();
      ipcMain.once("buffer-up", (event: IpcMainEvent, buffer: ArrayBuffer) =>
        got.resolve([event, buffer]));
      assert.equal(await agent.call("postBuffer", "buffer-up", 1 << 20), 0);
      const [, buffer] = await got.promise;
      assert.equal(buffer.byteLength, 1 << 20);
      const down = new ArrayBuffer(4096);
      new Uint8Array(down)[0] = 9;
      agent.win.webContents.postMessage("buffer", down, [down]);
      assert.equal(down.byteLength, 0); // detached here at once
      // The agent's "receivedBuffer" answers after the buffer message: same window, in order.
      assert.deepEqual(await agent.call("receivedBuffer"), [4096, 9]);
    }),
});

Deno.test({
  name: "worker: ports connect two windows directly, while the host's event loop is busy",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const a = await openAgent(transports[0]);
    const b = await openAgent(transports[0]);
    try {
      const { port1, port2 } = new MessageChannel();
      a.win.webContents.postMessage("port", "ping", [port1]);
      b.win.webContents.postMessage("port", "echo", [port2]);
      const started = next(ipcMain as never, "ping-started");
      const pings = a.call<number[]>("portPing", 5_000);
      await started;
      // Busy the host: nothing the host relays could move now.
      const start = Date.now();
      while (Date.now() - start < 300) { /* spin */ }
      const end = Date.now();
      const times = await pings;
      assert.equal(times.length, 5_000);
      const during = times.filter((t) => t > start && t < end).length;
      // Through the host there would be none at all; how many more depends on how loaded the two
      // cores are (100 was too many to ask of a parallel suite run).
      assert.ok(during >= 10, `only ${during} echoes while the host was busy`);
    } finally {
      a.win.destroy();
      b.win.destroy();
    }
  },
});

// MessagePorts on every transport: moved to and from worker windows, relayed by the host for page
// and process windows. A close event is what Electron's MessagePortMain adds; relayed ports have
// it, moved ones cannot (Deno fires none), so those assertions are for relayed ports only.
for (const t of transports) {
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${t.name}: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });
  // The transports whose ports the host relays (the others move them natively).
  const relayed = t.name === "page" || t.name === "process";

  test("webContents.postMessage gives ipcRenderer a working port; structured clones survive", () =>
    withAgent(t, async (agent) => {
      const { port1, port2 } = new MessageChannelMain();
      agent.win.webContents.postMessage("port", "echo", [port2]);
      const rich = {
        when: new Date(7),
        map: new Map<unknown, unknown>([[1, { set: new Set(["a"]) }]]),
        bytes: new Uint8Array([1, 2, 3]),
        big: 2n ** 70n,
        nan: NaN,
        error: new RangeError("far"),
      };
      const echo = new Promise<typeof rich>((
        resolve,
      ) => (port1.onmessage = (e) => resolve(e.data)));
      port1.postMessage(rich);
      const back = await echo;
      assert.deepEqual({ ...back, error: undefined }, { ...rich, error: undefined });
      assert.equal(back.error.name, "RangeError");
      assert.equal(back.error.message, "far");
      port1.close();
    }));

  test("ipcRenderer.postMessage gives ipcMain a working port in event.ports", () =>
    withAgent(t, async (agent) => {
      const [event, text] = await new Promise<[IpcMainEvent, string]>((resolve) => {
        ipcMain.once("offer", (event: IpcMainEvent, text: string) => resolve([event, text]));
        agent.call("portOffer", "offer");
      });
      assert.equal(text, "here is a port");
      assert.equal(event.ports.length, 1);
      const [port] = event.ports;
      assert.ok(port instanceof MessagePort);
      const echo = new Promise((resolve) => (port.onmessage = (e) => resolve(e.data)));
      port.postMessage("hi");
      assert.equal(await echo, "echo hi");
      port.close();
    }));

  test("1,000 messages on a port arrive in order, both ways", () =>
    withAgent(t, async (agent) => {
      const { port1, port2 } = new MessageChannelMain();
      agent.win.webContents.postMessage("port", "echo", [port2]);
      const n = 1_000;
      const got: number[] = [];
      const all = Promise.withResolvers<void>();
      port1.onmessage = (e) => {
        got.push(e.data);
        if (got.length === n) all.resolve();
      };
      for (let i = 0; i < n; i++) port1.postMessage(i);
      await all.promise;
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => i));
      port1.close();
    }));

  test("a port the renderer sends back to the host keeps working (forwarded)", () =>
    withAgent(t, async (agent) => {
      const { port1, port2 } = new MessageChannelMain();
      agent.win.webContents.postMessage("port", "hold", [port2]);
      const forwarded = new Promise<MessagePort>((resolve) =>
        ipcMain.once("forward", (event: IpcMainEvent) => resolve(event.ports[0]))
      );
      await agent.call("portForward", "forward");
      const back = await forwarded;
      const got = new Promise((resolve) => (back.onmessage = (e) => resolve(e.data)));
      port1.postMessage("round trip");
      assert.equal(await got, "round trip");
      port1.close();
      back.close();
    }));

  test("close at either end reaches the other, after the messages sent before it", () =>
    withAgent(t, async (agent) => {
      // The renderer closes its end after 5 messages.
      const offered = new Promise<MessagePort>((resolve) =>
        ipcMain.once("closing", (event: IpcMainEvent) => resolve(event.ports[0]))
      );
      await agent.call("portOfferClosing", "closing", 5);
      const port = await offered;
      const seen: unknown[] = [];
      port.addEventListener("close", () => seen.push("close"));
      port.onmessage = (e) => seen.push(e.data);
      await until(() => seen.length >= 5, "the messages");
      if (relayed) await until(() => seen.includes("close"), "the close event");
      assert.deepEqual(seen, relayed ? [0, 1, 2, 3, 4, "close"] : [0, 1, 2, 3, 4]);

      // The host closes its end: the renderer's port sees it.
      const { port1, port2 } = new MessageChannelMain();
      agent.win.webContents.postMessage("port", "echo", [port2]);
      const echoed = new Promise((resolve) => (port1.onmessage = (e) => resolve(e.data)));
      port1.postMessage("before close");
      assert.equal(await echoed, "before close");
      port1.close();
      if (relayed) {
        const closes = async () => (await agent.call<string[]>("portCloses")).length;
        const deadline = Date.now() + 5_000;
        while ((await closes()) === 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(await agent.call("portCloses"), ["echo"]);
      }

      // A port sent to a channel nobody listens to is closed at once.
      const nowhere = await agent.call("portToNowhere", "nobody-listens");
      assert.equal(nowhere, relayed ? "closed" : "open");
    }));

  test("destroying a window closes its ports; the other end sees close", async () => {
    const agent = await openAgent(t);
    const { port1, port2 } = new MessageChannelMain();
    agent.win.webContents.postMessage("port", "echo", [port2]);
    const echoed = new Promise((resolve) => (port1.onmessage = (e) => resolve(e.data)));
    port1.postMessage("alive");
    assert.equal(await echoed, "alive");
    const closed = new Promise<string>((resolve) =>
      port1.addEventListener("close", () => resolve("closed"))
    );
    agent.win.destroy();
    if (relayed) {
      assert.equal(await closed, "closed");
      assert.throws(
        () => agent.win.webContents.postMessage("port", "echo", []),
        /window \d+ is closed/,
      );
    } else port1.close();
  });
}

/** Opens one agent window of each kind named. */
async function agents(...kinds: string[]): Promise<Agent[]> {
  return await Promise.all(kinds.map((k) => openAgent(transports.find((t) => t.name === k)!)));
}

for (
  const [a, b] of [["page", "worker"], ["process", "page"], ["process", "worker"], ["page", "page"]]
) {
  Deno.test({
    name: `${a} ↔ ${b}: a port pair connects two windows of different kinds, in order`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const [pinger, echoer] = await agents(a, b);
      try {
        const { port1, port2 } = new MessageChannelMain();
        pinger.win.webContents.postMessage("port", "ping", [port1]);
        echoer.win.webContents.postMessage("port", "echo", [port2]);
        const times = await pinger.call<number[]>("portPing", 300);
        assert.equal(times.length, 300);
        // The echoer closes its end: a relayed pinger sees close.
        await echoer.call("portClose");
        if (a !== "worker" && b !== "worker") { // both relayed
          const deadline = Date.now() + 5_000;
          while (
            (await pinger.call<string[]>("portCloses")).length === 0 && Date.now() < deadline
          ) {
            await new Promise((r) => setTimeout(r, 20));
          }
          assert.deepEqual(await pinger.call("portCloses"), ["ping"]);
        }
      } finally {
        pinger.win.destroy();
        echoer.win.destroy();
      }
    },
  });
}
