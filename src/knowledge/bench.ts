/**
 * Extraction benchmark on synthetic but game-like observations: a level with lit and dark rooms, walls, doors,
 * corridors, stairs, monsters, a pet, objects, a message and a starting inventory.
 */
import { BL, allocObservation, COLS, INV_STR_LEN, ROWS, type Observation } from "../env/index.js";
import {
  GLYPH_BODY_OFF,
  GLYPH_CMAP_OFF,
  GLYPH_MON_OFF,
  GLYPH_OBJ_OFF,
  GLYPH_PET_OFF,
  GLYPH_UNEXPLORED,
  OCLASS,
  S,
} from "../nethack/index.js";
import { InvalidArgumentError, Rng } from "../util/index.js";
import { extractConditions } from "./extract.js";
import { loadBuiltinGraph } from "./loader.js";
import { ExtractionMemory } from "./memory.js";
import type { Hypergraph } from "./types.js";

const cm = (s: number): number => GLYPH_CMAP_OFF + s;

/** A game-like observation; different seeds give different layouts and hero positions. */
export function syntheticObservation(seed: number): Observation {
  const rng = new Rng(seed);
  const o = allocObservation();
  o.glyphs.fill(GLYPH_UNEXPLORED);
  o.chars.fill(32);
  const put = (x: number, y: number, g: number, ch = 46): void => {
    if (x < 0 || x >= COLS || y < 0 || y >= ROWS) return;
    o.glyphs[y * COLS + x] = g;
    o.chars[y * COLS + x] = ch;
  };
  const rooms: [number, number, number, number][] = [];
  for (let r = 0; r < 5; r++) {
    const w = 5 + rng.int(10);
    const h = 3 + rng.int(4);
    const x0 = 1 + r * 15 + rng.int(3);
    const y0 = 1 + rng.int(ROWS - h - 3);
    rooms.push([x0, y0, w, h]);
    const floor = r % 2 === 0 ? cm(S.room) : cm(S.darkroom);
    for (let y = y0; y <= y0 + h + 1; y++) {
      for (let x = x0; x <= x0 + w + 1; x++) {
        const edgeY = y === y0 || y === y0 + h + 1;
        const edgeX = x === x0 || x === x0 + w + 1;
        if (edgeY && edgeX)
          put(x, y, cm(y === y0 ? (x === x0 ? S.tlcorn : S.trcorn) : x === x0 ? S.blcorn : S.brcorn), 45);
        else if (edgeY) put(x, y, cm(S.hwall), 45);
        else if (edgeX) put(x, y, cm(S.vwall), 124);
        else put(x, y, floor);
      }
    }
    put(x0 + w + 1, y0 + 1 + rng.int(h), cm(rng.next() < 0.5 ? S.vcdoor : S.vodoor), 43);
  }
  // Corridors between rooms.
  for (let r = 0; r + 1 < rooms.length; r++) {
    const [ax, ay, aw] = rooms[r];
    const [bx, by] = rooms[r + 1];
    const y = ay + 1;
    for (let x = ax + aw + 2; x < bx; x++) put(x, y, cm(S.corr), 35);
    for (let yy = Math.min(y, by + 1); yy <= Math.max(y, by + 1); yy++) put(bx - 1, yy, cm(S.corr), 35);
  }
  const inRoom = (r: number): [number, number] => {
    const [x0, y0, w, h] = rooms[r];
    return [x0 + 1 + rng.int(w), y0 + 1 + rng.int(h)];
  };
  const [sx, sy] = inRoom(2);
  put(sx, sy, cm(S.dnstair), 62);
  const [ux, uy] = inRoom(0);
  put(ux, uy, cm(S.upstair), 60);
  const [fx, fy] = inRoom(3);
  put(fx, fy, cm(S.fountain), 123);
  for (let m = 0; m < 4; m++) {
    const [mx, my] = inRoom(rng.int(rooms.length));
    put(mx, my, GLYPH_MON_OFF + rng.int(300), 100);
  }
  for (let k = 0; k < 6; k++) {
    const [ix, iy] = inRoom(rng.int(rooms.length));
    const kind = rng.int(3);
    if (kind === 0) put(ix, iy, GLYPH_BODY_OFF + rng.int(300), 37);
    else put(ix, iy, GLYPH_OBJ_OFF + rng.int(400), kind === 1 ? 36 : 41);
  }
  const [hx, hy] = inRoom(rng.int(rooms.length));
  const [px, py] = [hx + 1, hy];
  put(px, py, GLYPH_PET_OFF + 10, 100);
  put(hx, hy, GLYPH_MON_OFF + 340, 64); // the hero
  const b = o.blstats;
  b[BL.X] = hx;
  b[BL.Y] = hy;
  b[BL.HP] = 10 + rng.int(5);
  b[BL.HPMAX] = 14;
  b[BL.ENE] = 2;
  b[BL.ENEMAX] = 5;
  b[BL.DEPTH] = 1 + rng.int(3);
  b[BL.DLEVEL] = b[BL.DEPTH];
  b[BL.XP] = 1;
  b[BL.AC] = 4;
  b[BL.HUNGER] = 1;
  b[BL.TIME] = 100 + seed;
  const msgs = [
    "You see here a food ration.",
    "The jackal bites!",
    "",
    "You hit the newt.",
    "There is a staircase down here.",
  ];
  const msg = msgs[seed % msgs.length];
  for (let i = 0; i < msg.length; i++) o.message[i] = msg.charCodeAt(i);
  const inv: [string, number, string][] = [
    ["a", OCLASS.ARMOR, "an uncursed +2 pair of leather gloves (being worn)"],
    ["b", OCLASS.ARMOR, "an uncursed +1 robe (being worn)"],
    ["c", OCLASS.POTION, "3 uncursed potions of healing"],
    ["d", OCLASS.FOOD, "3 food rations"],
    ["e", OCLASS.FOOD, "5 apples"],
    ["f", OCLASS.SCROLL, "an uncursed spellbook of sleep"],
    ["g", OCLASS.WEAPON, "a +0 dagger (weapon in hand)"],
  ];
  inv.forEach(([l, c, s], i) => {
    o.inv_letters[i] = l.charCodeAt(0);
    o.inv_oclasses[i] = c;
    for (let k = 0; k < s.length && k < INV_STR_LEN - 1; k++)
      o.inv_strs[i * INV_STR_LEN + k] = s.charCodeAt(k);
  });
  return o;
}

