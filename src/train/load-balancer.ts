/**
 * Loss-free load balancing of the router (Wang et al. 2024, "Auxiliary-Loss-Free Load Balancing Strategy for
 * Mixture-of-Experts"; used by DeepSeek-V3): a per-expert bias added to the router logits is nudged after each
 * update towards equal shares of the steps each expert dominates. It needs no gradient, so it still works when
 * sparse routing leaves a single expert in the support (sparsemax's Jacobian is then zero).
 */
import { InvalidArgumentError } from "../util/index.js";

/**
 * The next bias: b_k + rate · sign(1/K − share_k), re-centred to mean 0 (a common shift changes no routing).
 * `share` is each expert's fraction of dominated steps in the last rollout (NaN entries leave b unchanged).
 */
export function balanceBiasStep(
  bias: ArrayLike<number>,
  share: ArrayLike<number>,
  rate: number,
): Float32Array {
  const K = bias.length;
  if (share.length !== K)
    throw new InvalidArgumentError("expert share length", share.length, `${K} (experts)`);
  if (!(Number.isFinite(rate) && rate >= 0))
    throw new InvalidArgumentError("balance rate", rate, "a number ≥ 0");
  const next = Float64Array.from(bias);
  if (rate === 0 || Array.prototype.some.call(share, (s: number) => !Number.isFinite(s))) {
    return Float32Array.from(next);
  }
  for (let k = 0; k < K; k++) next[k] += rate * Math.sign(1 / K - share[k]);
  const mean = next.reduce((a, b) => a + b, 0) / K;
  return Float32Array.from(next, (v) => v - mean);
}

/**
 * Per-expert mean and population sd (floored at 1e-6) of raw router logits `z` ([n × K], row-major), for the
 * "per-expert" router normalisation, which divides each expert's logit by this sd after subtracting this mean.
 * The trainer sets them outright from the current weights' logits: a running average would mix in older
 * weights' (see trainer.ts).
 */
export function logitStats(z: ArrayLike<number>, K: number): { mean: Float32Array; std: Float32Array } {
  const n = z.length / K;
  if (!Number.isInteger(n) || n < 2)
    throw new InvalidArgumentError("router logits length", z.length, `a multiple of ${K} with ≥ 2 rows`);
  const mean = new Float32Array(K);
  const std = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += z[i * K + k];
    const m = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (z[i * K + k] - m) ** 2;
    mean[k] = m;
    std[k] = Math.max(Math.sqrt(v / n), 1e-6);
  }
  return { mean, std };
}
