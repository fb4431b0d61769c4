/**
 * The update's own loss (minibatchTerms / minibatchLoss, exactly what ppoUpdate differentiates) on the real
 * policy: every parameter gets a non-zero gradient, and so does every auxiliary term on its own. No extra or
 * artificial loss: a parameter no term reaches would fail here.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  createPolicy,
  initBackend,
  syntheticBatch,
  syntheticMasks,
  type Policy,
} from "../../src/model/index.js";
import { phaseAt } from "../../src/run/index.js";
import {
  defaultConfig,
  minibatchLoss,
  minibatchTerms,
  trainablePolicy,
  type MinibatchData,
  type PolicyEvaluation,
} from "../../src/train/index.js";
import { Rng } from "../../src/util/index.js";
import { smallConfig, tinyGraph } from "../model/helpers.js";

const B = 24;
const graph = tinyGraph();
const C = graph.conditionNodes.length;

describe("gradients of the update's loss on the real policy", () => {
  let policy: Policy;
  let evaluate: (idx: Int32Array) => PolicyEvaluation;
  let mb: MinibatchData;
  const idx = Int32Array.from({ length: B }, (_, i) => i);

  before(async () => {
    await initBackend("wasm");
    // A low confidence threshold so the tiny graph's opinion is confident on some rows (alignment acts there).
    policy = createPolicy({ ...smallConfig, opinion: { confidence: 0.4 } }, graph);
    policy.router!.setRouting({ mode: "softmax", tau: 1 });
    const masks = syntheticMasks({ count: B, distinct: 20, conditions: C, minBits: 1, maxBits: 4, seed: 4 });
    const batch = syntheticBatch(B, masks, C, 4, 3);
    const rng = new Rng(2);
    const act = policy.act(batch, { rng });
    evaluate = trainablePolicy(policy, () => ({ batch, actions: act.action })).evaluate;
    const cfg = defaultConfig();
    // Transition: every auxiliary coefficient is non-zero there.
    const phase = phaseAt(cfg, 1500);
    mb = {
      oldLogProb: act.logProb,
      oldValue: act.value,
      returns: Float32Array.from(act.value, (v, i) => v + Math.sin(i)),
      advantages: Float32Array.from({ length: B }, () => rng.normal()),
      pairs: {
        prev: Int32Array.from({ length: B - 1 }, (_, i) => i),
        next: Int32Array.from({ length: B - 1 }, (_, i) => i + 1),
      },
      config: cfg.ppo,
      phase,
    };
  });
  after(() => policy.dispose());

  const gradNorms = (f: () => tf.Scalar): Map<string, number> => {
    const { value, grads } = tf.variableGrads(f, policy.trainableVariables());
    value.dispose();
    const named = policy.namedGradients!(grads);
    Object.values(grads).forEach((g) => g.dispose());
    return new Map([...named].map(([n, g]) => [n, g.values.reduce((a, v) => a + Math.abs(v), 0)]));
  };

  it("every parameter, the operator-utility head included, gets a non-zero gradient from the total loss", () => {
    const norms = gradNorms(() => minibatchLoss(evaluate(idx), mb));
    assert.ok(norms.size > 30, `${norms.size} parameters`);
    assert.ok(norms.has("gat.opHead.w"));
    for (const [n, v] of norms) assert.ok(v > 0, `zero gradient for ${n}`);
  });

  it("every auxiliary term on its own has a non-zero gradient, reaching the parameters it is meant for", () => {
    const terms = [
      "routingEntropy",
      "loadBalance",
      "diversity",
      "alignment",
      "operator",
      "semantic",
      "temporal",
      "overlap",
    ] as const;
    const reach: Record<string, string> = {
      routingEntropy: "router.",
      loadBalance: "router.",
      diversity: "experts.",
      alignment: "router.",
      operator: "gat.opHead",
      semantic: "experts.",
      temporal: "router.",
      overlap: "experts.",
    };
    for (const t of terms) {
      const norms = gradNorms(() => {
        const { terms: all } = minibatchTerms(evaluate(idx), mb);
        assert.ok(all[t], `term ${t} was not built`);
        return tf.clone(all[t]!) as tf.Scalar;
      });
      const total = [...norms.values()].reduce((a, v) => a + v, 0);
      assert.ok(total > 0, `${t}: zero gradient`);
      const target = [...norms].filter(([n]) => n.startsWith(reach[t])).reduce((a, [, v]) => a + v, 0);
      assert.ok(target > 0, `${t}: no gradient reaches ${reach[t]}*`);
    }
    // The utility loss trains the graph's opinion and nothing downstream of the router or heads.
    const op = gradNorms(() => tf.clone(minibatchTerms(evaluate(idx), mb).terms.operator!) as tf.Scalar);
    for (const [n, v] of op)
      if (
        n.startsWith("router.") ||
        n.startsWith("experts.") ||
        n.startsWith("critic.") ||
        n.startsWith("vis.")
      )
        assert.equal(v, 0, `operator term reached ${n}`);
  });
});
