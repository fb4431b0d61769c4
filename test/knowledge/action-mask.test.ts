import { test } from "node:test";
import assert from "node:assert/strict";
import { BL } from "../../src/env/blstats.js";
import { OCLASS, S } from "../../src/nethack/glyphs.js";
import { InvalidArgumentError } from "../../src/util/errors.js";
import {
  actionMask,
  buildHypergraph,
  extractConditions,
  loadBuiltinGraph,
  makeActionMasker,
  SCORE_ACTION_KEYS,
} from "../../src/knowledge/index.js";
import { addItem, blankObs, cmap, MONSTER, near, room, setMessage } from "./helpers.js";
import type { Observation } from "../../src/env/observation.js";

const graph = loadBuiltinGraph();
const A = {
  MORE: 0,
  N: 1,
  E: 2,
  S: 3,
  W: 4,
  NE: 5,
  SE: 6,
  SW: 7,
  NW: 8,
  RUN_N: 9,
  RUN_E: 10,
  RUN_W: 12,
  UP: 17,
  DOWN: 18,
  WAIT: 19,
  KICK: 20,
  EAT: 21,
  SEARCH: 22,
};

const maskOf = (o: Observation): Uint8Array => actionMask(extractConditions(o, graph), graph, 23);

/** Hero in the top-left corner of a lit room, full HP, nothing around. */
function corner(): Observation {
  const o = blankObs({ x: 30, y: 5 });
  room(o, 30, 5, 40, 10);
  return o;
}

test("moves into walls are masked, moves onto floor allowed", () => {
  const m = maskOf(corner());
  for (const a of [A.N, A.W, A.NW, A.NE, A.SW, A.RUN_N, A.RUN_W]) assert.equal(m[a], 0, `action ${a}`);
  for (const a of [A.E, A.S, A.SE, A.RUN_E]) assert.equal(m[a], 1, `action ${a}`);
  assert.equal(m[A.MORE], 1);
  assert.equal(m[A.SEARCH], 1, "searching is always possible");
});

test("> only on stairs down, < only on stairs up below level 1", () => {
  const o = corner();
  let m = maskOf(o);
  assert.equal(m[A.DOWN], 0);
  assert.equal(m[A.UP], 0);
  near(o, 1, 1, cmap(S.dnstair), ">");
  assert.equal(maskOf(o)[A.DOWN], 0, "stairs next to the hero are not stairs under it");
  setMessage(o, "There is a staircase down here.");
  m = maskOf(o);
  assert.equal(m[A.DOWN], 1);
  assert.equal(m[A.UP], 0);
  setMessage(o, "There is a staircase up here.");
  m = maskOf(o);
  assert.equal(m[A.UP], 0, "climbing out of the dungeon from level 1 ends the game: masked");
  assert.equal(m[A.DOWN], 0);
  o.blstats[BL.DEPTH] = 2;
  m = maskOf(o);
  assert.equal(m[A.UP], 1);
  assert.equal(m[A.DOWN], 0);
});

test("eat only with food carried or a corpse here", () => {
  const o = corner();
  assert.equal(maskOf(o)[A.EAT], 0);
  setMessage(o, "You see here a newt corpse.");
  assert.equal(maskOf(o)[A.EAT], 1);
  setMessage(o, "");
  addItem(o, 0, "d", OCLASS.FOOD, "2 food rations");
  assert.equal(maskOf(o)[A.EAT], 1);
  addItem(o, 0, "d", OCLASS.POTION, "a potion of water");
  assert.equal(maskOf(o)[A.EAT], 0);
});

test("kick needs a door or a monster next to the hero; wait needs a reason", () => {
  const o = corner();
  let m = maskOf(o);
  assert.equal(m[A.KICK], 0);
  assert.equal(m[A.WAIT], 0, "full HP, full power, nothing coming: waiting is masked");
  near(o, 1, 0, cmap(S.vcdoor), "+");
  m = maskOf(o);
  assert.equal(m[A.KICK], 1);
  assert.equal(m[A.E], 1, "moving into a closed door opens it");
  assert.equal(m[A.SE], 1);
  const p = corner();
  near(p, 1, 1, MONSTER, "d");
  m = maskOf(p);
  assert.equal(m[A.KICK], 1);
  assert.equal(m[A.SE], 1, "attack the monster");
  const q = corner();
  near(q, 3, 3, MONSTER, "d");
  assert.equal(maskOf(q)[A.WAIT], 1, "a monster approaching: waiting for it is allowed");
  const r = corner();
  r.blstats[BL.HP] = 7;
  assert.equal(maskOf(r)[A.WAIT], 1, "hurt: resting is allowed");
});

