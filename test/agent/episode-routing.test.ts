/**
 * The per-episode routing accumulator shared by training and evaluation, against hand-computed values: the
 * per-step entropy, mean α, switch rate and scenario counts of a three-step episode, slots kept apart, and a
 * state round trip that continues an episode exactly (what a training checkpoint relies on).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EpisodeRoutingSlots } from "../../src/agent/index.js";
import { close, closeAll } from "../train/helpers.js";

describe("EpisodeRoutingSlots", () => {
  it("a three-step episode: entropy, mean α, switches and scenarios by hand", () => {
    const r = new EpisodeRoutingSlots(2, 3, 1);
    // Steps: [1, 0] (H 0, dominant 0), [0.5, 0.5] (H ln 2, dominant 0: ties go to the first), [0, 1] (H 0, dominant 1).
    assert.deepEqual(r.step(0, [1, 0], 0, 2), { entropy: 0, dominant: 0 });
    const s2 = r.step(0, [0.5, 0.5], 0, 2);
    close(s2.entropy, Math.log(2), 1e-6);
    assert.equal(s2.dominant, 0);
    r.step(0, [0, 1], 0, 0);
    const e = r.end(0);
    assert.equal(e.steps, 3);
    close(e.alphaEntropyStep, Math.log(2) / 3, 1e-6);
    closeAll(e.alphaMean, [0.5, 0.5]);
    close(e.alphaEntropyOfMean, Math.log(2));
    close(e.switchRate, 1 / 2); // one change (0 → 1) over two transitions
    assert.deepEqual(e.scenarioSteps, [1, 0, 2]);
    // The slot starts afresh.
    assert.equal(r.previous(0), -1);
  });

  it("reads α rows at an offset, keeps slots apart and rejects bad indices", () => {
    const r = new EpisodeRoutingSlots(2, 0, 2);
    const batch = [1, 0, 0, 1]; // env 0 → expert 0, env 1 → expert 1
    r.step(0, batch, 0);
    r.step(1, batch, 2);
    r.step(0, batch, 2);
    assert.equal(r.end(0).switchRate, 1);
    assert.equal(r.end(1).switchRate, 0);
    assert.throws(() => r.step(2, batch, 0), /routing slot.*2/);
    assert.throws(() => new EpisodeRoutingSlots(2, 3, 1).step(0, [1, 0], 0, 3), /scenario index/);
  });

  it("a state round trip continues an episode exactly", () => {
    const a = new EpisodeRoutingSlots(3, 0, 1);
    const rows = [
      [0.7, 0.2, 0.1],
      [0.1, 0.1, 0.8],
      [0.3, 0.3, 0.4],
      [0.9, 0.05, 0.05],
    ];
    for (const row of rows.slice(0, 2)) a.step(0, row);
    const b = new EpisodeRoutingSlots(3, 0, 1);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    for (const row of rows.slice(2)) {
      a.step(0, row);
      b.step(0, row);
    }
    assert.deepEqual(b.end(0), a.end(0));
    assert.throws(() => b.setState([]), /routing slot states/);
  });
});
