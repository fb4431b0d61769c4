/** Row-wise exact sparsemax and 1.5-entmax forward passes (sort-based), as JS kernels on both backends. */
import type { JsKernel } from "./js-kernel.js";

export const SPARSEMAX = "TedgSparsemax";
export const ENTMAX15 = "TedgEntmax15";

/** Sparsemax of one row: the Euclidean projection of z onto the probability simplex. */
export function sparsemaxRow(
  z: ArrayLike<number>,
  out: { [i: number]: number },
  off: number,
  K: number,
): void {
  const s = Array.from({ length: K }, (_, i) => z[off + i]).sort((a, b) => b - a);
  let cum = 0;
  let kStar = 1;
  let cumStar = s[0];
  for (let k = 1; k <= K; k++) {
    cum += s[k - 1];
    if (1 + k * s[k - 1] > cum) {
      kStar = k;
      cumStar = cum;
    }
  }
  const tau = (cumStar - 1) / kStar;
  for (let i = 0; i < K; i++) out[off + i] = Math.max(z[off + i] - tau, 0);
}

/** 1.5-entmax of one row: p = [z/2 − τ]_+² with τ such that Σp = 1 (exact, after Peters et al. 2019). */
export function entmax15Row(
  z: ArrayLike<number>,
  out: { [i: number]: number },
  off: number,
  K: number,
): void {
  const x = Array.from({ length: K }, (_, i) => z[off + i] / 2);
  const s = [...x].sort((a, b) => b - a);
  let cs = 0;
  let cs2 = 0;
  let tauStar = s[0] - 1;
  for (let k = 1; k <= K; k++) {
    const v = s[k - 1];
    cs += v;
    cs2 += v * v;
    const mean = cs / k;
    const delta = (1 - k * (cs2 / k - mean * mean)) / k;
    const tau = mean - Math.sqrt(Math.max(delta, 0));
    if (tau <= v) tauStar = tau;
  }
  for (let i = 0; i < K; i++) {
    const d = Math.max(x[i] - tauStar, 0);
    out[off + i] = d * d;
  }
}

function rowKernel(name: string, row: typeof sparsemaxRow): JsKernel<Record<string, never>> {
  return {
    name,
    inputs: ["x"],
    outputs([x]) {
      return [{ shape: [...x.shape], dtype: "float32" }];
    },
    run([x], [xi], _a, [out]) {
      const K = xi.shape[xi.shape.length - 1];
      for (let off = 0; off < x.length; off += K) row(x, out, off, K);
    },
  };
}

export const ROUTING_KERNELS = [
  rowKernel(SPARSEMAX, sparsemaxRow),
  rowKernel(ENTMAX15, entmax15Row),
] as const;
