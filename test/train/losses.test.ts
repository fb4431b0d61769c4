import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { phaseAt } from "../../src/run/index.js";
import {
  alignmentLoss,
  defaultConfig,
  expertDiversity,
  expertOverlap,
  loadBalance,
  opinionAlignmentLoss,
  operatorExpertMatrix,
  operatorUtilityLoss,
  UTILITY_WEIGHT_MAX,
  ppoLosses,
  routingEntropy,
  semanticOrthogonality,
  stopGradient,
  temporalConsistency,
  totalLoss,
} from "../../src/train/index.js";
import { close, closeAll } from "./helpers.js";
import { scalar, tf } from "./tf-helpers.js";

const SQ = Math.SQRT1_2; // cos between [1,0] and [1,1]

describe("routing losses", () => {
  it("routing entropy: mean of per-step H(α)", () => {
    // H([0.5, 0.5]) = ln 2; H([1, 0]) = −ln(1 + 1e-8) ≈ 0 → mean ln2 / 2
    const a = tf.tensor2d([
      [0.5, 0.5],
      [1, 0],
    ]);
    close(scalar(routingEntropy(a)), Math.log(2) / 2, 1e-6);
    a.dispose();
  });

  it("load balance: (1/K) Σ (ᾱ_k − 1/K)²", () => {
    // ᾱ = [0.4, 0.2, 0.4]; deviations from 1/3: 1/15, −2/15, 1/15 → (1 + 4 + 1)/225 / 3 = 2/225
    const a = tf.tensor2d([
      [0.7, 0.2, 0.1],
      [0.1, 0.2, 0.7],
    ]);
    close(scalar(loadBalance(a)), 2 / 225, 1e-6);
    a.dispose();
  });

  it("switch load balance: K·Σ f_k·ᾱ_k − 1 with f the argmax shares; gradient K·f_k/B", () => {
    // argmax rows: 0 and 2 → f = [0.5, 0, 0.5]; ᾱ = [0.4, 0.2, 0.4] → 3·(0.2 + 0.2) − 1 = 0.2
    const a = tf.variable(
      tf.tensor2d([
        [0.7, 0.2, 0.1],
        [0.1, 0.2, 0.7],
      ]),
    );
    close(scalar(loadBalance(a, "switch")), 0.2, 1e-6);
    const { grads, value } = tf.variableGrads(() => loadBalance(a, "switch"), [a]);
    const g = Array.from(grads[a.name].dataSync());
    [0.75, 0, 0.75, 0.75, 0, 0.75].forEach((want, i) => close(g[i], want, 1e-6, `grad ${i}`));
    // Balanced usage: one row per expert → 0.
    const b = tf.tensor2d([
      [0.6, 0.3, 0.1],
      [0.1, 0.6, 0.3],
      [0.3, 0.1, 0.6],
    ]);
    close(scalar(loadBalance(b, "switch")), 0, 1e-6);
    tf.dispose([a, b, value, ...Object.values(grads)]);
  });

  it("temporal consistency over the given consecutive pairs only", () => {
    const a = tf.tensor2d([
      [1, 0],
      [0.5, 0.5],
      [0, 1],
    ]);
    // (0→1): Σ(Δ²)/K = (0.25 + 0.25)/2 = 0.25; (1→2): 0.25 → mean 0.25
    close(
      scalar(temporalConsistency(a, { prev: Int32Array.of(0, 1), next: Int32Array.of(1, 2) })),
      0.25,
      1e-6,
    );
    // (0→2): (1 + 1)/2 = 1
    close(scalar(temporalConsistency(a, { prev: Int32Array.of(0), next: Int32Array.of(2) })), 1, 1e-6);
    assert.equal(scalar(temporalConsistency(a, { prev: new Int32Array(0), next: new Int32Array(0) })), 0);
    assert.throws(
      () => temporalConsistency(a, { prev: Int32Array.of(0), next: Int32Array.of(3) }),
      /pair index/,
    );
    // gradient flows to α without gather
    const g = tf.grad((x: tf.Tensor) =>
      temporalConsistency(x as tf.Tensor2D, { prev: Int32Array.of(0), next: Int32Array.of(2) }),
    )(a);
    // d/dα of mean_k(Δ_k²) = 2Δ/K: Δ = [−1, 1] → next row [−1, 1], prev row [1, −1]
    closeAll(g.dataSync(), [1, -1, 0, 0, -1, 1], 1e-6);
    tf.dispose([a, g]);
  });
});

