/** Model configuration (zod schema with defaults). Defaults are sized to the update budget, see docs/model.md. */
import { z } from "zod";
import { ROUTING_MODES } from "./routing.js";
import { DEFAULT_CROP_SIZE } from "./features.js";

const posInt = () => z.number().int().min(1);

export const ModelConfigSchema = z
  .object({
    /** Seed of the parameter initialisation. */
    seed: z.number().int().min(0).default(0),
    numActions: posInt().default(23),
    numExperts: posInt().default(4),
    /**
     * What the policy is made of (the ablations of docs/model.md):
     *  - "moe-graph": visual stream + hypergraph GAT → router → K experts, the graph's opinion steering the router;
     *  - "moe": visual stream → router → K experts (no logic stream, no opinion);
     *  - "ppo": visual stream → one policy head (no router, no experts, no GAT); numExperts is then 1.
     */
    arch: z.enum(["moe-graph", "moe", "ppo"]).default("moe-graph"),
    /**
     * The `shuffled-graph` ablation: the policy's copy of the graph has its condition → operator edges permuted
     * with this seed (knowledge.shuffleConditionEdges); null = the graph as given.
     */
    graphShuffleSeed: z.number().int().min(0).nullable().default(null),
    opinion: z
      .object({
        /** The opinion is confident on a state when its largest expert share is at least this. */
        confidence: z.number().gt(0).max(1).default(0.6),
        /**
         * "balanced": the opinion is g re-weighted by each expert's mean share ḡ over recent states (a buffer the
         * trainer sets after each update), i.e. the posterior under an equal prior over experts; "none": g as is.
         */
        prior: z.enum(["balanced", "none"]).default("balanced"),
      })
      .strict()
      .prefault({}),
    /** Expert names; default: the graph's expert list when it has numExperts entries, else expert0… */
    expertNames: z.array(z.string()).optional(),
    visual: z
      .object({
        cropSize: posInt()
          .refine((v) => v % 2 === 1, "crop size must be odd")
          .default(DEFAULT_CROP_SIZE),
        glyphEmbedDim: posInt().default(4),
        /** Buckets of the hashed fine glyph id (0 disables it). */
        glyphHashBuckets: z.number().int().min(0).default(64),
        cropHidden: posInt().default(64),
        /** Width of h_vis (two Lin→ReLU→LN layers). */
        hidden: posInt().default(128),
      })
      .strict()
      .prefault({}),
    gat: z
      .object({
        dim: posInt().default(16),
        heads: posInt().default(4),
        layers: posInt().max(6).default(2),
        /** Width of h_logic. */
        logicDim: posInt().default(64),
      })
      .strict()
      .prefault({}),
    router: z
      .object({
        hidden: z.array(posInt()).default([64, 32]),
        /**
         * "per-expert": each expert's logit is shifted and scaled by running statistics of that expert's
         * logit over recent states (buffers the trainer updates after each PPO update, saved with the weights),
         * so routing follows how states differ, not each expert's constant offset (at initialisation the logits
         * differ by ≈ 0.01 and the offsets decided most states). "none": the raw logits (the original's router).
         */
        normalize: z.enum(["none", "per-expert"]).default("none"),
        /**
         * "opinion": the graph's opinion is the routing prior and the router learns a bounded correction to it,
         * α = route((log g + R·tanh(z/R)) / τ) with R = `residual` (see router.ts); on states without an opinion
         * (g uniform) the router alone decides. "none": α = route(z/τ), the graph only steers through the
         * alignment loss. Without a graph opinion (arch "moe", "ppo") this setting has no effect.
         */
        prior: z.enum(["none", "opinion"]).default("none"),
        /** R: the most, in nats, by which the router may raise or lower one expert's log-opinion (prior "opinion"). */
        residual: z.number().positive().default(1),
      })
      .strict()
      .prefault({}),
    experts: z
      .object({ hidden: z.array(posInt()).min(1).default([64, 64]) })
      .strict()
      .prefault({}),
    critic: z
      .object({ hidden: z.array(posInt()).default([64, 64]) })
      .strict()
      .prefault({}),
    /**
     * One flat tf.Variable for all parameters (default): the optimiser and gradient bookkeeping then cost a
     * few ops per step instead of a few per parameter. false: one variable per named parameter.
     */
    packParams: z.boolean().default(true),
    routing: z
      .object({
        mode: z
          .enum(ROUTING_MODES as unknown as ["softmax", "sparsemax", "entmax15", "top2"])
          .default("softmax"),
        tau: z.number().positive().default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ModelConfig = z.output<typeof ModelConfigSchema>;
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

export const DEFAULT_MODEL_CONFIG: ModelConfig = ModelConfigSchema.parse({});
