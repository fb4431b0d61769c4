import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/model/backend.js";
import { GraphOpinion, confidentRows } from "../../src/model/opinion.js";
import { createPolicy } from "../../src/model/policy.js";
import { indexGraph } from "../../src/model/synth.js";
import { shuffleConditionEdges } from "../../src/knowledge/shuffle.js";
import { loadBuiltinGraph } from "../../src/knowledge/index.js";
import type { HypergraphEdge, HypergraphNode } from "../../src/knowledge/types.js";
import { syntheticBatch, syntheticMasks } from "../../src/model/synth.js";
import { Rng } from "../../src/util/rng.js";
import { close, finiteDiff, smallConfig, tinyGraph } from "./helpers.js";

/**
 * A graph small enough to work the opinion out by hand (experts Survival, Combat, Exploration, General):
 *   c0 → op0 (Exploration, action 1)   c0 → op1 (Exploration, action 2)
 *   c1 → op2 (Combat, action 1)        op3 (General, action 0, ungated)
 *   op4 (Survival, no action in the set: never enabled)
 */
function handGraph() {
  const nodes: HypergraphNode[] = [
    { id: "c0", label: "c0", type: "condition" },
    { id: "c1", label: "c1", type: "condition" },
    { id: "o0", label: "move_a", type: "operator", expert: "Exploration", actions: [1] },
    { id: "o1", label: "move_b", type: "operator", expert: "Exploration", actions: [2] },
    { id: "o2", label: "fight_a", type: "operator", expert: "Combat", actions: [1] },
    { id: "o3", label: "wait", type: "operator", expert: "General", actions: [0] },
    { id: "o4", label: "pray", type: "operator", expert: "Survival" },
  ];
  const edges: HypergraphEdge[] = [
    { src: "c0", dst: "o0", relation: "satisfies" },
    { src: "c0", dst: "o1", relation: "satisfies" },
    { src: "c1", dst: "o2", relation: "satisfies" },
    { src: "c1", dst: "o0", relation: "context_of" },
    { src: "c0", dst: "o4", relation: "satisfies" },
  ];
  return indexGraph(nodes, edges);
}

const softmax = (v: number[]) => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

