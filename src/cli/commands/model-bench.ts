/**
 * `tedg bench model`: inference latency and the time of one full PPO update of the default policy, on
 * transitions recorded from real play (a masked random agent, several seeds; real features, condition masks and
 * action masks), with the trainer's own update (src/train ppoUpdate: PPO + every auxiliary term of the
 * "transition" phase, gradient clipping, Adam).
 */
import type * as tf from "@tensorflow/tfjs-core";
import { loadBuiltinGraph } from "../../knowledge/index.js";
import { benchModel, recordRollout } from "../../model/index.js";
import type { BackendKind, BenchResult, Policy, UpdateData } from "../../model/index.js";
import { sliceBatch } from "../../model/index.js";
import {
  defaultConfig,
  operatorExpertMatrix,
  phaseAt,
  ppoUpdate,
  trainablePolicy,
} from "../../train/index.js";
import type { Rng } from "../../util/index.js";

export interface ModelBenchOptions {
  backend?: BackendKind;
  transitions?: number;
  epochs?: number;
  minibatch?: number;
  reps?: number;
  log?: (msg: string) => void;
}

export interface ModelBenchResult extends BenchResult {
  record_ms: number;
  episodes: number;
  seeds: number[];
  graph: { conditions: number; operators: number; effects: number; edges: number };
}

/** The trainer's update over the policy, as benchModel's UpdateFn. */
export function trainerUpdate(policy: Policy, opt: tf.Optimizer, d: UpdateData, rng: Rng): Promise<unknown> {
  const config = defaultConfig();
  // Episode 1000 starts the "transition" phase: every auxiliary term has a nonzero weight there.
  const phase = phaseAt(config, config.phases[0].until ?? 0);
  const C = policy.numConditions;
  const A = policy.numActions;
  const trainable = trainablePolicy(policy, (idx) => ({
    batch: sliceBatch(d.batch, idx, C, A),
    actions: Int32Array.from(idx, (i) => d.actions[i]),
  }));
  const opToExpert = operatorExpertMatrix(policy.graph.operatorExpert, policy.numExperts);
  // Consecutive transitions are consecutive steps of one episode unless an episode ended in between; for the
  // benchmark's temporal term, pairs of neighbours are close enough.
  const prev = Int32Array.from({ length: d.batch.B - 1 }, (_, i) => i);
  const next = Int32Array.from({ length: d.batch.B - 1 }, (_, i) => i + 1);
  return ppoUpdate({
    policy: trainable,
    optimizer: opt,
    data: {
      oldLogProb: d.oldLogProb,
      oldValue: d.oldValue,
      advantages: d.adv,
      returns: d.ret,
      pairs: { prev, next },
    },
    config: { ...config.ppo, epochs: d.epochs, minibatchSize: d.minibatch, targetKl: null },
    phase,
    rng,
    opToExpert,
  }).finally(() => opToExpert.dispose());
}

export async function benchModelCommand(o: ModelBenchOptions): Promise<ModelBenchResult> {
  const log = o.log ?? (() => {});
  const graph = loadBuiltinGraph();
  const T = o.transitions ?? 2048;
  log(`recording ${T} transitions of real play (masked random agent, 8 seeds)…`);
  const data = recordRollout(graph, { transitions: T });
  log(`recorded in ${data.record_ms} ms (${data.episodes} episodes)`);
  const r = await benchModel({
    graph,
    data: data.batch,
    backend: o.backend ?? "wasm",
    epochs: o.epochs,
    minibatch: o.minibatch,
    updateReps: o.reps,
    update: trainerUpdate,
    updateName: "train/ppoUpdate (transition phase, all aux terms)",
    log,
  });
  return {
    ...r,
    record_ms: data.record_ms,
    episodes: data.episodes,
    seeds: data.seeds,
    graph: {
      conditions: graph.conditionNodes.length,
      operators: graph.operatorNodes.length,
      effects: graph.effectNodes.length,
      edges: graph.edgeSrc.length,
    },
  };
}
