/** Named trainable parameters of a policy (logical names are ours; tfjs variable names stay auto-unique). */
import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../util/errors.js";

export interface NamedArray {
  shape: number[];
  values: Float32Array;
}

export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();

  add(name: string, shape: number[], values: Float32Array): tf.Variable {
    if (this.vars.has(name)) throw new Error(`duplicate parameter name ${name}`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (values.length !== n)
      throw new Error(`parameter ${name}: ${values.length} values for shape [${shape}]`);
    const v = tf.variable(tf.tensor(values, shape, "float32"), true);
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  getWeights(): Map<string, NamedArray> {
    const out = new Map<string, NamedArray>();
    for (const [name, v] of this.vars)
      out.set(name, { shape: [...v.shape], values: v.dataSync() as Float32Array });
    return out;
  }

  /** Assigns every parameter; all names and shapes are checked before anything is written. */
  setWeights(weights: Map<string, NamedArray>): void {
    for (const [name, v] of this.vars) {
      const w = weights.get(name);
      if (!w)
        throw new InvalidArgumentError("weights", `missing tensor ${name}`, `a value of shape [${v.shape}]`);
      if (!sameShape(w.shape, v.shape) || w.values.length !== v.size) {
        throw new InvalidArgumentError(`shape of tensor ${name}`, `[${w.shape}]`, `[${v.shape}]`);
      }
    }
    for (const name of weights.keys()) {
      if (!this.vars.has(name))
        throw new InvalidArgumentError("weights", `unknown tensor ${name}`, "only this policy's tensors");
    }
    for (const [name, v] of this.vars) {
      const w = weights.get(name)!;
      tf.tidy(() => v.assign(tf.tensor(w.values, v.shape, "float32")));
    }
  }

  numParams(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
