import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../../src/util/index.js";
import { phaseAt } from "../../src/run/index.js";
import {
  NanGuard,
  TrainingDivergedError,
  allFinite,
  defaultConfig,
  ppoUpdate,
  saveOptimizerState,
} from "../../src/train/index.js";
import { tf } from "./tf-helpers.js";
import { ToyPolicy, toyData } from "./toy-policy.js";

/** Toy problem: minimise Σ(w − 1)²; `inject` turns the loss into NaN. */
function toy(name: string) {
  const w = tf.variable(tf.tensor1d([0, 2]), true, name);
  const opt = tf.train.adam(0.1);
  let inject = false;
  /** One guarded update of two Adam steps; returns the rollback reason or null. */
  const update = (guard: NanGuard) =>
    guard.run([w], opt, () => {
      for (let i = 0; i < 2; i++) {
        const { value, grads } = tf.variableGrads(() => {
          const l = tf.sum(tf.square(tf.sub(w, 1))) as tf.Scalar;
          return inject && i === 1 ? (tf.mul(l, NaN) as tf.Scalar) : l;
        }, [w]);
        const ok = allFinite([value, grads[w.name]]);
        if (ok) opt.applyGradients([{ name: w.name, tensor: grads[w.name] }]);
        tf.dispose([value, grads[w.name]]);
        if (!ok) return "NaN loss";
      }
      return null;
    });
  return { w, opt, update, setInject: (v: boolean) => (inject = v) };
}

const state = async (w: tf.Variable, opt: tf.Optimizer) => ({
  w: Array.from(w.dataSync()),
  opt: [...(await saveOptimizerState(opt)).values()].map((b) => Array.from(b.data)),
});

describe("NanGuard", () => {
  it("restores weights and optimizer state after a NaN, and continues", async () => {
    const t = toy("nan-guard/w1");
    const messages: string[] = [];
    const guard = new NanGuard({ onRollback: (m) => messages.push(m) });
    assert.equal(await t.update(guard), null);
    const before = await state(t.w, t.opt);
    t.setInject(true);
    // the first step of the update is applied, the second hits NaN → everything is rolled back
    assert.equal(await t.update(guard), "NaN loss");
    assert.deepEqual(await state(t.w, t.opt), before);
    assert.equal(guard.consecutiveFailures, 1);
    assert.match(messages[0], /NaN guard: NaN loss; restored .* \(1\/3 in a row, 1 in total\)/);
    t.setInject(false);
    assert.equal(await t.update(guard), null, "training continues");
    assert.equal(guard.consecutiveFailures, 0);
    assert.notDeepEqual((await state(t.w, t.opt)).w, before.w);
    t.w.dispose();
    t.opt.dispose();
  });

  it("three failures in a row throw TrainingDivergedError", async () => {
    const t = toy("nan-guard/w2");
    const guard = new NanGuard();
    await t.update(guard);
    t.setInject(true);
    await t.update(guard);
    await t.update(guard);
    await assert.rejects(
      t.update(guard),
      (e: unknown) => e instanceof TrainingDivergedError && /3 updates in a row/.test(String(e)),
    );
    t.w.dispose();
    t.opt.dispose();
  });

  it("does not leak tensors", async () => {
    const t = toy("nan-guard/w3");
    const guard = new NanGuard({ maxConsecutive: 100 });
    await t.update(guard);
    const n = tf.memory().numTensors;
    t.setInject(true);
    await t.update(guard);
    t.setInject(false);
    await t.update(guard);
    assert.equal(tf.memory().numTensors, n);
    t.w.dispose();
    t.opt.dispose();
  });

  it("ppoUpdate rolls back a NaN update of a policy", async () => {
    const data = toyData(32, 3, 3, 1);
    const policy = new ToyPolicy(data, 3, 2, 4, 2);
    const old = policy.snapshot();
    const before = policy.weights();
    policy.poison = true;
    const guard = new NanGuard();
    const opt = tf.train.adam(1e-2);
    const m = await ppoUpdate({
      policy,
      optimizer: opt,
      data: {
        oldLogProb: old.logProb,
        oldValue: old.value,
        advantages: new Float32Array(32).fill(1),
        returns: new Float32Array(32),
      },
      config: { ...defaultConfig().ppo, minibatchSize: 8 },
      phase: phaseAt(defaultConfig(), 0),
      rng: new Rng(0),
      nanGuard: guard,
    });
    assert.match(m.rolledBack ?? "", /non-finite loss/);
    assert.equal(m.steps, 0);
    assert.deepEqual(policy.weights(), before);
    assert.equal(guard.rollbacks, 1);
    policy.dispose();
    opt.dispose();
  });
});
