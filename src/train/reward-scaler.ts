/**
 * Reward scaling by the running standard deviation of the discounted return, then clipping (fixes B10,
 * docs/original.md).
 * Rewards are divided, never mean-subtracted: subtracting a running mean flips the sign of small
 * per-step rewards and so changes what surviving longer is worth.
 *
 * Each env keeps its own discounted-return accumulator R ← γR + r (reset after the episode's last step);
 * every R feeds an exact Welford mean/variance. The state is plain numbers, saved in checkpoints.
 */
import { InvalidArgumentError } from "../util/index.js";

export interface RewardScalerOptions {
  gamma: number;
  scaleByStd: boolean;
  /** Clip to ±clip after scaling; null = no clipping. */
  clip: number | null;
}

export interface RewardScalerState {
  count: number;
  mean: number;
  /** Sum of squared deviations (Welford's M2). */
  m2: number;
  /** Per env discounted return of the running episode. */
  returns: number[];
}

/** Added under the square root so a zero variance never divides by zero. */
const VAR_EPS = 1e-8;

export class RewardScaler {
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private readonly ret: Float64Array;

  constructor(
    readonly numEnvs: number,
    readonly options: RewardScalerOptions,
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new InvalidArgumentError("reward scaler envs", numEnvs, "an integer ≥ 1");
    this.ret = new Float64Array(numEnvs);
  }

  /** Running std of the discounted return (1 until two samples exist). */
  get std(): number {
    return this.count < 2 ? 1 : Math.sqrt(this.m2 / this.count + VAR_EPS);
  }

  /**
   * Processes one vector step: `rewards[n]` of env n, `done[n]` true when that step ended env n's episode
   * (terminated or truncated). Returns the rewards to learn from.
   */
  process(rewards: ArrayLike<number>, done: ArrayLike<number | boolean>): Float32Array {
    const N = this.numEnvs;
    if (rewards.length !== N) throw new InvalidArgumentError("rewards length", rewards.length, `${N}`);
    if (done.length !== N) throw new InvalidArgumentError("done flags length", done.length, `${N}`);
    if (this.options.scaleByStd) {
      for (let n = 0; n < N; n++) {
        this.ret[n] = this.options.gamma * this.ret[n] + rewards[n];
        this.observe(this.ret[n]);
        if (done[n]) this.ret[n] = 0;
      }
    }
    const scale = this.options.scaleByStd ? 1 / this.std : 1;
    const clip = this.options.clip;
    const out = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      const r = rewards[n] * scale;
      out[n] = clip === null ? r : Math.min(clip, Math.max(-clip, r));
    }
    return out;
  }

  private observe(x: number): void {
    this.count++;
    const d = x - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (x - this.mean);
  }

  getState(): RewardScalerState {
    return { count: this.count, mean: this.mean, m2: this.m2, returns: Array.from(this.ret) };
  }

  setState(s: RewardScalerState): void {
    const ok =
      s !== null &&
      typeof s === "object" &&
      Number.isInteger(s.count) &&
      s.count >= 0 &&
      Number.isFinite(s.mean) &&
      Number.isFinite(s.m2) &&
      s.m2 >= 0 &&
      Array.isArray(s.returns) &&
      s.returns.length === this.numEnvs &&
      s.returns.every(Number.isFinite);
    if (!ok) {
      throw new InvalidArgumentError(
        "reward scaler state",
        s,
        `{count: integer ≥ 0, mean, m2 ≥ 0, returns: ${this.numEnvs} finite numbers}`,
      );
    }
    this.count = s.count;
    this.mean = s.mean;
    this.m2 = s.m2;
    this.ret.set(s.returns);
  }
}
