/**
 * What lies under the hero. The hero's glyph covers its own square, so a single observation cannot show the
 * stairs the hero stands on. This memory keeps, per environment slot, the previous glyph grid: when the hero
 * moves, the glyph its new square showed one step earlier (when the hero was elsewhere) is the terrain under it,
 * and it stays known while the hero does not move. Objects and monsters hide the terrain, so they give "unknown";
 * the message line covers those cases ("There is a staircase down here.").
 */
import { BL, COLS, ROWS } from "../env/index.js";
import { GC, GLYPH_CLASS } from "./glyph-classes.js";
import { MAX_GLYPH } from "../nethack/index.js";
import { InvalidArgumentError } from "../util/index.js";

const CELLS = ROWS * COLS;
/** Terrain classes the memory can report; anything else covers the terrain and reads as unknown. */
const TERRAIN = new Uint8Array(32);
for (const c of [
  GC.DOOR_OPEN,
  GC.DOORWAY,
  GC.FLOOR,
  GC.DARK_FLOOR,
  GC.CORRIDOR,
  GC.STAIRS_UP,
  GC.STAIRS_DOWN,
  GC.ALTAR,
  GC.FOUNTAIN,
  GC.SINK,
  GC.THRONE,
  GC.GRAVE,
  GC.OPEN_TERRAIN,
  GC.TRAP,
  GC.WATER,
  GC.LAVA,
])
  TERRAIN[c] = 1;

export interface ExtractionMemoryState {
  size: number;
  prevGlyphs: number[];
  prev: number[];
  under: number[];
  valid: number[];
}

export class ExtractionMemory {
  readonly size: number;
  private readonly prevGlyphs: Int16Array;
  private readonly prev: Int32Array; // per slot: x, y, depth, dnum, dlevel, time
  private readonly under: Uint8Array;
  private readonly valid: Uint8Array;

  /** `size`: number of environment slots (1 for a single env, N for a batch). */
  constructor(size = 1) {
    if (!Number.isInteger(size) || size < 1)
      throw new InvalidArgumentError("memory size", size, "an integer ≥ 1");
    this.size = size;
    this.prevGlyphs = new Int16Array(size * CELLS);
    this.prev = new Int32Array(size * 6);
    this.under = new Uint8Array(size).fill(GC.NOTHING);
    this.valid = new Uint8Array(size);
  }

  /** Forgets a slot (call at episode start), or every slot. */
  reset(slot?: number): void {
    if (slot === undefined) {
      this.valid.fill(0);
      this.under.fill(GC.NOTHING);
      return;
    }
    this.checkSlot(slot);
    this.valid[slot] = 0;
    this.under[slot] = GC.NOTHING;
  }

  /** Terrain class under the hero as last computed for the slot (GC.NOTHING when unknown). */
  underHero(slot = 0): number {
    this.checkSlot(slot);
    return this.under[slot];
  }

  /**
   * Advances the slot by one observation and returns the terrain class under the hero (GC.NOTHING when unknown).
   * `gOff`/`bOff` locate the observation's glyphs and blstats in possibly batched buffers.
   */
  update(slot: number, glyphs: Int16Array, gOff: number, blstats: Int32Array, bOff: number): number {
    const p = slot * 6;
    const x = blstats[bOff + BL.X];
    const y = blstats[bOff + BL.Y];
    const depth = blstats[bOff + BL.DEPTH];
    const dnum = blstats[bOff + BL.DNUM];
    const dlevel = blstats[bOff + BL.DLEVEL];
    const time = blstats[bOff + BL.TIME];
    const pv = this.prev;
    let under: number = GC.NOTHING;
    if (!this.valid[slot] || time < pv[p + 5]) {
      // A new game: NetHack puts the hero on the up staircase of level 1 (u_on_upstairs in newgame).
      if (time <= 1 && depth === 1 && dnum === 0) under = GC.STAIRS_UP;
    } else {
      const prevUnder = this.under[slot];
      if (dnum !== pv[p + 3] || dlevel !== pv[p + 4]) {
        // Stairs lead to the matching stairs of the next level.
        if (prevUnder === GC.STAIRS_DOWN && depth === pv[p + 2] + 1) under = GC.STAIRS_UP;
        else if (prevUnder === GC.STAIRS_UP && depth === pv[p + 2] - 1) under = GC.STAIRS_DOWN;
      } else if (x === pv[p] && y === pv[p + 1]) {
        under = prevUnder;
      } else if (x >= 0 && x < COLS && y >= 0 && y < ROWS) {
        const g = this.prevGlyphs[slot * CELLS + y * COLS + x];
        const c = g >= 0 && g < MAX_GLYPH ? GLYPH_CLASS[g] : GC.NOTHING;
        under = TERRAIN[c] ? c : GC.NOTHING;
      }
    }
    this.under[slot] = under;
    this.valid[slot] = 1;
    pv[p] = x;
    pv[p + 1] = y;
    pv[p + 2] = depth;
    pv[p + 3] = dnum;
    pv[p + 4] = dlevel;
    pv[p + 5] = time;
    this.prevGlyphs.set(glyphs.subarray(gOff, gOff + CELLS), slot * CELLS);
    return under;
  }

  /** Everything the memory holds, as plain arrays (for checkpoints: a resumed run must see the same conditions). */
  getState(): ExtractionMemoryState {
    return {
      size: this.size,
      prevGlyphs: Array.from(this.prevGlyphs),
      prev: Array.from(this.prev),
      under: Array.from(this.under),
      valid: Array.from(this.valid),
    };
  }

  setState(s: ExtractionMemoryState): void {
    const ok =
      s !== null &&
      typeof s === "object" &&
      s.size === this.size &&
      Array.isArray(s.prevGlyphs) &&
      s.prevGlyphs.length === this.prevGlyphs.length &&
      Array.isArray(s.prev) &&
      s.prev.length === this.prev.length &&
      Array.isArray(s.under) &&
      s.under.length === this.size &&
      Array.isArray(s.valid) &&
      s.valid.length === this.size;
    if (!ok) {
      throw new InvalidArgumentError(
        "extraction memory state",
        s && typeof s === "object" ? `size ${String((s as { size?: unknown }).size)}` : s,
        `the state of a memory of ${this.size} slots (from getState())`,
      );
    }
    this.prevGlyphs.set(s.prevGlyphs);
    this.prev.set(s.prev);
    this.under.set(s.under);
    this.valid.set(s.valid);
  }

  private checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.size) {
      throw new InvalidArgumentError("memory slot", slot, `an integer in [0, ${this.size})`);
    }
  }
}
