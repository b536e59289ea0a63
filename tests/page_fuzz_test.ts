/**
 * Hostile pages, property-based: generated frames (valid ones from the real encoder, then
 * truncated, bit-flipped, spliced, of the wrong kind, declaring absurd sizes, acknowledging
 * frames never sent) thrown at a page window's WebSocket, and generated sync requests (bad
 * query parameters, bad or oversized bodies, sessions the host never saw, huge declared
 * lengths) thrown at its sync endpoint. The test plays the page itself, with the window's
 * secret URL. Properties:
 *
 * - a malformed frame closes its socket with 1007/1008, after every valid frame before it was
 *   handled in order, and nothing after it is handled; a well-formed one is handled;
 * - a bad sync request is answered 4xx at once and touches no other connection (a steady page
 *   socket on the window it targets stays open and its frames keep arriving in order); a valid
 *   one is answered with the listener's value;
 * - meanwhile another page window (in Chromium) and a worker window keep echoing, nothing throws
 *   unhandled, and the host's memory does not balloon.
 *
 * `FUZZ_SEED=<n>` replays a run; a failure names its seed and its shrunk case.
 */
import assert from "node:assert/strict";
import { ipc } from "../browser/mod.ts";
import { decode, encode } from "../common/codec.ts";
import { joinFrames, pageFrame, RESERVED_DIR, WINDOW_PREFIX } from "../common/_page_wire.ts";
import { Kind, type RendererMessage } from "../common/protocol.ts";
import { type Agent, openAgent, transports } from "./_harness.ts";
import { secretUrl, type UnshownPage, unshownPage } from "./_pages.ts";
import {
  arrayOf,
  bytes,
  check,
  format,
  type Gen,
  gen,
  type Mutation,
  mutation,
  oneOf,
  type Rng,
  structuredCloneable,
  varint,
} from "./_property.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const SOCKET_CASES = 400;
const SYNC_CASES = 1_000;
/** How long a well-behaved host may take to answer one case. */
const CASE_MS = 3_000;

// ---- generators -------------------------------------------------------------------------------

const text = gen((rng) => rng.pick(["", "r-a", "é", "\ud800", "x".repeat(rng.int(0, 300))]));
const id = gen((rng) => rng.pick([0, 1, rng.int(0, 1e6), 2 ** 31, Number.MAX_SAFE_INTEGER]));
const args = arrayOf(structuredCloneable(), 4);

/**
 * A well-formed page message, of every kind but `Close` (which would end the window: not a
 * fault) and `Sync` (the sync lane's own); channels start with `r-`, where nobody listens.
 */
const message: Gen<RendererMessage> = gen((rng, size) => {
  const channel = `r-${rng.int(0, 9)}`;
  switch (rng.int(0, 7)) {
    case 0:
      return [Kind.Send, channel, args.draw(rng, size)];
    case 1:
      return [Kind.Invoke, id.draw(rng, size), channel, args.draw(rng, size)];
    case 2:
      return [Kind.Console, rng.pick(["log", "info", "warn", "error", "debug"]), text.draw(rng, 1)];
    case 3:
      return [Kind.Error, {
        name: rng.pick(["Error", "TypeError", ""]),
        message: text.draw(rng, size),
        ...(rng.bool() ? { stack: text.draw(rng, size) } : {}),
      }];
    case 4:
      return [Kind.Ready];
    case 5:
      return [Kind.Cancel, id.draw(rng, size)];
    case 6:
      return [Kind.Pull, id.draw(rng, size), rng.int(0, 1_000)];
    default:
      return [Kind.Ack, rng.int(0, 3)];
  }
});
const messages = arrayOf(message, 3);

