import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/util/index.js";
import { computeGae } from "../../src/train/index.js";
import { closeAll } from "./helpers.js";

describe("computeGae", () => {
  it("hand-computed example with a termination and a truncation (γ = λ = 0.5)", () => {
    // T = 3 steps, N = 2 envs, time-major: index t·2 + n.
    // env 0: r = [1, 2, 3], V = [0.5, 1, 2], terminated at t = 1, V(after rollout) = 4
    //   t=2: δ = 3 + 0.5·4 − 2 = 3                 A = 3       R = 5
    //   t=1: terminal: δ = 2 − 1 = 1               A = 1       R = 2
    //   t=0: δ = 1 + 0.5·1 − 0.5 = 1               A = 1 + 0.25·1 = 1.25   R = 1.75
    // env 1: r = [0, 1, −1], V = [1, 2, 0], truncated at t = 0 with V(final obs) = 10, V(after) = −2
    //   t=2: δ = −1 + 0.5·(−2) − 0 = −2            A = −2      R = −2
    //   t=1: δ = 1 + 0.5·0 − 2 = −1                A = −1 + 0.25·(−2) = −1.5   R = 0.5
    //   t=0: truncated: δ = 0 + 0.5·10 − 1 = 4     A = 4 (no carry across the boundary)   R = 5
    const { advantages, returns } = computeGae({
      steps: 3,
      envs: 2,
      rewards: [1, 0, 2, 1, 3, -1],
      values: [0.5, 1, 1, 2, 2, 0],
      terminated: [0, 0, 1, 0, 0, 0],
      truncated: [0, 1, 0, 0, 0, 0],
      truncValues: [99, 10, 99, 99, 99, 99],
      lastValues: [4, -2],
      gamma: 0.5,
      lambda: 0.5,
    });
    closeAll(advantages, [1.25, 4, 1, -1.5, 3, -2], 1e-7, "A");
    closeAll(returns, [1.75, 5, 2, 0.5, 5, -2], 1e-7, "R");
  });

  it("γ = λ = 1 without boundaries: A_t = Σ r + V_last − V_t", () => {
    const { advantages } = computeGae({
      steps: 3,
      envs: 1,
      rewards: [1, 2, 3],
      values: [1, 1, 1],
      terminated: [0, 0, 0],
      truncated: [0, 0, 0],
      truncValues: [0, 0, 0],
      lastValues: [10],
      gamma: 1,
      lambda: 1,
    });
    closeAll(advantages, [15, 14, 12], 1e-7);
  });

  it("terminated wins over truncated on the same step", () => {
    const { advantages } = computeGae({
      steps: 1,
      envs: 1,
      rewards: [1],
      values: [0],
      terminated: [1],
      truncated: [1],
      truncValues: [100],
      lastValues: [100],
      gamma: 0.9,
      lambda: 0.9,
    });
    closeAll(advantages, [1]);
  });

  it("rejects mismatched lengths", () => {
    const ok = {
      steps: 2,
      envs: 1,
      rewards: [0, 0],
      values: [0, 0],
      terminated: [0, 0],
      truncated: [0, 0],
      truncValues: [0, 0],
      lastValues: [0],
      gamma: 0.9,
      lambda: 0.9,
    };
    assert.throws(() => computeGae({ ...ok, values: [0] }), InvalidArgumentError);
    assert.throws(() => computeGae({ ...ok, lastValues: [0, 0] }), /lastValues length/);
    assert.throws(() => computeGae({ ...ok, gamma: 2 }), /GAE gamma/);
  });
});
