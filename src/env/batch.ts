/** Batched observations for N envs in shared memory (one SharedArrayBuffer per field), plus per-env views. */
import { COLS, INV_SLOTS, INV_STR_LEN, MSG_LEN, ROWS, type Observation } from "./observation.js";

const MAP = ROWS * COLS;

export interface BatchObs {
  n: number;
  glyphs: Int16Array;
  chars: Uint8Array;
  colors: Uint8Array;
  specials: Uint8Array;
  blstats: Int32Array;
  message: Uint8Array;
  inv_glyphs: Int16Array;
  inv_letters: Uint8Array;
  inv_oclasses: Uint8Array;
  inv_strs: Uint8Array;
}

type Ctor = Int16ArrayConstructor | Uint8ArrayConstructor | Int32ArrayConstructor;
export const FIELDS: Array<[keyof Omit<BatchObs, "n">, Ctor, number]> = [
  ["glyphs", Int16Array, MAP],
  ["chars", Uint8Array, MAP],
  ["colors", Uint8Array, MAP],
  ["specials", Uint8Array, MAP],
  ["blstats", Int32Array, 27],
  ["message", Uint8Array, MSG_LEN],
  ["inv_glyphs", Int16Array, INV_SLOTS],
  ["inv_letters", Uint8Array, INV_SLOTS],
  ["inv_oclasses", Uint8Array, INV_SLOTS],
  ["inv_strs", Uint8Array, INV_SLOTS * INV_STR_LEN],
];

export type BatchBuffers = Record<string, SharedArrayBuffer>;

export function allocBatchBuffers(n: number): BatchBuffers {
  const out: BatchBuffers = {};
  for (const [name, C, per] of FIELDS) out[name] = new SharedArrayBuffer(C.BYTES_PER_ELEMENT * per * n);
  return out;
}

export function batchFromBuffers(n: number, bufs: BatchBuffers): BatchObs {
  const b = { n } as BatchObs;
  for (const [name, C] of FIELDS)
    (b as unknown as Record<string, unknown>)[name] = new (C as Uint8ArrayConstructor)(bufs[name]);
  return b;
}

/** Views of env i's slice of a batch, shaped like a single Observation. */
export function obsAt(batch: BatchObs, i: number): Observation {
  const o = {} as Record<string, unknown>;
  for (const [name, , per] of FIELDS) o[name] = (batch[name] as Int16Array).subarray(i * per, (i + 1) * per);
  return o as unknown as Observation;
}

/** Copies a single observation into slot i of a batch. */
export function copyObsInto(batch: BatchObs, i: number, obs: Observation): void {
  for (const [name, , per] of FIELDS) (batch[name] as Int16Array).set(obs[name] as Int16Array, i * per);
}

/** Deep copy of an observation (for keeping a final observation or a replay frame). */
export function cloneObs(obs: Observation): Observation {
  const o = {} as Record<string, unknown>;
  for (const [name] of FIELDS) o[name] = (obs[name] as Int16Array).slice();
  return o as unknown as Observation;
}
