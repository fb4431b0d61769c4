import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/model/backend.js";
import {
  attend,
  edgeAggregate,
  edgeSoftmax,
  gatherSum,
  gatLogits,
  layerNormFused,
  unpack,
  withStockKernel,
} from "../../src/model/kernels/index.js";
import type { AttendIndex } from "../../src/model/kernels/index.js";
import { layerNorm } from "../../src/model/layers.js";
import { simd } from "../../src/model/kernels/simd.js";
import { SIMD_WASM_BASE64 } from "../../src/model/kernels/simd-wasm.js";
import { assembleSimd, projectRoot, WAT_PATH } from "../../src/model/kernels/simd-gen.js";
import { Rng } from "../../src/util/rng.js";
import { maxAbsDiff } from "./helpers.js";

const rnd = (rng: Rng, n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);
const ints = (rng: Rng, n: number, hi: number) => Int32Array.from({ length: n }, () => rng.int(hi));
const arr = (t: tf.Tensor) => Array.from(t.dataSync());

/** A random segment structure: U segments of 1..maxDeg edges over R rows. */
function randomIndex(
  rng: Rng,
  U: number,
  R: number,
  maxDeg: number,
  rels: number,
): AttendIndex & { edgeDst: Int32Array } {
  const segStart = new Int32Array(U + 1);
  for (let u = 0; u < U; u++) segStart[u + 1] = segStart[u] + 1 + rng.int(maxDeg);
  const K = segStart[U];
  const src = ints(rng, K, R);
  const dst = ints(rng, U, R);
  const edgeDst = new Int32Array(K);
  for (let u = 0; u < U; u++) for (let k = segStart[u]; k < segStart[u + 1]; k++) edgeDst[k] = dst[u];
  return { numSeg: U, segStart, src, dst, rel: ints(rng, K, rels), maxDeg, edgeDst };
}

