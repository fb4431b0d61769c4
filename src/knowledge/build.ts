/** Builds the index form (typed arrays over node positions) that extraction, masks and the model consume. */
import { InvalidArgumentError } from "../util/index.js";
import { EXPERT_NAMES, RELATIONS, type Hypergraph, type HypergraphData, type NodeType } from "./types.js";

const TYPE_CODE: Record<NodeType, number> = { condition: 0, operator: 1, effect: 2 };

/**
 * Index form of a validated graph. Node order is kept, so condition k is the k-th condition node of the file.
 * Operators without an expert (possible only in data that skipped validation) go to General.
 */
export function buildHypergraph(data: HypergraphData): Hypergraph {
  const numNodes = data.nodes.length;
  const nodeIndex = new Map<string, number>();
  const nodeType = new Int32Array(numNodes);
  const conditions: number[] = [];
  const operators: number[] = [];
  const effects: number[] = [];
  data.nodes.forEach((n, i) => {
    if (nodeIndex.has(n.id)) throw new InvalidArgumentError(`node id at nodes[${i}]`, n.id, "a unique id");
    nodeIndex.set(n.id, i);
    const t = TYPE_CODE[n.type];
    if (t === undefined)
      throw new InvalidArgumentError(`node type at nodes[${i}]`, n.type, "condition, operator or effect");
    nodeType[i] = t;
    (t === 0 ? conditions : t === 1 ? operators : effects).push(i);
  });
  const numEdges = data.edges.length;
  const edgeSrc = new Int32Array(numEdges);
  const edgeDst = new Int32Array(numEdges);
  const edgeRelation = new Int32Array(numEdges);
  data.edges.forEach((e, i) => {
    const s = nodeIndex.get(e.src);
    const d = nodeIndex.get(e.dst);
    if (s === undefined)
      throw new InvalidArgumentError(`edges[${i}].src`, e.src, "the id of a node of the graph");
    if (d === undefined)
      throw new InvalidArgumentError(`edges[${i}].dst`, e.dst, "the id of a node of the graph");
    const r = RELATIONS.indexOf(e.relation);
    if (r < 0) throw new InvalidArgumentError(`edges[${i}].relation`, e.relation, RELATIONS.join(", "));
    edgeSrc[i] = s;
    edgeDst[i] = d;
    edgeRelation[i] = r;
  });
  const experts = EXPERT_NAMES;
  const general = experts.indexOf("General");
  const operatorExpert = Int32Array.from(operators, (i) => {
    const e = data.nodes[i].expert;
    return e ? experts.indexOf(e) : general;
  });
  return {
    meta: data.meta,
    nodes: data.nodes,
    edges: data.edges,
    numNodes,
    nodeType,
    edgeSrc,
    edgeDst,
    edgeRelation,
    conditionNodes: Int32Array.from(conditions),
    operatorNodes: Int32Array.from(operators),
    effectNodes: Int32Array.from(effects),
    operatorExpert,
    experts,
    nodeIndex,
  };
}
