import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/util/index.js";
import { phaseAt } from "../../src/run/index.js";
import { LrSchedule, defaultConfig } from "../../src/train/index.js";
import { close } from "./helpers.js";

const cfg = defaultConfig();

/** Expected values, by hand from the curriculum (docs/original.md): progress = (ep − start)/(end − start). */
const expected = {
  0: {
    name: "warmup",
    index: 0,
    routing: "softmax",
    progress: 0,
    tau: 1,
    lr: 1e-4,
    entropyCoef: 0.05,
    routingEntropyCoef: 0.1,
    routingEntropySign: -1,
    loadBalanceCoef: 0.02,
    diversityCoef: 0.01,
    alignmentCoef: 0.1,
    alignmentTemperature: 1,
    semanticCoef: 0.05,
    temporalCoef: 0,
    overlapCoef: 0,
  },
  999: {
    name: "warmup",
    index: 0,
    routing: "softmax",
    progress: 0.999,
    tau: 1,
    lr: 1e-4,
    entropyCoef: 0.05,
    routingEntropyCoef: 0.1,
    routingEntropySign: -1,
    loadBalanceCoef: 0.02,
    diversityCoef: 0.01,
    alignmentCoef: 0.1,
    alignmentTemperature: 1,
    semanticCoef: 0.05,
    temporalCoef: 0,
    overlapCoef: 0,
  },
  1000: {
    name: "transition",
    index: 1,
    routing: "sparsemax",
    progress: 0,
    tau: 1,
    lr: 5e-5,
    entropyCoef: 0.02,
    routingEntropyCoef: 0.1,
    routingEntropySign: -1,
    loadBalanceCoef: 0.01,
    diversityCoef: 0.01,
    alignmentCoef: 0.1,
    alignmentTemperature: 1,
    semanticCoef: 0.05,
    temporalCoef: 0.01,
    overlapCoef: 0.03,
  },
  // progress 1000/2000 = 0.5: τ = 1 − 0.5·0.5 = 0.75, c_αH = 0.1·(1 − 0.5) = 0.05
  2000: {
    name: "transition",
    index: 1,
    routing: "sparsemax",
    progress: 0.5,
    tau: 0.75,
    lr: 5e-5,
    entropyCoef: 0.02,
    routingEntropyCoef: 0.05,
    routingEntropySign: -1,
    loadBalanceCoef: 0.01,
    diversityCoef: 0.01,
    alignmentCoef: 0.1,
    alignmentTemperature: 1,
    semanticCoef: 0.05,
    temporalCoef: 0.01,
    overlapCoef: 0.03,
  },
  // progress 1999/2000 = 0.9995: τ = 1 − 0.5·0.9995 = 0.50025, c_αH = 0.1·0.0005 = 0.00005
  2999: {
    name: "transition",
    index: 1,
    routing: "sparsemax",
    progress: 0.9995,
    tau: 0.50025,
    lr: 5e-5,
    entropyCoef: 0.02,
    routingEntropyCoef: 0.00005,
    routingEntropySign: -1,
    loadBalanceCoef: 0.01,
    diversityCoef: 0.01,
    alignmentCoef: 0.1,
    alignmentTemperature: 1,
    semanticCoef: 0.05,
    temporalCoef: 0.01,
    overlapCoef: 0.03,
  },
  3000: {
    name: "fine-tune",
    index: 2,
    routing: "sparsemax",
    progress: 0,
    tau: 0.5,
    lr: 1e-5,
    entropyCoef: 0.01,
    routingEntropyCoef: 0.05,
    routingEntropySign: 1,
    loadBalanceCoef: 0.005,
    diversityCoef: 0.005,
    alignmentCoef: 0.1,
    alignmentTemperature: 1,
    semanticCoef: 0.05,
    temporalCoef: 0.02,
    overlapCoef: 0.05,
  },
} as const;

describe("phaseAt", () => {
  for (const [ep, want] of Object.entries(expected)) {
    it(`episode ${ep}`, () => {
      const got = phaseAt(cfg, Number(ep)) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(want)) {
        if (typeof v === "number") close(got[k] as number, v, 1e-12, k);
        else assert.equal(got[k], v, k);
      }
    });
  }

  it("the open-ended last phase anneals over the rest of the run", () => {
    const c = structuredClone(cfg);
    c.phases[2].tau = { start: 0.5, end: 0.1 };
    c.phases[2].tauAnneal = "linear";
    const p = phaseAt(c, 4000); // (4000 − 3000) / (5000 − 3000) = 0.5 → τ = 0.3
    assert.equal(p.start, 3000);
    assert.equal(p.end, 5000);
    close(p.tau, 0.3, 1e-12);
    close(phaseAt(c, 9000).tau, 0.1, 1e-12, "clamped after the run's end");
  });

  it("default fine-tune τ: geometric 0.5 → 0.005 over episodes 3000–5000", () => {
    close(phaseAt(cfg, 3000).tau, 0.5, 1e-12);
    close(phaseAt(cfg, 4000).tau, 0.05, 1e-9); // 0.5 · (0.005/0.5)^0.5 = 0.5 · 0.1
    close(phaseAt(cfg, 5000).tau, 0.005, 1e-12);
    // The bias balancer is off and the operator-utility term on in every default phase.
    for (const ep of [0, 1500, 4000]) {
      assert.equal(phaseAt(cfg, ep).balanceBiasRate, 0);
      assert.equal(phaseAt(cfg, ep).operatorCoef, 0.05);
    }
  });

  it("exponential τ anneal: geometric between the ends", () => {
    const c = structuredClone(cfg);
    c.phases[2].tau = { start: 0.5, end: 0.002 };
    c.phases[2].tauAnneal = "exponential";
    // (4000 − 3000)/(5000 − 3000) = 0.5 → τ = 0.5 · (0.002/0.5)^0.5 = √(0.5 · 0.002) = 0.031623
    close(phaseAt(c, 4000).tau, Math.sqrt(0.001), 1e-9);
    close(phaseAt(c, 5000).tau, 0.002, 1e-12);
  });

  it("rejects bad episode indices", () => {
    assert.throws(() => phaseAt(cfg, -1), InvalidArgumentError);
    assert.throws(() => phaseAt(cfg, 1.5), InvalidArgumentError);
  });
});

describe("LrSchedule", () => {
  it("multiplies the phase lr by a linear warmup, then 1", () => {
    const s = new LrSchedule(4);
    const phase = phaseAt(cfg, 0);
    const lrs: number[] = [];
    for (let i = 0; i < 6; i++) {
      lrs.push(s.lr(phase));
      s.step();
    }
    [0.25e-4, 0.5e-4, 0.75e-4, 1e-4, 1e-4, 1e-4].forEach((v, i) => close(lrs[i], v, 1e-12));
  });

  it("no warmup: the phase lr exactly", () => {
    const s = new LrSchedule();
    assert.equal(s.lr(phaseAt(cfg, 1000)), 5e-5);
  });

  it("state round trip continues the ramp", () => {
    const a = new LrSchedule(10);
    for (let i = 0; i < 3; i++) a.step();
    const b = new LrSchedule(10);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    assert.equal(b.factor(), a.factor());
    assert.equal(b.factor(), 0.4);
    assert.throws(() => b.setState({ updates: -1 }), InvalidArgumentError);
  });
});
