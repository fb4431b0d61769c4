/**
 * Fused edge-level GAT kernels (JS, both backends), so no [edges × width] tensor is ever built:
 *  - gatLogits:     y[k,h] = LeakyReLU(ssrc[src k, h] + sdst[dst k, h] + rel[rel k, h])
 *  - edgeSoftmax:   softmax of y over the edges of each destination segment (per head, max-shifted)
 *  - edgeAggregate: out[seg k] += mean_h w[k,h] · x[src k]   (a weighted gather + segment sum)
 * Each has a hand-written gradient kernel wired in with tf.customGrad.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { JsKernel } from "./js-kernel.js";
import { customOp, runKernel } from "./js-kernel.js";

export const GAT_LOGITS = "TedgGatLogits";
export const GAT_LOGITS_GRAD = "TedgGatLogitsGrad";
export const EDGE_SOFTMAX = "TedgEdgeSoftmax";
export const EDGE_SOFTMAX_GRAD = "TedgEdgeSoftmaxGrad";
export const EDGE_AGGREGATE = "TedgEdgeAggregate";
export const EDGE_AGGREGATE_GRAD = "TedgEdgeAggregateGrad";

interface LogitAttrs {
  src: Int32Array;
  dst: Int32Array;
  rel: Int32Array;
  slope: number;
}
interface LogitGradAttrs extends LogitAttrs {
  rows: [number, number, number];
}
interface SegAttrs {
  seg: Int32Array;
  numSeg: number;
}
interface AggAttrs extends SegAttrs {
  src: Int32Array;
}

export const gatLogitsKernel: JsKernel<LogitAttrs> = {
  name: GAT_LOGITS,
  inputs: ["ssrc", "sdst", "rel"],
  outputs([s], { src }) {
    return [{ shape: [src.length, s.shape[1]], dtype: "float32" }];
  },
  run([ss, sd, sr], [si], { src, dst, rel, slope }, [out]) {
    const H = si.shape[1];
    for (let k = 0; k < src.length; k++) {
      const a = src[k] * H;
      const b = dst[k] * H;
      const c = rel[k] * H;
      const o = k * H;
      for (let h = 0; h < H; h++) {
        const v = ss[a + h] + sd[b + h] + sr[c + h];
        out[o + h] = v > 0 ? v : slope * v;
      }
    }
  },
};

export const gatLogitsGradKernel: JsKernel<LogitGradAttrs> = {
  name: GAT_LOGITS_GRAD,
  inputs: ["dy", "y"],
  outputs([dy], { rows }) {
    const H = dy.shape[1];
    return rows.map((r) => ({ shape: [r, H], dtype: "float32" as const }));
  },
  run([dy, y], [di], { src, dst, rel, slope }, [gs, gd, gr]) {
    const H = di.shape[1];
    gs.fill(0);
    gd.fill(0);
    gr.fill(0);
    for (let k = 0; k < src.length; k++) {
      const a = src[k] * H;
      const b = dst[k] * H;
      const c = rel[k] * H;
      const o = k * H;
      for (let h = 0; h < H; h++) {
        const g = y[o + h] > 0 ? dy[o + h] : slope * dy[o + h];
        gs[a + h] += g;
        gd[b + h] += g;
        gr[c + h] += g;
      }
    }
  },
};

export const edgeSoftmaxKernel: JsKernel<SegAttrs> = {
  name: EDGE_SOFTMAX,
  inputs: ["logits"],
  outputs([l]) {
    return [{ shape: [...l.shape], dtype: "float32" }];
  },
  run([l], [li], { seg, numSeg }, [out]) {
    const H = li.shape[1];
    const K = seg.length;
    const mx = new Float32Array(numSeg * H).fill(-Infinity);
    for (let k = 0; k < K; k++) {
      const s = seg[k] * H;
      for (let h = 0; h < H; h++) if (l[k * H + h] > mx[s + h]) mx[s + h] = l[k * H + h];
    }
    const sum = new Float32Array(numSeg * H);
    for (let k = 0; k < K; k++) {
      const s = seg[k] * H;
      for (let h = 0; h < H; h++) {
        const e = Math.exp(l[k * H + h] - mx[s + h]);
        out[k * H + h] = e;
        sum[s + h] += e;
      }
    }
    for (let k = 0; k < K; k++) {
      const s = seg[k] * H;
      for (let h = 0; h < H; h++) out[k * H + h] /= sum[s + h];
    }
  },
};

export const edgeSoftmaxGradKernel: JsKernel<SegAttrs> = {
  name: EDGE_SOFTMAX_GRAD,
  inputs: ["dy", "y"],
  outputs([dy]) {
    return [{ shape: [...dy.shape], dtype: "float32" }];
  },
  run([dy, y], [di], { seg, numSeg }, [dx]) {
    const H = di.shape[1];
    const K = seg.length;
    const dot = new Float32Array(numSeg * H);
    for (let k = 0; k < K; k++) {
      const s = seg[k] * H;
      for (let h = 0; h < H; h++) dot[s + h] += y[k * H + h] * dy[k * H + h];
    }
    for (let k = 0; k < K; k++) {
      const s = seg[k] * H;
      for (let h = 0; h < H; h++) dx[k * H + h] = y[k * H + h] * (dy[k * H + h] - dot[s + h]);
    }
  },
};

function headsOf(w: tf.TensorInfo): number {
  return w.shape.length === 2 ? w.shape[1] : 1;
}

export const edgeAggregateKernel: JsKernel<AggAttrs> = {
  name: EDGE_AGGREGATE,
  inputs: ["w", "x"],
  outputs([, x], { numSeg }) {
    return [{ shape: [numSeg, x.shape[1]], dtype: "float32" }];
  },
  run([w, x], [wi, xi], { src, seg }, [out]) {
    const H = headsOf(wi);
    const D = xi.shape[1];
    out.fill(0);
    for (let k = 0; k < src.length; k++) {
      let a = 0;
      for (let h = 0; h < H; h++) a += w[k * H + h];
      a /= H;
      const xo = src[k] * D;
      const o = seg[k] * D;
      for (let d = 0; d < D; d++) out[o + d] += a * x[xo + d];
    }
  },
};

export const edgeAggregateGradKernel: JsKernel<AggAttrs> = {
  name: EDGE_AGGREGATE_GRAD,
  inputs: ["dy", "w", "x"],
  outputs([, w, x]) {
    return [
      { shape: [...w.shape], dtype: "float32" },
      { shape: [...x.shape], dtype: "float32" },
    ];
  },
  run([dy, w, x], [, wi, xi], { src, seg }, [dw, dx]) {
    const H = headsOf(wi);
    const D = xi.shape[1];
    dx.fill(0);
    for (let k = 0; k < src.length; k++) {
      let a = 0;
      for (let h = 0; h < H; h++) a += w[k * H + h];
      a /= H;
      const xo = src[k] * D;
      const o = seg[k] * D;
      let g = 0;
      for (let d = 0; d < D; d++) {
        g += dy[o + d] * x[xo + d];
        dx[xo + d] += a * dy[o + d];
      }
      g /= H;
      for (let h = 0; h < H; h++) dw[k * H + h] = g;
    }
  },
};

export const EDGE_KERNELS = [
  gatLogitsKernel,
  gatLogitsGradKernel,
  edgeSoftmaxKernel,
  edgeSoftmaxGradKernel,
  edgeAggregateKernel,
  edgeAggregateGradKernel,
] as const;

/** Edge list of an attention layer: per edge a source row, a destination-score row, a relation and a segment. */
export interface EdgeIndex {
  src: Int32Array;
  dst: Int32Array;
  rel: Int32Array;
}

