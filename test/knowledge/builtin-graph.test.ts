import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  builtinGraphPath,
  CONDITION_EXTRACTORS,
  EXPERT_NAMES,
  graphStats,
  loadBuiltinGraph,
  operatorExpertMatrix,
  RELATIONS,
} from "../../src/knowledge/index.js";

const graph = loadBuiltinGraph();

test("the built-in graph loads, is versioned and big enough", () => {
  const raw = JSON.parse(readFileSync(builtinGraphPath(), "utf8"));
  assert.match(raw.meta.version, /^\d+\.\d+\.\d+$/);
  assert.ok(graph.conditionNodes.length >= 120, `${graph.conditionNodes.length} conditions`);
  assert.ok(graph.operatorNodes.length >= 30);
  assert.ok(graph.effectNodes.length >= 20);
  for (const i of graph.conditionNodes) assert.ok(CONDITION_EXTRACTORS.includes(graph.nodes[i].label));
});

test("every operator is reachable through a satisfies edge and has an effect; every condition is used", () => {
  const sat = RELATIONS.indexOf("satisfies");
  const satIn = new Set<number>();
  const used = new Set<number>();
  const out = new Set<number>();
  for (let e = 0; e < graph.edgeSrc.length; e++) {
    used.add(graph.edgeSrc[e]);
    if (graph.edgeRelation[e] === sat) satIn.add(graph.edgeDst[e]);
    if (graph.nodeType[graph.edgeSrc[e]] === 1) out.add(graph.edgeSrc[e]);
  }
  for (const i of graph.operatorNodes) {
    assert.ok(satIn.has(i), `operator ${graph.nodes[i].label} has no satisfies edge`);
    assert.ok(out.has(i), `operator ${graph.nodes[i].label} has no effect`);
  }
  for (const i of graph.conditionNodes) assert.ok(used.has(i), `condition ${graph.nodes[i].label} unused`);
  const stats = graphStats(graph);
  assert.deepEqual(
    [
      stats.unreachableOperators,
      stats.ungatedOperators,
      stats.unusedConditions,
      stats.orphanEffects,
      stats.actionsWithoutOperator,
      stats.undrivenConditions,
    ],
    [[], [], [], [], [], []],
  );
});

test("each of the 23 actions has an operator; operators carry explicit experts and actions or keys", () => {
  const covered = new Set<number>();
  for (const i of graph.operatorNodes) {
    const n = graph.nodes[i];
    assert.ok(n.expert && EXPERT_NAMES.includes(n.expert), n.label);
    assert.ok((n.actions?.length ?? 0) + (n.keys?.length ?? 0) > 0, `${n.label} is carried out by nothing`);
    for (const a of n.actions ?? []) covered.add(a);
  }
  for (let a = 0; a < 23; a++) assert.ok(covered.has(a), `action ${a}`);
  for (const cmd of [
    "open_door",
    "close_door",
    "pickup",
    "wield",
    "wear",
    "quaff",
    "read",
    "zap",
    "pray",
    "throw",
    "apply",
    "fight_force",
  ]) {
    assert.ok(graph.nodeIndex.has(`o:${cmd}`), cmd);
  }
  const experts = new Set([...graph.operatorExpert].map((k) => graph.experts[k]));
  assert.deepEqual([...experts].sort(), [...EXPERT_NAMES].sort());
});

test("operator → expert matrix: one entry per row, columns average their operators", () => {
  const m = operatorExpertMatrix(graph);
  assert.equal(m.numOperators, graph.operatorNodes.length);
  assert.equal(m.numExperts, 4);
  const counts = new Array(4).fill(0);
  for (const i of graph.operatorNodes)
    counts[EXPERT_NAMES.indexOf(graph.nodes[i].expert as (typeof EXPERT_NAMES)[number])]++;
  for (let j = 0; j < m.numOperators; j++) {
    const k = EXPERT_NAMES.indexOf(
      graph.nodes[graph.operatorNodes[j]].expert as (typeof EXPERT_NAMES)[number],
    );
    for (let e = 0; e < 4; e++) {
      const want = e === k ? 1 / counts[k] : 0;
      assert.ok(Math.abs(m.data[j * 4 + e] - want) < 1e-7);
    }
  }
  for (let e = 0; e < 4; e++) {
    let s = 0;
    for (let j = 0; j < m.numOperators; j++) s += m.data[j * 4 + e];
    assert.ok(Math.abs(s - 1) < 1e-5, `column ${e} sums to ${s}`);
  }
});
