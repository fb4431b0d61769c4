/**
 * The per-observation context every condition predicate reads: status numbers, the hero's neighbourhood, counts
 * over the visible map, message and inventory facts. Computed once per observation with a single pass over the
 * 21×79 glyph grid and typed-array lookups, so the ~180 predicates afterwards are constant-time field reads.
 */
import { BL, BLSTATS_SIZE, COND, COLS, INV_SLOTS, MSG_LEN, ROWS } from "../env/index.js";
import { CF, CLASS_FLAGS, GC, GLYPH_CLASS16, NUM_GLYPH_CLASSES } from "./glyph-classes.js";
import { inventoryFacts, NUM_INVENTORY_FACTS } from "./inventory.js";
import type { ExtractionMemory } from "./memory.js";
import { decodeMessage, messageFacts, NUM_MESSAGE_FACTS } from "./messages.js";

export const CELLS = ROWS * COLS;

/** Directions in the order of the compass actions 1..8: N E S W NE SE SW NW. */
export const DIR_NAMES = ["n", "e", "s", "w", "ne", "se", "sw", "nw"] as const;
export const DX = Int8Array.from([0, 1, 0, -1, 1, 1, -1, -1]);
export const DY = Int8Array.from([-1, 0, 1, 0, -1, 1, 1, -1]);

/** How far "near" reaches (Chebyshev distance) for monsters and exploration frontiers. */
export const NEAR_RADIUS = 3;

/** The buffers one observation lives in, with offsets (a single Observation has all offsets 0). */
export interface ObsView {
  glyphs: Int16Array;
  chars: Uint8Array;
  blstats: Int32Array;
  message: Uint8Array;
  inv_letters: Uint8Array;
  inv_oclasses: Uint8Array;
  inv_strs: Uint8Array;
  /** Index of the observation in its batch (0 for a single observation). */
  index: number;
}

const CH_FOOD = "%".charCodeAt(0);
const CH_GOLD = "$".charCodeAt(0);
const F_ENTER = CF.ENTER;
const F_DIAG = CF.ENTER_DIAG;
const F_GROUND = CF.GROUND;
const F_HOSTILE = CF.HOSTILE;
const F_ITEM = CF.ITEM;
const F_BLOCK = CF.BLOCK;
const F_WALL = CF.WALL;
const C_UNEXPLORED = GC.UNEXPLORED;
/** Classes whose position the map pass needs: monsters and items. */
const F_NEAR = F_HOSTILE | F_ITEM;
const F_COUNTED = CF.COUNTED;
/**
 * Per-glyph class and flags over all 65,536 values of a 16-bit glyph, built here rather than imported: V8 treats
 * a module's own top-level typed arrays as constants, so `T[g & 0xffff]` compiles without a bounds check (about
 * twice as fast in the map pass as reading the imported table).
 */
const CLS16 = Uint8Array.from(GLYPH_CLASS16);
const FL16 = Uint8Array.from(GLYPH_CLASS16, (c) => CLASS_FLAGS[c]);
/** Column and row of each cell index, so the map pass is one flat loop. */
const CELL_X = Uint8Array.from({ length: ROWS * COLS }, (_, k) => k % COLS);
const CELL_Y = Uint8Array.from({ length: ROWS * COLS }, (_, k) => Math.floor(k / COLS));

/** Known ground at cell k with an unexplored orthogonal neighbour. */
function isFrontier(gl: Int16Array, gOff: number, k: number): boolean {
  const x = CELL_X[k];
  const y = CELL_Y[k];
  const i = gOff + k;
  return (
    (x > 0 && CLS16[gl[i - 1] & 0xffff] === C_UNEXPLORED) ||
    (x < COLS - 1 && CLS16[gl[i + 1] & 0xffff] === C_UNEXPLORED) ||
    (y > 0 && CLS16[gl[i - COLS] & 0xffff] === C_UNEXPLORED) ||
    (y < ROWS - 1 && CLS16[gl[i + COLS] & 0xffff] === C_UNEXPLORED)
  );
}

export class ObsContext {
  // status
  hp = 0;
  hpmax = 0;
  ene = 0;
  enemax = 0;
  hunger = 0;
  cap = 0;
  cond = 0;
  depth = 0;
  dnum = 0;
  gold = 0;
  xl = 0;
  ac = 0;
  hx = 0;
  hy = 0;
  /** Class of the terrain under the hero: from memory, else GC.NOTHING. */
  under: number = GC.NOTHING;

