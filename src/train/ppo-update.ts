/**
 * One PPO update over a collected batch, written against a small policy interface so it can be tested
 * with a toy policy: advantage normalisation, epochs × shuffled minibatches, the clipped loss plus the
 * phase's auxiliary terms, global gradient-norm clipping, optional KL early stop and the NaN guard.
 *
 * Unlike the original (defects B1, B20, B29 of docs/original.md) the policy re-evaluates each stored sample
 * with the same inputs it acted on (that is the policy's job in `evaluate`), minibatches are used, and the
 * phase learning rate is the learning rate (B9).
 */
import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError, type Rng } from "../util/index.js";
import type { PhaseState, PpoConfig } from "../run/index.js";
import {
  alignmentLoss,
  auxWeights,
  opinionAlignmentLoss,
  operatorUtilityLoss,
  expertCosines,
  expertDiversity,
  expertOverlap,
  loadBalance,
  ppoLosses,
  routingEntropy,
  type PpoLossTerms,
  semanticOrthogonality,
  temporalConsistency,
  totalLoss,
  type LossTerms,
  type StepPairs,
} from "./losses.js";
import { ensureGradients } from "./gradients.js";
import { fusedMinibatchLoss } from "./fused-loss.js";
import { explainedVariance } from "./gae.js";
import { NanGuard, allFinite } from "./nan-guard.js";
import { setLearningRate } from "./optimizer-state.js";
import type { LrSchedule } from "./phases.js";

/** What the policy computes for a minibatch of stored samples (rows in `batchIdx` order). */
export interface PolicyEvaluation {
  /** log π(a|s) of the stored actions, [B] (under the stored action mask, as when acting). */
  logProb: tf.Tensor1D;
  /** Policy entropy per sample, [B]. */
  entropy: tf.Tensor1D;
  value: tf.Tensor1D;
  /** Router output α, [B, K]. */
  alpha?: tf.Tensor2D;
  /** Per-expert action logits, [B, K, A]. */
  expertLogits?: tf.Tensor3D;
  /** Hypergraph operator scores, [B, numOps]. */
  operatorScores?: tf.Tensor2D;
  /** The graph's opinion g [B, K] and where it exists ([B] 0/1). */
  opinion?: tf.Tensor2D;
  opinionValid?: Float32Array;
  /** [B] 1 where the opinion is confident (a constant). */
  opinionConfident?: Float32Array;
  /** log π_G(a|s) of the stored actions [B] and where an enabled operator carries them out ([B] 0/1). */
  opinionLogProb?: tf.Tensor1D;
  opinionCovered?: Float32Array;
}

export interface TrainablePolicy {
  /** The variables to train, always in the same order (Adam's state is indexed by position). */
  trainableVariables(): tf.Variable[];
  /** Re-evaluates stored samples (indices into the batch) with the current weights; called inside the gradient tape. */
  evaluate(batchIdx: Int32Array): PolicyEvaluation;
}

export interface PpoBatch {
  oldLogProb: Float32Array;
  oldValue: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  /** Consecutive steps of one env and episode, as batch indices (for the temporal term). */
  pairs?: StepPairs;
}

export type PpoUpdateConfig = Pick<
  PpoConfig,
  "clip" | "valueCoef" | "valueClip" | "epochs" | "minibatchSize" | "maxGradNorm" | "targetKl" | "advNorm"
> & { loadBalance?: PpoConfig["loadBalance"]; alignmentTarget?: PpoConfig["alignmentTarget"] };

export interface PpoUpdateArgs {
  policy: TrainablePolicy;
  optimizer: tf.Optimizer;
  data: PpoBatch;
  config: PpoUpdateConfig;
  phase: PhaseState;
  rng: Rng;
  /** Multiplies the phase lr and is stepped once per call. */
  lrSchedule?: LrSchedule;
  /** Pass one guard for the whole run so it can count failures in a row. */
  nanGuard?: NanGuard;
  /** Operator → expert matrix [numOps, K] (operatorExpertMatrix), for the "centred"/"raw" alignment targets. */
  opToExpert?: tf.Tensor2D;
  /**
   * Compute the minibatch loss with the fused JS kernel (fused-loss.ts; default) rather than term by term in
   * tfjs ops (minibatchTerms + totalLoss). Both give the same loss and gradient up to float32 rounding.
   */
  fusedLoss?: boolean;
}

