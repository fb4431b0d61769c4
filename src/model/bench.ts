/**
 * Model benchmark: batched inference latency (B = 1 and 64) and the time of one full PPO update
 * (epochs × shuffled minibatches, forward + backward + Adam) on a rollout of transitions.
 *
 * The data is either recorded from real play (rollout.ts; what `tedg bench model` uses) or synthetic
 * (synth.ts; tests). The update is the caller's: the model layer cannot import the trainer, so the CLI passes
 * src/train's ppoUpdate (the real workload) rather than this file keeping a second copy of it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { loadavg } from "node:os";
import type { Hypergraph } from "../knowledge/index.js";
import { InvalidArgumentError, Rng } from "../util/index.js";
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
  /** The update to time (the CLI passes the trainer's). */
  update: UpdateFn;
  /** Name of the update reported in the result. */
  updateName?: string;
  log?: (msg: string) => void;
}

/** Act calls before timing inference. */
const ACT_WARMUP = 50;
/** Act calls per rollout (default rollout steps): the logic cache lives this long in training. */
const ROLLOUT_CALLS = 128;

export interface BenchResult {
  /** Median ms of one act call (forward + sampling) at batch 1, 16 (the trainer's 16 envs) and 64. */
  infer_ms_b1: number;
  infer_ms_b16: number;
  infer_ms_b64: number;
  /** Median ms of one act call at batch 16 as the trainer acts: logic cache on, cleared every 128 calls. */
  act_ms_b16_rollout: number;
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

export async function benchModel(opts: BenchOptions): Promise<BenchResult> {
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
    const inferReps = opts.inferReps ?? 200;
    // Acting as in a rollout: every call on new states (consecutive rows of the recording, cycling), after a
    // warm-up long enough for the JIT and tfjs's kernel caches (a run makes ~10⁵ act calls; the first few
    // dozen are several times slower and would dominate a short measurement). `cached`: as the trainer acts,
    // with the logic stream's cache, cleared every 128 calls (one rollout of the default 16 envs × 128 steps
    // covers the 2,048 recorded states once, so repeated masks hit as they would).
    const timeAct = (B: number, cached = false): number => {
      const slices = Array.from({ length: Math.max(1, Math.floor(T / B)) }, (_, i) =>
        sliceBatch(
          batch,
          Int32Array.from({ length: B }, (_, j) => (i * B + j) % T),
          C,
          A,
        ),
      );
      const ts: number[] = [];
      for (let r = 0; r < ACT_WARMUP + inferReps; r++) {
        if (cached && r % ROLLOUT_CALLS === 0) policy.clearLogicCache();
        const t0 = performance.now();
        policy.act(slices[r % slices.length], { rng, cacheLogic: cached });
        if (r >= ACT_WARMUP) ts.push(performance.now() - t0);
      }
      policy.clearLogicCache();
      return median(ts);
    };
    const infer1 = timeAct(1);
    const infer16 = timeAct(Math.min(16, T));
    const infer64 = timeAct(Math.min(64, T));
    const act16 = timeAct(Math.min(16, T), true);
    log(
      `inference: B=1 ${infer1.toFixed(2)} ms, B=16 ${infer16.toFixed(2)} ms, B=64 ${infer64.toFixed(2)} ms; ` +
        `acting in a rollout (logic cache) B=16 ${act16.toFixed(2)} ms`,
    );
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
    const update = opts.update;
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
      infer_ms_b1: round(infer1, 2),
      infer_ms_b16: round(infer16, 2),
      infer_ms_b64: round(infer64, 2),
      act_ms_b16_rollout: round(act16, 2),
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
      update: opts.updateName ?? "custom",
      loadavg_start: round(loadavg_start),
      loadavg_end: round(loadavg()[0]),
    };
  } finally {
    policy.dispose();
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
