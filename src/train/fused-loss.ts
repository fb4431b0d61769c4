/**
 * The minibatch loss of the PPO update (the clipped PPO terms and every auxiliary term, as minibatchTerms and
 * totalLoss in ppo-update.ts / losses.ts build them from tfjs ops) computed in one plain-JS pass over the
 * policy's outputs: values, metrics and the gradient with respect to each output, in float64.
 *
 * Why: the term-by-term loss is ≈ 500 tiny tfjs kernels per minibatch (forward and backward; ratio, clip,
 * min, cosines, masks, casts, reshapes…), each a dispatch through the engine and the tape on tensors of a few
 * hundred to a few thousand numbers, so their fixed cost dwarfs their arithmetic. Here the policy's outputs
 * are read once, the loss and its gradient are computed in loops, and the tape sees one custom op whose
 * backward uploads one gradient per output. The tfjs version stays the reference (and the update can still
 * use it: `fusedLoss: false`); test/train/fused-loss.test.ts checks the two against each other and this one
 * against float64 central differences.
 *
 * Gradient conventions follow tfjs's kernels where a function has a kink: min/max pass the gradient to the
 * first argument on ties, clip passes it on the closed interval, |x| has gradient sign(x) (0 at 0), argmax
 * (switch load balance, opinion target) picks the first maximum and has no gradient.
 */
import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../util/index.js";
import { ALIGNMENT_SMOOTHING, AUX_NAMES, LOG_EPS, UTILITY_WEIGHT_MAX, auxWeights } from "./losses.js";
import type { AuxName, LoadBalanceKind, StepPairs } from "./losses.js";
import type { MinibatchData, PolicyEvaluation } from "./ppo-update.js";

/** Norm floor of the expert cosines (as expertCosines). */
const NORM_EPS2 = 1e-16;

/** Everything the loss needs besides the differentiable policy outputs (constants of one minibatch). */
export interface FusedLossSpec {
  /** Rows. */
  B: number;
  /** Experts (0 without α). */
  K: number;
  /** Actions per expert (0 without expert logits). */
  A: number;
  oldLogProb: Float32Array;
  advantages: Float32Array;
  oldValue: Float32Array;
  returns: Float32Array;
  clip: number;
  valueClip: number | null;
  valueCoef: number;
  entropyCoef: number;
  /** Signed weight of each auxiliary term (auxWeights). */
  weights: Record<AuxName, number>;
  /** The auxiliary terms present, in AUX_NAMES order. */
  aux: AuxName[];
  loadBalance: LoadBalanceKind;
  /** Rows the load balance means run over (0/1 per row), or all rows. */
  balanceRows?: Float32Array;
  pairs?: StepPairs;
  alignment?:
    | { target: "opinion"; opinion: Float32Array; confident: Float32Array }
    | {
        target: "raw" | "centred";
        scores: Float32Array;
        numOps: number;
        opToExpert: Float32Array;
        temperature: number;
      };
  /** Rows whose action an enabled operator carries out (operator-utility term). */
  covered?: Float32Array;
}

/** The differentiable inputs: the policy's outputs for the minibatch. */
export interface FusedLossInputs {
  logProb: ArrayLike<number>;
  entropy: ArrayLike<number>;
  value: ArrayLike<number>;
  /** [B, K] */
  alpha?: ArrayLike<number>;
  /** [B, K, A] (only read when a cosine term is present) */
  expertLogits?: ArrayLike<number>;
  /** [B] */
  opinionLogProb?: ArrayLike<number>;
}

export interface FusedLossResult {
  total: number;
  /** Raw terms: policy, value, entropy, then the auxiliary terms present (AUX_NAMES order). */
  raw: [string, number][];
  /** Each term's signed contribution to the total, same order. */
  weighted: [string, number][];
  approxKl: number;
  clipFraction: number;
  /** d total / d input, for each input given. */
  grad: {
    logProb: Float64Array;
    entropy: Float64Array;
    value: Float64Array;
    alpha?: Float64Array;
    expertLogits?: Float64Array;
    opinionLogProb?: Float64Array;
  };
}

