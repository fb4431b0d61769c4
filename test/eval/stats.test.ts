/**
 * Statistics against hand-computed values: mutual information of small contingency tables, the
 * shuffled-scenario MI control, the ratio bootstrap, and the MI that RoutingMetrics reports.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bootstrapMeanCI, mutualInformation } from "../../src/eval/index.js";
import { MI_CONTROL_PERMUTATIONS, RoutingMetrics } from "../../src/eval/routing-metrics.js";
import { bootstrapRatioCI, shuffledMutualInformation } from "../../src/eval/stats.js";
import { InvalidArgumentError, Rng } from "../../src/util/index.js";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: expected ${b}, got ${a}`);

/**
 * H(0.5, 0.3, 0.2) = −(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2) = 0.5 ln 2 + 0.3 ln(10/3) + 0.2 ln 5
 *   = 0.5·0.693147180559945 + 0.3·1.203972804325936 + 0.2·1.609437912434100
 *   = 0.346573590279973 + 0.361191841297781 + 0.321887582486820 = 1.029653014064574 nats
 */
const H_532 = 1.0296530140645737;

describe("mutualInformation on hand-computed tables", () => {
  it("is 0 when the rows are proportional (independence)", () => {
    // [[2,4],[3,6]]: p(r,c) = p(r) p(c) in every cell (rows .4 .6, cols 1/3 2/3), so every log term is ln 1.
    const mi = mutualInformation([
      [2, 4],
      [3, 6],
    ]);
    assert.ok(Math.abs(mi) < 1e-12, `MI ${mi}`);
  });

  it("is H(scenario) when the expert is a deterministic function of the scenario", () => {
    // Column c holds only scenario c: H(scenario | expert) = 0, so I = H(scenario) = H(0.5, 0.3, 0.2).
    const mi = mutualInformation([
      [5, 0, 0],
      [0, 3, 0],
      [0, 0, 2],
    ]);
    close(mi, H_532, 1e-12, "MI");
  });

  it("matches an asymmetric 2×2 table worked out by hand", () => {
    // [[6,2],[1,1]], n = 10: p = .6 .2 / .1 .1, rows .8 .2, cols .7 .3
    // I = .6 ln(.6/.56) + .2 ln(.2/.24) + .1 ln(.1/.14) + .1 ln(.1/.06)
    //   = .6 ln(15/14) + .2 ln(5/6) + .1 ln(5/7) + .1 ln(5/3)
    //   = .6·0.068992871486951 − .2·0.182321556793955 − .1·0.336472236621213 + .1·0.510825623765991
    //   = 0.041395722892171 − 0.036464311358791 − 0.033647223662121 + 0.051082562376599
    //   = 0.022366750247858 nats (= H(.8,.2) + H(.7,.3) − H(.6,.2,.1,.1))
    const mi = mutualInformation([
      [6, 2],
      [1, 1],
    ]);
    close(mi, 0.022366750247857718, 1e-12, "MI");
    // transposing the table swaps the two variables and leaves I unchanged
    close(
      mutualInformation([
        [6, 1],
        [2, 1],
      ]),
      mi,
      1e-15,
      "MI of the transpose",
    );
  });
});

describe("shuffledMutualInformation", () => {
  // 2,000 steps, 4 balanced scenarios, each led by its own expert: the real MI is ln 4.
  const n = 2000;
  const scenario = Int32Array.from({ length: n }, (_, t) => t % 4);
  const expert = Int32Array.from(scenario);

  it("is near 0 for perfectly specialised labels whose real MI is ln 4", () => {
    const table = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
    for (let t = 0; t < n; t++) table[scenario[t]][expert[t]]++;
    close(mutualInformation(table), Math.log(4), 1e-12, "real MI");
    // With no association the finite-sample bias is ≈ (S−1)(K−1)/(2n) = 9/4000 ≈ 0.0023 nats.
    const c = shuffledMutualInformation(scenario, expert, 4, 4, 20, 1);
    assert.ok(c.mean >= 0 && c.mean < 0.01, `shuffled mean ${c.mean}`);
    assert.ok(c.max >= c.mean && c.max < 0.02, `shuffled max ${c.max}`);
  });

  it("is deterministic for a seed and leaves its inputs alone", () => {
    const a = shuffledMutualInformation(scenario, expert, 4, 4, 10, 5);
    assert.deepEqual(shuffledMutualInformation(scenario, expert, 4, 4, 10, 5), a);
    assert.notDeepEqual(shuffledMutualInformation(scenario, expert, 4, 4, 10, 6), a);
    assert.deepEqual(
      Array.from(scenario.subarray(0, 8)),
      [0, 1, 2, 3, 0, 1, 2, 3],
      "the scenario labels are not shuffled in place",
    );
    // one permutation: the mean is that permutation's MI, and so is the max
    const one = shuffledMutualInformation(scenario, expert, 4, 4, 1, 5);
    assert.equal(one.mean, one.max);
  });

  it("rejects a length mismatch and fewer than one permutation", () => {
    assert.throws(
      () => shuffledMutualInformation([0, 1, 2], [0, 1], 3, 3),
      (e: unknown) => e instanceof InvalidArgumentError && /expert labels length/.test(e.message),
    );
    for (const p of [0, -1, 1.5])
      assert.throws(
        () => shuffledMutualInformation([0, 1], [0, 1], 2, 2, p),
        (e: unknown) => e instanceof InvalidArgumentError && /permutations/.test(e.message),
        `permutations = ${p}`,
      );
  });
});

