/**
 * Sum of embedding lookups, one kernel each way (JS, both backends):
 *   out[i] = Σ_t table_t[idx_t[i]]          (rows of width E; up to 3 tables)
 *   dtable_t[j] = Σ_{i: idx_t[i] = j} dout[i]
 * Replaces gather + gather + add (and their segment-sum gradients): the visual stream's glyph class + hashed id
 * embeddings over B × 225 cells, and the GAT's type + activation + identity embeddings.
 */
import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../../util/index.js";
import type { JsKernel } from "./js-kernel.js";
import { customOp, runKernel } from "./js-kernel.js";
import { simd } from "./simd.js";

export const GATHER_SUM = "TedgGatherSum";
export const GATHER_SUM_GRAD = "TedgGatherSumGrad";

interface Attrs {
  idx: Int32Array[];
  /** Indices known to be in range (built by our own code): skip the check. */
  trusted: boolean;
}

export const gatherSumKernel: JsKernel<Attrs> = {
  name: GATHER_SUM,
  inputs: ["t0", "t1", "t2"],
  outputs(infos, { idx }) {
    return [{ shape: [idx[0].length, infos[0].shape[1]], dtype: "float32" }];
  },
  run(tables, infos, { idx, trusted }, [out]) {
    const E = infos[0].shape[1];
    const n = idx[0].length;
    if (E % 4 === 0) {
      const m = simd();
      const po = m.zeros(n * E);
      tables.forEach((t, ti) => {
        if (!trusted) checkRange(idx[ti], infos[ti].shape[0]);
        m.fn.gather_add(n, E, m.putI(idx[ti]), m.putF(t), po);
      });
      out.set(m.viewF(po, n * E));
      return;
    }
    out.fill(0);
    tables.forEach((t, ti) => {
      const ix = idx[ti];
      const rows = infos[ti].shape[0];
      for (let i = 0; i < n; i++) {
        const r = ix[i];
        if (!(r >= 0 && r < rows)) throw new InvalidArgumentError("embedding index", r, `in [0, ${rows})`);
        const s = r * E;
        const o = i * E;
        for (let e = 0; e < E; e++) out[o + e] += t[s + e];
      }
    });
  },
};

export const gatherSumGradKernel: JsKernel<Attrs> = {
  name: GATHER_SUM_GRAD,
  inputs: ["dy", "t0", "t1", "t2"],
  outputs(infos) {
    return infos.slice(1).map((t) => ({ shape: [...t.shape], dtype: "float32" as const }));
  },
  run([dy], infos, { idx }, outs) {
    const E = infos[0].shape[1];
    if (E % 4 === 0) {
      const m = simd();
      const pdy = m.putF(dy);
      const n = idx[0].length;
      const ps = outs.map((d, ti) => {
        const p = m.zeros(d.length);
        m.fn.scatter_add(n, E, m.putI(idx[ti]), pdy, p);
        return p;
      });
      outs.forEach((d, ti) => d.set(m.viewF(ps[ti], d.length)));
      return;
    }
    outs.forEach((d, ti) => {
      d.fill(0);
      const ix = idx[ti];
      for (let i = 0; i < ix.length; i++) {
        const s = ix[i] * E;
        const o = i * E;
        for (let e = 0; e < E; e++) d[s + e] += dy[o + e];
      }
    });
  },
};

function checkRange(ix: Int32Array, rows: number): void {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < ix.length; i++) {
    const r = ix[i];
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  if (lo < 0 || hi >= rows)
    throw new InvalidArgumentError("embedding index", lo < 0 ? lo : hi, `in [0, ${rows})`);
}

export const GATHER_SUM_KERNELS = [gatherSumKernel, gatherSumGradKernel] as const;

/**
 * Σ_t tables[t][idx[t]] → [n, E]; every table is [rows_t, E] and every idx has the same length n. Indices are
 * range-checked unless `trusted`.
 */
export function gatherSum(tables: tf.Tensor2D[], idx: Int32Array[], trusted = false): tf.Tensor2D {
  if (tables.length < 1 || tables.length > 3 || idx.length !== tables.length)
    throw new Error("gatherSum: 1 to 3 tables, one index array each");
  const E = tables[0].shape[1];
  for (let t = 0; t < tables.length; t++) {
    if (tables[t].shape[1] !== E) throw new Error("gatherSum: tables differ in width");
    if (idx[t].length !== idx[0].length) throw new Error("gatherSum: index arrays differ in length");
  }
  const attrs: Attrs = { idx, trusted };
  const named = (ts: tf.Tensor[]) => Object.fromEntries(ts.map((t, i) => [`t${i}`, t]));
  const f = customOp((ts, save) => {
    save(ts);
    return {
      value: runKernel<tf.Tensor>(GATHER_SUM, named(ts), attrs),
      gradFunc: (dy, saved) => {
        const g = runKernel<tf.Tensor | tf.Tensor[]>(GATHER_SUM_GRAD, { dy, ...named(saved) }, attrs);
        return Array.isArray(g) ? g : [g];
      },
    };
  });
  return f(...tables) as tf.Tensor2D;
}
