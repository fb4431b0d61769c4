import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/model/backend.js";
import {
  edgeAggregate,
  edgeSoftmax,
  gather0,
  gatLogits,
  segsum0,
  stopGradient,
  withStockKernel,
} from "../../src/model/kernels/index.js";
import { Rng } from "../../src/util/rng.js";
import { maxAbsDiff } from "./helpers.js";

const rnd = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());
const ints = (rng: Rng, n: number, hi: number) => Int32Array.from({ length: n }, () => rng.int(hi));
const arr = (t: tf.Tensor) => Array.from(t.dataSync());

/** Runs f on the cpu backend with tfjs's stock kernels and returns plain arrays. */
async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend("cpu");
  try {
    return withStockKernel(tf.UnsortedSegmentSum, "cpu", () => {
      tf.engine().startScope();
      try {
        return f();
      } finally {
        tf.engine().endScope();
      }
    });
  } finally {
    await tf.setBackend("wasm");
  }
}

describe("custom kernels (wasm) against the cpu backend's stock kernels", () => {
  before(async () => {
    await initBackend("wasm");
  });

  it("UnsortedSegmentSum, incl. dropped out-of-range ids", async () => {
    const rng = new Rng(1);
    const x = rnd(rng, 50 * 6);
    const ids = ints(rng, 50, 9);
    ids[3] = -1;
    ids[7] = 12;
    const ours = tf.tidy(() =>
      arr(tf.unsortedSegmentSum(tf.tensor2d(x, [50, 6]), tf.tensor1d(ids, "int32"), 9)),
    );
    const ref = await onCpu(() =>
      arr(tf.unsortedSegmentSum(tf.tensor2d(x, [50, 6]), tf.tensor1d(ids, "int32"), 9)),
    );
    assert.ok(maxAbsDiff(ours, ref) < 1e-5);
    // Rows of 8 with every id in range take the SIMD path.
    const x8 = rnd(rng, 50 * 8);
    const ids8 = ints(rng, 50, 9);
    const f8 = () => arr(tf.unsortedSegmentSum(tf.tensor2d(x8, [50, 8]), tf.tensor1d(ids8, "int32"), 9));
    const ours8 = tf.tidy(f8);
    assert.ok(maxAbsDiff(ours8, await onCpu(f8)) < 1e-5);
  });

  it("GatherV2 axis 0 (row copy) and a non-zero axis (stock fallback)", async () => {
    const rng = new Rng(2);
    const x = rnd(rng, 20 * 3 * 4);
    const idx = ints(rng, 33, 20);
    const idx1 = ints(rng, 5, 3);
    const f = () => [
      arr(tf.gather(tf.tensor3d(x, [20, 3, 4]), tf.tensor1d(idx, "int32"))),
      arr(tf.gather(tf.tensor3d(x, [20, 3, 4]), tf.tensor1d(idx1, "int32"), 1)),
    ];
    const ours = f();
    const ref = await onCpu(f);
    assert.ok(maxAbsDiff(ours[0], ref[0]) === 0 && maxAbsDiff(ours[1], ref[1]) === 0);
    assert.throws(
      () => tf.tidy(() => tf.gather(tf.tensor2d(x.subarray(0, 8), [4, 2]), tf.tensor1d([5], "int32"))),
      /gather index/,
    );
  });

  it("Slice (heap-view copy on wasm) for ranks 1-4, int32 and bool, equals the cpu backend", async () => {
    const rng = new Rng(12);
    const x = rnd(rng, 120);
    const xi = ints(rng, 24, 9);
    const cases: [number[], number[], number[]][] = [
      [[120], [7], [30]],
      [
        [12, 10],
        [2, 3],
        [5, 4],
      ],
      [
        [4, 5, 6],
        [1, 0, 2],
        [2, -1, 3],
      ],
      [
        [3, 4, 5, 2],
        [0, 1, 1, 0],
        [3, 2, 3, 2],
      ],
    ];
    const f = () => [
      ...cases.map(([shape, b, s]) => arr(tf.slice(tf.tensor(x, shape), b, s))),
      arr(tf.slice(tf.tensor2d(xi, [4, 6], "int32"), [1, 2], [2, 3])),
      arr(tf.cast(tf.slice(tf.greater(tf.tensor2d(x.subarray(0, 24), [4, 6]), 0), [1, 1], [3, 4]), "int32")),
    ];
    const ours = tf.tidy(f);
    await tf.setBackend("cpu");
    let ref: number[][];
    try {
      ref = tf.tidy(f);
    } finally {
      await tf.setBackend("wasm");
    }
    ours.forEach((o, i) => assert.deepEqual(o, ref[i], `case ${i}`));
  });

  it("BatchMatMul with every transpose combination, 2-D and batched", async () => {
    const rng = new Rng(3);
    const a = rnd(rng, 3 * 7 * 5);
    const b = rnd(rng, 3 * 5 * 6);
    const f = () => {
      const out: number[][] = [];
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const A = tf.tensor3d(a, tA ? [3, 5, 7] : [3, 7, 5]);
          const B = tf.tensor3d(b, tB ? [3, 6, 5] : [3, 5, 6]);
          out.push(arr(tf.matMul(A, B, tA, tB)));
          const A2 = tf.tensor2d(a.subarray(0, 35), tA ? [5, 7] : [7, 5]);
          const B2 = tf.tensor2d(b.subarray(0, 30), tB ? [6, 5] : [5, 6]);
          out.push(arr(tf.matMul(A2, B2, tA, tB)));
        }
      }
      return out;
    };
    const ours = f();
    const ref = await onCpu(f);
    ours.forEach((o, i) => assert.ok(maxAbsDiff(o, ref[i]) < 1e-4, `case ${i}`));
  });

  it("BatchMatMul transposing large matrices (the tiled transpose) matches the cpu backend", async () => {
    // 150 × 131 = 19,650 elements: above the tiled path's threshold, and not a multiple of the tile.
    const rng = new Rng(8);
    const a = rnd(rng, 150 * 131);
    const b = rnd(rng, 150 * 37);
    const f = () => [
      arr(tf.matMul(tf.tensor2d(a, [150, 131]), tf.tensor2d(b, [150, 37]), true, false)),
      arr(tf.matMul(tf.tensor2d(b, [37, 150]), tf.tensor2d(a, [131, 150]), false, true)),
    ];
    const ours = f();
    const ref = await onCpu(f);
    ours.forEach((o, i) => assert.ok(maxAbsDiff(o, ref[i]) < 1e-3, `case ${i}: ${maxAbsDiff(o, ref[i])}`));
  });

  it("gather0 / segsum0 values and gradients match the stock gather / segment-sum path", async () => {
    const rng = new Rng(4);
    const x = rnd(rng, 8 * 3);
    const idx = ints(rng, 13, 8);
    const w = rnd(rng, 13 * 3);
    const w2 = rnd(rng, 5 * 3);
    const seg = ints(rng, 8, 5);
    const ours = tf.tidy(() => {
      const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(gather0(xx, idx), tf.tensor2d(w, [13, 3]))))(
        tf.tensor2d(x, [8, 3]),
      );
      const s = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(segsum0(xx, seg, 5), tf.tensor2d(w2, [5, 3]))))(
        tf.tensor2d(x, [8, 3]),
      );
      return [
        arr(gather0(tf.tensor2d(x, [8, 3]), idx)),
        arr(g),
        arr(segsum0(tf.tensor2d(x, [8, 3]), seg, 5)),
        arr(s),
      ];
    });
    // Independent truth in plain JS.
    const gv = Array.from(idx, (r) => [0, 1, 2].map((d) => x[r * 3 + d])).flat();
    const gg = new Array(24).fill(0);
    idx.forEach((r, k) => [0, 1, 2].forEach((d) => (gg[r * 3 + d] += w[k * 3 + d])));
    const sv = new Array(15).fill(0);
    seg.forEach((s, r) => [0, 1, 2].forEach((d) => (sv[s * 3 + d] += x[r * 3 + d])));
    const sg = Array.from(seg, (s) => [0, 1, 2].map((d) => w2[s * 3 + d])).flat();
    [gv, gg, sv, sg].forEach((ref, i) => assert.ok(maxAbsDiff(ours[i], ref) < 1e-5, `part ${i}`));
  });

  it("fused GAT edge ops match a composition of stock ops, and their gradients match finite differences", async () => {
    const rng = new Rng(5);
    const R = 7;
    const H = 3;
    const D = 4;
    const K = 25;
    const S = 6;
    const ss = rnd(rng, R * H);
    const sd = rnd(rng, R * H);
    const rl = rnd(rng, 4 * H);
    const xv = rnd(rng, R * D);
    const e = { src: ints(rng, K, R), dst: ints(rng, K, R), rel: ints(rng, K, 4) };
    const seg = Int32Array.from({ length: K }, (_, k) => k % S);
    const wOut = rnd(rng, S * D);
    const forward = (a: tf.Tensor2D, b: tf.Tensor2D, c: tf.Tensor2D, x: tf.Tensor2D) => {
      const l = gatLogits(a, b, c, e, 0.2);
      const al = edgeSoftmax(l, seg, S);
      return edgeAggregate(al, x, e.src, seg, S);
    };
    const t = () =>
      [
        tf.tensor2d(ss, [R, H]),
        tf.tensor2d(sd, [R, H]),
        tf.tensor2d(rl, [4, H]),
        tf.tensor2d(xv, [R, D]),
      ] as const;
    const ours = tf.tidy(() => arr(forward(...t())));
    const ref = await onCpu(() => {
      const [a, b, c, x] = t();
      const g = (m: tf.Tensor, i: Int32Array) => tf.gather(m, tf.tensor1d(i, "int32"));
      const l = tf.leakyRelu(tf.add(tf.add(g(a, e.src), g(b, e.dst)), g(c, e.rel)), 0.2);
      const segT = tf.tensor1d(seg, "int32");
      const ex = tf.exp(l);
      const den = tf.unsortedSegmentSum(ex, segT, S);
      const al = tf.div(ex, tf.gather(den, segT));
      const wm = tf.mean(al, 1, true);
      return arr(tf.unsortedSegmentSum(tf.mul(wm, g(x, e.src)), segT, S));
    });
    assert.ok(maxAbsDiff(ours, ref) < 1e-5, "forward");
    // Gradients w.r.t. all four inputs vs central differences of the scalar Σ wOut ⊙ out.
    const loss = (vals: Float32Array[]) =>
      tf.tidy(
        () =>
          tf
            .sum(
              tf.mul(
                forward(
                  tf.tensor2d(vals[0], [R, H]),
                  tf.tensor2d(vals[1], [R, H]),
                  tf.tensor2d(vals[2], [4, H]),
                  tf.tensor2d(vals[3], [R, D]),
                ),
                tf.tensor2d(wOut, [S, D]),
              ),
            )
            .dataSync()[0],
      );
    const grads = tf.tidy(() =>
      tf
        .grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, x: tf.Tensor) =>
          tf.sum(
            tf.mul(
              forward(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, x as tf.Tensor2D),
              tf.tensor2d(wOut, [S, D]),
            ),
          ),
        )([...t()])
        .map(arr),
    );
    const base = [ss, sd, rl, xv];
    const eps = 1e-2;
    for (let which = 0; which < 4; which++) {
      for (let i = 0; i < base[which].length; i += 2) {
        const up = base.map((b) => b.slice());
        const dn = base.map((b) => b.slice());
        up[which][i] += eps;
        dn[which][i] -= eps;
        const fd = (loss(up) - loss(dn)) / (2 * eps);
        assert.ok(
          Math.abs(fd - grads[which][i]) < 2e-2 + 2e-2 * Math.abs(fd),
          `input ${which}[${i}]: fd ${fd} vs ad ${grads[which][i]}`,
        );
      }
    }
  });

  it("stopGradient passes values and blocks gradients", () => {
    const g = tf.tidy(() =>
      arr(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, stopGradient(x))))(tf.tensor1d([2, 3]))),
    );
    assert.deepEqual(g, [2, 3]);
  });
});
