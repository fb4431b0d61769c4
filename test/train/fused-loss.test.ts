import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { phaseAt, type PhaseState } from "../../src/run/index.js";
import { InvalidArgumentError, Rng } from "../../src/util/index.js";
import {
  AUX_NAMES,
  auxWeights,
  defaultConfig,
  fusedLossJs,
  fusedMinibatchLoss,
  minibatchTerms,
  operatorExpertMatrix,
  ppoUpdate,
  presentAuxTerms,
  totalLoss,
  type FusedLossInputs,
  type FusedLossSpec,
  type MinibatchData,
  type PolicyEvaluation,
  type PpoUpdateConfig,
} from "../../src/train/index.js";
import { close, closeAll } from "./helpers.js";
import { tf } from "./tf-helpers.js";
import { ToyPolicy, toyData } from "./toy-policy.js";

const B = 9;
const K = 4;
const A = 5;
const OPS = 6;
const cfg = defaultConfig();

/** A phase with every auxiliary coefficient nonzero (and distinct, so a swapped weight shows). */
function allTermsPhase(): PhaseState {
  return {
    ...phaseAt(cfg, 1500),
    entropyCoef: 0.013,
    routingEntropyCoef: 0.07,
    routingEntropySign: -1,
    loadBalanceCoef: 0.11,
    diversityCoef: 0.05,
    alignmentCoef: 0.3,
    operatorCoef: 0.17,
    alignmentTemperature: 0.7,
    semanticCoef: 0.023,
    temporalCoef: 0.09,
    overlapCoef: 0.21,
  };
}

interface Raw {
  logProb: Float32Array;
  entropy: Float32Array;
  value: Float32Array;
  alphaLogits: Float32Array;
  expertLogits: Float32Array;
  opinionLogProb: Float32Array;
  scores: Float32Array;
  opinion: Float32Array;
  confident: Float32Array;
  covered: Float32Array;
  oldLogProb: Float32Array;
  oldValue: Float32Array;
  returns: Float32Array;
  advantages: Float32Array;
}

function randomData(seed: number): Raw {
  const rng = new Rng(seed);
  const rnd = (n: number, s = 1, m = 0) => Float32Array.from({ length: n }, () => m + s * rng.normal());
  const logProb = rnd(B, 0.5, -1.2);
  // Old log-probs: some ratios inside the clip range, some far outside on either side.
  const oldLogProb = Float32Array.from(logProb, (lp, i) => lp + [0.05, -0.5, 0.6, -0.22, -0.02][i % 5]);
  const value = rnd(B);
  return {
    logProb,
    entropy: rnd(B, 0.2, 1.5),
    value,
    alphaLogits: rnd(B * K),
    expertLogits: rnd(B * K * A),
    opinionLogProb: rnd(B, 0.5, -1.5),
    scores: rnd(B * OPS),
    opinion: rnd(B * K),
    confident: Float32Array.from({ length: B }, (_, i) => (i % 3 === 0 ? 0 : 1)),
    covered: Float32Array.from({ length: B }, (_, i) => (i % 4 === 1 ? 0 : 1)),
    oldLogProb,
    // Value clipping: old values within and beyond ±0.2 of the new ones.
    oldValue: Float32Array.from(value, (v, i) => v + [0.1, -0.7, 0.9, -0.05][i % 4]),
    returns: rnd(B),
    // Wide enough that some utility weights exp(Â) reach their cap of 20.
    advantages: Float32Array.from(rnd(B, 1.5), (a, i) => (i % 4 === 2 ? 3.5 : a)),
  };
}

