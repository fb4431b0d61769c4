/**
 * NLE's tasks: reward functions and success conditions (nle/env/tasks.py semantics).
 * Every task adds the Score task's time penalty (−0.01 by default) on steps where the game clock does not
 * advance, except where NLE's task does not.
 */
import { InvalidArgumentError } from "../util/index.js";
import { BL } from "./blstats.js";
import { COLS, ROWS, type Observation } from "./observation.js";
import type { TaskName } from "./types.js";
import { GLYPH_PET_OFF, GLYPH_INVIS_OFF, GLYPH_UNEXPLORED, GLYPH_CMAP_OFF, S } from "../nethack/index.js";

export const TASK_NAMES = [
  "score",
  "staircase",
  "pet",
  "oracle",
  "gold",
  "eat",
  "scout",
  "challenge",
] as const satisfies readonly TaskName[];

export function checkTask(name: unknown): TaskName {
  if (typeof name !== "string" || !(TASK_NAMES as readonly string[]).includes(name)) {
    throw new InvalidArgumentError("task", name, `one of ${TASK_NAMES.join(", ")}`);
  }
  return name as TaskName;
}

/** What a task sees of one transition. */
export interface TaskContext {
  prevBlstats: Int32Array;
  obs: Observation;
  /** The hero went down a staircase or ladder this step. */
  descended: boolean;
  /** A pet was adjacent to the hero before the step. */
  petWasAdjacent: boolean;
  /** Nutrition counter before/after (u.uhunger). */
  prevNutrition: number;
  nutrition: number;
  /** Glyph id of the Oracle in this build, or -1 if unknown. */
  oracleGlyph: number;
}

export interface Task {
  readonly name: TaskName;
  reset(obs: Observation): void;
  reward(ctx: TaskContext): number;
  /** True when the task's goal is reached (ends the episode as terminated). */
  succeeded(ctx: TaskContext): boolean;
}

function timePenalty(ctx: TaskContext, penalty: number): number {
  return ctx.obs.blstats[BL.TIME] === ctx.prevBlstats[BL.TIME] ? penalty : 0;
}

function scoreDelta(ctx: TaskContext): number {
  return ctx.obs.blstats[BL.SCORE] - ctx.prevBlstats[BL.SCORE];
}

export function petAdjacent(obs: Observation): boolean {
  const x = obs.blstats[BL.X];
  const y = obs.blstats[BL.Y];
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      if (!dx && !dy) continue;
      const xx = x + dx;
      const yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= COLS || yy >= ROWS) continue;
      const g = obs.glyphs[yy * COLS + xx];
      if (g >= GLYPH_PET_OFF && g < GLYPH_INVIS_OFF) return true;
    }
  }
  return false;
}

export function makeTask(name: TaskName, penalty: number): Task {
  switch (name) {
    case "score":
    case "challenge":
      return {
        name,
        reset() {},
        reward: (c) => scoreDelta(c) + timePenalty(c, penalty),
        succeeded: () => false,
      };
    case "staircase":
      return {
        name,
        reset() {},
        reward: (c) => (c.descended ? 1 : 0) + timePenalty(c, penalty),
        succeeded: (c) => c.descended,
      };
    case "pet":
      return {
        name,
        reset() {},
        reward: (c) => (c.descended && c.petWasAdjacent ? 1 : 0) + timePenalty(c, penalty),
        succeeded: (c) => c.descended && c.petWasAdjacent,
      };
    case "oracle": {
      const nearOracle = (c: TaskContext) => {
        if (c.oracleGlyph < 0) return false;
        const { glyphs, blstats } = c.obs;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const xx = blstats[BL.X] + dx;
            const yy = blstats[BL.Y] + dy;
            if (xx >= 0 && yy >= 0 && xx < COLS && yy < ROWS && glyphs[yy * COLS + xx] === c.oracleGlyph)
              return true;
          }
        }
        return false;
      };
      return {
        name,
        reset() {},
        reward: (c) => (nearOracle(c) ? 1 : 0) + timePenalty(c, penalty),
        succeeded: nearOracle,
      };
    }
    case "gold":
      return {
        name,
        reset() {},
        reward: (c) => c.obs.blstats[BL.GOLD] - c.prevBlstats[BL.GOLD] + timePenalty(c, penalty),
        succeeded: () => false,
      };
    case "eat":
      return {
        name,
        reset() {},
        // NLE rewards the increase of the nutrition counter.
        reward: (c) => Math.max(0, c.nutrition - c.prevNutrition) + timePenalty(c, penalty),
        succeeded: () => false,
      };
    case "scout": {
      // Reward every newly seen map cell, per dungeon level.
      const seen = new Map<string, Uint8Array>();
      const stone = GLYPH_CMAP_OFF + S.stone;
      return {
        name,
        reset() {
          seen.clear();
        },
        reward(c) {
          const b = c.obs.blstats;
          const key = `${b[BL.DNUM]}/${b[BL.DLEVEL]}`;
          let mask = seen.get(key);
          if (!mask) seen.set(key, (mask = new Uint8Array(ROWS * COLS)));
          let fresh = 0;
          const g = c.obs.glyphs;
          for (let i = 0; i < g.length; i++) {
            if (!mask[i] && g[i] !== GLYPH_UNEXPLORED && g[i] !== stone) {
              mask[i] = 1;
              fresh++;
            }
          }
          return fresh + timePenalty(c, penalty);
        },
        succeeded: () => false,
      };
    }
  }
}
