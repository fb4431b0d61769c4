/**
 * `wiringInformation` against a closed form on the real game's states: with every operator utility equal, an
 * expert's opinion share is 1/(number of experts with an enabled operator), so after re-weighting by the prior the
 * suggestion is the available expert with the smallest mean share. The test rebuilds that from the graph's
 * preconditions and the recorded condition masks, without the opinion's tensor path.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { SCENARIOS, mutualInformation, scenarioLabeler, wiringInformation } from "../../src/eval/index.js";
import {
  loadBuiltinGraph,
  operatorPreconditions,
  shuffleConditionEdges,
  type Hypergraph,
} from "../../src/knowledge/index.js";
import { initBackend, recordRollout } from "../../src/model/index.js";

const T = 600;
const SEEDS = 4;

/** The closed-form suggested-expert table (see the file comment). */
function closedForm(graph: Hypergraph, masks: Uint8Array, labels: number[], A: number): number[][] {
  const K = graph.experts.length;
  const C = graph.conditionNodes.length;
  const pre = operatorPreconditions(graph);
  const playable = Array.from(graph.operatorNodes, (n) =>
    (graph.nodes[n].actions ?? []).some((a) => a >= 0 && a < A),
  );
  const avail: boolean[][] = [];
  for (let t = 0; t < T; t++) {
    const row = new Array<boolean>(K).fill(false);
    pre.forEach((p, j) => {
      if (playable[j] && (p.length === 0 || p.some((c) => masks[t * C + c])))
        row[graph.operatorExpert[j]] = true;
    });
    avail.push(row);
  }
  const prior = new Array<number>(K).fill(0);
  for (const row of avail) {
    const n = row.filter(Boolean).length;
    for (let k = 0; k < K; k++) prior[k] += (n ? (row[k] ? 1 / n : 0) : 1 / K) / T;
  }
  const floored = prior.map((p) => Math.max(p, 1e-3));
  const table = SCENARIOS.map(() => new Array<number>(K).fill(0));
  avail.forEach((row, t) => {
    let best = -1;
    for (let k = 0; k < K; k++)
      if ((row[k] || !row.some(Boolean)) && (best < 0 || floored[k] < floored[best])) best = k;
    table[labels[t]][best]++;
  });
  return table;
}

describe("graph wiring information", () => {
  before(async () => {
    await initBackend("cpu");
  });

  it("tabulates the untrained opinion's suggestion as the closed form says, for the graph and a shuffle", () => {
    const graph = loadBuiltinGraph();
    const r = wiringInformation(graph, { shuffles: 2, transitions: T, seeds: SEEDS });
    // The same states the function read (same seeds, same random agent).
    const data = recordRollout(graph, { transitions: T, seeds: Array.from({ length: SEEDS }, (_, i) => i) });
    const lab = scenarioLabeler(graph);
    const labels = Array.from({ length: T }, (_, t) => lab.label(data.batch.masks, t));
    assert.deepEqual(
      r.scenarioSteps,
      SCENARIOS.map((_, s) => labels.filter((l) => l === s).length),
    );
    assert.deepEqual(r.graph.suggestedTable, closedForm(graph, data.batch.masks, labels, data.numActions));
    assert.deepEqual(
      r.shuffles[0].suggestedTable,
      closedForm(shuffleConditionEdges(graph, 1), data.batch.masks, labels, data.numActions),
    );
    assert.equal(r.graph.mutualInformation, mutualInformation(r.graph.suggestedTable));
    // The real graph gates Combat's attacks on a monster being there: fights are suggested to Combat.
    const combat = SCENARIOS.indexOf("combat");
    const k = graph.experts.indexOf("Combat");
    assert.ok(r.scenarioSteps[combat] > 0, "the random agent met a monster");
    assert.ok(r.graph.suggestedTable[combat][k] / r.scenarioSteps[combat] > 0.9);
    assert.deepEqual(
      r.shuffles.map((w) => w.shuffleSeed),
      [1, 2],
    );
    const s = r.shuffleMutualInformation!;
    assert.ok(s.min <= s.median && s.median <= s.max);
  });

  it("names bad options", () => {
    const graph = loadBuiltinGraph();
    assert.throws(() => wiringInformation(graph, { shuffles: -1 }), /shuffles.*-1.*integer ≥ 0/);
    assert.throws(() => wiringInformation(graph, { transitions: 0 }), /transitions.*0.*integer ≥ 1/);
  });
});
