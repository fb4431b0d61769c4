/**
 * Public face of the agent layer: what acting with a run's policy needs, shared by training and evaluation —
 * the observer (observation → policy input), the policy a config describes and its action count, and the
 * routing statistics both report.
 */
export { BatchObserver, type ObserverOptions } from "./observer.js";
export { Collector, type CollectHooks } from "./collect.js";
export {
  EpisodeRoutingSlots,
  argmaxOf,
  entropyOfCounts,
  type EpisodeRouting,
  type RoutingSlotState,
} from "./episode-routing.js";
export { NUM_SCORE_ACTIONS, modelConfigOf, policyForConfig } from "./policy.js";
export {
  routingEntropyPerStep,
  alphaEntropyOfMeanOriginal,
  meanAlpha,
  dominantShare,
  routingStats,
  opinionStats,
  type RoutingStats,
  type OpinionStats,
} from "./routing-stats.js";
