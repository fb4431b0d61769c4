/**
 * Action masks from conditions. An operator is enabled when at least one of its `satisfies` preconditions is
 * active (OR: each satisfies edge is a sufficient reason to consider the operator); `context_of` edges never
 * gate anything, they only describe when an operator is more or less advisable. An operator without any
 * satisfies edge is ungated (always enabled). An action is allowed when some enabled operator is carried out by
 * it. MORE (action 0) is always allowed, and if nothing else is, every action is (a mask never leaves the
 * policy with only a no-op).
 */
import { InvalidArgumentError } from "../util/index.js";
import { RELATIONS, type Hypergraph } from "./types.js";

/** Key codes of NLE's 23 TASK_ACTIONS, in action order. */
export const SCORE_ACTION_KEYS: readonly number[] = [
  13, // MORE
  107,
  108,
  106,
  104,
  117,
  110,
  98,
  121, // k l j h u n b y
  75,
  76,
  74,
  72,
  85,
  78,
  66,
  89, // K L J H U N B Y
  60,
  62,
  46, // < > .
  4, // kick ^D
  101, // eat
  115, // search
];
export const MORE_ACTION = 0;

export interface ActionMasker {
  readonly numActions: number;
  readonly numConditions: number;
  /** Mask (1 = allowed) for one condition vector read at `condOffset`, written at `outOffset`. */
  mask(conditions: Uint8Array, out?: Uint8Array, condOffset?: number, outOffset?: number): Uint8Array;
  /** Masks of `n` condition rows (n × C) into `out` (n × numActions). */
  maskBatch(conditions: Uint8Array, n: number, out: Uint8Array): Uint8Array;
}

/** Key codes an operator is carried out by: its `keys` plus the keys of its 23-set `actions`. */
export function operatorKeys(graph: Hypergraph, opNode: number): number[] {
  const n = graph.nodes[opNode];
  const keys = new Set<number>(n.keys ?? []);
  for (const a of n.actions ?? []) keys.add(SCORE_ACTION_KEYS[a]);
  return [...keys];
}

/**
 * Per operator j, the condition indices of its `satisfies` edges (empty: ungated). The one reading of the rule
 * "an operator is enabled when one of its preconditions holds", shared by the action mask and the model's opinion.
 */
export function operatorPreconditions(graph: Hypergraph): number[][] {
  const condPos = new Int32Array(graph.numNodes).fill(-1);
  graph.conditionNodes.forEach((node, k) => (condPos[node] = k));
  const opPos = new Int32Array(graph.numNodes).fill(-1);
  graph.operatorNodes.forEach((node, j) => (opPos[node] = j));
  const pre: number[][] = Array.from({ length: graph.operatorNodes.length }, () => []);
  const satisfies = RELATIONS.indexOf("satisfies");
  for (let e = 0; e < graph.edgeSrc.length; e++) {
    if (graph.edgeRelation[e] !== satisfies) continue;
    const j = opPos[graph.edgeDst[e]];
    const k = condPos[graph.edgeSrc[e]];
    if (j >= 0 && k >= 0) pre[j].push(k);
  }
  return pre;
}

/**
 * Compiles the mask of a graph for an action set given by its key codes (default: the 23-action set, where
 * operators resolve through `actions`; for another set, through `operatorKeys`).
 */
export function makeActionMasker(
  graph: Hypergraph,
  actionKeys: readonly number[] = SCORE_ACTION_KEYS,
): ActionMasker {
  const numActions = actionKeys.length;
  const numConditions = graph.conditionNodes.length;
  const numOps = graph.operatorNodes.length;
  const pre = operatorPreconditions(graph);
  const isScoreSet = actionKeys === SCORE_ACTION_KEYS;
  const keyToAction = new Map<number, number[]>();
  actionKeys.forEach((key, a) => keyToAction.set(key, [...(keyToAction.get(key) ?? []), a]));
  const base = new Uint8Array(numActions);
  const gatedStart: number[] = [0];
  const gatedConds: number[] = [];
  const gatedActStart: number[] = [0];
  const gatedActs: number[] = [];
  for (let j = 0; j < numOps; j++) {
    const node = graph.operatorNodes[j];
    const acts = isScoreSet
      ? (graph.nodes[node].actions ?? []).filter((a) => a < numActions)
      : operatorKeys(graph, node).flatMap((k) => keyToAction.get(k) ?? []);
    if (acts.length === 0) continue;
    if (pre[j].length === 0) {
      for (const a of acts) base[a] = 1;
      continue;
    }
    gatedConds.push(...pre[j]);
    gatedStart.push(gatedConds.length);
    gatedActs.push(...acts);
    gatedActStart.push(gatedActs.length);
  }
  const cStart = Int32Array.from(gatedStart);
  const cIdx = Int32Array.from(gatedConds);
  const aStart = Int32Array.from(gatedActStart);
  const aIdx = Int32Array.from(gatedActs);
  const numGated = cStart.length - 1;
  const moreAction = actionKeys.indexOf(SCORE_ACTION_KEYS[MORE_ACTION]);

  const mask = (conditions: Uint8Array, out?: Uint8Array, condOffset = 0, outOffset = 0): Uint8Array => {
    const res = out ?? new Uint8Array(numActions);
    if (conditions.length < condOffset + numConditions) {
      throw new InvalidArgumentError(
        "conditions length",
        conditions.length,
        `at least ${condOffset + numConditions}`,
      );
    }
    if (res.length < outOffset + numActions) {
      throw new InvalidArgumentError("mask buffer length", res.length, `at least ${outOffset + numActions}`);
    }
    for (let a = 0; a < numActions; a++) res[outOffset + a] = base[a];
    for (let g = 0; g < numGated; g++) {
      let on = false;
      for (let p = cStart[g]; p < cStart[g + 1]; p++) {
        if (conditions[condOffset + cIdx[p]] !== 0) {
          on = true;
          break;
        }
      }
      if (on) for (let p = aStart[g]; p < aStart[g + 1]; p++) res[outOffset + aIdx[p]] = 1;
    }
    let allowed = 0;
    for (let a = 0; a < numActions; a++) if (a !== moreAction) allowed += res[outOffset + a];
    if (allowed === 0) res.fill(1, outOffset, outOffset + numActions);
    if (moreAction >= 0) res[outOffset + moreAction] = 1;
    return res;
  };
  const maskBatch = (conditions: Uint8Array, n: number, out: Uint8Array): Uint8Array => {
    if (out.length < n * numActions)
      throw new InvalidArgumentError("mask buffer length", out.length, `at least ${n * numActions}`);
    for (let i = 0; i < n; i++) mask(conditions, out, i * numConditions, i * numActions);
    return out;
  };
  return { numActions, numConditions, mask, maskBatch };
}

const maskers = new WeakMap<Hypergraph, ActionMasker>();

/** Mask over the 23-action set (numActions must be 23; use makeActionMasker for other action sets). */
export function actionMask(
  conditions: Uint8Array,
  graph: Hypergraph,
  numActions = SCORE_ACTION_KEYS.length,
  out?: Uint8Array,
): Uint8Array {
  if (numActions !== SCORE_ACTION_KEYS.length) {
    throw new InvalidArgumentError(
      "numActions",
      numActions,
      `${SCORE_ACTION_KEYS.length} (the 23-action set); for another set use makeActionMasker(graph, env.actionKeys)`,
    );
  }
  let m = maskers.get(graph);
  if (!m) {
    m = makeActionMasker(graph);
    maskers.set(graph, m);
  }
  return m.mask(conditions, out);
}
