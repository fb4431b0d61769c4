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
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Hypergraph } from "../knowledge/types.js";
import { RELATIONS } from "../knowledge/types.js";
import type { Rng } from "../util/rng.js";
import { glorotUniform, normal } from "./init.js";
import { edgeAggregate, edgeSoftmax, gather0, gatLogits } from "./kernels/index.js";
import { Linear, LayerNorm } from "./layers.js";
import type { ParamStore } from "./params.js";
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
  w: tf.Variable;
  aSrc: tf.Variable;
  aDst: tf.Variable;
  rel: tf.Variable;
  bias: tf.Variable;
  ln: LayerNorm;
}

export interface GatOutput {
  /** [M, logicDim], one row per distinct mask. */
  hLogic: tf.Tensor2D;
  /** [M, numOperators]. */
  operatorScores: tf.Tensor2D;
  /** Mean attention entropy (nats) of the last layer over attending units and heads. */
  attentionEntropy: tf.Scalar;
}

export class HypergraphGat {
  readonly st: GatStructure;
  private readonly typeEmb: tf.Variable;
  private readonly actEmb: tf.Variable;
  private readonly idEmb: tf.Variable;
  private readonly layers: GatLayerParams[] = [];
  private readonly poolQuery: tf.Variable;
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
  forward(plan: GatPlan): GatOutput {
    const st = this.st;
    let x = tf.add(
      tf.add(gather0(this.typeEmb, st.row0Type), gather0(this.actEmb, st.row0Act)),
      gather0(this.idEmb, st.row0Node),
    ) as tf.Tensor2D;
    let alpha: tf.Tensor2D | undefined;
    let attending = 1;
    plan.layers.forEach((lp, l) => {
      const p = this.layers[l];
      const z = tf.matMul(x, p.w) as tf.Tensor2D;
      const ssrc = tf.matMul(z, p.aSrc) as tf.Tensor2D;
      const sdst = tf.matMul(z, p.aDst) as tf.Tensor2D;
      const logits = gatLogits(ssrc, sdst, p.rel as tf.Tensor2D, lp, LEAKY_SLOPE);
      alpha = edgeSoftmax(logits, lp.seg, lp.numUnits);
      const agg = tf.add(edgeAggregate(alpha, z, lp.src, lp.seg, lp.numUnits), p.bias) as tf.Tensor2D;
      x = tf.add(gather0(x, lp.selfRow), tf.relu(p.ln.apply(agg))) as tf.Tensor2D;
      attending = lp.numAttending;
    });
    const M = plan.M;
    // Attention pooling over operator and effect nodes, per mask.
    const score = tf.matMul(x, this.poolQuery);
    const w = edgeSoftmax(gather0(score, plan.readIdx) as tf.Tensor2D, plan.readSeg, M);
    const pooled = edgeAggregate(w, x, plan.readIdx, plan.readSeg, M);
    const hLogic = this.readLn.apply(this.read2.apply(tf.relu(this.read1.apply(pooled))));
    const opRows = this.opHead.apply(x);
    const operatorScores = tf.reshape(gather0(opRows, plan.opIdx), [
      M,
      st.operatorNodes.length,
    ]) as tf.Tensor2D;
    const a = alpha ?? tf.ones([1, 1]);
    const ent = tf.div(
      tf.neg(tf.sum(tf.mul(a, tf.log(tf.add(a, 1e-12))))),
      Math.max(1, attending * this.cfg.heads),
    ) as tf.Scalar;
    return { hLogic, operatorScores, attentionEntropy: ent };
  }
}
