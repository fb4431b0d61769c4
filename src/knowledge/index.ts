/** Public face of the knowledge layer: graph schema and loading, condition extraction, masks, expert map, miner. */
export * from "./types.js";
export { buildHypergraph } from "./build.js";
export {
  loadHypergraph,
  loadHypergraphData,
  loadBuiltinGraph,
  builtinGraphPath,
  parseHypergraph,
  serializeHypergraph,
  writeHypergraph,
} from "./loader.js";
export {
  validateGraphData,
  graphRuleIssues,
  HypergraphFormatError,
  SCORE_ACTION_COUNT,
  type FormatIssue,
  type ValidateOptions,
} from "./schema.js";
export {
  loadOriginalFormat,
  parseOriginalFormat,
  toOriginalFormat,
  writeOriginalFormat,
  reportDrivableConditions,
  originalOperatorExpert,
  originalOperatorActions,
  originalOperatorName,
  ORIGINAL_OPERATOR_EXPERTS,
  ORIGINAL_OPERATOR_ACTIONS,
  ORIGINAL_CONDITION_ALIASES,
  type OriginalLoadResult,
  type OriginalGraphJson,
  type DrivableReport,
} from "./original-format.js";
export { CONDITION_EXTRACTORS, getExtractor, allExtractors, type ConditionExtractor } from "./extractors.js";
export {
  extractConditions,
  extractConditionsBatch,
  undrivenConditions,
  type ObservationBatch,
} from "./extract.js";
export { ExtractionMemory, type ExtractionMemoryState } from "./memory.js";
export { GC, GLYPH_CLASS, glyphClass, BOULDER_OBJ, GLYPH_BOULDER } from "./glyph-classes.js";
export {
  actionMask,
  makeActionMasker,
  operatorKeys,
  operatorPreconditions,
  SCORE_ACTION_KEYS,
  type ActionMasker,
} from "./action-mask.js";
export { operatorExpertMatrix, expertMatrixData, type ExpertMatrix } from "./expert-map.js";
export { mine, SCORE_ACTION_NAMES, type MineOptions, type ActFn } from "./miner.js";
export { mergeGraphs } from "./merge.js";
export {
  graphStats,
  formatGraphStats,
  countFiredConditions,
  ConditionFireCounter,
  type GraphStatsReport,
  type FiredCounts,
  type PlayCountOptions,
} from "./stats.js";
export { graphViewHtml } from "./view-html.js";
export { benchExtraction, syntheticObservation } from "./bench.js";
export { shuffleConditionEdges } from "./shuffle.js";
