/**
 * Pure-JS featuriser: observation → compact per-step features the trainer stores in its rollout buffer and
 * the policy consumes both when acting and when updating (so there is no act/update mismatch).
 *  - blstats: 27 scaled floats
 *  - crop:    glyph ids of the S×S window centred on the hero (default 11×11; out of map = CROP_PAD)
 *  - inv:     per object class (0..17), log1p(count)/2 of inventory slots of that class
 */
import { BL, BLSTATS_SIZE, type Observation, COLS, INV_SLOTS, ROWS } from "../env/index.js";
import * as G from "../nethack/index.js";
import { InvalidArgumentError } from "../util/index.js";

export const NUM_OCLASSES = 18;
/** Glyph id used for crop cells outside the map. */
export const CROP_PAD = G.MAX_GLYPH;
/** Default crop side (the policy config's visual.cropSize default); see docs/model.md for the sizing. */
export const DEFAULT_CROP_SIZE = 11;

export interface Features {
  B: number;
  cropSize: number;
  blstats: Float32Array;
  crop: Int32Array;
  inv: Float32Array;
}

/** Names of the coarse glyph classes; a glyph's class is computed from the glyph layout of this build. */
export const GLYPH_CLASSES = [
  "pad",
  "unexplored",
  "stone",
  "monster",
  "pet",
  "invisible",
  "detected",
  "body",
  "ridden",
  "object",
  "statue",
  "wall",
  "doorway",
  "open_door",
  "closed_door",
  "bars",
  "tree",
  "floor",
  "corridor",
  "up",
  "down",
  "altar",
  "grave",
  "throne",
  "sink",
  "fountain",
  "water",
  "ice",
  "lava",
  "drawbridge",
  "air_cloud",
  "trap",
  "effect",
  "swallow",
  "warning",
] as const;
export type GlyphClass = (typeof GLYPH_CLASSES)[number];

function cmapClass(s: number): GlyphClass {
  if (s === G.S.stone) return "stone";
  if (s <= G.S.trwall) return "wall";
  if (s === G.S.ndoor) return "doorway";
  if (s === G.S.vodoor || s === G.S.hodoor) return "open_door";
  if (s === G.S.vcdoor || s === G.S.hcdoor) return "closed_door";
  if (s === G.S.bars) return "bars";
  if (s === G.S.tree) return "tree";
  if (s === G.S.room || s === G.S.darkroom) return "floor";
  if (s === G.S.corr || s === G.S.litcorr) return "corridor";
  if (s === G.S.upstair || s === G.S.upladder) return "up";
  if (s === G.S.dnstair || s === G.S.dnladder) return "down";
  if (s === G.S.altar) return "altar";
  if (s === G.S.grave) return "grave";
  if (s === G.S.throne) return "throne";
  if (s === G.S.sink) return "sink";
  if (s === G.S.fountain) return "fountain";
  if (s === G.S.pool || s === G.S.water) return "water";
  if (s === G.S.ice) return "ice";
  if (s === G.S.lava) return "lava";
  if (s >= G.S.vodbridge && s <= G.S.hcdbridge) return "drawbridge";
  if (s === G.S.air || s === G.S.cloud) return "air_cloud";
  if (s >= G.S_FIRST_TRAP && s <= G.S_LAST_TRAP) return "trap";
  if (s >= G.S.sw_tl) return "swallow";
  return "effect";
}

export function glyphClass(g: number): GlyphClass {
  if (g === CROP_PAD) return "pad";
  switch (G.glyphKind(g)) {
    case "monster":
      return "monster";
    case "pet":
      return "pet";
    case "invisible":
      return "invisible";
    case "detected":
      return "detected";
    case "body":
      return "body";
    case "ridden":
      return "ridden";
    case "object":
      return "object";
    case "cmap":
      return cmapClass(G.glyphToCmap(g));
    case "explode":
    case "zap":
      return "effect";
    case "swallow":
      return "swallow";
    case "warning":
      return "warning";
    case "statue":
      return "statue";
    default:
      return "unexplored";
  }
}

/** Class index per glyph id 0..MAX_GLYPH (the last entry is the pad). */
export const GLYPH_CLASS_TABLE: Int32Array = (() => {
  const t = new Int32Array(G.MAX_GLYPH + 1);
  for (let g = 0; g <= G.MAX_GLYPH; g++) t[g] = GLYPH_CLASSES.indexOf(glyphClass(g));
  return t;
})();

