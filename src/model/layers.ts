/** Linear, LayerNorm and the original's ReLU-before-LayerNorm MLP, over a ParamStore. */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../util/index.js";
import { fanInUniform, orthogonal } from "./init.js";
import { layerNormFused, LN_EPS } from "./kernels/index.js";
import type { LayerNormOpts } from "./kernels/index.js";
import type { Param, ParamStore } from "./params.js";

export { LN_EPS };

export interface LinearInit {
  /** Orthogonal weight with this gain and zero bias (expert/router output layers); default U(±1/√fan_in). */
  orthogonalGain?: number;
  /** Bias init when orthogonal: "zero" (expert output) or "default" U(±1/√fan_in) (router output). */
  bias?: "zero" | "default";
}

export class Linear {
  readonly w: Param;
  readonly b: Param;
  constructor(
    ps: ParamStore,
    name: string,
    rng: Rng,
    readonly inDim: number,
    readonly outDim: number,
    init: LinearInit = {},
  ) {
    const wv =
      init.orthogonalGain !== undefined
        ? orthogonal(rng, inDim, outDim, init.orthogonalGain)
        : fanInUniform(rng, inDim, inDim * outDim);
    const bv =
      init.orthogonalGain !== undefined && init.bias !== "default"
        ? new Float32Array(outDim)
        : fanInUniform(rng, inDim, outDim);
    this.w = ps.add(`${name}.w`, [inDim, outDim], wv);
    this.b = ps.add(`${name}.b`, [outDim], bv);
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.w.t as tf.Tensor2D), this.b.t);
  }
  /** x·W without the bias (for a fused bias + LayerNorm after it). */
  product(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(x, this.w.t as tf.Tensor2D);
  }
}

export class LayerNorm {
  readonly g: Param;
  readonly b: Param;
  constructor(ps: ParamStore, name: string, dim: number) {
    this.g = ps.add(`${name}.g`, [dim], new Float32Array(dim).fill(1));
    this.b = ps.add(`${name}.b`, [dim], new Float32Array(dim));
  }
  /** LN(x + bias) with optional ReLUs before / after, one fused kernel. */
  applyFused(x: tf.Tensor, bias: Param | tf.Tensor, o: LayerNormOpts = {}): tf.Tensor {
    const b = bias instanceof tf.Tensor ? bias : bias.t;
    return layerNormFused(x, b, this.g.t, this.b.t, o);
  }
}

/** LayerNorm from tfjs ops (reference for the fused kernel in tests). */
export function layerNorm<T extends tf.Tensor>(x: T, g: tf.Tensor, b: tf.Tensor): T {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), g), b) as T;
}

/** Hidden layers Lin → ReLU → LN (the original's order), then an optional plain output Lin. */
export class Mlp {
  readonly hidden: { lin: Linear; ln: LayerNorm }[] = [];
  readonly out?: Linear;
  constructor(
    ps: ParamStore,
    name: string,
    rng: Rng,
    inDim: number,
    hidden: readonly number[],
    outDim?: number,
    outInit?: LinearInit,
  ) {
    let d = inDim;
    hidden.forEach((h, i) => {
      this.hidden.push({
        lin: new Linear(ps, `${name}.l${i}`, rng, d, h),
        ln: new LayerNorm(ps, `${name}.ln${i}`, h),
      });
      d = h;
    });
    if (outDim !== undefined) this.out = new Linear(ps, `${name}.out`, rng, d, outDim, outInit);
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (const { lin, ln } of this.hidden)
      h = ln.applyFused(lin.product(h), lin.b, { preRelu: true }) as tf.Tensor2D;
    return this.out ? this.out.apply(h) : h;
  }
}
