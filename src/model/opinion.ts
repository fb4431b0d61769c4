/**
 * The graph's opinion: which expert fits a state, according to the hypergraph.
 *
 * Structure decides what is possible: an operator is *enabled* in a state when one of its `satisfies`
 * preconditions holds (or it has none), exactly as for the action mask, and only operators carried out by an
 * action of the policy's action set count. Learning decides what is advisable: the GAT gives every operator a
 * state-dependent utility u_j(s) (its operator head). The graph then reads as a two-level choice, expert first:
 *
 *   v_k(s)    = log mean_{j of k, enabled} exp u_j(s)        (an expert's utility: log-mean-exp, −∞ if none enabled)
 *   g_k(s)    = softmax_k v_k(s)                               (the opinion)
 *   q_j(s)    = g_k(s) · softmax_{j' of k, enabled}(u)_j       (operator j of expert k)
 *   π_G(a|s)  = Σ_j q_j(s) · [a ∈ actions(j)] / |actions(j)|  (the graph's policy over actions)
 *
 * The mean (not the sum) over an expert's operators keeps an expert with many operators (Exploration's sixteen
 * moves) from owning every state by count. And because an action explained by a specific expert (Combat with one
 * enabled attack) is far likelier under it than under a broad one (any of twenty moves), fitting π_G to the
 * agent's actions credits the specific expert: the Bayesian Occam's razor of a mixture.
 *
 * The trainer fits π_G to the actions the agent took, weighted by their advantages (an advantage-weighted
 * regression, see train/losses.ts operatorUtilityLoss): operators whose actions pay off in a state gain utility
 * there, and the opinion follows the expert that owns them. States where nothing is enabled have no opinion
 * (uniform, never confident).
 */
import * as tf from "@tensorflow/tfjs-core";
import { operatorPreconditions, type Hypergraph } from "../knowledge/index.js";
import { InvalidArgumentError } from "../util/index.js";

/** Subtracted from the logit of an expert with no enabled operator (its opinion share is then 0). */
const UNAVAILABLE = 1e4;
/** Smallest expert prior ḡ_k (an expert almost never available would otherwise divide by ~0). */
export const PRIOR_FLOOR = 1e-3;
/** Operator utilities are clipped to ±this before exp (see forward). */
export const UTILITY_BOUND = 20;

export interface OpinionOutput {
  /**
   * The opinion over experts [B, K]: g re-weighted by the expert prior, g_k / ḡ_k normalised (see `setPrior`);
   * uniform on rows without an enabled operator. Equal to `raw` while the prior is uniform.
   */
  probs: tf.Tensor2D;
  /** g [B, K] itself: the experts' shares of π_G (what the operator-utility loss fits). */
  raw: tf.Tensor2D;
  /** π_G [B, A]: the graph's action distribution. */
  actionProbs: tf.Tensor2D;
  /** [B] 1 where some operator is enabled (the opinion exists), else 0. */
  valid: Float32Array;
}

export class GraphOpinion {
  readonly numOperators: number;
  /** Per operator: its satisfies preconditions (condition indices); empty = ungated. */
  private readonly pre: Int32Array[];
  /** Per operator: its actions within the action set (empty = not playable here, never enabled). */
  private readonly acts: Int32Array[];
  /** [ops × K] one-hot owner expert of each operator. */
  private readonly expertData: Float32Array;
  /** Per operator: its owner expert's index. */
  private readonly opExpert: Int32Array;
  /** [ops × A] 1/|actions(j)| on operator j's actions. */
  private readonly actionData: Float32Array;
  /** ḡ: each expert's mean share of g over recent states (uniform until set). */
  private priorValue: Float32Array;

  constructor(
    graph: Hypergraph,
    readonly numExperts: number,
    readonly numActions: number,
  ) {
    const nOps = graph.operatorNodes.length;
    this.numOperators = nOps;
    this.pre = operatorPreconditions(graph).map((p) => Int32Array.from(new Set(p)));
    this.opExpert = graph.operatorExpert.slice();
    this.acts = graph.operatorNodes.length
      ? Array.from(graph.operatorNodes, (node) =>
          Int32Array.from(new Set((graph.nodes[node].actions ?? []).filter((a) => a >= 0 && a < numActions))),
        )
      : [];
    this.priorValue = new Float32Array(numExperts).fill(1 / numExperts);
    this.expertData = new Float32Array(nOps * numExperts);
    this.actionData = new Float32Array(nOps * numActions);
    for (let j = 0; j < nOps; j++) {
      const k = graph.operatorExpert[j];
      if (!(k >= 0 && k < numExperts))
        throw new InvalidArgumentError(`operatorExpert[${j}]`, k, `an expert index in [0, ${numExperts})`);
      this.expertData[j * numExperts + k] = 1;
      for (const a of this.acts[j]) this.actionData[j * numActions + a] = 1 / this.acts[j].length;
    }
  }

  get prior(): Float32Array {
    return this.priorValue.slice();
  }

