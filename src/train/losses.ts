/**
 * PPO and auxiliary mixture-of-experts losses as tfjs functions on tensors (the original prototype's loss,
 * docs/original.md "Training", with the fixes listed in docs/training.md; Bn: defects of the original
 * prototype, see docs/original.md). Shapes: α [B, K] router output (a distribution per row), expert logits
 * [B, K, A], operator scores [B, numOps]. Every function returns a scalar to minimise;
 * the trainer weights them with the phase coefficients in `totalLoss`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { expertMatrixData } from "../knowledge/index.js";
import { stopGradient } from "../model/index.js";
import { InvalidArgumentError } from "../util/index.js";
import type { PhaseState } from "../run/index.js";

/** Added inside log(α + ε) as in the original, so α = 0 (sparse routing) stays finite. */
export const LOG_EPS = 1e-8;
/** ε of the uniform mixed into α in the alignment KL (see alignmentLoss). */
export const ALIGNMENT_SMOOTHING = 0.1;
/** Norm floor for cosine similarity: ‖e‖ is taken as sqrt(Σe² + NORM_EPS²). */
const NORM_EPS = 1e-8;

/** The model layer's stop-gradient (identity forward, zero gradient) keeps a target out of back-propagation. */
export { stopGradient };

/** Mean over steps of H(α_t) = −Σ_k α log(α + 1e-8) (per-step entropy, not the entropy of the mean: B6). */
export function routingEntropy(alpha: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () => tf.neg(tf.mean(tf.sum(tf.mul(alpha, tf.log(tf.add(alpha, LOG_EPS))), 1))) as tf.Scalar,
  );
}

export const LOAD_BALANCE_KINDS = ["switch", "variance"] as const;
export type LoadBalanceKind = (typeof LOAD_BALANCE_KINDS)[number];

/**
 * Load balance over a batch of routing weights.
 *  - "variance" (the original's): (1/K) Σ_k (ᾱ_k − 1/K)², ᾱ the batch mean of α. It sees only the mean
 *    weights: a router that puts 0.39 on one expert and 0.2 on the others in every state scores ≈ 0.005 although
 *    that expert wins every step, and its gradient vanishes there.
 *  - "switch" (Switch Transformer): K · Σ_k f_k · ᾱ_k − 1, f_k the share of steps on which expert k has the
 *    largest α (a constant: argmax has no gradient). 0 when usage is balanced; the gradient K·f_k/B on each
 *    row pushes down exactly the experts that win too often, so sparse routing cannot collapse onto one expert.
 */
export function loadBalance(
  alpha: tf.Tensor2D,
  kind: LoadBalanceKind = "variance",
  rows?: tf.Tensor1D,
): tf.Scalar {
  if (kind !== "variance" && kind !== "switch")
    throw new InvalidArgumentError("load balance kind", kind, LOAD_BALANCE_KINDS.join(" | "));
  const k = alpha.shape[1];
  return tf.tidy(() => {
    // `rows` (0/1 per row) restricts the batch means to the rows it marks: the trainer passes the states where
    // the graph's opinion is not confident, so balancing never argues with a confident opinion.
    const w = rows ? tf.reshape(rows, [-1, 1]) : undefined;
    const n = w ? tf.maximum(tf.sum(w), 1) : undefined;
    const mean = (x: tf.Tensor2D) => (w && n ? tf.div(tf.sum(tf.mul(x, w), 0), n) : tf.mean(x, 0));
    if (kind === "variance") return tf.mean(tf.square(tf.sub(mean(alpha), 1 / k))) as tf.Scalar;
    // Argmax shares as tensors (zero gradient, no read back to JS inside the update).
    const f = mean(tf.oneHot(tf.argMax(alpha, 1), k) as tf.Tensor2D);
    return tf.sub(tf.mul(k, tf.sum(tf.mul(mean(alpha), f))), 1) as tf.Scalar;
  });
}

