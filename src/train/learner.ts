/**
 * The learner: everything one PPO update does to the policy, behind one small interface so that the trainer
 * can run it in its own thread (pipelined mode, worker-learner.ts) or in-process (synchronous mode) with the
 * same code and the same results for the same inputs.
 *
 * One update = the PPO epochs over a finished rollout, then one pass over all its states under the new
 * weights for what the next rollout acts with: the opinion's expert prior ḡ, the router's logit statistics
 * (per-expert normalisation) and its balance bias. The learner owns the optimizer, the minibatch RNG, the
 * learning-rate schedule and the NaN guard; the acting side owns everything else.
 */
import * as tf from "@tensorflow/tfjs-core";
import { confidentRows, logitStats, type NamedArray, type Policy } from "../model/index.js";
import { Rng, type TensorBlobs } from "../util/index.js";
import type { PhaseState, TrainConfig } from "../run/index.js";
import { operatorExpertMatrix } from "./losses.js";
import { NanGuard } from "./nan-guard.js";
import { loadOptimizerState, saveOptimizerState } from "./optimizer-state.js";
import { LrSchedule, type LrScheduleState } from "./phases.js";
import { ppoUpdate, type PpoUpdateMetrics } from "./ppo-update.js";
import { trainablePolicy } from "./policy-adapter.js";
import { RolloutBuffer, type RolloutData } from "./rollout.js";

/** One update's input: a finished rollout, its advantages and returns, and the phase it was collected in. */
export interface UpdateJob {
  rollout: RolloutData;
  advantages: Float32Array;
  returns: Float32Array;
  phase: PhaseState;
  /**
   * ḡ for the opinion's expert prior: each expert's mean share of g (before the prior) over the rollout's states
   * where the opinion exists, as computed when acting (null: none of them had one, or the policy has no opinion).
   */
  prior: number[] | null;
}

export interface UpdateResult {
  stats: PpoUpdateMetrics;
  /** Wall seconds of the PPO epochs and the pass after them. */
  updateS: number;
  /** NaN-guard messages of this update (rollbacks), in order. */
  messages: string[];
  /** The minibatch RNG and LR-schedule states after the update (what a checkpoint records). */
  rng: [number, number, number, number];
  lrSchedule: LrScheduleState;
  nanRollbacks: number;
  /**
   * The learner's weights and Adam state right after the update, when it runs in another thread (so that the
   * trainer can checkpoint this boundary while the next update already runs).
   */
  state?: { weights: Map<string, NamedArray>; optimizer: TensorBlobs };
}

/** What a learner restores from (a checkpoint) or starts with. */
export interface LearnerStart {
  rng: [number, number, number, number];
  lrSchedule: LrScheduleState;
  /** Adam's state (absent: fresh). */
  optimizer?: TensorBlobs;
  /** Where the optimizer state came from, for error messages. */
  optimizerSource?: string;
}

export interface Learner {
  /** Runs one update. The weights it produces are read with `weights()`. */
  update(job: UpdateJob): Promise<UpdateResult>;
  /** The learner's current weights (trainable parameters and buffers). */
  weights(): Promise<Map<string, NamedArray>>;
  /** Adam's state, for a checkpoint. */
  optimizerState(): Promise<TensorBlobs>;
  close(): Promise<void>;
}

function makeAdam(config: TrainConfig, lr: number): tf.Optimizer {
  return tf.train.adam(lr, config.ppo.adamBeta1, config.ppo.adamBeta2, config.ppo.adamEps);
}

/**
 * The learner in this thread, on `policy` itself (synchronous mode: acting and learning share one policy) or
 * on a policy of its own (the worker thread of the pipelined mode).
 */
export class LocalLearner implements Learner {
  private readonly optimizer: tf.Optimizer;
  private readonly opToExpert?: tf.Tensor2D;
  private readonly lrSchedule: LrSchedule;
  private readonly guard: NanGuard;
  private rng: Rng;
  private messages: string[] = [];
  private buffer: RolloutBuffer | null = null;

