/** Public face of the model layer. */
export { initBackend, currentBackend, BACKEND_KINDS } from "./backend.js";
export type { BackendKind } from "./backend.js";
export { createPolicy, loadPolicy, MASKED_LOGIT } from "./policy.js";
export type { Policy, PolicyBatch, PolicyEval, ActOptions, ActResult } from "./policy.js";
export { ModelConfigSchema, DEFAULT_MODEL_CONFIG } from "./config.js";
export type { ModelConfig, ModelConfigInput } from "./config.js";
export {
  encodeObservations,
  encodeObservationInto,
  allocFeatures,
  normaliseBlstats,
  glyphClass,
  GLYPH_CLASSES,
  CROP_PAD,
  DEFAULT_CROP_SIZE,
  NUM_OCLASSES,
} from "./features.js";
export type { Features, GlyphClass } from "./features.js";
export { sparsemax, entmax15, topKSoftmax, route, ROUTING_MODES } from "./routing.js";
export type { Routing, RoutingMode } from "./routing.js";
export { benchModel } from "./bench.js";
export type { BenchOptions, BenchResult, UpdateData, UpdateFn } from "./bench.js";
export { recordRollout } from "./rollout.js";
export type { RolloutData, RecordOptions } from "./rollout.js";
export { graphFingerprint } from "./weights-io.js";
export type { NamedArray } from "./params.js";
export { stopGradient, gather0, segsum0 } from "./kernels/index.js";
export { syntheticGraph, syntheticMasks, syntheticBatch, sliceBatch } from "./synth.js";
export {
  Router,
  balanceBiasStep,
  logitStats,
  ROUTER_BIAS,
  ROUTER_LOGIT_MEAN,
  ROUTER_LOGIT_STD,
} from "./router.js";
export type { RouterLogitStats, RouterNormalize } from "./router.js";
export { GraphOpinion, confidentRows } from "./opinion.js";
export type { OpinionOutput } from "./opinion.js";
