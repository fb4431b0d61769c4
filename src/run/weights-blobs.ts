/** Policy weights (model layer's named arrays) ⇄ checkpoint tensor blobs (the tensor file format). */
import type { NamedArray } from "../model/index.js";
import type { TensorBlobs } from "../util/index.js";

export function weightsToBlobs(w: Map<string, NamedArray>): TensorBlobs {
  const out: TensorBlobs = new Map();
  for (const [name, a] of w) out.set(name, { shape: [...a.shape], data: Float32Array.from(a.values) });
  return out;
}

export function blobsToWeights(b: TensorBlobs): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [name, t] of b) out.set(name, { shape: [...t.shape], values: t.data });
  return out;
}