function need<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new InvalidArgumentError("fused loss input", "missing", what);
  return x;
}

function checkLength(x: ArrayLike<number> | undefined, n: number, what: string): void {
  if (x !== undefined && x.length !== n)
    throw new InvalidArgumentError(`fused loss ${what} length`, x.length, `${n}`);
}

/** The loss, its metrics and its gradient (pure JS; float64 throughout). */
export function fusedLossJs(s: FusedLossSpec, x: FusedLossInputs): FusedLossResult {
  const { B, K, A } = s;
  if (!(B > 0)) throw new InvalidArgumentError("fused loss rows", B, "at least 1");
  for (const [k, v] of [
    ["logProb", x.logProb],
    ["entropy", x.entropy],
    ["value", x.value],
    ["oldLogProb", s.oldLogProb],
    ["advantages", s.advantages],
    ["oldValue", s.oldValue],
    ["returns", s.returns],
    ["opinionLogProb", x.opinionLogProb],
    ["covered", s.covered],
    ["balanceRows", s.balanceRows],
  ] as const)
    checkLength(v, B, k);
  checkLength(x.alpha, B * K, "alpha");
  const has = new Set(s.aux);
  const cosTerms = has.has("diversity") || has.has("semantic") || has.has("overlap");
  if (cosTerms && K >= 2)
    checkLength(need(x.expertLogits, "expert logits [B, K, A]"), B * K * A, "expertLogits");

  const raw: [string, number][] = [];
  const gLp = new Float64Array(B);
  const gEnt = new Float64Array(B);
  const gV = new Float64Array(B);
  const gAlpha = x.alpha ? new Float64Array(B * K) : undefined;
  const gE = x.expertLogits ? new Float64Array(x.expertLogits.length) : undefined;
  const gOp = x.opinionLogProb ? new Float64Array(B) : undefined;

  // Clipped policy loss −mean(min(ρA, clip(ρ)A)), approx. KL and clip fraction.
  const eps = s.clip;
  let pol = 0;
  let kl = 0;
  let clipped = 0;
  for (let b = 0; b < B; b++) {
    const lr = x.logProb[b] - s.oldLogProb[b];
    const r = Math.exp(lr);
    const adv = s.advantages[b];
    const inRange = r >= 1 - eps && r <= 1 + eps;
    const rc = r < 1 - eps ? 1 - eps : r > 1 + eps ? 1 + eps : r;
    const s1 = r * adv;
    const s2 = rc * adv;
    pol += s1 <= s2 ? s1 : s2;
    const g = s1 <= s2 || inRange ? adv : 0;
    gLp[b] = (-g * r) / B;
    kl += r - 1 - lr;
    if (Math.abs(r - 1) > eps) clipped++;
  }
  raw.push(["policy", -pol / B]);

  // Value loss 0.5·mean((V − R)²), or with clipping 0.5·mean(max((V − R)², (V_clip − R)²)).
  let vl = 0;
  for (let b = 0; b < B; b++) {
    const v = x.value[b];
    const R = s.returns[b];
    const e1 = (v - R) ** 2;
    if (s.valueClip === null) {
      vl += e1;
      gV[b] = (s.valueCoef * (v - R)) / B;
      continue;
    }
    const c = s.valueClip;
    const d = v - s.oldValue[b];
    const dc = d < -c ? -c : d > c ? c : d;
    const vc = s.oldValue[b] + dc;
    const e2 = (vc - R) ** 2;
    if (e1 >= e2) {
      vl += e1;
      gV[b] = (s.valueCoef * (v - R)) / B;
    } else {
      vl += e2;
      gV[b] = d >= -c && d <= c ? (s.valueCoef * (vc - R)) / B : 0;
    }
  }
  raw.push(["value", (0.5 * vl) / B]);

  let ent = 0;
  for (let b = 0; b < B; b++) {
    ent += x.entropy[b];
    gEnt[b] = -s.entropyCoef / B;
  }
  raw.push(["entropy", ent / B]);

  const auxVal: Partial<Record<AuxName, number>> = {};
  const w = s.weights;
  const alpha = x.alpha;

  if (has.has("routingEntropy")) {
    const a = need(alpha, "α [B, K]");
    const ga = gAlpha!;
    let h = 0;
    const c = -w.routingEntropy / B;
    for (let i = 0; i < B * K; i++) {
      const l = Math.log(a[i] + LOG_EPS);
      h += a[i] * l;
      ga[i] += c * (l + a[i] / (a[i] + LOG_EPS));
    }
    auxVal.routingEntropy = -h / B;
  }

  if (has.has("loadBalance")) {
    const a = need(alpha, "α [B, K]");
    const ga = gAlpha!;
    const rows = s.balanceRows;
    let n = B;
    if (rows) {
      n = 0;
      for (let b = 0; b < B; b++) n += rows[b];
      n = Math.max(n, 1);
    }
    const mean = new Float64Array(K);
    for (let b = 0; b < B; b++) {
      const rb = rows ? rows[b] : 1;
      for (let k = 0; k < K; k++) mean[k] += rb * a[b * K + k];
    }
    for (let k = 0; k < K; k++) mean[k] /= n;
    // ∂loss/∂ᾱ_k
    const dm = new Float64Array(K);
    if (s.loadBalance === "variance") {
      let v = 0;
      for (let k = 0; k < K; k++) {
        v += (mean[k] - 1 / K) ** 2;
        dm[k] = (2 / K) * (mean[k] - 1 / K);
      }
      auxVal.loadBalance = v / K;
    } else if (s.loadBalance === "switch") {
      const f = new Float64Array(K);
      for (let b = 0; b < B; b++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (a[b * K + k] > a[b * K + best]) best = k;
        f[best] += rows ? rows[b] : 1;
      }
      let v = 0;
      for (let k = 0; k < K; k++) {
        f[k] /= n;
        v += mean[k] * f[k];
        dm[k] = K * f[k];
      }
      auxVal.loadBalance = K * v - 1;
    } else {
      throw new InvalidArgumentError("load balance kind", s.loadBalance, "switch | variance");
    }
    for (let b = 0; b < B; b++) {
      const c = (w.loadBalance * (rows ? rows[b] : 1)) / n;
      if (c !== 0) for (let k = 0; k < K; k++) ga[b * K + k] += c * dm[k];
    }
  }

  if (cosTerms) {
    if (K < 2) {
      for (const t of ["diversity", "semantic", "overlap"] as const) if (has.has(t)) auxVal[t] = 0;
    } else {
      const e = need(x.expertLogits, "expert logits [B, K, A]");
      const ge = gE!;
      const pairs = (K * (K - 1)) / 2;
      // Weight of |cos_ij| (i < j) in the total: diversity counts each pair once, semantic both orders.
      const cDiv = has.has("diversity") ? w.diversity / (B * pairs) : 0;
      const cSem = has.has("semantic") ? (2 * w.semantic) / (B * K * (K - 1)) : 0;
      const cOv = has.has("overlap") ? w.overlap / B : 0;
      const a = has.has("overlap") ? need(alpha, "α [B, K]") : undefined;
      let sumCos = 0;
      let sumOv = 0;
      const u = new Float64Array(K * A);
      const norm = new Float64Array(K);
      const du = new Float64Array(K * A);
      for (let b = 0; b < B; b++) {
        const off = b * K * A;
        for (let k = 0; k < K; k++) {
          let ss = 0;
          for (let j = 0; j < A; j++) ss += e[off + k * A + j] ** 2;
          norm[k] = Math.sqrt(ss + NORM_EPS2);
          for (let j = 0; j < A; j++) u[k * A + j] = e[off + k * A + j] / norm[k];
        }
        du.fill(0);
        for (let i = 0; i < K; i++) {
          for (let j = i + 1; j < K; j++) {
            let c = 0;
            for (let q = 0; q < A; q++) c += u[i * A + q] * u[j * A + q];
            const ac = Math.abs(c);
            sumCos += ac;
            let g = cDiv + cSem;
            if (a) {
              const ai = a[b * K + i];
              const aj = a[b * K + j];
              sumOv += ai * aj * ac;
              g += cOv * ai * aj;
              gAlpha![b * K + i] += cOv * aj * ac;
              gAlpha![b * K + j] += cOv * ai * ac;
            }
            const sg = c > 0 ? g : c < 0 ? -g : 0;
            if (sg === 0) continue;
            for (let q = 0; q < A; q++) {
              du[i * A + q] += sg * u[j * A + q];
              du[j * A + q] += sg * u[i * A + q];
            }
          }
        }
        // u = e / ‖e‖: de = (du − u (u·du)) / ‖e‖
        for (let k = 0; k < K; k++) {
          let dot = 0;
          for (let q = 0; q < A; q++) dot += u[k * A + q] * du[k * A + q];
          for (let q = 0; q < A; q++) ge[off + k * A + q] = (du[k * A + q] - u[k * A + q] * dot) / norm[k];
        }
      }
      if (has.has("diversity")) auxVal.diversity = sumCos / (B * pairs);
      if (has.has("semantic")) auxVal.semantic = (2 * sumCos) / (B * K * (K - 1));
      if (has.has("overlap")) auxVal.overlap = sumOv / B;
    }
  }

  if (has.has("temporal")) {
    const a = need(alpha, "α [B, K]");
    const ga = gAlpha!;
    const p = need(s.pairs, "temporal pairs");
    const P = p.prev.length;
    if (p.next.length !== P)
      throw new InvalidArgumentError("temporal pairs", p.next.length, `${P} next indices`);
    let v = 0;
    const c = (2 * w.temporal) / (P * K);
    for (let i = 0; i < P; i++) {
      const pr = p.prev[i];
      const nx = p.next[i];
      if (pr < 0 || pr >= B || nx < 0 || nx >= B)
        throw new InvalidArgumentError("temporal pair index", [pr, nx], `indices in [0, ${B - 1}]`);
      if (pr === nx) continue;
      for (let k = 0; k < K; k++) {
        const d = a[nx * K + k] - a[pr * K + k];
        v += d * d;
        ga[nx * K + k] += c * d;
        ga[pr * K + k] -= c * d;
      }
    }
    auxVal.temporal = P > 0 ? v / (P * K) : 0;
  }

  if (has.has("alignment")) {
    const a = need(alpha, "α [B, K]");
    const ga = gAlpha!;
    const al = need(s.alignment, "alignment target");
    const mix = 1 - ALIGNMENT_SMOOTHING;
    const uni = ALIGNMENT_SMOOTHING / K;
    let v = 0;
    if (al.target === "opinion") {
      for (let b = 0; b < B; b++) {
        const conf = al.confident[b];
        if (conf === 0) continue;
        let best = 0;
        for (let k = 1; k < K; k++) if (al.opinion[b * K + k] > al.opinion[b * K + best]) best = k;
        const sm = a[b * K + best] * mix + uni;
        v -= conf * Math.log(sm);
        ga[b * K + best] -= (w.alignment * conf * mix) / (sm * B);
      }
    } else {
      if (!(al.temperature > 0))
        throw new InvalidArgumentError("alignment temperature", al.temperature, "a number > 0");
      const { scores, numOps, opToExpert: M } = al;
      const ex = new Float64Array(B * K);
      for (let b = 0; b < B; b++)
        for (let o = 0; o < numOps; o++) {
          const sc = scores[b * numOps + o];
          if (sc === 0) continue;
          for (let k = 0; k < K; k++) ex[b * K + k] += sc * M[o * K + k];
        }
      if (al.target === "centred") {
        for (let k = 0; k < K; k++) {
          let m = 0;
          for (let b = 0; b < B; b++) m += ex[b * K + k];
          m /= B;
          for (let b = 0; b < B; b++) ex[b * K + k] -= m;
        }
      }
      for (let b = 0; b < B; b++) {
        let mx = -Infinity;
        for (let k = 0; k < K; k++) mx = Math.max(mx, ex[b * K + k] / al.temperature);
        let z = 0;
        for (let k = 0; k < K; k++) z += Math.exp(ex[b * K + k] / al.temperature - mx);
        const lz = mx + Math.log(z);
        for (let k = 0; k < K; k++) {
          const logP = ex[b * K + k] / al.temperature - lz;
          const pk = Math.exp(logP);
          const sm = a[b * K + k] * mix + uni;
          v += pk * (logP - Math.log(sm));
          ga[b * K + k] -= (w.alignment * pk * mix) / (sm * B);
        }
      }
    }
    auxVal.alignment = v / B;
  }

  if (has.has("operator")) {
    const lpg = need(x.opinionLogProb, "log π_G [B]");
    const cov = need(s.covered, "covered rows");
    let n = 0;
    for (let b = 0; b < B; b++) if (cov[b]) n++;
    let v = 0;
    if (n > 0) {
      for (let b = 0; b < B; b++) {
        if (!cov[b]) continue;
        const wb = Math.fround(Math.min(Math.exp(s.advantages[b]), UTILITY_WEIGHT_MAX));
        v -= wb * lpg[b];
        gOp![b] = (-w.operator * wb) / n;
      }
      v /= n;
    }
    auxVal.operator = v;
  }

  const weighted: [string, number][] = [
    ["policy", raw[0][1]],
    ["value", s.valueCoef * raw[1][1]],
    ["entropy", -s.entropyCoef * raw[2][1]],
  ];
  for (const name of AUX_NAMES) {
    const v = auxVal[name];
    if (v === undefined) continue;
    raw.push([name, v]);
    weighted.push([name, w[name] * v]);
  }
  let total = 0;
  for (const [, v] of weighted) total += v;
  return {
    total,
    raw,
    weighted,
    approxKl: kl / B,
    clipFraction: clipped / B,
    grad: {
      logProb: gLp,
      entropy: gEnt,
      value: gV,
      alpha: gAlpha,
      expertLogits: gE,
      opinionLogProb: gOp,
    },
  };
}

