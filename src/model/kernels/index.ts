/** Our kernel module: fills the gaps of tfjs-wasm for training and speeds up the hot paths (see docs/model.md). */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendName } from "./js-kernel.js";
import type { JsKernel } from "./js-kernel.js";
import { registerJsKernel } from "./js-kernel.js";
import { unsortedSegmentSumKernel } from "./segment-sum.js";
import { wasmGatherOverride, wasmIdentityOverride } from "./gather.js";
import { wasmBatchMatMulOverride } from "./batch-matmul.js";
import { wasmSliceOverride } from "./slice.js";
import { EDGE_KERNELS } from "./edge-ops.js";
import { ROUTING_KERNELS } from "./routing-kernels.js";
import { registerGradients } from "./gradients.js";
import { ATTEND_KERNELS } from "./attend.js";
import { LAYER_NORM_KERNELS } from "./layer-norm.js";
import { GATHER_SUM_KERNELS } from "./gather-sum.js";
import { PACK_KERNELS, registerPackGradient } from "./pack.js";

export { gather0, gatherRows } from "./gather.js";
export { segsum0 } from "./segment-sum.js";
export { stopGradient } from "./stop-gradient.js";
export { gatLogits, edgeSoftmax, edgeAggregate } from "./edge-ops.js";
export type { EdgeIndex } from "./edge-ops.js";
export type { BackendName } from "./js-kernel.js";
export { attend } from "./attend.js";
export type { AttendIndex, AttendStats } from "./attend.js";
export { layerNormFused, LN_EPS } from "./layer-norm.js";
export type { LayerNormOpts } from "./layer-norm.js";
export { gatherSum } from "./gather-sum.js";
export { unpack } from "./pack.js";
export type { PackLayout } from "./pack.js";

const registered = new Set<BackendName>();
/** Stock kernels we replaced, kept so tests can compare against them. */
const stock = new Map<string, tf.KernelConfig>();

export function stockKernel(name: string, backend: BackendName): tf.KernelConfig | undefined {
  return stock.get(`${name}/${backend}`);
}

function replace(cfg: tf.KernelConfig): void {
  const prev = tf.getKernel(cfg.kernelName, cfg.backendName);
  if (prev) {
    if (!stock.has(`${cfg.kernelName}/${cfg.backendName}`))
      stock.set(`${cfg.kernelName}/${cfg.backendName}`, prev);
    tf.unregisterKernel(cfg.kernelName, cfg.backendName);
  }
  tf.registerKernel(cfg);
}

/** Runs fn with the stock kernel temporarily restored (tests compare our kernels against it). */
export function withStockKernel<T>(name: string, backend: BackendName, fn: () => T): T {
  const orig = stock.get(`${name}/${backend}`);
  const ours = tf.getKernel(name, backend);
  if (!orig || !ours) return fn();
  tf.unregisterKernel(name, backend);
  tf.registerKernel(orig);
  try {
    return fn();
  } finally {
    tf.unregisterKernel(name, backend);
    tf.registerKernel(ours);
  }
}

/** Registers our kernels for a backend (idempotent). Call before the backend is first initialised. */
export function registerKernels(backend: BackendName): void {
  registerGradients();
  registerPackGradient();
  if (registered.has(backend)) return;
  registered.add(backend);
  const prevSeg = tf.getKernel(tf.UnsortedSegmentSum, backend);
  if (prevSeg) stock.set(`${tf.UnsortedSegmentSum}/${backend}`, prevSeg);
  registerJsKernel(unsortedSegmentSumKernel, backend);
  const ours = [
    ...EDGE_KERNELS,
    ...ROUTING_KERNELS,
    ...ATTEND_KERNELS,
    ...LAYER_NORM_KERNELS,
    ...GATHER_SUM_KERNELS,
    ...PACK_KERNELS,
  ] as JsKernel<unknown>[];
  for (const k of ours) registerJsKernel(k, backend);
  if (backend === "wasm") {
    const gather = tf.getKernel(tf.GatherV2, "wasm");
    const bmm = tf.getKernel(tf.BatchMatMul, "wasm");
    const transpose = tf.getKernel(tf.Transpose, "wasm");
    const identity = tf.getKernel(tf.Identity, "wasm");
    const slice = tf.getKernel(tf.Slice, "wasm");
    if (!gather || !bmm || !transpose || !identity || !slice)
      throw new Error("tfjs-backend-wasm kernels are not registered (import order?)");
    replace(wasmGatherOverride(gather));
    replace(wasmBatchMatMulOverride(bmm, transpose));
    replace(wasmIdentityOverride(identity));
    replace(wasmSliceOverride(slice));
  }
}