describe("graph opinion", () => {
  before(async () => {
    await initBackend("cpu");
  });
  after(async () => {
    await initBackend("wasm");
  });

  it("enabled sets follow the satisfies edges, ungated operators are always on, unplayable ones never", () => {
    const op = new GraphOpinion(handGraph(), 4, 3);
    const masks = Uint8Array.from([1, 1, 1, 0, 0, 1, 0, 0]);
    assert.deepEqual(Array.from(op.enabled(masks, 4)), [
      ...[1, 1, 1, 1, 0],
      ...[1, 1, 0, 1, 0],
      ...[0, 0, 1, 1, 0],
      ...[0, 0, 0, 1, 0],
    ]);
    // covers: action 1 is carried out by op0 (row 0: enabled) and op2; row 3 only has op3 (action 0).
    const en = op.enabled(masks, 4);
    assert.deepEqual(Array.from(op.covers(en, Int32Array.from([1, 2, 2, 0]))), [1, 1, 0, 1]);
  });

  it("g = softmax over experts of log-mean-exp utilities; π_G mixes each expert's operators (hand-computed)", () => {
    const op = new GraphOpinion(handGraph(), 4, 3);
    const u = [0.3, -0.5, 1.1, 0.2, 7];
    const masks = Uint8Array.from([1, 1, 0, 0]);
    const en = op.enabled(masks, 2);
    const out = tf.tidy(() => {
      const r = op.forward(tf.tensor2d([...u, ...u], [2, 5]), en);
      return { g: Array.from(r.probs.dataSync()), pa: Array.from(r.actionProbs.dataSync()), valid: r.valid };
    });
    // Row 0: Exploration v = log((e^0.3 + e^−0.5)/2), Combat v = 1.1, General v = 0.2, Survival: none.
    const vE = Math.log((Math.exp(0.3) + Math.exp(-0.5)) / 2);
    const [gC, gE, gG] = softmax([1.1, vE, 0.2]);
    const want = [0, gC, gE, gG];
    for (let k = 0; k < 4; k++)
      assert.ok(close(out.g[k], want[k], 1e-5, 1e-7), `g[${k}] ${out.g[k]} vs ${want[k]}`);
    // π_G(1) = g_E · q(op0 | E) + g_C; π_G(2) = g_E · q(op1 | E); π_G(0) = g_G.
    const q0 = Math.exp(0.3) / (Math.exp(0.3) + Math.exp(-0.5));
    const pa = [gG, gE * q0 + gC, gE * (1 - q0)];
    for (let a = 0; a < 3; a++) assert.ok(close(out.pa[a], pa[a], 1e-5, 1e-7), `π_G(${a})`);
    // Row 1: only the ungated General operator → g = one-hot General, certain.
    assert.deepEqual(
      out.g.slice(4).map((x) => Math.round(x * 1e6) / 1e6),
      [0, 0, 0, 1],
    );
    assert.deepEqual(Array.from(out.valid), [1, 1]);
    assert.deepEqual(Array.from(confidentRows(out.g, out.valid, 4, 0.6)), [
      gE >= 0.6 || gC >= 0.6 ? 1 : 0,
      1,
    ]);
  });

  it("the expert prior re-weights g: opinion = (g_k / ḡ_k) normalised, raw g unchanged, π_G unchanged", () => {
    const op = new GraphOpinion(handGraph(), 4, 3);
    const en = op.enabled(Uint8Array.from([1, 1]), 1);
    const u = tf.tensor2d([[0.3, -0.5, 1.1, 0.2, 0]]);
    const before = tf.tidy(() => {
      const r = op.forward(u, en);
      return { g: Array.from(r.probs.dataSync()), pa: Array.from(r.actionProbs.dataSync()) };
    });
    // Uniform prior (the default): the opinion is g itself.
    op.setPrior([0.1, 0.2, 0.6, 0.1]);
    assert.deepEqual(
      Array.from(op.prior).map((x) => Math.round(x * 1e6) / 1e6),
      [0.1, 0.2, 0.6, 0.1],
    );
    const after = tf.tidy(() => {
      const r = op.forward(u, en);
      return {
        g: Array.from(r.probs.dataSync()),
        raw: Array.from(r.raw.dataSync()),
        pa: Array.from(r.actionProbs.dataSync()),
      };
    });
    const lifted = before.g.map((x, k) => x / [0.1, 0.2, 0.6, 0.1][k]);
    const s = lifted.reduce((a, b) => a + b, 0);
    for (let k = 0; k < 4; k++) {
      assert.ok(close(after.g[k], lifted[k] / s, 1e-5, 1e-7), `opinion[${k}]`);
      assert.ok(close(after.raw[k], before.g[k], 1e-6, 1e-7), `raw g[${k}]`);
    }
    for (let a = 0; a < 3; a++) assert.ok(close(after.pa[a], before.pa[a], 1e-6, 1e-7), `π_G(${a})`);
    // Floored and renormalised; bad input named.
    op.setPrior([0, 1, 1, 0]);
    assert.ok(close(op.prior[0], 1e-3 / (2 + 2e-3), 1e-6, 0));
    assert.throws(() => op.setPrior([1, 1, 1]), /opinion prior length/);
    assert.throws(() => op.setPrior([1, NaN, 1, 1]), /opinion prior\[1\]/);
    u.dispose();
  });

  it("an expert's count of operators does not buy it weight: equal utilities give equal shares", () => {
    const op = new GraphOpinion(handGraph(), 4, 3);
    const en = op.enabled(Uint8Array.from([1, 1]), 1);
    const g = tf.tidy(() => Array.from(op.forward(tf.zeros([1, 5]) as tf.Tensor2D, en).probs.dataSync()));
    // Exploration has two enabled operators, Combat and General one each: a third each all the same.
    for (const k of [1, 2, 3]) assert.ok(close(g[k], 1 / 3, 1e-6, 1e-7), `g[${k}] = ${g[k]}`);
  });

  it("a state with no enabled operator has no opinion: uniform, not valid, never confident", () => {
    const nodes: HypergraphNode[] = [
      { id: "c0", label: "c0", type: "condition" },
      { id: "o0", label: "a", type: "operator", expert: "Combat", actions: [0] },
    ];
    const g0 = indexGraph(nodes, [{ src: "c0", dst: "o0", relation: "satisfies" }]);
    const op = new GraphOpinion(g0, 4, 2);
    const en = op.enabled(Uint8Array.from([0]), 1);
    const r = tf.tidy(() => {
      const o = op.forward(tf.tensor2d([[2]]), en);
      return { g: Array.from(o.probs.dataSync()), valid: o.valid };
    });
    assert.deepEqual(r.g, [0.25, 0.25, 0.25, 0.25]);
    assert.deepEqual(Array.from(r.valid), [0]);
    assert.deepEqual(Array.from(confidentRows(r.g, r.valid, 4, 0.2)), [0]);
  });

  it("∂ log π_G(a)/∂u matches finite differences, and is 0 for an operator that cannot explain a", () => {
    const op = new GraphOpinion(handGraph(), 4, 3);
    const en = op.enabled(Uint8Array.from([1, 1]), 1);
    const u = tf.variable(tf.tensor2d([[0.3, -0.5, 1.1, 0.2, 0.4]]));
    const f = () =>
      tf.tidy(
        () =>
          tf.sum(
            tf.log(tf.slice(op.forward(u as unknown as tf.Tensor2D, en).actionProbs, [0, 1], [1, 1])),
          ) as tf.Scalar,
      );
    const { grads } = tf.variableGrads(f, [u]);
    const g = Array.from(grads[u.name].dataSync());
    for (let j = 0; j < 5; j++) {
      const fd = finiteDiff(u, j, 1e-3, () => f().dataSync()[0]);
      assert.ok(close(g[j], fd, 2e-2, 1e-4), `u[${j}]: ${g[j]} vs ${fd}`);
    }
    // op4 is never enabled; action 1 is carried out by op0 (Exploration) and op2 (Combat): both gain.
    assert.equal(g[4], 0);
    assert.ok(g[0] > 0 && g[2] > 0);
    u.dispose();
    grads[u.name].dispose();
  });
});