/** Which auxiliary terms minibatchTerms builds for this evaluation and minibatch (the same rules). */
export function presentAuxTerms(ev: PolicyEvaluation, mb: MinibatchData): AuxName[] {
  const w = auxWeights(mb.phase);
  const target = mb.config.alignmentTarget ?? "raw";
  const { alpha, expertLogits: e } = ev;
  const out = new Set<AuxName>();
  if (alpha) out.add("routingEntropy");
  if (alpha && w.loadBalance !== 0) out.add("loadBalance");
  if (e && w.diversity !== 0) out.add("diversity");
  if (e && w.semantic !== 0) out.add("semantic");
  if (alpha && e && w.overlap !== 0) out.add("overlap");
  if (alpha && mb.pairs && mb.pairs.prev.length > 0) out.add("temporal");
  if (w.alignment !== 0 && alpha) {
    if (target === "opinion") {
      if (ev.opinion && ev.opinionConfident) out.add("alignment");
    } else if (ev.operatorScores && mb.opToExpert) out.add("alignment");
  }
  if (w.operator !== 0 && ev.opinionLogProb && ev.opinionCovered) out.add("operator");
  return AUX_NAMES.filter((n) => out.has(n));
}

export interface FusedMinibatchLoss {
  /** The total loss, differentiable with respect to the policy's outputs (one custom op on the tape). */
  total: tf.Scalar;
  /** Metric names as the update reports them: raw terms, `w:`-prefixed weighted terms, approxKl, clipFraction. */
  names: string[];
  /** The metrics' values and the total, known without reading a tensor back. */
  values: number[];
  totalValue: number;
}

