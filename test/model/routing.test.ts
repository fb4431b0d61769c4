import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/model/backend.js";
import { entmax15, sparsemax, topKSoftmax, route, validateRouting } from "../../src/model/routing.js";
import { InvalidArgumentError } from "../../src/util/errors.js";
import { maxAbsDiff } from "./helpers.js";

const val = (t: tf.Tensor) => Array.from(t.dataSync());

/** Gradient of Σ w⊙f(z) by autodiff and by central differences in float64 over float32 evaluations. */
function gradCheck(
  f: (z: tf.Tensor) => tf.Tensor,
  z: number[],
  w: number[],
  eps = 1e-3,
): { ad: number[]; fd: number[] } {
  const loss = (zz: number[]) =>
    tf.tidy(() => tf.sum(tf.mul(f(tf.tensor2d([zz])), tf.tensor2d([w]))).dataSync()[0]);
  const ad = tf.tidy(() =>
    val(tf.grad((zz: tf.Tensor) => tf.sum(tf.mul(f(zz), tf.tensor2d([w]))))(tf.tensor2d([z]))),
  );
  const fd = z.map((_, i) => {
    const up = z.slice();
    const dn = z.slice();
    up[i] += eps;
    dn[i] -= eps;
    return (loss(up) - loss(dn)) / (2 * eps);
  });
  return { ad, fd };
}

describe("routing", () => {
  before(async () => {
    await initBackend("wasm");
  });

  it("sparsemax matches the hand-computed projection and is exactly sparse", () => {
    // sorted z = [1, .5, -1]: support k = 2 (1 + 2·0.5 > 1.5, 1 + 3·(-1) < 0.5), τ = (1.5 - 1)/2 = 0.25.
    const p = val(sparsemax(tf.tensor2d([[1, 0.5, -1]])));
    assert.ok(maxAbsDiff(p, [0.75, 0.25, 0]) < 1e-6, String(p));
    assert.equal(p[2], 0);
    // two rows, both sum to 1 and are non-negative
    const q = val(
      sparsemax(
        tf.tensor2d([
          [0.1, 0.2, 0.3, 5],
          [0, 0, 0, 0],
        ]),
      ),
    );
    assert.ok(maxAbsDiff(q, [0, 0, 0, 1, 0.25, 0.25, 0.25, 0.25]) < 1e-6, String(q));
  });

  it("sparsemax temperature: small τ → argmax, large τ → uniform", () => {
    const z = tf.tensor2d([[0.3, 0.1, 0.2, -0.4]]);
    assert.deepEqual(val(sparsemax(z, 0.01)), [1, 0, 0, 0]);
    const u = val(sparsemax(z, 1000));
    assert.ok(maxAbsDiff(u, [0.25, 0.25, 0.25, 0.25]) < 1e-3, String(u));
    for (const tau of [0.05, 0.5, 5]) {
      const p = val(sparsemax(z, tau));
      assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-6);
      assert.ok(p.every((x) => x >= 0));
    }
  });

  it("sparsemax gradient (with τ) matches finite differences", () => {
    const { ad, fd } = gradCheck((z) => sparsemax(z, 0.7), [0.4, 0.1, -0.2, 0.3], [1, -2, 0.5, 3]);
    assert.ok(maxAbsDiff(ad, fd) < 2e-2, `${ad} vs ${fd}`);
    assert.ok(ad.some((g) => Math.abs(g) > 0.1));
  });

  it("entmax15 matches hand-computed values", () => {
    // z = [1, 0]: x = z/2, both in support, (0.5-τ)² + τ² = 1 → τ = (1-√7)/4.
    const tau = (1 - Math.sqrt(7)) / 4;
    const p = val(entmax15(tf.tensor2d([[1, 0]])));
    assert.ok(maxAbsDiff(p, [(0.5 - tau) ** 2, tau ** 2]) < 1e-5, String(p));
    // z = [3, 0, -1]: x = [1.5, 0, -0.5], τ = 0.5 leaves only the first.
    assert.ok(maxAbsDiff(val(entmax15(tf.tensor2d([[3, 0, -1]]))), [1, 0, 0]) < 1e-6);
    const q = val(entmax15(tf.tensor2d([[0.2, -0.3, 0.5, 0.1]]), 0.5));
    assert.ok(Math.abs(q.reduce((a, b) => a + b) - 1) < 1e-5 && q.every((x) => x >= 0));
  });

  it("entmax15 gradient matches finite differences", () => {
    const { ad, fd } = gradCheck((z) => entmax15(z, 0.8), [0.4, 0.1, -0.2, 0.3], [1, -2, 0.5, 3]);
    assert.ok(maxAbsDiff(ad, fd) < 2e-2, `${ad} vs ${fd}`);
  });

  it("top2 is a softmax over the two largest logits", () => {
    const p = val(topKSoftmax(tf.tensor2d([[1, 2, 3, 0]])));
    const e2 = Math.exp(2);
    const e3 = Math.exp(3);
    assert.ok(maxAbsDiff(p, [0, e2 / (e2 + e3), e3 / (e2 + e3), 0]) < 1e-6, String(p));
    const { ad, fd } = gradCheck(
      (z) => topKSoftmax(z as tf.Tensor2D),
      [0.4, 0.1, -0.2, 0.3],
      [1, -2, 0.5, 3],
    );
    assert.ok(maxAbsDiff(ad, fd) < 2e-2, `${ad} vs ${fd}`);
    assert.ok(ad[1] === 0, `non-selected logit got gradient ${ad[1]}`);
  });

  it("softmax mode uses the temperature and bad settings are rejected", () => {
    const z = tf.tensor2d([[1, 0]]);
    const p = val(route(z, { mode: "softmax", tau: 0.5 }));
    assert.ok(Math.abs(p[0] - 1 / (1 + Math.exp(-2))) < 1e-6);
    assert.throws(() => validateRouting({ mode: "argmax" as never, tau: 1 }), InvalidArgumentError);
    assert.throws(() => validateRouting({ mode: "softmax", tau: 0 }), /tau/);
  });
});
