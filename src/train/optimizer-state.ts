/**
 * Adam (tf.train.adam) state as named blobs, for checkpoints and the NaN guard.
 *
 * tfjs's Adam keeps its moments in arrays indexed by the position of each variable in the gradient list
 * passed to applyGradients, so the trainer must always pass the variables in one fixed order
 * (policy.trainableVariables()); the blobs keep that order: "iter", then every first moment ("<var>/m"),
 * then every second moment ("<var>/v"). The iteration count is stored as float32 (exact to 2^24 Adam steps).
 */
import * as tf from "@tensorflow/tfjs-core";
import { FileFormatError, type TensorBlobs } from "../util/index.js";

/** The learning rate is a protected field of tfjs optimizers; the trainer sets it per update. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

export async function saveOptimizerState(optimizer: tf.Optimizer): Promise<TensorBlobs> {
  const weights = await optimizer.getWeights();
  const out: TensorBlobs = new Map();
  for (const w of weights) {
    const data = Float32Array.from(await w.tensor.data());
    out.set(w.name, { shape: [...w.tensor.shape], data });
  }
  weights[0]?.tensor.dispose(); // "iter" is a fresh scalar; the moments are the optimizer's own variables
  return out;
}

/**
 * Replaces the optimizer's state with `blobs` (from saveOptimizerState). With `variables` given, the moment
 * count and shapes are checked against them first. `source` names the file in errors.
 */
export async function loadOptimizerState(
  optimizer: tf.Optimizer,
  blobs: TensorBlobs,
  variables?: readonly tf.Variable[],
  source = "optimizer state",
): Promise<void> {
  const entries = [...blobs.entries()];
  if (entries.length === 0 || entries[0][0] !== "iter" || entries[0][1].data.length !== 1) {
    throw new FileFormatError(source, `must start with the scalar "iter"`);
  }
  const iter = entries[0][1].data[0];
  if (!Number.isInteger(iter) || iter < 0)
    throw new FileFormatError(source, `"iter" = ${iter} is not a step count`);
  const moments = entries.slice(1);
  if (moments.length % 2 !== 0)
    throw new FileFormatError(
      source,
      `has ${moments.length} moment tensors (expected an even count: m then v)`,
    );
  const n = moments.length / 2;
  if (variables && n !== 0 && n !== variables.length) {
    throw new FileFormatError(source, `holds moments for ${n} variables, the policy has ${variables.length}`);
  }
  for (let i = 0; i < n; i++) {
    const [mName, m] = moments[i];
    const [vName, v] = moments[n + i];
    const same = m.shape.length === v.shape.length && m.shape.every((d, j) => d === v.shape[j]);
    if (!same)
      throw new FileFormatError(
        source,
        `moments "${mName}" [${m.shape}] and "${vName}" [${v.shape}] differ in shape`,
      );
    const want = variables?.[i]?.shape;
    if (want && (want.length !== m.shape.length || want.some((d, j) => d !== m.shape[j]))) {
      throw new FileFormatError(
        source,
        `moment "${mName}" has shape [${m.shape}], variable #${i} "${variables?.[i].name}" has [${want}]`,
      );
    }
  }
  const old = await optimizer.getWeights();
  const fresh = entries.map(([name, b], i) => ({
    name,
    tensor: i === 0 ? tf.scalar(iter, "int32") : tf.tensor(b.data, b.shape, "float32"),
  }));
  await optimizer.setWeights(fresh);
  // setWeights wraps the tensors into new variables (sharing data); the old moment variables are now unused.
  tf.dispose(old.map((w) => w.tensor));
  tf.dispose(fresh.map((w) => w.tensor));
}
