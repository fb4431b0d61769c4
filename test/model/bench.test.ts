import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadBuiltinGraph } from "../../src/knowledge/index.js";
import { benchModel } from "../../src/model/bench.js";
import { trainerUpdate } from "../../src/cli/commands/model-bench.js";
import { recordRollout } from "../../src/model/rollout.js";
import { dedupMasks } from "../../src/model/gat-plan.js";
import { smallConfig } from "./helpers.js";

describe("model benchmark", () => {
  it("records real play (features, condition and action masks) and times inference and an update", async () => {
    const graph = loadBuiltinGraph();
    const C = graph.conditionNodes.length;
    const data = recordRollout(graph, { transitions: 64, seeds: [3, 4], cropSize: 3 });
    assert.equal(data.batch.B, 64);
    assert.equal(data.batch.masks.length, 64 * C);
    assert.equal(data.batch.actionMask!.length, 64 * data.numActions);
    assert.ok(dedupMasks(data.batch.masks, 64, C).M > 1, "real play gives more than one condition mask");
    for (let t = 0; t < 64; t++)
      assert.equal(data.batch.actionMask![t * data.numActions + data.actions[t]], 1);
    const r = await benchModel({
      graph,
      data: data.batch,
      config: { ...smallConfig, numActions: data.numActions },
      epochs: 1,
      minibatch: 32,
      inferReps: 1,
      updateReps: 1,
      update: trainerUpdate,
      updateName: "trainer",
    });
    assert.equal(r.transitions, 64);
    assert.equal(r.backend, "wasm");
    assert.equal(r.update, "trainer");
    for (const k of ["infer_ms_b1", "infer_ms_b64", "update_ms", "update_cpu_ms", "peak_rss_mb"] as const)
      assert.ok(Number.isFinite(r[k]) && r[k] > 0, k);
    assert.ok(r.unique_masks_per_minibatch >= 1 && r.unique_masks_per_minibatch <= 32);
  });
});
