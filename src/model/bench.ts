/**
 * Model benchmark: batched inference latency (B = 1 and 64) and the time of one full PPO update
 * (epochs × shuffled minibatches, forward + backward + Adam) on a rollout of transitions.
 *
 * The data is either recorded from real play (rollout.ts; what `tedg bench model` uses) or synthetic
 * (synth.ts; tests). The update is either the caller's (the CLI passes the trainer's ppoUpdate, the real
 * workload) or `ppoUpdate` below, which mirrors it: clipped PPO + value + entropy, auxiliary terms on α,
 * the expert logits and the operator scores, global-norm gradient clipping and one read-back per minibatch.
 */
import * as tf from "@tensorflow/tfjs-core";
import { loadavg } from "node:os";
import type { Hypergraph } from "../knowledge/types.js";
import { InvalidArgumentError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { initBackend } from "./backend.js";
import type { BackendKind } from "./backend.js";
import type { ModelConfigInput } from "./config.js";
import { dedupMasks } from "./gat-plan.js";
import type { Policy, PolicyBatch } from "./policy.js";
import { createPolicy } from "./policy.js";
import { sliceBatch, syntheticBatch, syntheticGraph, syntheticMasks } from "./synth.js";

/** What one update trains on (rows of `batch`). */
export interface UpdateData {
  batch: PolicyBatch;
  actions: Int32Array;
  oldLogProb: Float32Array;
  oldValue: Float32Array;
  adv: Float32Array;
  ret: Float32Array;
  epochs: number;
  minibatch: number;
}

/** One full PPO update (all epochs and minibatches). */
export type UpdateFn = (policy: Policy, optimizer: tf.Optimizer, data: UpdateData, rng: Rng) => unknown;

export interface BenchOptions {
  /** Graph to use (default: a synthetic graph of ~130 conditions / 60 operators / 40 effects / 600 edges). */
  graph?: Hypergraph;
  /** Transitions to train on (e.g. recordRollout(graph).batch); default: synthetic features with `masks`. */
  data?: PolicyBatch;
  /** Condition masks [n × numConditions] for synthetic features (default: ~1,500 distinct of 2,048). */
  masks?: Uint8Array;
  config?: ModelConfigInput;
  backend?: BackendKind;
  transitions?: number;
  epochs?: number;
  minibatch?: number;
  /** Timed repetitions (after one warm-up) of inference and of the update. */
  inferReps?: number;
  updateReps?: number;
  seed?: number;
  /** The update to time (default: ppoUpdate below). */
  update?: UpdateFn;
  /** Name of the update reported in the result. */
  updateName?: string;
  log?: (msg: string) => void;
}

export interface BenchResult {
  infer_ms_b1: number;
  infer_ms_b64: number;
  /** Median wall time of one full update (epochs × minibatches, forward + backward + Adam). */
  update_ms: number;
  update_ms_min: number;
  /** CPU time of the update (user+system, this process): close to update_ms on an idle machine, and a fairer number on a busy one. */
  update_cpu_ms: number;
  update_cpu_ms_min: number;
  /** Distinct condition masks among the transitions, and on average per minibatch. */
  unique_masks: number;
  unique_masks_per_minibatch: number;
  peak_rss_mb: number;
  backend: string;
  wasm_simd: boolean;
  wasm_threads: boolean;
  params: number;
  transitions: number;
  epochs: number;
  minibatch: number;
  update_reps: number;
  update: string;
  /** 1-minute load average before and after (other processes share the cores). */
  loadavg_start: number;
  loadavg_end: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Clipped PPO + 0.5·value MSE − 0.01·entropy (the shape of the trainer's main loss). */
export function ppoLoss(
  policy: Policy,
  mb: PolicyBatch,
  actions: Int32Array,
  oldLogProb: Float32Array,
  adv: Float32Array,
  ret: Float32Array,
  clip = 0.2,
): tf.Scalar {
  const ev = policy.evaluate(mb, actions);
  return ppoTerms(ev.logProb!, ev.value, ev.entropy, oldLogProb, adv, ret, clip);
}

function ppoTerms(
  logProb: tf.Tensor1D,
  value: tf.Tensor1D,
  entropy: tf.Tensor1D,
  oldLogProb: Float32Array,
  adv: Float32Array,
  ret: Float32Array,
  clip: number,
): tf.Scalar {
  const ratio = tf.exp(tf.sub(logProb, tf.tensor1d(oldLogProb)));
  const a = tf.tensor1d(adv);
  const surr = tf.minimum(tf.mul(ratio, a), tf.mul(tf.clipByValue(ratio, 1 - clip, 1 + clip), a));
  const vLoss = tf.mean(tf.square(tf.sub(value, tf.tensor1d(ret))));
  return tf.addN([tf.neg(tf.mean(surr)), tf.mul(0.5, vLoss), tf.mul(-0.01, tf.mean(entropy))]) as tf.Scalar;
}

/** The auxiliary terms' shape: routing entropy and load balance on α, expert cosine diversity, graph alignment. */
function auxTerms(
  alpha: tf.Tensor2D,
  expertLogits: tf.Tensor3D,
  opScores: tf.Tensor2D,
  opToExpert: tf.Tensor2D,
) {
  const ent = tf.neg(tf.mean(tf.sum(tf.mul(alpha, tf.log(tf.add(alpha, 1e-8))), 1)));
  const lb = tf.mean(tf.square(tf.sub(tf.mean(alpha, 0), 1 / alpha.shape[1])));
  const unit = tf.div(expertLogits, tf.sqrt(tf.add(tf.sum(tf.square(expertLogits), 2, true), 1e-16)));
  const cos = tf.abs(tf.matMul(unit, tf.transpose(unit, [0, 2, 1])));
  const logP = tf.logSoftmax(tf.matMul(opScores, opToExpert));
  const kl = tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, tf.log(tf.add(alpha, 1e-8)))), 1));
  return tf.addN([tf.mul(-0.1, ent), tf.mul(0.01, lb), tf.mul(0.01, tf.mean(cos)), tf.mul(0.1, kl)]);
}

