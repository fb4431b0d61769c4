/**
 * Gradient definitions. tfjs-core's published bundles register no gradients (the @tensorflow/tfjs umbrella
 * adds them from ESM-only files), so with tfjs-core alone every backward pass fails with "gradient function
 * not found". We register our own for the kernels this project uses (model and losses), and only where no
 * gradient is registered yet. Each is checked against finite differences in test/model.
 */
import * as tf from "@tensorflow/tfjs-core";

type Saved = tf.Tensor[];
type Attrs = Record<string, unknown>;
type GradFn = (dy: tf.Tensor, saved: Saved, attrs: Attrs) => Record<string, () => tf.Tensor>;

/** Sums a broadcast gradient back to the input's shape. */
export function reduceTo(dy: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const r = dy.rank;
  const q = shape.length;
  const axes: number[] = [];
  for (let i = 0; i < r; i++) {
    const j = i - (r - q);
    if (j < 0 || (shape[j] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? tf.sum(dy, axes) : dy;
  return tf.reshape(s, shape as number[]);
}

function normAxes(axis: unknown, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const arr = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return arr.map((a) => (a < 0 ? a + rank : a));
}

/** dy of a reduction, broadcast back to x's shape. */
function unreduce(dy: tf.Tensor, x: tf.Tensor, axes: number[]): tf.Tensor {
  const kshape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, kshape), tf.onesLike(x));
}

const f32 = (t: tf.Tensor) => tf.cast(t, "float32");

/**
 * The two gradients of a (batch) matmul as thunks: tfjs calls only the thunks of inputs that lead back to a
 * variable (the backprop tape prunes the rest), so a data input's gradient (e.g. the first layer's dX) is never
 * computed. Each is the plain product with the transposes folded into the flags (no transpose is materialised
 * here); batch dims broadcast in the product are summed back.
 */
function matMulGrads(
  a: tf.Tensor,
  b: tf.Tensor,
  dy: tf.Tensor,
  tA: boolean,
  tB: boolean,
): { a: () => tf.Tensor; b: () => tf.Tensor } {
  const mm = (x: tf.Tensor, y: tf.Tensor, t1: boolean, t2: boolean) => tf.matMul(x, y, t1, t2);
  const da = () => {
    if (!tA) return tB ? mm(dy, b, false, false) : mm(dy, b, false, true);
    return tB ? mm(b, dy, true, true) : mm(b, dy, false, true);
  };
  const db = () => {
    if (!tB) return tA ? mm(a, dy, false, false) : mm(a, dy, true, false);
    return tA ? mm(dy, a, true, true) : mm(dy, a, true, false);
  };
  return { a: () => reduceTo(da(), a.shape), b: () => reduceTo(db(), b.shape) };
}

interface Def {
  inputsToSave?: string[];
  outputsToSave?: boolean[];
  saveAllInputs?: boolean;
  gradFunc: GradFn;
}

const DEFS: Record<string, Def> = {
  [tf.Add]: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => ({ a: () => reduceTo(dy, a.shape), b: () => reduceTo(dy, b.shape) }),
  },
  [tf.AddN]: {
    saveAllInputs: true,
    gradFunc: (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => tf.clone(dy)])),
  },
  [tf.Sub]: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => ({ a: () => reduceTo(dy, a.shape), b: () => reduceTo(tf.neg(dy), b.shape) }),
  },
  [tf.Multiply]: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.mul(dy, f32(b)), a.shape),
      b: () => reduceTo(tf.mul(dy, f32(a)), b.shape),
    }),
  },
  [tf.RealDiv]: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.div(dy, b), a.shape),
      b: () => reduceTo(tf.neg(tf.div(tf.mul(dy, a), tf.square(b))), b.shape),
    }),
  },
  [tf.Neg]: { gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
  [tf.Identity]: { gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  [tf.Cast]: { gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  [tf.BatchMatMul]: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b], attrs) => matMulGrads(a, b, dy, !!attrs.transposeA, !!attrs.transposeB),
  },
  [tf.Relu]: { inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, f32(tf.greater(x, 0))) }) },
  [tf.LeakyRelu]: {
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => ({
      x: () => tf.where(tf.greater(x, 0), dy, tf.mul(dy, attrs.alpha as number)),
    }),
  },
  [tf.Exp]: { outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, y) }) },
  [tf.Log]: { inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, f32(x)) }) },
  [tf.Log1p]: { inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, tf.add(x, 1)) }) },
  [tf.Sqrt]: { inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, tf.mul(2, tf.sqrt(x))) }) },
  [tf.Rsqrt]: {
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.neg(tf.div(dy, tf.mul(2, tf.mul(x, tf.sqrt(x))))) }),
  },
  [tf.Square]: { inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(2, x)) }) },
  [tf.SquaredDifference]: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const d = () => tf.mul(dy, tf.mul(2, tf.sub(a, b)));
      return { a: () => reduceTo(d(), a.shape), b: () => reduceTo(tf.neg(d()), b.shape) };
    },
  },
  [tf.Abs]: { inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.sign(f32(x))) }) },
  [tf.Tanh]: {
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, tf.sub(1, tf.square(y))) }),
  },
  [tf.Sigmoid]: {
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, tf.mul(y, tf.sub(1, y))) }),
  },
  [tf.Sum]: {
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => ({ x: () => unreduce(dy, x, normAxes(attrs.axis, x.rank)) }),
  },
  [tf.Mean]: {
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const axes = normAxes(attrs.axis, x.rank);
      const n = axes.reduce((p, a) => p * x.shape[a], 1);
      return { x: () => tf.div(unreduce(dy, x, axes), n) };
    },
  },
  [tf.Reshape]: { inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }) },
  [tf.ExpandDims]: {
    inputsToSave: ["input"],
    gradFunc: (dy, [x]) => ({ input: () => tf.reshape(dy, x.shape) }),
  },
  [tf.Pack]: {
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const parts = tf.unstack(dy, normAxes(attrs.axis, dy.rank)[0]);
      return Object.fromEntries(saved.map((_, i) => [String(i), () => parts[i]]));
    },
  },
  [tf.ZerosLike]: { gradFunc: (dy) => ({ x: () => tf.zerosLike(dy) }) },
  [tf.OnesLike]: { gradFunc: (dy) => ({ x: () => tf.zerosLike(dy) }) },
  [tf.Transpose]: {
    gradFunc: (dy, _s, attrs) => {
      const perm = attrs.perm as number[];
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return { x: () => tf.transpose(dy, inv) };
    },
  },
  [tf.Concat]: {
    saveAllInputs: true,
    // One slice per input, computed only for the inputs that need a gradient (tfjs calls only those thunks);
    // a SplitV of every part costs more on wasm (e.g. the visual stream's [crop, blstats, inventory] input).
    gradFunc: (dy, saved, attrs) => {
      const axis = normAxes(attrs.axis, dy.rank)[0];
      let start = 0;
      return Object.fromEntries(
        saved.map((t, i) => {
          const begin = dy.shape.map((_, d) => (d === axis ? start : 0));
          const size = t.shape.slice();
          start += t.shape[axis];
          return [String(i), () => tf.slice(dy, begin, size)];
        }),
      );
    },
  },
  [tf.Slice]: {
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const begin = attrs.begin as number[];
      const pads: [number, number][] = x.shape.map((d, i) => [begin[i], d - begin[i] - dy.shape[i]]);
      return { x: () => tf.pad(dy, pads) };
    },
  },
  [tf.Softmax]: {
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => {
      const dim = normAxes(attrs.dim ?? -1, y.rank);
      return { logits: () => tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), dim, true))) };
    },
  },
  [tf.Select]: {
    inputsToSave: ["condition"],
    gradFunc: (dy, [c]) => ({
      condition: () => tf.zerosLike(f32(c)),
      t: () => tf.mul(dy, f32(c)),
      e: () => tf.mul(dy, f32(tf.logicalNot(c))),
    }),
  },
  [tf.Minimum]: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.mul(dy, f32(tf.lessEqual(a, b))), a.shape),
      b: () => reduceTo(tf.mul(dy, f32(tf.greater(a, b))), b.shape),
    }),
  },
  [tf.Maximum]: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.mul(dy, f32(tf.greaterEqual(a, b))), a.shape),
      b: () => reduceTo(tf.mul(dy, f32(tf.less(a, b))), b.shape),
    }),
  },
  [tf.ClipByValue]: {
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => ({
      x: () =>
        tf.mul(
          dy,
          f32(
            tf.logicalAnd(
              tf.greaterEqual(x, attrs.clipValueMin as number),
              tf.lessEqual(x, attrs.clipValueMax as number),
            ),
          ),
        ),
    }),
  },
  // Piecewise constant: no gradient (the switch load balance counts argmax shares inside the loss).
  [tf.ArgMax]: {
    inputsToSave: ["x"],
    gradFunc: (_dy, [x]) => ({ x: () => tf.zerosLike(x) }),
  },
  [tf.OneHot]: {
    inputsToSave: ["indices"],
    gradFunc: (_dy, [indices]) => ({ indices: () => tf.zerosLike(f32(indices)) }),
  },
  [tf.GatherV2]: {
    inputsToSave: ["x", "indices"],
    gradFunc: (dy, [x, indices], attrs) => {
      const axis = normAxes(attrs.axis ?? 0, x.rank)[0];
      if (axis !== 0 || ((attrs.batchDims as number) ?? 0) !== 0)
        throw new Error("gather gradient: only axis 0 without batchDims is supported");
      const flatIdx = tf.reshape(indices, [-1]) as tf.Tensor1D;
      const rows = tf.reshape(dy, [flatIdx.shape[0], ...x.shape.slice(1)]);
      return {
        x: () => tf.unsortedSegmentSum(rows, flatIdx, x.shape[0]),
        indices: () => tf.zerosLike(f32(indices)),
      };
    },
  },
};

let done = false;

/** Registers our gradients for every kernel that has none yet (idempotent). */
export function registerGradients(): void {
  if (done) return;
  done = true;
  for (const [kernelName, d] of Object.entries(DEFS)) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: d.inputsToSave,
      outputsToSave: d.outputsToSave,
      saveAllInputs: d.saveAllInputs,
      gradFunc: d.gradFunc as unknown as tf.GradFunc,
    });
  }
}
