/**
 * Properties of the process windows' byte-stream framing: any stream of frames, cut anywhere,
 * reads back the same frames in order; and a stream of garbage (a renderer is untrusted) gives
 * only frames of the length their header declares, or a `RangeError`, never anything else.
 */
import assert from "node:assert/strict";
import { arrayOf, bytes, check, gen, integer, type Rng } from "../tests/_property.ts";
import { frame, FrameReader, FrameWriter, HEADER_BYTES } from "./_frames.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261126);

type Frame = { type: number; payload: Uint8Array };
const big = (rng: Rng) => {
  const payload = new Uint8Array(rng.int(1 << 20, 3 << 20));
  const seed = rng.int(0, 255);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + seed) & 255;
  return payload;
};
const frames = arrayOf(
  gen<Frame>((rng: Rng, size) => ({
    type: rng.int(0, 255),
    // Now and then one bigger than a pipe's chunk, gathered across chunks, and now and then
    // one past the reader's first buffer for a split payload (1 MiB), which must grow.
    payload: rng.bool(0.03) ? big(rng) : bytes(rng.bool(0.1) ? 200_000 : 300).draw(rng, size),
  })),
  40,
);

/** Fails saying where two frame lists first differ (not a diff of megabytes of payload). */
function assertSameFrames(actual: Frame[], expected: Frame[]): void {
  assert.equal(actual.length, expected.length, "how many frames");
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i], expected[i]];
    assert.equal(a.type, e.type, `frame ${i}'s type`);
    assert.equal(a.payload.length, e.payload.length, `frame ${i}'s length`);
    const at = a.payload.findIndex((b, k) => b !== e.payload[k]);
    assert.equal(at, -1, `frame ${i} differs from byte ${at}`);
  }
}

/** Cuts `stream` at `cuts` (positions taken modulo its length), in order. */
function cut(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => stream.length ? c % stream.length : 0))].sort((a, b) =>
    a - b
  );
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const c of at) {
    chunks.push(stream.subarray(from, c));
    from = c;
  }
  chunks.push(stream.subarray(from));
  return chunks;
}

Deno.test("frames read back the same, however the stream is cut", async () => {
  const cases = gen(
    (rng, size) => ({
      frames: frames.draw(rng, size),
      cuts: arrayOf(integer(0, 1 << 24), 64).draw(rng, size),
    }),
    function* (c) {
      for (const f of frames.shrink(c.frames)) yield { ...c, frames: f };
      if (c.cuts.length) yield { ...c, cuts: c.cuts.slice(1) };
    },
  );
  await check(cases, ({ frames, cuts }) => {
    const writer = new FrameWriter();
    for (const f of frames) writer.add(f.type, f.payload);
    const stream = writer.take().slice();
    const read: Frame[] = [];
    const reader = new FrameReader();
    for (const chunk of cut(stream, cuts)) {
      // A payload view is only valid during the call: copy it.
      reader.push(chunk, (type, payload) => read.push({ type, payload: payload.slice() }));
    }
    assertSameFrames(read, frames);
  }, {
    runs: 200,
    seed: SEED,
    show: (c) => {
      const { frames, cuts } = c as { frames: Frame[]; cuts: number[] };
      return `${frames.length} frames (${frames.map((f) => f.payload.length)} bytes), cuts ${cuts}`;
    },
  });
});

/** What the stream says, read the plain way: its frames, then whether it ends over the limit. */
function model(stream: Uint8Array, max: number): { frames: Frame[]; over: boolean } {
  const frames: Frame[] = [];
  for (let i = 0; i + HEADER_BYTES <= stream.length;) {
    const length = new DataView(stream.buffer, stream.byteOffset + i).getUint32(0, true);
    if (length > max) return { frames, over: true };
    if (i + HEADER_BYTES + length > stream.length) break;
    frames.push({ type: stream[i + 4], payload: stream.slice(i + 5, i + 5 + length) });
    i += HEADER_BYTES + length;
  }
  return { frames, over: false };
}

Deno.test("garbage reads as its headers say: their frames, then a RangeError past the limit", async () => {
  const max = 4096;
  // Small lengths are likelier than in uniform garbage: a few whole frames, then junk.
  const chunks = arrayOf(bytes(700), 12);
  await check(chunks, (chunks) => {
    const stream = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) stream.set(c, (at += c.length) - c.length);
    // Headers of modest lengths, some within the limit and some just past it.
    if (stream.length >= 4) stream[2] = stream[3] = 0;
    for (let i = 0; i + 4 <= stream.length; i += 97) stream[i + 1] &= 31;
    const expected = model(stream, max);
    const read: Frame[] = [];
    let threw: unknown;
    try {
      const reader = new FrameReader(max);
      let from = 0;
      for (const c of chunks) {
        const chunk = stream.subarray(from, from += c.length);
        reader.push(chunk, (type, payload) => read.push({ type, payload: payload.slice() }));
      }
    } catch (error) {
      threw = error;
    }
    assertSameFrames(read, expected.frames);
    if (expected.over) {
      assert.ok(threw instanceof RangeError, `expected a RangeError, got ${threw}`);
      assert.match(threw.message, /malformed stream: a \d+-byte frame is over the limit/);
    } else assert.equal(threw, undefined);
  }, { runs: 500, seed: SEED });
});

Deno.test("a header declaring a huge payload costs nothing until its bytes come", () => {
  const reader = new FrameReader();
  const header = frame(1).slice(0, HEADER_BYTES);
  new DataView(header.buffer).setUint32(0, 2 ** 31 - 1, true);
  const before = Deno.memoryUsage().external;
  for (let i = 0; i < 64; i++) {
    const r = new FrameReader();
    r.push(header, () => assert.fail("no frame yet"));
    r.push(new Uint8Array(1000), () => assert.fail("no frame yet"));
  }
  reader.push(header, () => {});
  // 65 readers waiting for 2 GiB each: about a MiB each, not 2 GiB.
  assert.ok(Deno.memoryUsage().external - before < 256 << 20);
});
