/**
 * Visual stream: embedded glyph crop (class embedding + hashed fine-id embedding per cell) → flatten → MLP,
 * concatenated with scaled blstats and the inventory summary → 2-layer MLP → h_vis.
 * wasm has no Conv2D filter gradient, and at 15×15 a dense layer over the flattened crop is the cheap choice.
 */
import * as tf from "@tensorflow/tfjs-core";
import { BLSTATS_SIZE } from "../env/index.js";
import type { Rng } from "../util/index.js";
import { GLYPH_CLASSES, GLYPH_CLASS_TABLE, NUM_OCLASSES, glyphHash } from "./features.js";
import { MAX_GLYPH } from "../nethack/index.js";
import { normal } from "./init.js";
import { gatherSum } from "./kernels/index.js";
import { Linear, LayerNorm, Mlp } from "./layers.js";
import type { Param, ParamStore } from "./params.js";

export interface VisualConfig {
  cropSize: number;
  glyphEmbedDim: number;
  glyphHashBuckets: number;
  cropHidden: number;
  hidden: number;
}

export class VisualEncoder {
  private readonly classEmb: Param;
  private readonly hashEmb?: Param;
  private readonly hashTable?: Int32Array;
  private readonly cropLin: Linear;
  private readonly cropLn: LayerNorm;
  private readonly mlp: Mlp;
  readonly cells: number;

  constructor(
    ps: ParamStore,
    rng: Rng,
    readonly cfg: VisualConfig,
  ) {
    const e = cfg.glyphEmbedDim;
    this.cells = cfg.cropSize * cfg.cropSize;
    this.classEmb = ps.add("vis.classEmb", [GLYPH_CLASSES.length, e], normal(rng, GLYPH_CLASSES.length * e));
    if (cfg.glyphHashBuckets > 0) {
      this.hashEmb = ps.add("vis.hashEmb", [cfg.glyphHashBuckets, e], normal(rng, cfg.glyphHashBuckets * e));
      this.hashTable = new Int32Array(MAX_GLYPH + 1);
      for (let g = 0; g <= MAX_GLYPH; g++) this.hashTable[g] = glyphHash(g, cfg.glyphHashBuckets);
    }
    this.cropLin = new Linear(ps, "vis.crop", rng, this.cells * e, cfg.cropHidden);
    this.cropLn = new LayerNorm(ps, "vis.cropLn", cfg.cropHidden);
    this.mlp = new Mlp(ps, "vis.mlp", rng, cfg.cropHidden + BLSTATS_SIZE + NUM_OCLASSES, [
      cfg.hidden,
      cfg.hidden,
    ]);
  }

  /** Class and hash indices of a crop (glyph ids, CROP_PAD outside the map). */
  indices(crop: Int32Array): { cls: Int32Array; hash?: Int32Array } {
    const cls = new Int32Array(crop.length);
    const hash = this.hashTable ? new Int32Array(crop.length) : undefined;
    for (let i = 0; i < crop.length; i++) {
      const g = crop[i];
      cls[i] = GLYPH_CLASS_TABLE[g];
      if (hash) hash[i] = this.hashTable![g];
    }
    return { cls, hash };
  }

  forward(B: number, blstats: tf.Tensor2D, crop: Int32Array, inv: tf.Tensor2D): tf.Tensor2D {
    const { cls, hash } = this.indices(crop);
    const tables = [this.classEmb.t as tf.Tensor2D];
    const idx = [cls];
    if (hash && this.hashEmb) {
      tables.push(this.hashEmb.t as tf.Tensor2D);
      idx.push(hash);
    }
    const emb = gatherSum(tables, idx, true); // glyph ids were range-checked by the policy
    const flat = tf.reshape(emb, [B, this.cells * this.cfg.glyphEmbedDim]) as tf.Tensor2D;
    const c = this.cropLn.applyFused(this.cropLin.product(flat), this.cropLin.b, {
      preRelu: true,
    }) as tf.Tensor2D;
    return this.mlp.apply(tf.concat([c, blstats, inv], 1));
  }
}
