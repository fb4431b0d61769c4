/**
 * Graph statistics for the CLI (`tedg graph stats`): counts by type, relation and expert, degrees, structural
 * gaps (unreachable operators, unused conditions…), and optionally how often each condition fired in play and
 * how many distinct condition masks were seen.
 */
import type { Env } from "../env/index.js";
import { InvalidArgumentError, Rng } from "../util/index.js";
import { SCORE_ACTION_KEYS } from "./action-mask.js";
import { extractConditions, undrivenConditions } from "./extract.js";
import { ExtractionMemory } from "./memory.js";
import type { ActFn } from "./miner.js";
import { NODE_TYPES, RELATIONS, type Hypergraph } from "./types.js";

/** How often each condition fired over some steps of play. */
export interface FiredCounts {
  steps: number;
  /** Per condition (graph.conditionNodes order): number of steps it was on. */
  counts: ArrayLike<number>;
  distinctMasks: number;
}

/** Accumulates condition vectors: per-condition on-counts and the set of distinct masks. */
export class ConditionFireCounter {
  readonly counts: Float64Array;
  steps = 0;
  private readonly masks = new Set<string>();

  constructor(readonly numConditions: number) {
    this.counts = new Float64Array(numConditions);
  }

  add(conditions: Uint8Array, offset = 0): void {
    const c = this.numConditions;
    let key = "";
    let word = 0;
    for (let k = 0; k < c; k++) {
      const on = conditions[offset + k] !== 0;
      if (on) {
        this.counts[k]++;
        word |= 1 << (k & 15);
      }
      if ((k & 15) === 15 || k === c - 1) {
        key += String.fromCharCode(word);
        word = 0;
      }
    }
    this.masks.add(key);
    this.steps++;
  }

  get distinctMasks(): number {
    return this.masks.size;
  }

  result(): FiredCounts {
    return { steps: this.steps, counts: Array.from(this.counts), distinctMasks: this.masks.size };
  }
}

export interface PlayCountOptions {
  /** Total steps over all episodes. */
  steps: number;
  /** Episode seeds, used in turn (an episode ends at death/truncation or when its share of steps is used). */
  seeds: readonly number[];
  /** Seed of the random policy (default 0). */
  policySeed?: number;
  policy?: ActFn;
}

/** Plays `steps` steps over the given seeds and counts which conditions fire (the acceptance check's measure). */
export function countFiredConditions(
  envFactory: () => Env,
  graph: Hypergraph,
  opts: PlayCountOptions,
): FiredCounts {
  if (!Number.isInteger(opts.steps) || opts.steps < 1)
    throw new InvalidArgumentError("steps", opts.steps, "an integer ≥ 1");
  if (opts.seeds.length === 0) throw new InvalidArgumentError("seeds", opts.seeds, "at least one seed");
  const env = envFactory();
  const rng = new Rng(opts.policySeed ?? 0);
  const counter = new ConditionFireCounter(graph.conditionNodes.length);
  const conds = new Uint8Array(graph.conditionNodes.length);
  const memory = new ExtractionMemory(1);
  const perSeed = Math.ceil(opts.steps / opts.seeds.length);
  try {
    let done = 0;
    for (let s = 0; done < opts.steps; s = (s + 1) % opts.seeds.length) {
      memory.reset();
      let obs = env.reset({ seed: opts.seeds[s] }).obs;
      extractConditions(obs, graph, conds, memory);
      counter.add(conds);
      done++;
      for (let t = 1; t < perSeed && done < opts.steps; t++) {
        const a = opts.policy ? opts.policy(obs, conds, rng) : rng.int(env.numActions);
        const r = env.step(a);
        obs = r.obs;
        extractConditions(obs, graph, conds, memory);
        counter.add(conds);
        done++;
        if (r.terminated || r.truncated) break;
      }
    }
  } finally {
    env.close();
  }
  return counter.result();
}

export interface DegreeSummary {
  min: number;
  mean: number;
  max: number;
}

export interface GraphStatsReport {
  meta: { version: string; source: string };
  nodes: Record<string, number>;
  edges: Record<string, number>;
  operatorsByExpert: Record<string, number>;
  degree: {
    conditionOut: DegreeSummary;
    operatorIn: DegreeSummary;
    operatorSatisfiesIn: DegreeSummary;
    operatorOut: DegreeSummary;
    effectIn: DegreeSummary;
  };
  /** Operators with no incoming edge at all. */
  unreachableOperators: string[];
  /** Operators without a satisfies edge (never gated by the action mask). */
  ungatedOperators: string[];
  /** Conditions no operator uses. */
  unusedConditions: string[];
  /** Effects no operator leads to. */
  orphanEffects: string[];
  /** Operators with no effect. */
  operatorsWithoutEffects: string[];
  /** 23-set actions that no operator carries out. */
  actionsWithoutOperator: number[];
  /** Condition labels no extractor computes. */
  undrivenConditions: string[];
  fired?: {
    steps: number;
    distinctMasks: number;
    conditionsFired: number;
    perCondition: { label: string; count: number; rate: number }[];
    neverFired: string[];
  };
}

function summary(values: number[]): DegreeSummary {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  let min = Infinity,
    max = -Infinity,
    sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, mean: sum / values.length, max };
}

