/**
 * A small PNG reader for tests: header, and pixels of 8-bit, non-interlaced
 * grey/RGB/grey+alpha/RGBA images (what Chromium's screenshots are).
 *
 * @module
 */

/** A decoded PNG. */
export interface Png {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The pixel at (x, y) as [r, g, b, a], 0–255. */
  pixel(x: number, y: number): [number, number, number, number];
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Reads the signature and IHDR only (no inflating).
 *
 * @example
 * ```ts
 * const { width, height } = pngSize(await win.capture());
 * ```
 */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw new Error("not a PNG: bad signature");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
    throw new Error("not a PNG: IHDR is not the first chunk");
  }
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decodes a PNG (8-bit, non-interlaced, colour types 0/2/4/6).
 *
 * @example
 * ```ts
 * const png = await decodePng(await win.capture());
 * const [r, g, b] = png.pixel(10, 10);
 * ```
 */
export async function decodePng(bytes: Uint8Array): Promise<Png> {
  const { width, height } = pngSize(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [depth, colour, , , interlace] = bytes.subarray(24, 29);
  const channels = CHANNELS[colour];
  if (depth !== 8 || !channels || interlace !== 0) {
    throw new Error(
      `unsupported PNG: depth ${depth}, colour ${colour}, interlace ${interlace}`,
    );
  }
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "IDAT") idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === "IEND") break;
    at += 12 + length;
  }
  const zlib = new Blob(idat as BlobPart[]).stream()
    .pipeThrough(new DecompressionStream("deflate"));
  const raw = new Uint8Array(await new Response(zlib).arrayBuffer());
  // Undo the per-scanline filters in place (each line: filter byte + data).
  const stride = width * channels;
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[y * stride + i - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + i] = (line[i] + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel(x, y) {
      const at = (y * width + x) * channels;
      const v = out.subarray(at, at + channels);
      if (channels === 1) return [v[0], v[0], v[0], 255];
      if (channels === 2) return [v[0], v[0], v[0], v[1]];
      return [v[0], v[1], v[2], channels === 4 ? v[3] : 255];
    },
  };
}
