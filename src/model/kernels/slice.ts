/**
 * wasm Slice reads its input with readSync, which copies the WHOLE input out of the wasm heap before copying
 * the slice (e.g. every part of a Concat gradient copied the full gradient). This override copies the slice
 * straight from a heap view (rows of the innermost dimension), for numeric and bool tensors of rank ≤ 4.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Arr } from "./js-kernel.js";

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Arr;
}

export function wasmSliceOverride(orig: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Slice,
    backendName: "wasm",
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
      const rank = x.shape.length;
      if (x.dtype === "string" || rank === 0 || rank > 4) return orig.kernelFunc(args);
      const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
      const be = args.backend as unknown as WasmBackendLike;
      const out = be.makeOutput(s, x.dtype);
      const o = be.typedArrayFromHeap(out);
      const v = be.typedArrayFromHeap(x);
      const shape = [1, 1, 1, 1].concat(x.shape).slice(-4);
      const b4 = [0, 0, 0, 0].concat(b).slice(-4);
      const s4 = [1, 1, 1, 1].concat(s).slice(-4);
      const st = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3]];
      let k = 0;
      const w = s4[3];
      for (let i = 0; i < s4[0]; i++)
        for (let j = 0; j < s4[1]; j++)
          for (let l = 0; l < s4[2]; l++) {
            const from = (b4[0] + i) * st[0] + (b4[1] + j) * st[1] + (b4[2] + l) * st[2] + b4[3];
            o.set(v.subarray(from, from + w), k);
            k += w;
          }
      return out;
    },
  };
}
