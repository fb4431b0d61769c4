/**
 * Fused bias + ReLU + LayerNorm (JS kernels, both backends). tfjs builds a LayerNorm from ≈ 12 ops forward and
 * ≈ 25 backward; this is one kernel each way. Per row, over groups of F consecutive features:
 *   u = x + b;  u = ReLU(u) if preRelu;  y = (u − mean_g u) / √(var_g u + ε) · γ + β;  y = ReLU(y) if postRelu.
 * G groups per row let K experts' LayerNorms run on one [B, K·F] tensor. The backward pass recomputes the
 * statistics from the saved inputs instead of saving them. Groups of a multiple of 4 features run in the SIMD
 * module (simd.wat ln_fwd / ln_bwd); other widths in the JS loops below (same maths, tested against each other).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { JsKernel } from "./js-kernel.js";
import { customOp, runKernel } from "./js-kernel.js";
import { simd } from "./simd.js";

export const LN_EPS = 1e-5;
export const LAYER_NORM = "TedgLayerNorm";
export const LAYER_NORM_GRAD = "TedgLayerNormGrad";

export interface LayerNormOpts {
  /** Features per normalised group (default: the whole row). */
  groupSize?: number;
  /** ReLU on x + b before normalising (the original's Lin → ReLU → LN). */
  preRelu?: boolean;
  /** ReLU on the normalised output (the GAT's ReLU(LN(·))). */
  postRelu?: boolean;
  /**
   * Parameter blocks: b, γ, β hold `blocks` rows of W values and the rows of x are split into `blocks`
   * equal consecutive parts, part i using parameter row i (K experts laid out as [K, B, W]). Default 1.
   */
  blocks?: number;
}

interface Attrs {
  F: number;
  preRelu: boolean;
  postRelu: boolean;
  blocks: number;
}

/** Normalises one group in place into `u` (returns rstd); u holds x + b (ReLU'd) on entry, x̂ on exit. */
function normalise(u: Float64Array, F: number): number {
  let mean = 0;
  for (let i = 0; i < F; i++) mean += u[i];
  mean /= F;
  let v = 0;
  for (let i = 0; i < F; i++) {
    const d = u[i] - mean;
    u[i] = d;
    v += d * d;
  }
  const rstd = 1 / Math.sqrt(v / F + LN_EPS);
  for (let i = 0; i < F; i++) u[i] *= rstd;
  return rstd;
}

/** Loads x[o..o+F) + b[q..q+F) into u (ReLU'd when preRelu) and normalises it; returns 1/σ. */
function normaliseRow(
  u: Float64Array,
  x: ArrayLike<number>,
  o: number,
  b: ArrayLike<number>,
  q: number,
  F: number,
  preRelu: boolean,
): number {
  for (let i = 0; i < F; i++) {
    const t = x[o + i] + b[q + i];
    u[i] = preRelu && t < 0 ? 0 : t;
  }
  return normalise(u, F);
}

export const layerNormKernel: JsKernel<Attrs> = {
  name: LAYER_NORM,
  inputs: ["x", "b", "g", "beta"],
  outputs([x]) {
    return [{ shape: [...x.shape], dtype: "float32" }];
  },
  run([x, b, g, beta], [xi], { F, preRelu, postRelu, blocks }, [y]) {
    const W = xi.shape[xi.shape.length - 1];
    const rows = x.length / W;
    const per = rows / blocks;
    if (F % 4 === 0) {
      const m = simd();
      const px = m.putF(x);
      const pb = m.putF(b);
      const pg = m.putF(g);
      const pbe = m.putF(beta);
      const py = m.alloc(x.length);
      const flags = (preRelu ? 1 : 0) | (postRelu ? 2 : 0);
      for (let k = 0; k < blocks; k++) {
        const xo = 4 * k * per * W;
        const po = 4 * k * W;
        m.fn.ln_fwd(per, W, F, px + xo, pb + po, pg + po, pbe + po, flags, py + xo, LN_EPS);
      }
      y.set(m.viewF(py, x.length));
      return;
    }
    const u = new Float64Array(F);
    for (let r = 0; r < rows; r++) {
      const p0 = Math.floor(r / per) * W;
      for (let c0 = 0; c0 < W; c0 += F) {
        const o = r * W + c0;
        const q = p0 + c0;
        normaliseRow(u, x, o, b, q, F, preRelu);
        for (let i = 0; i < F; i++) {
          const t = u[i] * g[q + i] + beta[q + i];
          y[o + i] = postRelu && t < 0 ? 0 : t;
        }
      }
    }
  },
};

