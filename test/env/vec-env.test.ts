import { test } from "node:test";
import assert from "node:assert/strict";
import { makeVecEnv, makeEnv, BL, obsAt, digestObservation } from "../../src/env/index.js";

test("VecEnv steps N envs in lock-step, matches single envs, auto-resets, and restarts a killed worker", () => {
  const n = 4;
  const vec = makeVecEnv({
    numEnvs: n,
    workers: 2,
    seedStart: 500,
    maxEpisodeSteps: 30,
    stepTimeoutMs: 5000,
  });
  try {
    const obs = vec.reset();
    assert.equal(obs.glyphs.length, n * 21 * 79);
    assert.equal(obs.blstats.length, n * 27);
    // Env i's first episode uses seed 500 + i: identical to a single env with that seed.
    const single = makeEnv({ maxEpisodeSteps: 30 });
    for (let i = 0; i < n; i++) {
      assert.equal(digestObservation(obsAt(obs, i)), digestObservation(single.reset({ seed: 500 + i }).obs));
    }
    const actions = new Int32Array(n).fill(19); // wait
    let ended = 0;
    for (let k = 0; k < 30; k++) {
      const r = vec.step(actions);
      for (const ep of r.episodes) {
        ended++;
        assert.equal(ep.endReason, "max_steps");
        assert.equal(ep.length, 30);
        assert.equal(ep.seed, 500 + ep.env);
        assert.equal(r.truncated[ep.env], 1);
        assert.ok(ep.finalObs.blstats[BL.TIME] > 1);
      }
    }
    assert.equal(ended, n, "every env hit the step cap once and was reset");
    // After auto-reset, env i plays its 2nd episode: seed 500 + n + i.
    assert.equal(digestObservation(vec.obsAt(0)), digestObservation(single.reset({ seed: 500 + n }).obs));
    assert.throws(() => vec.step(new Int32Array(n - 1)), /actions length: 3; expected 4/);
    assert.throws(() => vec.step(new Int32Array(n).fill(99)), /action of env 0: 99/);

    vec.killWorker(1);
    const r = vec.step(actions);
    const crashed = r.episodes.filter((e) => e.endReason === "crash").map((e) => e.env);
    assert.deepEqual(crashed.sort(), [1, 3], "the killed worker's envs are reported");
    assert.match(r.episodes[0].detail, /worker 1 hung or died/);
    const again = vec.step(actions);
    assert.equal(again.rewards.length, n, "the batch carries on after the restart");
  } finally {
    vec.close();
  }
});
