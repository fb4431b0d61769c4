import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/util/index.js";
import { RewardScaler } from "../../src/train/index.js";
import { close, closeAll } from "./helpers.js";

describe("RewardScaler", () => {
  it("without scaling only clips", () => {
    const s = new RewardScaler(3, { gamma: 0.99, scaleByStd: false, clip: 10 });
    closeAll(s.process([5, -20, 30], [0, 0, 0]), [5, -10, 10]);
    const noClip = new RewardScaler(1, { gamma: 0.99, scaleByStd: false, clip: null });
    closeAll(noClip.process([30], [0]), [30]);
  });

  it("divides by the running std of the discounted return (hand-computed), never subtracting the mean", () => {
    // γ = 0.5, r = 1 each step: R = 1, 1.5, 1.75.
    // step 1: one sample → std 1 → 1
    // step 2: {1, 1.5}: mean 1.25, pop. var 0.0625 → 1 / 0.25 = 4
    // step 3: {1, 1.5, 1.75}: mean 17/12, pop. var 0.097222… → 1 / 0.311805 = 3.20713
    const s = new RewardScaler(1, { gamma: 0.5, scaleByStd: true, clip: 10 });
    close(s.process([1], [0])[0], 1, 1e-6);
    close(s.process([1], [0])[0], 4, 1e-5);
    const m = 17 / 12;
    const v = ((1 - m) ** 2 + (1.5 - m) ** 2 + (1.75 - m) ** 2) / 3;
    close(s.process([1], [0])[0], 1 / Math.sqrt(v + 1e-8), 1e-6);
    assert.ok(s.process([0.001], [0])[0] > 0, "a small positive reward stays positive");
  });

  it("resets an env's return at its episode end and clips after scaling", () => {
    const s = new RewardScaler(2, { gamma: 0.5, scaleByStd: true, clip: 3 });
    s.process([1, 1], [1, 0]); // env 0's episode ends: its return restarts
    assert.deepEqual(s.getState().returns, [0, 1]);
    // Returns now {1, 1, 1, 1.5}: mean 1.125, pop. var 0.046875 → std 0.2165 → 1/0.2165 = 4.6 → clipped to 3
    const out = s.process([1, 1], [0, 0]);
    closeAll(out, [3, 3]);
  });

  it("state round trip continues identically", () => {
    const a = new RewardScaler(2, { gamma: 0.9, scaleByStd: true, clip: 10 });
    const rs = [
      [1, 0],
      [0.5, -1],
      [2, 3],
    ];
    for (const r of rs) a.process(r, [0, 1]);
    const b = new RewardScaler(2, { gamma: 0.9, scaleByStd: true, clip: 10 });
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    assert.deepEqual(Array.from(b.process([1, 2], [0, 0])), Array.from(a.process([1, 2], [0, 0])));
    assert.throws(() => b.setState({ count: 1, mean: 0, m2: 0, returns: [0] }), InvalidArgumentError);
    assert.throws(() => b.process([1], [0]), /rewards length/);
  });
});