  // neighbourhood (direction order of DIR_NAMES)
  readonly nbClass = new Uint8Array(8);
  readonly canMove = new Uint8Array(8);
  readonly blocked = new Uint8Array(8);
  /** Counts of each class among the 8 neighbours (off-map counts as stone). */
  readonly adj = new Int32Array(NUM_GLYPH_CLASSES);
  /**
   * Counts of each class over the whole map, the hero's square excluded. Only non-ubiquitous classes are counted
   * (CF.COUNTED): floor, walls, corridors, rock and unexplored cells read 0.
   */
  readonly vis = new Int32Array(NUM_GLYPH_CLASSES);
  movableDirs = 0;
  hostileAdj = 0;
  hostileNear = 0;
  hostileVis = 0;
  itemAdj = 0;
  itemVis = 0;
  foodVis = 0;
  goldVis = 0;
  goldAdj = 0;
  darkNear = 0;
  unexploredAdj = 0;
  // The frontier facts are computed on first use (-1: not yet) from the buffers of the current observation.
  private frontierAnyState = -1;
  private frontierNearState = -1;
  private gl: Int16Array = new Int16Array(CELLS);
  private gOff = 0;
  private heroCell = -1;

  // messages and inventory
  message = "";
  readonly msg = new Uint8Array(NUM_MESSAGE_FACTS);
  readonly inv = new Uint8Array(NUM_INVENTORY_FACTS);

  /** Walls (not rock) on two opposite sides of the hero: the shape of a doorway. */
  wallsOpposite = false;

  /**
   * Fills the context from one observation. `memory` (optional) supplies the terrain under the hero, from its
   * slot `slot` (default: the observation's batch index).
   */
  compute(v: ObsView, memory?: ExtractionMemory, slot = v.index): void {
    const n = v.index;
    const gOff = n * CELLS;
    const bOff = n * BLSTATS_SIZE;
    const bl = v.blstats;
    this.hp = bl[bOff + BL.HP];
    this.hpmax = bl[bOff + BL.HPMAX];
    this.ene = bl[bOff + BL.ENE];
    this.enemax = bl[bOff + BL.ENEMAX];
    this.hunger = bl[bOff + BL.HUNGER];
    this.cap = bl[bOff + BL.CAP];
    this.cond = bl[bOff + BL.CONDITION];
    this.depth = bl[bOff + BL.DEPTH];
    this.dnum = bl[bOff + BL.DNUM];
    this.gold = bl[bOff + BL.GOLD];
    this.xl = bl[bOff + BL.XP];
    this.ac = bl[bOff + BL.AC];
    const hx = (this.hx = bl[bOff + BL.X]);
    const hy = (this.hy = bl[bOff + BL.Y]);
    this.under = memory ? memory.update(slot, v.glyphs, gOff, bl, bOff) : GC.NOTHING;
    this.scanMap(v.glyphs, v.chars, gOff, hx, hy);
    this.scanNeighbours(v.glyphs, v.chars, gOff, hx, hy);
    this.message = decodeMessage(v.message, n * MSG_LEN, MSG_LEN);
    messageFacts(this.message, this.msg);
    inventoryFacts(v.inv_letters, v.inv_oclasses, v.inv_strs, n * INV_SLOTS, this.inv);
  }

  /**
   * The single pass over the map: counts of the non-ubiquitous classes, monsters and items with their distance.
   * Floor, walls, corridors, rock and unexplored cells cost one table lookup each.
   */
  private scanMap(gl: Int16Array, chars: Uint8Array, gOff: number, hx: number, hy: number): void {
    const vis = this.vis;
    vis.fill(0);
    const heroCell = hx >= 0 && hx < COLS && hy >= 0 && hy < ROWS ? hy * COLS + hx : -1;
    let hostileVis = 0,
      hostileNear = 0,
      itemVis = 0,
      foodVis = 0,
      goldVis = 0;
    for (let k = 0; k < CELLS; k++) {
      const g = gl[gOff + k] & 0xffff;
      const fl = FL16[g];
      if ((fl & F_COUNTED) === 0) continue;
      const c = CLS16[g];
      vis[c]++;
      if (fl & F_NEAR && k !== heroCell) {
        const x = CELL_X[k];
        const y = CELL_Y[k];
        const adx = x > hx ? x - hx : hx - x;
        const ady = y > hy ? y - hy : hy - y;
        const dist = adx > ady ? adx : ady;
        if (fl & F_HOSTILE) {
          hostileVis++;
          if (dist <= NEAR_RADIUS) hostileNear++;
        } else {
          itemVis++;
          if (c === GC.CORPSE) foodVis++;
          else {
            const ch = chars[gOff + k];
            if (ch === CH_FOOD) foodVis++;
            else if (ch === CH_GOLD) goldVis++;
          }
        }
      }
    }
    // The hero's square was counted by its glyph (a monster): take it out again.
    if (heroCell >= 0) {
      const hg = gl[gOff + heroCell] & 0xffff;
      if (FL16[hg] & F_COUNTED) vis[CLS16[hg]]--;
    }
    this.hostileVis = hostileVis;
    this.hostileNear = hostileNear;
    this.itemVis = itemVis;
    this.foodVis = foodVis;
    this.goldVis = goldVis;
    // Dark floor within 2 squares: the 5×5 window around the hero.
    let darkNear = 0;
    if (heroCell >= 0) {
      for (let y = hy > 2 ? hy - 2 : 0; y <= hy + 2 && y < ROWS; y++) {
        for (let x = hx > 2 ? hx - 2 : 0; x <= hx + 2 && x < COLS; x++) {
          if (CLS16[gl[gOff + y * COLS + x] & 0xffff] === GC.DARK_FLOOR) darkNear++;
        }
      }
    }
    this.darkNear = darkNear;
    this.gl = gl;
    this.gOff = gOff;
    this.heroCell = heroCell;
    this.frontierAnyState = -1;
    this.frontierNearState = -1;
  }

