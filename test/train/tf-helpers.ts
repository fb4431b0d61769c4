/** Tensor test setup: the cpu backend with tfjs's gradients registered. */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { ensureGradients } from "../../src/train/index.js";

tf.env().set("IS_TEST", true); // silences the cpu backend's "install tfjs-node" banner
await tf.setBackend("cpu");
await tf.ready();
await ensureGradients();

export { tf };

export function scalar(t: tf.Tensor): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}