/** Messages that break the protocol by its definition (`common/protocol.ts`), whatever the host. */
const WRONG_MESSAGES: unknown[] = [
  [Kind.Reply, 1, true, null], // host-only kinds
  [Kind.Chunk, 1, 2],
  [Kind.End, 1, true],
  [13],
  [255, "x"],
  [-1],
  ["0", "r-a", []],
  [null],
  [],
  [Kind.Send, "", []], // empty channel
  [Kind.Send, "r-a"], // no args
  [Kind.Send, 42, []],
  [Kind.Send, "r-a", "args"],
  [Kind.Invoke, -1, "r-a", []],
  [Kind.Invoke, 1.5, "r-a", []],
  [Kind.Sync, 2 ** 53, "r-a", []],
  [Kind.Console, "shout", "x"],
  [Kind.Console, "log", 42],
  [Kind.Error, null],
  [Kind.Error, { name: 1, message: "x" }],
  [Kind.Ready, "extra"],
  [Kind.Close, 1],
  [Kind.Cancel, -1],
  [Kind.Pull, 1],
  [Kind.Ack, "1"],
  "not a message",
  42,
];
/** Frames whose outer shape is wrong. */
const WRONG_FRAMES: unknown[] = [{}, [], [-1], [0.5], ["0"], [0, "messages"], [0, [], 3], null, 7];

/** Codec bytes declaring a length or count far beyond the frame (`common/_codec_tags.ts`). */
function absurd(rng: Rng): Uint8Array {
  // At least 2^14 (3 varint bytes): far more than any frame here holds, so malformed.
  const drawn = [...varint().draw(rng, 100)];
  const huge = drawn.length >= 3 ? drawn : [0xff, 0xff, 0xff, 0xff, 0x0f];
  const value = rng.pick([
    [0x10, ...huge, 0x80], // an array of 2^32-1 elements holding one
    [0x07, ...huge], // a string
    [0x12, ...huge, 0x80], // a Map
    [0x13, ...huge], // a Set
    [0x16, ...huge, 1, 2], // an ArrayBuffer
    [0x17, 1, 0, ...huge, 0x16, 0], // a view far beyond its empty buffer
    [0x06, ...huge], // a bigint
    [0x08, ...huge], // a back-reference to nothing
    [0x09, ...huge], // a run of holes outside an array
  ]);
  // [0, [[Send, "fuzz", [value]]]]: it reaches a channel somebody listens on.
  const head = [0xdc, 1, 0x10, 2, 0x80, 0x10, 1, 0x10, 3, 0x80, 0x07, 8, ...text4("fuzz")];
  if (rng.bool(0.3)) {
    // The args array itself, all holes, in a few bytes: it decodes to a huge sparse array.
    return Uint8Array.from([...head, 0x10, ...huge, 0x09, ...huge]);
  }
  return Uint8Array.from([...head, 0x10, 1, ...value]);
}
const text4 = (s: string) => [...new TextEncoder().encode(s)];

/** A frame that is bad on purpose, or a mutant that may by chance still be well formed. */
type BadFrame =
  | { kind: "mutant"; mutant: Mutation }
  | { kind: "wrong"; wrong: unknown; extras: RendererMessage[]; outer: boolean }
  | { kind: "absurd"; bytes: Uint8Array }
  | { kind: "ack"; beyond: number }
  | { kind: "text"; text: string };

const validFrame = gen((rng, size) => pageFrame(0, [[Kind.Send, "mutant", args.draw(rng, size)]]));
const badFrame: Gen<BadFrame> = oneOf<BadFrame>(
  [4, {
    draw: (rng, size) => ({ kind: "mutant", mutant: mutation(validFrame).draw(rng, size) }),
    *shrink(b) {
      if (b.kind !== "mutant") return;
      for (const m of mutation(validFrame).shrink(b.mutant)) yield { kind: "mutant", mutant: m };
    },
  }],
  [
    3,
    gen((rng, size) => ({
      kind: "wrong",
      wrong: rng.pick(rng.bool(0.8) ? WRONG_MESSAGES : WRONG_FRAMES),
      extras: messages.draw(rng, size),
      outer: false,
    })),
  ],
  // Not shrunk: fewer bytes could make a well-formed frame of it, and it is short already.
  [2, gen((rng) => ({ kind: "absurd", bytes: absurd(rng) }))],
  [1, gen((rng) => ({ kind: "ack", beyond: rng.pick([1_000_000, 2 ** 40, 2 ** 53 - 1]) }))],
  [1, gen((rng) => ({ kind: "text", text: rng.pick(["", "hello", "\u0000"]) }))],
);
/** Wrong frames keep their outer/inner flag: decided once, at draw time. */
function wrongBytes(b: Extract<BadFrame, { kind: "wrong" }>, handled: number, marker: unknown) {
  if (WRONG_FRAMES.includes(b.wrong)) return encode(b.wrong);
  return encode([handled, [...b.extras, marker, b.wrong]]);
}