export interface PpoUpdateMetrics {
  lr: number;
  /** Optimiser steps applied. */
  steps: number;
  /** Epochs started (the last may be partial after an early stop). */
  epochs: number;
  earlyStop: boolean;
  /** Why the update was rolled back, or null. */
  rolledBack: string | null;
  /** Mean over minibatches of each raw term (policy, value, entropy, aux terms present) and the total. */
  losses: Record<string, number>;
  /** Mean over minibatches of each term's signed contribution to the total. */
  weighted: Record<string, number>;
  approxKl: number;
  clipFraction: number;
  /** Global gradient norm before clipping: mean and max over minibatches. */
  gradNorm: number;
  gradNormMax: number;
  /** Of the rollout values against the returns (before the update). */
  explainedVariance: number;
  advantageMean: number;
  advantageStd: number;
}

function meanStd(a: Float32Array): [number, number] {
  const n = a.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += a[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (a[i] - m) ** 2;
  return [m, n > 1 ? Math.sqrt(v / (n - 1)) : 0];
}

function gatherF32(src: Float32Array, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]];
  return out;
}

/** The temporal pairs whose both ends fall in this minibatch, re-indexed to minibatch rows. */
function localPairs(pairs: StepPairs | undefined, idx: Int32Array, pos: Int32Array): StepPairs {
  if (!pairs) return { prev: new Int32Array(0), next: new Int32Array(0) };
  for (let i = 0; i < idx.length; i++) pos[idx[i]] = i;
  const prev: number[] = [];
  const next: number[] = [];
  for (let p = 0; p < pairs.prev.length; p++) {
    const a = pos[pairs.prev[p]];
    const b = pos[pairs.next[p]];
    if (a >= 0 && b >= 0) {
      prev.push(a);
      next.push(b);
    }
  }
  for (let i = 0; i < idx.length; i++) pos[idx[i]] = -1;
  return { prev: Int32Array.from(prev), next: Int32Array.from(next) };
}

function checkBatch(data: PpoBatch): number {
  const n = data.oldLogProb.length;
  for (const k of ["oldValue", "advantages", "returns"] as const) {
    if (data[k].length !== n)
      throw new InvalidArgumentError(`PPO batch ${k} length`, data[k].length, `${n} (oldLogProb length)`);
  }
  if (n === 0) throw new InvalidArgumentError("PPO batch size", 0, "at least 1 sample");
  const pairs = data.pairs;
  if (pairs) {
    if (pairs.prev.length !== pairs.next.length)
      throw new InvalidArgumentError("temporal pairs", pairs.next.length, `${pairs.prev.length}`);
    for (const arr of [pairs.prev, pairs.next]) {
      for (const i of arr)
        if (i < 0 || i >= n)
          throw new InvalidArgumentError("temporal pair index", i, `an index in [0, ${n - 1}]`);
    }
  }
  return n;
}

/** One minibatch's stored data, rows in the order the policy evaluated them. */
export interface MinibatchData {
  oldLogProb: Float32Array;
  oldValue: Float32Array;
  returns: Float32Array;
  /** Advantages as the update uses them (normalised when config.advNorm). */
  advantages: Float32Array;
  /** Temporal pairs within the minibatch (row indices). */
  pairs?: StepPairs;
  config: PpoUpdateConfig;
  phase: PhaseState;
  opToExpert?: tf.Tensor2D;
}

/**
 * Every loss term of one minibatch: the clipped PPO terms and each auxiliary term the phase weights. This is
 * the update's loss, exported so tests can take its gradient with respect to every parameter.
 */