describe("expert similarity losses", () => {
  // One sample, K = 3 experts over A = 2 actions: e1 = [1,0], e2 = [0,1], e3 = [1,1]
  // |cos|: (1,2) = 0, (1,3) = (2,3) = 1/√2
  const e = () =>
    tf.tensor3d([
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    ]);

  it("diversity: mean over pairs i<j of |cos|", () => {
    const t = e();
    close(scalar(expertDiversity(t)), (0 + SQ + SQ) / 3, 1e-6);
    t.dispose();
    // anti-parallel experts count as similar (B27): the original's signed cosine would give −1
    const anti = tf.tensor3d([
      [
        [1, 0],
        [-1, 0],
      ],
    ]);
    close(scalar(expertDiversity(anti)), 1, 1e-6);
    anti.dispose();
  });

  it("semantic orthogonality: over ordered pairs i≠j, divided by B·K·(K−1)", () => {
    // two samples: the one above and one with identical experts (all |cos| = 1)
    const t = tf.tensor3d([
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      [
        [2, 0],
        [1, 0],
        [3, 0],
      ],
    ]);
    const expected = (2 * (0 + SQ + SQ) + 6 * 1) / (2 * 3 * 2);
    close(scalar(semanticOrthogonality(t)), expected, 1e-6);
    t.dispose();
  });

  it("overlap: mean_b Σ_{i<j} α_i α_j |cos_ij|, each pair once", () => {
    const t = e();
    const a = tf.tensor2d([[0.5, 0.3, 0.2]]);
    // 0.5·0.3·0 + 0.5·0.2·(1/√2) + 0.3·0.2·(1/√2) = 0.16/√2
    close(scalar(expertOverlap(a, t)), 0.16 * SQ, 1e-6);
    tf.dispose([t, a]);
  });
});

