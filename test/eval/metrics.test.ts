/**
 * Evaluation metrics on constructed inputs: per-step routing entropy vs the original's entropy of the mean
 * (B6), switch rate, mutual information on a hand-computed table, bootstrap intervals, scenario labels.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  RoutingMetrics,
  SCENARIOS,
  bootstrapDiffCI,
  bootstrapMeanCI,
  countSwitches,
  formatEvalStep,
  movingAverage,
  mutualInformation,
  namedExpertShare,
  scenarioLabeler,
  summarize,
  type EvalRecording,
} from "../../src/eval/index.js";
import { loadBuiltinGraph } from "../../src/knowledge/index.js";
import { Rng } from "../../src/util/index.js";

const LN2 = Math.log(2);
const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: expected ${b}, got ${a}`);

function feed(alphas: number[][], scenario = (_t: number) => 0): RoutingMetrics {
  const m = new RoutingMetrics(4, SCENARIOS.length, 1);
  alphas.forEach((a, t) => m.step(0, a, scenario(t)));
  return m;
}

describe("routing entropy: per step vs entropy of the mean", () => {
  it("always [0.5, 0.5, 0, 0]: both are ln 2", () => {
    const m = feed(Array.from({ length: 100 }, () => [0.5, 0.5, 0, 0]));
    const ep = m.endEpisode(0);
    close(ep.alphaEntropyStep, LN2, 1e-6, "per-step");
    close(ep.alphaEntropyOfMean, LN2, 1e-9, "entropy of mean");
    assert.equal(ep.switchRate, 0);
    const t = m.totals();
    close(t.alphaEntropyStep, LN2, 1e-6, "totals per-step");
    assert.deepEqual(t.dominantShare, [1, 0, 0, 0], "ties go to the lower index");
  });

  it("alternating one-hot [1,0,0,0] / [0,1,0,0]: per step 0, entropy of the mean ln 2", () => {
    const m = feed(Array.from({ length: 100 }, (_, t) => (t % 2 ? [0, 1, 0, 0] : [1, 0, 0, 0])));
    const ep = m.endEpisode(0);
    close(ep.alphaEntropyStep, 0, 1e-6, "per-step");
    close(ep.alphaEntropyOfMean, LN2, 1e-9, "entropy of mean");
    assert.equal(ep.switchRate, 1);
    assert.deepEqual(ep.alphaMean, [0.5, 0.5, 0, 0]);
    assert.deepEqual(m.totals().dominantShare, [0.5, 0.5, 0, 0]);
  });

  it("uniform α: per step ln 4 and no specialisation", () => {
    const m = feed(
      Array.from({ length: 10 }, () => [0.25, 0.25, 0.25, 0.25]),
      (t) => t % 4,
    );
    const t = m.totals();
    close(t.alphaEntropyStep, Math.log(4), 1e-6, "per-step");
    assert.equal(t.mutualInformation, 0, "one dominant expert for every scenario carries no information");
  });

  it("slots keep parallel episodes apart; switches never cross episodes", () => {
    const m = new RoutingMetrics(2, 1, 2);
    m.step(0, [1, 0], 0);
    m.step(1, [0, 1], 0);
    m.step(0, [1, 0], 0);
    m.step(1, [0, 1], 0);
    assert.equal(m.endEpisode(0).switchRate, 0);
    m.step(0, [0, 1], 0); // a new episode starting with another expert is not a switch
    assert.equal(m.totals().switchRate, 0);
    assert.equal(countSwitches([0, 0, 1, 1, 0]), 2);
  });

  it("perfect specialisation gives MI = H(scenario)", () => {
    // Scenario s always led by expert s, equally often: I = ln 4.
    const m = feed(
      Array.from({ length: 400 }, (_, t) => [0, 1, 2, 3].map((k) => (k === t % 4 ? 0.7 : 0.1))),
      (t) => t % 4,
    );
    const tot = m.totals();
    close(tot.mutualInformation, Math.log(4), 1e-12, "MI");
    close(tot.normalisedMutualInformation!, 1, 1e-12, "normalised MI");
  });
});

describe("mutual information", () => {
  it("matches a hand-computed 2×2 table", () => {
    // counts [[30,10],[10,50]], n = 100: p = .3 .1 / .1 .5, rows .4 .6, cols .4 .6
    // I = .3 ln(.3/.16) + 2·.1 ln(.1/.24) + .5 ln(.5/.36)
    //   = .3·0.628609 − .2·0.875469 + .5·0.328504 = 0.188583 − 0.175094 + 0.164252 = 0.177741 nats
    close(
      mutualInformation([
        [30, 10],
        [10, 50],
      ]),
      0.177741,
      2e-6,
      "MI",
    );
  });

  it("is ln 2 for a diagonal table, 0 for independence and for an empty table", () => {
    close(
      mutualInformation([
        [10, 0],
        [0, 10],
      ]),
      LN2,
      1e-12,
      "diagonal",
    );
    close(
      mutualInformation([
        [2, 6],
        [1, 3],
      ]),
      0,
      1e-12,
      "independent",
    );
    assert.equal(
      mutualInformation([
        [0, 0],
        [0, 0],
      ]),
      0,
    );
  });

  it("rejects negative counts and ragged rows", () => {
    assert.throws(() => mutualInformation([[1, -1]]), /contingency count.*-1.*finite count ≥ 0/);
    assert.throws(() => mutualInformation([[1, 2], [3]]), /rows of equal length/);
  });
});

describe("namedExpertShare", () => {
  const experts = ["Survival", "Combat", "Exploration", "General"];

  it("reads the names where MI does not: a perfect split under the wrong names scores 0", () => {
    // Rows: combat, survival, exploration, general. Every scenario goes to one expert, but each to the wrong one:
    // MI is H(scenario), the namesake share is 0.
    const wrong = [
      [0, 0, 10, 0],
      [0, 0, 0, 20],
      [30, 0, 0, 0],
      [0, 40, 0, 0],
    ];
    const r = namedExpertShare(wrong, experts);
    assert.deepEqual(r.byScenario, { combat: 0, survival: 0, exploration: 0, general: 0 });
    assert.equal(r.mean, 0);
    const h = -[10, 20, 30, 40].reduce((a, c) => a + (c / 100) * Math.log(c / 100), 0);
    assert.ok(Math.abs(mutualInformation(wrong) - h) < 1e-12);
  });

  it("averages the scenarios equally, by hand", () => {
    const t = [
      [1, 9, 0, 0], // combat: Combat leads 9 of 10
      [1, 0, 3, 0], // survival: Survival 1 of 4
      [0, 0, 50, 50], // exploration: 50 of 100
      [0, 0, 0, 0], // general: no steps → null, left out of the mean
    ];
    const r = namedExpertShare(t, experts);
    assert.deepEqual(r.byScenario, { combat: 0.9, survival: 0.25, exploration: 0.5, general: null });
    assert.ok(Math.abs(r.mean! - (0.9 + 0.25 + 0.5) / 3) < 1e-12);
  });

  it("matches names case-insensitively, and gives null without namesakes", () => {
    const t = [
      [2, 0],
      [0, 2],
      [1, 1],
      [1, 1],
    ];
    assert.deepEqual(namedExpertShare(t, ["COMBAT", "x"]).byScenario, {
      combat: 1,
      survival: null,
      exploration: null,
      general: null,
    });
    assert.equal(namedExpertShare(t, ["expert0", "expert1"]).mean, null);
  });

  it("names the bad table", () => {
    assert.throws(() => namedExpertShare([[1, 2]], experts), /table rows.*1.*4 \(one per scenario\)/);
    assert.throws(
      () => namedExpertShare([[1], [1], [1], [1]], experts),
      /table row combat.*1.*4 \(one per expert\)/,
    );
  });
});

describe("bootstrap intervals", () => {
  const normal = (rng: Rng, n: number, mu: number, sd: number) =>
    Array.from({ length: n }, () => mu + sd * rng.normal());

  it("contains the mean, is deterministic, and has zero width for constant data", () => {
    const x = normal(new Rng(1), 200, 10, 3);
    const ci = bootstrapMeanCI(x)!;
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    assert.ok(ci[0] < m && m < ci[1], `${ci} around ${m}`);
    assert.deepEqual(bootstrapMeanCI(x), ci, "same data, same interval");
    assert.deepEqual(bootstrapMeanCI([5, 5, 5]), [5, 5]);
    assert.equal(bootstrapMeanCI([]), null);
  });

  it("has the width of a normal-theory interval and shrinks like 1/√n", () => {
    const rng = new Rng(2);
    const w = (n: number) => {
      const ci = bootstrapMeanCI(normal(rng, n, 0, 1))!;
      return ci[1] - ci[0];
    };
    const w100 = w(100);
    const w400 = w(400);
    close(w100, (2 * 1.96) / 10, 0.1, "width at n=100 (≈ 2·1.96·σ/√n)");
    const ratio = w100 / w400;
    assert.ok(ratio > 1.5 && ratio < 2.7, `width ratio n=100 vs 400 is ${ratio}, expected ≈ 2`);
  });

  it("covers the true mean about 95% of the time", () => {
    const rng = new Rng(3);
    let hits = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const ci = bootstrapMeanCI(normal(rng, 60, 4, 2), { resamples: 1000, seed: t })!;
      if (ci[0] <= 4 && 4 <= ci[1]) hits++;
    }
    assert.ok(hits / trials > 0.88 && hits / trials <= 0.99, `coverage ${hits / trials}`);
  });

  it("difference intervals: paired shift is exact, unpaired contains it", () => {
    const a = normal(new Rng(4), 100, 10, 5);
    // A shift of 1 with sd 5 and n = 100: the unpaired interval (± ≈ 1.4) cannot tell it from noise, the
    // paired one (same seeds, per-item differences all 1) is exact.
    const b = a.map((x) => x + 1);
    const paired = bootstrapDiffCI(a, b, { paired: true })!;
    close(paired[0], 1, 1e-9, "paired lo");
    close(paired[1], 1, 1e-9, "paired hi");
    const unpaired = bootstrapDiffCI(a, b)!;
    assert.ok(unpaired[0] < 0 && 1 < unpaired[1], `unpaired ${unpaired} contains 0 and the shift`);
    assert.throws(() => bootstrapDiffCI([1, 2], [1], { paired: true }), /two equal lengths/);
  });

  it("summarize: median, sample sd, min, max; options are checked", () => {
    const s = summarize([1, 2, 3, 4, 100]);
    assert.equal(s.median, 3);
    assert.equal(s.min, 1);
    assert.equal(s.max, 100);
    close(
      s.std!,
      Math.sqrt(((1 - 22) ** 2 + (2 - 22) ** 2 + (3 - 22) ** 2 + (4 - 22) ** 2 + 78 ** 2) / 4),
      1e-9,
      "sd",
    );
    assert.equal(summarize([7]).std, 0);
    assert.equal(summarize([]).mean, null);
    assert.throws(() => summarize([1], { confidence: 1.5 }), /bootstrap confidence.*1\.5.*\(0, 1\)/);
    assert.throws(() => bootstrapMeanCI([1, NaN]), /sample\[1\].*finite number/);
    assert.deepEqual(movingAverage([2, 4, 6, 8], 2), [2, 3, 5, 7]);
  });
});

describe("scenario labels", () => {
  const graph = loadBuiltinGraph();
  const labeler = scenarioLabeler(graph);
  const C = graph.conditionNodes.length;
  const idx = (label: string) =>
    Array.from(graph.conditionNodes).findIndex((n) => graph.nodes[n].label === label);
  const mask = (...labels: string[]) => {
    const m = new Uint8Array(C);
    for (const l of labels) {
      const c = idx(l);
      assert.ok(c >= 0, `condition ${l} exists`);
      m[c] = 1;
    }
    return m;
  };
  const name = (m: Uint8Array) => SCENARIOS[labeler.label(m, 0)];

  it("labels by priority: combat > survival > exploration > general", () => {
    assert.deepEqual(labeler.missing, []);
    assert.equal(name(mask("monster_adjacent", "hp_low", "frontier_near")), "combat");
    assert.equal(name(mask("hp_critical", "frontier_near")), "survival");
    assert.equal(name(mask("hunger_needs_food")), "survival");
    assert.equal(name(mask("frontier_near")), "exploration");
    assert.equal(name(mask("stairs_down_visible")), "exploration");
    assert.equal(name(mask("pet_adjacent", "hp_full")), "general", "a pet is not a hostile");
    assert.equal(name(mask()), "general");
  });

  it("formats an eval replay step for the terminal", () => {
    const rec = {
      format: "tedg-episode",
      version: 1,
      seed: 1,
      env: {},
      actions: [3],
      digests: ["a", "b"],
      rewards: [0],
      extras: [
        { a: 3, alpha: [0.5, 0.25, 0.25, 0], cond: [idx("hp_full"), idx("frontier_near")], scn: 2, v: 0.5 },
      ],
      eval: {
        kind: "tedg-eval-replay",
        checkpoint: "final",
        greedy: true,
        expertNames: ["Survival", "Combat", "Exploration", "General"],
        actionNames: ["MORE", "N", "E", "S"],
        conditionLabels: Array.from(graph.conditionNodes, (n) => graph.nodes[n].label),
        scenarios: [...SCENARIOS],
        score: 0,
        length: 1,
        endReason: "",
        deathCause: "",
      },
    } as EvalRecording;
    const text = formatEvalStep(rec, 0);
    assert.match(text, /α Survival +█{10}·{10} 0\.500/);
    assert.match(text, /chosen here: S \| scenario exploration \| value 0\.50/);
    assert.match(text, /conditions: hp_full, frontier_near/);
    assert.equal(formatEvalStep(rec, 1), "", "no decision after the last action");
  });
});
