/**
 * Registers tfjs's gradient functions, which training needs and which the Node build of tfjs-core does not
 * include: its CommonJS bundle (what `import "@tensorflow/tfjs-core"` loads in Node) registers kernels'
 * forward functions only; the gradients ship solely as per-file ES modules (dist/register_all_gradients.js
 * and dist/gradients/*), normally pulled in by the @tensorflow/tfjs union package, which is not installed.
 * Without them every tf.grad/variableGrads fails with "gradient function not found for Sum".
 *
 * We load those ES modules through small module hooks (tfjs-esm-hooks.ts). The copy of tfjs-core they bring
 * along shares the engine, kernel/gradient registries and tensor class with the main one (tfjs keeps all
 * of those on a global namespace), so the gradients apply to every tensor. Loading takes ~2 s once per
 * process. Idempotent.
 */
import * as tf from "@tensorflow/tfjs-core";
import { register } from "node:module";

let loading: Promise<void> | undefined;

/** True once the gradient of a basic op is registered (by us or by anyone else). */
function hasGradients(): boolean {
  return tf.getGradient("Sum") !== undefined && tf.getGradient("AddN") !== undefined;
}

export function ensureGradients(): Promise<void> {
  if (hasGradients()) return Promise.resolve();
  loading ??= (async () => {
    register(new URL("./tfjs-esm-hooks.js", import.meta.url));
    // A computed specifier keeps TypeScript from resolving (and type-checking) the deep ES module path.
    const spec = "@tensorflow/tfjs-core/dist/register_all_gradients.js";
    await import(spec);
    if (!hasGradients())
      throw new Error("tfjs gradients could not be registered (register_all_gradients had no effect)");
  })();
  return loading;
}
