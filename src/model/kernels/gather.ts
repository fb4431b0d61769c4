/**
 * Fast axis-0 GatherV2 for wasm (a plain row copy; the stock wasm kernel is slow on wide rows) and the
 * gather0 wrapper whose gradient is a direct O(n) segment sum.
 */
import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../../util/index.js";
import type { Arr } from "./js-kernel.js";
import { customOp } from "./js-kernel.js";
import { simd } from "./simd.js";

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Arr;
}

/**
 * Copies rows `idx` of x (viewed as [rows, inner]) into out. Throws on an index outside [0, rows). Float rows of
 * a multiple of 4 values go through the SIMD module (simd.wat gather_add), others through the loop below.
 */
export function gatherRows(x: Arr, rows: number, inner: number, idx: Arr, out: Arr): void {
  const n = idx.length;
  if (
    x instanceof Float32Array &&
    out instanceof Float32Array &&
    inner % 4 === 0 &&
    idx instanceof Int32Array
  ) {
    for (let i = 0; i < n; i++)
      if (!(idx[i] >= 0 && idx[i] < rows))
        throw new InvalidArgumentError("gather index", idx[i], `an integer in [0, ${rows})`);
    const m = simd();
    const po = m.zeros(n * inner);
    m.fn.gather_add(n, inner, m.putI(idx), m.putF(x), po);
    out.set(m.viewF(po, n * inner));
    return;
  }
  // An element loop: per-row subarray()+set() allocates and is slower for the narrow rows we gather.
  for (let i = 0; i < n; i++) {
    const r = idx[i];
    if (r < 0 || r >= rows) throw new InvalidArgumentError("gather index", r, `an integer in [0, ${rows})`);
    const src = r * inner;
    const dst = i * inner;
    for (let d = 0; d < inner; d++) out[dst + d] = x[src + d];
  }
}

/** Wraps the stock wasm GatherV2: axis 0 without batch dims takes the JS row copy, anything else the original. */
export function wasmGatherOverride(orig: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.GatherV2,
    backendName: "wasm",
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const x = inputs.x as tf.TensorInfo;
      const indices = inputs.indices as tf.TensorInfo;
      const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
      const ax = axis < 0 ? axis + x.shape.length : axis;
      if (
        ax !== 0 ||
        (batchDims ?? 0) !== 0 ||
        (x.dtype !== "float32" && x.dtype !== "int32") ||
        x.shape.length === 0
      ) {
        return orig.kernelFunc(args);
      }
      const be = backend as unknown as WasmBackendLike;
      const rows = x.shape[0];
      const innerShape = x.shape.slice(1);
      const inner = innerShape.reduce((a, b) => a * b, 1);
      const out = be.makeOutput([...indices.shape, ...innerShape], x.dtype);
      const outV = be.typedArrayFromHeap(out);
      gatherRows(be.typedArrayFromHeap(x), rows, inner, be.typedArrayFromHeap(indices), outV);
      return out;
    },
  };
}

/** Rows of x at idx (axis 0). Gradient: segment sum of dy into x's rows, with no intermediate masks. */
export function gather0(x: tf.Tensor, idx: Int32Array): tf.Tensor {
  const rows = x.shape[0];
  const f = customOp(([xx]) => {
    const it = tf.tensor1d(idx, "int32");
    const value = tf.gather(xx, it);
    it.dispose();
    return {
      value,
      gradFunc: (dy) => {
        const ig = tf.tensor1d(idx, "int32");
        const g = tf.unsortedSegmentSum(dy, ig, rows);
        ig.dispose();
        return g;
      },
    };
  });
  return f(x);
}

/** wasm Identity copies the data; tensors are immutable (variables swap data ids), so share it instead. */
export function wasmIdentityOverride(orig: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: "wasm",
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === "string") return orig.kernelFunc(args);
      (args.backend as unknown as { incRef(id: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  };
}
