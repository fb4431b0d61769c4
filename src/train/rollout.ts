/**
 * The rollout buffer: T steps × N envs stored time-major (row t·N + n), with everything the update needs to
 * re-evaluate a sample exactly as it was acted on (features, condition mask, action mask) plus what the
 * policy said at the time (log-prob, value, α, the graph's opinion). GAE walks it per env in time order.
 */
import type { PolicyBatch } from "../model/index.js";
import { InvalidArgumentError } from "../util/index.js";
import type { StepPairs } from "./losses.js";

export interface RolloutShape {
  steps: number;
  envs: number;
  blstats: number;
  crop: number;
  inv: number;
  masks: number;
  /** 0 when no action mask is used. */
  actionMask: number;
  numExperts: number;
  /** Whether the policy has a graph opinion to store (K values and a valid flag per step). */
  opinion: boolean;
}

/** A rollout as plain arrays (what crosses to the learner's thread); see RolloutBuffer.data and .from. */
export interface RolloutData {
  shape: RolloutShape;
  t: number;
  arrays: Record<(typeof ARRAYS)[number], Float32Array | Int32Array | Uint8Array>;
}

/** The buffer's stored arrays (actionMask absent without an action mask). */
const ARRAYS = [
  "blstats",
  "crop",
  "inv",
  "masks",
  "actionMask",
  "actions",
  "logProb",
  "values",
  "rewards",
  "terminated",
  "truncated",
  "truncValues",
  "alpha",
  "opinion",
  "opinionValid",
] as const;

export class RolloutBuffer {
  readonly size: number;
  readonly blstats: Float32Array;
  readonly crop: Int32Array;
  readonly inv: Float32Array;
  readonly masks: Uint8Array;
  readonly actionMask: Uint8Array | null;
  readonly actions: Int32Array;
  readonly logProb: Float32Array;
  readonly values: Float32Array;
  /** Rewards to learn from (scaled and clipped). */
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** V(final observation) at truncations (0 elsewhere). */
  readonly truncValues: Float32Array;
  readonly alpha: Float32Array;
  /** The graph's opinion per step [n × K] and where it exists [n] (empty without one). */
  readonly opinion: Float32Array;
  readonly opinionValid: Float32Array;
  /** Steps written so far (0 … T). */
  t = 0;

  constructor(readonly shape: RolloutShape) {
    const { steps, envs } = shape;
    if (!Number.isInteger(steps) || steps < 1)
      throw new InvalidArgumentError("rollout steps", steps, "an integer ≥ 1");
    if (!Number.isInteger(envs) || envs < 1)
      throw new InvalidArgumentError("rollout envs", envs, "an integer ≥ 1");
    const n = steps * envs;
    this.size = n;
    this.blstats = new Float32Array(n * shape.blstats);
    this.crop = new Int32Array(n * shape.crop);
    this.inv = new Float32Array(n * shape.inv);
    this.masks = new Uint8Array(n * shape.masks);
    this.actionMask = shape.actionMask > 0 ? new Uint8Array(n * shape.actionMask) : null;
    this.actions = new Int32Array(n);
    this.logProb = new Float32Array(n);
    this.values = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.truncValues = new Float32Array(n);
    this.alpha = new Float32Array(n * shape.numExperts);
    this.opinion = new Float32Array(shape.opinion ? n * shape.numExperts : 0);
    this.opinionValid = new Float32Array(shape.opinion ? n : 0);
  }

  /** The buffer's contents as plain arrays (views, not copies: copy or post them before the next clear()). */
  data(): RolloutData {
    const arrays = {} as RolloutData["arrays"];
    for (const k of ARRAYS) arrays[k] = this[k] ?? new Uint8Array(0);
    return { shape: { ...this.shape }, t: this.t, arrays };
  }

  /** A buffer holding `data` (copied into `reuse` when its shape matches, else into a new buffer). */
  static from(data: RolloutData, reuse?: RolloutBuffer | null): RolloutBuffer {
    const same =
      reuse &&
      (Object.keys(data.shape) as (keyof RolloutShape)[]).every((k) => reuse.shape[k] === data.shape[k]);
    const b = same ? reuse! : new RolloutBuffer(data.shape);
    for (const k of ARRAYS) {
      const dst = b[k];
      const src = data.arrays[k];
      if ((dst?.length ?? 0) !== src.length)
        throw new InvalidArgumentError(`rollout data ${k} length`, src.length, `${dst?.length ?? 0}`);
      if (dst) (dst as Uint8Array).set(src as Uint8Array);
    }
    b.t = data.t;
    return b;
  }