  private constructor(
    private readonly policy: Policy,
    private readonly config: TrainConfig,
    start: LearnerStart,
  ) {
    this.optimizer = makeAdam(config, config.phases[0].lr);
    // Only the earlier alignment targets ("centred", "raw") read the operator → expert averaging matrix.
    this.opToExpert =
      policy.arch === "moe-graph" && config.ppo.alignmentTarget !== "opinion"
        ? operatorExpertMatrix(policy.graph.operatorExpert, policy.numExperts)
        : undefined;
    this.lrSchedule = new LrSchedule(config.ppo.lrWarmupUpdates);
    this.lrSchedule.setState(start.lrSchedule);
    this.guard = new NanGuard({ onRollback: (msg) => this.messages.push(msg) });
    this.rng = new Rng(start.rng);
  }

  static async create(policy: Policy, config: TrainConfig, start: LearnerStart): Promise<LocalLearner> {
    const l = new LocalLearner(policy, config, start);
    if (start.optimizer)
      await loadOptimizerState(
        l.optimizer,
        start.optimizer,
        policy.trainableVariables(),
        start.optimizerSource ?? "optimizer state",
      );
    return l;
  }

  async update(job: UpdateJob): Promise<UpdateResult> {
    const t0 = performance.now();
    const { policy, config } = this;
    const buffer = (this.buffer = RolloutBuffer.from(job.rollout, this.buffer));
    const K = policy.numExperts;
    const { phase } = job;
    policy.router?.setRouting({ mode: phase.routing, tau: phase.tau });
    // ḡ of the rollout being trained on (see UpdateJob.prior); it travels with the weights to the next rollout.
    if (job.prior && policy.opinionPrior !== null && policy.config.opinion.prior === "balanced")
      policy.setOpinionPrior(job.prior);
    this.messages = [];
    const adapter = trainablePolicy(policy, (idx) => ({
      batch: buffer.gather(idx),
      actions: Int32Array.from(idx, (i) => buffer.actions[i]),
    }));
    const stats = await ppoUpdate({
      policy: adapter,
      optimizer: this.optimizer,
      data: {
        oldLogProb: buffer.logProb,
        oldValue: buffer.values,
        advantages: job.advantages,
        returns: job.returns,
        pairs: buffer.pairs(),
      },
      config: config.ppo,
      phase,
      rng: this.rng,
      lrSchedule: this.lrSchedule,
      nanGuard: this.guard,
      opToExpert: this.opToExpert,
    });
    const router = policy.router;
    if (router?.normalize === "per-expert") {
      // Per-expert normalisation routes the next rollout with the statistics of every stored state (all envs,
      // all steps) under the updated weights: one more forward pass over the rollout.
      const logits = tf.tidy(() => {
        const idx = Int32Array.from({ length: buffer.size }, (_, i) => i);
        return policy.evaluate(buffer.gather(idx)).routerLogits ?? tf.zeros([0]);
      });
      const raw = logits.dataSync() as Float32Array;
      logits.dispose();
      if (raw.length) router.setLogitStats(logitStats(raw, K));
    }
    if (router && phase.balanceBiasRate > 0) {
      // Shares over the steps where the graph is not confident: balancing must not argue with the graph.
      router.stepBalance(balanceShares(buffer, K, policy.confidence), phase.balanceBiasRate);
    }
    return {
      stats,
      updateS: (performance.now() - t0) / 1000,
      messages: this.messages,
      rng: this.rng.getState(),
      lrSchedule: this.lrSchedule.getState(),
      nanRollbacks: this.guard.rollbacks,
    };
  }

  async weights(): Promise<Map<string, NamedArray>> {
    return this.policy.getWeights();
  }

  optimizerState(): Promise<TensorBlobs> {
    return saveOptimizerState(this.optimizer);
  }

  async close(): Promise<void> {
    this.opToExpert?.dispose();
    this.optimizer.dispose();
  }
}

/** Each expert's share of dominated steps among the rollout's steps where the graph is not confident. */
export function balanceShares(buffer: RolloutBuffer, K: number, threshold: number): number[] {
  const confident = buffer.shape.opinion
    ? confidentRows(buffer.opinion, buffer.opinionValid, K, threshold)
    : null;
  const c = new Array<number>(K).fill(0);
  let n = 0;
  for (let i = 0; i < buffer.size; i++) {
    if (confident?.[i]) continue;
    let best = 0;
    for (let k = 1; k < K; k++) if (buffer.alpha[i * K + k] > buffer.alpha[i * K + best]) best = k;
    c[best]++;
    n++;
  }
  return c.map((v) => (n ? v / n : NaN));
}
