/**
 * Named trainable parameters of a policy. By default they are packed into ONE flat tf.Variable (the optimiser,
 * gradient clipping and the trainer's bookkeeping then run a handful of ops on one tensor instead of a handful
 * per parameter); each forward pass starts with `begin()`, which splits the variable into the named tensors
 * with a single differentiable kernel. `packed: false` gives one variable per parameter instead. Either way
 * the logical names, shapes, getWeights/setWeights and the on-disk format are the same.
 */
import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../util/index.js";
import type { PackLayout } from "./kernels/index.js";
import { unpack } from "./kernels/index.js";

export interface NamedArray {
  shape: number[];
  values: Float32Array;
}

/** Handle of one parameter: `.t` is the tensor to use in the current forward pass. */
export class Param {
  constructor(
    private readonly store: ParamStore,
    readonly name: string,
    readonly shape: readonly number[],
    readonly index: number,
  ) {}
  get t(): tf.Tensor {
    return this.store.tensorOf(this.index);
  }
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

export class ParamStore {
  private readonly names: string[] = [];
  private readonly shapes: number[][] = [];
  private readonly offsets: number[] = [];
  private init: Float32Array[] = [];
  private total = 0;
  private flat?: tf.Variable;
  private vars?: tf.Variable[];
  private current?: tf.Tensor[];
  private layoutValue?: PackLayout;
  /** Inference: the split of the flat variable, kept while the variable's data is unchanged. */
  private cached?: { dataId: object; tensors: tf.Tensor[] };

  constructor(readonly packed = true) {}

  add(name: string, shape: number[], values: Float32Array): Param {
    if (this.flat || this.vars) throw new Error(`parameter ${name} added after build()`);
    if (this.names.includes(name)) throw new Error(`duplicate parameter name ${name}`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (values.length !== n)
      throw new Error(`parameter ${name}: ${values.length} values for shape [${shape}]`);
    const p = new Param(this, name, [...shape], this.names.length);
    this.names.push(name);
    this.shapes.push([...shape]);
    this.offsets.push(this.total);
    this.init.push(values);
    this.total += n;
    return p;
  }

  /** Creates the variable(s) from the initial values; call once, after every add(). */
  build(): void {
    if (this.flat || this.vars) return;
    if (this.packed) {
      const all = new Float32Array(this.total);
      this.init.forEach((v, i) => all.set(v, this.offsets[i]));
      this.flat = tf.variable(tf.tensor1d(all), true);
      this.layoutValue = { shapes: this.shapes, offsets: this.offsets, total: this.total };
    } else {
      this.vars = this.init.map((v, i) => tf.variable(tf.tensor(v, this.shapes[i], "float32"), true));
    }
    this.init = [];
  }

  /**
   * Starts a forward pass: (packed) splits the flat variable into this pass's parameter tensors. With
   * `inference` (no gradient needed), the split is reused until the variable changes (an optimiser step or
   * setWeights gives it new data): fewer copies, and XNNPACK keeps its packed weights (cached per tensor).
   */
  begin(inference = false): void {
    this.build();
    if (!this.flat) return;
    if (!inference) {
      this.current = unpack(this.flat, this.layoutValue!);
      return;
    }
    const id = this.flat.dataId as object;
    if (this.cached?.dataId !== id) {
      if (this.cached) tf.dispose(this.cached.tensors);
      const flat = this.flat;
      const tensors = tf.tidy(() => unpack(flat, this.layoutValue!));
      tensors.forEach((t) => tf.keep(t));
      this.cached = { dataId: id, tensors };
    }
    this.current = this.cached.tensors;
  }

  tensorOf(i: number): tf.Tensor {
    if (this.vars) return this.vars[i];
    const t = this.current?.[i];
    if (!t || t.isDisposed)
      throw new Error(`parameter ${this.names[i]} used outside a forward pass (begin())`);
    return t;
  }

  list(): tf.Variable[] {
    this.build();
    return this.flat ? [this.flat] : [...this.vars!];
  }

  /** Logical parameter names and shapes, in order. */
  entries(): [string, number[]][] {
    return this.names.map((n, i) => [n, [...this.shapes[i]]]);
  }

  getWeights(): Map<string, NamedArray> {
    this.build();
    const out = new Map<string, NamedArray>();
    const all = this.flat ? (this.flat.dataSync() as Float32Array) : undefined;
    this.names.forEach((name, i) => {
      const n = this.size(i);
      const values = all
        ? all.slice(this.offsets[i], this.offsets[i] + n)
        : Float32Array.from(this.vars![i].dataSync() as Float32Array);
      out.set(name, { shape: [...this.shapes[i]], values });
    });
    return out;
  }

  /** Assigns every parameter; all names and shapes are checked before anything is written. */
  setWeights(weights: Map<string, NamedArray>): void {
    this.build();
    this.names.forEach((name, i) => {
      const w = weights.get(name);
      const shape = this.shapes[i];
      if (!w)
        throw new InvalidArgumentError("weights", `missing tensor ${name}`, `a value of shape [${shape}]`);
      if (!sameShape(w.shape, shape) || w.values.length !== this.size(i))
        throw new InvalidArgumentError(`shape of tensor ${name}`, `[${w.shape}]`, `[${shape}]`);
    });
    for (const name of weights.keys()) {
      if (!this.names.includes(name))
        throw new InvalidArgumentError("weights", `unknown tensor ${name}`, "only this policy's tensors");
    }
    if (this.flat) {
      const all = new Float32Array(this.total);
      this.names.forEach((name, i) => all.set(weights.get(name)!.values, this.offsets[i]));
      const flat = this.flat;
      tf.tidy(() => flat.assign(tf.tensor1d(all)));
    } else {
      this.names.forEach((name, i) => {
        const v = this.vars![i];
        tf.tidy(() => v.assign(tf.tensor(weights.get(name)!.values, v.shape, "float32")));
      });
    }
  }

  /**
   * Splits gradients (as returned by tf.variableGrads / tf.grads over list()) into named arrays, whichever
   * the layout; parameters without a gradient are left out.
   */
  namedGradients(grads: tf.NamedTensorMap | tf.Tensor[]): Map<string, NamedArray> {
    const vars = this.list();
    const byVar = Array.isArray(grads) ? grads : vars.map((v) => grads[v.name]);
    const out = new Map<string, NamedArray>();
    if (this.flat) {
      const g = byVar[0];
      if (!g) return out;
      const all = g.dataSync() as Float32Array;
      this.names.forEach((name, i) => {
        out.set(name, {
          shape: [...this.shapes[i]],
          values: all.slice(this.offsets[i], this.offsets[i] + this.size(i)),
        });
      });
    } else {
      this.names.forEach((name, i) => {
        const g = byVar[i];
        if (g) out.set(name, { shape: [...this.shapes[i]], values: Float32Array.from(g.dataSync()) });
      });
    }
    return out;
  }

  numParams(): number {
    return this.total;
  }

  dispose(): void {
    if (this.cached) tf.dispose(this.cached.tensors);
    this.cached = undefined;
    this.flat?.dispose();
    this.vars?.forEach((v) => v.dispose());
    this.flat = undefined;
    this.vars = [];
    this.current = undefined;
  }

  private size(i: number): number {
    return this.shapes[i].reduce((a, b) => a * b, 1);
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
