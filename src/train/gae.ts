/**
 * Generalised advantage estimation over a rollout stored time-major ([T × N], index t·N + n), walked per env
 * in time order (fixes B3, docs/original.md: the original ran GAE over a random permutation of the buffer).
 *
 * Episode boundaries (fixes B29's "truncation treated as terminal"):
 *  - terminated[t,n]: the game ended; the next value is 0.
 *  - truncated[t,n]: the step cap cut the episode; bootstrap with truncValues[t,n] = V(final observation),
 *    which the rollout stores separately because the env has already reset to a new episode.
 *  Either way the recursion restarts there: nothing from the next episode leaks backwards.
 *  The last step of the rollout bootstraps from lastValues[n] = V(observation after the rollout).
 *
 * explainedVariance (the PPO update's diagnostic) measures how well the values predict the returns.
 */
import { InvalidArgumentError } from "../util/index.js";

export interface GaeInput {
  /** Steps per env (T) and envs (N). */
  steps: number;
  envs: number;
  rewards: ArrayLike<number>;
  values: ArrayLike<number>;
  terminated: ArrayLike<number | boolean>;
  truncated: ArrayLike<number | boolean>;
  /** V(final observation) where truncated; other entries are ignored. */
  truncValues: ArrayLike<number>;
  /** [N] value of the observation following the last step. */
  lastValues: ArrayLike<number>;
  gamma: number;
  lambda: number;
}

export interface GaeResult {
  advantages: Float32Array;
  returns: Float32Array;
}

function checkLength(name: string, a: ArrayLike<unknown>, n: number): void {
  if (a?.length !== n) throw new InvalidArgumentError(`GAE ${name} length`, a?.length, `${n}`);
}

export function computeGae(input: GaeInput): GaeResult {
  const { steps: T, envs: N, gamma, lambda } = input;
  if (!Number.isInteger(T) || T < 1) throw new InvalidArgumentError("GAE steps", T, "an integer ≥ 1");
  if (!Number.isInteger(N) || N < 1) throw new InvalidArgumentError("GAE envs", N, "an integer ≥ 1");
  if (!(gamma >= 0 && gamma <= 1)) throw new InvalidArgumentError("GAE gamma", gamma, "a number in [0, 1]");
  if (!(lambda >= 0 && lambda <= 1))
    throw new InvalidArgumentError("GAE lambda", lambda, "a number in [0, 1]");
  const size = T * N;
  checkLength("rewards", input.rewards, size);
  checkLength("values", input.values, size);
  checkLength("terminated", input.terminated, size);
  checkLength("truncated", input.truncated, size);
  checkLength("truncValues", input.truncValues, size);
  checkLength("lastValues", input.lastValues, N);

  const { rewards, values, terminated, truncated, truncValues, lastValues } = input;
  const advantages = new Float32Array(size);
  const returns = new Float32Array(size);
  for (let n = 0; n < N; n++) {
    let gaeNext = 0; // A_{t+1} of the same episode; accumulated in float64
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + n;
      const v = values[i];
      let delta: number;
      let gae: number;
      if (terminated[i]) {
        delta = rewards[i] - v;
        gae = delta;
      } else if (truncated[i]) {
        delta = rewards[i] + gamma * truncValues[i] - v;
        gae = delta;
      } else if (t === T - 1) {
        delta = rewards[i] + gamma * lastValues[n] - v;
        gae = delta;
      } else {
        delta = rewards[i] + gamma * values[i + N] - v;
        gae = delta + gamma * lambda * gaeNext;
      }
      advantages[i] = gae;
      returns[i] = gae + v;
      gaeNext = gae;
    }
  }
  return { advantages, returns };
}

/** 1 − Var(returns − values) / Var(returns); NaN when the returns have no variance. */
export function explainedVariance(values: ArrayLike<number>, returns: ArrayLike<number>): number {
  const n = returns.length;
  if (values.length !== n)
    throw new InvalidArgumentError("values length", values.length, `${n} (returns length)`);
  if (n === 0) return NaN;
  let mr = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    mr += returns[i];
    md += returns[i] - values[i];
  }
  mr /= n;
  md /= n;
  let vr = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vr += (returns[i] - mr) ** 2;
    vd += (returns[i] - values[i] - md) ** 2;
  }
  return vr === 0 ? NaN : 1 - vd / vr;
}
