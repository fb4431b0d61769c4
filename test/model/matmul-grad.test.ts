import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/model/backend.js";
import { Rng } from "../../src/util/rng.js";

const rnd = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

/**
 * Hand gradients of L = Σ_ij W_ij · (op(A)·op(B))_ij in float64: dL/dop(A) = W·op(B)ᵀ, dL/dop(B) = op(A)ᵀ·W,
 * mapped back through the transposes. Shapes: op(A) [m, k], op(B) [k, n].
 */
function handGrads(
  a: Float32Array,
  b: Float32Array,
  w: Float32Array,
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
): [Float64Array, Float64Array] {
  const A = (i: number, p: number) => (tA ? a[p * m + i] : a[i * k + p]);
  const B = (p: number, j: number) => (tB ? b[j * k + p] : b[p * n + j]);
  const da = new Float64Array(m * k);
  const db = new Float64Array(k * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += w[i * n + j] * B(p, j);
      da[tA ? p * m + i : i * k + p] = s;
    }
  for (let p = 0; p < k; p++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += A(i, p) * w[i * n + j];
      db[tB ? j * k + p : p * n + j] = s;
    }
  return [da, db];
}

function maxDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

describe("BatchMatMul gradient", () => {
  before(async () => {
    await initBackend("wasm");
  });

  it("matches hand gradients for every transpose combination (2-D and a broadcast batch)", () => {
    const rng = new Rng(11);
    const [m, k, n] = [6, 5, 4];
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const a = rnd(rng, m * k);
        const b = rnd(rng, k * n);
        const w = rnd(rng, m * n);
        const [ha, hb] = handGrads(a, b, w, m, k, n, tA, tB);
        const A = tf.tensor2d(a, tA ? [k, m] : [m, k]);
        const B = tf.tensor2d(b, tB ? [n, k] : [k, n]);
        const W = tf.tensor2d(w, [m, n]);
        const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), W)))(
          [A, B],
        );
        assert.ok(maxDiff(ga.dataSync(), ha) < 1e-4, `dA tA=${tA} tB=${tB}`);
        assert.ok(maxDiff(gb.dataSync(), hb) < 1e-4, `dB tA=${tA} tB=${tB}`);
        // A batch of two copies of A against one B: dB sums both entries' gradients (2× the hand value).
        const A3 = tf.stack([A, A]);
        const W3 = tf.stack([W, W]);
        const gb3 = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(A3, y, tA, tB), W3)))(B);
        assert.deepEqual(gb3.shape, B.shape);
        assert.ok(
          maxDiff(
            gb3.dataSync(),
            hb.map((v) => 2 * v),
          ) < 2e-4,
          `batched dB tA=${tA} tB=${tB}`,
        );
        tf.dispose([A, B, W, ga, gb, A3, W3, gb3]);
      }
    }
  });

  it("computes only the gradient that is asked for (a data input's is skipped)", async () => {
    const rng = new Rng(12);
    const x = tf.tensor2d(rnd(rng, 8 * 5), [8, 5]);
    const w = tf.variable(tf.tensor2d(rnd(rng, 5 * 3), [5, 3]));
    const prof = await tf.profile(() => {
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.matMul(x, w)), [w]);
      return [value, grads[w.name]];
    });
    // Forward product + the weight gradient; no dX product.
    const products = prof.kernels.filter((kk) => kk.name === tf.BatchMatMul).length;
    assert.equal(products, 2);
    tf.dispose([x, w]);
  });
});
