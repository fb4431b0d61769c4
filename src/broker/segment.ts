/**
 * A rollout segment as one compact binary stream entry: what an actor collected (the rollout buffer's arrays:
 * features, condition and action masks, actions, behaviour log-probs, values, α, opinion, rewards,
 * terminations), the advantages and returns it computed from its own values, and who made it — run, config and
 * graph hashes, actor, policy version and the game seeds played — so that every step is attributable.
 *
 * Layout (little-endian): "TEDGSEG1" | u32 header bytes | header JSON (UTF-8) | zero padding to 4 bytes |
 * each array of `header.arrays` in order (raw bytes, each padded to 4). Decoding checks every size and type
 * and throws a SegmentError naming what is wrong; it never trusts a length it has not checked.
 */
import { TedgError } from "../util/index.js";

export const SEGMENT_MAGIC = "TEDGSEG1";
/** Largest header accepted (bytes): episode records of a few hundred episodes fit in a fraction of it. */
export const MAX_HEADER_BYTES = 4 << 20;

export class SegmentError extends TedgError {}

type Dtype = "f32" | "i32" | "u8";
type TypedArray = Float32Array | Int32Array | Uint8Array;

export interface SegmentMeta {
  run: string;
  configHash: string;
  graphHash: string;
  actor: string;
  /** Policy version (updates done) the segment acted with. */
  version: number;
  /** Game seeds played (episodes started) in the segment. */
  seeds: number[];
  /** Finished episodes (score, length, …), as the actor recorded them. */
  episodes: Record<string, unknown>[];
  /** The rollout's shape and steps written (RolloutData.shape / .t). */
  shape: Record<string, number | boolean>;
  t: number;
  /** ḡ of the segment (UpdateJob.prior). */
  prior: number[] | null;
  /** The actor's count of segments before this one (0, 1, 2, …): a redelivered or resent entry repeats one. */
  seq?: number;
  /** The actor's reward scale (RewardScaler.std) at the segment's end. */
  rewardStd?: number;
}

export interface Segment {
  meta: SegmentMeta;
  arrays: Record<string, TypedArray>;
}

const DTYPES: Record<
  Dtype,
  { ctor: new (b: ArrayBuffer, o: number, n: number) => TypedArray; bytes: number }
> = {
  f32: { ctor: Float32Array, bytes: 4 },
  i32: { ctor: Int32Array, bytes: 4 },
  u8: { ctor: Uint8Array, bytes: 1 },
};

function dtypeOf(a: TypedArray): Dtype {
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Int32Array) return "i32";
  if (a instanceof Uint8Array) return "u8";
  throw new SegmentError(`unsupported array type ${(a as object).constructor.name}`);
}

const pad4 = (n: number) => (n + 3) & ~3;

export function encodeSegment(seg: Segment): Buffer {
  const list = Object.entries(seg.arrays).map(([name, a]) => ({ name, dtype: dtypeOf(a), length: a.length }));
  const header = Buffer.from(JSON.stringify({ ...seg.meta, arrays: list }), "utf8");
  let size = 8 + 4 + pad4(header.length);
  for (const [, a] of Object.entries(seg.arrays)) size += pad4(a.byteLength);
  const out = Buffer.alloc(size);
  out.write(SEGMENT_MAGIC, 0, "latin1");
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  let o = 12 + pad4(header.length);
  for (const [, a] of Object.entries(seg.arrays)) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, o);
    o += pad4(a.byteLength);
  }
  return out;
}

export function decodeSegment(buf: Buffer): Segment {
  if (buf.length < 12 || buf.toString("latin1", 0, 8) !== SEGMENT_MAGIC)
    throw new SegmentError(`not a tedg segment (no "${SEGMENT_MAGIC}" magic)`);
  const hlen = buf.readUInt32LE(8);
  if (hlen > MAX_HEADER_BYTES || 12 + hlen > buf.length)
    throw new SegmentError(`header length ${hlen} exceeds the entry (${buf.length} bytes)`);
  let header: SegmentMeta & { arrays: { name: string; dtype: Dtype; length: number }[] };
  try {
    header = JSON.parse(buf.toString("utf8", 12, 12 + hlen));
  } catch (e) {
    throw new SegmentError(`header is not valid JSON (${(e as Error).message})`);
  }
  for (const k of ["run", "configHash", "graphHash", "actor"] as const)
    if (typeof header?.[k] !== "string") throw new SegmentError(`header.${k} is not a string`);
  if (!Number.isInteger(header.version) || header.version < 0)
    throw new SegmentError(`header.version ${JSON.stringify(header.version)} is not an update count`);
  if (!Array.isArray(header.arrays) || !Array.isArray(header.seeds) || !Array.isArray(header.episodes))
    throw new SegmentError("header lacks arrays, seeds or episodes");
  // Copy the data into aligned buffers: a Buffer's offset into its pool need not be a multiple of 4.
  const arrays: Record<string, TypedArray> = {};
  let o = 12 + pad4(hlen);
  for (const a of header.arrays) {
    const d = DTYPES[a?.dtype];
    if (!d || typeof a.name !== "string" || !Number.isInteger(a.length) || a.length < 0)
      throw new SegmentError(`bad array entry ${JSON.stringify(a)}`);
    const bytes = a.length * d.bytes;
    if (o + bytes > buf.length)
      throw new SegmentError(`array ${a.name} (${bytes} bytes) runs past the end of the entry`);
    const copy = new ArrayBuffer(bytes);
    new Uint8Array(copy).set(buf.subarray(o, o + bytes));
    arrays[a.name] = new d.ctor(copy, 0, a.length);
    o += pad4(bytes);
  }
  if (o !== buf.length) throw new SegmentError(`${buf.length - o} unexpected bytes after the last array`);
  const { arrays: _list, ...meta } = header;
  return { meta, arrays };
}
