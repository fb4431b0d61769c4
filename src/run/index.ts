/**
 * Public face of the run layer: the files that describe a training run, shared by training, evaluation and
 * reports — the run folder and its one rule for picking a checkpoint, the checkpoint format, the tensor files
 * checkpoints are made of, metrics.jsonl (writer and reader), and the config's type, schema, error vocabulary
 * and curriculum.
 */
export {
  configSchema,
  phaseSchema,
  ppoSchema,
  rewardSchema,
  expectationOf,
  ROUTING_MODES,
  ABLATIONS,
  type TrainConfig,
  type PhaseConfig,
  type PpoConfig,
  type RewardConfig,
  type RoutingMode,
  type Ablation,
} from "./config-schema.js";
export {
  ConfigError,
  issuesFromZod,
  allowedKeys,
  baseOf,
  didYouMean,
  dotted,
  expectedText,
  schemaAt,
  type ConfigIssue,
} from "./config-errors.js";
export { phaseAt, type PhaseState } from "./curriculum.js";
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpointState,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  STATE_FILE,
  type Checkpoint,
  type CheckpointState,
  type CheckpointStateInput,
} from "./checkpoint.js";
export { weightsToBlobs, blobsToWeights } from "./weights-blobs.js";
export { writeTensorBlobs, readTensorBlobs, type TensorBlob, type TensorBlobs } from "../util/index.js";
export {
  RunFolder,
  RUN_FILES,
  resolveCheckpoint,
  latestCheckpoint,
  openRun,
  type OpenedRun,
  type RunFolderOptions,
  type CheckpointRef,
  type CheckpointChoice,
} from "./run-folder.js";
export {
  MetricsWriter,
  readMetrics,
  trimMetricsForResume,
  readMetricsRows,
  num,
  type EpisodeRow,
  type UpdateRow,
  type MetricsRecord,
  type EpisodeRecord,
  type UpdateRecord,
} from "./metrics.js";