  get full(): boolean {
    return this.t >= this.shape.steps;
  }

  clear(): void {
    this.t = 0;
    this.truncValues.fill(0);
  }

  /** Stores the inputs of step t (all N envs) and what the policy did with them. */
  addStep(
    input: PolicyBatch,
    act: {
      action: Int32Array;
      logProb: Float32Array;
      value: Float32Array;
      alpha: Float32Array;
      opinion: Float32Array;
      opinionValid: Float32Array;
    },
  ): void {
    if (this.full)
      throw new InvalidArgumentError("rollout step", this.t, `< ${this.shape.steps} (buffer full)`);
    const N = this.shape.envs;
    if (input.B !== N) throw new InvalidArgumentError("rollout step batch size", input.B, `${N}`);
    const row = this.t * N;
    const s = this.shape;
    this.blstats.set(input.blstats, row * s.blstats);
    this.crop.set(input.crop, row * s.crop);
    this.inv.set(input.inv, row * s.inv);
    this.masks.set(input.masks, row * s.masks);
    if (this.actionMask) {
      if (!input.actionMask)
        throw new InvalidArgumentError("rollout step actionMask", undefined, "an action mask");
      this.actionMask.set(input.actionMask, row * s.actionMask);
    }
    this.actions.set(act.action, row);
    this.logProb.set(act.logProb, row);
    this.values.set(act.value, row);
    this.alpha.set(act.alpha, row * s.numExperts);
    if (s.opinion) {
      this.opinion.set(act.opinion, row * s.numExperts);
      this.opinionValid.set(act.opinionValid, row);
    }
  }

  /** Stores the outcome of step t (rewards already scaled) and advances t. */
  addOutcome(rewards: Float32Array, terminated: Uint8Array, truncated: Uint8Array): void {
    const N = this.shape.envs;
    const row = this.t * N;
    this.rewards.set(rewards, row);
    this.terminated.set(terminated, row);
    this.truncated.set(truncated, row);
    this.t++;
  }

  /** V(final observation) of env n's episode truncated at the current step (call before addOutcome). */
  setTruncValue(n: number, v: number): void {
    this.truncValues[this.t * this.shape.envs + n] = v;
  }

  /** The policy input of the given rows, gathered into fresh arrays. */
  gather(idx: Int32Array): PolicyBatch {
    const s = this.shape;
    const B = idx.length;
    const pick = <T extends Float32Array | Int32Array | Uint8Array>(src: T, w: number, out: T): T => {
      for (let b = 0; b < B; b++) {
        const r = idx[b];
        out.set(src.subarray(r * w, (r + 1) * w), b * w);
      }
      return out;
    };
    return {
      B,
      blstats: pick(this.blstats, s.blstats, new Float32Array(B * s.blstats)),
      crop: pick(this.crop, s.crop, new Int32Array(B * s.crop)),
      inv: pick(this.inv, s.inv, new Float32Array(B * s.inv)),
      masks: pick(this.masks, s.masks, new Uint8Array(B * s.masks)),
      actionMask: this.actionMask
        ? pick(this.actionMask, s.actionMask, new Uint8Array(B * s.actionMask))
        : undefined,
    };
  }

  /**
   * Consecutive steps of the same env and episode, (t, t+1) for every t whose step did not end the
   * episode: the pairs the temporal-consistency term compares.
   */
  pairs(): StepPairs {
    const N = this.shape.envs;
    const prev: number[] = [];
    const next: number[] = [];
    for (let t = 0; t + 1 < this.t; t++) {
      for (let n = 0; n < N; n++) {
        const i = t * N + n;
        if (this.terminated[i] || this.truncated[i]) continue;
        prev.push(i);
        next.push(i + N);
      }
    }
    return { prev: Int32Array.from(prev), next: Int32Array.from(next) };
  }
}
