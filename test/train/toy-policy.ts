/** A small linear softmax policy with a toy router and experts, to exercise ppoUpdate without the model layer. */
import { Rng } from "../../src/util/index.js";
import type { PolicyEvaluation, TrainablePolicy } from "../../src/train/index.js";
import { tf } from "./tf-helpers.js";

export interface ToyData {
  /** [B × D] features. */
  x: Float32Array;
  actions: Int32Array;
  size: number;
  dim: number;
}

export function toyData(size: number, dim: number, numActions: number, seed: number): ToyData {
  const rng = new Rng(seed);
  const x = new Float32Array(size * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const actions = new Int32Array(size);
  for (let i = 0; i < size; i++) actions[i] = rng.int(numActions);
  return { x, actions, size, dim };
}

let instance = 0;

export class ToyPolicy implements TrainablePolicy {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  readonly wv: tf.Variable;
  readonly wr: tf.Variable;
  readonly we: tf.Variable;
  readonly wo: tf.Variable;
  /** Set to make evaluate() produce NaN logits. */
  poison = false;

  constructor(
    readonly data: ToyData,
    readonly numActions: number,
    readonly numExperts: number,
    readonly numOps: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const init = (shape: number[]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = 0.1 * rng.normal();
      return tf.variable(tf.tensor(v, shape), true, `toy${instance}/${shape.join("x")}/${rng.nextU32()}`);
    };
    instance++;
    const d = data.dim;
    this.w = init([d, numActions]);
    this.b = init([numActions]);
    this.wv = init([d, 1]);
    this.wr = init([d, numExperts]);
    this.we = init([d, numExperts * numActions]);
    this.wo = init([d, numOps]);
  }

  trainableVariables(): tf.Variable[] {
    return [this.w, this.b, this.wv, this.wr, this.we, this.wo];
  }

  private rows(idx: Int32Array): tf.Tensor2D {
    const d = this.data.dim;
    const out = new Float32Array(idx.length * d);
    for (let i = 0; i < idx.length; i++) out.set(this.data.x.subarray(idx[i] * d, idx[i] * d + d), i * d);
    return tf.tensor2d(out, [idx.length, d]);
  }

  evaluate(idx: Int32Array): PolicyEvaluation {
    const m = idx.length;
    const x = this.rows(idx);
    let logits = tf.add(tf.matMul(x, this.w), this.b);
    if (this.poison) logits = tf.mul(logits, NaN);
    const logp = tf.logSoftmax(logits);
    const acts = Int32Array.from(idx, (i) => this.data.actions[i]);
    const onehot = tf.oneHot(tf.tensor1d(acts, "int32"), this.numActions);
    return {
      logProb: tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D,
      entropy: tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D,
      value: tf.reshape(tf.matMul(x, this.wv), [m]) as tf.Tensor1D,
      alpha: tf.softmax(tf.matMul(x, this.wr)) as tf.Tensor2D,
      expertLogits: tf.reshape(tf.matMul(x, this.we), [m, this.numExperts, this.numActions]) as tf.Tensor3D,
      operatorScores: tf.matMul(x, this.wo) as tf.Tensor2D,
    };
  }

  /** log π(a|s) and V(s) of every sample, outside any tape. */
  snapshot(): { logProb: Float32Array; value: Float32Array } {
    return tf.tidy(() => {
      const all = Int32Array.from({ length: this.data.size }, (_, i) => i);
      const ev = this.evaluate(all);
      return {
        logProb: Float32Array.from(ev.logProb.dataSync()),
        value: Float32Array.from(ev.value.dataSync()),
      };
    });
  }

  weights(): number[][] {
    return this.trainableVariables().map((v) => Array.from(v.dataSync()));
  }

  dispose(): void {
    tf.dispose(this.trainableVariables());
  }
}