/** cos(e_bi, e_bj) for every sample and expert pair: [B, K, K]. Diversity, semantic and overlap take its |·| precomputed (`absCos`) so an update builds it, and its gradient, once. */
export function expertCosines(expertLogits: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(expertLogits), 2, true), NORM_EPS * NORM_EPS));
    const unit = tf.div(expertLogits, norm);
    // Explicit transpose: a transposed BatchMatMul leaves XNNPACK on the wasm backend (see DESIGN.md).
    return tf.matMul(unit, tf.transpose(unit, [0, 2, 1])) as tf.Tensor3D;
  });
}

/** [K, K] constant: 1 where i < j (each unordered pair once) or i ≠ j (ordered pairs). */
function pairMask(k: number, kind: "upper" | "offdiag"): tf.Tensor2D {
  const m = new Float32Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) m[i * k + j] = (kind === "upper" ? i < j : i !== j) ? 1 : 0;
  return tf.tensor2d(m, [k, k]);
}

/**
 * Expert diversity: mean over pairs i < j of mean_b |cos(e_bi, e_bj)|. Uses |cos| (B27: the original's
 * signed cosine rewarded anti-correlated experts, i.e. the same expert with flipped logits).
 */
export function expertDiversity(expertLogits: tf.Tensor3D, absCos?: tf.Tensor3D): tf.Scalar {
  const [b, k] = expertLogits.shape;
  if (k < 2) return tf.scalar(0);
  return tf.tidy(() => {
    const s = absCos ?? tf.abs(expertCosines(expertLogits));
    return tf.div(tf.sum(tf.mul(s, pairMask(k, "upper"))), (b * k * (k - 1)) / 2) as tf.Scalar;
  });
}

/**
 * Semantic orthogonality: mean over samples and ordered pairs i ≠ j of |cos(e_bi, e_bj)|, divided by
 * B·K·(K−1) (the original divided by B·K², counting the zeroed diagonal). With the B27 |cos| fix in the
 * diversity term, the two terms are numerically the same function; both coefficients are kept because the
 * original exposes them separately (diversity always on, semantic part of the "Manager" ablation group).
 */
export function semanticOrthogonality(expertLogits: tf.Tensor3D, absCos?: tf.Tensor3D): tf.Scalar {
  const [b, k] = expertLogits.shape;
  if (k < 2) return tf.scalar(0);
  return tf.tidy(() => {
    const s = absCos ?? tf.abs(expertCosines(expertLogits));
    return tf.div(tf.sum(tf.mul(s, pairMask(k, "offdiag"))), b * k * (k - 1)) as tf.Scalar;
  });
}

/**
 * Operator → expert matrix M [numOps, K] whose column k averages the scores of expert k's operators
 * (M[j, k] = 1/|ops of k| if operator j belongs to expert k). An expert without operators gets a zero column.
 */
export function operatorExpertMatrix(operatorExpert: ArrayLike<number>, numExperts: number): tf.Tensor2D {
  return tf.tensor2d(expertMatrixData(operatorExpert, numExperts), [operatorExpert.length, numExperts]);
}

/**
 * Hypergraph–router alignment KL(p ‖ α), p = softmax((scores · M) / T), averaged over the batch.
 * α is used directly (B12: the original compared p with softmax(α)). p is a stop-gradient target: the
 * loss moves the router towards the graph, not the graph towards a (possibly collapsed) router; the GAT
 * still learns through h_logic in the policy and value losses.
 * `centred` (the default target) subtracts each expert's batch mean from scores·M first: the operator head
 * gets no gradient, so its per-expert offsets are fixed by initialisation, and uncentred they pulled every
 * state towards one expert (General on 90 % of warmup steps); centred, p says which expert the graph rates
 * higher in this state than in the others.
 */
