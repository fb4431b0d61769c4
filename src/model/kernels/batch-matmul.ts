/**
 * wasm BatchMatMul with transposeA/transposeB leaves XNNPACK's fast path (1-3 GFLOPS against 30-40).
 * Every backward matmul is transposed, so transpose explicitly first and run the plain product.
 */
import * as tf from "@tensorflow/tfjs-core";

interface WasmBackendLike {
  disposeData(id: tf.DataId): void;
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
      if (!transposeA && !transposeB) return orig.kernelFunc(args);
      const be = backend as unknown as WasmBackendLike;
      const temps: tf.TensorInfo[] = [];
      const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
        const r = t.shape.length;
        const perm = Array.from({ length: r }, (_, i) => i);
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        const out = transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
        temps.push(out);
        return out;
      };
      const a = transposeA ? swapLast(inputs.a as tf.TensorInfo) : (inputs.a as tf.TensorInfo);
      const b = transposeB ? swapLast(inputs.b as tf.TensorInfo) : (inputs.b as tf.TensorInfo);
      const out = orig.kernelFunc({
        inputs: { a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
      for (const t of temps) be.disposeData(t.dataId);
      return out;
    },
  };
}
