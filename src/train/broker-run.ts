/**
 * What the broker learner and its actors agree on: the run's description in Redis (config, config hash, graph
 * hash, seed base), how a collected rollout becomes a segment and how segments become one update's input.
 */
import { createHash } from "node:crypto";
import type { Segment } from "../broker/index.js";
import type { TrainConfig } from "../run/index.js";
import { InvalidArgumentError, StateError } from "../util/index.js";
import { parseConfig } from "./config.js";
import type { UpdateJob } from "./learner.js";
import type { CollectedRollout } from "./rollout-collector.js";
import type { RolloutData, RolloutShape } from "./rollout.js";

export const RUN_INFO_FORMAT = "tedg-run-info";
/** The consumer group (and its one consumer) the learner reads segments with. */
export const LEARNER_GROUP = "learner";
export const LEARNER_CONSUMER = "learner";
/**
 * Training seeds of a broker run stay below this: `tedg eval` plays its held-out episodes from 1,000,000 on
 * (DEFAULT_EVAL_SEED_START), and an actor refuses a seed block that would reach it.
 */
export const TRAIN_SEED_LIMIT = 1_000_000;

export interface RunInfo {
  format: typeof RUN_INFO_FORMAT;
  run: string;
  config: TrainConfig;
  configHash: string;
  graphHash: string;
  /** Actors' seed blocks start here (the run seed) and go up. */
  seedBase: number;
  /** The stream's approximate cap (XADD MAXLEN ~). */
  streamMaxLen: number;
  /** Largest segment entry the learner accepts (bytes). */
  maxSegmentBytes: number;
  /**
   * Backpressure: an actor waits while the segments not yet delivered to the learner, counted at its own envs
   * each, hold more than this many env-rollouts (maxBacklogEnvs in broker-learner.ts: two updates' worth; more
   * would only add policy lag).
   */
  maxBacklogEnvs: number;
  /** "done" once the learner finished the run's episode budget: actors stop. */
  status: "running" | "done";
}

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/**
 * sha256 of the config in a canonical form, without what may change during a run (the episode budget, which
 * `--resume --episodes` sets) or does not matter to the data (where runs are stored).
 */
export function configHash(config: TrainConfig): string {
  const { episodes: _e, outDir: _o, ...rest } = config;
  return createHash("sha256")
    .update(JSON.stringify(stable(rest)))
    .digest("hex");
}

/** Checks a run description read from Redis (its config against its hash too). */
export function parseRunInfo(raw: unknown, run: string): RunInfo {
  const r = raw as Partial<RunInfo> | null;
  if (!r || r.format !== RUN_INFO_FORMAT || r.run !== run)
    throw new StateError(`the broker's description of run "${run}" is not a ${RUN_INFO_FORMAT} of that run`);
  const config = parseConfig(r.config);
  if (configHash(config) !== r.configHash)
    throw new StateError(`run "${run}": the published config does not match its config hash ${r.configHash}`);
  for (const k of ["seedBase", "streamMaxLen", "maxSegmentBytes", "maxBacklogEnvs"] as const)
    if (!Number.isInteger(r[k]))
      throw new StateError(`run "${run}": ${k} is missing from the run description`);
  return { ...(r as RunInfo), config };
}

/** The arrays a segment carries: the rollout's and the actor's advantages and returns. */
export function segmentArrays(c: CollectedRollout): Segment["arrays"] {
  return { ...c.job.rollout.arrays, advantages: c.job.advantages, returns: c.job.returns };
}

const SHAPE_KEYS: (keyof RolloutShape)[] = [
  "steps",
  "envs",
  "blstats",
  "crop",
  "inv",
  "masks",
  "actionMask",
  "numExperts",
  "opinion",
];

/**
 * Checks that a decoded segment is a full rollout of `ref`'s row shape (any number of envs): shape, steps, and
 * every array present with the right type and length, and no other. `ref` is a one-env rollout of the
 * learner's shape. Throws an InvalidArgumentError naming what is wrong.
 */
