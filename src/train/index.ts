/**
 * Public face of the training layer. What moved to the run layer (config type and schema, checkpoints, run
 * folder, metrics file, tensor files, curriculum) and the agent layer (observer, policy from config, routing
 * statistics) is re-exported here too, so imports from `tedg-rl/train` keep working.
 */
export { ensureGradients } from "./gradients.js";
export {
  configSchema,
  phaseSchema,
  ppoSchema,
  rewardSchema,
  ROUTING_MODES,
  ABLATIONS,
  type TrainConfig,
  type PhaseConfig,
  type PpoConfig,
  type RewardConfig,
  type RoutingMode,
  type Ablation,
} from "../run/index.js";
export { ConfigError, type ConfigIssue } from "../run/index.js";
export {
  loadConfigFile,
  readConfigFile,
  resolveConfig,
  parseConfig,
  defaultConfig,
  formatConfig,
  parseSetFlag,
  mergeRaw,
  type ResolveOptions,
  type ConfigFlags,
  type RawConfig,
} from "./config.js";
export { PRESETS, PRESET_NAMES, applyAblation, defaultPhases, type PresetName } from "./presets.js";
export { phaseAt, type PhaseState } from "../run/index.js";
export { LrSchedule, type LrScheduleState } from "./phases.js";
export { computeGae, explainedVariance, type GaeInput, type GaeResult } from "./gae.js";
export { RewardScaler, type RewardScalerOptions, type RewardScalerState } from "./reward-scaler.js";
export {
  LOG_EPS,
  stopGradient,
  routingEntropy,
  loadBalance,
  LOAD_BALANCE_KINDS,
  type LoadBalanceKind,
  expertCosines,
  expertDiversity,
  semanticOrthogonality,
  operatorExpertMatrix,
  alignmentLoss,
  opinionAlignmentLoss,
  operatorUtilityLoss,
  UTILITY_WEIGHT_MAX,
  temporalConsistency,
  expertOverlap,
  ppoLosses,
  auxWeights,
  totalLoss,
  type StepPairs,
  type PpoLossInput,
  type PpoLossTerms,
  type AuxTerms,
  type AuxName,
  AUX_NAMES,
  type LossTerms,
  type LossCoefficients,
  type TotalLoss,
} from "./losses.js";
export { balanceBiasStep, logitStats } from "../model/index.js";
export {
  MetricsWriter,
  readMetrics,
  trimMetricsForResume,
  type MetricsRecord,
  type EpisodeRecord,
  type UpdateRecord,
} from "../run/index.js";
export {
  routingEntropyPerStep,
  alphaEntropyOfMeanOriginal,
  meanAlpha,
  dominantShare,
  routingStats,
  opinionStats,
  type RoutingStats,
} from "../agent/index.js";
export {
  TrainingLog,
  formatEpisodeLine,
  formatUpdateLine,
  formatPhaseBanner,
  type EpisodeLine,
  type UpdateLine,
  type TrainingLogOptions,
} from "./log.js";
export { writeTensorBlobs, readTensorBlobs, type TensorBlob, type TensorBlobs } from "../run/index.js";
export { blobsFromVariables, assignVariablesFromBlobs } from "./variable-blobs.js";
export {
  saveOptimizerState,
  loadOptimizerState,
  setLearningRate,
  getLearningRate,
} from "./optimizer-state.js";
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpointState,
  type Checkpoint,
  type CheckpointState,
  type CheckpointStateInput,
} from "../run/index.js";
export { RunFolder, type RunFolderOptions, type CheckpointRef } from "../run/index.js";
export {
  NanGuard,
  TrainingDivergedError,
  allFinite,
  type GuardSnapshot,
  type NanGuardOptions,
} from "./nan-guard.js";
export {
  ppoUpdate,
  minibatchTerms,
  minibatchLoss,
  type MinibatchData,
  type TrainablePolicy,
  type PolicyEvaluation,
  type PpoBatch,
  type PpoUpdateArgs,
  type PpoUpdateConfig,
  type PpoUpdateMetrics,
} from "./ppo-update.js";
export {
  fusedLossJs,
  fusedMinibatchLoss,
  presentAuxTerms,
  type FusedLossSpec,
  type FusedLossInputs,
  type FusedLossResult,
  type FusedMinibatchLoss,
} from "./fused-loss.js";
export { trainablePolicy } from "./policy-adapter.js";
export { BatchObserver, type ObserverOptions } from "../agent/index.js";
export { RolloutBuffer, type RolloutShape, type RolloutData } from "./rollout.js";
export {
  LocalLearner,
  balanceShares,
  type Learner,
  type LearnerStart,
  type UpdateJob,
  type UpdateResult,
} from "./learner.js";
export { WorkerLearner, type LearnerInit } from "./worker-learner.js";
export { benchTrain, type TrainBenchOptions, type TrainBenchResult, type TrainModeResult } from "./bench.js";
export { weightsToBlobs, blobsToWeights } from "../run/index.js";
export { policyForConfig, NUM_SCORE_ACTIONS } from "../agent/index.js";
/** `resolveResume` is the run layer's resolveCheckpoint, the one rule for `--resume` and `--checkpoint`. */
export {
  resolveCheckpoint,
  resolveCheckpoint as resolveResume,
  type CheckpointChoice,
} from "../run/index.js";
export { train, type TrainOptions, type RunSummary, type EpisodeMetrics } from "./trainer.js";
export {
  RolloutCollector,
  type CollectedRollout,
  type CollectOptions,
  type CollectParts,
  type EnvTrack,
  type FinishedEpisode,
} from "./rollout-collector.js";
export {
  configHash,
  parseRunInfo,
  mergeSegments,
  checkSegmentShape,
  LEARNER_GROUP,
  LEARNER_CONSUMER,
  RUN_INFO_FORMAT,
  TRAIN_SEED_LIMIT,
  type RunInfo,
} from "./broker-run.js";
export { runActor, type ActorOptions, type ActorSummary } from "./actor.js";
export {
  trainWithBroker,
  REJECT_REASONS,
  rejectedTotal,
  type BrokerTrainOptions,
  type BrokerSummary,
  type SegmentCounts,
  type RejectReason,
} from "./broker-learner.js";
