import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError, Rng } from "../../src/util/index.js";
import { phaseAt } from "../../src/run/index.js";
import {
  LrSchedule,
  NanGuard,
  defaultConfig,
  getLearningRate,
  operatorExpertMatrix,
  ppoLosses,
  ppoUpdate,
  type PpoBatch,
} from "../../src/train/index.js";
import { scalar, tf } from "./tf-helpers.js";
import { ToyPolicy, toyData } from "./toy-policy.js";

const B = 64;
const A = 3;
const K = 2;
const OPS = 4;
const cfg = defaultConfig();
// The toy policy has operator scores but no graph opinion: align through the operator → expert matrix.
const ppo = { ...cfg.ppo, minibatchSize: 16, alignmentTarget: "centred" as const };

/** Advantage +1 where the stored action is 0, −1 otherwise; returns near the current values. */
function batchFor(policy: ToyPolicy): PpoBatch {
  const old = policy.snapshot();
  const advantages = Float32Array.from(policy.data.actions, (a) => (a === 0 ? 1 : -1));
  const returns = Float32Array.from(old.value, (v, i) => v + (i % 2 ? 0.5 : -0.5));
  // consecutive pairs (i, i+1) as if the batch were one env's episode
  const prev = Int32Array.from({ length: B - 1 }, (_, i) => i);
  const next = Int32Array.from({ length: B - 1 }, (_, i) => i + 1);
  return { oldLogProb: old.logProb, oldValue: old.value, advantages, returns, pairs: { prev, next } };
}

/** Mean probability of the stored action over the samples whose action is 0. */
function probOfAction0(policy: ToyPolicy): number {
  const lp = policy.snapshot().logProb;
  let s = 0;
  let n = 0;
  policy.data.actions.forEach((a, i) => {
    if (a === 0) {
      s += Math.exp(lp[i]);
      n++;
    }
  });
  return s / n;
}

/** The clipped surrogate on the whole batch against the batch's old log-probs. */
function surrogate(policy: ToyPolicy, batch: PpoBatch): number {
  return tf.tidy(() => {
    const all = Int32Array.from({ length: B }, (_, i) => i);
    const ev = policy.evaluate(all);
    const t = ppoLosses({
      ...ev,
      oldLogProb: tf.tensor1d(batch.oldLogProb),
      advantages: tf.tensor1d(batch.advantages),
      oldValue: tf.tensor1d(batch.oldValue),
      returns: tf.tensor1d(batch.returns),
      clip: 0.2,
      valueClip: null,
    });
    return scalar(t.policyLoss);
  });
}

async function run(seed: number, phaseEpisode = 1500, extra: Partial<typeof ppo> = {}) {
  const data = toyData(B, 5, A, 11);
  const policy = new ToyPolicy(data, A, K, OPS, 3);
  const batch = batchFor(policy);
  const opToExpert = operatorExpertMatrix([0, 0, 1, 1], K);
  const optimizer = tf.train.adam(1, cfg.ppo.adamBeta1, cfg.ppo.adamBeta2, cfg.ppo.adamEps);
  const phase = { ...phaseAt(cfg, phaseEpisode), lr: 1e-2 };
  const metrics = await ppoUpdate({
    policy,
    optimizer,
    data: batch,
    config: { ...ppo, ...extra },
    phase,
    rng: new Rng(seed),
    opToExpert,
    nanGuard: new NanGuard(),
  });
  return { policy, batch, optimizer, metrics, opToExpert };
}

