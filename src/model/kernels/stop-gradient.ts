/** tfjs has no stopGradient op: identity forward, zero gradient. */
import * as tf from "@tensorflow/tfjs-core";
import { customOp } from "./js-kernel.js";

const stop = customOp(([x]) => ({
  value: tf.clone(x),
  gradFunc: (dy) => tf.zerosLike(dy),
}));

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
