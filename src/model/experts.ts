/**
 * K expert MLPs on h_vis, evaluated together: layer 0 is one [V, K·E0] product, later layers batched
 * products over a leading expert axis, and each LayerNorm one fused kernel (grouped / blocked per expert). Same maths as K separate Lin→ReLU→LN stacks (the original's order), with
 * per-expert LayerNorm parameters and an orthogonal (gain 0.5, bias 0) output layer per expert.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../util/index.js";
import { fanInUniform, orthogonal } from "./init.js";
import { layerNormFused } from "./kernels/index.js";
import type { Param, ParamStore } from "./params.js";

export const EXPERT_OUT_GAIN = 0.5;

interface Layer {
  w: Param;
  b: Param;
  g?: Param;
  beta?: Param;
}

function stack(K: number, per: (k: number) => Float32Array): Float32Array {
  const parts = Array.from({ length: K }, (_, k) => per(k));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export class Experts {
  private readonly layers: Layer[] = [];
  constructor(
    ps: ParamStore,
    rng: Rng,
    readonly inDim: number,
    readonly hidden: readonly number[],
    readonly numActions: number,
    readonly K: number,
  ) {
    const E0 = hidden[0];
    // Layer 0 weight as [V, K·E0]: expert k owns columns k·E0..(k+1)·E0.
    const w0 = new Float32Array(inDim * K * E0);
    for (let k = 0; k < K; k++) {
      const wk = fanInUniform(rng, inDim, inDim * E0);
      for (let i = 0; i < inDim; i++) w0.set(wk.subarray(i * E0, (i + 1) * E0), i * K * E0 + k * E0);
    }
    this.layers.push({
      w: ps.add("experts.l0.w", [inDim, K * E0], w0),
      b: ps.add(
        "experts.l0.b",
        [K * E0],
        stack(K, () => fanInUniform(rng, inDim, E0)),
      ),
      g: ps.add("experts.ln0.g", [K, 1, E0], new Float32Array(K * E0).fill(1)),
      beta: ps.add("experts.ln0.b", [K, 1, E0], new Float32Array(K * E0)),
    });
    for (let i = 1; i < hidden.length; i++) {
      const a = hidden[i - 1];
      const c = hidden[i];
      this.layers.push({
        w: ps.add(
          `experts.l${i}.w`,
          [K, a, c],
          stack(K, () => fanInUniform(rng, a, a * c)),
        ),
        b: ps.add(
          `experts.l${i}.b`,
          [K, 1, c],
          stack(K, () => fanInUniform(rng, a, c)),
        ),
        g: ps.add(`experts.ln${i}.g`, [K, 1, c], new Float32Array(K * c).fill(1)),
        beta: ps.add(`experts.ln${i}.b`, [K, 1, c], new Float32Array(K * c)),
      });
    }
    const last = hidden[hidden.length - 1];
    this.layers.push({
      w: ps.add(
        "experts.out.w",
        [K, last, numActions],
        stack(K, () => orthogonal(rng, last, numActions, EXPERT_OUT_GAIN)),
      ),
      b: ps.add("experts.out.b", [K, 1, numActions], new Float32Array(K * numActions)),
    });
  }

  /** Expert logits [B, K, A]. */
  apply(hVis: tf.Tensor2D): tf.Tensor3D {
    const B = hVis.shape[0];
    const K = this.K;
    const l0 = this.layers[0];
    const E0 = this.hidden[0];
    // Layer 0: one product for all experts, LayerNorm per expert group; then the [K, B, E] layout, where later
    // layers are batched products (one XNNPACK product per expert, kernels/batch-matmul.ts).
    let h: tf.Tensor = layerNormFused(tf.matMul(hVis, l0.w.t as tf.Tensor2D), l0.b.t, l0.g!.t, l0.beta!.t, {
      groupSize: E0,
      preRelu: true,
    });
    h = tf.transpose(tf.reshape(h, [B, K, E0]), [1, 0, 2]);
    for (let i = 1; i < this.layers.length; i++) {
      const l = this.layers[i];
      const y = tf.matMul(h as tf.Tensor3D, l.w.t as tf.Tensor3D);
      h = l.g ? layerNormFused(y, l.b.t, l.g.t, l.beta!.t, { preRelu: true, blocks: K }) : tf.add(y, l.b.t);
    }
    return tf.transpose(h, [1, 0, 2]) as tf.Tensor3D;
  }
}