export function alignmentLoss(
  operatorScores: tf.Tensor2D,
  opToExpert: tf.Tensor2D,
  alpha: tf.Tensor2D,
  temperature: number,
  centred = false,
): tf.Scalar {
  if (!(temperature > 0))
    throw new InvalidArgumentError("alignment temperature", temperature, "a number > 0");
  return tf.tidy(() => {
    let e = tf.matMul(operatorScores, opToExpert);
    if (centred) e = tf.sub(e, tf.mean(e, 0, true));
    const logits = stopGradient(tf.div(e, temperature));
    const logP = tf.logSoftmax(logits);
    const p = tf.exp(logP);
    // Sparse routing puts exact zeros in α where p > 0, and KL(p ‖ α) is then unbounded (measured: loss ≈ 9,
    // gradient norms in the hundreds at τ 0.005). Compare p with α mixed with ε uniform instead: the loss is at
    // most log(K/ε) and α = p still minimises it.
    const K = alpha.shape[1];
    const smoothed = tf.add(tf.mul(alpha, 1 - ALIGNMENT_SMOOTHING), ALIGNMENT_SMOOTHING / K);
    const kl = tf.sum(tf.mul(p, tf.sub(logP, tf.log(smoothed))), 1);
    return tf.mean(kl) as tf.Scalar;
  });
}

/**
 * Hypergraph–router alignment on the graph's opinion g (see model/opinion.ts): on the rows where g is confident,
 * −log α̃ of g's suggested expert k* = argmax g; 0 elsewhere; averaged over all B rows, so its weight grows with
 * the share of confident states. α̃ = (1 − ε)α + ε/K keeps sparse routing's exact zeros finite.
 *
 * Why a hard, gated target: KL(g ‖ α) towards a spread-out g raises α's entropy, and in fine-tune (which minimises
 * routing entropy) the two terms then cancelled; pulling towards one expert, and only where the graph is sure,
 * lowers entropy in the same move. g is a stop-gradient target: the router follows the graph, never the reverse
 * (the graph learns from the operator-utility loss alone).
 */
export function opinionAlignmentLoss(
  alpha: tf.Tensor2D,
  opinion: tf.Tensor2D,
  confident: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const K = alpha.shape[1];
    const g = stopGradient(opinion);
    const target = tf.mul(tf.oneHot(tf.argMax(g, 1), K), tf.reshape(confident, [-1, 1]));
    const smoothed = tf.add(tf.mul(alpha, 1 - ALIGNMENT_SMOOTHING), ALIGNMENT_SMOOTHING / K);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.log(smoothed)), 1))) as tf.Scalar;
  });
}

/** Cap of the advantage weights exp(Â/β) in operatorUtilityLoss (as in advantage-weighted regression). */
export const UTILITY_WEIGHT_MAX = 20;

/**
 * Operator-utility loss: advantage-weighted regression of the graph's action distribution π_G (model/opinion.ts)
 * on the actions the agent took: −Σ_b c_b · w_b · log π_G(a_b|s_b) / Σ_b c_b, w_b = min(exp(Â_b/β), 20), over
 * the rows c_b = 1 whose action some enabled operator carries out. Its optimum is π_G ∝ behaviour · exp(A/β):
 * operators whose actions pay off in a state gain utility there. This is the loss that trains the GAT's operator
 * head, and through it the graph's opinion.
 */
export function operatorUtilityLoss(
  logProbG: tf.Tensor1D,
  covered: Float32Array,
  advantages: Float32Array,
  beta = 1,
): tf.Scalar {
  const B = covered.length;
  if (advantages.length !== B)
    throw new InvalidArgumentError("advantages length", advantages.length, `${B} (rows)`);
  if (!(beta > 0)) throw new InvalidArgumentError("utility temperature beta", beta, "a number > 0");
  const w = new Float32Array(B);
  let n = 0;
  for (let b = 0; b < B; b++) {
    if (!covered[b]) continue;
    w[b] = Math.min(Math.exp(advantages[b] / beta), UTILITY_WEIGHT_MAX);
    n++;
  }
  if (n === 0) return tf.scalar(0);
  return tf.tidy(() => tf.div(tf.neg(tf.sum(tf.mul(logProbG, tf.tensor1d(w)))), n) as tf.Scalar);
}

