/**
 * The router: the one owner of everything that turns the joint features into the expert weights α.
 *
 *   z = MLP([h_vis, h_logic])            raw logits, trained by gradient
 *   z' = norm(z) + b·[row not confident] optional per-expert normalisation, loss-free balance bias
 *   α = route(z' ; mode, τ)              softmax / sparsemax / entmax-1.5 / top-2 at temperature τ
 *
 * With the graph's opinion g as the routing prior (config router.prior "opinion"), the router only corrects it:
 *
 *   α = route(log g + R·tanh(z'/R) ; mode, τ)
 *
 * g is a constant here (stop-gradient: the router cannot reshape the graph's opinion to suit itself), and the
 * correction is bounded by R nats per expert, so an expert the graph favours by more than e^(2R) stays in front
 * whatever the router learns. Where the graph has no opinion g is uniform and the router alone decides. Why a
 * prior and not only the alignment loss: a free router reads features rich enough to find a situational split of
 * its own, so a graph whose rules are scrambled still ended up with experts split by situation (docs/model.md).
 *
 * τ and the mode come from the training phase (`setRouting`), the balance bias from the trainer's balancer
 * (`stepBalance`), the normalisation statistics from fresh router logits (`setLogitStats`); each is saved with the
 * weights as a named buffer. The bias is never added on rows where the graph's opinion is confident, so load
 * balancing cannot override the graph.
 */
import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError, type Rng } from "../util/index.js";
import { stopGradient } from "./kernels/index.js";
import { Mlp } from "./layers.js";
import type { NamedArray, ParamStore } from "./params.js";
import { route, validateRouting, type Routing } from "./routing.js";

export const ROUTER_OUT_GAIN = 0.1;
/** Floor of the opinion's shares before the log (an expert with no enabled operator has share 0). */
export const OPINION_LOG_FLOOR = 1e-3;
/** Buffer names among the weights (like BatchNorm's running statistics: saved, not trained). */
export const ROUTER_BIAS = "router.balance_bias";
export const ROUTER_LOGIT_MEAN = "router.logit_mean";
export const ROUTER_LOGIT_STD = "router.logit_std";
export const ROUTER_BUFFERS = [ROUTER_BIAS, ROUTER_LOGIT_MEAN, ROUTER_LOGIT_STD] as const;

export type RouterNormalize = "none" | "per-expert";

export interface RouterLogitStats {
  mean: Float32Array;
  std: Float32Array;
}

export interface RouterOutput {
  /** Raw logits z [B, K] (before normalisation and bias). */
  logits: tf.Tensor2D;
  alpha: tf.Tensor2D;
}

/** A copy of one number per expert, each finite and, if `positive`, > 0. */
function expertVector(label: string, v: ArrayLike<number>, K: number, positive = false): Float32Array {
  if (v.length !== K) throw new InvalidArgumentError(`${label} length`, v.length, `${K} (numExperts)`);
  for (let k = 0; k < K; k++)
    if (!Number.isFinite(v[k]) || (positive && v[k] <= 0))
      throw new InvalidArgumentError(
        `${label}[${k}]`,
        v[k],
        positive ? "a finite number > 0" : "a finite number",
      );
  return Float32Array.from(v);
}

export class Router {
  private readonly mlp: Mlp;
  private routingValue: Routing;
  private biasValue: Float32Array;
  private stats: RouterLogitStats;

  constructor(
    ps: ParamStore,
    rng: Rng,
    inDim: number,
    hidden: readonly number[],
    readonly numExperts: number,
    readonly normalize: RouterNormalize,
    routing: Routing,
  ) {
    this.mlp = new Mlp(ps, "router", rng, inDim, [...hidden], numExperts, {
      orthogonalGain: ROUTER_OUT_GAIN,
      bias: "default",
    });
    this.routingValue = validateRouting(routing);
    this.biasValue = new Float32Array(numExperts);
    this.stats = { mean: new Float32Array(numExperts), std: new Float32Array(numExperts).fill(1) };
  }

  get routing(): Routing {
    return { ...this.routingValue };
  }
  /** The phase's routing mode and temperature τ. */
  setRouting(r: Routing): void {
    this.routingValue = validateRouting(r);
  }

  get bias(): Float32Array {
    return this.biasValue.slice();
  }
  setBias(b: ArrayLike<number>): void {
    this.biasValue = expertVector("router bias", b, this.numExperts);
  }
  /**
   * Loss-free balancing (Wang et al. 2024): each expert's bias moves by `rate` towards equal shares of the steps it
   * dominates (`share`, from the last rollout's non-confident steps), re-centred to mean 0. NaN shares: no move.
   */
  stepBalance(share: ArrayLike<number>, rate: number): void {
    this.biasValue = balanceBiasStep(this.biasValue, share, rate);
  }

