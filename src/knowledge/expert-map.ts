/** Operator → expert matrix, from each operator node's `expert` field (never from its name). */
import { InvalidArgumentError } from "../util/index.js";
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
  const data = expertMatrixData(graph.operatorExpert, numExperts);
  return { data, numOperators, numExperts, experts: graph.experts };
}

/** Row-major [operators × numExperts] data of the matrix above, from each operator's expert index. */
export function expertMatrixData(operatorExpert: ArrayLike<number>, numExperts: number): Float32Array {
  const n = operatorExpert.length;
  const counts = new Float64Array(numExperts);
  for (let j = 0; j < n; j++) {
    const e = operatorExpert[j];
    if (!Number.isInteger(e) || e < 0 || e >= numExperts) {
      throw new InvalidArgumentError(`operatorExpert[${j}]`, e, `an expert index in [0, ${numExperts - 1}]`);
    }
    counts[e]++;
  }
  const data = new Float32Array(n * numExperts);
  for (let j = 0; j < n; j++) data[j * numExperts + operatorExpert[j]] = 1 / counts[operatorExpert[j]];
  return data;
}
