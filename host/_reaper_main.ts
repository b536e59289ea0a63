/**
 * The reaper: a small process a host starts with its first process window. The host tells it,
 * on its stdin, which renderer processes it runs (`+<pid>` / `-<pid>` lines). When its stdin
 * ends, the host is gone, whatever ended it (even SIGKILL): it kills every renderer still listed
 * whose command line carries the host's token (so a reused pid is never hit), then exits.
 *
 * A renderer ends by itself when its host goes away, unless its main thread never yields (an
 * endless loop, a long computation): nothing inside it can act then, so this process does.
 *
 * @module
 */

const token = Deno.args[0];
const live = new Set<number>();
const decoder = new TextDecoder();
let pending = "";
try {
  for await (const chunk of Deno.stdin.readable) {
    const lines = (pending + decoder.decode(chunk, { stream: true })).split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const pid = Number(line.slice(1));
      if (!Number.isSafeInteger(pid) || pid <= 0) continue;
      if (line[0] === "+") live.add(pid);
      else live.delete(pid);
    }
  }
} catch { /* the pipe broke: the host is gone all the same */ }
for (const pid of live) {
  try {
    if (!isOurs(pid)) continue;
    Deno.kill(pid, "SIGKILL");
  } catch { /* already gone */ }
}

/** Whether `pid` still runs one of this host's renderers (its command line has the token). */
function isOurs(pid: number): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes(token);
  } catch (error) {
    // Not allowed to look (a host without every permission): trust the host's list.
    return error instanceof Deno.errors.NotCapable;
  }
}
Deno.exit(0);
