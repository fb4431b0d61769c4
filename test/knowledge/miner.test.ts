import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/util/errors.js";
import {
  buildHypergraph,
  countFiredConditions,
  graphStats,
  loadBuiltinGraph,
  mergeGraphs,
  mine,
  validateGraphData,
  type HypergraphData,
} from "../../src/knowledge/index.js";
import { FakeEnv } from "./fake-env.js";

const graph = loadBuiltinGraph();
const opts = { episodes: 5, seed: 7, minSupport: 10, maxStepsPerEpisode: 400, graph };

function edge(data: HypergraphData, src: string, dst: string) {
  return data.edges.find((e) => e.src === src && e.dst === dst);
}

test("mining a fake env finds eating's precondition and effect", () => {
  const envs: FakeEnv[] = [];
  const mined = mine(() => {
    const e = new FakeEnv();
    envs.push(e);
    return e;
  }, opts);
  assert.equal(envs.length, 1);
  assert.ok(envs[0].closed, "the miner closes its env");
  validateGraphData(mined, "mined"); // our schema and rules, every condition label with an extractor
  const eat = mined.nodes.find((n) => n.label === "mined_eat");
  assert.ok(eat, "an operator for action 21");
  assert.deepEqual(eat.actions, [21]);
  assert.equal(eat.expert, "Survival");
  // Any action but eating makes the fake hero hungry, eating makes it not hungry: before an eat the hero is hungry
  // unless the previous action was also an eat (1 in 23).
  const pre = edge(mined, "c:hunger_hungry", eat.id);
  assert.ok(
    pre && pre.relation === "satisfies" && (pre.successProbability as number) >= 0.9,
    JSON.stringify(pre),
  );
  const eff = edge(mined, eat.id, "e:became_hunger_not_hungry");
  assert.ok(
    eff &&
      eff.relation === "leads_to" &&
      (eff.successProbability as number) >= 0.9 &&
      (eff.support as number) >= 10,
  );
  assert.ok(edge(mined, eat.id, "e:ceased_hunger_hungry"));
  // No other action leads to "not hungry".
  const others = mined.edges.filter((e) => e.dst === "e:became_hunger_not_hungry" && e.src !== eat.id);
  assert.deepEqual(others, []);
  // Food is always carried: a precondition of every mined operator (no lift filter by default).
  for (const op of mined.nodes.filter((n) => n.type === "operator"))
    assert.ok(edge(mined, "c:has_food", op.id), op.label);
  // Every operator has the support asked for; supports on edges are counts.
  const stats = graphStats(buildHypergraph(mined));
  assert.deepEqual(stats.unusedConditions, []);
  for (const e of mined.edges) assert.ok((e.support as number) >= opts.minSupport);
});

test("mining is deterministic for a seed and honours a given policy", () => {
  const a = mine(() => new FakeEnv(), opts);
  const b = mine(() => new FakeEnv(), opts);
  assert.deepEqual(a, b);
  const c = mine(() => new FakeEnv(), { ...opts, seed: 8 });
  assert.notDeepEqual(a.meta, c.meta);
  const searchOnly = mine(() => new FakeEnv(), { ...opts, policy: () => 22 });
  assert.deepEqual(
    searchOnly.nodes.filter((n) => n.type === "operator").map((n) => n.label),
    ["mined_search"],
  );
  assert.throws(() => mine(() => new FakeEnv(), { ...opts, policy: () => 99 }), InvalidArgumentError);
  assert.throws(() => mine(() => new FakeEnv(), { ...opts, episodes: 0 }), /episodes/);
});

test("the lift filter drops conditions that are on regardless of the action", () => {
  const mined = mine(() => new FakeEnv(), { ...opts, minLift: 1.01 });
  assert.equal(mined.edges.filter((e) => e.src === "c:has_food").length, 0);
  assert.equal(mined.edges.filter((e) => e.src === "c:player_alive").length, 0);
});

test("mergeGraphs unites nodes by label and adds up edge statistics", () => {
  const mined = mine(() => new FakeEnv(), opts);
  const builtin: HypergraphData = { meta: graph.meta, nodes: graph.nodes, edges: graph.edges };
  const merged = mergeGraphs(builtin, mined);
  validateGraphData(merged, "merged");
  const labels = new Set([...builtin.nodes, ...mined.nodes].map((n) => n.label));
  assert.equal(merged.nodes.length, labels.size);
  // Conditions shared by both keep the built-in ids.
  assert.equal(merged.nodes.find((n) => n.label === "has_food")?.id, "c:has_food");
  // Merging a graph with itself doubles supports and keeps probabilities.
  const twice = mergeGraphs(mined, mined);
  assert.equal(twice.nodes.length, mined.nodes.length);
  assert.equal(twice.edges.length, mined.edges.length);
  twice.edges.forEach((e, i) => {
    assert.equal(e.support, 2 * (mined.edges[i].support as number));
    assert.ok(
      Math.abs((e.successProbability as number) - (mined.edges[i].successProbability as number)) < 1e-12,
    );
  });
  // Weighted mean of probabilities: hand-computed.
  const mk = (support: number, p: number): HypergraphData => ({
    meta: { version: "1", source: "t" },
    nodes: [
      { id: "c", label: "hp_full", type: "condition" },
      { id: "o", label: "op", type: "operator", expert: "General", actions: [19] },
    ],
    edges: [{ src: "c", dst: "o", relation: "satisfies", support, successProbability: p }],
  });
  const m = mergeGraphs(mk(10, 0.2), mk(30, 0.6));
  assert.equal(m.edges[0].support, 40);
  assert.ok(Math.abs((m.edges[0].successProbability as number) - 0.5) < 1e-12);
  const clash = mk(1, 1);
  clash.nodes[1] = { id: "o", label: "hp_full", type: "operator", expert: "General" };
  assert.throws(() => mergeGraphs(mk(1, 1), { ...clash, edges: [] }), /type of node 'hp_full'/);
});

test("countFiredConditions plays and counts conditions and distinct masks", () => {
  const f = countFiredConditions(() => new FakeEnv(50), graph, { steps: 300, seeds: [1, 2, 3] });
  assert.equal(f.steps, 300);
  const idx = (label: string) => [...graph.conditionNodes].findIndex((i) => graph.nodes[i].label === label);
  assert.equal(f.counts[idx("player_alive")], 300);
  assert.equal(f.counts[idx("has_food")], 300);
  assert.equal(f.counts[idx("monster_visible")], 0);
  assert.ok(f.counts[idx("hunger_hungry")] > 0 && f.counts[idx("hunger_hungry")] < 300);
  assert.ok(f.distinctMasks >= 10, `distinct masks ${f.distinctMasks}`);
  const report = graphStats(graph, { firedCounts: f });
  assert.ok(
    report.fired && report.fired.conditionsFired > 10 && report.fired.neverFired.includes("monster_visible"),
  );
});
