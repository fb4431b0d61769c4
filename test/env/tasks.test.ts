// Reward and end-condition tests for every task, against the real game. Expected rewards are computed here from
// the game's own observations (blstats, glyphs, messages, hero memory) before and after each step, never from
// the task functions themselves.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  makeEnv,
  BL,
  HUNGER,
  COLS,
  ROWS,
  FULL_ACTIONS,
  TASK_NAMES,
  decodeCString,
  type NetHackEnv,
  type Observation,
  type StepResult,
} from "../../src/env/index.js";
import { petAdjacent } from "../../src/env/tasks.js";
import {
  GLYPH_CMAP_OFF,
  GLYPH_INVIS_OFF,
  GLYPH_MON_OFF,
  GLYPH_OBJ_OFF,
  GLYPH_PET_OFF,
  GLYPH_UNEXPLORED,
  S,
} from "../../src/nethack/glyphs.js";
import { readHero, newHeroState } from "../../src/nethack/hero.js";
import { readMonsterNames } from "../../src/nethack/catalog.js";
import { Rng } from "../../src/util/rng.js";

const PENALTY = -0.01;
// Score action set (NLE's TASK_ACTIONS): 0 MORE, 1..8 N E S W NE SE SW NW, 17 <, 18 >, 19 ., 21 eat, 22 search.
const MORE = 0;
const SOUTH = 3;
const WEST_H = 4; // "h": also the answer to an inventory-letter prompt
const UP = 17;
const DOWN = 18;
const EAT = 21;
const SEARCH = 22;
const full = (c: string) => FULL_ACTIONS.indexOf(c.charCodeAt(0));

/** The clock rule every task adds: −0.01 when blstats[TIME] did not move, 0 when it did. */
const clock = (before: Int32Array, after: Int32Array) => (after[BL.TIME] === before[BL.TIME] ? PENALTY : 0);

/** Steps and returns the result with a copy of blstats before the step. */
function stepWith(env: NetHackEnv, obs: Observation, action: number) {
  const before = Int32Array.from(obs.blstats);
  const r = env.step(action);
  return { r, before, after: r.obs.blstats, msg: decodeCString(r.obs.message) };
}

/** Counts steps by clock kind, so each test can show it saw both. */
class ClockKinds {
  frozen = 0;
  advanced = 0;
  add(before: Int32Array, after: Int32Array) {
    if (after[BL.TIME] === before[BL.TIME]) this.frozen++;
    else this.advanced++;
  }
}

/**
 * Random play from a fresh game on `seed`: up to `steps` uniformly random actions drawn from `rng`, `check` on
 * every step, stopping when the episode ends; returns the clock kinds seen.
 */
function randomPlay(
  env: NetHackEnv,
  seed: number,
  rng: Rng,
  steps: number,
  check: (s: ReturnType<typeof stepWith>, k: number) => void,
  kinds = new ClockKinds(),
): ClockKinds {
  let obs = env.reset({ seed }).obs;
  for (let k = 0; k < steps; k++) {
    const s = stepWith(env, obs, rng.int(env.numActions));
    obs = s.r.obs;
    kinds.add(s.before, s.after);
    check(s, k);
    if (s.r.terminated || s.r.truncated) break;
  }
  return kinds;
}

/** Δ score plus the clock rule (the score and challenge tasks). */
const scoreRule = (s: ReturnType<typeof stepWith>, k: number) =>
  assert.equal(s.r.reward, s.after[BL.SCORE] - s.before[BL.SCORE] + clock(s.before, s.after), `step ${k}`);

// --- A breadth-first walker over the seen map, to reach a downstair with compass moves. ---
const DIRS = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
  [1, -1],
  [1, 1],
  [-1, 1],
  [-1, -1],
]; // actions 1..8
const FLOOR = new Set(
  [
    S.room,
    S.darkroom,
    S.corr,
    S.litcorr,
    S.ndoor,
    S.vodoor,
    S.hodoor,
    S.vcdoor,
    S.hcdoor,
    S.upstair,
    S.dnstair,
    S.fountain,
    S.altar,
    S.sink,
  ].map((s) => GLYPH_CMAP_OFF + s),
);
const DOORS = new Set([S.vodoor, S.hodoor, S.vcdoor, S.hcdoor].map((s) => GLYPH_CMAP_OFF + s));
const DNSTAIR = GLYPH_CMAP_OFF + S.dnstair;

