/** Runtime form of a knowledge hypergraph: what extraction, the model and the trainer consume. */
export const EXPERT_NAMES = ["Survival", "Combat", "Exploration", "General"] as const;
export type ExpertName = (typeof EXPERT_NAMES)[number];

export type NodeType = "condition" | "operator" | "effect";
export const NODE_TYPES: readonly NodeType[] = ["condition", "operator", "effect"];
export type Relation = "satisfies" | "context_of" | "leads_to";
export const RELATIONS: readonly Relation[] = ["satisfies", "context_of", "leads_to"];

export interface HypergraphNode {
  id: string;
  label: string;
  type: NodeType;
  /** Operators only: which expert owns the operator. */
  expert?: ExpertName;
  /** Operators only: indices into the action set the operator is carried out by (23-action set unless stated). */
  actions?: number[];
  /**
   * Operators only: key codes of the commands that carry the operator out (e.g. 111 `o` open, 240 M-p pray).
   * Lets an action set other than the 23-action one (NLE's full set) resolve the operator by key; operators of
   * the 23-action set get their keys derived from `actions`, so this is needed only for full-set commands.
   */
  keys?: number[];
  doc?: string;
}

export interface HypergraphEdge {
  src: string;
  dst: string;
  relation: Relation;
  /** Optional statistics (mined edges). */
  support?: number;
  successProbability?: number;
}

export interface HypergraphMeta {
  version: string;
  source: string;
  description?: string;
}

/** The graph as data (what the JSON file holds, validated). */
export interface HypergraphData {
  meta: HypergraphMeta;
  nodes: HypergraphNode[];
  edges: HypergraphEdge[];
}

/**
 * Index form used by numeric code. Node indices are positions in `nodes`.
 * Condition k (bit k of a condition mask) is node `conditionNodes[k]`; operator j is node `operatorNodes[j]`.
 */
export interface Hypergraph extends HypergraphData {
  numNodes: number;
  /** Per node: 0 condition, 1 operator, 2 effect. */
  nodeType: Int32Array;
  edgeSrc: Int32Array;
  edgeDst: Int32Array;
  /** Per edge: index into RELATIONS. */
  edgeRelation: Int32Array;
  conditionNodes: Int32Array;
  operatorNodes: Int32Array;
  effectNodes: Int32Array;
  /** Per operator j: index into the experts list. */
  operatorExpert: Int32Array;
  /** Expert names, in expert-index order (EXPERT_NAMES unless the graph says otherwise). */
  experts: readonly string[];
  nodeIndex: Map<string, number>;
}
