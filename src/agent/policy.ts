/** The policy a run's config describes, acting on the env's score action set: what training and evaluation build. */
import { actionSet } from "../env/index.js";
import type { Hypergraph } from "../knowledge/index.js";
import { createPolicy, type ModelConfigInput, type Policy } from "../model/index.js";
import type { TrainConfig } from "../run/index.js";

/** Actions the policy chooses from: the env's "score" action set (the set the graph's operators name). */
export const NUM_SCORE_ACTIONS: number = actionSet("score").length;

/** The model config of a run: its `model` section, seeded from the run seed unless it pins its own. */
export function modelConfigOf(config: TrainConfig, numActions: number = NUM_SCORE_ACTIONS): ModelConfigInput {
  const m = { ...(config.model as Record<string, unknown>) };
  // The initial weights follow the run seed unless the model config pins its own.
  if (m.seed === undefined) m.seed = config.seed;
  m.numActions = numActions;
  return m as ModelConfigInput;
}

/** Creates the policy a config describes, on the given graph. */
export function policyForConfig(config: TrainConfig, graph: Hypergraph): Policy {
  return createPolicy(modelConfigOf(config, NUM_SCORE_ACTIONS), graph);
}