describe("hypergraph–router alignment", () => {
  it("operator → expert matrix averages each expert's operators", () => {
    const m = operatorExpertMatrix([0, 0, 1], 2);
    closeAll(m.dataSync(), [0.5, 0, 0.5, 0, 0, 1]);
    m.dispose();
    assert.throws(() => operatorExpertMatrix([0, 2], 2), /operatorExpert\[1\]/);
  });

  // α mixed with ε = 0.1 uniform (K = 2): α̃ = 0.9·α + 0.05.
  const sm = (a: number) => 0.9 * a + 0.05;

  it("KL(p ‖ α̃) with p = softmax(scores·M / T), α̃ = α smoothed, no gradient into the scores", () => {
    const m = operatorExpertMatrix([0, 0, 1], 2);
    const scores = tf.tensor2d([[2, 4, 1]]); // E = [3, 1]
    const alpha = tf.tensor2d([[0.6, 0.4]]);
    for (const T of [1, 2]) {
      const z = [3 / T, 1 / T];
      const p0 = 1 / (1 + Math.exp(z[1] - z[0]));
      const p = [p0, 1 - p0];
      const kl = p[0] * Math.log(p[0] / sm(0.6)) + p[1] * Math.log(p[1] / sm(0.4));
      close(scalar(alignmentLoss(scores, m, alpha, T)), kl, 1e-5, `T=${T}`);
    }
    const [gs, ga] = tf.grads((s: tf.Tensor, a: tf.Tensor) =>
      alignmentLoss(s as tf.Tensor2D, m, a as tf.Tensor2D, 1),
    )([scores, alpha]);
    closeAll(gs.dataSync(), [0, 0, 0], 0, "no gradient into operator scores");
    const p0 = 1 / (1 + Math.exp(-2));
    closeAll(ga.dataSync(), [(-0.9 * p0) / sm(0.6), (-0.9 * (1 - p0)) / sm(0.4)], 1e-5, "dKL/dα = −0.9·p/α̃");
    tf.dispose([m, scores, alpha, gs, ga]);
  });

  it("centred target: each expert's batch mean is subtracted before the softmax", () => {
    const m = operatorExpertMatrix([0, 0, 1], 2);
    // E rows: [3, 1] and [1, 3]; batch mean [2, 2] → centred [1, −1] and [−1, 1].
    const scores = tf.tensor2d([
      [2, 4, 1],
      [0, 2, 3],
    ]);
    const alpha = tf.tensor2d([
      [0.6, 0.4],
      [0.3, 0.7],
    ]);
    const T = 2;
    const pa = 1 / (1 + Math.exp(-2 / T)); // softmax([1, −1]/T)[0]
    const kl1 = pa * Math.log(pa / sm(0.6)) + (1 - pa) * Math.log((1 - pa) / sm(0.4));
    const kl2 = (1 - pa) * Math.log((1 - pa) / sm(0.3)) + pa * Math.log(pa / sm(0.7));
    close(scalar(alignmentLoss(scores, m, alpha, T, true)), (kl1 + kl2) / 2, 1e-5);
    // A constant per-expert offset in the scores (e.g. from initialisation) changes nothing once centred.
    const shifted = tf.add(scores, tf.tensor2d([[5, 5, -3]]));
    close(scalar(alignmentLoss(shifted as tf.Tensor2D, m, alpha, T, true)), (kl1 + kl2) / 2, 1e-5);
    tf.dispose([m, scores, alpha, shifted]);
  });

  it("stays bounded by log(K/ε) when sparse routing leaves zeros in α", () => {
    const m = operatorExpertMatrix([0, 1], 2);
    const scores = tf.tensor2d([[0, 0]]); // p = (½, ½)
    const alpha = tf.tensor2d([[1, 0]]);
    // ½·log(½/0.95) + ½·log(½/0.05)
    close(scalar(alignmentLoss(scores, m, alpha, 1)), 0.5 * Math.log(0.5 / 0.95) + 0.5 * Math.log(10), 1e-5);
    tf.dispose([m, scores, alpha]);
  });

  it("opinion alignment: −log α̃ of argmax g on confident rows only, averaged over all rows; no gradient into g", () => {
    const alpha = tf.tensor2d([
      [0.6, 0.4],
      [0.3, 0.7],
      [0.5, 0.5],
    ]);
    const g = tf.tensor2d([
      [0.2, 0.8],
      [0.9, 0.1],
      [0.5, 0.5],
    ]);
    const confident = tf.tensor1d([1, 1, 0]);
    // Rows 0 and 1 suggest experts 1 and 0: −(log α̃(0.4) + log α̃(0.3)) / 3; row 2 contributes nothing.
    const want = -(Math.log(sm(0.4)) + Math.log(sm(0.3))) / 3;
    close(scalar(opinionAlignmentLoss(alpha, g, confident)), want, 1e-6);
    const [ga, gg] = tf.grads((a: tf.Tensor, o: tf.Tensor) =>
      opinionAlignmentLoss(a as tf.Tensor2D, o as tf.Tensor2D, confident),
    )([alpha, g]);
    closeAll(gg.dataSync(), [0, 0, 0, 0, 0, 0], 0, "no gradient into the opinion");
    closeAll(ga.dataSync(), [0, -0.9 / sm(0.4) / 3, -0.9 / sm(0.3) / 3, 0, 0, 0], 1e-5);
    tf.dispose([alpha, g, confident, ga, gg]);
  });

  it("does not cancel routing-entropy minimisation where the router follows the graph (the old target did)", () => {
    // α = softmax(z/τ) over K = 4 experts for 6 states; the graph is confident and suggests each state's current
    // argmax. Gradients on the logits z: alignment (new target), the old KL towards a near-uniform p, and +H(α)
    // (fine-tune minimises routing entropy).
    const zs = [
      [1.2, 0.3, 0.1, -0.4],
      [0.1, 0.9, 0.2, 0.0],
      [-0.3, 0.2, 1.0, 0.4],
      [0.0, 0.1, 0.3, 0.8],
      [0.7, 0.6, -0.2, 0.1],
      [0.2, -0.1, 0.5, 0.3],
    ];
    const tau = 0.5;
    const z = tf.tensor2d(zs);
    const top = zs.map((r) => r.indexOf(Math.max(...r)));
    const g = tf.tensor2d(top.map((k) => [0, 1, 2, 3].map((j) => (j === k ? 0.85 : 0.05))));
    const conf = tf.tensor1d(new Array(6).fill(1));
    const alphaOf = (zz: tf.Tensor) => tf.softmax(tf.div(zz, tau)) as tf.Tensor2D;
    const flat = (t: tf.Tensor) => Array.from(t.dataSync());
    const cos = (a: number[], b: number[]) => {
      const d = a.reduce((s2, x, i) => s2 + x * b[i], 0);
      return d / Math.sqrt(a.reduce((s2, x) => s2 + x * x, 0) * b.reduce((s2, x) => s2 + x * x, 0));
    };
    const gH = flat(tf.grad((zz: tf.Tensor) => routingEntropy(alphaOf(zz)))(z));
    const gNew = flat(tf.grad((zz: tf.Tensor) => opinionAlignmentLoss(alphaOf(zz), g, conf))(z));
    // The old target: KL(p ‖ α̃) with p ≈ uniform (the untrained operator head's opinion).
    const m = operatorExpertMatrix([0, 1, 2, 3], 4);
    const flatScores = tf.tensor2d(zs.map((_, i) => [0.01 * i, 0, -0.01 * i, 0.005]));
    const gOld = flat(tf.grad((zz: tf.Tensor) => alignmentLoss(flatScores, m, alphaOf(zz), 1))(z));
    const cNew = cos(gNew, gH);
    const cOld = cos(gOld, gH);
    assert.ok(cNew > 0.5, `alignment vs entropy minimisation: cos ${cNew}`);
    assert.ok(cOld < -0.9, `old alignment vs entropy minimisation: cos ${cOld}`);
    tf.dispose([z, g, conf, m, flatScores]);
  });

  it("operator utility: −Σ c·min(e^Â, 20)·log π_G / Σ c over covered rows (hand-computed)", () => {
    const logp = tf.tensor1d([Math.log(0.5), Math.log(0.2), Math.log(0.1), Math.log(0.3)]);
    const covered = Float32Array.from([1, 0, 1, 1]);
    const adv = Float32Array.from([0.5, 2, -1, 4]);
    const w = [Math.exp(0.5), 0, Math.exp(-1), Math.min(Math.exp(4), UTILITY_WEIGHT_MAX)];
    const want = -(w[0] * Math.log(0.5) + w[2] * Math.log(0.1) + w[3] * Math.log(0.3)) / 3;
    close(scalar(operatorUtilityLoss(logp, covered, adv)), want, 1e-5);
    close(scalar(operatorUtilityLoss(logp, new Float32Array(4), adv)), 0, 0, "no covered row: 0");
    assert.throws(() => operatorUtilityLoss(logp, covered, new Float32Array(3)), /advantages length/);
    assert.throws(() => operatorUtilityLoss(logp, covered, adv, 0), /beta/);
    logp.dispose();
  });

  it("load balance restricted to rows: means over the marked rows only", () => {
    const a = tf.tensor2d([
      [0.7, 0.2, 0.1],
      [0.1, 0.2, 0.7],
      [1, 0, 0],
    ]);
    // Rows 0 and 1 only: the same as the unrestricted loss on those rows (2/225).
    close(scalar(loadBalance(a, "variance", tf.tensor1d([1, 1, 0]))), 2 / 225, 1e-6);
    // Switch form on rows 0, 1: f = [0.5, 0, 0.5], ᾱ = [0.4, 0.2, 0.4] → 0.2.
    close(scalar(loadBalance(a, "switch", tf.tensor1d([1, 1, 0]))), 0.2, 1e-6);
    a.dispose();
  });

  it("stopGradient is the identity forward and zero backward", () => {
    const x = tf.tensor1d([1, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(stopGradient(v), v)))(x);
    closeAll(g.dataSync(), [1, 2]); // d/dx of sg(x)·x = sg(x)
    tf.dispose([x, g]);
  });
});