/** LeakyReLU(ssrc[src] + sdst[dst] + rel[rel]) per edge and head: [K, H]. */
export function gatLogits(
  ssrc: tf.Tensor2D,
  sdst: tf.Tensor2D,
  rel: tf.Tensor2D,
  e: EdgeIndex,
  slope: number,
): tf.Tensor2D {
  const attrs: LogitAttrs = { src: e.src, dst: e.dst, rel: e.rel, slope };
  const rows: [number, number, number] = [ssrc.shape[0], sdst.shape[0], rel.shape[0]];
  const f = customOp(([a, b, c], save) => {
    const y = runKernel<tf.Tensor>(GAT_LOGITS, { ssrc: a, sdst: b, rel: c }, attrs);
    save([y]);
    return {
      value: y,
      gradFunc: (dy, saved) =>
        runKernel<tf.Tensor[]>(GAT_LOGITS_GRAD, { dy, y: saved[0] }, { ...attrs, rows }),
    };
  });
  return f(ssrc, sdst, rel) as tf.Tensor2D;
}

/** Softmax of logits [K, H] over the edges of each segment. */
export function edgeSoftmax(logits: tf.Tensor2D, seg: Int32Array, numSeg: number): tf.Tensor2D {
  const attrs: SegAttrs = { seg, numSeg };
  const f = customOp(([l], save) => {
    const y = runKernel<tf.Tensor>(EDGE_SOFTMAX, { logits: l }, attrs);
    save([y]);
    return {
      value: y,
      gradFunc: (dy, saved) => runKernel<tf.Tensor>(EDGE_SOFTMAX_GRAD, { dy, y: saved[0] }, attrs),
    };
  });
  return f(logits) as tf.Tensor2D;
}

/** out[s] = Σ_{k: seg k = s} mean_h(w[k, h]) · x[src k]; w is [K] or [K, H]. */
export function edgeAggregate(
  w: tf.Tensor,
  x: tf.Tensor2D,
  src: Int32Array,
  seg: Int32Array,
  numSeg: number,
): tf.Tensor2D {
  const attrs: AggAttrs = { src, seg, numSeg };
  const f = customOp(([ww, xx], save) => {
    save([ww, xx]);
    return {
      value: runKernel<tf.Tensor>(EDGE_AGGREGATE, { w: ww, x: xx }, attrs),
      gradFunc: (dy, saved) =>
        runKernel<tf.Tensor[]>(EDGE_AGGREGATE_GRAD, { dy, w: saved[0], x: saved[1] }, attrs),
    };
  });
  return f(w, x) as tf.Tensor2D;
}
