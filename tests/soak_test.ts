/**
 * Soak: 1,000,000 messages across 8 windows of every kind at once, each window's stream
 * arriving complete and in order (checked with sequence numbers), with nothing lost.
 */
import assert from "node:assert/strict";
import { ipc } from "../browser/mod.ts";
import { type Agent, openAgent, transports } from "./_harness.ts";

const WINDOWS = 8;
const TOTAL = 1_000_000;
const PER_WINDOW = TOTAL / WINDOWS;
const BURST = 5_000; // per agent call, so no single tick holds a window's whole stream

Deno.test({
  name: `soak: ${
    TOTAL.toLocaleString("en")
  } messages across ${WINDOWS} windows of every kind, complete and in order`,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const agents: Agent[] = [];
    try {
      for (let i = 0; i < WINDOWS; i++) {
        agents.push(await openAgent(transports[i % transports.length]));
      }
      const expected = new Map(agents.map((a) => [a.win.id, 0]));
      const disorder: string[] = [];
      ipc.on("soak", (processId: number, _routingId: number, seq: number) => {
        const want = expected.get(processId)!;
        if (seq !== want && disorder.length < 5) {
          disorder.push(`window ${processId}: got ${seq}, expected ${want}`);
        }
        expected.set(processId, seq + 1);
      });
      await Promise.all(agents.map(async (agent) => {
        for (let from = 0; from < PER_WINDOW; from += BURST) {
          const r = await agent.call<{ sent: number; error?: unknown }>(
            "sendFrom",
            "soak",
            from,
            BURST,
          );
          assert.equal(r.sent, BURST, JSON.stringify(r.error));
        }
        // A round trip after the last burst: everything before it has been handled.
        await agent.call("early");
      }));
      assert.deepEqual(disorder, []);
      for (const agent of agents) {
        assert.equal(expected.get(agent.win.id), PER_WINDOW, `window ${agent.win.id}`);
      }
      const kinds = new Set(agents.map((_, i) => transports[i % transports.length].name));
      assert.equal(kinds.size, transports.length);
    } finally {
      ipc.removeAllListeners("soak");
      for (const agent of agents) agent.win.destroy();
    }
  },
});
