/**
 * Starting windows: 100 worker windows to their first message against 100 bare workers posting
 * one message, and the memory each costs (RSS growth / 100). Every sample runs in a fresh process
 * (`_startup_child.ts`), so earlier rounds' garbage cannot hide or inflate memory.
 *
 * @module
 */
import { alternate, median, type Options, type Result, result } from "./_measure.ts";

const COUNT = 100;
const CHILD = new URL("./_startup_child.ts", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

async function sample(side: "ours" | "raw"): Promise<{ ms: number; mb: number }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, CHILD, side, String(COUNT)],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
  if (!output.success || !text.startsWith("{")) {
    throw new Error(
      `startup child (${side}) failed: ${new TextDecoder().decode(output.stderr).slice(-2000)}`,
    );
  }
  return JSON.parse(text);
}

/** `startup-100-workers`, `startup-100-workers-memory`. */
export async function* run(options: Options): AsyncGenerator<Result> {
  const memory = { ours: [] as number[], baseline: [] as number[] };
  const time = await alternate(options.rounds, {
    ours: async () => {
      const s = await sample("ours");
      memory.ours.push(s.mb);
      return s.ms;
    },
    baseline: async () => {
      const s = await sample("raw");
      memory.baseline.push(s.mb);
      return s.ms;
    },
  });
  yield result("startup-100-workers", "ms", time, 1.3, "100 bare workers, 1 message each");
  // The warm-up samples (the first of each) are kept for memory: a fresh process each time.
  const r = result("startup-100-workers-memory", "MB", memory, undefined, "per bare worker");
  yield { ...r, name: "startup-100-workers-memory", ours: median(memory.ours) };
}