export function minibatchTerms(
  ev: PolicyEvaluation,
  mb: MinibatchData,
): { ppo: PpoLossTerms; terms: LossTerms } {
  const { config, phase } = mb;
  const w = auxWeights(phase);
  const ppo = ppoLosses({
    logProb: ev.logProb,
    oldLogProb: tf.tensor1d(mb.oldLogProb),
    advantages: tf.tensor1d(mb.advantages),
    entropy: ev.entropy,
    value: ev.value,
    oldValue: tf.tensor1d(mb.oldValue),
    returns: tf.tensor1d(mb.returns),
    clip: config.clip,
    valueClip: config.valueClip,
  });
  const terms: LossTerms = {
    policyLoss: ppo.policyLoss,
    valueLoss: ppo.valueLoss,
    entropy: ppo.entropy,
  };
  const { alpha, expertLogits: e, operatorScores, opinion } = ev;
  const target = config.alignmentTarget ?? "raw";
  // Where the graph is confident (constant): alignment acts there, load balancing only elsewhere.
  const confident = ev.opinionConfident ? tf.tensor1d(ev.opinionConfident) : undefined;
  // Aux terms are built only when weighted (a zero-weighted term would still cost a backward pass);
  // routing entropy is always computed because it is the main routing metric.
  if (alpha) terms.routingEntropy = routingEntropy(alpha);
  if (alpha && w.loadBalance !== 0)
    terms.loadBalance = loadBalance(
      alpha,
      config.loadBalance ?? "variance",
      confident && target === "opinion" ? (tf.sub(1, confident) as tf.Tensor1D) : undefined,
    );
  // |cos| between experts is shared by three terms: build it (and its backward pass) once.
  const needCos = e && (w.diversity !== 0 || w.semantic !== 0 || (alpha && w.overlap !== 0));
  const absCos = needCos && e ? tf.abs(expertCosines(e)) : undefined;
  if (e && w.diversity !== 0) terms.diversity = expertDiversity(e, absCos);
  if (e && w.semantic !== 0) terms.semantic = semanticOrthogonality(e, absCos);
  if (alpha && e && w.overlap !== 0) terms.overlap = expertOverlap(alpha, e, absCos);
  if (alpha && mb.pairs && mb.pairs.prev.length > 0) terms.temporal = temporalConsistency(alpha, mb.pairs);
  if (w.alignment !== 0 && alpha) {
    if (target === "opinion") {
      if (opinion && confident) terms.alignment = opinionAlignmentLoss(alpha, opinion, confident);
    } else if (operatorScores && mb.opToExpert) {
      terms.alignment = alignmentLoss(
        operatorScores,
        mb.opToExpert,
        alpha,
        phase.alignmentTemperature,
        target === "centred",
      );
    }
  }
  if (w.operator !== 0 && ev.opinionLogProb && ev.opinionCovered)
    terms.operator = operatorUtilityLoss(ev.opinionLogProb, ev.opinionCovered, mb.advantages);
  return { ppo, terms };
}

/** The total loss of one minibatch (see minibatchTerms). */
export function minibatchLoss(ev: PolicyEvaluation, mb: MinibatchData): tf.Scalar {
  const { terms } = minibatchTerms(ev, mb);
  return totalLoss(terms, mb.phase, mb.config.valueCoef).total;
}