function f32(x: Float64Array, scale: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * scale;
  return out;
}

/**
 * The minibatch loss as one custom op: equal (to float32 rounding) to totalLoss(minibatchTerms(ev, mb).terms)
 * in value and gradient. Call inside the gradient tape.
 */
export function fusedMinibatchLoss(ev: PolicyEvaluation, mb: MinibatchData): FusedMinibatchLoss {
  const { config, phase } = mb;
  const aux = presentAuxTerms(ev, mb);
  const has = new Set(aux);
  const B = ev.logProb.shape[0];
  const K = ev.alpha ? ev.alpha.shape[1] : 0;
  const needE = has.has("diversity") || has.has("semantic") || has.has("overlap");
  const A = ev.expertLogits && needE ? ev.expertLogits.shape[2] : 0;
  const target = config.alignmentTarget ?? "raw";
  const confident = ev.opinionConfident;
  const spec: FusedLossSpec = {
    B,
    K,
    A,
    oldLogProb: mb.oldLogProb,
    advantages: mb.advantages,
    oldValue: mb.oldValue,
    returns: mb.returns,
    clip: config.clip,
    valueClip: config.valueClip,
    valueCoef: config.valueCoef,
    entropyCoef: phase.entropyCoef,
    weights: auxWeights(phase),
    aux,
    loadBalance: config.loadBalance ?? "variance",
    balanceRows: confident && target === "opinion" ? confident.map((c) => 1 - c) : undefined,
    pairs: mb.pairs,
    covered: has.has("operator") ? ev.opinionCovered : undefined,
  };
  if (has.has("alignment")) {
    if (target === "opinion") {
      spec.alignment = {
        target,
        opinion: ev.opinion!.dataSync() as Float32Array,
        confident: confident!,
      };
    } else {
      spec.alignment = {
        target,
        scores: ev.operatorScores!.dataSync() as Float32Array,
        numOps: ev.operatorScores!.shape[1],
        opToExpert: mb.opToExpert!.dataSync() as Float32Array,
        temperature: phase.alignmentTemperature,
      };
    }
  }
  type Key = keyof FusedLossInputs;
  const keys: Key[] = ["logProb", "entropy", "value"];
  const xs: tf.Tensor[] = [ev.logProb, ev.entropy, ev.value];
  if (ev.alpha && aux.length > 0) {
    keys.push("alpha");
    xs.push(ev.alpha);
  }
  if (ev.expertLogits && needE && K >= 2) {
    keys.push("expertLogits");
    xs.push(ev.expertLogits);
  }
  if (has.has("operator")) {
    keys.push("opinionLogProb");
    xs.push(ev.opinionLogProb!);
  }
  let res: FusedLossResult | undefined;
  const op = tf.customGrad(((...args: tf.Tensor[]) => {
    args.pop(); // the save function: the gradient is computed with the value, nothing to save
    const inputs: FusedLossInputs = { logProb: [], entropy: [], value: [] };
    keys.forEach((k, i) => (inputs[k] = args[i].dataSync() as Float32Array));
    const r = fusedLossJs(spec, inputs);
    res = r;
    return {
      value: tf.scalar(r.total),
      gradFunc: (dy: tf.Tensor) => {
        const d = dy.dataSync()[0];
        return keys.map((k, i) => tf.tensor(f32(r.grad[k]!, d), args[i].shape));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const total = op(...xs) as tf.Scalar;
  const r = res!;
  const names = [...r.raw.map(([k]) => k), ...r.weighted.map(([k]) => `w:${k}`), "approxKl", "clipFraction"];
  const values = [...r.raw.map(([, v]) => v), ...r.weighted.map(([, v]) => v), r.approxKl, r.clipFraction];
  return { total, names, values, totalValue: r.total };
}
