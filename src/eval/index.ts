/** Public face of the evaluation layer: held-out evaluation, routing and specialisation metrics, replays. */
export {
  evaluate,
  evalName,
  readEvalSummary,
  trainingSeedRange,
  DEFAULT_EVAL_SEED_START,
  EVAL_FORMAT,
  EVAL_VERSION,
  type EvalOptions,
  type EvalResult,
  type EvalSummary,
  type EvalEpisode,
} from "./evaluate.js";
export {
  summarize,
  mean,
  std,
  quantileSorted,
  bootstrapMeanCI,
  bootstrapDiffCI,
  bootstrapRatioCI,
  shuffledMutualInformation,
  mutualInformation,
  entropyOfCounts,
  argmax,
  countSwitches,
  movingAverage,
  DEFAULT_RESAMPLES,
  DEFAULT_CONFIDENCE,
  BOOTSTRAP_SEED,
  type Summary,
  type BootstrapOptions,
} from "./stats.js";
export {
  SCENARIOS,
  SCENARIO_CONDITIONS,
  scenarioLabeler,
  namedExpertShare,
  type NamedExpertShare,
  type Scenario,
  type ScenarioLabeler,
} from "./scenario.js";
export {
  isEvalRecording,
  loadEvalRecording,
  formatEvalStep,
  type EvalRecording,
  type EvalStepExtra,
  type EvalReplayMeta,
} from "./recording.js";
export { replayEpisode, type ReplayOptions } from "./replay.js";
export {
  wiringInformation,
  formatWiringReport,
  type WiringOptions,
  type WiringReport,
  type WiringRow,
} from "./wiring.js";
export { RoutingMetrics, type EpisodeRouting, type RoutingTotals } from "./routing-metrics.js";
/** The one checkpoint rule (src/run), re-exported where `tedg-rl/eval` users found it. */
export { resolveCheckpoint, type CheckpointChoice } from "../run/index.js";
