/**
 * Routing statistics from stored α ([S × K], row-major) and the graph's opinion: what training logs per update
 * and evaluation reports per run, computed by one piece of code.
 */
import { InvalidArgumentError } from "../util/index.js";

function checkAlpha(alpha: ArrayLike<number>, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError("number of experts", k, "an integer ≥ 1");
  if (alpha.length % k !== 0)
    throw new InvalidArgumentError("α length", alpha.length, `a multiple of K = ${k}`);
  return alpha.length / k;
}

function entropy(p: ArrayLike<number>, off: number, k: number): number {
  let h = 0;
  for (let j = 0; j < k; j++) h -= p[off + j] * Math.log(p[off + j] + 1e-8);
  // The ε inside the log makes a one-hot p come out at −1e-8; entropy is never negative.
  return Math.max(0, h);
}

/** Mean over steps of H(α_t): how spread each routing decision is. */
export function routingEntropyPerStep(alpha: ArrayLike<number>, k: number): number {
  const s = checkAlpha(alpha, k);
  if (s === 0) return NaN;
  let sum = 0;
  for (let t = 0; t < s; t++) sum += entropy(alpha, t * k, k);
  return sum / s;
}

/** Mean α per expert over the steps. */
export function meanAlpha(alpha: ArrayLike<number>, k: number): number[] {
  const s = checkAlpha(alpha, k);
  const m = new Array<number>(k).fill(0);
  for (let t = 0; t < s; t++) for (let j = 0; j < k; j++) m[j] += alpha[t * k + j];
  return m.map((v) => (s === 0 ? NaN : v / s));
}

/**
 * The original's `alpha_entropy`: entropy of the mean α (B6, docs/original.md). It is high both for a uniform
 * router and for one that switches sharply between experts, so it is logged only for comparison with the
 * original.
 */
export function alphaEntropyOfMeanOriginal(alpha: ArrayLike<number>, k: number): number {
  const m = meanAlpha(alpha, k);
  return entropy(m, 0, k);
}

/** Share of steps on which each expert has the largest α (ties go to the lower index). */
export function dominantShare(alpha: ArrayLike<number>, k: number): number[] {
  const s = checkAlpha(alpha, k);
  const c = new Array<number>(k).fill(0);
  for (let t = 0; t < s; t++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (alpha[t * k + j] > alpha[t * k + best]) best = j;
    c[best]++;
  }
  return c.map((v) => (s === 0 ? NaN : v / s));
}

export interface RoutingStats {
  /** Mean per-step routing entropy (the metric to read). */
  alpha_entropy_step: number;
  /** The original's entropy of the mean α (B6), for comparison only. */
  alpha_entropy_of_mean_original: number;
  /** Mean α per expert, keyed by expert name. */
  alpha_mean: Record<string, number>;
  /** Share of steps each expert dominates (argmax α), keyed by expert name. */
  expert_dominant_share: Record<string, number>;
}

export function routingStats(alpha: ArrayLike<number>, expertNames: readonly string[]): RoutingStats {
  const k = expertNames.length;
  const byName = (v: number[]) => Object.fromEntries(expertNames.map((n, i) => [n, v[i]]));
  return {
    alpha_entropy_step: routingEntropyPerStep(alpha, k),
    alpha_entropy_of_mean_original: alphaEntropyOfMeanOriginal(alpha, k),
    alpha_mean: byName(meanAlpha(alpha, k)),
    expert_dominant_share: byName(dominantShare(alpha, k)),
  };
}

export interface OpinionStats {
  /** Mean over steps with an opinion of H(g_t) (nats; ln K = no opinion). */
  opinion_entropy: number;
  /** Share of all steps where the opinion is confident (largest share ≥ the threshold). */
  opinion_confident_share: number;
  /** Share of steps with an opinion whose dominant expert (argmax α) is the graph's suggested one (argmax g). */
  graph_router_agreement: number;
  /** The same on confident steps only (NaN when there are none). */
  graph_router_agreement_confident: number;
}

function argmaxAt(v: ArrayLike<number>, off: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (v[off + j] > v[off + best]) best = j;
  return best;
}

/** How the router's choices relate to the graph's opinion over a set of steps ([n × K] each, `valid` [n]). */
export function opinionStats(
  alpha: ArrayLike<number>,
  opinion: ArrayLike<number>,
  valid: ArrayLike<number>,
  k: number,
  threshold: number,
): OpinionStats {
  const n = valid.length;
  if (alpha.length !== n * k || opinion.length !== n * k)
    throw new InvalidArgumentError(
      "alpha/opinion length",
      [alpha.length, opinion.length],
      `${n * k} (${n} steps × ${k})`,
    );
  let withOpinion = 0;
  let entSum = 0;
  let confident = 0;
  let agree = 0;
  let agreeConfident = 0;
  for (let t = 0; t < n; t++) {
    if (!valid[t]) continue;
    withOpinion++;
    entSum += entropy(opinion, t * k, k);
    const g = argmaxAt(opinion, t * k, k);
    const same = argmaxAt(alpha, t * k, k) === g ? 1 : 0;
    agree += same;
    if (opinion[t * k + g] >= threshold) {
      confident++;
      agreeConfident += same;
    }
  }
  return {
    opinion_entropy: withOpinion ? entSum / withOpinion : NaN,
    opinion_confident_share: n ? confident / n : NaN,
    graph_router_agreement: withOpinion ? agree / withOpinion : NaN,
    graph_router_agreement_confident: confident ? agreeConfident / confident : NaN,
  };
}