  /**
   * Sets ḡ, the experts' mean shares of g over recent states (floored at PRIOR_FLOOR, renormalised). The opinion
   * is then g_k / ḡ_k normalised: which expert the state's evidence favours *relative to how often the agent's
   * behaviour is explained by it anyway* — the posterior under an equal prior over experts. Without it the
   * expert whose operators explain most actions (Exploration's moves) is the opinion in nearly every state.
   */
  setPrior(p: ArrayLike<number>): void {
    const K = this.numExperts;
    if (p.length !== K) throw new InvalidArgumentError("opinion prior length", p.length, `${K} (numExperts)`);
    for (let k = 0; k < K; k++)
      if (!(Number.isFinite(p[k]) && p[k] >= 0))
        throw new InvalidArgumentError(`opinion prior[${k}]`, p[k], "a finite number ≥ 0");
    const v = Float32Array.from(p);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += v[k];
    // A prior this method made (e.g. read back from weights) is kept exactly: normalisation can leave a floored
    // entry a hair under the floor, and flooring it again would change the prior on every save and load.
    const made = Math.abs(sum - 1) <= 1e-6 && v.every((x) => x >= PRIOR_FLOOR * (1 - 1e-4));
    if (!made) {
      let s = 0;
      for (let k = 0; k < K; k++) s += v[k] = Math.max(v[k], PRIOR_FLOOR);
      for (let k = 0; k < K; k++) v[k] /= s;
    }
    this.priorValue = v;
  }

  /** [B × ops] 1 where operator j is enabled in row b's condition mask ([B × C], nonzero = active). */
  enabled(masks: Uint8Array, B: number): Uint8Array {
    const nOps = this.numOperators;
    const C = masks.length / B;
    const out = new Uint8Array(B * nOps);
    for (let b = 0; b < B; b++) {
      const o = b * C;
      for (let j = 0; j < nOps; j++) {
        if (this.acts[j].length === 0) continue;
        const p = this.pre[j];
        let on = p.length === 0;
        for (let i = 0; i < p.length && !on; i++) on = masks[o + p[i]] !== 0;
        out[b * nOps + j] = on ? 1 : 0;
      }
    }
    return out;
  }

  /** 1 where some enabled operator of row b is carried out by `actions[b]` (π_G can explain the action). */
  covers(enabled: Uint8Array, actions: Int32Array): Float32Array {
    const nOps = this.numOperators;
    const B = actions.length;
    const out = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < nOps && !out[b]; j++)
        if (enabled[b * nOps + j] && this.actionData[j * this.numActions + actions[b]] > 0) out[b] = 1;
    }
    return out;
  }

  /** The opinion for utilities `scores` [B, ops] under the enabled sets `enabled` (from `enabled()`). */
  forward(scores: tf.Tensor2D, enabled: Uint8Array): OpinionOutput {
    const [B, nOps] = scores.shape;
    if (nOps !== this.numOperators)
      throw new InvalidArgumentError("operator scores width", nOps, `${this.numOperators} operators`);
    const K = this.numExperts;
    const on = new Float32Array(B * nOps);
    const count = new Float32Array(B * K);
    const valid = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < nOps; j++) {
        if (!enabled[b * nOps + j]) continue;
        on[b * nOps + j] = 1;
        valid[b] = 1;
        count[b * K + this.opExpert[j]]++;
      }
    }
    const E = tf.tensor2d(this.expertData, [nOps, K]);
    const Et = tf.transpose(E);
    const mask = tf.tensor2d(on, [B, nOps]);
    // Utilities clipped to ±UTILITY_BOUND so exp() needs no max shift: e^±20 and sums of 69 of them stay well
    // inside float32, and a utility gap of 40 nats is far beyond any opinion the loss can ask for.
    const ex = tf.mul(tf.exp(tf.clipByValue(scores, -UTILITY_BOUND, UTILITY_BOUND)), mask);
    // Experts without an enabled operator: s_k = 0; log(s_k + 1) keeps the gradient finite (1/(0 + ε) times a
    // zero mask is NaN in the backward pass), and the constant −UNAVAILABLE removes them from the softmax.
    const empty = tf.tensor2d(
      Float32Array.from(count, (c) => (c === 0 ? 1 : 0)),
      [B, K],
    );
    const s = tf.add(tf.matMul(ex, E), empty);
    const v = tf.sub(
      tf.sub(tf.log(s), tf.log(tf.maximum(tf.tensor2d(count, [B, K]), 1))),
      tf.mul(empty, UNAVAILABLE),
    );
    const g = tf.softmax(v);
    const validT = tf.tensor2d(valid, [B, 1]);
    const uniform = tf.mul(tf.sub(1, validT), 1 / K);
    const raw = tf.add(tf.mul(g, validT), uniform) as tf.Tensor2D;
    const lifted = tf.div(g, tf.tensor1d(this.priorValue));
    const probs = tf.add(tf.mul(tf.div(lifted, tf.sum(lifted, 1, true)), validT), uniform) as tf.Tensor2D;
    // q_j = g_k(j) · exp(u_j − m) / s_k(j): the operator's share of its expert, times the expert's weight.
    const q = tf.mul(tf.div(ex, tf.matMul(s, Et)), tf.matMul(g, Et));
    const actionProbs = tf.matMul(q, tf.tensor2d(this.actionData, [nOps, this.numActions])) as tf.Tensor2D;
    return { probs, raw, actionProbs, valid };
  }
}

/** Row b is confident when its opinion exists and its largest share is ≥ `threshold`. */
export function confidentRows(
  probs: ArrayLike<number>,
  valid: ArrayLike<number>,
  K: number,
  threshold: number,
): Uint8Array {
  const B = valid.length;
  const out = new Uint8Array(B);
  for (let b = 0; b < B; b++) {
    if (!valid[b]) continue;
    let m = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, probs[b * K + k]);
    out[b] = m >= threshold ? 1 : 0;
  }
  return out;
}