/** Whether a bad frame is malformed by construction (a mutant may not be). */
const surelyBad = (b: BadFrame) => b.kind !== "mutant" || b.mutant.how === "truncate";

interface SocketCase {
  /** Valid frames (their extra messages) before the bad one; each also carries a marker. */
  before: RendererMessage[][];
  bad?: BadFrame;
  /** Valid frames sent after the bad one. */
  after: number;
}
const socketCase: Gen<SocketCase> = {
  draw: (rng, size) => ({
    before: arrayOf(messages, 48).draw(rng, size),
    bad: rng.bool(0.8) ? badFrame.draw(rng, size) : undefined,
    after: rng.int(0, 3),
  }),
  *shrink(c) {
    if (c.bad) { for (const bad of badFrame.shrink(c.bad)) yield { ...c, bad }; }
    for (const before of arrayOf(messages, 48).shrink(c.before)) yield { ...c, before };
    if (c.after) yield { ...c, after: 0 };
  },
};

type SyncCase =
  | { kind: "valid"; seq: number; frames: RendererMessage[][]; value: unknown }
  | { kind: "query"; query: string; method: string }
  | { kind: "body"; how: string; body: Uint8Array }
  | { kind: "ghost"; sent: number; body: Uint8Array }
  | { kind: "declared"; length: string };

const validSession = () => crypto.randomUUID();
const safeSeq = gen((rng) => rng.pick([0, 1, rng.int(0, 2 ** 31), Number.MAX_SAFE_INTEGER]));

/** A sync request's query with at least one parameter wrong (or the wrong method). */
const badQuery: Gen<SyncCase> = gen((rng) => {
  const values: Record<string, [good: string[], bad: (string | undefined)[]]> = {
    s: [[validSession(), "aaaaaaaa", "A-".repeat(32)], [
      undefined,
      "",
      "short",
      "x".repeat(65),
      "bad$chars!",
      "%00%00%00%00%00%00%00%00",
      "aaaaaaaa%0a",
      "ü".repeat(9),
    ]],
    q: [["0", "1", String(Number.MAX_SAFE_INTEGER)], [
      undefined,
      "abc",
      "1e400",
      "9007199254740993",
      "NaN",
      "0.5",
      "Infinity",
    ]],
    n: [["0"], [undefined, "-1", "0.5", "NaN", "1e400", "-0.1", "9007199254740993"]],
  };
  const wrongMethod = rng.bool(0.15);
  const broken = wrongMethod ? [] : [rng.pick(["s", "q", "n"])];
  if (rng.bool(0.3)) broken.push(rng.pick(["s", "q", "n"]));
  const parts: string[] = [];
  for (const [key, [good, bad]] of Object.entries(values)) {
    const value = broken.includes(key) ? rng.pick(bad) : rng.pick(good);
    if (value !== undefined) parts.push(`${key}=${value}`);
  }
  if (rng.bool(0.3)) parts.push(`${rng.pick(["x", "s[]", "__proto__"])}=${rng.int(0, 9)}`);
  if (rng.bool()) parts.reverse();
  const method = wrongMethod ? rng.pick(["GET", "PUT", "DELETE"]) : "POST";
  // A bad `n` alone is not bad when "0" is the default... it has none: Number(null) is 0, so a
  // missing `n` with good s and q is a well-formed request. Make it wrong instead.
  if (
    !wrongMethod && broken.length === 1 && broken[0] === "n" && !parts.some((p) => p[0] === "n")
  ) {
    parts.push("n=-1");
  }
  return { kind: "query", query: parts.join("&"), method };
});

