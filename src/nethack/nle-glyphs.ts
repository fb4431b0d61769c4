/**
 * Translation of this build's glyph ids (NetHack 3.7-WIP) to NLE's (NetHack 3.6.6, as NLE compiles it), for
 * models or tools that expect NLE glyph ids.
 *
 * Monsters and objects are matched by name, in table order (3.6.6's lists are a subsequence of this build's
 * once two renamed venoms are mapped back), so repeated names (the were-creatures' two forms, "blank paper" as
 * scroll and spellbook, the unnamed extra scroll labels and wands) pair up in order. Every other glyph class has
 * the same size and order in both versions and is shifted. Glyphs without a 3.6.6 counterpart map to -1:
 *   - monsters new in 3.7: displacer beast, genetic engineer; and mail daemon (NLE is built without MAIL),
 *     in all their forms (pet, detected, corpse, ridden, swallow, statue);
 *   - objects new in 3.7: amulet of guarding, amulet of flying; and the scroll of mail;
 *   - GLYPH_NOTHING (3.7 only). GLYPH_UNEXPLORED maps to NLE's S_stone glyph, which is what 3.6 shows for
 *     never-seen locations.
 * The 3.6.6 names are data (data/nle/nethack-3.6.6-names.json), transcribed from 3.6.6's monst.c and objects.c.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot, FileFormatError } from "../util/index.js";
import { EngineLayoutError } from "./hero.js";
import { readCatalog, type Catalog } from "./catalog.js";
import type { NetHackGame } from "./engine.js";
import * as G from "./glyphs.js";

/** NLE's glyph layout (NetHack 3.6.6 display.h with NUMMONS 381, NUM_OBJECTS 453). */
export const NLE_GLYPH = {
  NUMMONS: 381,
  NUM_OBJECTS: 453,
  GLYPH_MON_OFF: 0,
  GLYPH_PET_OFF: 381,
  GLYPH_INVIS_OFF: 762,
  GLYPH_DETECT_OFF: 763,
  GLYPH_BODY_OFF: 1144,
  GLYPH_RIDDEN_OFF: 1525,
  GLYPH_OBJ_OFF: 1906,
  GLYPH_CMAP_OFF: 2359,
  GLYPH_EXPLODE_OFF: 2446,
  GLYPH_ZAP_OFF: 2509,
  GLYPH_SWALLOW_OFF: 2541, // + 8 per monster
  GLYPH_WARNING_OFF: 5589,
  GLYPH_STATUE_OFF: 5595,
  MAX_GLYPH: 5976,
  /** NO_GLYPH == MAX_GLYPH in 3.6. */
  NO_GLYPH: 5976,
} as const;

/** 3.7 renamed these objects; map them back to their 3.6.6 names before matching. */
const RENAMED_IN_3_7: Record<string, string> = {
  "splash of blinding venom": "blinding venom",
  "splash of acid venom": "acid venom",
};

export interface NleNames {
  monsters: string[];
  /** "" where 3.6.6 has no name (unnamed extra scroll labels and wands). */
  objects: string[];
}

let names: NleNames | undefined;

/** The NetHack 3.6.6 monster and object names NLE uses, validated when loaded. */
export function nleNames(): NleNames {
  if (names) return names;
  const path = join(projectRoot(), "data", "nle", "nethack-3.6.6-names.json");
  let doc: { format?: unknown; monsters?: unknown; objects?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, "utf8")) as typeof doc;
  } catch (e) {
    throw new FileFormatError(path, `not readable JSON (${(e as Error).message})`);
  }
  const isNames = (v: unknown, n: number, nullable: boolean): v is Array<string | null> =>
    Array.isArray(v) &&
    v.length === n &&
    v.every((x) => (typeof x === "string" && x.length > 0) || (nullable && x === null));
  if (
    doc.format !== "tedg-nle-names" ||
    !isNames(doc.monsters, NLE_GLYPH.NUMMONS, false) ||
    !isNames(doc.objects, NLE_GLYPH.NUM_OBJECTS, true)
  ) {
    throw new FileFormatError(
      path,
      `expected {"format":"tedg-nle-names", monsters: ${NLE_GLYPH.NUMMONS} names, objects: ${NLE_GLYPH.NUM_OBJECTS} names or null}`,
    );
  }
  names = { monsters: doc.monsters as string[], objects: doc.objects.map((o) => o ?? "") };
  return names;
}

