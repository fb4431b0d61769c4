/**
 * Mining operators from play. Episodes are played through the Env interface with a seeded random policy (or a
 * given act-function); every step records the conditions before, the action, and which conditions turned on or
 * off. Per action with support ≥ minSupport the miner emits one operator whose preconditions are the conditions
 * frequent among that action's occurrences, and whose effects are the condition changes that follow it often.
 */
import type { Observation, Env } from "../env/index.js";
import { InvalidArgumentError, Rng } from "../util/index.js";
import { SCORE_ACTION_KEYS } from "./action-mask.js";
import { extractConditions } from "./extract.js";
import { getExtractor } from "./extractors.js";
import { loadBuiltinGraph } from "./loader.js";
import { ExtractionMemory } from "./memory.js";
import type { ExpertName, Hypergraph, HypergraphData, HypergraphEdge, HypergraphNode } from "./types.js";

/** Picks an action from the current observation and its conditions. */
export type ActFn = (obs: Observation, conditions: Uint8Array, rng: Rng) => number;

export interface MineOptions {
  episodes: number;
  seed: number;
  /** K: an action needs this many occurrences, an edge this many supporting steps. */
  minSupport: number;
  /** Default: uniform random over env.numActions, from an Rng seeded with `seed`. */
  policy?: ActFn;
  /** Steps per episode at most (default 1000). */
  maxStepsPerEpisode?: number;
  /** Graph whose conditions are extracted (default: the built-in graph). */
  graph?: Hypergraph;
  /** A condition is a precondition of an action when P(condition | action) ≥ this (default 0.9). */
  preconditionFrequency?: number;
  /** …and when P(condition | action) / P(condition) ≥ this (default 0: no lift filter). */
  minLift?: number;
  /** A condition change is an effect of an action when P(change | action) ≥ this (default 0.2). */
  effectProbability?: number;
  /** Expert of the operator mined for an action (default: by the kind of the 23-set action). */
  expertOf?: (action: number) => ExpertName;
}

/** Names of the 23 actions, used in mined operator labels. */
export const SCORE_ACTION_NAMES: readonly string[] = [
  "more",
  ...["n", "e", "s", "w", "ne", "se", "sw", "nw"].map((d) => `move_${d}`),
  ...["n", "e", "s", "w", "ne", "se", "sw", "nw"].map((d) => `run_${d}`),
  "up",
  "down",
  "wait",
  "kick",
  "eat",
  "search",
];

function defaultExpert(action: number): ExpertName {
  if (action >= 1 && action <= 18) return "Exploration";
  if (action === 22) return "Exploration";
  if (action === 19 || action === 21) return "Survival";
  if (action === 20) return "Combat";
  return "General";
}

const checkPositiveInt = (what: string, v: number, min: number): void => {
  if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(what, v, `an integer ≥ ${min}`);
};
const checkProbability = (what: string, v: number): void => {
  if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError(what, v, "a number in [0, 1]");
};