/** A sync body that is malformed by construction. */
const badBody: Gen<SyncCase> = gen((rng, size) => {
  const how = rng.pick(["short", "declared", "oversized", "frame", "ack"]);
  switch (how) {
    case "short": // not even a length
      return { kind: "body", how, body: bytes(3, 1).draw(rng, size) };
    case "declared":
    case "oversized": { // a length beyond the body
      const rest = how === "oversized"
        ? new Uint8Array(rng.int(1, 4) << 18).fill(rng.int(0, 255))
        : bytes(64).draw(rng, size);
      const body = new Uint8Array(4 + rest.length);
      new DataView(body.buffer).setUint32(0, rng.int(rest.length + 1, 0xffffffff), true);
      body.set(rest, 4);
      return { kind: "body", how, body };
    }
    case "frame": { // a good frame, then one that is not
      const good = pageFrame(0, messages.draw(rng, size));
      const wrong = rng.bool()
        ? good.slice(0, rng.int(0, good.length - 1))
        : encode([0, [rng.pick(WRONG_MESSAGES)]]);
      return { kind: "body", how, body: joinFrames([good, wrong]) };
    }
    default: // acknowledges host frames this fresh session never got
      return {
        kind: "body",
        how,
        body: joinFrames([pageFrame(rng.int(1, 2 ** 40), messages.draw(rng, size))]),
      };
  }
}, function* (c) {
  if (c.kind !== "body" || c.how === "oversized") return;
  // Shrinks keep the way it is malformed: shorter bodies still start with their declared length.
  for (const body of bytes(0).shrink(c.body)) {
    if (c.how === "short" && body.length >= 1 && body.length <= 3) yield { ...c, body };
  }
});

const syncCase: Gen<SyncCase> = oneOf<SyncCase>(
  [
    8,
    gen((rng, size) => ({
      kind: "valid",
      seq: safeSeq.draw(rng, size),
      frames: arrayOf(messages, 3).draw(rng, size),
      value: structuredCloneable().draw(rng, size),
    })),
  ],
  [4, badQuery],
  [4, badBody],
  // A session the host never saw, saying it sent frames on a socket it does not have.
  [
    2,
    gen((rng, size) => ({
      kind: "ghost",
      sent: rng.pick([1, rng.int(2, 1e6), Number.MAX_SAFE_INTEGER]),
      body: rng.bool() ? new Uint8Array(0) : joinFrames([pageFrame(0, messages.draw(rng, size))]),
    })),
  ],
  [
    0.2,
    gen((rng) => ({
      kind: "declared",
      length: rng.pick(["1099511627776", "4294967296", "9007199254740993", "99999999999999999999"]),
    })),
  ],
);

// ---- the host under attack ------------------------------------------------------------------

interface Target {
  page: UnshownPage;
  /** `ws://…` / `http://…` of the window's reserved folder. */
  ws: string;
  http: string;
  port: number;
}

async function target(options = {}): Promise<Target> {
  const page = await unshownPage(new URL("./fixtures/agent.html", import.meta.url), options);
  const base = await secretUrl(page.launchUrl);
  const prefix = `${base.pathname.match(WINDOW_PREFIX)![0]}${RESERVED_DIR}/`;
  return {
    page,
    ws: `ws://${base.host}${prefix}ws`,
    http: `http://${base.host}${prefix}sync`,
    port: Number(base.port),
  };
}

/** Markers (`[lane, case, index]` on channel "fuzz") the host handled, per `lane:case`. */
const handled = new Map<string, number[]>();
const waiting = new Map<string, { index: number; resolve(): void }>();
function onFuzz(_processId: unknown, _routingId: unknown, lane: unknown, no: unknown, i: unknown) {
  const key = `${lane}:${no}`;
  if (typeof i !== "number") return;
  handled.get(key)?.push(i);
  const waiter = waiting.get(key);
  if (waiter?.index === i) waiter.resolve();
}

