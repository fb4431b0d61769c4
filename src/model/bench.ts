/**
 * Model benchmark: batched inference latency (B = 1 and 64) and the time of one full PPO update
 * (all epochs × minibatches, forward + backward + Adam) on a rollout of transitions with the given masks.
 */
import * as tf from "@tensorflow/tfjs-core";
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

export interface BenchOptions {
  /** Graph to use (default: a synthetic graph of ~130 conditions / 60 operators / 40 effects / 600 edges). */
  graph?: Hypergraph;
  /** Condition masks [n × numConditions], e.g. recorded from play (default: synthetic, ~1,500 distinct of 2,048). */
  masks?: Uint8Array;
  config?: ModelConfigInput;
  backend?: BackendKind;
  transitions?: number;
  epochs?: number;
  minibatch?: number;
  /** Timed repetitions (after one warm-up) of inference and of the update; medians are reported. */
  inferReps?: number;
  updateReps?: number;
  seed?: number;
}

export interface BenchResult {
  infer_ms_b1: number;
  infer_ms_b64: number;
  update_ms: number;
  /** CPU time of the update (user+system, this process): close to update_ms on an idle machine, and a fairer number on a busy one. */
  update_cpu_ms: number;
  unique_masks: number;
  peak_rss_mb: number;
  backend: string;
  params: number;
  transitions: number;
  epochs: number;
  minibatch: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Clipped PPO + 0.5·value MSE − 0.01·entropy, the shape of the trainer's loss. */
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
  const ratio = tf.exp(tf.sub(ev.logProb!, tf.tensor1d(oldLogProb)));
  const a = tf.tensor1d(adv);
  const surr = tf.minimum(tf.mul(ratio, a), tf.mul(tf.clipByValue(ratio, 1 - clip, 1 + clip), a));
  const vLoss = tf.mean(tf.square(tf.sub(ev.value, tf.tensor1d(ret))));
  return tf.addN([
    tf.neg(tf.mean(surr)),
    tf.mul(0.5, vLoss),
    tf.mul(-0.01, tf.mean(ev.entropy)),
  ]) as tf.Scalar;
}

/** One PPO update: epochs × shuffled minibatches, each forward + backward + Adam step. */
export function ppoUpdate(
  policy: Policy,
  opt: tf.Optimizer,
  data: {
    batch: PolicyBatch;
    actions: Int32Array;
    oldLogProb: Float32Array;
    adv: Float32Array;
    ret: Float32Array;
  },
  epochs: number,
  minibatch: number,
  rng: Rng,
): number {
  const n = data.batch.B;
  const C = policy.numConditions;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  let last = 0;
  const vars = policy.trainableVariables();
  for (let ep = 0; ep < epochs; ep++) {
    rng.shuffle(idx);
    for (let s = 0; s < n; s += minibatch) {
      const sel = idx.subarray(s, Math.min(n, s + minibatch));
      const mb = sliceBatch(data.batch, sel, C);
      const pick = (a: Float32Array) => Float32Array.from(sel, (i) => a[i]);
      const acts = Int32Array.from(sel, (i) => data.actions[i]);
      const loss = opt.minimize(
        () => ppoLoss(policy, mb, acts, pick(data.oldLogProb), pick(data.adv), pick(data.ret)),
        true,
        vars,
      );
      last = loss ? loss.dataSync()[0] : 0;
      loss?.dispose();
    }
  }
  return last;
}

export async function benchModel(opts: BenchOptions = {}): Promise<BenchResult> {
  const backend = await initBackend(opts.backend ?? "wasm");
  const graph = opts.graph ?? syntheticGraph();
  const C = graph.conditionNodes.length;
  const T = opts.transitions ?? 2048;
  const epochs = opts.epochs ?? 4;
  const minibatch = opts.minibatch ?? 512;
  const masks = opts.masks ?? syntheticMasks({ count: T, conditions: C });
  if (masks.length % C !== 0 || masks.length === 0) {
    throw new InvalidArgumentError(
      "bench masks length",
      masks.length,
      `a positive multiple of numConditions (${C})`,
    );
  }
  const policy = createPolicy(opts.config ?? {}, graph);
  const rng = new Rng(opts.seed ?? 0);
  try {
    const batch = syntheticBatch(T, masks, C, (opts.seed ?? 0) + 1, policy.config.visual.cropSize);
    const inferReps = opts.inferReps ?? 20;
    const timeAct = (B: number): number => {
      const b = sliceBatch(
        batch,
        Int32Array.from({ length: B }, (_, i) => i),
        C,
      );
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
    const first = policy.act(batch, { rng });
    const adv = new Float32Array(T);
    const ret = new Float32Array(T);
    for (let i = 0; i < T; i++) {
      adv[i] = rng.normal();
      ret[i] = first.value[i] + rng.normal() * 0.5;
    }
    const data = { batch, actions: first.action, oldLogProb: first.logProb, adv, ret };
    const opt = tf.train.adam(3e-4);
    ppoUpdate(policy, opt, data, 1, minibatch, rng); // warm-up (kernel setup, Adam slots)
    const ts: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < (opts.updateReps ?? 3); r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      ppoUpdate(policy, opt, data, epochs, minibatch, rng);
      ts.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    opt.dispose();
    return {
      infer_ms_b1: round(infer1),
      infer_ms_b64: round(infer64),
      update_ms: round(median(ts)),
      update_cpu_ms: round(median(cpu)),
      unique_masks: dedupMasks(masks, masks.length / C, C).M,
      peak_rss_mb: round(process.resourceUsage().maxRSS / 1024),
      backend,
      params: policy.numParams(),
      transitions: T,
      epochs,
      minibatch,
    };
  } finally {
    policy.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
