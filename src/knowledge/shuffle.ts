/**
 * The `shuffled-graph` ablation: the same graph with its condition → operator edges rewired at random. Each such
 * edge keeps its operator and relation but gets the condition of another such edge (a fixed-seed permutation of
 * the sources), so every operator keeps its number of preconditions and every condition its out-degree: only the
 * knowledge of *which* facts make an operator advisable is destroyed.
 */
import { InvalidArgumentError, Rng } from "../util/index.js";
import type { Hypergraph, HypergraphEdge } from "./types.js";

export function shuffleConditionEdges(graph: Hypergraph, seed: number): Hypergraph {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new InvalidArgumentError("graph shuffle seed", seed, "a non-negative integer");
  const picked: number[] = [];
  for (let e = 0; e < graph.edgeSrc.length; e++)
    if (graph.nodeType[graph.edgeSrc[e]] === 0 && graph.nodeType[graph.edgeDst[e]] === 1) picked.push(e);
  const perm = Int32Array.from(picked);
  new Rng(seed).shuffle(perm);
  const edgeSrc = graph.edgeSrc.slice();
  const edges: HypergraphEdge[] = graph.edges.map((e) => ({ ...e }));
  picked.forEach((e, i) => {
    edgeSrc[e] = graph.edgeSrc[perm[i]];
    edges[e].src = graph.nodes[edgeSrc[e]].id;
  });
  return { ...graph, edges, edgeSrc };
}
