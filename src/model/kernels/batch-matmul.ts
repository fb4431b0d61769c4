/**
 * wasm BatchMatMul leaves XNNPACK's fast path in two cases: transposeA/transposeB (1-3 GFLOPS against 30-40;
 * every backward matmul is transposed) and a batch of more than one matrix (the expert stack: ≈ 0.7 GFLOPS,
 * and far less for many tiny products, e.g. B × [4,23]·[23,4] expert cosines: ≈ 1 ms per 100 k multiply-adds).
 * So: a batch of tiny products runs in our wasm module (transposes read through strides); otherwise transpose
 * explicitly first, and run a batched product as one plain 2-D product per batch entry, copying the operands
 * in and the result out (the copies are O(size), the products O(size · inner)). (Computing Aᵀ·B as (Bᵀ·A)ᵀ
 * to transpose less data was measured 2.6× slower for the crop layer's weight gradient: XNNPACK is slow when
 * the left operand has few rows.)
 */
import * as tf from "@tensorflow/tfjs-core";
import { simd } from "./simd.js";

interface WasmBackendLike {
  disposeData(id: tf.DataId): void;
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

export function wasmBatchMatMulOverride(orig: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: "wasm",
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const be = backend as unknown as WasmBackendLike;
      const ia = inputs.a as tf.TensorInfo;
      const ib = inputs.b as tf.TensorInfo;
      const special =
        tinyBatched(be, ia, ib, transposeA, transposeB) ?? transposedLeft(be, ia, ib, transposeA, transposeB);
      if (special) return special;
      const temps: tf.TensorInfo[] = [];
      const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
        const big = blockedTranspose(be, t);
        if (big) {
          temps.push(big);
          return big;
        }
        const r = t.shape.length;
        const perm = Array.from({ length: r }, (_, i) => i);
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        const out = transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
        temps.push(out);
        return out;
      };
      const plain = { ...attrs, transposeA: false, transposeB: false };
      const a = transposeA ? swapLast(ia) : ia;
      const b = transposeB ? swapLast(ib) : ib;
      const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      let out: tf.TensorInfo;
      const sameBatchDims =
        batchA === batchB &&
        a.shape.length === b.shape.length &&
        a.dtype === "float32" &&
        b.dtype === "float32";
      const work = a.shape[a.shape.length - 2] * a.shape[a.shape.length - 1] * b.shape[b.shape.length - 1];
      // Many tiny products (e.g. [B,1,K]·[B,K,A]) stay with the stock loop; a few large ones are split.
      if (batchA > 1 && sameBatchDims && batchA <= 64 && work >= 4096) {
        out = batchedProduct(be, orig, backend, plain, a, b, batchA, temps);
      } else {
        out = orig.kernelFunc({ inputs: { a, b }, backend, attrs: plain }) as tf.TensorInfo;
      }
      for (const t of temps) be.disposeData(t.dataId);
      return out;
    },
  };
}

/** Matrices at least this large are transposed by blockedTranspose (smaller ones: tfjs's kernel is as fast). */
const BLOCKED_TRANSPOSE_MIN = 16384;
const TILE = 16;

/**
 * The transpose of a large 2-D float32 matrix, tile by tile so that reads and writes both stay within a few
 * cache lines (tfjs-wasm's Transpose writes with the full row stride: 4.5 ms for the crop layer's [512, 900]
 * activations against 1.1 ms here, measured side by side). Null for anything else. A pure copy: the result
 * is bit-identical to tfjs's.
 */
function blockedTranspose(be: WasmBackendLike, t: tf.TensorInfo): tf.TensorInfo | null {
  if (t.shape.length !== 2 || t.dtype !== "float32") return null;
  const [r, c] = t.shape;
  if (r * c < BLOCKED_TRANSPOSE_MIN) return null;
  const out = be.makeOutput([c, r], "float32");
  // Views after the allocation (it can grow the heap and detach older views).
  const src = be.typedArrayFromHeap(t);
  const dst = be.typedArrayFromHeap(out);
  for (let i0 = 0; i0 < r; i0 += TILE) {
    const i1 = Math.min(r, i0 + TILE);
    for (let j0 = 0; j0 < c; j0 += TILE) {
      const j1 = Math.min(c, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const o = i * c;
        for (let j = j0; j < j1; j++) dst[j * r + i] = src[o + j];
      }
    }
  }
  return out;
}

function batchedProduct(
  be: WasmBackendLike,
  orig: tf.KernelConfig,
  backend: unknown,
  attrs: tf.NamedAttrMap,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  batch: number,
  temps: tf.TensorInfo[],
): tf.TensorInfo {
  const r = a.shape.length;
  const [m, k] = [a.shape[r - 2], a.shape[r - 1]];
  const n = b.shape[r - 1];
  const out = be.makeOutput([...a.shape.slice(0, -2), m, n], "float32");
  const a2 = be.makeOutput([m, k], "float32");
  temps.push(a2);
  for (let i = 0; i < batch; i++) {
    // A fresh right operand each time: tfjs-wasm caches XNNPACK's packed weights by the right operand's id.
    const b2 = be.makeOutput([k, n], "float32");
    // Views are taken after every allocation (an allocation can grow the heap and detach older views).
    be.typedArrayFromHeap(a2).set(be.typedArrayFromHeap(a).subarray(i * m * k, (i + 1) * m * k));
    be.typedArrayFromHeap(b2).set(be.typedArrayFromHeap(b).subarray(i * k * n, (i + 1) * k * n));
    const o2 = orig.kernelFunc({
      inputs: { a: a2, b: b2 },
      backend: backend as tf.KernelBackend,
      attrs,
    }) as tf.TensorInfo;
    be.typedArrayFromHeap(out).set(be.typedArrayFromHeap(o2), i * m * n);
    be.disposeData(o2.dataId);
    be.disposeData(b2.dataId);
  }
  return out;
}

