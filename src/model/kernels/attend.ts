/**
 * Fused segment attention (SIMD wasm, both backends): the whole GAT edge step — per-edge logits
 * LeakyReLU(s_src + s_dst + r_rel) per head, softmax over each destination's edges, mean over heads and the
 * weighted sum of value rows — in one kernel, with its gradient in one more. Nothing of size
 * [edges × width] is ever built; edge work is O(E·D + E·H). The attention-pooling readout is the same op
 * with one head, no destination/relation terms and slope 1.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Arr, JsKernel } from "./js-kernel.js";
import { customOp, runKernel } from "./js-kernel.js";
import { simd, type SimdArena } from "./simd.js";

export const ATTEND = "TedgAttend";
export const ATTEND_GRAD = "TedgAttendGrad";

/** The edge structure of one attention step (built by gat-plan.ts, plain arrays). */
export interface AttendIndex {
  /** Number of destination segments (units / masks). */
  numSeg: number;
  /** CSR: edges of segment u are segStart[u] ≤ k < segStart[u+1]. */
  segStart: Int32Array;
  /** Per edge: the row of the score and value tables it reads. */
  src: Int32Array;
  /** Per edge: the relation row (only with a relation table). */
  rel?: Int32Array;
  /** Per segment: the row of its destination score (only with destination scores). */
  dst?: Int32Array;
  /** Largest segment (edges), for scratch space. */
  maxDeg: number;
}

export interface AttendStats {
  /** Σ over segments and heads of the attention entropy (nats). */
  entropySum: number;
}

interface AttendAttrs {
  ix: AttendIndex;
  heads: number;
  /** Scores per row: [src heads | dst heads] when dst is set, else [src heads]. */
  slope: number;
  stats?: AttendStats;
  /** Force the any-H kernels (tests compare them with the 4-head ones). */
  scalar?: boolean;
}

function dims(sc: tf.TensorInfo, v: tf.TensorInfo, a: AttendAttrs) {
  const H = a.heads;
  const S = sc.shape[1];
  const hasDst = a.ix.dst !== undefined;
  if (S !== (hasDst ? 2 * H : H))
    throw new Error(`attend: score rows have ${S} columns, expected ${hasDst ? 2 * H : H}`);
  return { H, S, D: v.shape[1], R: v.shape[0], hasDst, hasRel: a.ix.rel !== undefined, K: a.ix.src.length };
}

/**
 * Copies the index arrays, scores, relation biases and values into the arena and returns the arguments both
 * kernels take after their size prefix, up to the LeakyReLU slope (the dst scores start H floats, 4·H bytes,
 * into the score rows).
 */
function putInputs(
  m: SimdArena,
  a: AttendAttrs,
  sc: Arr,
  relb: Arr,
  v: Arr,
  { H, S, hasDst, hasRel }: ReturnType<typeof dims>,
): number[] {
  const ix = a.ix;
  const pSeg = m.putI(ix.segStart);
  const pSrc = m.putI(ix.src);
  const pRel = hasRel ? m.putI(ix.rel as Int32Array) : pSrc;
  const pDst = hasDst ? m.putI(ix.dst as Int32Array) : pSeg;
  const pSc = m.putF(sc);
  const pZero = m.zeros(H);
  const pRb = hasRel ? m.putF(relb) : pZero;
  const pV = m.putF(v);
  return [
    pSeg,
    pSrc,
    pRel,
    pDst,
    pSc,
    S,
    hasDst ? pSc + 4 * H : pZero,
    hasDst ? S : 0,
    pRb,
    hasRel ? H : 0,
    pV,
    a.slope,
  ];
}