/** Consecutive-step pairs (same env, same episode), as row indices into the α passed alongside. */
export interface StepPairs {
  prev: Int32Array;
  next: Int32Array;
}

/**
 * Temporal consistency: mean over pairs (t, t+1) of Σ_k (α_{t+1,k} − α_{t,k})² / K (B11: the original
 * paired α with an unrelated batch of the previous update). The difference is taken with a ±1 selection
 * matrix rather than gather, whose gradient needs UnsortedSegmentSum (missing on the wasm backend).
 */
export function temporalConsistency(alpha: tf.Tensor2D, pairs: StepPairs): tf.Scalar {
  const p = pairs.prev.length;
  if (pairs.next.length !== p)
    throw new InvalidArgumentError("temporal pairs", pairs.next.length, `${p} next indices`);
  if (p === 0) return tf.scalar(0);
  const b = alpha.shape[0];
  const d = new Float32Array(p * b);
  for (let i = 0; i < p; i++) {
    const a = pairs.prev[i];
    const c = pairs.next[i];
    if (a < 0 || a >= b || c < 0 || c >= b)
      throw new InvalidArgumentError("temporal pair index", [a, c], `indices in [0, ${b - 1}]`);
    d[i * b + c] += 1;
    d[i * b + a] -= 1;
  }
  return tf.tidy(() => tf.mean(tf.square(tf.matMul(tf.tensor2d(d, [p, b]), alpha))) as tf.Scalar);
}

/** Overlap penalty: mean_b Σ_{i<j} α_bi α_bj |cos(e_bi, e_bj)| (each pair once: B27). */
export function expertOverlap(
  alpha: tf.Tensor2D,
  expertLogits: tf.Tensor3D,
  absCos?: tf.Tensor3D,
): tf.Scalar {
  const [b, k] = alpha.shape;
  if (k < 2) return tf.scalar(0);
  return tf.tidy(() => {
    const outer = tf.mul(tf.expandDims(alpha, 2), tf.expandDims(alpha, 1));
    const s = absCos ?? tf.abs(expertCosines(expertLogits));
    return tf.div(tf.sum(tf.mul(tf.mul(outer, s), pairMask(k, "upper"))), b) as tf.Scalar;
  });
}

export interface PpoLossInput {
  /** log π_new(a|s) of the stored actions, [B]. */
  logProb: tf.Tensor1D;
  oldLogProb: tf.Tensor1D;
  advantages: tf.Tensor1D;
  /** Per-sample policy entropy, [B]. */
  entropy: tf.Tensor1D;
  value: tf.Tensor1D;
  /** Values at collection time (for value clipping). */
  oldValue: tf.Tensor1D;
  returns: tf.Tensor1D;
  clip: number;
  /** Value-clip range, or null for the plain squared error. */
  valueClip: number | null;
}

export interface PpoLossTerms {
  /** −mean(min(ρA, clip(ρ, 1 ± ε)·A)). */
  policyLoss: tf.Scalar;
  /** 0.5·mean((V − R)²), or with value clipping 0.5·mean(max((V − R)², (V_clip − R)²)). */
  valueLoss: tf.Scalar;
  entropy: tf.Scalar;
  /** mean((ρ − 1) − log ρ): a low-variance, non-negative estimate of KL(π_old ‖ π_new). */
  approxKl: tf.Scalar;
  /** Share of samples whose ratio left [1 − ε, 1 + ε]. */
  clipFraction: tf.Scalar;
}