export async function ppoUpdate(args: PpoUpdateArgs): Promise<PpoUpdateMetrics> {
  const { policy, optimizer, data, config, phase, rng } = args;
  const fused = args.fusedLoss ?? true;
  const n = checkBatch(data);
  await ensureGradients();
  const guard = args.nanGuard ?? new NanGuard();
  const vars = policy.trainableVariables();
  const lr = args.lrSchedule ? args.lrSchedule.lr(phase) : phase.lr;
  setLearningRate(optimizer, lr);

  const [advMean, advStd] = meanStd(data.advantages);
  const adv = new Float32Array(n);
  for (let i = 0; i < n; i++)
    adv[i] = config.advNorm ? (data.advantages[i] - advMean) / (advStd + 1e-8) : data.advantages[i];

  const w = auxWeights(phase);
  const sums: Record<string, number> = {};
  const wsums: Record<string, number> = {};
  let klSum = 0;
  let clipSum = 0;
  let normSum = 0;
  let normMax = 0;
  let evaluated = 0;
  let steps = 0;
  let epochs = 0;
  let earlyStop = false;
  const mb = Math.min(config.minibatchSize, n);
  const perm = new Int32Array(n);
  const pos = new Int32Array(n).fill(-1);

  const rolledBack = await guard.run(vars, optimizer, () => {
    for (let epoch = 0; epoch < config.epochs && !earlyStop; epoch++) {
      epochs++;
      for (let i = 0; i < n; i++) perm[i] = i;
      rng.shuffle(perm);
      for (let start = 0; start < n && !earlyStop; start += mb) {
        const idx = perm.subarray(start, Math.min(n, start + mb));
        const pairs = w.temporal !== 0 ? localPairs(data.pairs, idx, pos) : undefined;
        let names: string[] = [];
        let metricVec: tf.Tensor | null = null;
        let fusedVals: number[] | null = null;
        let fusedTotal = 0;
        const { value: loss, grads } = tf.variableGrads(() => {
          const ev = policy.evaluate(idx);
          const mbData: MinibatchData = {
            oldLogProb: gatherF32(data.oldLogProb, idx),
            oldValue: gatherF32(data.oldValue, idx),
            returns: gatherF32(data.returns, idx),
            advantages: gatherF32(adv, idx),
            pairs,
            config,
            phase,
            opToExpert: args.opToExpert,
          };
          if (fused) {
            const f = fusedMinibatchLoss(ev, mbData);
            names = f.names;
            fusedVals = f.values;
            fusedTotal = f.totalValue;
            return f.total;
          }
          const { ppo, terms } = minibatchTerms(ev, mbData);
          const { total, weighted } = totalLoss(terms, phase, config.valueCoef);
          const raw: [string, tf.Scalar][] = [
            ["policy", terms.policyLoss],
            ["value", terms.valueLoss],
            ["entropy", terms.entropy],
          ];
          for (const k of Object.keys(w) as (keyof typeof w)[])
            if (terms[k]) raw.push([k, terms[k] as tf.Scalar]);
          const wnames = Object.keys(weighted);
          names = [...raw.map(([k]) => k), ...wnames.map((k) => `w:${k}`), "approxKl", "clipFraction"];
          metricVec = tf.keep(
            tf.stack([
              ...raw.map(([, t]) => t),
              ...wnames.map((k) => weighted[k]),
              ppo.approxKl,
              ppo.clipFraction,
            ]),
          );
          return total;
        }, vars);
        const gradList = vars.map((v) => grads[v.name]).filter((g): g is tf.Tensor => g !== undefined);
        const normT = tf.tidy(() => tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g))))));
        let vals: ArrayLike<number>;
        if (fusedVals) {
          // The loss and metrics were computed in JS: only the gradient norm is read back.
          vals = [fusedTotal, normT.dataSync()[0], ...(fusedVals as number[])];
          tf.dispose(loss);
        } else {
          const head = tf.tidy(() =>
            tf.concat([tf.reshape(loss, [1]), tf.reshape(normT, [1]), metricVec as unknown as tf.Tensor]),
          );
          vals = head.dataSync();
          tf.dispose([head, loss, metricVec as unknown as tf.Tensor]);
        }
        const [lossVal, norm] = [vals[0], vals[1]];
        const kl = vals[2 + names.indexOf("approxKl")];

        if (!Number.isFinite(lossVal) || !Number.isFinite(norm)) {
          tf.dispose([normT, ...Object.values(grads)]);
          return `non-finite ${Number.isFinite(lossVal) ? "gradient norm" : "loss"} (${Number.isFinite(lossVal) ? norm : lossVal}) in epoch ${epoch + 1}, update step ${steps + 1}`;
        }
        evaluated++;
        sums.total = (sums.total ?? 0) + lossVal;
        names.forEach((name, j) => {
          const v = vals[2 + j];
          if (name === "approxKl") klSum += v;
          else if (name === "clipFraction") clipSum += v;
          else if (name.startsWith("w:")) wsums[name.slice(2)] = (wsums[name.slice(2)] ?? 0) + v;
          else sums[name] = (sums[name] ?? 0) + v;
        });
        normSum += norm;
        normMax = Math.max(normMax, norm);

        if (config.targetKl !== null && kl > 1.5 * config.targetKl) {
          // Stop before applying a step that would move the policy too far (as SB3's target_kl).
          earlyStop = true;
          tf.dispose([normT, ...Object.values(grads)]);
          break;
        }
        const scale =
          config.maxGradNorm !== null && norm > config.maxGradNorm ? config.maxGradNorm / (norm + 1e-6) : 1;
        const named = vars.map((v) => ({
          name: v.name,
          tensor: (grads[v.name] && scale !== 1 ? tf.mul(grads[v.name], scale) : grads[v.name]) as tf.Tensor,
        }));
        optimizer.applyGradients(named);
        tf.dispose([
          normT,
          ...Object.values(grads),
          ...(scale !== 1 ? named.map((g) => g.tensor).filter(Boolean) : []),
        ]);
        steps++;
      }
    }
    // A finite gradient can still overflow a weight; catch it now rather than at the next update.
    return allFinite(vars) ? null : "non-finite weights after the optimiser step";
  });
  args.lrSchedule?.step();

  const avg = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, evaluated ? v / evaluated : NaN]));
  return {
    lr,
    steps: rolledBack ? 0 : steps,
    epochs,
    earlyStop,
    rolledBack,
    losses: avg(sums),
    weighted: avg(wsums),
    approxKl: evaluated ? klSum / evaluated : NaN,
    clipFraction: evaluated ? clipSum / evaluated : NaN,
    gradNorm: evaluated ? normSum / evaluated : NaN,
    gradNormMax: normMax,
    explainedVariance: explainedVariance(data.oldValue, data.returns),
    advantageMean: advMean,
    advantageStd: advStd,
  };
}
