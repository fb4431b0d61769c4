/** Initial values drawn from the project's seeded Rng (never tf.random), so one seed fixes the whole init. */
import type { Rng } from "../util/index.js";

export function uniform(rng: Rng, n: number, bound: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * bound;
  return a;
}

export function normal(rng: Rng, n: number, std = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
  return a;
}

/** PyTorch's Linear default: U(±1/√fan_in). */
export function fanInUniform(rng: Rng, fanIn: number, n: number): Float32Array {
  return uniform(rng, n, 1 / Math.sqrt(fanIn));
}

export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  return uniform(rng, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * A (rows × cols) matrix with orthonormal rows or columns (whichever are fewer), times gain: Gram-Schmidt on
 * a Gaussian matrix, as torch.nn.init.orthogonal_ does with QR.
 */
export function orthogonal(rng: Rng, rows: number, cols: number, gain: number): Float32Array {
  const tall = rows >= cols;
  const n = tall ? rows : cols; // vector length
  const m = tall ? cols : rows; // number of orthonormal vectors
  const vs: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    let v: Float64Array;
    for (;;) {
      v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = rng.normal();
      for (const u of vs) {
        let d = 0;
        for (let i = 0; i < n; i++) d += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * u[i];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += v[i] * v[i];
      norm = Math.sqrt(norm);
      if (norm > 1e-6) {
        for (let i = 0; i < n; i++) v[i] /= norm;
        break;
      }
    }
    vs.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? vs[c][r] : vs[r][c]);
  }
  return out;
}