export function ppoLosses(x: PpoLossInput): PpoLossTerms {
  return tf.tidy(() => {
    const logRatio = tf.sub(x.logProb, x.oldLogProb);
    const ratio = tf.exp(logRatio);
    const surr1 = tf.mul(ratio, x.advantages);
    const surr2 = tf.mul(tf.clipByValue(ratio, 1 - x.clip, 1 + x.clip), x.advantages);
    const policyLoss = tf.neg(tf.mean(tf.minimum(surr1, surr2))) as tf.Scalar;
    const err = tf.square(tf.sub(x.value, x.returns));
    let valueLoss: tf.Scalar;
    if (x.valueClip === null) {
      valueLoss = tf.mul(0.5, tf.mean(err)) as tf.Scalar;
    } else {
      const clipped = tf.add(
        x.oldValue,
        tf.clipByValue(tf.sub(x.value, x.oldValue), -x.valueClip, x.valueClip),
      );
      valueLoss = tf.mul(0.5, tf.mean(tf.maximum(err, tf.square(tf.sub(clipped, x.returns))))) as tf.Scalar;
    }
    const entropy = tf.mean(x.entropy) as tf.Scalar;
    const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tf.Scalar;
    const clipFraction = tf.mean(
      tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), x.clip), "float32"),
    ) as tf.Scalar;
    return { policyLoss, valueLoss, entropy, approxKl, clipFraction };
  });
}

/** Auxiliary terms, keyed by their name in metrics; all are scalars to minimise (routing entropy is signed by the phase). */
export interface AuxTerms {
  routingEntropy?: tf.Scalar;
  loadBalance?: tf.Scalar;
  diversity?: tf.Scalar;
  alignment?: tf.Scalar;
  /** Operator-utility loss (trains the graph's opinion). */
  operator?: tf.Scalar;
  semantic?: tf.Scalar;
  temporal?: tf.Scalar;
  overlap?: tf.Scalar;
}
export type AuxName = keyof AuxTerms;
/** The auxiliary terms in the order logs, charts and metrics list them. */
export const AUX_NAMES = [
  "routingEntropy",
  "loadBalance",
  "diversity",
  "alignment",
  "operator",
  "semantic",
  "temporal",
  "overlap",
] as const satisfies readonly AuxName[];

export type LossTerms = Pick<PpoLossTerms, "policyLoss" | "valueLoss" | "entropy"> & AuxTerms;

export type LossCoefficients = Pick<
  PhaseState,
  | "entropyCoef"
  | "routingEntropyCoef"
  | "routingEntropySign"
  | "loadBalanceCoef"
  | "diversityCoef"
  | "alignmentCoef"
  | "operatorCoef"
  | "semanticCoef"
  | "temporalCoef"
  | "overlapCoef"
>;

/** The signed weight of each auxiliary term in the total loss for a phase. */
export function auxWeights(phase: LossCoefficients): Record<AuxName, number> {
  return {
    routingEntropy: phase.routingEntropySign * phase.routingEntropyCoef,
    loadBalance: phase.loadBalanceCoef,
    diversity: phase.diversityCoef,
    alignment: phase.alignmentCoef,
    operator: phase.operatorCoef,
    semantic: phase.semanticCoef,
    temporal: phase.temporalCoef,
    overlap: phase.overlapCoef,
  };
}

export interface TotalLoss {
  total: tf.Scalar;
  /** Each term's signed contribution to `total` (policy, value, entropy and every aux term present). */
  weighted: Record<string, tf.Scalar>;
}

/**
 * L = L_policy + valueCoef·L_value − entropyCoef·H(π) + sign·c_αH·H(α) + Σ c·aux.
 * Terms that are absent (e.g. no operator scores) are left out.
 */
export function totalLoss(terms: LossTerms, phase: LossCoefficients, valueCoef: number): TotalLoss {
  const weighted: Record<string, tf.Scalar> = {
    policy: tf.clone(terms.policyLoss),
    value: tf.mul(valueCoef, terms.valueLoss) as tf.Scalar,
    entropy: tf.mul(-phase.entropyCoef, terms.entropy) as tf.Scalar,
  };
  const w = auxWeights(phase);
  for (const name of Object.keys(w) as AuxName[]) {
    const t = terms[name];
    if (t) weighted[name] = tf.mul(w[name], t) as tf.Scalar;
  }
  const total = tf.addN(Object.values(weighted)) as tf.Scalar;
  return { total, weighted };
}
