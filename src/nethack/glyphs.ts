/**
 * Glyph layout of the pinned engine build (@neth4ck/neth4ck 1.0.4, NetHack 3.7.0-WIP, Nov 2020).
 * NLE (NetHack 3.6.6) uses a different layout; see `nle-glyphs.ts` for the translation table.
 * These offsets are checked against the running game at engine start (see engine.ts).
 */
export const NUMMONS = 384;
export const NUM_OBJECTS = 456;
export const MAXPCHARS = 87; // cmap symbols that have glyphs (explosions excluded)

export const GLYPH_MON_OFF = 0;
export const GLYPH_PET_OFF = 384;
export const GLYPH_INVIS_OFF = 768;
export const GLYPH_DETECT_OFF = 769;
export const GLYPH_BODY_OFF = 1153;
export const GLYPH_RIDDEN_OFF = 1537;
export const GLYPH_OBJ_OFF = 1921;
export const GLYPH_CMAP_OFF = 2377;
export const GLYPH_EXPLODE_OFF = 2464;
export const GLYPH_ZAP_OFF = 2527;
export const GLYPH_SWALLOW_OFF = 2559;
export const GLYPH_WARNING_OFF = 5631;
export const GLYPH_STATUE_OFF = 5637;
export const GLYPH_UNEXPLORED = 6021;
export const GLYPH_NOTHING = 6022;
export const MAX_GLYPH = 6023;

/** cmap symbol indices (S_*), in NetHack's defsyms order; glyph = GLYPH_CMAP_OFF + S. */
export const S = {
  stone: 0,
  vwall: 1,
  hwall: 2,
  tlcorn: 3,
  trcorn: 4,
  blcorn: 5,
  brcorn: 6,
  crwall: 7,
  tuwall: 8,
  tdwall: 9,
  tlwall: 10,
  trwall: 11,
  ndoor: 12, // doorless doorway / broken door
  vodoor: 13, // open door in a vertical wall
  hodoor: 14,
  vcdoor: 15, // closed door
  hcdoor: 16,
  bars: 17,
  tree: 18,
  room: 19,
  darkroom: 20,
  corr: 21,
  litcorr: 22,
  upstair: 23,
  dnstair: 24,
  upladder: 25,
  dnladder: 26,
  altar: 27,
  grave: 28,
  throne: 29,
  sink: 30,
  fountain: 31,
  pool: 32,
  ice: 33,
  lava: 34,
  vodbridge: 35,
  hodbridge: 36,
  vcdbridge: 37,
  hcdbridge: 38,
  air: 39,
  cloud: 40,
  water: 41,
  arrow_trap: 42, // first trap
  vibrating_square: 64, // last trap
  vbeam: 65,
  hbeam: 66,
  lslant: 67,
  rslant: 68,
  digbeam: 69,
  flashbeam: 70,
  boomleft: 71,
  boomright: 72,
  ss1: 73,
  ss2: 74,
  ss3: 75,
  ss4: 76,
  poisoncloud: 77,
  goodpos: 78,
  sw_tl: 79,
  sw_br: 86,
} as const;

export const S_FIRST_TRAP = S.arrow_trap;
export const S_LAST_TRAP = S.vibrating_square;

/** Object classes (oclass values), as reported by the inventory headers. */
export const OCLASS = {
  RANDOM: 0,
  ILLOBJ: 1,
  WEAPON: 2,
  ARMOR: 3,
  RING: 4,
  AMULET: 5,
  TOOL: 6,
  FOOD: 7,
  POTION: 8,
  SCROLL: 9,
  SPBOOK: 10,
  WAND: 11,
  COIN: 12,
  GEM: 13,
  ROCK: 14,
  BALL: 15,
  CHAIN: 16,
  VENOM: 17,
} as const;

export type GlyphKind =
  | "monster"
  | "pet"
  | "invisible"
  | "detected"
  | "body"
  | "ridden"
  | "object"
  | "cmap"
  | "explode"
  | "zap"
  | "swallow"
  | "warning"
  | "statue"
  | "unexplored"
  | "nothing";

export function glyphKind(g: number): GlyphKind {
  if (g < GLYPH_PET_OFF) return "monster";
  if (g < GLYPH_INVIS_OFF) return "pet";
  if (g < GLYPH_DETECT_OFF) return "invisible";
  if (g < GLYPH_BODY_OFF) return "detected";
  if (g < GLYPH_RIDDEN_OFF) return "body";
  if (g < GLYPH_OBJ_OFF) return "ridden";
  if (g < GLYPH_CMAP_OFF) return "object";
  if (g < GLYPH_EXPLODE_OFF) return "cmap";
  if (g < GLYPH_ZAP_OFF) return "explode";
  if (g < GLYPH_SWALLOW_OFF) return "zap";
  if (g < GLYPH_WARNING_OFF) return "swallow";
  if (g < GLYPH_STATUE_OFF) return "warning";
  if (g < GLYPH_UNEXPLORED) return "statue";
  if (g === GLYPH_UNEXPLORED) return "unexplored";
  return "nothing";
}

/** cmap symbol index of a glyph, or -1 when the glyph is not a map feature. */
export function glyphToCmap(g: number): number {
  return g >= GLYPH_CMAP_OFF && g < GLYPH_EXPLODE_OFF ? g - GLYPH_CMAP_OFF : -1;
}
