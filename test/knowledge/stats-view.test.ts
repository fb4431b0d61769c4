import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildHypergraph,
  ConditionFireCounter,
  formatGraphStats,
  graphStats,
  graphViewHtml,
  loadBuiltinGraph,
} from "../../src/knowledge/index.js";

/** A graph with one of every structural gap. */
const gappy = buildHypergraph({
  meta: { version: "0.1", source: "test" },
  nodes: [
    { id: "c1", label: "hp_full", type: "condition" },
    { id: "c2", label: "blind", type: "condition" },
    { id: "c3", label: "not_a_condition_we_know", type: "condition" },
    { id: "o1", label: "rest", type: "operator", expert: "Survival", actions: [19] },
    { id: "o2", label: "lonely", type: "operator", expert: "Combat", actions: [20] },
    { id: "o3", label: "context_only", type: "operator", expert: "General", keys: [112] },
    { id: "e1", label: "hp_restored", type: "effect" },
    { id: "e2", label: "orphan", type: "effect" },
  ],
  edges: [
    { src: "c1", dst: "o1", relation: "satisfies" },
    { src: "c3", dst: "o1", relation: "context_of" },
    { src: "c1", dst: "o3", relation: "context_of" },
    { src: "o1", dst: "e1", relation: "leads_to" },
  ],
});

test("graphStats reports counts, degrees and structural gaps", () => {
  const r = graphStats(gappy);
  assert.deepEqual(r.nodes, { total: 8, condition: 3, operator: 3, effect: 2 });
  assert.deepEqual(r.edges, { total: 4, satisfies: 1, context_of: 2, leads_to: 1 });
  assert.deepEqual(r.operatorsByExpert, { Survival: 1, Combat: 1, Exploration: 0, General: 1 });
  assert.deepEqual(r.unreachableOperators, ["lonely"]);
  assert.deepEqual(r.ungatedOperators, ["lonely", "context_only"]);
  assert.deepEqual(r.unusedConditions, ["blind"]);
  assert.deepEqual(r.orphanEffects, ["orphan"]);
  assert.deepEqual(r.operatorsWithoutEffects, ["lonely", "context_only"]);
  assert.deepEqual(r.undrivenConditions, ["not_a_condition_we_know"]);
  assert.equal(r.actionsWithoutOperator.length, 21);
  assert.ok(!r.actionsWithoutOperator.includes(19) && !r.actionsWithoutOperator.includes(20));
  assert.deepEqual(r.degree.operatorIn, { min: 0, mean: 1, max: 2 });
  assert.deepEqual(r.degree.conditionOut, { min: 0, mean: 1, max: 2 });
  const text = formatGraphStats(r);
  assert.match(text, /unused conditions: blind/);
  assert.match(text, /unreachable operators: lonely/);
  assert.match(text, /nodes: total 8, condition 3, operator 3, effect 2/);
});

test("fired counts: per-condition rates, never-fired list, distinct masks", () => {
  const counter = new ConditionFireCounter(3);
  counter.add(new Uint8Array([1, 0, 0]));
  counter.add(new Uint8Array([1, 0, 0]));
  counter.add(new Uint8Array([1, 1, 0]));
  counter.add(new Uint8Array([0, 0, 0, 1, 0, 0]), 3);
  assert.equal(counter.steps, 4);
  assert.equal(counter.distinctMasks, 2); // {100, 110}
  const r = graphStats(gappy, { firedCounts: counter.result() });
  assert.ok(r.fired);
  assert.equal(r.fired.conditionsFired, 2);
  assert.deepEqual(r.fired.neverFired, ["not_a_condition_we_know"]);
  assert.deepEqual(r.fired.perCondition[0], { label: "hp_full", count: 4, rate: 1 });
  assert.match(formatGraphStats(r), /fired over 4 steps: 2 of 3 conditions, 2 distinct condition masks/);
  assert.throws(
    () => graphStats(gappy, { firedCounts: { steps: 1, counts: [1], distinctMasks: 1 } }),
    /firedCounts.counts length/,
  );
  // Masks wider than 16 conditions are told apart too.
  const wide = new ConditionFireCounter(40);
  const v = new Uint8Array(40);
  wide.add(v);
  v[33] = 1;
  wide.add(v);
  v[33] = 0;
  v[17] = 1;
  wide.add(v);
  assert.equal(wide.distinctMasks, 3);
});

test("graphViewHtml is a self-contained page with every node and expert filters", () => {
  const graph = loadBuiltinGraph();
  const html = graphViewHtml(graph);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes("<svg"));
  assert.ok(
    !/<script[^>]+src=|<link|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html),
    "no network references",
  );
  const json = /<script id="graph-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(json);
  const data = JSON.parse(json[1]);
  assert.equal(data.nodes.length, graph.numNodes);
  assert.equal(data.edges.length, graph.edges.length);
  assert.deepEqual(data.experts, ["Survival", "Combat", "Exploration", "General"]);
  assert.ok(html.includes('type = "checkbox"'));
  for (const n of data.nodes) assert.ok(Number.isFinite(n.x) && Number.isFinite(n.y));
  // Labels cannot break out of the script element.
  const evil = buildHypergraph({
    meta: { version: "1", source: "<b>x</b>" },
    nodes: [{ id: "c", label: "</script><img src=x>", type: "condition" }],
    edges: [],
  });
  const page = graphViewHtml(evil);
  assert.ok(!page.includes("</script><img"));
  assert.ok(page.includes("&lt;b&gt;x&lt;/b&gt;"));
});