function timeout<T>(promise: Promise<T>, what: string, ms = CASE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Frames per kind, for the report. */
const counts: Record<string, number> = {};
const count = (what: string, n = 1) => counts[what] = (counts[what] ?? 0) + n;

const ALIVE = -1;
/** Lines the host printed while the fuzz runs. */
const printed: string[] = [];
const refusals = () => printed.filter((l) => l.includes("closing a page socket")).length;

/** Closed sockets and how many of their markers were handled at close: checked again at the end. */
const closedAt: [key: string, length: number][] = [];

/** One socket: valid frames, perhaps a bad one, more valid ones, and an end marker. */
async function socketRun(t: Target, lane: number, no: number, c: SocketCase): Promise<void> {
  const key = `${lane}:${no}`;
  const refusedBefore = refusals();
  const seen: number[] = [];
  handled.set(key, seen);
  const socket = new WebSocket(`${t.ws}?s=${validSession()}`);
  socket.binaryType = "arraybuffer";
  let hostFrames = 0;
  socket.onmessage = () => hostFrames++;
  const closed = new Promise<number>((resolve) => socket.onclose = (e) => resolve(e.code));
  await timeout(
    new Promise((resolve, reject) => {
      socket.onopen = resolve;
      closed.then((code) => reject(new Error(`closed (${code}) before it opened`)));
    }),
    "socket open",
  );
  let index = 0;
  const marker = (): RendererMessage => [Kind.Send, "fuzz", [lane, no, index++]];
  const send = (frame: Uint8Array | string) => {
    socket.send(frame);
    count("socket frames");
  };
  for (const extras of c.before) send(pageFrame(hostFrames, [...extras, marker()]));
  const badAt = index;
  if (c.bad) {
    const b = c.bad;
    count(`socket ${b.kind}${b.kind === "mutant" ? ` ${b.mutant.how}` : ""}`);
    if (b.kind === "mutant") send(b.mutant.bytes), index++;
    else if (b.kind === "wrong") send(wrongBytes(b, hostFrames, marker()));
    else if (b.kind === "absurd") send(b.bytes), index++;
    else if (b.kind === "ack") send(pageFrame(hostFrames + b.beyond, [marker()]));
    else send(b.text), index++;
  }
  for (let i = 0; i < c.after; i++) send(pageFrame(hostFrames, [marker()]));
  const end = index;
  const ended = new Promise<void>((resolve) => waiting.set(key, { index: end, resolve }));
  send(pageFrame(hostFrames, [marker()]));
  try {
    const outcome = await timeout(
      Promise.race([closed.then((code) => ({ code })), ended.then(() => ({ code: ALIVE }))]),
      `socket case ${key}`,
    );
    if (outcome.code === ALIVE) {
      assert.ok(
        !c.bad || !surelyBad(c.bad),
        `a malformed frame (${c.bad?.kind}) was taken, the socket stays open; handled ${seen}`,
      );
      const expected = Array.from({ length: end + 1 }, (_, i) => i).filter((i) =>
        !c.bad || c.bad.kind === "ack" || c.bad.kind === "wrong" || i !== badAt
      );
      assert.deepEqual(seen, expected, "valid frames not handled, or not in order");
      socket.close(1000);
      await timeout(closed, "closing");
    } else {
      assert.ok(c.bad, `the host closed a socket that sent only valid frames (${outcome.code})`);
      // The host closes with 1007; a client still sending meanwhile may see the connection
      // just drop (0/1006), so then the host's log line is the evidence.
      const logged = refusals() > refusedBefore;
      assert.ok(
        outcome.code === 1007 || outcome.code === 1008 ||
          ([0, 1006].includes(outcome.code) && logged),
        `a bad frame closed its socket with ${outcome.code}, not 1007/1008`,
      );
      assert.deepEqual(
        seen,
        Array.from({ length: badAt }, (_, i) => i),
        "the frames before the bad one were not all handled in order, or some after it were",
      );
      closedAt.push([key, badAt]);
    }
  } finally {
    waiting.delete(key);
    if (socket.readyState === WebSocket.OPEN) socket.close();
  }
}

/** One sync request. `steady` is where bad ones go; `valid` is where good ones go. */
async function syncRun(steady: Target, valid: Target, no: number, c: SyncCase): Promise<void> {
  currentSync = format(c).slice(0, 300);
  count(`sync ${c.kind}${c.kind === "body" ? ` ${c.how}` : ""}`);
  const post = async (url: string, body: Uint8Array, method = "POST") => {
    const response = await timeout(
      fetch(url, { method, body: method === "GET" ? undefined : body as Uint8Array<ArrayBuffer> }),
      `sync case ${no}`,
    );
    return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()) };
  };
  switch (c.kind) {
    case "valid": {
      const frames = c.frames.map((m) => pageFrame(0, m));
      frames.push(pageFrame(0, [[Kind.Sync, c.seq, "fuzz-sync", [no, c.value]]]));
      const answer = await post(
        `${valid.http}?s=${validSession()}&q=${c.seq}&n=0`,
        joinFrames(frames),
      );
      assert.equal(answer.status, 200, new TextDecoder().decode(answer.bytes));
      assert.deepEqual(decode(answer.bytes), [c.seq, true, [no, c.value]]);
      return;
    }
    case "query": {
      const answer = await post(`${steady.http}?${c.query}`, new Uint8Array(0), c.method);
      assert.ok(answer.status >= 400 && answer.status < 500, `answered ${answer.status}`);
      return;
    }
    case "body":
    case "ghost": {
      const sent = c.kind === "ghost" ? c.sent : 0;
      const answer = await post(`${steady.http}?s=${validSession()}&q=1&n=${sent}`, c.body);
      assert.ok(
        answer.status >= 400 && answer.status < 500,
        `answered ${answer.status}: ${new TextDecoder().decode(answer.bytes).slice(0, 80)}`,
      );
      return;
    }
    case "declared": {
      // Declares a huge body, sends two bytes and hangs up: the host must not allocate for it.
      const url = new URL(steady.http);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: steady.port });
      await conn.write(new TextEncoder().encode(
        `POST ${url.pathname}?s=${validSession()}&q=1&n=0 HTTP/1.1\r\nHost: ${url.host}\r\n` +
          `Content-Length: ${c.length}\r\n\r\n\u0000\u0001`,
      ));
      const buffer = new Uint8Array(512);
      const timer = setTimeout(() => conn.close(), 50);
      const n = await conn.read(buffer).catch(() => null);
      clearTimeout(timer);
      if (n !== null) conn.close();
      const status = Number(
        new TextDecoder().decode(buffer.subarray(0, n ?? 0)).match(/^HTTP\/1\.1 (\d+)/)?.[1] ?? 0,
      );
      assert.ok(status === 0 || (status >= 400 && status < 500), `answered ${status}`);
    }
  }
}

