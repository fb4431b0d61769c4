/**
 * The collector against the real game: hooks run in the documented order, `acted` sees the input the policy
 * acted on with the observer's conditions still describing it, ended episodes reach `episodeEnd` with the
 * game's own final score, and two collectors with the same seeds and sampling streams play identical games.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchObserver, Collector, NUM_SCORE_ACTIONS } from "../../src/agent/index.js";
import { VecEnv, type EpisodeInfo } from "../../src/env/index.js";
import { loadBuiltinGraph } from "../../src/knowledge/index.js";
import { createPolicy, initBackend } from "../../src/model/index.js";
import { Rng } from "../../src/util/index.js";

const N = 3;

async function play(steps: number) {
  await initBackend("wasm");
  const graph = loadBuiltinGraph();
  const policy = createPolicy(
    {
      numActions: NUM_SCORE_ACTIONS,
      visual: { cropHidden: 16, hidden: 16, glyphHashBuckets: 8 },
      gat: { dim: 8, heads: 2, logicDim: 8 },
      router: { hidden: [8] },
      experts: { hidden: [8] },
      critic: { hidden: [8] },
    },
    graph,
  );
  const vec = new VecEnv({ numEnvs: N, workers: 1, seedStart: 7, task: "score", maxEpisodeSteps: 12 });
  const observer = new BatchObserver(graph, N, {
    cropSize: policy.config.visual.cropSize,
    actionMask: true,
    numActions: NUM_SCORE_ACTIONS,
  });
  const c = new Collector(vec, observer, policy);
  const events: string[] = [];
  const actions: number[] = [];
  const ended: EpisodeInfo[] = [];
  try {
    c.reset();
    const rng = new Rng(3);
    for (let t = 0; t < steps; t++) {
      const before = c.input;
      c.step(
        { rng },
        {
          acted: (input, act) => {
            assert.equal(input, before, "acted sees the input the policy acted on");
            assert.deepEqual(observer.conditions, input.masks, "conditions describe the acted-on input");
            // The action mask was honoured.
            for (let n = 0; n < N; n++)
              assert.equal(input.actionMask![n * NUM_SCORE_ACTIONS + act.action[n]], 1);
            actions.push(...act.action);
            events.push("acted");
          },
          stepped: (res) => {
            assert.equal(res.rewards.length, N);
            events.push("stepped");
          },
          episodeEnd: (info) => {
            ended.push(info);
            events.push(`end${info.env}`);
          },
        },
      );
    }
  } finally {
    vec.close();
    policy.dispose();
  }
  return { events, actions, ended };
}

describe("Collector", () => {
  it("runs the hooks in order, reports ended episodes, and replays identically from the same seeds", async () => {
    const a = await play(30);
    // acted, stepped, then one end per finished episode, every step.
    assert.equal(a.events.filter((e) => e === "acted").length, 30);
    for (let i = 0; i < a.events.length; i++) {
      if (a.events[i] === "stepped") assert.equal(a.events[i - 1], "acted");
      if (a.events[i].startsWith("end"))
        assert.ok(["stepped", "end0", "end1", "end2"].includes(a.events[i - 1]));
    }
    // A 12-step cap: every env ends at least two episodes in 30 steps, each within the cap.
    for (let n = 0; n < N; n++) assert.ok(a.ended.filter((e) => e.env === n).length >= 2, `env ${n}`);
    for (const e of a.ended) assert.ok(e.length >= 1 && e.length <= 12, `length ${e.length}`);
    const b = await play(30);
    assert.deepEqual(b.actions, a.actions);
    assert.deepEqual(
      b.ended.map((e) => [e.env, e.seed, e.score, e.length]),
      a.ended.map((e) => [e.env, e.seed, e.score, e.length]),
    );
  });
});