/**
 * One PPO update as the trainer runs it: epochs × shuffled minibatches; per minibatch variableGrads of
 * PPO + auxiliary terms, the global gradient norm, one read-back of the loss and norm, clipping to norm 0.5
 * and an optimiser step.
 */
export function ppoUpdate(policy: Policy, opt: tf.Optimizer, data: UpdateData, rng: Rng): number {
  const n = data.batch.B;
  const C = policy.numConditions;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  let last = 0;
  const vars = policy.trainableVariables();
  const opToExpert = tf.tidy(() => {
    const O = policy.numOperators;
    const K = policy.numExperts;
    const m = new Float32Array(O * K);
    const own = policy.graph.operatorExpert;
    for (let j = 0; j < O; j++) m[j * K + (own[j] % K)] = 1;
    return tf.tensor2d(m, [O, K]);
  });
  for (let ep = 0; ep < data.epochs; ep++) {
    rng.shuffle(idx);
    for (let s = 0; s < n; s += data.minibatch) {
      const sel = idx.subarray(s, Math.min(n, s + data.minibatch));
      const mb = sliceBatch(data.batch, sel, C, policy.numActions);
      const pick = (a: Float32Array) => Float32Array.from(sel, (i) => a[i]);
      const acts = Int32Array.from(sel, (i) => data.actions[i]);
      const { value: loss, grads } = tf.variableGrads(() => {
        const ev = policy.evaluate(mb, acts);
        const main = ppoTerms(ev.logProb!, ev.value, ev.entropy, pick(data.oldLogProb), pick(data.adv), pick(data.ret), 0.2); // prettier-ignore
        return tf.add(main, auxTerms(ev.alpha, ev.expertLogits, ev.operatorScores, opToExpert)) as tf.Scalar;
      }, vars);
      const list = vars.map((v) => grads[v.name]);
      const norm = tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))));
      const head = tf.tidy(() => tf.concat([tf.reshape(loss, [1]), tf.reshape(norm, [1])]));
      const [l, g] = head.dataSync();
      last = l;
      const scale = g > 0.5 ? 0.5 / (g + 1e-6) : 1;
      const scaled = vars.map((v, i) => ({
        name: v.name,
        tensor: scale !== 1 ? tf.mul(list[i], scale) : list[i],
      }));
      opt.applyGradients(scaled);
      tf.dispose([loss, norm, head, ...list, ...(scale !== 1 ? scaled.map((x) => x.tensor) : [])]);
    }
  }
  opToExpert.dispose();
  return last;
}