test("prompts unmask their answers", () => {
  const o = corner();
  setMessage(o, "In what direction?");
  const m = maskOf(o);
  for (const a of [A.N, A.W, A.NW, A.UP, A.DOWN, A.WAIT]) assert.equal(m[a], 1, `direction answer ${a}`);
  setMessage(o, "Really attack the watchman? [yn] (n)");
  const y = maskOf(o);
  assert.equal(y[A.NW], 1, "y");
  assert.equal(y[A.SE], 1, "n");
});

test("never masks every action; MORE always allowed", () => {
  const zeros = new Uint8Array(graph.conditionNodes.length);
  assert.deepEqual([...actionMask(zeros, graph)], new Array(23).fill(1));
  // A graph whose only gated operator is not satisfied.
  const tiny = buildHypergraph({
    meta: { version: "1", source: "t" },
    nodes: [
      { id: "c", label: "on_stairs_down", type: "condition" },
      { id: "o", label: "down", type: "operator", expert: "Exploration", actions: [18] },
    ],
    edges: [{ src: "c", dst: "o", relation: "satisfies" }],
  });
  assert.deepEqual([...actionMask(new Uint8Array([0]), tiny)], new Array(23).fill(1));
  const on = actionMask(new Uint8Array([1]), tiny);
  assert.deepEqual(
    [...on].map((v, a) => (v ? a : -1)).filter((a) => a >= 0),
    [0, 18],
  );
  // Boxed in by walls with nothing to do: still something besides MORE.
  const o = blankObs();
  for (const [dx, dy] of [
    [0, -1],
    [1, 0],
    [0, 1],
    [-1, 0],
    [1, -1],
    [1, 1],
    [-1, 1],
    [-1, -1],
  ])
    near(o, dx, dy, cmap(S.hwall), "-");
  const m = maskOf(o);
  assert.equal(m[A.MORE], 1);
  assert.ok([...m].slice(1).some((v) => v === 1));
});

test("ungated operators (no satisfies edge) are always enabled; context_of never gates", () => {
  const g = buildHypergraph({
    meta: { version: "1", source: "t" },
    nodes: [
      { id: "c", label: "hp_full", type: "condition" },
      { id: "o1", label: "always", type: "operator", expert: "General", actions: [22] },
      { id: "o2", label: "ctx", type: "operator", expert: "General", actions: [19] },
      { id: "o3", label: "gated", type: "operator", expert: "General", actions: [20] },
    ],
    edges: [
      { src: "c", dst: "o2", relation: "context_of" },
      { src: "c", dst: "o3", relation: "satisfies" },
    ],
  });
  const allowed = (c: number) =>
    [...actionMask(new Uint8Array([c]), g)].map((v, a) => (v ? a : -1)).filter((a) => a >= 0);
  // o2 has only a context edge: ungated like o1.
  assert.deepEqual(allowed(0), [0, 19, 22]);
  assert.deepEqual(allowed(1), [0, 19, 20, 22]);
});

test("full-set commands resolve through keys; batch masks match single ones", () => {
  const keys = [13, 107, "o".charCodeAt(0), ",".charCodeAt(0), "e".charCodeAt(0), "s".charCodeAt(0)];
  const masker = makeActionMasker(graph, keys);
  const o = corner();
  let m = masker.mask(extractConditions(o, graph));
  assert.deepEqual([...m], [1, 0, 0, 0, 0, 1]);
  near(o, 1, 0, cmap(S.vcdoor), "+");
  setMessage(o, "You see here a dagger.");
  m = masker.mask(extractConditions(o, graph));
  assert.deepEqual([...m], [1, 0, 1, 1, 0, 1]);

  const obs = [corner(), o];
  const C = graph.conditionNodes.length;
  const conds = new Uint8Array(2 * C);
  obs.forEach((x, i) => conds.set(extractConditions(x, graph), i * C));
  const score = makeActionMasker(graph);
  const out = score.maskBatch(conds, 2, new Uint8Array(2 * 23));
  assert.deepEqual([...out.subarray(0, 23)], [...maskOf(obs[0])]);
  assert.deepEqual([...out.subarray(23)], [...maskOf(obs[1])]);
  assert.equal(SCORE_ACTION_KEYS.length, 23);
  assert.throws(() => actionMask(conds, graph, 121), InvalidArgumentError);
  assert.throws(() => score.mask(new Uint8Array(3)), /conditions length/);
});