export function graphStats(graph: Hypergraph, opts: { firedCounts?: FiredCounts } = {}): GraphStatsReport {
  const n = graph.numNodes;
  const inDeg = new Int32Array(n);
  const outDeg = new Int32Array(n);
  const satIn = new Int32Array(n);
  const edgesByRel: Record<string, number> = Object.fromEntries(RELATIONS.map((r) => [r, 0]));
  for (let e = 0; e < graph.edgeSrc.length; e++) {
    outDeg[graph.edgeSrc[e]]++;
    inDeg[graph.edgeDst[e]]++;
    const rel = RELATIONS[graph.edgeRelation[e]];
    edgesByRel[rel]++;
    if (rel === "satisfies") satIn[graph.edgeDst[e]]++;
  }
  const nodesByType: Record<string, number> = Object.fromEntries(NODE_TYPES.map((t) => [t, 0]));
  for (const node of graph.nodes) nodesByType[node.type]++;
  const operatorsByExpert: Record<string, number> = Object.fromEntries(graph.experts.map((e) => [e, 0]));
  for (const k of graph.operatorExpert) operatorsByExpert[graph.experts[k]]++;
  const label = (i: number): string => graph.nodes[i].label;
  const ops = [...graph.operatorNodes];
  const conds = [...graph.conditionNodes];
  const effs = [...graph.effectNodes];
  const covered = new Set<number>();
  for (const i of ops) for (const a of graph.nodes[i].actions ?? []) covered.add(a);
  const report: GraphStatsReport = {
    meta: { version: graph.meta.version, source: graph.meta.source },
    nodes: { total: n, ...nodesByType },
    edges: { total: graph.edgeSrc.length, ...edgesByRel },
    operatorsByExpert,
    degree: {
      conditionOut: summary(conds.map((i) => outDeg[i])),
      operatorIn: summary(ops.map((i) => inDeg[i])),
      operatorSatisfiesIn: summary(ops.map((i) => satIn[i])),
      operatorOut: summary(ops.map((i) => outDeg[i])),
      effectIn: summary(effs.map((i) => inDeg[i])),
    },
    unreachableOperators: ops.filter((i) => inDeg[i] === 0).map(label),
    ungatedOperators: ops.filter((i) => satIn[i] === 0).map(label),
    unusedConditions: conds.filter((i) => outDeg[i] === 0).map(label),
    orphanEffects: effs.filter((i) => inDeg[i] === 0).map(label),
    operatorsWithoutEffects: ops.filter((i) => outDeg[i] === 0).map(label),
    actionsWithoutOperator: SCORE_ACTION_KEYS.map((_, a) => a).filter((a) => !covered.has(a)),
    undrivenConditions: undrivenConditions(graph),
  };
  const f = opts.firedCounts;
  if (f) {
    if (f.counts.length !== conds.length) {
      throw new InvalidArgumentError(
        "firedCounts.counts length",
        f.counts.length,
        `${conds.length} (one per condition)`,
      );
    }
    const perCondition = conds.map((i, k) => ({
      label: label(i),
      count: f.counts[k],
      rate: f.steps > 0 ? f.counts[k] / f.steps : 0,
    }));
    report.fired = {
      steps: f.steps,
      distinctMasks: f.distinctMasks,
      conditionsFired: perCondition.filter((p) => p.count > 0).length,
      perCondition,
      neverFired: perCondition.filter((p) => p.count === 0).map((p) => p.label),
    };
  }
  return report;
}

const fmt = (d: DegreeSummary): string => `min ${d.min}, mean ${d.mean.toFixed(2)}, max ${d.max}`;
const list = (xs: readonly (string | number)[], max = 20): string =>
  xs.length === 0
    ? "none"
    : xs.slice(0, max).join(", ") + (xs.length > max ? `, … (${xs.length} in all)` : "");

/** Plain-text rendering of a stats report. */
export function formatGraphStats(r: GraphStatsReport): string {
  const lines: string[] = [];
  lines.push(`graph ${r.meta.version} (${r.meta.source})`);
  lines.push(
    `nodes: ${Object.entries(r.nodes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  lines.push(
    `edges: ${Object.entries(r.edges)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  lines.push(
    `operators by expert: ${Object.entries(r.operatorsByExpert)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  lines.push("degrees:");
  lines.push(`  condition out        ${fmt(r.degree.conditionOut)}`);
  lines.push(`  operator in          ${fmt(r.degree.operatorIn)}`);
  lines.push(`  operator satisfies   ${fmt(r.degree.operatorSatisfiesIn)}`);
  lines.push(`  operator out         ${fmt(r.degree.operatorOut)}`);
  lines.push(`  effect in            ${fmt(r.degree.effectIn)}`);
  lines.push(`unreachable operators: ${list(r.unreachableOperators)}`);
  lines.push(`ungated operators (no satisfies edge): ${list(r.ungatedOperators)}`);
  lines.push(`unused conditions: ${list(r.unusedConditions)}`);
  lines.push(`effects without producer: ${list(r.orphanEffects)}`);
  lines.push(`operators without effects: ${list(r.operatorsWithoutEffects)}`);
  lines.push(`23-set actions without operator: ${list(r.actionsWithoutOperator)}`);
  lines.push(`conditions without extractor: ${list(r.undrivenConditions)}`);
  if (r.fired) {
    const f = r.fired;
    lines.push(
      `fired over ${f.steps} steps: ${f.conditionsFired} of ${f.perCondition.length} conditions, ${f.distinctMasks} distinct condition masks`,
    );
    const sorted = [...f.perCondition].sort((a, b) => b.count - a.count);
    for (const p of sorted) {
      if (p.count === 0) break;
      lines.push(
        `  ${p.label.padEnd(28)} ${String(p.count).padStart(8)}  ${(100 * p.rate).toFixed(1).padStart(5)} %`,
      );
    }
    lines.push(`never fired: ${list(f.neverFired, 200)}`);
  }
  return lines.join("\n");
}