  get logitStats(): RouterLogitStats {
    return { mean: this.stats.mean.slice(), std: this.stats.std.slice() };
  }
  /** Per-expert mean and sd of raw logits (used only with normalize "per-expert"). */
  setLogitStats(s: RouterLogitStats): void {
    this.stats = {
      mean: expertVector("router logit mean", s.mean, this.numExperts),
      std: expertVector("router logit std", s.std, this.numExperts, true),
    };
  }

  /**
   * α for the joint features. `unbiased[b]` = 1 marks rows the balance bias must not touch (the graph is
   * confident there); undefined: the bias applies to every row.
   */
  forward(joint: tf.Tensor2D, unbiased?: Uint8Array, prior?: RoutingPrior): RouterOutput {
    const logits = this.mlp.apply(joint);
    let z = this.normalize === "per-expert" ? normalizeLogits(logits, this.stats) : logits;
    if (this.biasValue.some((v) => v !== 0)) {
      const B = logits.shape[0];
      const K = this.numExperts;
      const b = new Float32Array(B * K);
      for (let r = 0; r < B; r++) if (!unbiased?.[r]) b.set(this.biasValue, r * K);
      z = tf.add(z, tf.tensor2d(b, [B, K])) as tf.Tensor2D;
    }
    if (prior) z = withPrior(z, prior);
    return { logits, alpha: route(z, this.routingValue) };
  }

  buffers(): Map<string, NamedArray> {
    const K = this.numExperts;
    return new Map([
      [ROUTER_BIAS, { shape: [K], values: this.biasValue.slice() }],
      [ROUTER_LOGIT_MEAN, { shape: [K], values: this.stats.mean.slice() }],
      [ROUTER_LOGIT_STD, { shape: [K], values: this.stats.std.slice() }],
    ]);
  }
  /** Missing buffers (weights saved before they existed) are zero bias and identity statistics. */
  loadBuffers(w: Map<string, NamedArray>): void {
    const K = this.numExperts;
    this.setBias(w.get(ROUTER_BIAS)?.values ?? new Float32Array(K));
    this.setLogitStats({
      mean: w.get(ROUTER_LOGIT_MEAN)?.values ?? new Float32Array(K),
      std: w.get(ROUTER_LOGIT_STD)?.values ?? new Float32Array(K).fill(1),
    });
  }
}

/** The graph's opinion as a routing prior: α = route(log g + R·tanh(z/R)). */
export interface RoutingPrior {
  /** g [B, K], each row a distribution (used as a constant). */
  opinion: tf.Tensor2D;
  /** R > 0: the bound, in nats, of the router's correction to each expert's log-opinion. */
  residual: number;
}

/** log max(g, floor) + R·tanh(z/R): the router's logits as a bounded correction of the graph's log-opinion. */
export function withPrior(z: tf.Tensor2D, prior: RoutingPrior): tf.Tensor2D {
  const R = prior.residual;
  if (!(Number.isFinite(R) && R > 0))
    throw new InvalidArgumentError("router residual bound", R, "a finite number > 0");
  if (prior.opinion.shape[0] !== z.shape[0] || prior.opinion.shape[1] !== z.shape[1])
    throw new InvalidArgumentError("opinion shape", prior.opinion.shape, `[${z.shape}] (router logits)`);
  const logG = tf.log(tf.maximum(stopGradient(prior.opinion), OPINION_LOG_FLOOR));
  return tf.add(logG, tf.mul(tf.tanh(tf.div(z, R)), R)) as tf.Tensor2D;
}

/**
 * Per-expert logit normalisation (z − μ)/σ with a straight-through gradient: the value is the normalised logit,
 * but the gradient reaches z unscaled (∂/∂z = 1 instead of 1/σ, which grew without bound as σ shrank).
 */
function normalizeLogits(z: tf.Tensor2D, s: RouterLogitStats): tf.Tensor2D {
  const zn = tf.div(tf.sub(z, tf.tensor1d(s.mean)), tf.tensor1d(s.std));
  return tf.add(stopGradient(tf.sub(zn, z)), z) as tf.Tensor2D;
}

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

/** Per-expert mean and population sd (floored at 1e-6) of raw router logits `z` ([n × K], row-major). */
export function logitStats(z: ArrayLike<number>, K: number): RouterLogitStats {
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