  /** Known ground with an unexplored orthogonal neighbour somewhere on the map (computed on first use). */
  get frontierAny(): number {
    if (this.frontierAnyState < 0) {
      const { gl, gOff, heroCell } = this;
      let found = 0;
      for (let k = 0; k < CELLS; k++) {
        const ground = k === heroCell || (FL16[gl[gOff + k] & 0xffff] & F_GROUND) !== 0;
        if (ground && isFrontier(gl, gOff, k)) {
          found = 1;
          break;
        }
      }
      this.frontierAnyState = found;
    }
    return this.frontierAnyState;
  }

  /** A frontier square within NEAR_RADIUS of the hero, the hero's own included (computed on first use). */
  get frontierNear(): number {
    if (this.frontierNearState < 0) {
      const { gl, gOff, heroCell, hx, hy } = this;
      let found = 0;
      if (heroCell >= 0) {
        const x0 = hx > NEAR_RADIUS ? hx - NEAR_RADIUS : 0;
        const x1 = hx + NEAR_RADIUS < COLS - 1 ? hx + NEAR_RADIUS : COLS - 1;
        const y0 = hy > NEAR_RADIUS ? hy - NEAR_RADIUS : 0;
        const y1 = hy + NEAR_RADIUS < ROWS - 1 ? hy + NEAR_RADIUS : ROWS - 1;
        for (let y = y0; y <= y1 && !found; y++) {
          for (let x = x0; x <= x1; x++) {
            const k = y * COLS + x;
            const ground = k === heroCell || (FL16[gl[gOff + k] & 0xffff] & F_GROUND) !== 0;
            if (ground && isFrontier(gl, gOff, k)) {
              found = 1;
              break;
            }
          }
        }
      }
      this.frontierNearState = found;
    }
    return this.frontierNearState;
  }

  private scanNeighbours(gl: Int16Array, chars: Uint8Array, gOff: number, hx: number, hy: number): void {
    const adj = this.adj;
    adj.fill(0);
    const canWade = (this.cond & (COND.LEV | COND.FLY)) !== 0;
    const blind = (this.cond & COND.BLIND) !== 0;
    // Nobody moves diagonally out of an open door; the memory knows when the hero stands in one.
    const noDiag = this.under === GC.DOOR_OPEN;
    let movable = 0,
      hostileAdj = 0,
      itemAdj = 0,
      goldAdj = 0,
      unexploredAdj = 0;
    for (let d = 0; d < 8; d++) {
      const x = hx + DX[d];
      const y = hy + DY[d];
      let c: number = GC.STONE;
      let i = -1;
      if (x >= 0 && x < COLS && y >= 0 && y < ROWS) {
        i = gOff + y * COLS + x;
        c = CLS16[gl[i] & 0xffff];
      }
      this.nbClass[d] = c;
      adj[c]++;
      const fl = CLASS_FLAGS[c];
      const diag = d >= 4;
      let can = (fl & (diag ? F_DIAG : F_ENTER)) !== 0;
      if (!can && canWade && (c === GC.WATER || c === GC.LAVA)) can = true;
      if (!can && blind && c === C_UNEXPLORED) can = true; // a blind hero has not seen what is there
      if (diag && noDiag) can = false;
      this.canMove[d] = can ? 1 : 0;
      this.blocked[d] = fl & F_BLOCK ? 1 : 0;
      if (can) movable++;
      if (fl & F_HOSTILE) hostileAdj++;
      if (fl & F_ITEM) {
        itemAdj++;
        if (c === GC.OBJECT && chars[i] === CH_GOLD) goldAdj++;
      }
      if (c === C_UNEXPLORED) unexploredAdj++;
    }
    const nb = this.nbClass;
    const wall = (d: number): boolean => (CLASS_FLAGS[nb[d]] & F_WALL) !== 0;
    this.wallsOpposite = (wall(0) && wall(2)) || (wall(1) && wall(3));
    this.movableDirs = movable;
    this.hostileAdj = hostileAdj;
    this.itemAdj = itemAdj;
    this.goldAdj = goldAdj;
    this.unexploredAdj = unexploredAdj;
  }
}