/**
 * Index map from `ours` to `theirs` (-1 where ours has an entry theirs lacks). `theirs` must be a subsequence
 * of `ours`; anything else means the tables are not the expected versions.
 */
function alignByName(ours: readonly string[], theirs: readonly string[], what: string): Int16Array {
  const map = new Int16Array(ours.length).fill(-1);
  let j = 0;
  for (let i = 0; i < ours.length; i++) {
    const name = RENAMED_IN_3_7[ours[i]] ?? ours[i];
    if (j < theirs.length && name === theirs[j]) map[i] = j++;
  }
  if (j !== theirs.length) {
    throw new EngineLayoutError(
      `cannot match the NetHack 3.6.6 ${what} list against this build's: stopped at "${theirs[j]}" (#${j})`,
    );
  }
  return map;
}

/**
 * Builds the table: `table[g]` is the NLE glyph id of this build's glyph `g`, or -1 where NLE has none.
 * `catalog` holds this build's monster and object names (readCatalog).
 */
export function buildNleGlyphTable(catalog: Pick<Catalog, "monsters" | "objects">): Int16Array {
  const nle = nleNames();
  const mon = alignByName(catalog.monsters, nle.monsters, "monster");
  const obj = alignByName(catalog.objects, nle.objects, "object");
  const N = NLE_GLYPH;
  const t = new Int16Array(G.MAX_GLYPH).fill(-1);
  for (let m = 0; m < G.NUMMONS; m++) {
    const k = mon[m];
    if (k < 0) continue;
    t[G.GLYPH_MON_OFF + m] = N.GLYPH_MON_OFF + k;
    t[G.GLYPH_PET_OFF + m] = N.GLYPH_PET_OFF + k;
    t[G.GLYPH_DETECT_OFF + m] = N.GLYPH_DETECT_OFF + k;
    t[G.GLYPH_BODY_OFF + m] = N.GLYPH_BODY_OFF + k;
    t[G.GLYPH_RIDDEN_OFF + m] = N.GLYPH_RIDDEN_OFF + k;
    t[G.GLYPH_STATUE_OFF + m] = N.GLYPH_STATUE_OFF + k;
    for (let s = 0; s < 8; s++) t[G.GLYPH_SWALLOW_OFF + 8 * m + s] = N.GLYPH_SWALLOW_OFF + 8 * k + s;
  }
  t[G.GLYPH_INVIS_OFF] = N.GLYPH_INVIS_OFF;
  for (let o = 0; o < G.NUM_OBJECTS; o++) if (obj[o] >= 0) t[G.GLYPH_OBJ_OFF + o] = N.GLYPH_OBJ_OFF + obj[o];
  // Same sizes and order in both versions: map features, explosions, zaps, warning levels.
  const shift = (from: number, to: number, count: number) => {
    for (let i = 0; i < count; i++) t[from + i] = to + i;
  };
  shift(G.GLYPH_CMAP_OFF, N.GLYPH_CMAP_OFF, G.GLYPH_EXPLODE_OFF - G.GLYPH_CMAP_OFF);
  shift(G.GLYPH_EXPLODE_OFF, N.GLYPH_EXPLODE_OFF, G.GLYPH_ZAP_OFF - G.GLYPH_EXPLODE_OFF);
  shift(G.GLYPH_ZAP_OFF, N.GLYPH_ZAP_OFF, G.GLYPH_SWALLOW_OFF - G.GLYPH_ZAP_OFF);
  shift(G.GLYPH_WARNING_OFF, N.GLYPH_WARNING_OFF, G.GLYPH_STATUE_OFF - G.GLYPH_WARNING_OFF);
  t[G.GLYPH_UNEXPLORED] = N.GLYPH_CMAP_OFF + G.S.stone;
  return t;
}

let table: Int16Array | undefined;

/** The translation table for this build (built once per thread from a running game's tables). */
export function nleGlyphTable(game: NetHackGame): Int16Array {
  table ??= buildNleGlyphTable(readCatalog(game));
  return table;
}

/** Translates glyph ids (e.g. an observation's `glyphs`) to NLE's; `out` may be `glyphs` itself. */
export function toNleGlyphs(
  table: Int16Array,
  glyphs: Int16Array,
  out: Int16Array = new Int16Array(glyphs.length),
): Int16Array {
  for (let i = 0; i < glyphs.length; i++) {
    const g = glyphs[i];
    out[i] = g >= 0 && g < table.length ? table[g] : -1;
  }
  return out;
}