export function checkSegmentShape(seg: Segment, ref: RolloutData): void {
  const s = seg.meta.shape as Partial<RolloutShape>;
  const T = ref.shape.steps;
  for (const k of SHAPE_KEYS) {
    if (k === "envs") {
      if (!Number.isInteger(s.envs) || (s.envs as number) < 1 || (s.envs as number) > 4096)
        throw new InvalidArgumentError("segment envs", s.envs, "an integer in [1, 4096]");
    } else if (s[k] !== ref.shape[k])
      throw new InvalidArgumentError(`segment shape.${k}`, s[k], `${ref.shape[k]} (the learner's)`);
  }
  if (seg.meta.t !== T)
    throw new InvalidArgumentError("segment steps written", seg.meta.t, `${T} (a full rollout)`);
  const N = s.envs as number;
  const want: Record<string, { ctor: unknown; length: number }> = {
    advantages: { ctor: Float32Array, length: T * N },
    returns: { ctor: Float32Array, length: T * N },
  };
  for (const [name, a] of Object.entries(ref.arrays))
    want[name] = { ctor: a.constructor, length: a.length * N };
  for (const name of Object.keys(seg.arrays))
    if (!(name in want)) throw new InvalidArgumentError("segment array", name, Object.keys(want).join(", "));
  for (const [name, w] of Object.entries(want)) {
    const a = seg.arrays[name];
    if (!a || a.constructor !== w.ctor || a.length !== w.length)
      throw new InvalidArgumentError(
        `segment array ${name}`,
        a ? `${a.constructor.name}(${a.length})` : "missing",
        `${(w.ctor as { name: string }).name}(${w.length})`,
      );
  }
}

/**
 * One update's input from segments of the same steps T: their envs side by side (the rollout stays
 * time-major: row t·N + n, with N the envs of all segments together). ḡ is the mean of the segments' ḡ.
 */
export function mergeSegments(segs: Segment[], base: RolloutShape, job: Pick<UpdateJob, "phase">): UpdateJob {
  if (segs.length === 0) throw new InvalidArgumentError("segments to merge", 0, "at least one");
  const T = base.steps;
  const envs = segs.map((s) => s.meta.shape.envs as number);
  const N = envs.reduce((a, b) => a + b, 0);
  // Each segment's arrays are [T][envs][row]: step t of the merge is step t of every segment, side by side.
  const merged: Record<string, Float32Array | Int32Array | Uint8Array> = {};
  for (const name of Object.keys(segs[0].arrays)) {
    const parts = segs.map((s) => s.arrays[name]);
    const total = parts.reduce((a, p) => a + p.length, 0);
    const Ctor = parts[0].constructor as new (n: number) => Float32Array | Int32Array | Uint8Array;
    const out = new Ctor(total);
    if (total > 0) {
      for (let t = 0; t < T; t++) {
        let o = 0;
        for (let i = 0; i < parts.length; i++) {
          const p = parts[i];
          const row = p.length / (T * envs[i]);
          const width = row * envs[i];
          out.set(p.subarray(t * width, (t + 1) * width), t * (total / T) + o);
          o += width;
        }
      }
    }
    merged[name] = out;
  }
  const { advantages, returns, ...arrays } = merged;
  const priors = segs.map((s) => s.meta.prior).filter((p): p is number[] => Array.isArray(p));
  const prior = priors.length
    ? priors[0].map((_, k) => priors.reduce((a, p) => a + p[k], 0) / priors.length)
    : null;
  const rollout: RolloutData = {
    shape: { ...base, envs: N },
    t: T,
    arrays: arrays as RolloutData["arrays"],
  };
  return {
    rollout,
    advantages: advantages as Float32Array,
    returns: returns as Float32Array,
    phase: job.phase,
    prior,
  };
}