function passable(obs: Observation, i: number): boolean {
  const g = obs.glyphs[i];
  if (FLOOR.has(g)) return true;
  if (g >= GLYPH_OBJ_OFF && g < GLYPH_CMAP_OFF) return obs.chars[i] !== "0".charCodeAt(0); // not a boulder
  return g >= GLYPH_PET_OFF && g < GLYPH_INVIS_OFF; // the pet swaps places
}

/** First move of a shortest path from the hero to a cell satisfying `goal`, or -1. */
function firstMove(obs: Observation, goal: (i: number) => boolean): number {
  const start = obs.blstats[BL.Y] * COLS + obs.blstats[BL.X];
  const first = new Int32Array(ROWS * COLS).fill(-1);
  first[start] = 0;
  const queue = [start];
  for (let h = 0; h < queue.length; h++) {
    const i = queue[h];
    if (i !== start && goal(i)) return first[i];
    const x = i % COLS;
    const y = (i - x) / COLS;
    for (let d = 0; d < 8; d++) {
      const nx = x + DIRS[d][0];
      const ny = y + DIRS[d][1];
      if (nx < 0 || ny < 0 || nx >= COLS || ny >= ROWS) continue;
      const j = ny * COLS + nx;
      if (first[j] >= 0 || !passable(obs, j)) continue;
      if (d >= 4 && (DOORS.has(obs.glyphs[j]) || DOORS.has(obs.glyphs[i]))) continue; // no diagonal door moves
      first[j] = i === start ? d + 1 : first[i];
      queue.push(j);
    }
  }
  return -1;
}

/**
 * Explores (nearest unvisited cell next to unexplored space) until a downstair is seen, then walks onto it.
 * `check` sees every step. Returns the observation with the hero on the downstair.
 */
function walkToDownstairs(
  env: NetHackEnv,
  obs: Observation,
  check: (s: ReturnType<typeof stepWith>) => void,
  maxSteps = 200,
): Observation {
  const visited = new Uint8Array(ROWS * COLS);
  let stairs = -1;
  for (let k = 0; k < maxSteps; k++) {
    const here = obs.blstats[BL.Y] * COLS + obs.blstats[BL.X];
    visited[here] = 1;
    if (stairs < 0) stairs = obs.glyphs.indexOf(DNSTAIR);
    if (stairs === here) return obs;
    const frontier = (i: number) => {
      if (visited[i]) return false;
      const x = i % COLS;
      const y = (i - x) / COLS;
      return DIRS.some(([dx, dy]) => {
        const nx = x + dx;
        const ny = y + dy;
        return (
          nx >= 0 && ny >= 0 && nx < COLS && ny < ROWS && obs.glyphs[ny * COLS + nx] === GLYPH_UNEXPLORED
        );
      });
    };
    let a = firstMove(obs, stairs >= 0 ? (i) => i === stairs : frontier);
    if (a < 0) a = SEARCH;
    const s = stepWith(env, obs, a);
    check(s);
    obs = s.r.obs;
  }
  throw new Error(`no downstair reached in ${maxSteps} steps`);
}

/** Cells next to the hero holding a pet glyph, by a plain scan of the glyph grid. */
function petCellsAround(obs: Observation): number[] {
  const x = obs.blstats[BL.X];
  const y = obs.blstats[BL.Y];
  const cells: number[] = [];
  for (let yy = y - 1; yy <= y + 1; yy++) {
    for (let xx = x - 1; xx <= x + 1; xx++) {
      if ((xx === x && yy === y) || xx < 0 || yy < 0 || xx >= COLS || yy >= ROWS) continue;
      const g = obs.glyphs[yy * COLS + xx];
      if (g >= GLYPH_PET_OFF && g < GLYPH_INVIS_OFF) cells.push(yy * COLS + xx);
    }
  }
  return cells;
}

/** Asserts a step of a task whose only reward is the clock rule (no success). */
function assertClockOnly(s: ReturnType<typeof stepWith>, what: string) {
  assert.equal(
    s.r.reward,
    clock(s.before, s.after),
    `${what}: reward (T ${s.before[BL.TIME]}→${s.after[BL.TIME]})`,
  );
  assert.equal(s.r.terminated, false, what);
  assert.equal(s.after[BL.DEPTH], s.before[BL.DEPTH], `${what}: depth`);
}