let currentSync = "";
let closedDuring = "";

/** A page socket on the steady window that keeps sending valid frames and checks each arrived. */
async function steadySocket(t: Target) {
  const socket = new WebSocket(`${t.ws}?s=${validSession()}`);
  socket.binaryType = "arraybuffer";
  let closedWith = 0;
  socket.onclose = (e) => {
    closedWith = e.code || -1;
    closedDuring = currentSync;
  };
  await timeout(new Promise((resolve) => socket.onopen = resolve), "steady socket");
  handled.set("steady:0", []);
  const marker = (i: number): RendererMessage => [Kind.Send, "fuzz", ["steady", 0, i]];
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.readyState === WebSocket.OPEN) socket.send(pageFrame(0, [marker(sent++)]));
  }, 10);
  return {
    async stop() {
      clearInterval(timer);
      const last = sent;
      socket.send(pageFrame(0, [marker(sent++)]));
      await timeout(
        new Promise<void>((resolve) => {
          if (handled.get("steady:0")!.includes(last)) resolve();
          waiting.set("steady:0", { index: last, resolve });
        }),
        "the steady socket's last frame",
      ).catch(() => {});
      assert.equal(
        closedWith,
        0,
        `the steady page socket was closed (${closedWith}); noticed during sync case ${closedDuring}`,
      );
      assert.deepEqual(handled.get("steady:0"), Array.from({ length: sent }, (_, i) => i));
      socket.close();
      return sent;
    },
  };
}

