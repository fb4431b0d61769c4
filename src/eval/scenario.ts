/**
 * Scenario labels for specialisation analysis: every step gets one label from its condition mask, checked in
 * priority order (the first that holds wins), so each step counts once in the scenario × expert table.
 *   combat       a hostile is adjacent (non-pet monster, an unseen attacker, or the hero is engulfed)
 *   survival     HP low or critical, or hungry or worse
 *   exploration  unexplored frontier within 3 squares, or a downstair visible
 *   general      anything else
 * Combat comes first because a fight at low HP is still a fight: the expert that should act is Combat.
 */
import type { Hypergraph } from "../knowledge/index.js";
import { InvalidArgumentError } from "../util/index.js";

export const SCENARIOS = ["combat", "survival", "exploration", "general"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Condition labels (graph node labels) that put a step in each scenario; "general" has none. */
export const SCENARIO_CONDITIONS: Readonly<Record<Exclude<Scenario, "general">, readonly string[]>> = {
  combat: ["monster_adjacent", "invisible_adjacent", "engulfed"],
  survival: ["hp_low", "hp_critical", "hunger_needs_food"],
  exploration: ["frontier_near", "unexplored_adjacent", "stairs_down_visible"],
};

export interface ScenarioLabeler {
  readonly numConditions: number;
  /** Condition indices per scenario (in SCENARIOS order, general = []). */
  readonly indices: readonly (readonly number[])[];
  /** Scenario index of row `row` of a [rows × C] condition-mask array. */
  label(masks: Uint8Array, row: number): number;
  /** Labels missing from the graph (their scenario still works with the others). */
  readonly missing: readonly string[];
}

export function scenarioLabeler(graph: Hypergraph): ScenarioLabeler {
  const byLabel = new Map<string, number>();
  graph.conditionNodes.forEach((node, c) => byLabel.set(graph.nodes[node].label, c));
  const missing: string[] = [];
  const indices = SCENARIOS.map((s) => {
    if (s === "general") return [];
    const out: number[] = [];
    for (const l of SCENARIO_CONDITIONS[s]) {
      const c = byLabel.get(l);
      if (c === undefined) missing.push(l);
      else out.push(c);
    }
    return out;
  });
  const C = graph.conditionNodes.length;
  const general = SCENARIOS.indexOf("general");
  if (indices.every((ix) => ix.length === 0))
    throw new InvalidArgumentError(
      "graph for scenario labels",
      "no scenario condition",
      `a graph with some of ${Object.values(SCENARIO_CONDITIONS).flat().join(", ")}`,
    );
  return {
    numConditions: C,
    indices,
    missing,
    label(masks, row) {
      const off = row * C;
      for (let s = 0; s < indices.length; s++) for (const c of indices[s]) if (masks[off + c]) return s;
      return general;
    },
  };
}

/** Per scenario: the share of its steps led by the expert of the same name, and their mean. */
export interface NamedExpertShare {
  /** null where no expert has the scenario's name or the scenario has no steps. */
  byScenario: Record<string, number | null>;
  /**
   * Mean over the scenarios that have a same-named expert and steps, each scenario weighted equally (a router
   * blind to the situation scores 1/K on average here, whatever the scenario mix); null when none qualifies.
   */
  mean: number | null;
}

/**
 * Whether the experts do what their names say: in `table[s][e]` (steps of scenario s led by expert e), the share
 * of each scenario's steps led by the expert named like it (case-insensitive: combat → "Combat"). Unlike
 * I(scenario; expert), which any consistent split scores whatever the names, this reads the names: a router that
 * sends every fight to "Exploration" gets 0 on combat here and full marks in MI.
 */
export function namedExpertShare(
  table: readonly (readonly number[])[],
  expertNames: readonly string[],
  scenarios: readonly string[] = SCENARIOS,
): NamedExpertShare {
  if (table.length !== scenarios.length)
    throw new InvalidArgumentError(
      "scenario × expert table rows",
      table.length,
      `${scenarios.length} (one per scenario)`,
    );
  const byScenario: Record<string, number | null> = {};
  let sum = 0;
  let n = 0;
  scenarios.forEach((s, i) => {
    const row = table[i];
    if (row.length !== expertNames.length)
      throw new InvalidArgumentError(`table row ${s}`, row.length, `${expertNames.length} (one per expert)`);
    const e = expertNames.findIndex((name) => name.toLowerCase() === s.toLowerCase());
    const total = row.reduce((a, b) => a + b, 0);
    const share = e >= 0 && total > 0 ? row[e] / total : null;
    byScenario[s] = share;
    if (share !== null) {
      sum += share;
      n++;
    }
  });
  return { byScenario, mean: n ? sum / n : null };
}