/** Hashed fine glyph id in [0, buckets): keeps monster/object identity at a fixed embedding cost. */
export function glyphHash(g: number, buckets: number): number {
  return (Math.imul(g + 1, 0x9e3779b1) >>> 0) % buckets;
}

const log1p = Math.log1p;

/** The 27 blstats as scaled floats, written to out[off..off+27). */
export function normaliseBlstats(bl: Int32Array, out: Float32Array, off: number): void {
  const hpmax = Math.max(bl[BL.HPMAX], 1);
  const enemax = Math.max(bl[BL.ENEMAX], 1);
  let cond = bl[BL.CONDITION] >>> 0;
  let bits = 0;
  while (cond) {
    bits += cond & 1;
    cond >>>= 1;
  }
  const v = [
    bl[BL.X] / COLS,
    bl[BL.Y] / ROWS,
    bl[BL.STR25] / 25,
    bl[BL.STR125] / 125,
    bl[BL.DEX] / 25,
    bl[BL.CON] / 25,
    bl[BL.INT] / 25,
    bl[BL.WIS] / 25,
    bl[BL.CHA] / 25,
    log1p(Math.max(bl[BL.SCORE], 0)) / 10,
    bl[BL.HP] / hpmax,
    log1p(Math.max(bl[BL.HPMAX], 0)) / 6,
    bl[BL.DEPTH] / 50,
    log1p(Math.max(bl[BL.GOLD], 0)) / 10,
    bl[BL.ENE] / enemax,
    log1p(Math.max(bl[BL.ENEMAX], 0)) / 6,
    (10 - bl[BL.AC]) / 20,
    bl[BL.HD] / 30,
    bl[BL.XP] / 30,
    log1p(Math.max(bl[BL.EXP], 0)) / 12,
    log1p(Math.max(bl[BL.TIME], 0)) / 12,
    bl[BL.HUNGER] / 6,
    bl[BL.CAP] / 5,
    bl[BL.DNUM] / 10,
    bl[BL.DLEVEL] / 50,
    bits / 4,
    bl[BL.ALIGN],
  ];
  for (let i = 0; i < BLSTATS_SIZE; i++) out[off + i] = v[i];
}

/** Writes the features of one observation into slot i of f. */
export function encodeObservationInto(obs: Observation, f: Features, i: number): void {
  const S = f.cropSize;
  const half = (S - 1) >> 1;
  normaliseBlstats(obs.blstats, f.blstats, i * BLSTATS_SIZE);
  const x0 = obs.blstats[BL.X];
  const y0 = obs.blstats[BL.Y];
  let o = i * S * S;
  for (let dy = -half; dy <= half; dy++) {
    const y = y0 + dy;
    for (let dx = -half; dx <= half; dx++) {
      const x = x0 + dx;
      f.crop[o++] = y >= 0 && y < ROWS && x >= 0 && x < COLS ? obs.glyphs[y * COLS + x] : CROP_PAD;
    }
  }
  const inv = f.inv.subarray(i * NUM_OCLASSES, (i + 1) * NUM_OCLASSES);
  inv.fill(0);
  for (let s = 0; s < INV_SLOTS; s++) {
    const c = obs.inv_oclasses[s];
    if (c < NUM_OCLASSES) inv[c] += 1;
  }
  for (let c = 0; c < NUM_OCLASSES; c++) inv[c] = log1p(inv[c]) / 2;
}

export function allocFeatures(B: number, cropSize = DEFAULT_CROP_SIZE): Features {
  if (!Number.isInteger(cropSize) || cropSize < 1 || cropSize % 2 === 0) {
    throw new InvalidArgumentError("crop size", cropSize, "an odd integer ≥ 1");
  }
  return {
    B,
    cropSize,
    blstats: new Float32Array(B * BLSTATS_SIZE),
    crop: new Int32Array(B * cropSize * cropSize),
    inv: new Float32Array(B * NUM_OCLASSES),
  };
}

/** Features of a list of observations. */
export function encodeObservations(obsList: readonly Observation[], cropSize = DEFAULT_CROP_SIZE): Features {
  const f = allocFeatures(obsList.length, cropSize);
  obsList.forEach((o, i) => encodeObservationInto(o, f, i));
  return f;
}