export async function benchModel(opts: BenchOptions = {}): Promise<BenchResult> {
  const log = opts.log ?? (() => {});
  const backend = await initBackend(opts.backend ?? "wasm");
  const graph = opts.graph ?? syntheticGraph();
  const C = graph.conditionNodes.length;
  const epochs = opts.epochs ?? 4;
  const minibatch = opts.minibatch ?? 512;
  const policy = createPolicy(opts.config ?? {}, graph);
  const rng = new Rng(opts.seed ?? 0);
  const loadavg_start = loadavg()[0];
  try {
    let batch: PolicyBatch;
    if (opts.data) {
      batch = opts.data;
      if (batch.masks.length !== batch.B * C)
        throw new InvalidArgumentError("bench data masks length", batch.masks.length, `B × ${C}`);
    } else {
      const T = opts.transitions ?? 2048;
      const masks = opts.masks ?? syntheticMasks({ count: T, conditions: C });
      if (masks.length % C !== 0 || masks.length === 0) {
        throw new InvalidArgumentError(
          "bench masks length",
          masks.length,
          `a positive multiple of numConditions (${C})`,
        );
      }
      batch = syntheticBatch(T, masks, C, (opts.seed ?? 0) + 1, policy.config.visual.cropSize);
    }
    const T = batch.B;
    const A = policy.numActions;
    const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
    const inferReps = opts.inferReps ?? 20;
    const timeAct = (B: number): number => {
      const b = sliceBatch(batch, all(B), C, A);
      policy.act(b, { rng });
      const ts: number[] = [];
      for (let r = 0; r < inferReps; r++) {
        const t0 = performance.now();
        policy.act(b, { rng });
        ts.push(performance.now() - t0);
      }
      return median(ts);
    };
    const infer1 = timeAct(1);
    const infer64 = timeAct(Math.min(64, T));
    log(`inference: B=1 ${infer1.toFixed(1)} ms, B=64 ${infer64.toFixed(1)} ms`);
    // Old log-probs and values from acting on the stored features (in chunks, as a rollout would).
    const oldLogProb = new Float32Array(T);
    const oldValue = new Float32Array(T);
    const actions = new Int32Array(T);
    for (let s = 0; s < T; s += 256) {
      const sel = all(Math.min(256, T - s)).map((i) => i + s);
      const r = policy.act(sliceBatch(batch, sel, C, A), { rng });
      oldLogProb.set(r.logProb, s);
      oldValue.set(r.value, s);
      actions.set(r.action, s);
    }
    const adv = new Float32Array(T);
    const ret = new Float32Array(T);
    for (let i = 0; i < T; i++) {
      adv[i] = rng.normal();
      ret[i] = oldValue[i] + rng.normal() * 0.5;
    }
    const data: UpdateData = { batch, actions, oldLogProb, oldValue, adv, ret, epochs, minibatch };
    const update = opts.update ?? ppoUpdate;
    const opt = tf.train.adam(3e-4);
    await update(policy, opt, { ...data, epochs: 1 }, rng); // warm-up (kernel setup, Adam slots)
    const ts: number[] = [];
    const cpu: number[] = [];
    const reps = opts.updateReps ?? 3;
    for (let r = 0; r < reps; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await update(policy, opt, data, rng);
      ts.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      log(`update ${r + 1}/${reps}: ${ts[r].toFixed(0)} ms wall, ${cpu[r].toFixed(0)} ms CPU`);
    }
    opt.dispose();
    // Distinct masks per minibatch (what the GAT's cost follows), over one shuffled epoch.
    const perm = all(T);
    new Rng(1).shuffle(perm);
    let mSum = 0;
    let mCount = 0;
    for (let s = 0; s < T; s += minibatch) {
      const sel = perm.subarray(s, Math.min(T, s + minibatch));
      mSum += dedupMasks(sliceBatch(batch, sel, C).masks, sel.length, C).M;
      mCount++;
    }
    const env = tf.env();
    return {
      infer_ms_b1: round(infer1),
      infer_ms_b64: round(infer64),
      update_ms: round(median(ts)),
      update_ms_min: round(Math.min(...ts)),
      update_cpu_ms: round(median(cpu)),
      update_cpu_ms_min: round(Math.min(...cpu)),
      unique_masks: dedupMasks(batch.masks, T, C).M,
      unique_masks_per_minibatch: round(mSum / mCount),
      peak_rss_mb: round(process.resourceUsage().maxRSS / 1024),
      backend,
      wasm_simd: backend === "wasm" && env.getBool("WASM_HAS_SIMD_SUPPORT"),
      wasm_threads: backend === "wasm" && env.getBool("WASM_HAS_MULTITHREAD_SUPPORT"),
      params: policy.numParams(),
      transitions: T,
      epochs,
      minibatch,
      update_reps: reps,
      update: opts.updateName ?? (opts.update ? "custom" : "model/bench ppoUpdate"),
      loadavg_start: round(loadavg_start),
      loadavg_end: round(loadavg()[0]),
    };
  } finally {
    policy.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