export interface BenchOptions {
  /** Observations extracted in all (default 20,000), after a warm-up. */
  iterations?: number;
  graph?: Hypergraph;
  /**
   * "min" (default): the fastest batch of 100, i.e. the cost with the CPU to itself (batches hit by other processes
   * are discarded); "median": the median batch; "mean": total time / iterations.
   */
  statistic?: "min" | "median" | "mean";
}

/**
 * Microseconds per observation of extractConditions (with an ExtractionMemory, as in training), cycling through 16
 * synthetic observations, measured in batches of 100.
 */
export function benchExtraction(opts: BenchOptions = {}): number {
  const iterations = opts.iterations ?? 20000;
  if (!Number.isInteger(iterations) || iterations < 100)
    throw new InvalidArgumentError("iterations", iterations, "an integer ≥ 100");
  const statistic = opts.statistic ?? "min";
  const graph = opts.graph ?? loadBuiltinGraph();
  const observations = Array.from({ length: 16 }, (_, i) => syntheticObservation(i));
  const out = new Uint8Array(graph.conditionNodes.length);
  const memory = new ExtractionMemory(1);
  const BATCH = 100;
  for (let i = 0; i < 5000; i++) extractConditions(observations[i & 15], graph, out, memory);
  const batches = Math.floor(iterations / BATCH);
  const perObs = new Float64Array(batches);
  let i = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < BATCH; k++, i++) extractConditions(observations[i & 15], graph, out, memory);
    perObs[b] = Number(process.hrtime.bigint() - t0) / 1000 / BATCH;
  }
  if (statistic === "mean") return perObs.reduce((s, v) => s + v, 0) / batches;
  perObs.sort();
  return statistic === "median" ? perObs[batches >> 1] : perObs[0];
}