/** Products per batch entry below this many multiply-adds run in JS (when there are many of them). */
const TINY = 2048;

/** Many small products [.., m, k]·[.., k, n] (same batch dims or one side unbatched) in simd.wat; else null. */
function tinyBatched(
  be: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  tA: boolean,
  tB: boolean,
): tf.TensorInfo | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 3 || a.dtype !== "float32" || b.dtype !== "float32") return null;
  const m = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batch = Math.max(batchA, batchB);
  if (batch <= 64 || m * k * n > TINY) return null;
  if (!(batchA === batchB || batchA === 1 || batchB === 1)) return null;
  if (batchA === batchB && ra !== rb) return null;
  const outShape = [...(batchA >= batchB ? a.shape : b.shape).slice(0, -2), m, n];
  const out = be.makeOutput(outShape, "float32");
  // Strides of A[i, p] and B[p, j] inside one batch entry.
  const [ai, ap] = tA ? [1, m] : [k, 1];
  const [bp, bj] = tB ? [1, k] : [n, 1];
  const sa = batchA === 1 ? 0 : m * k;
  const sb = batchB === 1 ? 0 : k * n;
  const w = simd();
  const pa = w.putF(be.typedArrayFromHeap(a));
  const pb = w.putF(be.typedArrayFromHeap(b));
  const po = w.alloc(batch * m * n);
  w.fn.bmm_strided(batch, m, k, n, pa, sa, ai, ap, pb, sb, bp, bj, po);
  be.typedArrayFromHeap(out).set(w.viewF(po, batch * m * n));
  return out;
}

/** Aᵀ·B products with at least this many multiply-adds run in gemm_tn (smaller ones: the general path). */
const GEMM_TN_MIN = 1 << 16;

/**
 * A float32 Aᵀ·B (every weight gradient Xᵀ·dY of the backward pass, and the expert stack's batched ones) in
 * simd.wat's gemm_tn, which reads A in its stored layout: no transposed copy of the activations, then a product;
 * the last rows that do not fill its 4 × 8 tiles go to bmm_strided. Both sum over the inner dimension
 * in order with a separate multiply and add, as XNNPACK does, so the result is bit-identical to the
 * transpose-then-product path (test/model/simd.test.ts). 2-D, or batched with the same batch dims on both
 * sides; null for anything else.
 */
function transposedLeft(
  be: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  tA: boolean,
  tB: boolean,
): tf.TensorInfo | null {
  const r = a.shape.length;
  if (!tA || tB || r < 2 || b.shape.length !== r) return null;
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  for (let d = 0; d < r - 2; d++) if (a.shape[d] !== b.shape[d]) return null;
  const [k, m] = a.shape.slice(-2);
  const n = b.shape[r - 1];
  const batch = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  // Fewer than 8 columns would be mostly padding (e.g. [512, 32]ᵀ·[512, 4]: the old path is faster).
  if (b.shape[r - 2] !== k || n < 8 || m * k * n < GEMM_TN_MIN) return null;
  const m4 = m & ~3;
  // B's rows are padded with zeros to a multiple of 8 columns: every column then runs in 4 × 8 tiles, and the
  // padding columns of the output (each a sum of zeros) are dropped; the others do not depend on them.
  const np = (n + 7) & ~7;
  const out = be.makeOutput([...a.shape.slice(0, -2), m, n], "float32");
  const w = simd();
  const A0 = w.putF(be.typedArrayFromHeap(a));
  const B0 = w.alloc(batch * k * np);
  const O0 = w.alloc(batch * m * np);
  const bSrc = be.typedArrayFromHeap(b);
  const bDst = w.viewF(B0, batch * k * np);
  if (np === n) bDst.set(bSrc);
  else {
    for (let row = 0; row < batch * k; row++) {
      bDst.set(bSrc.subarray(row * n, row * n + n), row * np);
      bDst.fill(0, row * np + n, row * np + np);
    }
  }
  for (let t = 0; t < batch; t++) {
    const pa = A0 + t * k * m * 4;
    const pb = B0 + t * k * np * 4;
    const po = O0 + t * m * np * 4;
    if (m4 > 0) w.fn.gemm_tn(m4, k, np, np, pa, m, pb, po);
    // Rows m4..m (fewer than a tile) in order too.
    if (m4 < m) w.fn.bmm_strided(1, m - m4, k, np, pa + m4 * 4, 0, 1, m, pb, 0, np, 1, po + m4 * np * 4);
  }
  const res = w.viewF(O0, batch * m * np);
  const dst = be.typedArrayFromHeap(out);
  if (np === n) dst.set(res);
  else for (let row = 0; row < batch * m; row++) dst.set(res.subarray(row * np, row * np + n), row * n);
  return out;
}