describe("SIMD kernels (wasm module) against tfjs-op and JS references", () => {
  before(async () => {
    await initBackend("wasm");
  });

  it("the embedded module is the assembly of simd.wat (regenerate with simd-gen.js)", async () => {
    const wat = readFileSync(join(projectRoot(), WAT_PATH), "utf8");
    const bin = await assembleSimd(wat);
    assert.equal(
      Buffer.from(bin).toString("base64"),
      SIMD_WASM_BASE64,
      "src/model/kernels/simd-wasm.ts is stale: run `node dist/src/model/kernels/simd-gen.js` after building",
    );
  });

  it("vector and scalar exp match Math.exp to float precision", () => {
    const m = simd();
    const xs = [-86, -50, -20, -5.5, -1, -0.3, 0, 0.2, 1, 3.7, 10, 40, 80];
    for (const x of xs) {
      const e = m.fn.exp_f32(x);
      assert.ok(Math.abs(e - Math.exp(x)) <= 3e-7 * Math.exp(x), `exp(${x}) = ${e}`);
    }
    const p = m.alloc(4);
    for (let i = 0; i < xs.length; i += 4) {
      const chunk = xs.slice(i, i + 4);
      while (chunk.length < 4) chunk.push(0);
      m.f32.set(chunk, p >> 2);
      m.fn.exp4_test(p);
      chunk.forEach((x, j) => {
        const e = m.f32[(p >> 2) + j];
        assert.ok(Math.abs(e - Math.exp(x)) <= 3e-7 * Math.exp(x), `exp4(${x}) = ${e}`);
      });
    }
  });

  for (const [H, scalar] of [
    [4, false],
    [4, true],
    [2, true],
    [3, true],
  ] as const) {
    it(`attend (H = ${H}, ${scalar ? "any-H" : "4-head vector"} kernel) equals the JS edge ops, values and gradients`, () => {
      const rng = new Rng(10 + H);
      const R = 9;
      const D = 6; // not a multiple of 4: exercises the scalar tails
      const ix = randomIndex(rng, 7, R, 5, 4);
      const sc = tf.tensor2d(rnd(rng, R * 2 * H, 2), [R, 2 * H]);
      const relb = tf.tensor2d(rnd(rng, 4 * H), [4, H]);
      const v = tf.tensor2d(rnd(rng, R * D), [R, D]);
      const w = tf.tensor2d(rnd(rng, 7 * D), [7, D]);
      const stats = { entropySum: 0 };
      const ours = tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(
            tf.mul(
              attend(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, ix, H, 0.2, stats, scalar),
              w,
            ),
          );
        const out = arr(attend(sc, relb, v, ix, H, 0.2, stats, scalar));
        return [out, ...tf.grads(f)([sc, relb, v]).map(arr)];
      });
      const ref = tf.tidy(() => {
        const e = { src: ix.src, dst: ix.edgeDst, rel: ix.rel! };
        const seg = new Int32Array(ix.src.length);
        for (let u = 0; u < 7; u++) for (let k = ix.segStart[u]; k < ix.segStart[u + 1]; k++) seg[k] = u;
        const fwd = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const s = tf.slice(a, [0, 0], [-1, H]) as tf.Tensor2D;
          const d = tf.slice(a, [0, H], [-1, H]) as tf.Tensor2D;
          const al = edgeSoftmax(gatLogits(s, d, b as tf.Tensor2D, e, 0.2), seg, 7);
          return { al, out: edgeAggregate(al, c as tf.Tensor2D, ix.src, seg, 7) };
        };
        const { al, out } = fwd(sc, relb, v);
        const ent = -tf.sum(tf.mul(al, tf.log(al))).dataSync()[0];
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(fwd(a, b, c).out, w)))(
          [sc, relb, v],
        );
        return { parts: [arr(out), ...g.map(arr)], ent };
      });
      ["out", "dsc", "drel", "dv"].forEach((n, i) =>
        assert.ok(maxAbsDiff(ours[i], ref.parts[i]) < 2e-5, `${n}: ${maxAbsDiff(ours[i], ref.parts[i])}`),
      );
      assert.ok(Math.abs(stats.entropySum - ref.ent) < 1e-4, `entropy ${stats.entropySum} vs ${ref.ent}`);
    });
  }

  it("attend as attention pooling (1 head, no destination or relation term, slope 1) is a segment softmax", () => {
    const rng = new Rng(20);
    const R = 8;
    const D = 8;
    const U = 3;
    const segStart = Int32Array.from([0, 4, 5, 9]);
    const src = ints(rng, 9, R);
    const ix: AttendIndex = { numSeg: U, segStart, src, maxDeg: 4 };
    const score = rnd(rng, R);
    const x = rnd(rng, R * D);
    const out = tf.tidy(() =>
      arr(attend(tf.tensor2d(score, [R, 1]), tf.zeros([1, 1]), tf.tensor2d(x, [R, D]), ix, 1, 1)),
    );
    for (let u = 0; u < U; u++) {
      const ks = Array.from({ length: segStart[u + 1] - segStart[u] }, (_, i) => segStart[u] + i);
      const mx = Math.max(...ks.map((k) => score[src[k]]));
      const den = ks.reduce((a, k) => a + Math.exp(score[src[k]] - mx), 0);
      for (let d = 0; d < D; d++) {
        const want = ks.reduce((a, k) => a + (Math.exp(score[src[k]] - mx) / den) * x[src[k] * D + d], 0);
        assert.ok(Math.abs(out[u * D + d] - want) < 1e-5);
      }
    }
  });

  for (const F of [8, 6]) {
    it(`fused bias/ReLU/LayerNorm (group ${F}: ${F % 4 ? "JS" : "SIMD"} path) equals tfjs ops, values and gradients`, () => {
      const rng = new Rng(30 + F);
      const G = 2;
      const W = F * G;
      const blocks = 2;
      const rows = 6;
      const x = tf.tensor2d(rnd(rng, rows * W), [rows, W]);
      const b = tf.tensor1d(rnd(rng, W * blocks, 0.5));
      const g = tf.tensor1d(rnd(rng, W * blocks, 0.5).map((t) => 1 + t));
      const be = tf.tensor1d(rnd(rng, W * blocks, 0.5));
      const wt = tf.tensor2d(rnd(rng, rows * W), [rows, W]);
      for (const o of [
        { preRelu: true },
        { postRelu: true },
        { preRelu: true, postRelu: true, blocks },
        { blocks },
      ]) {
        const nb = o.blocks ?? 1;
        const [bb, gg, bbe] = [b, g, be].map((t) => tf.slice(t, [0], [W * nb]));
        const ours = tf.tidy(() => {
          const f = (...t: tf.Tensor[]) =>
            tf.sum(tf.mul(layerNormFused(t[0], t[1], t[2], t[3], { groupSize: F, ...o }), wt));
          return [
            arr(layerNormFused(x, bb, gg, bbe, { groupSize: F, ...o })),
            ...tf.grads(f)([x, bb, gg, bbe]).map(arr),
          ];
        });
        const ref = tf.tidy(() => {
          const f = (...t: tf.Tensor[]) => {
            // Rows split into nb blocks, each with its own parameter row; groups of F normalised separately.
            const per = rows / nb;
            const parts = Array.from({ length: nb }, (_, k) => {
              let u = tf.add(tf.slice(t[0], [k * per, 0], [per, W]), tf.slice(t[1], [k * W], [W]));
              if (o.preRelu) u = tf.relu(u);
              const n = tf.reshape(layerNorm(tf.reshape(u, [per, G, F]), tf.ones([F]), tf.zeros([F])), [
                per,
                W,
              ]);
              let y = tf.add(tf.mul(n, tf.slice(t[2], [k * W], [W])), tf.slice(t[3], [k * W], [W]));
              if (o.postRelu) y = tf.relu(y);
              return y;
            });
            return tf.concat(parts, 0);
          };
          return [
            arr(f(x, bb, gg, bbe)),
            ...tf
              .grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), wt)))([x, bb, gg, bbe])
              .map(arr),
          ];
        });
        ["y", "dx", "db", "dg", "dbeta"].forEach((n, i) =>
          assert.ok(
            maxAbsDiff(ours[i], ref[i]) < 1e-4,
            `${JSON.stringify(o)} ${n}: ${maxAbsDiff(ours[i], ref[i])}`,
          ),
        );
      }
    });
  }

  for (const E of [4, 3]) {
    it(`gatherSum (width ${E}: ${E % 4 ? "JS" : "SIMD"} path) equals gather + add, values and gradients`, () => {
      const rng = new Rng(40 + E);
      const t0 = tf.tensor2d(rnd(rng, 5 * E), [5, E]);
      const t1 = tf.tensor2d(rnd(rng, 7 * E), [7, E]);
      const i0 = ints(rng, 30, 5);
      const i1 = ints(rng, 30, 7);
      const w = tf.tensor2d(rnd(rng, 30 * E), [30, E]);
      const ours = tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(gatherSum([a, b] as tf.Tensor2D[], [i0, i1]), w));
        return [arr(gatherSum([t0, t1], [i0, i1])), ...tf.grads(f)([t0, t1]).map(arr)];
      });
      const ref = tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.add(tf.gather(a, tf.tensor1d(i0, "int32")), tf.gather(b, tf.tensor1d(i1, "int32")));
        return [
          arr(f(t0, t1)),
          ...tf
            .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), w)))([t0, t1])
            .map(arr),
        ];
      });
      ours.forEach((o, i) => assert.ok(maxAbsDiff(o, ref[i]) < 1e-5, `part ${i}`));
      assert.throws(() => tf.tidy(() => gatherSum([t0], [Int32Array.from([0, 5])])), /embedding index/);
    });
  }

  it("unpack splits a flat tensor; its gradient concatenates the parts' gradients (zeros for unused parts)", () => {
    const layout = { shapes: [[2, 3], [4], [1, 2]], offsets: [0, 6, 10], total: 12 };
    const flat = tf.tensor1d(Float32Array.from({ length: 12 }, (_, i) => i));
    const parts = tf.tidy(() => unpack(flat, layout).map(arr));
    assert.deepEqual(parts, [
      [0, 1, 2, 3, 4, 5],
      [6, 7, 8, 9],
      [10, 11],
    ]);
    const g = tf.tidy(() =>
      arr(
        tf.grad((f: tf.Tensor) => {
          const [a, , c] = unpack(f, layout);
          return tf.add(tf.sum(tf.mul(a, 2)), tf.sum(tf.square(c)));
        })(flat),
      ),
    );
    assert.deepEqual(g, [2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 20, 22]);
  });

  it("BatchMatMul: batched (per-entry XNNPACK) and many tiny products (simd.wat) equal the cpu backend", async () => {
    const rng = new Rng(50);
    const cases: [number[], number[], boolean, boolean][] = [
      [[4, 40, 30], [4, 30, 20], false, false], // batched, split per entry
      [[4, 40, 30], [4, 20, 30], false, true],
      [[4, 30, 40], [4, 30, 20], true, false],
      [[100, 3, 5], [100, 5, 2], false, false], // many tiny products
      [[100, 5, 3], [100, 2, 5], true, true],
      [[100, 3, 5], [1, 5, 2], false, false], // broadcast right operand
      [[64, 90], [64, 8], true, false], // 2-D Aᵀ·B
    ];
    const data = cases.map(([sa, sb]) => [
      rnd(
        rng,
        sa.reduce((x, y) => x * y),
      ),
      rnd(
        rng,
        sb.reduce((x, y) => x * y),
      ),
    ]);
    const f = () =>
      cases.map(([sa, sb, ta, tb], i) =>
        arr(tf.matMul(tf.tensor(data[i][0], sa), tf.tensor(data[i][1], sb), ta, tb)),
      );
    const ours = tf.tidy(f);
    await tf.setBackend("cpu");
    let ref: number[][];
    try {
      ref = withStockKernel(tf.BatchMatMul, "cpu", () => tf.tidy(f));
    } finally {
      await tf.setBackend("wasm");
    }
    ours.forEach((o, i) => assert.ok(maxAbsDiff(o, ref[i]) < 1e-4, `case ${i}: ${maxAbsDiff(o, ref[i])}`));
  });
  it("BatchMatMul Aᵀ·B in gemm_tn (2-D and batched) is bit-identical to transposing A and running the stock product", () => {
    const rng = new Rng(51);
    const check = (ours: tf.Tensor, ref: tf.Tensor, what: string) => {
      const x = ours.dataSync();
      const y = ref.dataSync();
      let bad = 0;
      for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) bad++;
      assert.equal(bad, 0, `${what}: ${bad} of ${x.length} entries differ`);
    };
    // [k, m]ᵀ·[k, n]: full 4 × 8 tiles, a row remainder (m mod 4), a column remainder (n mod 8), both, and
    // the update's own shapes (the crop layer's [512, 484]ᵀ·[512, 64]).
    const shapes: [number, number, number][] = [
      [64, 32, 32],
      [300, 101, 70],
      [129, 66, 37],
      [512, 484, 64],
      [512, 109, 128],
    ];
    for (const [k, m, n] of shapes) {
      const a = tf.tensor2d(rnd(rng, k * m), [k, m]);
      const b = tf.tensor2d(rnd(rng, k * n), [k, n]);
      const ours = tf.matMul(a, b, true, false);
      const at = tf.transpose(a);
      const ref = withStockKernel(tf.BatchMatMul, "wasm", () => tf.matMul(at, b));
      assert.deepEqual(ours.shape, [m, n]);
      check(ours, ref, `[${k}, ${m}]ᵀ·[${k}, ${n}]`);
      tf.dispose([a, b, ours, at, ref]);
    }
    // Batched (the expert stack's weight gradients, e.g. [4, 512, 64]ᵀ·[4, 512, 23]): each entry as a 2-D product.
    for (const [batch, k, m, n] of [
      [4, 512, 64, 23],
      [3, 129, 66, 40],
    ]) {
      const a = tf.tensor3d(rnd(rng, batch * k * m), [batch, k, m]);
      const b = tf.tensor3d(rnd(rng, batch * k * n), [batch, k, n]);
      const ours = tf.matMul(a, b, true, false);
      assert.deepEqual(ours.shape, [batch, m, n]);
      const parts = Array.from({ length: batch }, (_, t) => {
        const at = tf.transpose(tf.reshape(tf.slice(a, [t, 0, 0], [1, k, m]), [k, m]));
        const bt = tf.reshape(tf.slice(b, [t, 0, 0], [1, k, n]), [k, n]);
        return withStockKernel(tf.BatchMatMul, "wasm", () => tf.matMul(at, bt));
      });
      const ref = tf.stack(parts);
      check(ours, ref, `[${batch}, ${k}, ${m}]ᵀ·[${batch}, ${k}, ${n}]`);
      tf.dispose([a, b, ours, ref, ...parts]);
    }
  });
});
