/**
 * Rollout data recorded from real play, for the model benchmark (and anyone who needs realistic inputs):
 * a masked random agent (uniform over the actions the graph's action mask allows) plays the real environment
 * for T steps over several seeds; per step we keep the policy's features (encodeObservationInto), the
 * condition mask (extractConditions with an ExtractionMemory) and the action mask.
 */
import { makeEnv } from "../env/index.js";
import type { NetHackEnvOptions } from "../env/index.js";
import {
  ExtractionMemory,
  extractConditions,
  makeActionMasker,
  type Hypergraph,
} from "../knowledge/index.js";
import { InvalidArgumentError, Rng } from "../util/index.js";
import { DEFAULT_CROP_SIZE, allocFeatures, encodeObservationInto } from "./features.js";
import type { PolicyBatch } from "./policy.js";

export interface RolloutData {
  /** Transitions recorded. */
  T: number;
  numConditions: number;
  numActions: number;
  /** Features, condition masks [T × C] and action masks [T × A], as a policy batch of T rows. */
  batch: PolicyBatch;
  /** Actions taken [T]. */
  actions: Int32Array;
  /** Episodes started (resets), and the seeds used. */
  episodes: number;
  seeds: number[];
  record_ms: number;
}

export interface RecordOptions {
  transitions?: number;
  /** Episode seeds, used in turn; each episode lasts at most stepsPerEpisode steps. */
  seeds?: number[];
  stepsPerEpisode?: number;
  /** Seed of the agent's action choices. */
  agentSeed?: number;
  cropSize?: number;
  env?: NetHackEnvOptions;
}

/** Plays a masked random agent in the real environment and records T transitions. */
export function recordRollout(graph: Hypergraph, o: RecordOptions = {}): RolloutData {
  const T = o.transitions ?? 2048;
  if (!Number.isInteger(T) || T < 1) throw new InvalidArgumentError("transitions", T, "an integer ≥ 1");
  const seeds = o.seeds ?? [0, 1, 2, 3, 4, 5, 6, 7];
  if (seeds.length === 0) throw new InvalidArgumentError("seeds", seeds, "at least one seed");
  const perEpisode = o.stepsPerEpisode ?? Math.ceil(T / seeds.length);
  const C = graph.conditionNodes.length;
  const t0 = performance.now();
  const env = makeEnv({ task: "score", ...o.env });
  const A = env.numActions;
  const masker = makeActionMasker(graph, env.actionKeys);
  const memory = new ExtractionMemory(1);
  const f = allocFeatures(T, o.cropSize ?? DEFAULT_CROP_SIZE);
  const masks = new Uint8Array(T * C);
  const actionMask = new Uint8Array(T * A);
  const actions = new Int32Array(T);
  const rng = new Rng(o.agentSeed ?? 0);
  let t = 0;
  let episodes = 0;
  try {
    for (let s = 0; t < T; s++) {
      memory.reset();
      let obs = env.reset({ seed: seeds[s % seeds.length] + 1000 * Math.floor(s / seeds.length) }).obs;
      episodes++;
      for (let k = 0; k < perEpisode && t < T; k++) {
        const cond = masks.subarray(t * C, (t + 1) * C);
        extractConditions(obs, graph, cond, memory);
        encodeObservationInto(obs, f, t);
        const am = actionMask.subarray(t * A, (t + 1) * A);
        masker.mask(cond, am);
        let n = 0;
        for (let a = 0; a < A; a++) n += am[a];
        let pick = rng.int(n);
        let a = 0;
        for (; a < A; a++) if (am[a] && pick-- === 0) break;
        actions[t++] = a;
        const r = env.step(a);
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
    }
  } finally {
    env.close();
  }
  return {
    T,
    numConditions: C,
    numActions: A,
    batch: { B: T, blstats: f.blstats, crop: f.crop, inv: f.inv, masks, actionMask },
    actions,
    episodes,
    seeds: [...seeds],
    record_ms: Math.round(performance.now() - t0),
  };
}