describe("shuffled graph", () => {
  it("permutes condition → operator sources with a fixed seed, keeping every degree, relation and operator", () => {
    const g = loadBuiltinGraph();
    const a = shuffleConditionEdges(g, 1);
    const b = shuffleConditionEdges(g, 1);
    const c = shuffleConditionEdges(g, 2);
    assert.deepEqual(Array.from(a.edgeSrc), Array.from(b.edgeSrc), "same seed, same graph");
    assert.notDeepEqual(Array.from(a.edgeSrc), Array.from(c.edgeSrc));
    const isCondOp = (e: number) => g.nodeType[g.edgeSrc[e]] === 0 && g.nodeType[g.edgeDst[e]] === 1;
    const outDeg = (srcs: Int32Array) => {
      const m = new Map<number, number>();
      for (let e = 0; e < g.edgeSrc.length; e++) if (isCondOp(e)) m.set(srcs[e], (m.get(srcs[e]) ?? 0) + 1);
      return [...m.entries()].sort((x, y) => x[0] - y[0]);
    };
    assert.deepEqual(outDeg(a.edgeSrc), outDeg(g.edgeSrc), "each condition keeps its out-degree");
    assert.deepEqual(Array.from(a.edgeDst), Array.from(g.edgeDst), "each edge keeps its operator");
    assert.deepEqual(Array.from(a.edgeRelation), Array.from(g.edgeRelation));
    let moved = 0;
    let total = 0;
    for (let e = 0; e < g.edgeSrc.length; e++) {
      if (!isCondOp(e)) assert.equal(a.edgeSrc[e], g.edgeSrc[e], "other edges untouched");
      else {
        total++;
        if (a.edgeSrc[e] !== g.edgeSrc[e]) moved++;
        assert.equal(a.edges[e].src, g.nodes[a.edgeSrc[e]].id, "edge list and index agree");
      }
    }
    assert.ok(moved > 0.8 * total, `${moved} of ${total} condition edges rewired`);
    assert.throws(() => shuffleConditionEdges(g, -1), /graph shuffle seed/);
  });

  it("the shuffled-graph policy's opinion differs from the real graph's on the same states", async () => {
    await initBackend("wasm");
    const g = tinyGraph();
    const C = g.conditionNodes.length;
    const masks = syntheticMasks({ count: 16, distinct: 14, conditions: C, minBits: 2, maxBits: 5, seed: 3 });
    const b = syntheticBatch(16, masks, C, 3, 3);
    const real = createPolicy(smallConfig, g);
    const shuf = createPolicy({ ...smallConfig, graphShuffleSeed: 1 }, g);
    const o1 = real.act(b, { rng: new Rng(0), greedy: true }).opinion;
    const o2 = shuf.act(b, { rng: new Rng(0), greedy: true }).opinion;
    let diff = 0;
    for (let i = 0; i < o1.length; i++) diff = Math.max(diff, Math.abs(o1[i] - o2[i]));
    assert.ok(diff > 0.05, `max opinion difference ${diff}`);
    // The expert prior is a buffer saved with the weights (files without it load a uniform prior).
    real.setOpinionPrior([0.4, 0.3, 0.2, 0.1]);
    const w = real.getWeights();
    assert.deepEqual(
      Array.from(w.get("opinion.prior")!.values).map((x) => Math.round(x * 1e6) / 1e6),
      [0.4, 0.3, 0.2, 0.1],
    );
    shuf.setWeights(w);
    assert.deepEqual(Array.from(shuf.opinionPrior!), Array.from(real.opinionPrior!));
    w.delete("opinion.prior");
    shuf.setWeights(w);
    assert.deepEqual(Array.from(shuf.opinionPrior!), [0.25, 0.25, 0.25, 0.25]);
    real.dispose();
    shuf.dispose();
  });
});

