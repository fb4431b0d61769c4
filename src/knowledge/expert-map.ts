/** Operator → expert matrix, from each operator node's `expert` field (never from its name). */
import type { Hypergraph } from "./types.js";

export interface ExpertMatrix {
  /** Row-major numOperators × numExperts. */
  data: Float32Array;
  numOperators: number;
  numExperts: number;
  experts: readonly string[];
}

/**
 * M[j, k] = 1 / |operators of expert k| when operator j belongs to expert k, else 0, so that
 * scoresᵀ·M gives each expert the mean score of its operators. Experts with no operator get a zero column.
 */
export function operatorExpertMatrix(graph: Hypergraph): ExpertMatrix {
  const numOperators = graph.operatorNodes.length;
  const numExperts = graph.experts.length;
  const counts = new Int32Array(numExperts);
  for (let j = 0; j < numOperators; j++) counts[graph.operatorExpert[j]]++;
  const data = new Float32Array(numOperators * numExperts);
  for (let j = 0; j < numOperators; j++) {
    const k = graph.operatorExpert[j];
    data[j * numExperts + k] = 1 / counts[k];
  }
  return { data, numOperators, numExperts, experts: graph.experts };
}