describe("bootstrapRatioCI", () => {
  const rng = new Rng(11);
  const num = Array.from({ length: 60 }, () => 5 + 2 * rng.normal());
  const den = Array.from({ length: 60 }, () => 1 + rng.int(10));

  it("contains Σ num / Σ den and is deterministic", () => {
    const ratio = num.reduce((a, b) => a + b, 0) / den.reduce((a, b) => a + b, 0);
    const ci = bootstrapRatioCI(num, den, { resamples: 2000, seed: 3 })!;
    assert.ok(ci[0] < ratio && ratio < ci[1], `${ci} around ${ratio}`);
    assert.deepEqual(bootstrapRatioCI(num, den, { resamples: 2000, seed: 3 }), ci);
  });

  it("with equal denominators is the bootstrap of the mean of num/den (same resampling stream)", () => {
    const opts = { resamples: 2000, seed: 9 };
    // den = 4 (a power of two): Σ num/4 over a resample is exactly (Σ num)/4, so the two agree bit for bit
    const four = new Array<number>(num.length).fill(4);
    assert.deepEqual(
      bootstrapRatioCI(num, four, opts),
      bootstrapMeanCI(
        num.map((x) => x / 4),
        opts,
      ),
    );
    // den = 3: equal up to rounding
    const three = new Array<number>(num.length).fill(3);
    const r = bootstrapRatioCI(num, three, opts)!;
    const m = bootstrapMeanCI(
      num.map((x) => x / 3),
      opts,
    )!;
    close(r[0], m[0], 1e-12, "lower");
    close(r[1], m[1], 1e-12, "upper");
    // another seed is another stream
    assert.notDeepEqual(
      bootstrapRatioCI(num, four, { ...opts, seed: 10 }),
      bootstrapRatioCI(num, four, opts),
    );
  });

  it("throws on a length mismatch; null for empty input or no positive denominator", () => {
    assert.throws(
      () => bootstrapRatioCI([1, 2], [1]),
      (e: unknown) => e instanceof InvalidArgumentError && /two equal lengths/.test(e.message),
    );
    assert.equal(bootstrapRatioCI([], []), null);
    assert.equal(bootstrapRatioCI([1, 2], [0, 0], { resamples: 100 }), null);
    assert.throws(() => bootstrapRatioCI([1, NaN], [1, 1]), /finite number/);
  });
});

describe("RoutingMetrics: MI and its shuffled control", () => {
  it("dominant expert = scenario with shares .5/.3/.2: MI = H(0.5, 0.3, 0.2), normalised MI 1", () => {
    // 2,000 steps (past the 1,024 steps the label buffers start with): 1,000 / 600 / 400 per scenario.
    const S = 3;
    const m = new RoutingMetrics(3, S, 2);
    const scenarioAt = (t: number) => (t % 10 < 5 ? 0 : t % 10 < 8 ? 1 : 2);
    const scenarios: number[] = [];
    const dominants: number[] = [];
    for (let t = 0; t < 2000; t++) {
      const s = scenarioAt(t);
      const alpha = [0.2, 0.2, 0.2];
      alpha[s] = 0.6;
      scenarios.push(s);
      dominants.push(m.step(t % 2, alpha, s));
    }
    assert.deepEqual(dominants, scenarios, "the dominant expert is the scenario");
    const tot = m.totals();
    assert.deepEqual(tot.scenarioSteps, [1000, 600, 400]);
    close(tot.mutualInformation, H_532, 1e-12, "MI");
    close(tot.normalisedMutualInformation!, 1, 1e-9, "normalised MI");

    const c = tot.mutualInformationShuffled;
    assert.equal(c.permutations, MI_CONTROL_PERMUTATIONS);
    assert.deepEqual(
      { mean: c.mean, max: c.max },
      shuffledMutualInformation(scenarios, dominants, S, 3, MI_CONTROL_PERMUTATIONS),
      "the control is the shuffled MI of every step's (scenario, dominant expert)",
    );
    // (S−1)(K−1)/(2n) = 4/4000 = 0.001 nats of bias; far below the real MI
    assert.ok(c.mean >= 0 && c.mean <= c.max && c.max < 0.02, `shuffled ${c.mean} / ${c.max}`);
    assert.deepEqual(m.totals(), tot, "totals() is a pure read");
  });
});
