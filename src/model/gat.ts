/**
 * Logic stream: a 2-layer (configurable) multi-head GAT over the knowledge hypergraph, evaluated on the
 * deduplicated units of a GatPlan (see gat-plan.ts), then attention pooling over operator and effect nodes
 * → h_logic, and a learned per-operator score head.
 *
 * Node features: type embedding + activation embedding + identity embedding. Each layer:
 *   z = x W;  e_jk,h = LeakyReLU(a_src,h·z_j + a_dst,h·z_i + r_rel,h)  (r: per-relation, per-head logit bias)
 *   α = softmax over the in-edges of i incl. its self-loop;  agg_i = Σ_j mean_h(α_ji,h) z_j + b
 *   x'_i = x_i + ReLU(LN(agg_i))
 * Heads share the value projection W and differ in their attention (a_src, a_dst, r); averaging the heads'
 * outputs is then the same as averaging their attention weights, which keeps edge work at D, not H·D.
 * The edge step (logits, softmax, head mean, weighted sum) is one fused SIMD kernel (kernels/attend.ts) and
 * bias + LayerNorm + ReLU one fused kernel, so a layer is ≈ 6 tensor ops forward.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type Hypergraph, RELATIONS } from "../knowledge/index.js";
import type { Rng } from "../util/index.js";
import { glorotUniform, normal } from "./init.js";
import { attend, gather0, gatherSum } from "./kernels/index.js";
import type { AttendStats } from "./kernels/index.js";
import { Linear, LayerNorm } from "./layers.js";
import type { Param, ParamStore } from "./params.js";
import type { GatPlan, GatStructure } from "./gat-plan.js";
import { buildPlan, buildStructure } from "./gat-plan.js";

export const LEAKY_SLOPE = 0.2;

export interface GatConfig {
  dim: number;
  heads: number;
  layers: number;
  logicDim: number;
}

interface GatLayerParams {
  w: Param;
  aSrc: Param;
  aDst: Param;
  rel: Param;
  bias: Param;
  ln: LayerNorm;
}

export interface GatOutput {
  /** [M, logicDim], one row per distinct mask. */
  hLogic: tf.Tensor2D;
  /** [M, numOperators]. */
  operatorScores: tf.Tensor2D;
  /** Mean attention entropy (nats) of the last layer over attending units and heads (a metric: no gradient). */
  attentionEntropy: tf.Scalar;
  /**
   * [M, operators + effects] weights of the readout's attention pooling (operators first, in graph order);
   * only when asked for (acting/evaluation: what the logic stream attends to in each state).
   */
  readoutAttention?: tf.Tensor2D;
}

export class HypergraphGat {
  readonly st: GatStructure;
  private readonly typeEmb: Param;
  private readonly actEmb: Param;
  private readonly idEmb: Param;
  private readonly layers: GatLayerParams[] = [];
  private readonly poolQuery: Param;
  private readonly read1: Linear;
  private readonly read2: Linear;
  private readonly readLn: LayerNorm;
  private readonly opHead: Linear;

  constructor(
    ps: ParamStore,
    rng: Rng,
    graph: Hypergraph,
    readonly cfg: GatConfig,
  ) {
    const D = cfg.dim;
    const H = cfg.heads;
    this.st = buildStructure(graph, RELATIONS.length);
    this.typeEmb = ps.add("gat.typeEmb", [3, D], normal(rng, 3 * D));
    this.actEmb = ps.add("gat.actEmb", [2, D], normal(rng, 2 * D));
    this.idEmb = ps.add("gat.idEmb", [graph.numNodes, D], normal(rng, graph.numNodes * D));
    for (let l = 0; l < cfg.layers; l++) {
      this.layers.push({
        w: ps.add(`gat.l${l}.w`, [D, D], glorotUniform(rng, D, D)),
        aSrc: ps.add(`gat.l${l}.aSrc`, [D, H], glorotUniform(rng, D, H)),
        aDst: ps.add(`gat.l${l}.aDst`, [D, H], glorotUniform(rng, D, H)),
        rel: ps.add(`gat.l${l}.rel`, [RELATIONS.length + 1, H], new Float32Array((RELATIONS.length + 1) * H)),
        bias: ps.add(`gat.l${l}.bias`, [D], new Float32Array(D)),
        ln: new LayerNorm(ps, `gat.l${l}.ln`, D),
      });
    }
    this.poolQuery = ps.add("gat.pool.q", [D, 1], glorotUniform(rng, D, 1));
    this.read1 = new Linear(ps, "gat.read1", rng, D, cfg.logicDim);
    this.read2 = new Linear(ps, "gat.read2", rng, cfg.logicDim, cfg.logicDim);
    this.readLn = new LayerNorm(ps, "gat.readLn", cfg.logicDim);
    this.opHead = new Linear(ps, "gat.opHead", rng, D, 1);
  }

  plan(uniqueMasks: Uint8Array, M: number): GatPlan {
    return buildPlan(this.st, uniqueMasks, M, this.cfg.layers);
  }

  /** Runs the GAT for the plan's M masks. Call inside a tidy / gradient scope. */
  forward(plan: GatPlan, withReadoutAttention = false): GatOutput {
    const st = this.st;
    const H = this.cfg.heads;
    let x = gatherSum(
      [this.typeEmb.t, this.actEmb.t, this.idEmb.t] as tf.Tensor2D[],
      [st.row0Type, st.row0Act, st.row0Node],
      true,
    );
    const stats: AttendStats = { entropySum: 0 };
    let attending = 1;
    plan.layers.forEach((lp, l) => {
      const p = this.layers[l];
      const last = l === plan.layers.length - 1;
      const z = tf.matMul(x, p.w.t as tf.Tensor2D) as tf.Tensor2D;
      const sc = tf.matMul(z, tf.concat([p.aSrc.t, p.aDst.t], 1) as tf.Tensor2D) as tf.Tensor2D;
      const agg = attend(sc, p.rel.t as tf.Tensor2D, z, lp, H, LEAKY_SLOPE, last ? stats : undefined);
      x = tf.add(gather0(x, lp.selfRow), p.ln.applyFused(agg, p.bias, { postRelu: true })) as tf.Tensor2D;
      attending = lp.numAttending;
    });
    const M = plan.M;
    // Attention pooling over operator and effect nodes, per mask: the same kernel, one head, no extra terms.
    const score = tf.matMul(x, this.poolQuery.t as tf.Tensor2D);
    const pooled = attend(score as tf.Tensor2D, tf.zeros([1, 1]), x, plan.readout, 1, 1);
    const r1 = tf.relu(this.read1.apply(pooled)) as tf.Tensor2D;
    const hLogic = this.readLn.applyFused(this.read2.product(r1), this.read2.b) as tf.Tensor2D;
    const opRows = this.opHead.apply(x);
    const operatorScores = tf.reshape(gather0(opRows, plan.opIdx), [
      M,
      st.operatorNodes.length,
    ]) as tf.Tensor2D;
    const ent = tf.scalar(plan.layers.length ? stats.entropySum / Math.max(1, attending * H) : 0);
    // The pooling is a one-head softmax over each mask's readout rows of `score` (slope 1: no LeakyReLU bend).
    const readoutAttention = withReadoutAttention
      ? (tf.softmax(tf.reshape(gather0(score, plan.readout.src), [M, plan.readout.maxDeg])) as tf.Tensor2D)
      : undefined;
    return { hLogic, operatorScores, attentionEntropy: ent, readoutAttention };
  }
}
