import { test } from "node:test";
import assert from "node:assert/strict";
import {
  benchExtraction,
  extractConditions,
  loadBuiltinGraph,
  syntheticObservation,
} from "../../src/knowledge/index.js";

test("extraction stays well under the per-observation budget", () => {
  const graph = loadBuiltinGraph();
  // The synthetic observations exercise the expensive paths: many known cells, monsters, items, a message.
  const on = extractConditions(syntheticObservation(1), graph).reduce((s, v) => s + v, 0);
  assert.ok(on >= 20, `${on} conditions on in the synthetic observation`);
  const us = benchExtraction({ iterations: 4000, graph });
  console.log(`extraction: ${us.toFixed(2)} µs/obs`);
  assert.ok(us > 0 && us < 60, `${us} µs/obs`); // target ≤ 20; loose bound against CI noise
});
