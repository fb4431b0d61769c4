/**
 * Glyph id → map class, precomputed once for every glyph of this build (a Uint8Array of size MAX_GLYPH), so
 * extraction classifies a cell with one typed-array lookup. Built only from the layout constants of
 * src/nethack/glyphs.ts: the original project's hard-coded id ranges (wall corners counted as doors, pets as
 * items, the hero as a monster) are exactly what this table exists to avoid.
 */
import {
  GLYPH_BODY_OFF,
  GLYPH_CMAP_OFF,
  GLYPH_DETECT_OFF,
  GLYPH_EXPLODE_OFF,
  GLYPH_INVIS_OFF,
  GLYPH_OBJ_OFF,
  GLYPH_PET_OFF,
  GLYPH_RIDDEN_OFF,
  GLYPH_STATUE_OFF,
  GLYPH_SWALLOW_OFF,
  GLYPH_UNEXPLORED,
  GLYPH_WARNING_OFF,
  MAX_GLYPH,
  NUM_OBJECTS,
  S,
  S_FIRST_TRAP,
  S_LAST_TRAP,
} from "../nethack/index.js";

/** Map classes. Values index the flag table below; keep them dense. */
export const GC = {
  UNEXPLORED: 0,
  STONE: 1, // solid rock that has been seen (S_stone)
  WALL: 2, // vwall..trwall, including the four corners
  DOOR_CLOSED: 3,
  DOOR_OPEN: 4, // open door: enterable orthogonally only
  DOORWAY: 5, // doorless doorway or broken door: enterable from any direction
  OBSTACLE: 6, // iron bars, tree, raised drawbridge
  FLOOR: 7, // lit room floor
  DARK_FLOOR: 8, // remembered, currently unseen room floor
  CORRIDOR: 9,
  STAIRS_UP: 10, // staircase or ladder up
  STAIRS_DOWN: 11, // staircase or ladder down
  ALTAR: 12,
  FOUNTAIN: 13,
  SINK: 14,
  THRONE: 15,
  GRAVE: 16,
  WATER: 17, // pool, moat, wall of water
  LAVA: 18,
  OPEN_TERRAIN: 19, // ice, lowered drawbridge, air, cloud
  TRAP: 20,
  EFFECT: 21, // transient beams, explosions, zaps, cursor marks: what lies under them is unknown
  MONSTER: 22, // a monster that is not the hero's pet (hostile or peaceful: glyphs cannot tell)
  PET: 23,
  INVISIBLE: 24, // the remembered 'I' marker of an unseen monster
  SENSED: 25, // a detected monster or a warning level: a monster is there, unseen
  ENGULF: 26, // the inside of an engulfing monster
  OBJECT: 27, // an object other than a boulder, statue or corpse
  CORPSE: 28,
  BOULDER: 29,
  STATUE: 30,
  NOTHING: 31,
} as const;
export const NUM_GLYPH_CLASSES = 32;
export type GlyphClass = (typeof GC)[keyof typeof GC];

/**
 * Object index of the boulder in this build's objects[] table. The table ends, in every NetHack since 3.4 and in
 * this 3.7-WIP build, with the rock/ball/chain/venom classes: boulder, statue, heavy iron ball, iron chain,
 * blinding venom, acid venom. Counting back from NUM_OBJECTS keeps this right if objects are added earlier in
 * the table (this build has 3 more objects than NLE's 3.6.6, all before those classes).
 */
export const BOULDER_OBJ = NUM_OBJECTS - 6;
export const GLYPH_BOULDER = GLYPH_OBJ_OFF + BOULDER_OBJ;

/** Per-class flags. */
export const CF = {
  /** A move into the cell is carried out (walk, push, attack, swap with a pet) when orthogonal. */
  ENTER: 1,
  /** Like ENTER but also diagonally (everything enterable except open doors). */
  ENTER_DIAG: 2,
  /** Ground you could stand on (for exploration frontiers); objects and monsters stand on such ground. */
  GROUND: 4,
  /** A monster of any kind other than a pet (what a move would attack). */
  HOSTILE: 8,
  /** Wall-like: vertical/horizontal walls and corners. Not stone, not doors. */
  WALL: 16,
  /** Blocks movement outright: walls, stone, bars, trees, raised drawbridges. */
  BLOCK: 32,
  /** An item one could pick up (objects and corpses, not boulders or statues). */
  ITEM: 64,
  /**
   * Counted by the map pass. Ubiquitous terrain (unexplored, rock, walls, floor, corridors) is not: skipping it
   * keeps the pass over 1,659 cells at about one lookup per cell.
   */
  COUNTED: 128,
} as const;

