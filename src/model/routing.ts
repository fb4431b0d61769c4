/**
 * Router normalisers over the K experts: softmax, exact sparsemax, exact 1.5-entmax and the original's
 * top-k softmax ("top2"), all with a temperature τ applied as f(z/τ). Sparsemax and entmax use their exact
 * Jacobian-vector products via tf.customGrad (the 1/τ factor comes from autodiff through z/τ).
 */
import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../util/index.js";
import { customOp, runKernel } from "./kernels/js-kernel.js";
import { ENTMAX15, SPARSEMAX } from "./kernels/routing-kernels.js";

export type RoutingMode = "softmax" | "sparsemax" | "entmax15" | "top2";
export const ROUTING_MODES: readonly RoutingMode[] = ["softmax", "sparsemax", "entmax15", "top2"];

export interface Routing {
  mode: RoutingMode;
  tau: number;
}

export function validateRouting(r: Routing): Routing {
  if (!ROUTING_MODES.includes(r.mode))
    throw new InvalidArgumentError("routing mode", r.mode, `one of ${ROUTING_MODES.join(", ")}`);
  if (!(typeof r.tau === "number" && Number.isFinite(r.tau) && r.tau > 0)) {
    throw new InvalidArgumentError("routing temperature tau", r.tau, "a finite number > 0");
  }
  return { mode: r.mode, tau: r.tau };
}

const sparsemaxOp = customOp(([z], save) => {
  const p = runKernel<tf.Tensor>(SPARSEMAX, { x: z }, {});
  save([p]);
  return {
    value: p,
    // Jacobian = diag(s) − s sᵀ/|s| on the support s: grad = s ⊙ (g − mean_support(g)).
    gradFunc: (g, [pp]) =>
      tf.tidy(() => {
        const s = tf.cast(tf.greater(pp, 0), "float32");
        const mean = tf.div(tf.sum(tf.mul(g, s), -1, true), tf.sum(s, -1, true));
        return tf.mul(s, tf.sub(g, mean));
      }),
  };
});

const entmaxOp = customOp(([z], save) => {
  const p = runKernel<tf.Tensor>(ENTMAX15, { x: z }, {});
  save([p]);
  return {
    value: p,
    // With r = sqrt(p): grad = r ⊙ g − r · (Σ r⊙g / Σ r).
    gradFunc: (g, [pp]) =>
      tf.tidy(() => {
        const r = tf.sqrt(pp);
        const rg = tf.mul(r, g);
        const q = tf.div(tf.sum(rg, -1, true), tf.sum(r, -1, true));
        return tf.sub(rg, tf.mul(r, q));
      }),
  };
});

/** Exact sparsemax of z/τ along the last axis. */
export function sparsemax(z: tf.Tensor, tau = 1): tf.Tensor {
  return sparsemaxOp(tau === 1 ? z : tf.div(z, tau));
}

/** Exact 1.5-entmax of z/τ along the last axis. */
export function entmax15(z: tf.Tensor, tau = 1): tf.Tensor {
  return entmaxOp(tau === 1 ? z : tf.div(z, tau));
}

/** The original's "sparsemax": softmax over the top k = max(2, ⌊K/2⌋) logits of each row, zeros elsewhere. */
export function topKSoftmax(z: tf.Tensor2D, tau = 1): tf.Tensor2D {
  const [B, K] = z.shape;
  const k = Math.min(K, Math.max(2, Math.floor(K / 2)));
  const v = z.dataSync();
  const neg = new Float32Array(B * K).fill(-1e9);
  const order = Array.from({ length: K }, (_, i) => i);
  for (let b = 0; b < B; b++) {
    order.sort((i, j) => v[b * K + j] - v[b * K + i] || i - j);
    for (let t = 0; t < k; t++) neg[b * K + order[t]] = 0;
  }
  const scaled = tau === 1 ? z : tf.div(z, tau);
  return tf.softmax(tf.add(scaled, tf.tensor2d(neg, [B, K])) as tf.Tensor2D);
}

/** α from router logits [B, K]. */
export function route(z: tf.Tensor2D, r: Routing): tf.Tensor2D {
  switch (r.mode) {
    case "softmax":
      return tf.softmax(r.tau === 1 ? z : (tf.div(z, r.tau) as tf.Tensor2D));
    case "sparsemax":
      return sparsemax(z, r.tau) as tf.Tensor2D;
    case "entmax15":
      return entmax15(z, r.tau) as tf.Tensor2D;
    case "top2":
      return topKSoftmax(z, r.tau);
  }
}