export const attendKernel: JsKernel<AttendAttrs> = {
  name: ATTEND,
  inputs: ["sc", "relb", "v"],
  outputs([, , v], a) {
    return [
      { shape: [a.ix.numSeg, v.shape[1]], dtype: "float32" },
      { shape: [a.ix.src.length, a.heads], dtype: "float32" },
    ];
  },
  run([sc, relb, v], [si, , vi], a, [out, alpha]) {
    const d = dims(si, vi, a);
    const { H, D, K } = d;
    const U = a.ix.numSeg;
    const m = simd();
    const inputs = putInputs(m, a, sc, relb, v, d);
    const pOut = m.alloc(U * D);
    const pAlpha = m.alloc(K * H);
    const pEnt = a.stats ? m.alloc(U * H * 2) : 0;
    const pTmp = m.alloc(3 * H);
    // Same argument list as the generic kernel, without H and the scratch buffer (as in the gradient below).
    const vec4 = H === 4 && !a.scalar;
    const fn = vec4 ? m.fn.attend_fwd4 : m.fn.attend_fwd;
    fn(...(vec4 ? [U, D] : [U, H, D]), ...inputs, pOut, pAlpha, pEnt, ...(vec4 ? [] : [pTmp]));
    out.set(m.viewF(pOut, U * D));
    alpha.set(m.viewF(pAlpha, K * H));
    if (a.stats) {
      const e = m.viewF(pEnt, U * H * 2);
      let s = 0;
      for (let u = 0; u < U; u++)
        for (let h = 0; h < H; h++) s += Math.log(e[2 * H * u + h]) - e[2 * H * u + H + h];
      a.stats.entropySum = s;
    }
  },
};

export const attendGradKernel: JsKernel<AttendAttrs> = {
  name: ATTEND_GRAD,
  inputs: ["dout", "sc", "relb", "v", "alpha"],
  outputs([, sc, relb, v]) {
    return [
      { shape: [...sc.shape], dtype: "float32" },
      { shape: [...relb.shape], dtype: "float32" },
      { shape: [...v.shape], dtype: "float32" },
    ];
  },
  run([dout, sc, relb, v, alpha], [, si, , vi], a, [dsc, drelb, dv]) {
    const d = dims(si, vi, a);
    const { H, S, D, R, hasDst, hasRel } = d;
    const ix = a.ix;
    const U = ix.numSeg;
    const m = simd();
    const inputs = putInputs(m, a, sc, relb, v, d);
    const pAlpha = m.putF(alpha);
    const pDout = m.putF(dout);
    const pDsc = m.zeros(R * S);
    const pDrb = m.zeros(hasRel ? relb.length : H);
    const pDdummy = m.zeros(H);
    const pDv = m.zeros(R * D);
    const pTmp = m.alloc(H + ix.maxDeg);
    const vec4 = H === 4 && !a.scalar;
    const fn = vec4 ? m.fn.attend_bwd4 : m.fn.attend_bwd;
    fn(
      ...(vec4 ? [U, D] : [U, H, D]),
      ...inputs,
      pAlpha,
      pDout,
      pDsc,
      hasDst ? pDsc + 4 * H : pDdummy,
      hasRel ? pDrb : pDdummy,
      pDv,
      pTmp,
    );
    dsc.set(m.viewF(pDsc, R * S));
    if (hasRel) drelb.set(m.viewF(pDrb, relb.length));
    else (drelb as Arr).fill(0);
    dv.set(m.viewF(pDv, R * D));
  },
};

export const ATTEND_KERNELS = [attendKernel, attendGradKernel] as const;

/**
 * out[u] = Σ_{k in u} mean_h softmax_k(LeakyReLU(sc[src k, h] + sc[dst u, H + h] + relb[rel k, h])) · v[src k].
 * sc: [R, H] (no dst) or [R, 2H]; relb: [numRelations, H] (ignored without ix.rel; pass any [1, H]); v: [R, D].
 */
export function attend(
  sc: tf.Tensor2D,
  relb: tf.Tensor2D,
  v: tf.Tensor2D,
  ix: AttendIndex,
  heads: number,
  slope: number,
  stats?: AttendStats,
  scalar = false,
): tf.Tensor2D {
  const attrs: AttendAttrs = { ix, heads, slope, stats, scalar };
  const f = customOp(([s, r, vv], save) => {
    const [out, alpha] = runKernel<tf.Tensor[]>(ATTEND, { sc: s, relb: r, v: vv }, attrs);
    save([s, r, vv, alpha]);
    return {
      value: out,
      gradFunc: (dy, saved) =>
        runKernel<tf.Tensor[]>(
          ATTEND_GRAD,
          { dout: dy, sc: saved[0], relb: saved[1], v: saved[2], alpha: saved[3] },
          attrs,
        ),
    };
  });
  return f(sc, relb, v) as tf.Tensor2D;
}
