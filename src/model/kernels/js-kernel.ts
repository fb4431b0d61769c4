/**
 * Registers kernels written in plain JS on both the wasm and the cpu backend. Inputs are read in place
 * (wasm heap views / cpu value arrays) and outputs are written straight into freshly allocated backend
 * memory, so a JS kernel costs no copies. On wasm, output allocation can grow the heap and detach older
 * views, so all outputs are allocated before any input view is taken.
 */
import * as tf from "@tensorflow/tfjs-core";

export type Arr = Float32Array | Int32Array | Uint8Array;
export type BackendName = "wasm" | "cpu";
export const BACKENDS: readonly BackendName[] = ["wasm", "cpu"];

export interface OutSpec {
  shape: number[];
  dtype: "float32" | "int32";
}

export interface JsKernel<A> {
  name: string;
  /** Input names, in the order `run` receives them; names missing from a call are skipped (optional inputs last). */
  inputs: readonly string[];
  outputs(infos: tf.TensorInfo[], attrs: A): OutSpec[];
  /** Must write every element of every output (wasm memory is not zeroed). */
  run(ins: Arr[], infos: tf.TensorInfo[], attrs: A, outs: Arr[]): void;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Arr;
}
interface CpuBackendLike {
  data: { get(id: tf.DataId): { values: Arr } };
  makeTensorInfo(shape: number[], dtype: string, values: Arr): tf.TensorInfo;
}

function alloc(spec: OutSpec): Arr {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  return spec.dtype === "int32" ? new Int32Array(n) : new Float32Array(n);
}

export function jsKernelFunc<A>(k: JsKernel<A>, backendName: BackendName): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const infos = k.inputs.filter((n) => inputs[n] !== undefined).map((n) => inputs[n] as tf.TensorInfo);
    const a = attrs as unknown as A;
    const specs = k.outputs(infos, a);
    if (backendName === "wasm") {
      const be = backend as unknown as WasmBackendLike;
      const outs = specs.map((s) => be.makeOutput(s.shape, s.dtype));
      const outViews = outs.map((o) => be.typedArrayFromHeap(o));
      const inViews = infos.map((t) => be.typedArrayFromHeap(t));
      k.run(inViews, infos, a, outViews);
      return outs.length === 1 ? outs[0] : outs;
    }
    const be = backend as unknown as CpuBackendLike;
    const inViews = infos.map((t) => be.data.get(t.dataId).values);
    const outViews = specs.map(alloc);
    k.run(inViews, infos, a, outViews);
    const outs = specs.map((s, i) => be.makeTensorInfo(s.shape, s.dtype, outViews[i]));
    return outs.length === 1 ? outs[0] : outs;
  };
}

/** Registers (or re-registers) a JS kernel for a backend. */
export function registerJsKernel<A>(k: JsKernel<A>, backendName: BackendName): void {
  if (tf.getKernel(k.name, backendName)) tf.unregisterKernel(k.name, backendName);
  tf.registerKernel({ kernelName: k.name, backendName, kernelFunc: jsKernelFunc(k, backendName) });
}

/** Runs a kernel by name; attrs may hold typed arrays (our JS kernels read them directly). */
export function runKernel<T extends tf.Tensor | tf.Tensor[]>(
  name: string,
  inputs: tf.NamedTensorMap,
  attrs: object,
): T {
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as T;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export interface CustomOpResult<T extends tf.Tensor> {
  value: T;
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

/** Typed wrapper around tf.customGrad: f receives the input tensors and the save function. */
export function customOp<T extends tf.Tensor = tf.Tensor>(
  f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomOpResult<T>,
): (...xs: tf.Tensor[]) => T {
  const g = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return f(args as tf.Tensor[], save);
  }) as unknown as Parameters<typeof tf.customGrad<T>>[0]);
  return (...xs: tf.Tensor[]) => g(...xs) as T;
}