/** α as softmax of the given logits (a distribution per row, as the router outputs). */
function softmaxRows(z: Float32Array): Float32Array {
  const out = new Float32Array(z.length);
  for (let b = 0; b < z.length / K; b++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, z[b * K + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(z[b * K + k] - m);
    for (let k = 0; k < K; k++) out[b * K + k] = Math.exp(z[b * K + k] - m) / s;
  }
  return out;
}

const pairs = { prev: Int32Array.from([0, 1, 2, 4, 5, 7]), next: Int32Array.from([1, 2, 3, 5, 6, 8]) };

type Variant = Partial<Pick<PpoUpdateConfig, "valueClip" | "loadBalance" | "alignmentTarget">>;

function mbFor(d: Raw, variant: Variant, phase: PhaseState, opToExpert: tf.Tensor2D): MinibatchData {
  return {
    oldLogProb: d.oldLogProb,
    oldValue: d.oldValue,
    returns: d.returns,
    advantages: d.advantages,
    pairs,
    config: { ...cfg.ppo, alignmentTarget: "opinion", ...variant },
    phase,
    opToExpert,
  };
}

/** The evaluation whose differentiable outputs are the given tensors. */
function evFor(d: Raw, t: tf.Tensor[]): PolicyEvaluation {
  const [logProb, entropy, value, alpha, expertLogits, opinionLogProb] = t;
  return {
    logProb: logProb as tf.Tensor1D,
    entropy: entropy as tf.Tensor1D,
    value: value as tf.Tensor1D,
    alpha: alpha as tf.Tensor2D,
    expertLogits: expertLogits as tf.Tensor3D,
    opinionLogProb: opinionLogProb as tf.Tensor1D,
    operatorScores: tf.tensor2d(d.scores, [B, OPS]),
    opinion: tf.tensor2d(d.opinion, [B, K]),
    opinionConfident: d.confident,
    opinionCovered: d.covered,
  };
}

const VARIANTS: Variant[] = [
  {},
  { valueClip: 0.2, loadBalance: "switch" },
  { alignmentTarget: "centred", valueClip: 0.2 },
  { alignmentTarget: "raw", loadBalance: "switch" },
];

/** A two-row batch (ρ from the caller's log-probs; A = [1, 2]; ε = 0.2) with K experts and these auxiliary terms. */
function tinySpec(K: number, aux: FusedLossSpec["aux"]): FusedLossSpec {
  return {
    B: 2,
    K,
    A: 0,
    oldLogProb: Float32Array.from([0, 0]),
    advantages: Float32Array.from([1, 2]),
    oldValue: Float32Array.from([0, 0]),
    returns: Float32Array.from([1, -1]),
    clip: 0.2,
    valueClip: null,
    valueCoef: 0.5,
    entropyCoef: 0.01,
    weights: auxWeights(allTermsPhase()),
    aux,
    loadBalance: "variance",
  };
}

describe("fused minibatch loss", () => {
  for (const variant of VARIANTS) {
    it(`equals the term-by-term tfjs loss in value, metrics and gradient (${JSON.stringify(variant)})`, () => {
      const d = randomData(3);
      const phase = allTermsPhase();
      const opToExpert = operatorExpertMatrix([0, 1, 1, 2, 3, 3], K);
      const inputs = [
        tf.tensor1d(d.logProb),
        tf.tensor1d(d.entropy),
        tf.tensor1d(d.value),
        tf.tensor2d(softmaxRows(d.alphaLogits), [B, K]),
        tf.tensor3d(d.expertLogits, [B, K, A]),
        tf.tensor1d(d.opinionLogProb),
      ];
      const mb = mbFor(d, variant, phase, opToExpert);
      // Reference: minibatchTerms + totalLoss (tfjs ops, tfjs's gradients).
      let refNames: string[] = [];
      let refVals: number[] = [];
      const ref = tf.grads((...xs: tf.Tensor[]) => {
        const ev = evFor(d, xs);
        const { ppo, terms } = minibatchTerms(ev, mb);
        const { total, weighted } = totalLoss(terms, phase, mb.config.valueCoef);
        const raw = ["policyLoss", "valueLoss", "entropy", ...AUX_NAMES].filter(
          (k) => terms[k as keyof typeof terms],
        );
        refNames = [
          ...raw.map((k) => k.replace(/Loss$/, "")),
          ...Object.keys(weighted).map((k) => `w:${k}`),
          "approxKl",
          "clipFraction",
        ];
        refVals = [
          ...raw.map((k) => terms[k as keyof typeof terms]!.dataSync()[0]),
          ...Object.values(weighted).map((t) => t.dataSync()[0]),
          ppo.approxKl.dataSync()[0],
          ppo.clipFraction.dataSync()[0],
        ];
        return total;
      });
      const refOut = ref(inputs);
      const refTotal = tf.tidy(() => {
        const { terms } = minibatchTerms(evFor(d, inputs), mb);
        return totalLoss(terms, phase, mb.config.valueCoef).total.dataSync()[0];
      });
      let names: string[] = [];
      let vals: number[] = [];
      let totalValue = NaN;
      const fused = tf.grads((...xs: tf.Tensor[]) => {
        const f = fusedMinibatchLoss(evFor(d, xs), mb);
        names = f.names;
        vals = f.values;
        totalValue = f.totalValue;
        return f.total;
      });
      const out = fused(inputs);
      // Every term present (all weights nonzero), in the reference's order.
      assert.deepEqual(names, refNames);
      assert.equal(names.filter((n) => n.startsWith("w:")).length, 3 + AUX_NAMES.length);
      closeAll(vals, refVals, 1e-5, "metrics");
      close(totalValue, refTotal, 1e-5, "total");
      const inNames = ["logProb", "entropy", "value", "alpha", "expertLogits", "opinionLogProb"];
      out.forEach((g, i) => {
        assert.deepEqual(g.shape, inputs[i].shape);
        const want = refOut[i].dataSync();
        // Gradients are O(1/B): compare absolutely at 1e-5 of the largest entry's scale.
        let scale = 0;
        for (const v of want) scale = Math.max(scale, Math.abs(v));
        const got = g.dataSync();
        for (let j = 0; j < want.length; j++)
          assert.ok(
            Math.abs(got[j] - want[j]) <= 1e-5 * Math.max(scale, 1e-3),
            `d/d${inNames[i]}[${j}]: fused ${got[j]}, tfjs ${want[j]}`,
          );
        // And not trivially zero: each input gets a gradient somewhere.
        assert.ok(scale > 0, `${inNames[i]} has a gradient`);
      });
      tf.dispose([...inputs, ...out, ...refOut, opToExpert]);
    });
  }

  it("its gradient matches float64 central differences of its own value", () => {
    const d = randomData(5);
    const phase = allTermsPhase();
    const M = Float32Array.from(operatorExpertMatrix([0, 1, 1, 2, 3, 3], K).dataSync());
    const w = auxWeights(phase);
    for (const variant of VARIANTS) {
      const spec: FusedLossSpec = {
        B,
        K,
        A,
        oldLogProb: d.oldLogProb,
        advantages: d.advantages,
        oldValue: d.oldValue,
        returns: d.returns,
        clip: 0.2,
        valueClip: variant.valueClip ?? null,
        valueCoef: 0.5,
        entropyCoef: phase.entropyCoef,
        weights: w,
        aux: [...AUX_NAMES],
        loadBalance: variant.loadBalance ?? "variance",
        balanceRows: Float32Array.from(d.confident, (c) => 1 - c),
        pairs,
        alignment:
          (variant.alignmentTarget ?? "opinion") === "opinion"
            ? { target: "opinion", opinion: d.opinion, confident: d.confident }
            : {
                target: variant.alignmentTarget as "raw" | "centred",
                scores: d.scores,
                numOps: OPS,
                opToExpert: M,
                temperature: 0.7,
              },
        covered: d.covered,
      };
      const x: Record<keyof FusedLossInputs, Float64Array> = {
        logProb: Float64Array.from(d.logProb),
        entropy: Float64Array.from(d.entropy),
        value: Float64Array.from(d.value),
        alpha: Float64Array.from(softmaxRows(d.alphaLogits)),
        expertLogits: Float64Array.from(d.expertLogits),
        opinionLogProb: Float64Array.from(d.opinionLogProb),
      };
      const r = fusedLossJs(spec, x);
      const h = 1e-6;
      for (const key of Object.keys(x) as (keyof FusedLossInputs)[]) {
        const arr = x[key];
        const g = r.grad[key]!;
        let nonzero = 0;
        for (let i = 0; i < arr.length; i++) {
          const v0 = arr[i];
          arr[i] = v0 + h;
          const up = fusedLossJs(spec, x).total;
          arr[i] = v0 - h;
          const down = fusedLossJs(spec, x).total;
          arr[i] = v0;
          const fd = (up - down) / (2 * h);
          assert.ok(
            Math.abs(fd - g[i]) <= 1e-6 + 1e-5 * Math.abs(fd),
            `${JSON.stringify(variant)} d/d${key}[${i}]: analytic ${g[i]}, central difference ${fd}`,
          );
          if (g[i] !== 0) nonzero++;
        }
        assert.ok(nonzero > 0, `${key} has a nonzero gradient`);
      }
    }
  });

  it("matches hand values on a tiny batch", () => {
    // B = 2, no auxiliary terms. ρ = [e^0.1, e^-0.5]; A = [1, 2]; ε = 0.2.
    // min(ρA, clip(ρ)A): row 0 → min(1.10517, 1.10517) = 1.10517; row 1 → min(1.21306, 1.6) = 1.21306.
    const spec = tinySpec(0, []);
    const r = fusedLossJs(spec, { logProb: [0.1, -0.5], entropy: [1, 2], value: [0, 1] });
    const r0 = Math.exp(0.1);
    const r1 = Math.exp(-0.5);
    close(r.raw[0][1], -(r0 + 2 * r1) / 2, 1e-12, "policy");
    close(r.raw[1][1], (0.5 * ((0 - 1) ** 2 + (1 + 1) ** 2)) / 2, 1e-12, "value");
    close(r.raw[2][1], 1.5, 1e-12, "entropy");
    close(r.total, -(r0 + 2 * r1) / 2 + 0.5 * 1.25 - 0.01 * 1.5, 1e-12, "total");
    close(r.clipFraction, 0.5, 1e-12, "clip fraction (row 1 outside [0.8, 1.2])");
    close(r.approxKl, (r0 - 1 - 0.1 + (r1 - 1 + 0.5)) / 2, 1e-12, "approx KL");
    // Row 1: ρA (1.213) < clip(ρ)A (1.6), so the unclipped branch carries the gradient: −A·ρ/B.
    closeAll(Array.from(r.grad.logProb), [-r0 / 2, (-2 * r1) / 2], 1e-12, "d/dlogProb");
    closeAll(Array.from(r.grad.value), [(0.5 * (0 - 1)) / 2, (0.5 * (1 + 1)) / 2], 1e-12, "d/dvalue");
  });

  it("rejects inputs of the wrong length and missing inputs with clear errors", () => {
    const spec = tinySpec(2, ["routingEntropy"]);
    assert.throws(
      () => fusedLossJs(spec, { logProb: [0.1], entropy: [1, 2], value: [0, 1] }),
      (e: unknown) => e instanceof InvalidArgumentError && /logProb length/.test(e.message),
    );
    assert.throws(
      () => fusedLossJs(spec, { logProb: [0.1, 0], entropy: [1, 2], value: [0, 1] }),
      (e: unknown) => e instanceof InvalidArgumentError && /α/.test(e.message),
    );
    assert.throws(
      () => fusedLossJs(spec, { logProb: [0.1, 0], entropy: [1, 2], value: [0, 1], alpha: [1, 0, 0] }),
      (e: unknown) => e instanceof InvalidArgumentError && /alpha length/.test(e.message),
    );
  });

  it("builds the same terms as minibatchTerms when weights are zero or inputs absent", () => {
    const d = randomData(4);
    const opToExpert = operatorExpertMatrix([0, 1, 1, 2, 3, 3], K);
    const phase = { ...allTermsPhase(), diversityCoef: 0, overlapCoef: 0, operatorCoef: 0 };
    const mb = mbFor(d, {}, phase, opToExpert);
    tf.tidy(() => {
      const ev = evFor(d, [
        tf.tensor1d(d.logProb),
        tf.tensor1d(d.entropy),
        tf.tensor1d(d.value),
        tf.tensor2d(softmaxRows(d.alphaLogits), [B, K]),
        tf.tensor3d(d.expertLogits, [B, K, A]),
        tf.tensor1d(d.opinionLogProb),
      ]);
      const { terms } = minibatchTerms(ev, mb);
      assert.deepEqual(
        presentAuxTerms(ev, mb),
        AUX_NAMES.filter((k) => terms[k]),
      );
      assert.deepEqual(presentAuxTerms(ev, mb), [
        "routingEntropy",
        "loadBalance",
        "alignment",
        "semantic",
        "temporal",
      ]);
      const bare = { logProb: ev.logProb, entropy: ev.entropy, value: ev.value };
      assert.deepEqual(presentAuxTerms(bare, mb), []);
      const f = fusedMinibatchLoss(bare, mb);
      assert.deepEqual(f.names, [
        "policy",
        "value",
        "entropy",
        "w:policy",
        "w:value",
        "w:entropy",
        "approxKl",
        "clipFraction",
      ]);
    });
    opToExpert.dispose();
  });
});

describe("ppoUpdate with the fused loss", () => {
  it("takes the same steps as with the term-by-term loss (to float32 rounding) and is deterministic", async () => {
    const run = async (fusedLoss: boolean) => {
      const data = toyData(64, 5, 3, 11);
      const policy = new ToyPolicy(data, 3, 2, 4, 3);
      const old = policy.snapshot();
      const advantages = Float32Array.from(data.actions, (a) => (a === 0 ? 1 : -1));
      const returns = Float32Array.from(old.value, (v, i) => v + (i % 2 ? 0.5 : -0.5));
      const prev = Int32Array.from({ length: 63 }, (_, i) => i);
      const next = Int32Array.from({ length: 63 }, (_, i) => i + 1);
      const opToExpert = operatorExpertMatrix([0, 0, 1, 1], 2);
      const optimizer = tf.train.adam(1e-2);
      const metrics = await ppoUpdate({
        policy,
        optimizer,
        data: { oldLogProb: old.logProb, oldValue: old.value, advantages, returns, pairs: { prev, next } },
        config: { ...cfg.ppo, minibatchSize: 16, alignmentTarget: "centred", valueClip: 0.2 },
        phase: { ...phaseAt(cfg, 1500), lr: 1e-2 },
        rng: new Rng(4),
        opToExpert,
        fusedLoss,
      });
      const weights = policy.weights();
      policy.dispose();
      optimizer.dispose();
      opToExpert.dispose();
      return { metrics, weights };
    };
    const a = await run(true);
    const b = await run(false);
    const again = await run(true);
    assert.deepEqual(again, a);
    assert.equal(a.metrics.steps, 16);
    assert.deepEqual(Object.keys(a.metrics.losses).sort(), Object.keys(b.metrics.losses).sort());
    for (const k of Object.keys(b.metrics.losses)) close(a.metrics.losses[k], b.metrics.losses[k], 1e-4, k);
    for (const k of Object.keys(b.metrics.weighted))
      close(a.metrics.weighted[k], b.metrics.weighted[k], 1e-4, k);
    close(a.metrics.gradNorm, b.metrics.gradNorm, 1e-4, "gradNorm");
    a.weights.forEach((w, i) => closeAll(w, b.weights[i], 1e-4, `variable ${i}`));
  });
});