test("score: reward is Δ blstats score, −0.01 exactly when the clock stands still", () => {
  const env = makeEnv({ task: "score" });
  let { obs } = env.reset({ seed: 29 }); // 3 gold pieces lie just south of the hero
  const script: Array<[number, RegExp, number]> = [
    [EAT, /What do you want to eat\?/, PENALTY], // the first key of a prompt takes no game time
    [MORE, /Never mind/, PENALTY],
    [SOUTH, /\$ - 3 gold pieces/, 3], // gold picked up: score +3, clock advances
    [DOWN, /You can't go down here/, PENALTY],
  ];
  for (const [a, msg, expected] of script) {
    const s = stepWith(env, obs, a);
    obs = s.r.obs;
    assert.match(s.msg, msg);
    assert.equal(s.r.reward, expected, `action ${a}`);
    assert.equal(s.r.reward, s.after[BL.SCORE] - s.before[BL.SCORE] + clock(s.before, s.after));
  }
  assert.equal(obs.blstats[BL.SCORE], 3);
  assert.equal(obs.blstats[BL.GOLD], 3);

  // A new deepest level is worth 50 points (botl_score); going back up and down again is worth nothing.
  obs = walkToDownstairs(env, env.reset({ seed: 3 }).obs, (s) =>
    assert.equal(s.r.reward, s.after[BL.SCORE] - s.before[BL.SCORE] + clock(s.before, s.after)),
  );
  for (const [a, depth, points] of [
    [DOWN, 2, 50],
    [UP, 1, 0],
    [DOWN, 2, 0],
  ]) {
    const s = stepWith(env, obs, a);
    obs = s.r.obs;
    assert.equal(s.after[BL.DEPTH], depth);
    assert.equal(s.after[BL.SCORE] - s.before[BL.SCORE], points);
    assert.equal(s.r.reward, points + clock(s.before, s.after));
  }

  // Random play: the rule holds on every step.
  const kinds = randomPlay(env, 21, new Rng(1), 300, scoreRule);
  assert.ok(kinds.frozen > 10 && kinds.advanced > 10, JSON.stringify(kinds));
  env.close();
});

test("challenge: full keyboard, Δ score plus the clock rule (inventory and look take no time)", () => {
  const env = makeEnv({ task: "challenge" });
  assert.equal(env.numActions, FULL_ACTIONS.length);
  let { obs } = env.reset({ seed: 11 }); // gold just west of a random character
  const script: Array<[number, RegExp, number]> = [
    [full("i"), /^$/, PENALTY], // inventory menu, dismissed
    [full("h"), /\$ - 2 gold pieces/, 2],
    [full(":"), /You see no objects here/, PENALTY],
    [full(">"), /You can't go down here/, PENALTY],
  ];
  for (const [a, msg, expected] of script) {
    const s = stepWith(env, obs, a);
    obs = s.r.obs;
    assert.match(s.msg, msg);
    assert.equal(s.r.reward, expected, `action ${a}`);
    assert.equal(s.r.reward, s.after[BL.SCORE] - s.before[BL.SCORE] + clock(s.before, s.after));
    assert.equal(s.r.terminated, false);
  }
  const kinds = randomPlay(env, 12, new Rng(2), 300, scoreRule);
  assert.ok(kinds.frozen > 10 && kinds.advanced > 5, JSON.stringify(kinds));
  env.close();
});

test("gold: reward is Δ blstats gold plus the clock rule; a pickup pays exactly the coins", () => {
  const env = makeEnv({ task: "gold" });
  const { obs } = env.reset({ seed: 29 });
  assert.equal(obs.blstats[BL.GOLD], 0);
  let s = stepWith(env, obs, EAT);
  assert.equal(s.r.reward, PENALTY);
  s = stepWith(env, s.r.obs, MORE);
  assert.equal(s.r.reward, PENALTY);
  s = stepWith(env, s.r.obs, SOUTH);
  const coins = Number(/\$ - (\d+) gold pieces?/.exec(s.msg)?.[1]);
  assert.equal(coins, 3, s.msg);
  assert.ok(s.after[BL.TIME] > s.before[BL.TIME]);
  assert.equal(s.after[BL.GOLD] - s.before[BL.GOLD], coins);
  assert.equal(s.r.reward, coins);

  // Random play on two seeds that start near gold: the rule holds on every step, and some coins are picked up.
  const rng = new Rng(3);
  const kinds = new ClockKinds();
  let gained = 0;
  for (const seed of [25, 26]) {
    randomPlay(
      env,
      seed,
      rng,
      200,
      (t, k) => {
        gained += t.after[BL.GOLD] - t.before[BL.GOLD];
        assert.equal(
          t.r.reward,
          t.after[BL.GOLD] - t.before[BL.GOLD] + clock(t.before, t.after),
          `step ${k}`,
        );
      },
      kinds,
    );
  }
  assert.ok(kinds.frozen > 10 && kinds.advanced > 10, JSON.stringify(kinds));
  assert.ok(gained > 0, "random play picked up gold (10 coins on these seeds)");
  env.close();
});

test("eat: reward is the rise of the game's nutrition counter (u.uhunger) plus the clock rule", () => {
  const env = makeEnv({ task: "eat" });
  let { obs } = env.reset({ seed: 29 });
  const hero = newHeroState();
  const nutrition = () => readHero(env.rawGame!, hero).uhunger;
  // A new hero starts with 900 nutrition (u_init) and is "Not hungry".
  assert.equal(nutrition(), 900);
  assert.equal(obs.blstats[BL.HUNGER], HUNGER.NOT_HUNGRY);
  // Inventory letter h holds the Monk's oranges (80 nutrition each, eaten in one move).
  const h = obs.inv_letters.indexOf("h".charCodeAt(0));
  assert.match(decodeCString(obs.inv_strs, h * 80, 80), /oranges/);
  const eatOrange = () => {
    const prompt = stepWith(env, obs, EAT);
    assert.match(prompt.msg, /What do you want to eat\? \[fghi/);
    assert.equal(prompt.r.reward, PENALTY, "the prompt takes no time");
    const u0 = nutrition();
    const s = stepWith(env, prompt.r.obs, WEST_H);
    const u1 = nutrition();
    obs = s.r.obs;
    assert.match(s.msg, /This orange is delicious/);
    const turns = s.after[BL.TIME] - s.before[BL.TIME];
    assert.ok(turns === 0 || turns === 1, `${turns} turns`); // a fast Monk sometimes acts within a turn
    // NetHack: +80 for the orange, −1 per turn of digestion.
    assert.equal(u1 - u0, 80 - turns);
    assert.equal(s.r.reward, Math.max(0, u1 - u0) + clock(s.before, s.after));
    return u1;
  };
  assert.equal(eatOrange(), 979);
  // Over 1000 the game itself reports "Satiated": the counter we read is the one the game uses.
  const after2 = eatOrange();
  assert.ok(after2 > 1000, `${after2}`);
  assert.equal(obs.blstats[BL.HUNGER], HUNGER.SATIATED);

  // Random play: digestion never gives negative reward; eating gives exactly the rise.
  const rng = new Rng(4);
  const kinds = new ClockKinds();
  obs = env.reset({ seed: 30 }).obs;
  for (let k = 0; k < 300; k++) {
    const u0 = nutrition();
    const s = stepWith(env, obs, rng.int(env.numActions));
    obs = s.r.obs;
    if (s.r.terminated || s.r.truncated) break;
    const u1 = nutrition();
    kinds.add(s.before, s.after);
    assert.equal(s.r.reward, Math.max(0, u1 - u0) + clock(s.before, s.after), `step ${k}`);
  }
  assert.ok(kinds.frozen > 10 && kinds.advanced > 10, JSON.stringify(kinds));
  env.close();
});

test("staircase: clock-rule rewards on level 1, then +1 and success when the hero goes down '>'", () => {
  const env = makeEnv({ task: "staircase" });
  let { obs } = env.reset({ seed: 3 });
  // '>' off the stairs: no time, no reward, no end.
  const off = stepWith(env, obs, DOWN);
  assert.match(off.msg, /You can't go down here/);
  assertClockOnly(off, "'>' off the stairs");
  assert.equal(off.r.reward, PENALTY);
  const kinds = new ClockKinds();
  obs = walkToDownstairs(env, off.r.obs, (s) => {
    kinds.add(s.before, s.after);
    assertClockOnly(s, `walk step T=${s.before[BL.TIME]}`);
    assert.equal(s.after[BL.DEPTH], 1);
  });
  assert.ok(kinds.frozen > 0 && kinds.advanced > 0, JSON.stringify(kinds));
  const down = stepWith(env, obs, DOWN);
  assert.equal(down.after[BL.DEPTH], 2);
  assert.equal(down.after[BL.DLEVEL], 2);
  assert.equal(down.r.reward, 1 + clock(down.before, down.after));
  assert.equal(down.r.terminated, true);
  assert.equal(down.r.truncated, false);
  assert.equal(down.r.info.endReason, "task_success");
  env.close();
});

test("pet: petAdjacent agrees with a scan of the glyph grid; +1 only when going down with the pet adjacent", () => {
  const env = makeEnv({ task: "pet" });
  // Seed 0 starts with the little dog right north of the hero.
  let obs = env.reset({ seed: 0 }).obs;
  assert.deepEqual(
    petCellsAround(obs),
    [(obs.blstats[BL.Y] - 1) * COLS + obs.blstats[BL.X]],
    "the dog is north of the hero",
  );
  assert.equal(String.fromCharCode(obs.chars[(obs.blstats[BL.Y] - 1) * COLS + obs.blstats[BL.X]]), "d");
  assert.equal(petAdjacent(obs), true);
  let seenApart = false;
  let seenTogether = false;
  for (let k = 0; k < 40; k++) {
    const s = stepWith(env, obs, 1 + (k % 8));
    obs = s.r.obs;
    assertClockOnly(s, `pet walk ${k}`);
    const scan = petCellsAround(obs).length > 0;
    assert.equal(petAdjacent(obs), scan, `step ${k}`);
    if (scan) seenTogether = true;
    else seenApart = true;
  }
  assert.ok(seenApart && seenTogether, "both cases observed");

  // Seed 3: the dog lags one step behind when the hero reaches the stairs.
  const toStairs = () =>
    walkToDownstairs(env, env.reset({ seed: 3 }).obs, (s) => {
      assertClockOnly(s, "walk");
      assert.equal(petAdjacent(s.r.obs), petCellsAround(s.r.obs).length > 0);
    });
  obs = toStairs();
  assert.deepEqual(petCellsAround(obs), []);
  const alone = stepWith(env, obs, DOWN);
  assert.equal(alone.after[BL.DEPTH], 2, "went down without the pet");
  assert.equal(alone.r.reward, clock(alone.before, alone.after));
  assert.equal(alone.r.terminated, false);
  assert.deepEqual(petCellsAround(alone.r.obs), [], "the pet stayed on level 1");

  // Same route, but wait on the stairs until the scan shows the pet next to the hero.
  obs = toStairs();
  for (let k = 0; petCellsAround(obs).length === 0; k++) {
    assert.ok(k < 30, "the pet comes within 30 searches");
    const s = stepWith(env, obs, SEARCH);
    assertClockOnly(s, "waiting for the pet");
    obs = s.r.obs;
  }
  const together = stepWith(env, obs, DOWN);
  assert.equal(together.after[BL.DEPTH], 2);
  assert.equal(together.r.reward, 1 + clock(together.before, together.after));
  assert.equal(together.r.terminated, true);
  assert.equal(together.r.info.endReason, "task_success");
  // NLE checks the pet next to the hero on arrival; here it came along and is adjacent on level 2 too.
  assert.equal(petCellsAround(together.r.obs).length, 1);
  env.close();
});

test("oracle: level 1 has no Oracle, so only the clock rule and never a success", () => {
  const env = makeEnv({ task: "oracle" });
  let obs = env.reset({ seed: 4 }).obs;
  const oracle = GLYPH_MON_OFF + readMonsterNames(env.rawGame!).indexOf("Oracle");
  assert.ok(oracle > GLYPH_MON_OFF && oracle < GLYPH_PET_OFF, `Oracle glyph ${oracle}`);
  const rng = new Rng(5);
  const kinds = new ClockKinds();
  for (let k = 0; k < 300; k++) {
    const s = stepWith(env, obs, rng.int(env.numActions));
    obs = s.r.obs;
    if (s.after[BL.DEPTH] !== 1 || s.r.truncated || (s.r.terminated && s.r.info.endReason === "death")) break;
    assert.ok(!obs.glyphs.includes(oracle), "no Oracle on level 1");
    kinds.add(s.before, s.after);
    assertClockOnly(s, `oracle step ${k}`);
  }
  assert.ok(kinds.frozen > 10 && kinds.advanced > 10, JSON.stringify(kinds));
  env.close();
});

test("scout: reward is the number of map cells first seen this step on this level, plus the clock rule", () => {
  const env = makeEnv({ task: "scout" });
  let obs = env.reset({ seed: 3 }).obs;
  const stone = GLYPH_CMAP_OFF + S.stone;
  const seen = new Map<string, Set<number>>(); // per dnum/dlevel, from the observations only
  const fresh = (o: Observation) => {
    const key = `${o.blstats[BL.DNUM]}/${o.blstats[BL.DLEVEL]}`;
    if (!seen.has(key)) seen.set(key, new Set());
    const set = seen.get(key)!;
    let n = 0;
    o.glyphs.forEach((g, i) => {
      if (g !== GLYPH_UNEXPLORED && g !== stone && !set.has(i)) {
        set.add(i);
        n++;
      }
    });
    return n;
  };
  // Cells visible at reset are not yet counted: the first step pays for them (as NLE's scout does).
  let atReset = 0;
  obs.glyphs.forEach((g) => (atReset += g !== GLYPH_UNEXPLORED && g !== stone ? 1 : 0));
  assert.ok(atReset > 20);
  const kinds = new ClockKinds();
  let first = true;
  let total = 0;
  const check = (s: ReturnType<typeof stepWith>, what: string) => {
    const n = fresh(s.r.obs);
    kinds.add(s.before, s.after);
    assert.equal(s.r.reward, n + clock(s.before, s.after), what);
    assert.equal(s.r.terminated, false);
    if (first) assert.ok(n >= atReset, `first step pays for the ${atReset} cells seen at reset`);
    first = false;
    total += n;
    return n;
  };
  obs = walkToDownstairs(env, obs, (s) => check(s, `level-1 step T=${s.before[BL.TIME]}`));
  const level1 = seen.get("0/1")!.size;
  assert.ok(total > 100, `explored ${total} cells on level 1`);
  let s = stepWith(env, obs, DOWN);
  assert.equal(s.after[BL.DLEVEL], 2);
  assert.ok(check(s, "arrival on level 2") > 10, "a new level pays for its first view");
  // Back up: level 1 was remembered, only cells not seen before on level 1 count.
  s = stepWith(env, s.r.obs, UP);
  assert.equal(s.after[BL.DLEVEL], 1);
  const back = check(s, "back on level 1");
  assert.equal(seen.get("0/1")!.size, level1 + back);
  obs = s.r.obs;
  const rng = new Rng(6);
  for (let k = 0; k < 150; k++) {
    s = stepWith(env, obs, rng.int(env.numActions));
    obs = s.r.obs;
    if (s.r.terminated || s.r.truncated) break;
    check(s, `random step ${k}`);
  }
  assert.ok(kinds.frozen > 10 && kinds.advanced > 10, JSON.stringify(kinds));
  env.close();
});

test("every task truncates exactly at maxEpisodeSteps when neither death nor success comes first", () => {
  for (const task of TASK_NAMES) {
    const env = makeEnv({ task, maxEpisodeSteps: 5 });
    let obs = env.reset({ seed: 9 }).obs;
    const search = env.numActions === FULL_ACTIONS.length ? full("s") : SEARCH;
    let r: StepResult | undefined;
    for (let k = 1; k <= 5; k++) {
      const before = Int32Array.from(obs.blstats);
      r = env.step(search);
      obs = r.obs;
      assert.equal(r.terminated, false, `${task} step ${k}`);
      assert.equal(r.truncated, k === 5, `${task} step ${k}`);
      assert.equal(r.info.episodeStep, k);
      if (task !== "scout") {
        // Searching in place: no gold, no score, and nutrition only falls.
        const delta = task === "gold" ? obs.blstats[BL.GOLD] - before[BL.GOLD] : 0;
        const score = task === "score" || task === "challenge" ? obs.blstats[BL.SCORE] - before[BL.SCORE] : 0;
        assert.equal(r.reward, delta + score + clock(before, obs.blstats), `${task} step ${k}`);
      }
    }
    assert.equal(r!.info.endReason, "max_steps", task);
    assert.equal(env.done, true, task);
    env.close();
  }
});