describe("PPO losses", () => {
  const base = () => ({
    logProb: tf.tensor1d([Math.log(0.6), Math.log(0.4)]),
    oldLogProb: tf.tensor1d([Math.log(0.5), Math.log(0.5)]),
    advantages: tf.tensor1d([1, 1]),
    entropy: tf.tensor1d([0.5, 1.5]),
    value: tf.tensor1d([1, 2]),
    oldValue: tf.tensor1d([2, 2]),
    returns: tf.tensor1d([0, 2]),
    clip: 0.1,
  });

  it("clipped surrogate, value loss, entropy, approx KL, clip fraction (hand-computed)", () => {
    const x = base();
    const t = ppoLosses({ ...x, valueClip: null });
    // ρ = [1.2, 0.8]; min(ρA, clip(ρ, 0.9, 1.1)A) = [1.1, 0.8] → −0.95
    close(scalar(t.policyLoss), -0.95, 1e-6);
    // 0.5·mean([(1−0)², (2−2)²]) = 0.25
    close(scalar(t.valueLoss), 0.25, 1e-6);
    close(scalar(t.entropy), 1, 1e-6);
    // mean((ρ−1) − ln ρ) = ((0.2 − ln 1.2) + (−0.2 − ln 0.8)) / 2
    close(scalar(t.approxKl), (0.2 - Math.log(1.2) + (-0.2 - Math.log(0.8))) / 2, 1e-5);
    close(scalar(t.clipFraction), 1, 1e-6);
    tf.dispose(Object.values(x).filter((v) => v instanceof tf.Tensor) as tf.Tensor[]);
  });

  it("value clipping takes the larger error", () => {
    const x = base();
    // V_clip = 2 + clip(1 − 2, ±0.5) = 1.5 → max(1, 2.25) = 2.25 for sample 0 → 0.5·mean([2.25, 0])
    close(scalar(ppoLosses({ ...x, valueClip: 0.5 }).valueLoss), 0.5625, 1e-6);
    tf.dispose(Object.values(x).filter((v) => v instanceof tf.Tensor) as tf.Tensor[]);
  });

  it("totalLoss combines the terms with the phase coefficients and signs", () => {
    const s = (v: number) => tf.scalar(v);
    const terms = {
      policyLoss: s(1),
      valueLoss: s(2),
      entropy: s(3),
      routingEntropy: s(4),
      loadBalance: s(5),
      diversity: s(6),
      alignment: s(7),
      semantic: s(8),
      temporal: s(9),
      overlap: s(10),
      operator: s(11),
    };
    const cfg = defaultConfig();
    // Transition at its start: c_αH = 0.1, sign −1
    const tr = phaseAt(cfg, 1000);
    const want =
      1 +
      0.5 * 2 -
      0.02 * 3 -
      0.1 * 4 +
      0.01 * 5 +
      0.01 * 6 +
      0.1 * 7 +
      0.05 * 8 +
      0.01 * 9 +
      0.03 * 10 +
      0.05 * 11;
    const { total, weighted } = totalLoss(terms, tr, 0.5);
    close(scalar(total), want, 1e-6);
    close(scalar(weighted.routingEntropy), -0.4, 1e-6);
    close(scalar(weighted.entropy), -0.06, 1e-6);
    // Fine-tune: sign +1 → the routing entropy is minimised
    const ft = totalLoss(terms, phaseAt(cfg, 3000), 0.5);
    close(scalar(ft.weighted.routingEntropy), 0.05 * 4, 1e-6);
    // absent terms are left out
    const few = totalLoss({ policyLoss: s(1), valueLoss: s(2), entropy: s(3) }, tr, 1);
    assert.deepEqual(Object.keys(few.weighted).sort(), ["entropy", "policy", "value"]);
    close(scalar(few.total), 1 + 2 - 0.06, 1e-6);
    tf.dispose([
      ...Object.values(terms),
      ...Object.values(weighted),
      ...Object.values(ft.weighted),
      ft.total,
    ]);
    tf.dispose(Object.values(few.weighted));
  });
});
