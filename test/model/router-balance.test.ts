import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/util/index.js";
import { balanceBiasStep, logitStats } from "../../src/model/index.js";
import { close } from "../train/helpers.js";

describe("balanceBiasStep", () => {
  it("moves under-used experts up and over-used ones down by the rate, then re-centres", () => {
    // shares (0.7, 0.2, 0.1, 0) against 1/4: signs (−, +, +, +) → raw (−0.01, 0.01, 0.01, 0.01), mean 0.005.
    const b = balanceBiasStep([0, 0, 0, 0], [0.7, 0.2, 0.1, 0], 0.01);
    const want = [-0.015, 0.005, 0.005, 0.005];
    for (let k = 0; k < 4; k++) close(b[k], want[k], 1e-6);
    close(
      b.reduce((x, y) => x + y, 0),
      0,
      1e-7,
    );
  });

  it("an expert exactly at 1/K keeps its offset; rate 0 or NaN shares leave the bias as it was", () => {
    const b = balanceBiasStep([0.1, -0.1], [0.5, 0.5], 0.01);
    close(b[0], 0.1, 1e-7);
    close(b[1], -0.1, 1e-7);
    assert.deepEqual(Array.from(balanceBiasStep([0.25, -0.25], [1, 0], 0)), [0.25, -0.25]);
    assert.deepEqual(Array.from(balanceBiasStep([0.25, -0.25], [NaN, NaN], 0.1)), [0.25, -0.25]);
  });

  it("drives the dominated shares of a fixed set of router logits towards equal", () => {
    // 400 states whose logits favour expert 0 by a spread of ±0.02: without the bias expert 0 wins most steps.
    const K = 3;
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 0.02;
    const z = Array.from({ length: 400 }, () => [0.03 + rand(), rand(), rand()]);
    const shares = (b: ArrayLike<number>) => {
      const c = new Array(K).fill(0);
      for (const row of z) {
        let best = 0;
        for (let k = 1; k < K; k++) if (row[k] + b[k] > row[best] + b[best]) best = k;
        c[best]++;
      }
      return c.map((v) => v / z.length);
    };
    assert.ok(shares([0, 0, 0])[0] > 0.9);
    let b: Float32Array = new Float32Array(K);
    for (let u = 0; u < 200; u++) b = balanceBiasStep(b, shares(b), 0.001);
    for (const f of shares(b)) assert.ok(Math.abs(f - 1 / K) < 0.08, `share ${f}`);
  });

  it("rejects a share vector of the wrong length and a bad rate", () => {
    assert.throws(() => balanceBiasStep([0, 0], [1], 0.1), InvalidArgumentError);
    assert.throws(() => balanceBiasStep([0, 0], [1, 0], -1), /balance rate/);
  });
});

describe("logitStats", () => {
  // Two experts, three states: expert 0 logits (1, 2, 3) → mean 2, sd √(2/3); expert 1 (0, 0, 6) → mean 2, sd √8.
  const z = [1, 0, 2, 0, 3, 6];
  it("gives each expert's mean and population sd, and floors a zero sd", () => {
    const r = logitStats(z, 2);
    assert.ok(Math.abs(r.mean[0] - 2) < 1e-6 && Math.abs(r.mean[1] - 2) < 1e-6);
    assert.ok(Math.abs(r.std[0] - Math.sqrt(2 / 3)) < 1e-6);
    assert.ok(Math.abs(r.std[1] - Math.sqrt(8)) < 1e-6);
    const flat = logitStats([5, 5, 5], 1);
    assert.equal(flat.std[0], Math.fround(1e-6));
  });
  it("rejects a logits array that is not whole rows, or a single row", () => {
    assert.throws(() => logitStats([1, 2, 3], 2), /router logits length: 3/);
    assert.throws(() => logitStats([1, 2], 2), /router logits length: 2/);
  });
});
