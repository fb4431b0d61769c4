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
