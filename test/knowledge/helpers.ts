/** Builders for hand-placed observations used by the knowledge tests. */
import { BL } from "../../src/env/blstats.js";
import { allocObservation, COLS, INV_STR_LEN, MSG_LEN, type Observation } from "../../src/env/observation.js";
import {
  GLYPH_BODY_OFF,
  GLYPH_CMAP_OFF,
  GLYPH_MON_OFF,
  GLYPH_OBJ_OFF,
  GLYPH_PET_OFF,
  GLYPH_UNEXPLORED,
  S,
} from "../../src/nethack/glyphs.js";
import { extractConditions, type ExtractionMemory, type Hypergraph } from "../../src/knowledge/index.js";

export const cmap = (s: number): number => GLYPH_CMAP_OFF + s;
/** A monster glyph id of this build's layout (monster index 20, arbitrary). */
export const MONSTER = GLYPH_MON_OFF + 20;
/** The glyph the hero is drawn with here (any monster glyph: the hero is a monster on the map). */
export const HERO = GLYPH_MON_OFF + 330;
export const PET = GLYPH_PET_OFF + 20;
export const OBJECT = GLYPH_OBJ_OFF + 100;
export const CORPSE = GLYPH_BODY_OFF + 20;

export interface ObsOptions {
  x?: number;
  y?: number;
  hp?: number;
  hpmax?: number;
}

/** Nothing known except the hero at (x, y), with healthy default status. */
export function blankObs(opts: ObsOptions = {}): Observation {
  const o = allocObservation();
  o.glyphs.fill(GLYPH_UNEXPLORED);
  o.chars.fill(32);
  const x = opts.x ?? 40;
  const y = opts.y ?? 10;
  const b = o.blstats;
  b[BL.X] = x;
  b[BL.Y] = y;
  b[BL.HP] = opts.hp ?? 14;
  b[BL.HPMAX] = opts.hpmax ?? 14;
  b[BL.ENE] = 5;
  b[BL.ENEMAX] = 5;
  b[BL.DEPTH] = 1;
  b[BL.DLEVEL] = 1;
  b[BL.XP] = 1;
  b[BL.AC] = 4;
  b[BL.HUNGER] = 1;
  b[BL.TIME] = 1;
  put(o, x, y, HERO, "@");
  return o;
}

export function put(o: Observation, x: number, y: number, glyph: number, ch = "."): void {
  o.glyphs[y * COLS + x] = glyph;
  o.chars[y * COLS + x] = ch.charCodeAt(0);
}

export function heroPos(o: Observation): [number, number] {
  return [o.blstats[BL.X], o.blstats[BL.Y]];
}

/** Places a glyph relative to the hero. */
export function near(o: Observation, dx: number, dy: number, glyph: number, ch = "."): void {
  const [x, y] = heroPos(o);
  put(o, x + dx, y + dy, glyph, ch);
}

/** Moves the hero (its glyph too): the old square gets `leave` (default: what was there before, unknown). */
export function moveHero(o: Observation, x: number, y: number, leave: number): void {
  const [hx, hy] = heroPos(o);
  put(o, hx, hy, leave);
  o.blstats[BL.X] = x;
  o.blstats[BL.Y] = y;
  put(o, x, y, HERO, "@");
}

/** A lit room: walls with corners around floor from (x0, y0) to (x1, y1) inclusive (floor area). */
export function room(o: Observation, x0: number, y0: number, x1: number, y1: number, floor = S.room): void {
  const [hx, hy] = heroPos(o);
  for (let y = y0 - 1; y <= y1 + 1; y++) {
    for (let x = x0 - 1; x <= x1 + 1; x++) {
      let s: number = floor;
      const top = y === y0 - 1;
      const bottom = y === y1 + 1;
      const left = x === x0 - 1;
      const right = x === x1 + 1;
      if (top && left) s = S.tlcorn;
      else if (top && right) s = S.trcorn;
      else if (bottom && left) s = S.blcorn;
      else if (bottom && right) s = S.brcorn;
      else if (top || bottom) s = S.hwall;
      else if (left || right) s = S.vwall;
      if (x === hx && y === hy) continue; // the hero covers its square
      put(o, x, y, cmap(s), s === floor ? "." : "-");
    }
  }
}

export function setMessage(o: Observation, text: string): void {
  o.message.fill(0);
  for (let i = 0; i < text.length && i < MSG_LEN - 1; i++) o.message[i] = text.charCodeAt(i);
}

export function addItem(o: Observation, slot: number, letter: string, oclass: number, text: string): void {
  o.inv_letters[slot] = letter.charCodeAt(0);
  o.inv_oclasses[slot] = oclass;
  for (let k = 0; k < text.length && k < INV_STR_LEN - 1; k++)
    o.inv_strs[slot * INV_STR_LEN + k] = text.charCodeAt(k);
}

/** The labels of the conditions that are on. */
export function onLabels(o: Observation, graph: Hypergraph, memory?: ExtractionMemory): Set<string> {
  const c = extractConditions(o, graph, undefined, memory);
  const on = new Set<string>();
  graph.conditionNodes.forEach((node, k) => {
    if (c[k]) on.add(graph.nodes[node].label);
  });
  return on;
}

/** The labels, among those starting with `prefix`, that are on. */
export function onWithPrefix(o: Observation, graph: Hypergraph, prefix: string): string[] {
  return [...onLabels(o, graph)].filter((l) => l.startsWith(prefix)).sort();
}
