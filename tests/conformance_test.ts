/**
 * The ipc conformance suite: every behaviour of the seed's `ipc` contract, run unchanged against
 * every window kind in `_harness.ts`.
 */
import assert from "node:assert/strict";
import { BrowserWindow, ipc } from "../browser/mod.ts";
import { collect, next, openAgent, transports, until, withAgent } from "./_harness.ts";

type Timed = { ok: boolean; value: unknown; ms: number };
type ErrorShape = { name: string; message: string };

const rich = () => ({
  map: new Map<unknown, unknown>([["a", 1], [2, { b: [3] }]]),
  set: new Set([1, "two", 3n]),
  date: new Date(Date.UTC(2020, 1, 29, 12)),
  regexp: /de(no)+/gi,
  big: -(2n ** 70n),
  bytes: new Uint8Array([1, 2, 255]),
  floats: new Float64Array([0.5, -0, NaN]),
  buffer: new Uint16Array([7, 8]).buffer,
  nested: { deep: [[{ x: null, y: undefined }]] },
  text: "héllo 🌍",
});

for (const t of transports) {
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${t.name}: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

  test("send arrives on 'message' with processId, routingId and the arguments", () =>
    withAgent(t, async (agent) => {
      const got = collect("message", agent.win.id);
      await agent.call("sendLegacy", "Hello world", 42);
      await until(() => got.messages.length === 1, "the message");
      got.stop();
      assert.deepEqual(got.messages, [["Hello world", 42]]);
      const withIds = next(ipc as never, "custom");
      await agent.call("send", "custom", "x");
      assert.deepEqual(await withIds, [agent.win.id, 1, "x"]);
    }));

  test("ipc.send and sendChannel reach the renderer's listeners with the arguments only", () =>
    withAgent(t, async (agent) => {
      await agent.call("listen", "message");
      await agent.call("listen", "news");
      const heard = collect("heard", agent.win.id);
      ipc.send(agent.win.id, 1, "Hello", 1);
      ipc.sendChannel(agent.win.id, 1, "news", { a: [1, 2] });
      await until(() => heard.messages.length === 2, "both messages");
      heard.stop();
      assert.deepEqual(heard.messages, [["message", ["Hello", 1]], ["news", [{ a: [1, 2] }]]]);
    }));

  test("arguments keep structured-clone fidelity in both directions", () =>
    withAgent(t, async (agent) => {
      const value = rich();
      const up = next(ipc as never, "rich");
      await agent.call("send", "rich", value);
      assert.deepEqual((await up).slice(2), [value]);
      await agent.call("listen", "rich-down");
      const heard = collect("heard", agent.win.id);
      ipc.sendChannel(agent.win.id, 1, "rich-down", value, new TypeError("typed"));
      await until(() => heard.messages.length === 1, "the rich message");
      heard.stop();
      const [, [back, error]] = heard.messages[0] as [string, [unknown, Error]];
      assert.deepEqual(back, value);
      assert.ok(error instanceof Error);
      assert.equal(error.name, "TypeError");
      assert.equal(error.message, "typed");
    }));

  test("a sync reply keeps structured-clone fidelity", () =>
    withAgent(t, async (agent) => {
      const value = rich();
      const listener = (event: { result: unknown }) => (event.result = value);
      ipc.on("rich-sync", listener);
      try {
        const r = await agent.call<Timed>("sync", "rich-sync");
        assert.equal(r.ok, true);
        assert.deepEqual(r.value, value);
      } finally {
        ipc.off("rich-sync", listener);
      }
    }));

  test("arguments are copied when sent: later mutation does not leak", () =>
    withAgent(t, async (agent) => {
      const got = next(ipc as never, "mutated");
      await agent.call("sendMutated", "mutated");
      assert.deepEqual((await got).slice(2), [{ n: 1, list: [1] }]);
      await agent.call("listen", "mutated-down");
      const heard = collect("heard", agent.win.id);
      const value = { n: 1 };
      ipc.sendChannel(agent.win.id, 1, "mutated-down", value);
      value.n = 2;
      await until(() => heard.messages.length === 1, "the message");
      heard.stop();
      assert.deepEqual(heard.messages[0], ["mutated-down", [{ n: 1 }]]);
    }));

  test("a value that cannot be cloned throws at the sender, naming the channel", () =>
    withAgent(t, async (agent) => {
      for (const kind of ["function", "symbol", "weakmap"]) {
        for (const sync of [false, true]) {
          const e = await agent.call<ErrorShape>("sendUncloneable", kind, sync);
          assert.equal(e.name, "DataCloneError", `${kind} sync=${sync}: ${JSON.stringify(e)}`);
          assert.match(e.message, /"uncloneable"/);
        }
      }
      assert.throws(
        () => ipc.sendChannel(agent.win.id, 1, "down", { f: () => 1 }),
        (e: Error) => e.name === "DataCloneError" && /"down"/.test(e.message),
      );
      assert.throws(
        () => ipc.sendChannel(agent.win.id, 1, "down", new WeakSet()),
        (e: Error) => e.name === "DataCloneError" && /"down"/.test(e.message),
      );
      // The window still works after refusing.
      const got = next(ipc as never, "after");
      await agent.call("send", "after", 1);
      assert.deepEqual((await got).slice(2), [1]);
    }));

  test("bad channels and unknown windows are clear errors", () =>
    withAgent(t, async (agent) => {
      for (const channel of ["", 42, null]) {
        const e = await agent.call<ErrorShape>("badChannel", channel);
        assert.equal(e.name, "TypeError");
        assert.match(e.message, /channel must be a non-empty string/);
      }
      assert.throws(() => ipc.send(987654, 1, "x"), /no open window has processId 987654/);
      assert.throws(() => ipc.send(agent.win.id, 99, "x"), /no frame with routingId 99/);
      assert.throws(() => ipc.sendChannel(agent.win.id, 1, "" as string), TypeError);
    }));

  test("messages arrive in the order sent, both ways", () =>
    withAgent(t, async (agent) => {
      const n = 2_000;
      const got = collect("seq", agent.win.id);
      ipc.on("seq-sync", (event: { result: unknown }) => (event.result = got.messages.length));
      try {
        const r = await agent.call<Timed>("burst", "seq", n);
        // The sync call was handled after every send issued before it.
        assert.deepEqual(r.value, n);
        assert.deepEqual(got.messages.map((m) => m[0]), Array.from({ length: n }, (_, i) => i));
      } finally {
        got.stop();
        ipc.removeAllListeners("seq-sync");
      }
      await agent.call("listen", "down-seq");
      const heard = collect("heard", agent.win.id);
      for (let i = 0; i < n; i++) ipc.sendChannel(agent.win.id, 1, "down-seq", i);
      await until(() => heard.messages.length === n, "all messages");
      heard.stop();
      assert.deepEqual(
        heard.messages.map((m) => (m[1] as number[])[0]),
        Array.from({ length: n }, (_, i) => i),
      );
    }));

  test("sendSync uses 'sync-message' and returns event.result (or event.returnValue)", () =>
    withAgent(t, async (agent) => {
      const seen: unknown[][] = [];
      const listener = (
        event: { result: unknown },
        processId: number,
        routingId: number,
        ...args: unknown[]
      ) => {
        seen.push([processId, routingId, ...args]);
        event.result = `got ${args.join(",")}`;
      };
      ipc.on("sync-message", listener);
      ipc.on("return-value", (event: { returnValue: unknown }) => (event.returnValue = 7));
      try {
        const r = await agent.call<Timed>("syncLegacy", "a", 1);
        assert.deepEqual(r.value, "got a,1");
        assert.deepEqual(seen, [[agent.win.id, 1, "a", 1]]);
        assert.deepEqual((await agent.call<Timed>("sync", "return-value")).value, 7);
      } finally {
        ipc.off("sync-message", listener);
        ipc.removeAllListeners("return-value");
      }
    }));

  test("sendSync blocks the renderer until a later result, while the browser serves others", async () => {
    const blocked = await openAgent(t);
    const other = await openAgent(t);
    ipc.on("slow", (event: { result: unknown }) => {
      setTimeout(() => (event.result = "late"), 300);
    });
    try {
      const slow = blocked.call<Timed>("sync", "slow");
      // While the first renderer waits, the second one's messages are handled.
      for (let i = 0; i < 5; i++) {
        const got = next(ipc as never, "other");
        await other.call("send", "other", i);
        assert.deepEqual((await got).slice(2), [i]);
      }
      const r = await slow;
      assert.equal(r.value, "late");
      assert.ok(r.ms >= 250, `the renderer was blocked for ${r.ms} ms`);
    } finally {
      ipc.removeAllListeners("slow");
      blocked.win.destroy();
      other.win.destroy();
    }
  });

  test("sendSync replies of any size", () =>
    withAgent(t, async (agent) => {
      for (const size of [1_000, 100_000, 20_000_000]) {
        const bytes = new Uint8Array(size).map((_, i) => i % 251);
        ipc.once("big", (event: { result: unknown }) => (event.result = bytes));
        const r = await agent.call<Timed>("sync", "big");
        assert.equal(r.ok, true);
        assert.deepEqual(r.value, bytes);
      }
    }));

  test("sendSync with no listener fails at once, naming the channel", () =>
    withAgent(t, async (agent) => {
      const r = await agent.call<Timed>("sync", "nobody-listens");
      assert.equal(r.ok, false);
      assert.match((r.value as ErrorShape).message, /"nobody-listens"/);
      assert.match((r.value as ErrorShape).message, /no listener/);
      assert.ok(r.ms < 1_000, `failed after ${r.ms} ms`);
    }));

  test("sendSync fails with the handler's error name and message", () =>
    withAgent(t, async (agent) => {
      ipc.on("throws", () => {
        throw new RangeError("out of range here");
      });
      try {
        const r = await agent.call<Timed>("sync", "throws");
        assert.equal(r.ok, false);
        const e = r.value as ErrorShape;
        assert.equal(e.name, "RangeError");
        assert.match(e.message, /out of range here/);
        assert.match(e.message, /"throws"/);
      } finally {
        ipc.removeAllListeners("throws");
      }
    }));

  test("sendSync fails after the window's timeout when nobody answers", () =>
    withAgent(t, async (agent) => {
      ipc.on("never", () => {});
      try {
        const r = await agent.call<Timed>("sync", "never");
        assert.equal(r.ok, false);
        assert.match((r.value as ErrorShape).message, /"never"/);
        assert.match((r.value as ErrorShape).message, /within 300 ms/);
        assert.ok(r.ms >= 250 && r.ms < 2_000, `failed after ${r.ms} ms`);
      } finally {
        ipc.removeAllListeners("never");
      }
    }, { syncTimeout: 300 }));

  test("a sync result that cannot be cloned fails the call, naming the channel", () =>
    withAgent(t, async (agent) => {
      ipc.once("bad-result", (event: { result: unknown }) => (event.result = () => 1));
      const r = await agent.call<Timed>("sync", "bad-result");
      assert.equal(r.ok, false);
      assert.equal((r.value as ErrorShape).name, "DataCloneError");
      assert.match((r.value as ErrorShape).message, /"bad-result"/);
    }));

  test("messages sent before the renderer has loaded are delivered once it has", async () => {
    const win = new BrowserWindow(t.options);
    try {
      ipc.sendChannel(win.id, 1, "early", "before load");
      const loading = win.loadFile(t.file("agent"));
      ipc.sendChannel(win.id, 1, "early", "while loading", new Map([[1, 2]]));
      await loading;
      const agent = new (await import("./_harness.ts")).Agent(win);
      assert.deepEqual(await agent.call("early"), [["before load"], [
        "while loading",
        new Map([[1, 2]]),
      ]]);
    } finally {
      win.destroy();
    }
  });

  test("renderer listeners: once, off and removeAllListeners", () =>
    withAgent(t, async (agent) => {
      await agent.call("listen", "once", true);
      await agent.call("listen", "many");
      const heard = collect("heard", agent.win.id);
      ipc.sendChannel(agent.win.id, 1, "once", 1);
      ipc.sendChannel(agent.win.id, 1, "once", 2);
      ipc.sendChannel(agent.win.id, 1, "many", 1);
      await agent.call("unlisten", "many");
      ipc.sendChannel(agent.win.id, 1, "many", 2);
      await agent.call("early"); // a round trip: everything before it has been handled
      heard.stop();
      assert.deepEqual(heard.messages, [["once", [1]], ["many", [1]]]);
    }));

  test("a browser listener that throws is reported and the host goes on", () =>
    withAgent(t, async (agent) => {
      const errors: unknown[][] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => errors.push(args);
      ipc.on("faulty", () => {
        throw new Error("listener bug");
      });
      try {
        const got = next(ipc as never, "fine");
        await agent.call("send", "faulty", 1);
        await agent.call("send", "fine", 2);
        assert.deepEqual((await got).slice(2), [2]);
        assert.match(String(errors[0]), /"faulty"/);
      } finally {
        console.error = original;
        ipc.removeAllListeners("faulty");
      }
    }));

  test("renderer console output and uncaught errors reach the browser, marked with the window", () =>
    withAgent(t, async (agent) => {
      const lines: string[] = [];
      const { log, error } = console;
      console.log = (line: string) => lines.push(line);
      console.error = (line: string) => lines.push(line);
      try {
        const message = next(agent.win, "console-message");
        await agent.call("console", "log", "hello", { n: 1 });
        assert.deepEqual(await message, ["log", "hello { n: 1 }"]);
        const uncaught = next(agent.win, "uncaught-error");
        agent.call("throw", "renderer bug"); // never answers: the renderer's listener throws
        const [error] = (await uncaught) as [Error];
        assert.equal(error.name, "TypeError");
        assert.match(error.message, /renderer bug/);
        const rejection = next(agent.win, "uncaught-error");
        await agent.call("reject", "async bug");
        assert.match(((await rejection)[0] as Error).message, /async bug/);
        // The renderer keeps running after an uncaught error, as a page does.
        assert.deepEqual(await agent.call("early"), []);
      } finally {
        Object.assign(console, { log, error });
      }
      assert.ok(
        lines.some((l) => l === `[window ${agent.win.id}] hello { n: 1 }`),
        lines.join("\n"),
      );
      assert.ok(
        lines.some((l) =>
          l.startsWith(`[window ${agent.win.id}] Uncaught TypeError: renderer bug`)
        ),
      );
    }));

  test("close() in the renderer closes its window", async () => {
    const agent = await openAgent(t);
    const closed = next(agent.win, "closed");
    agent.call("close");
    await closed;
    assert.equal(agent.win.isDestroyed(), true);
    assert.equal(BrowserWindow.fromId(agent.win.id), null);
    assert.throws(() => ipc.send(agent.win.id, 1, "x"), /no open window/);
  });
}
