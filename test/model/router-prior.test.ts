import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/model/backend.js";
import { createPolicy } from "../../src/model/policy.js";
import { OPINION_LOG_FLOOR, withPrior } from "../../src/model/router.js";
import { syntheticBatch, syntheticMasks } from "../../src/model/synth.js";
import { InvalidArgumentError } from "../../src/util/errors.js";
import { close, smallConfig, tinyGraph } from "./helpers.js";

const graph = tinyGraph();
const C = graph.conditionNodes.length;

describe("the graph's opinion as a routing prior", () => {
  before(async () => {
    await initBackend("wasm");
  });

  it("gives log max(g, floor) + R·tanh(z/R), computed by hand", () => {
    const z = [0, 2, -3, 0.5];
    const g = [0.5, 0.3, 0.2, 0];
    const R = 1.5;
    const got = tf.tidy(() =>
      Array.from(withPrior(tf.tensor2d([z]), { opinion: tf.tensor2d([g]), residual: R }).dataSync()),
    );
    for (let k = 0; k < 4; k++) {
      const want = Math.log(Math.max(g[k], OPINION_LOG_FLOOR)) + R * Math.tanh(z[k] / R);
      assert.ok(close(got[k], want, 1e-6, 1e-6), `expert ${k}: ${got[k]} vs ${want}`);
    }
  });

  it("passes the gradient 1 − tanh²(z/R) to the router logits and none to the opinion", () => {
    const z = tf.tensor2d([[0.3, -2, 4, 0]]);
    const g = tf.tensor2d([[0.1, 0.2, 0.3, 0.4]]);
    const w = tf.tensor2d([[1, -2, 0.5, 3]]);
    const R = 2;
    const [dz, dg] = tf.grads((zz: tf.Tensor, gg: tf.Tensor) =>
      tf.sum(tf.mul(withPrior(zz as tf.Tensor2D, { opinion: gg as tf.Tensor2D, residual: R }), w)),
    )([z, g]);
    const zv = z.dataSync();
    const wv = w.dataSync();
    const dzv = dz.dataSync();
    for (let k = 0; k < 4; k++) {
      const want = wv[k] * (1 - Math.tanh(zv[k] / R) ** 2);
      assert.ok(close(dzv[k], want, 1e-5, 1e-6), `∂/∂z[${k}] ${dzv[k]} vs ${want}`);
    }
    assert.deepEqual(Array.from(dg.dataSync()), [0, 0, 0, 0]);
  });

  it("an expert the graph favours by more than 2R nats leads whatever the router's logits", () => {
    // g favours expert 2 by ln(0.88/0.04) ≈ 3.1 nats > 2R = 3; the router pushes hard for expert 0.
    const routed = tf.tidy(() =>
      Array.from(
        withPrior(tf.tensor2d([[1e6, -1e6, -1e6, -1e6]]), {
          opinion: tf.tensor2d([[0.04, 0.04, 0.88, 0.04]]),
          residual: 1.5,
        }).dataSync(),
      ),
    );
    assert.equal(routed.indexOf(Math.max(...routed)), 2);
  });

  it("in the policy: α = softmax((log g + R·tanh(z/R))/τ) from the policy's own logits and opinion", () => {
    const R = 0.7;
    const tau = 0.5;
    const p = createPolicy(
      {
        ...smallConfig,
        routing: { mode: "softmax", tau },
        router: { hidden: [6], prior: "opinion", residual: R },
      },
      graph,
    );
    const masks = syntheticMasks({ count: 6, distinct: 5, conditions: C, minBits: 0, maxBits: 5, seed: 3 });
    const b = syntheticBatch(6, masks, C, 3, 3);
    const K = p.numExperts;
    const { z, alpha, g } = tf.tidy(() => {
      const ev = p.evaluate(b);
      return {
        z: Array.from(ev.routerLogits!.dataSync()),
        alpha: Array.from(ev.alpha.dataSync()),
        g: Array.from(ev.opinion!.dataSync()),
      };
    });
    for (let i = 0; i < 6; i++) {
      const e = Array.from({ length: K }, (_, k) =>
        Math.exp(
          (Math.log(Math.max(g[i * K + k], OPINION_LOG_FLOOR)) + R * Math.tanh(z[i * K + k] / R)) / tau,
        ),
      );
      const s = e.reduce((x, y) => x + y, 0);
      for (let k = 0; k < K; k++) assert.ok(close(alpha[i * K + k], e[k] / s, 1e-5, 1e-6), `α[${i},${k}]`);
    }
    // Without the prior the same weights route on z alone.
    const free = createPolicy({ ...smallConfig, routing: { mode: "softmax", tau } }, graph);
    const a0 = tf.tidy(() => Array.from(free.evaluate(b).alpha.dataSync()));
    assert.ok(
      a0.some((v, i) => Math.abs(v - alpha[i]) > 1e-3),
      "the prior changes the routing",
    );
    p.dispose();
    free.dispose();
  });

  it("rejects a residual bound that is not > 0 and an opinion of the wrong shape", () => {
    assert.throws(
      () =>
        withPrior(tf.zeros([1, 4]) as tf.Tensor2D, {
          opinion: tf.fill([1, 4], 0.25) as tf.Tensor2D,
          residual: 0,
        }),
      (e: unknown) => e instanceof InvalidArgumentError && /router residual bound/.test(String(e)),
    );
    assert.throws(
      () =>
        withPrior(tf.zeros([2, 4]) as tf.Tensor2D, {
          opinion: tf.fill([1, 4], 0.25) as tf.Tensor2D,
          residual: 1,
        }),
      /opinion shape/,
    );
    assert.throws(() => createPolicy({ ...smallConfig, router: { residual: -1 } }, graph), /residual/);
  });
});
