/** tfjs variables ⇄ named tensor blobs (the tensor file format's in-memory form, util/tensor-file.ts). */
import * as tf from "@tensorflow/tfjs-core";
import { FileFormatError, type TensorBlob, type TensorBlobs } from "../util/index.js";

/** Blobs from variables, keyed by variable name, in the given order. */
export function blobsFromVariables(variables: readonly tf.Variable[]): TensorBlobs {
  const out: TensorBlobs = new Map();
  for (const v of variables)
    out.set(v.name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
  return out;
}

/**
 * Assigns blobs to variables by name; every variable must be present with its exact shape. `source` names
 * the file in errors.
 */
export function assignVariablesFromBlobs(
  variables: readonly tf.Variable[],
  blobs: TensorBlobs,
  source: string,
): void {
  for (const v of variables) {
    const b = blobs.get(v.name);
    if (!b) throw new FileFormatError(source, `has no tensor for variable "${v.name}"`);
    if (b.shape.length !== v.shape.length || b.shape.some((d, i) => d !== v.shape[i])) {
      throw new FileFormatError(
        source,
        `tensor "${v.name}" has shape [${b.shape}], the variable has [${v.shape}]`,
      );
    }
  }
  for (const v of variables) {
    const b = blobs.get(v.name) as TensorBlob;
    tf.tidy(() => v.assign(tf.tensor(b.data, b.shape, "float32")));
  }
}