describe("ppoUpdate on a toy policy", () => {
  it("raises the probability of positively-advantaged actions and lowers the surrogate", async () => {
    const data = toyData(B, 5, A, 11);
    const fresh = new ToyPolicy(data, A, K, OPS, 3);
    const p0 = probOfAction0(fresh);
    const s0 = surrogate(fresh, batchFor(fresh));
    fresh.dispose();

    const { policy, batch, optimizer, metrics, opToExpert } = await run(1);
    assert.ok(probOfAction0(policy) > p0 + 0.01, `p(a=0) ${p0} → ${probOfAction0(policy)}`);
    assert.ok(surrogate(policy, batch) < s0, "clipped surrogate decreased");
    assert.equal(metrics.rolledBack, null);
    assert.equal(metrics.steps, 4 * (B / 16));
    assert.equal(metrics.epochs, 4);
    assert.equal(metrics.lr, 1e-2);
    assert.equal(getLearningRate(optimizer), 1e-2);
    // transition phase: every auxiliary term is active and reported
    for (const k of [
      "policy",
      "value",
      "entropy",
      "total",
      "routingEntropy",
      "loadBalance",
      "diversity",
      "alignment",
      "semantic",
      "temporal",
      "overlap",
    ]) {
      assert.ok(Number.isFinite(metrics.losses[k]), `loss ${k} = ${metrics.losses[k]}`);
    }
    assert.ok(metrics.weighted.routingEntropy < 0, "routing entropy maximised in transition");
    assert.ok(metrics.approxKl >= 0 && metrics.clipFraction >= 0 && metrics.clipFraction <= 1);
    assert.ok(metrics.gradNorm > 0 && metrics.gradNormMax >= metrics.gradNorm);
    assert.ok(Number.isFinite(metrics.explainedVariance));
    policy.dispose();
    optimizer.dispose();
    opToExpert.dispose();
  });

  it("the same seed gives the same weights; another seed does not", async () => {
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    assert.deepEqual(a.policy.weights(), b.policy.weights());
    assert.deepEqual(a.metrics, b.metrics);
    assert.notDeepEqual(a.policy.weights(), c.policy.weights());
    for (const r of [a, b, c]) {
      r.policy.dispose();
      r.optimizer.dispose();
      r.opToExpert.dispose();
    }
  });

  it("only weighted aux terms are computed (warmup: no temporal/overlap)", async () => {
    const { policy, optimizer, metrics, opToExpert } = await run(1, 0);
    assert.equal(metrics.losses.temporal, undefined);
    assert.equal(metrics.losses.overlap, undefined);
    assert.ok(Number.isFinite(metrics.losses.alignment));
    policy.dispose();
    optimizer.dispose();
    opToExpert.dispose();
  });

  it("KL early stop skips the step that would overshoot", async () => {
    const { policy, optimizer, metrics, opToExpert } = await run(1, 1500, { targetKl: 1e-6 });
    assert.ok(metrics.earlyStop);
    assert.ok(metrics.steps < 16, `steps ${metrics.steps}`);
    policy.dispose();
    optimizer.dispose();
    opToExpert.dispose();
  });

  it("uses the LR schedule, clips gradients, leaks no tensors", async () => {
    const data = toyData(B, 5, A, 11);
    const policy = new ToyPolicy(data, A, K, OPS, 3);
    const batch = batchFor(policy);
    const optimizer = tf.train.adam(1);
    const sched = new LrSchedule(4);
    const args = {
      policy,
      optimizer,
      data: batch,
      config: { ...ppo, maxGradNorm: 1e-3 },
      phase: phaseAt(cfg, 1500),
      rng: new Rng(0),
      lrSchedule: sched,
    };
    const m1 = await ppoUpdate(args);
    assert.equal(m1.lr, 5e-5 * 0.25);
    assert.equal(sched.updateCount, 1);
    const n = tf.memory().numTensors;
    const m2 = await ppoUpdate(args);
    assert.equal(tf.memory().numTensors, n, "no tensors leaked by an update");
    assert.equal(m2.lr, 5e-5 * 0.5);
    policy.dispose();
    optimizer.dispose();
  });

  it("clipping: the applied step has global norm maxGradNorm (plain SGD, one minibatch)", async () => {
    const data = toyData(B, 5, A, 11);
    const policy = new ToyPolicy(data, A, K, OPS, 3);
    const batch = batchFor(policy);
    const opToExpert = operatorExpertMatrix([0, 0, 1, 1], K);
    // SGD bakes its rate into a constant when built (setLearningRate only sets the field Adam reads), so the
    // phase lr is the one SGD was built with: the step is then exactly −lr · scale · g. A step of norm ≈ 1
    // against weights of ≈ 0.1 keeps the float32 rounding of w + Δw (≈ 1e-8 a weight) far below the tolerance.
    const lr = 1000;
    const optimizer = tf.train.sgd(lr);
    const maxGradNorm = 1e-3;
    const before = policy.weights();
    const metrics = await ppoUpdate({
      policy,
      optimizer,
      data: batch,
      config: { ...ppo, epochs: 1, minibatchSize: B, maxGradNorm, targetKl: null },
      phase: { ...phaseAt(cfg, 1500), lr },
      rng: new Rng(0),
      opToExpert,
    });
    assert.equal(metrics.rolledBack, null);
    assert.equal(metrics.steps, 1);
    assert.equal(metrics.lr, lr);
    assert.ok(Number.isFinite(metrics.losses.alignment), "the alignment term is part of the gradient");
    const norm = metrics.gradNorm; // one minibatch: the mean pre-clip norm is that step's norm
    assert.equal(metrics.gradNormMax, norm);
    assert.ok(norm > 10 * maxGradNorm, `pre-clip gradient norm ${norm} must exceed the limit`);
    let sq = 0;
    policy.weights().forEach((w, i) => w.forEach((x, j) => (sq += (x - before[i][j]) ** 2)));
    const step = Math.sqrt(sq);
    // scale = maxGradNorm / (norm + 1e-6): ‖Δw‖ = lr · maxGradNorm · norm / (norm + 1e-6)
    const expected = (lr * maxGradNorm * norm) / (norm + 1e-6);
    assert.ok(Math.abs(step - expected) <= 1e-6 * expected, `‖Δw‖ = ${step}, expected ${expected}`);
    policy.dispose();
    optimizer.dispose();
    opToExpert.dispose();
  });

  it("validates the batch", async () => {
    const data = toyData(8, 2, A, 1);
    const policy = new ToyPolicy(data, A, K, OPS, 1);
    const z = new Float32Array(8);
    const base = {
      policy,
      optimizer: tf.train.adam(1e-3),
      config: ppo,
      phase: phaseAt(cfg, 0),
      rng: new Rng(0),
    };
    await assert.rejects(
      ppoUpdate({
        ...base,
        data: { oldLogProb: z, oldValue: z, advantages: new Float32Array(7), returns: z },
      }),
      InvalidArgumentError,
    );
    await assert.rejects(
      ppoUpdate({
        ...base,
        data: {
          oldLogProb: z,
          oldValue: z,
          advantages: z,
          returns: z,
          pairs: { prev: Int32Array.of(0), next: Int32Array.of(8) },
        },
      }),
      /temporal pair index/,
    );
    policy.dispose();
    base.optimizer.dispose();
  });
});
