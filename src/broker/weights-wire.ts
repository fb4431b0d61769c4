/**
 * Policy weights as one broker value: "TEDGWTS1" | u32 header bytes | header JSON (version, the learner's
 * episode count, each tensor's name and shape) | zero padding to 4 bytes | the float32 values in header order
 * (little-endian). Decoding checks every size and throws a SegmentError naming the problem.
 */
import type { NamedArray } from "../model/index.js";
import { SegmentError } from "./segment.js";

export const WEIGHTS_MAGIC = "TEDGWTS1";

export interface WireWeights {
  /** Updates done when the weights were published (the policy version). */
  version: number;
  /** Episodes the learner had counted then (actors pick the curriculum phase from it). */
  episode: number;
  weights: Map<string, NamedArray>;
}

const pad4 = (n: number) => (n + 3) & ~3;

export function encodeWeights(w: WireWeights): Buffer {
  const tensors = [...w.weights].map(([name, a]) => ({ name, shape: [...a.shape], length: a.values.length }));
  const header = Buffer.from(JSON.stringify({ version: w.version, episode: w.episode, tensors }), "utf8");
  let size = 12 + pad4(header.length);
  for (const t of tensors) size += 4 * t.length;
  const out = Buffer.alloc(size);
  out.write(WEIGHTS_MAGIC, 0, "latin1");
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  let o = 12 + pad4(header.length);
  for (const [, a] of w.weights) {
    const f = Float32Array.from(a.values);
    Buffer.from(f.buffer, f.byteOffset, f.byteLength).copy(out, o);
    o += f.byteLength;
  }
  return out;
}

export function decodeWeights(buf: Buffer): WireWeights {
  if (buf.length < 12 || buf.toString("latin1", 0, 8) !== WEIGHTS_MAGIC)
    throw new SegmentError(`not tedg weights (no "${WEIGHTS_MAGIC}" magic)`);
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw new SegmentError(`weights header length ${hlen} exceeds the value`);
  let h: { version: number; episode: number; tensors: { name: string; shape: number[]; length: number }[] };
  try {
    h = JSON.parse(buf.toString("utf8", 12, 12 + hlen));
  } catch (e) {
    throw new SegmentError(`weights header is not valid JSON (${(e as Error).message})`);
  }
  if (!Number.isInteger(h?.version) || !Number.isInteger(h.episode) || !Array.isArray(h.tensors))
    throw new SegmentError("weights header lacks version, episode or tensors");
  const weights = new Map<string, NamedArray>();
  let o = 12 + pad4(hlen);
  for (const t of h.tensors) {
    if (typeof t?.name !== "string" || !Number.isInteger(t.length) || t.length < 0 || !Array.isArray(t.shape))
      throw new SegmentError(`bad weights entry ${JSON.stringify(t)}`);
    if (o + 4 * t.length > buf.length) throw new SegmentError(`weights ${t.name} run past the end`);
    const values = new Float32Array(t.length);
    new Uint8Array(values.buffer).set(buf.subarray(o, o + 4 * t.length));
    weights.set(t.name, { shape: t.shape, values });
    o += 4 * t.length;
  }
  if (o !== buf.length) throw new SegmentError(`${buf.length - o} unexpected bytes after the weights`);
  return { version: h.version, episode: h.episode, weights };
}
