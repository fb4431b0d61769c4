/**
 * O(n) UnsortedSegmentSum. wasm has no such kernel at all (and it is the gradient of gather), and the cpu
 * backend's is O(numSegments × size). Negative or out-of-range ids are dropped, as in TensorFlow.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { JsKernel } from "./js-kernel.js";
import { customOp, sizeOf } from "./js-kernel.js";
import { simd } from "./simd.js";

interface Attrs {
  numSegments: number;
}

export const unsortedSegmentSumKernel: JsKernel<Attrs> = {
  name: tf.UnsortedSegmentSum,
  inputs: ["x", "segmentIds"],
  outputs([x, ids], { numSegments }) {
    return [
      {
        shape: [numSegments, ...x.shape.slice(ids.shape.length)],
        dtype: x.dtype === "int32" ? "int32" : "float32",
      },
    ];
  },
  run([x, ids], [xi], { numSegments }, [out]) {
    const rows = ids.length;
    const inner = rows === 0 ? sizeOf(xi.shape.slice(1)) : x.length / rows;
    if (x instanceof Float32Array && inner % 4 === 0 && ids instanceof Int32Array && rows > 0) {
      let inRange = true;
      for (let r = 0; r < rows; r++) if (!(ids[r] >= 0 && ids[r] < numSegments)) inRange = false;
      if (inRange) {
        const m = simd();
        const po = m.zeros(numSegments * inner);
        m.fn.scatter_add(rows, inner, m.putI(ids), m.putF(x), po);
        out.set(m.viewF(po, numSegments * inner));
        return;
      }
    }
    out.fill(0);
    for (let r = 0; r < rows; r++) {
      const s = ids[r];
      if (s < 0 || s >= numSegments) continue;
      const o = s * inner;
      const xo = r * inner;
      for (let d = 0; d < inner; d++) out[o + d] += x[xo + d];
    }
  },
};

/** Row sums per segment: out[s] = Σ_{r: ids[r]=s} x[r]. Gradient: gather (see gather0), not the stock gatherDropNegatives. */
export function segsum0(x: tf.Tensor, ids: Int32Array, numSegments: number): tf.Tensor {
  const f = customOp(([xx]) => {
    const idsT = tf.tensor1d(ids, "int32");
    const value = tf.unsortedSegmentSum(xx, idsT, numSegments);
    idsT.dispose();
    return {
      value,
      gradFunc: (dy) => {
        const safe = clampIds(ids, numSegments);
        const idsG = tf.tensor1d(safe.ids, "int32");
        let g = tf.gather(dy, idsG);
        if (safe.dropped) {
          const keep = tf.tensor(safe.keep, [ids.length, ...new Array(x.rank - 1).fill(1)], "float32");
          g = tf.mul(g, keep);
        }
        return g;
      },
    };
  });
  return f(x);
}

function clampIds(ids: Int32Array, n: number): { ids: Int32Array; keep: Float32Array; dropped: boolean } {
  let dropped = false;
  for (let i = 0; i < ids.length; i++) if (ids[i] < 0 || ids[i] >= n) dropped = true;
  if (!dropped) return { ids, keep: new Float32Array(0), dropped };
  const out = new Int32Array(ids.length);
  const keep = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const ok = ids[i] >= 0 && ids[i] < n;
    out[i] = ok ? ids[i] : 0;
    keep[i] = ok ? 1 : 0;
  }
  return { ids: out, keep, dropped };
}