export const CLASS_FLAGS: Uint8Array = (() => {
  const f = new Uint8Array(NUM_GLYPH_CLASSES);
  const walk = CF.ENTER | CF.ENTER_DIAG | CF.GROUND;
  f[GC.UNEXPLORED] = 0;
  f[GC.STONE] = CF.BLOCK;
  f[GC.WALL] = CF.BLOCK | CF.WALL;
  f[GC.DOOR_CLOSED] = 0; // opened by moving into it orthogonally (autoopen), but not walked into
  f[GC.DOOR_OPEN] = CF.ENTER | CF.GROUND;
  f[GC.DOORWAY] = walk;
  f[GC.OBSTACLE] = CF.BLOCK;
  for (const c of [
    GC.FLOOR,
    GC.DARK_FLOOR,
    GC.CORRIDOR,
    GC.STAIRS_UP,
    GC.STAIRS_DOWN,
    GC.ALTAR,
    GC.FOUNTAIN,
  ]) {
    f[c] = walk;
  }
  for (const c of [GC.SINK, GC.THRONE, GC.GRAVE, GC.OPEN_TERRAIN, GC.TRAP, GC.EFFECT]) f[c] = walk;
  f[GC.WATER] = 0; // entered only when levitating or flying (handled by the extractor)
  f[GC.LAVA] = 0;
  f[GC.MONSTER] = walk | CF.HOSTILE;
  f[GC.SENSED] = walk | CF.HOSTILE;
  f[GC.ENGULF] = walk | CF.HOSTILE;
  f[GC.INVISIBLE] = walk;
  f[GC.PET] = walk;
  f[GC.OBJECT] = walk | CF.ITEM;
  f[GC.CORPSE] = walk | CF.ITEM;
  f[GC.BOULDER] = walk; // a move pushes it
  f[GC.STATUE] = walk;
  f[GC.NOTHING] = 0;
  const ubiquitous = new Set<number>([
    GC.UNEXPLORED,
    GC.STONE,
    GC.WALL,
    GC.FLOOR,
    GC.DARK_FLOOR,
    GC.CORRIDOR,
    GC.NOTHING,
  ]);
  for (let c = 0; c < NUM_GLYPH_CLASSES; c++) if (!ubiquitous.has(c)) f[c] |= CF.COUNTED;
  return f;
})();

function cmapClass(s: number): GlyphClass {
  if (s === S.stone) return GC.STONE;
  if (s >= S.vwall && s <= S.trwall) return GC.WALL;
  if (s === S.ndoor) return GC.DOORWAY;
  if (s === S.vodoor || s === S.hodoor) return GC.DOOR_OPEN;
  if (s === S.vcdoor || s === S.hcdoor) return GC.DOOR_CLOSED;
  if (s === S.bars || s === S.tree || s === S.vcdbridge || s === S.hcdbridge) return GC.OBSTACLE;
  if (s === S.room) return GC.FLOOR;
  if (s === S.darkroom) return GC.DARK_FLOOR;
  if (s === S.corr || s === S.litcorr) return GC.CORRIDOR;
  if (s === S.upstair || s === S.upladder) return GC.STAIRS_UP;
  if (s === S.dnstair || s === S.dnladder) return GC.STAIRS_DOWN;
  if (s === S.altar) return GC.ALTAR;
  if (s === S.grave) return GC.GRAVE;
  if (s === S.throne) return GC.THRONE;
  if (s === S.sink) return GC.SINK;
  if (s === S.fountain) return GC.FOUNTAIN;
  if (s === S.pool || s === S.water) return GC.WATER;
  if (s === S.lava) return GC.LAVA;
  if (s === S.ice || s === S.vodbridge || s === S.hodbridge || s === S.air || s === S.cloud)
    return GC.OPEN_TERRAIN;
  if (s >= S_FIRST_TRAP && s <= S_LAST_TRAP) return GC.TRAP;
  if (s >= S.sw_tl && s <= S.sw_br) return GC.ENGULF;
  return GC.EFFECT; // beams, boomerang, shield sparkles, poison cloud, cursor mark
}

/** Class of every glyph id, 0..MAX_GLYPH-1. Ids outside that range classify as NOTHING (see glyphClass). */
export const GLYPH_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(MAX_GLYPH);
  for (let g = 0; g < MAX_GLYPH; g++) {
    let c: GlyphClass;
    if (g < GLYPH_PET_OFF) c = GC.MONSTER;
    else if (g < GLYPH_INVIS_OFF) c = GC.PET;
    else if (g < GLYPH_DETECT_OFF) c = GC.INVISIBLE;
    else if (g < GLYPH_BODY_OFF) c = GC.SENSED;
    else if (g < GLYPH_RIDDEN_OFF) c = GC.CORPSE;
    else if (g < GLYPH_OBJ_OFF)
      c = GC.MONSTER; // a ridden monster (only ever the hero's steed, under the hero)
    else if (g < GLYPH_CMAP_OFF) c = g === GLYPH_BOULDER ? GC.BOULDER : GC.OBJECT;
    else if (g < GLYPH_EXPLODE_OFF) c = cmapClass(g - GLYPH_CMAP_OFF);
    else if (g < GLYPH_SWALLOW_OFF)
      c = GC.EFFECT; // explosions and zap beams
    else if (g < GLYPH_WARNING_OFF) c = GC.ENGULF;
    else if (g < GLYPH_STATUE_OFF)
      c = GC.SENSED; // warning levels 0..5
    else if (g < GLYPH_UNEXPLORED)
      c = GC.STATUE; // statues are objects drawn with a monster's shape
    else if (g === GLYPH_UNEXPLORED) c = GC.UNEXPLORED;
    else c = GC.NOTHING;
    t[g] = c;
  }
  return t;
})();

/**
 * The same table over all 65,536 values of a 16-bit glyph (ids outside the layout map to NOTHING), so the hot loop
 * reads `GLYPH_CLASS16[glyphs[i] & 0xffff]` without a range check.
 */
export const GLYPH_CLASS16: Uint8Array = (() => {
  const t = new Uint8Array(65536).fill(GC.NOTHING);
  t.set(GLYPH_CLASS);
  return t;
})();

/** Class of one glyph id (tolerates ids outside the table). */
export function glyphClass(g: number): GlyphClass {
  return (g >= 0 && g < MAX_GLYPH ? GLYPH_CLASS[g] : GC.NOTHING) as GlyphClass;
}

/** The cmap glyph id of a symbol (used by tests and the synthetic benchmark). */
export function cmapGlyph(s: number): number {
  return GLYPH_CMAP_OFF + s;
}
