/**
 * How much does a graph's wiring alone tell its opinion about the situation — and how much does a random rewiring?
 *
 * The shuffled-graph ablation permutes the condition → operator edges with one seed. Its opinion still depends
 * on the state only through which operators are enabled, now by scrambled preconditions: a random wiring is still
 * a fixed function of the state, and it can separate the scenarios as well as the real one does (each condition
 * keeps its out-degree, so the monster-adjacency facts still gate *some* operators, only an arbitrary expert's).
 * This measures that directly, with no training: the opinion with every operator utility equal (what the graph's
 * structure says before learning, under the same expert prior as the model's: each expert's mean share), on the
 * states of a masked random agent, for the graph and for N shuffles. I(scenario; suggested expert) then says how
 * much scenario information a wiring hands to the opinion for free, and its spread over shuffle seeds how much one
 * shuffled-graph run can say about "no knowledge".
 */
import * as tf from "@tensorflow/tfjs-core";
import { shuffleConditionEdges, type Hypergraph } from "../knowledge/index.js";
import { GraphOpinion, recordRollout, type RolloutData } from "../model/index.js";
import { InvalidArgumentError } from "../util/index.js";
import { SCENARIOS, namedExpertShare, scenarioLabeler, type NamedExpertShare } from "./scenario.js";
import { mutualInformation, quantileSorted } from "./stats.js";

export interface WiringOptions {
  /** Condition-edge shuffles to compare with the graph: seeds 1…shuffles (the ablation preset uses seed 1). */
  shuffles?: number;
  /** Random-agent transitions to read the states from. */
  transitions?: number;
  /** Episode seeds of the random agent (0…seeds−1). */
  seeds?: number;
}

export interface WiringRow {
  /** null for the graph as given. */
  shuffleSeed: number | null;
  /** Each expert's mean share of the structural opinion over the states (the prior it is re-weighted by). */
  prior: number[];
  /** Steps per scenario × suggested expert (argmax of the re-weighted structural opinion). */
  suggestedTable: number[][];
  /** I(scenario; suggested expert), nats. */
  mutualInformation: number;
  namedExpertShare: NamedExpertShare;
}

export interface WiringReport {
  transitions: number;
  seeds: number;
  scenarios: string[];
  experts: string[];
  scenarioSteps: number[];
  graph: WiringRow;
  shuffles: WiringRow[];
  /** Over the shuffles: min / median / max MI, and how many shuffles reach the graph's MI or more. */
  shuffleMutualInformation: { min: number; median: number; max: number; atLeastGraph: number } | null;
}

/** The structural opinion's suggestion on each recorded state, tabulated by scenario. */
function wiringRow(
  graph: Hypergraph,
  shuffleSeed: number | null,
  data: RolloutData,
  labels: Int32Array,
): WiringRow {
  const K = graph.experts.length;
  const T = data.T;
  const opinion = new GraphOpinion(graph, K, data.numActions);
  const enabled = opinion.enabled(data.batch.masks, T);
  const read = (): Float32Array =>
    tf.tidy(
      () => opinion.forward(tf.zeros([T, opinion.numOperators]), enabled).probs.dataSync() as Float32Array,
    );
  // g itself first (the prior is uniform until set), then its mean over the states as the prior, as the trainer
  // does before each update.
  const raw = read();
  const prior = new Array<number>(K).fill(0);
  for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) prior[k] += raw[t * K + k] / T;
  opinion.setPrior(prior);
  const probs = read();
  const table = Array.from({ length: SCENARIOS.length }, () => new Array<number>(K).fill(0));
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (probs[t * K + k] > probs[t * K + best]) best = k;
    table[labels[t]][best]++;
  }
  return {
    shuffleSeed,
    prior,
    suggestedTable: table,
    mutualInformation: mutualInformation(table),
    namedExpertShare: namedExpertShare(table, graph.experts),
  };
}

/** Compares the graph's wiring with `shuffles` rewirings (needs an initialised tfjs backend). */
export function wiringInformation(graph: Hypergraph, o: WiringOptions = {}): WiringReport {
  const shuffles = o.shuffles ?? 20;
  const transitions = o.transitions ?? 8000;
  const seeds = o.seeds ?? 32;
  for (const [what, v, min] of [
    ["shuffles", shuffles, 0],
    ["transitions", transitions, 1],
    ["seeds", seeds, 1],
  ] as const)
    if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(what, v, `an integer ≥ ${min}`);
  const data = recordRollout(graph, { transitions, seeds: Array.from({ length: seeds }, (_, i) => i) });
  const labeler = scenarioLabeler(graph);
  const labels = Int32Array.from({ length: data.T }, (_, t) => labeler.label(data.batch.masks, t));
  const scenarioSteps = new Array<number>(SCENARIOS.length).fill(0);
  for (const l of labels) scenarioSteps[l]++;
  const real = wiringRow(graph, null, data, labels);
  const rows = Array.from({ length: shuffles }, (_, i) =>
    wiringRow(shuffleConditionEdges(graph, i + 1), i + 1, data, labels),
  );
  const mis = rows.map((r) => r.mutualInformation).sort((a, b) => a - b);
  return {
    transitions: data.T,
    seeds,
    scenarios: [...SCENARIOS],
    experts: [...graph.experts],
    scenarioSteps,
    graph: real,
    shuffles: rows,
    shuffleMutualInformation: mis.length
      ? {
          min: mis[0],
          median: quantileSorted(mis, 0.5),
          max: mis[mis.length - 1],
          atLeastGraph: mis.filter((m) => m >= real.mutualInformation).length,
        }
      : null,
  };
}

export function formatWiringReport(r: WiringReport): string {
  const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
  const line = (name: string, w: WiringRow) =>
    `${name.padEnd(12)} MI ${w.mutualInformation.toFixed(4)} | led by namesake ${pct(w.namedExpertShare.mean)} | ` +
    `prior ${w.prior.map((p) => p.toFixed(2)).join(" ")} | by scenario → suggested expert: ` +
    w.suggestedTable
      .map((row, s) => `${r.scenarios[s]} ${r.experts[row.indexOf(Math.max(...row))] ?? "–"}`)
      .join(", ");
  const out = [
    `structural opinion (equal operator utilities, expert prior = mean share) on ${r.transitions} random-agent ` +
      `states from ${r.seeds} seeds; scenario steps ${r.scenarios.map((s, i) => `${s} ${r.scenarioSteps[i]}`).join(", ")}`,
    `experts ${r.experts.join(" / ")}`,
    line("graph", r.graph),
    ...r.shuffles.map((w) => line(`shuffle ${w.shuffleSeed}`, w)),
  ];
  const s = r.shuffleMutualInformation;
  if (s)
    out.push(
      `shuffles: MI min ${s.min.toFixed(4)} | median ${s.median.toFixed(4)} | max ${s.max.toFixed(4)}; ` +
        `${s.atLeastGraph} of ${r.shuffles.length} reach the graph's ${r.graph.mutualInformation.toFixed(4)}`,
    );
  return out.join("\n");
}
