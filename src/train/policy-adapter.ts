/** The model layer's policy seen through the small interface the PPO update is written against. */
import type { Policy, PolicyBatch } from "../model/index.js";
import type { PolicyEvaluation, TrainablePolicy } from "./ppo-update.js";

/**
 * `rows(idx)` gives the stored inputs and actions of the samples `idx` (the rollout buffer in training, a
 * recorded batch in the model benchmark); the policy re-evaluates them with its current weights.
 */
export function trainablePolicy(
  policy: Policy,
  rows: (idx: Int32Array) => { batch: PolicyBatch; actions: Int32Array },
): TrainablePolicy {
  const vars = policy.trainableVariables();
  return {
    trainableVariables: () => vars,
    evaluate(idx: Int32Array): PolicyEvaluation {
      const { batch, actions } = rows(idx);
      const ev = policy.evaluate(batch, actions);
      return {
        logProb: ev.logProb!,
        entropy: ev.entropy,
        value: ev.value,
        alpha: ev.alpha,
        expertLogits: ev.expertLogits,
        operatorScores: ev.operatorScores,
        opinion: ev.opinion,
        opinionValid: ev.opinionValid,
        opinionConfident: ev.opinionConfident,
        opinionLogProb: ev.opinionLogProb,
        opinionCovered: ev.opinionCovered,
      };
    },
  };
}