/** Keeps an agent echoing until `stop`; resolves with its round trips. */
function echoing(agent: Agent, name: string) {
  let stopped = false;
  const rtts: number[] = [];
  const loop = (async () => {
    while (!stopped && !agent.win.isDestroyed()) {
      const start = performance.now();
      await timeout(agent.call("send", "bystander", name, rtts.length), `${name} echo`, 5_000);
      rtts.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return rtts;
  };
}

Deno.test({
  name: `page transport fuzz: hostile frames and sync requests (seed ${SEED})`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    console.log(`page fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it)`);
    // One at a time: each captures what the host prints.
    const fuzzed = await target();
    const steady = await target({ syncTimeout: 60_000 });
    const valid = await target();
    const [pageAgent, workerAgent] = await Promise.all([
      openAgent(transports[1]),
      openAgent(transports[0]),
    ]);
    const echoes = new Map<string, number>();
    const onBystander = (_id: unknown, _r: unknown, name: string) =>
      echoes.set(name, (echoes.get(name) ?? 0) + 1);
    const onSync = (event: { returnValue: unknown }, _id: unknown, _r: unknown, ...a: unknown[]) =>
      event.returnValue = a;
    ipc.on("fuzz", onFuzz as never);
    ipc.on("bystander", onBystander as never);
    ipc.on("fuzz-sync", onSync as never);
    const originals = { log: console.log, error: console.error };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: PromiseRejectionEvent) => {
      unhandled.push(e.reason);
      e.preventDefault();
    };
    addEventListener("unhandledrejection", onUnhandled);
    try {
      const rssBefore = Deno.memoryUsage().rss;
      const stopPage = echoing(pageAgent, "page");
      const stopWorker = echoing(workerAgent, "worker");
      const steadyLane = await steadySocket(steady);
      console.log = console.error = (...a: unknown[]) => void printed.push(a.join(" "));
      const started = performance.now();
      const show = (v: unknown) => format(v);
      const lanes = { socket: 0, sync: 0 };
      const [socketCases, syncCases] = await Promise.all([
        check(socketCase, (c, run) => socketRun(fuzzed, 1, run * 1000 + attempt(), c), {
          runs: SOCKET_CASES,
          seed: SEED,
          show,
        }).finally(() => lanes.socket = performance.now() - started),
        check(syncCase, (c, run) => syncRun(steady, valid, run, c), {
          runs: SYNC_CASES,
          seed: SEED ^ 0x5eed,
          show,
          maxShrinks: 60,
        }).finally(() => lanes.sync = performance.now() - started),
      ]);
      const seconds = (performance.now() - started) / 1000;
      console.log = originals.log;
      console.error = originals.error;
      const steadyFrames = await steadyLane.stop();
      const [pageRtts, workerRtts] = await Promise.all([stopPage(), stopWorker()]);
      await new Promise((r) => setTimeout(r, 100));
      for (const [key, length] of closedAt) {
        assert.equal(
          handled.get(key)!.length,
          length,
          `case ${key}: frames after a bad one were handled`,
        );
      }
      const rssGrowth = (Deno.memoryUsage().rss - rssBefore) / 2 ** 20;
      console.log(
        `page fuzz: ${socketCases} socket cases (${counts["socket frames"]} frames), ` +
          `${syncCases} sync requests, in ${seconds.toFixed(1)} s (socket lane ` +
          `${(lanes.socket / 1000).toFixed(1)} s, sync lane ${
            (lanes.sync / 1000).toFixed(1)
          } s); steady socket ${steadyFrames} ` +
          `frames; echoes: page ${pageRtts.length} (max ${Math.max(...pageRtts).toFixed(0)} ms), ` +
          `worker ${workerRtts.length} (max ${Math.max(...workerRtts).toFixed(0)} ms); ` +
          `rss +${rssGrowth.toFixed(0)} MiB\n  ${JSON.stringify(counts)}`,
      );
      assert.ok(counts["socket frames"] >= 5_000, "too few socket frames");
      assert.ok(pageRtts.length >= 10 && workerRtts.length >= 10, "the bystanders stalled");
      assert.equal(echoes.get("page"), pageRtts.length);
      assert.equal(echoes.get("worker"), workerRtts.length);
      assert.ok(rssGrowth < 256, `the host's memory grew by ${rssGrowth.toFixed(0)} MiB`);
      assert.deepEqual(unhandled, []);
      assert.ok(printed.some((l) => l.includes("closing a page socket")));
      for (const t of [fuzzed, steady, valid]) assert.equal(t.page.win.isDestroyed(), false);
    } finally {
      console.log = originals.log;
      console.error = originals.error;
      removeEventListener("unhandledrejection", onUnhandled);
      ipc.off("fuzz", onFuzz as never);
      ipc.off("bystander", onBystander as never);
      ipc.off("fuzz-sync", onSync as never);
      for (const t of [fuzzed, steady, valid]) t.page.win.destroy();
      pageAgent.win.destroy();
      workerAgent.win.destroy();
    }
  },
});