describe("ablation architectures", () => {
  it("ppo: one head, no router, experts or GAT; α ≡ 1 and no opinion", async () => {
    await initBackend("wasm");
    const g = tinyGraph();
    const C = g.conditionNodes.length;
    const p = createPolicy({ ...smallConfig, arch: "ppo" }, g);
    const names = [...p.getWeights().keys()];
    assert.ok(!names.some((n) => n.startsWith("gat.") || n.startsWith("router.")), names.join(","));
    assert.equal(p.numExperts, 1);
    assert.deepEqual(p.expertNames, ["policy"]);
    assert.equal(p.router, null);
    const b = syntheticBatch(
      4,
      syntheticMasks({ count: 4, distinct: 4, conditions: C, minBits: 1, maxBits: 3 }),
      C,
      1,
      3,
    );
    const r = p.act(b, { rng: new Rng(0) });
    assert.deepEqual(Array.from(r.alpha), [1, 1, 1, 1]);
    assert.equal(r.opinion.length, 0);
    assert.equal(r.operatorScores.length, 0);
    p.dispose();
  });

  it("moe: router and experts on the visual stream only; no GAT, no opinion", async () => {
    await initBackend("wasm");
    const g = tinyGraph();
    const C = g.conditionNodes.length;
    const p = createPolicy({ ...smallConfig, arch: "moe" }, g);
    const names = [...p.getWeights().keys()];
    assert.ok(!names.some((n) => n.startsWith("gat.")));
    assert.ok(names.some((n) => n.startsWith("router.")));
    assert.equal(p.numExperts, 4);
    const b = syntheticBatch(
      4,
      syntheticMasks({ count: 4, distinct: 4, conditions: C, minBits: 1, maxBits: 3 }),
      C,
      1,
      3,
    );
    const r = p.act(b, { rng: new Rng(0) });
    for (let i = 0; i < 4; i++) {
      const s = Array.from(r.alpha.subarray(i * 4, i * 4 + 4)).reduce((x, y) => x + y, 0);
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
    assert.equal(r.opinion.length, 0);
    p.dispose();
  });
});
