/**
 * The learner's thread fails loudly: a learner whose start-up fails (here: an unknown tensor backend) answers
 * every request with that error instead of leaving the trainer waiting forever.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkerLearner, resolveConfig } from "../../src/train/index.js";

describe("WorkerLearner", () => {
  it("reports a failed start-up on every request", async () => {
    const learner = new WorkerLearner({
      config: resolveConfig({ preset: "demo" }),
      backend: "no-such-backend" as "wasm",
      weights: new Map(),
      start: { rng: [1, 2, 3, 4], lrSchedule: { updates: 0 } },
    });
    try {
      await assert.rejects(() => learner.weights(), /tensor backend.*no-such-backend/);
      await assert.rejects(() => learner.optimizerState(), /tensor backend/);
    } finally {
      await learner.close();
    }
  });
});