export const layerNormGradKernel: JsKernel<Attrs> = {
  name: LAYER_NORM_GRAD,
  inputs: ["dy", "x", "b", "g", "beta"],
  outputs([, x, b, g, beta]) {
    return [x, b, g, beta].map((t) => ({ shape: [...t.shape], dtype: "float32" as const }));
  },
  run([dy, x, b, g, beta], [, xi], { F, preRelu, postRelu, blocks }, [dx, db, dg, dbeta]) {
    const W = xi.shape[xi.shape.length - 1];
    const rows = x.length / W;
    const per = rows / blocks;
    const P = blocks * W;
    if (F % 4 === 0) {
      const m = simd();
      const pdy = m.putF(dy);
      const px = m.putF(x);
      const pb = m.putF(b);
      const pg = m.putF(g);
      const pbe = m.putF(beta);
      const pdx = m.alloc(x.length);
      const pacc = m.zeros(3 * P);
      const ptmp = m.alloc(F);
      const flags = (preRelu ? 1 : 0) | (postRelu ? 2 : 0);
      for (let k = 0; k < blocks; k++) {
        const xo = 4 * k * per * W;
        const po = 4 * k * W;
        m.fn.ln_bwd(
          per,
          W,
          F,
          px + xo,
          pb + po,
          pg + po,
          pbe + po,
          flags,
          pdy + xo,
          pdx + xo,
          pacc + po,
          pacc + 4 * P + po,
          pacc + 8 * P + po,
          ptmp,
          LN_EPS,
        );
      }
      dx.set(m.viewF(pdx, x.length));
      db.set(m.viewF(pacc, P));
      dg.set(m.viewF(pacc + 4 * P, P));
      dbeta.set(m.viewF(pacc + 8 * P, P));
      return;
    }
    const u = new Float64Array(F);
    const gy = new Float64Array(F);
    const acc = new Float64Array(3 * P); // db, dg, dbeta
    for (let r = 0; r < rows; r++) {
      const p0 = Math.floor(r / per) * W;
      for (let c0 = 0; c0 < W; c0 += F) {
        const o = r * W + c0;
        const q = p0 + c0;
        const rstd = normaliseRow(u, x, o, b, q, F, preRelu);
        let m1 = 0;
        let m2 = 0;
        for (let i = 0; i < F; i++) {
          let d = dy[o + i];
          if (postRelu && u[i] * g[q + i] + beta[q + i] <= 0) d = 0;
          acc[P + q + i] += d * u[i];
          acc[2 * P + q + i] += d;
          const dxh = d * g[q + i];
          gy[i] = dxh;
          m1 += dxh;
          m2 += dxh * u[i];
        }
        m1 /= F;
        m2 /= F;
        for (let i = 0; i < F; i++) {
          let d = rstd * (gy[i] - m1 - u[i] * m2);
          if (preRelu && x[o + i] + b[q + i] <= 0) d = 0;
          dx[o + i] = d;
          acc[q + i] += d;
        }
      }
    }
    for (let c = 0; c < P; c++) {
      db[c] = acc[c];
      dg[c] = acc[P + c];
      dbeta[c] = acc[2 * P + c];
    }
  },
};

export const LAYER_NORM_KERNELS = [layerNormKernel, layerNormGradKernel] as const;

/** Fused (x + b) → [ReLU] → LayerNorm(γ, β) → [ReLU] over the last axis (in groups). b, γ, β: W·blocks elements, any shape. */
export function layerNormFused(
  x: tf.Tensor,
  b: tf.Tensor,
  g: tf.Tensor,
  beta: tf.Tensor,
  o: LayerNormOpts = {},
): tf.Tensor {
  const W = x.shape[x.rank - 1];
  const F = o.groupSize ?? W;
  const blocks = o.blocks ?? 1;
  if (W % F !== 0) throw new Error(`layerNormFused: width ${W} is not a multiple of the group size ${F}`);
  if ((x.size / W) % blocks !== 0)
    throw new Error(`layerNormFused: ${x.size / W} rows do not split into ${blocks} blocks`);
  for (const [n, t] of [
    ["bias", b],
    ["gamma", g],
    ["beta", beta],
  ] as const) {
    if (t.size !== W * blocks)
      throw new Error(`layerNormFused: ${n} has ${t.size} elements, expected ${W * blocks}`);
  }
  const attrs: Attrs = { F, preRelu: !!o.preRelu, postRelu: !!o.postRelu, blocks };
  const f = customOp(([xx, bb, gg, be], save) => {
    save([xx, bb, gg, be]);
    return {
      value: runKernel<tf.Tensor>(LAYER_NORM, { x: xx, b: bb, g: gg, beta: be }, attrs),
      gradFunc: (dy, s) =>
        runKernel<tf.Tensor[]>(LAYER_NORM_GRAD, { dy, x: s[0], b: s[1], g: s[2], beta: s[3] }, attrs),
    };
  });
  return f(x, b, g, beta);
}
