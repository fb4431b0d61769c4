/** Shared fixtures for the model tests: a tiny graph, small configs, finite differences. */
import * as tf from "@tensorflow/tfjs-core";
import { syntheticGraph } from "../../src/model/synth.js";
import type { ModelConfigInput } from "../../src/model/config.js";
import type { Policy, PolicyBatch } from "../../src/model/policy.js";

export const tinyGraph = () =>
  syntheticGraph({ conditions: 10, operators: 6, effects: 4, edges: 30, seed: 5, actions: 5 });

export const smallConfig: ModelConfigInput = {
  seed: 7,
  numActions: 5,
  visual: { cropSize: 3, glyphEmbedDim: 2, glyphHashBuckets: 4, cropHidden: 8, hidden: 8 },
  gat: { dim: 8, heads: 2, layers: 2, logicDim: 6 },
  router: { hidden: [6] },
  experts: { hidden: [6, 6] },
  critic: { hidden: [6] },
};

/** Central finite difference of f with respect to element i of variable v. */
export function finiteDiff(v: tf.Variable, i: number, eps: number, f: () => number): number {
  const base = v.dataSync().slice() as Float32Array;
  const set = (d: number) => {
    const a = base.slice();
    a[i] += d;
    v.assign(tf.tensor(a, v.shape));
  };
  set(eps);
  const up = f();
  set(-eps);
  const down = f();
  v.assign(tf.tensor(base, v.shape));
  return (up - down) / (2 * eps);
}

export function close(a: number, b: number, rel: number, abs: number): boolean {
  return Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Clipped PPO (clip 0.2) + 0.5·value MSE − 0.01·entropy: a loss with the trainer's shape for gradient tests. */
export function ppoLoss(
  policy: Policy,
  mb: PolicyBatch,
  actions: Int32Array,
  oldLogProb: Float32Array,
  adv: Float32Array,
  ret: Float32Array,
): tf.Scalar {
  const ev = policy.evaluate(mb, actions);
  const ratio = tf.exp(tf.sub(ev.logProb!, tf.tensor1d(oldLogProb)));
  const a = tf.tensor1d(adv);
  const surr = tf.minimum(tf.mul(ratio, a), tf.mul(tf.clipByValue(ratio, 0.8, 1.2), a));
  const vLoss = tf.mean(tf.square(tf.sub(ev.value, tf.tensor1d(ret))));
  return tf.addN([
    tf.neg(tf.mean(surr)),
    tf.mul(0.5, vLoss),
    tf.mul(-0.01, tf.mean(ev.entropy)),
  ]) as tf.Scalar;
}