/** Plays episodes and returns the mined graph (our schema, with support and successProbability on edges). */
export function mine(envFactory: () => Env, opts: MineOptions): HypergraphData {
  checkPositiveInt("episodes", opts.episodes, 1);
  checkPositiveInt("seed", opts.seed, 0);
  checkPositiveInt("minSupport", opts.minSupport, 1);
  const maxSteps = opts.maxStepsPerEpisode ?? 1000;
  checkPositiveInt("maxStepsPerEpisode", maxSteps, 1);
  const preFreq = opts.preconditionFrequency ?? 0.9;
  const effProb = opts.effectProbability ?? 0.2;
  const minLift = opts.minLift ?? 0;
  checkProbability("preconditionFrequency", preFreq);
  checkProbability("effectProbability", effProb);
  const graph = opts.graph ?? loadBuiltinGraph();
  const expertOf = opts.expertOf ?? defaultExpert;
  const C = graph.conditionNodes.length;

  const env = envFactory();
  const A = env.numActions;
  const rng = new Rng(opts.seed);
  const actionCount = new Float64Array(A);
  const pre = new Float64Array(A * C); // condition on before the action
  const on = new Float64Array(A * C); // condition turned on after it
  const off = new Float64Array(A * C); // condition turned off after it
  const overall = new Float64Array(C);
  let totalSteps = 0;
  let before = new Uint8Array(C);
  let after = new Uint8Array(C);
  const memory = new ExtractionMemory(1);
  try {
    for (let ep = 0; ep < opts.episodes; ep++) {
      memory.reset();
      let { obs } = env.reset({ seed: opts.seed + ep });
      extractConditions(obs, graph, before, memory);
      for (let t = 0; t < maxSteps; t++) {
        const a = opts.policy ? opts.policy(obs, before, rng) : rng.int(A);
        if (!Number.isInteger(a) || a < 0 || a >= A)
          throw new InvalidArgumentError("action from policy", a, `an integer in [0, ${A})`);
        const r = env.step(a);
        obs = r.obs;
        extractConditions(obs, graph, after, memory);
        actionCount[a]++;
        totalSteps++;
        const row = a * C;
        for (let k = 0; k < C; k++) {
          const b = before[k];
          const f = after[k];
          if (b) {
            pre[row + k]++;
            overall[k]++;
            if (!f) off[row + k]++;
          } else if (f) on[row + k]++;
        }
        [before, after] = [after, before];
        if (r.terminated || r.truncated) break;
      }
    }
  } finally {
    env.close();
  }

  const nodes: HypergraphNode[] = [];
  const edges: HypergraphEdge[] = [];
  const condUsed = new Set<number>();
  const effectNodes = new Map<string, HypergraphNode>();
  const condId = (k: number): string => `c:${graph.nodes[graph.conditionNodes[k]].label}`;
  const effect = (k: number, turnedOn: boolean): string => {
    const label = `${turnedOn ? "became" : "ceased"}_${graph.nodes[graph.conditionNodes[k]].label}`;
    const id = `e:${label}`;
    if (!effectNodes.has(id)) {
      const cl = graph.nodes[graph.conditionNodes[k]].label;
      effectNodes.set(id, {
        id,
        label,
        type: "effect",
        doc: `Condition '${cl}' ${turnedOn ? "turned on" : "turned off"}.`,
      });
    }
    return id;
  };
  const ops: HypergraphNode[] = [];
  for (let a = 0; a < A; a++) {
    const n = actionCount[a];
    if (n < opts.minSupport) continue;
    const name = A === SCORE_ACTION_KEYS.length ? SCORE_ACTION_NAMES[a] : `action_${a}`;
    const id = `o:mined_${name}`;
    const node: HypergraphNode = { id, label: `mined_${name}`, type: "operator", expert: expertOf(a) };
    if (a < SCORE_ACTION_KEYS.length && A === SCORE_ACTION_KEYS.length) node.actions = [a];
    else if (env.actionKeys[a] > 0 && env.actionKeys[a] <= 255) node.keys = [env.actionKeys[a]];
    node.doc = `Mined from ${n} occurrences of action ${a} over ${totalSteps} steps.`;
    ops.push(node);
    const row = a * C;
    for (let k = 0; k < C; k++) {
      const support = pre[row + k];
      const freq = support / n;
      const lift = overall[k] > 0 ? freq / (overall[k] / totalSteps) : 0;
      if (support >= opts.minSupport && freq >= preFreq && lift >= minLift) {
        condUsed.add(k);
        edges.push({
          src: condId(k),
          dst: id,
          relation: "satisfies",
          support,
          successProbability: round(freq),
        });
      }
    }
    for (let k = 0; k < C; k++) {
      for (const turnedOn of [true, false]) {
        const support = (turnedOn ? on : off)[row + k];
        const p = support / n;
        if (support >= opts.minSupport && p >= effProb) {
          edges.push({
            src: id,
            dst: effect(k, turnedOn),
            relation: "leads_to",
            support,
            successProbability: round(p),
          });
        }
      }
    }
  }
  for (const k of [...condUsed].sort((x, y) => x - y)) {
    const label = graph.nodes[graph.conditionNodes[k]].label;
    const doc = getExtractor(label)?.doc ?? graph.nodes[graph.conditionNodes[k]].doc;
    nodes.push({ id: condId(k), label, type: "condition", ...(doc ? { doc } : {}) });
  }
  nodes.push(...ops, ...effectNodes.values());
  // Edges in node order: satisfies grouped before leads_to for readability.
  edges.sort((x, y) => (x.relation === y.relation ? 0 : x.relation === "satisfies" ? -1 : 1));
  return {
    meta: {
      version: "mined-1",
      source: `mined: ${opts.episodes} episodes, seed ${opts.seed}, ${totalSteps} steps, ${opts.policy ? "given policy" : "random policy"}`,
      description: `Per-action operators with support ≥ ${opts.minSupport}, preconditions at P ≥ ${preFreq}, effects at P ≥ ${effProb}.`,
    },
    nodes,
    edges,
  };
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