/** Shrinking replays a run: each attempt gets its own marker key. */
let attempts = 0;
const attempt = () => attempts++ % 1000;

/** What the fuzz found, shrunk, kept as plain regression tests. */
Deno.test({
  name: "page transport: the fuzz's shrunk cases",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const t = await target({ syncTimeout: 60_000 });
    const seen: number[] = [];
    const listener = (_p: unknown, _r: unknown, i: unknown) => void seen.push(i as number);
    ipc.on("regression", listener as never);
    const original = console.error;
    console.error = () => {};
    try {
      const connected = new WebSocket(`${t.ws}?s=${validSession()}`);
      const connectedClosed = new Promise<number>((r) => connected.onclose = (e) => r(e.code));
      await timeout(new Promise((r) => connected.onopen = r), "open");
      const sync = (query: string, body = new Uint8Array(0)) =>
        timeout(fetch(`${t.http}?${query}`, { method: "POST", body }), query).then(async (r) => {
          await r.body?.cancel();
          return r.status;
        });
      // A sync request from a page load the host never saw, claiming frames on a socket: it
      // waited for the sync timeout, and replaced the connected page meanwhile.
      assert.equal(await sync(`s=${validSession()}&q=1&n=1`), 400);
      // `q` and `n` missing were read as 0: a well-formed request, waiting for nothing.
      assert.equal(await sync("s=aaaaaaaa"), 400);
      assert.equal(await sync("s=aaaaaaaa&q=&n="), 400);
      // A malformed body from a new page load replaced the connected page before it was read.
      assert.equal(await sync(`s=${validSession()}&q=1&n=0`, Uint8Array.of(1)), 400);
      const acks = joinFrames([pageFrame(1)]) as Uint8Array<ArrayBuffer>;
      assert.equal(await sync(`s=${validSession()}&q=1&n=0`, acks), 400);
      // 2^32-1 holes as a Send's arguments, in 28 bytes: the host spread them into a listener
      // call for seconds and a gigabyte.
      const holes = Uint8Array.from(
        "dc011002801001100380070866757a7a10ffffffff0f09ffffffff0f".match(/../g)!,
        (h) => parseInt(h, 16),
      );
      for (const bad of [holes, "\u0000"]) {
        const socket = new WebSocket(`${t.ws}?s=${validSession()}`);
        socket.binaryType = "arraybuffer";
        const closed = new Promise<number>((r) => socket.onclose = (e) => r(e.code));
        const started = performance.now();
        await timeout(new Promise((r) => socket.onopen = r), "open");
        socket.send(pageFrame(0, [[Kind.Send, "regression", [0]]]));
        socket.send(bad);
        // Frames already sent after a bad one were handled after it closed the socket.
        socket.send(pageFrame(0, [[Kind.Send, "regression", [2]]]));
        assert.ok([1007, 0, 1006].includes(await timeout(closed, "close")));
        assert.ok(performance.now() - started < 1_000, "the bad frame took long");
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(seen.splice(0), [0]);
      }
      // The sockets above were new page loads: they replaced the first one, and only they did.
      assert.equal(await connectedClosed, 4000);
    } finally {
      console.error = original;
      ipc.off("regression", listener as never);
      t.page.win.destroy();
    }
  },
});
