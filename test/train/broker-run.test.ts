/**
 * What the broker learner and its actors agree on: segments of 1 and 2 envs merge into exactly the rollout a
 * 3-env collector would have stored (time-major, envs side by side); a segment of another shape is refused with
 * the offending array named; the config hash ignores the episode budget and the runs folder but nothing else;
 * a run description whose config does not match its hash is refused.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Segment } from "../../src/broker/index.js";
import {
  RolloutBuffer,
  checkSegmentShape,
  configHash,
  mergeSegments,
  parseRunInfo,
  phaseAt,
  resolveConfig,
  RUN_INFO_FORMAT,
  type RolloutShape,
} from "../../src/train/index.js";
import { Rng } from "../../src/util/index.js";

const T = 4;
const row: Omit<RolloutShape, "steps" | "envs"> = {
  blstats: 3,
  crop: 5,
  inv: 2,
  masks: 4,
  actionMask: 3,
  numExperts: 2,
  opinion: true,
};

function filled(envs: number, rng: Rng) {
  const b = new RolloutBuffer({ steps: T, envs, ...row });
  const data = b.data();
  for (const a of Object.values(data.arrays))
    for (let i = 0; i < a.length; i++)
      a[i] = a instanceof Float32Array ? rng.normal() : Math.floor(rng.next() * 100);
  data.t = T;
  const adv = Float32Array.from({ length: T * envs }, () => rng.normal());
  const ret = Float32Array.from({ length: T * envs }, () => rng.normal());
  return { data, adv, ret };
}

/** Envs [from, to) of a rollout as a segment (rows t·N + n of every array). */
function slice(full: ReturnType<typeof filled>, N: number, from: number, to: number): Segment {
  const arrays: Segment["arrays"] = {};
  const all = { ...full.data.arrays, advantages: full.adv, returns: full.ret };
  for (const [name, a] of Object.entries(all)) {
    const width = a.length / (T * N);
    const Ctor = a.constructor as new (n: number) => typeof a;
    const out = new Ctor(T * (to - from) * width);
    for (let t = 0; t < T; t++)
      out.set(a.subarray((t * N + from) * width, (t * N + to) * width), t * (to - from) * width);
    arrays[name] = out;
  }
  return {
    meta: {
      run: "r",
      configHash: "c",
      graphHash: "g",
      actor: `a${from}`,
      version: 0,
      seeds: [],
      episodes: [],
      shape: { steps: T, envs: to - from, ...row },
      t: T,
      prior: from === 0 ? [1, 0] : [0, 1],
      seq: 0,
    },
    arrays,
  };
}

describe("broker run helpers", () => {
  const config = resolveConfig({ preset: "demo" });
  const phase = phaseAt(config, 0);
  const ref = new RolloutBuffer({ steps: T, envs: 1, ...row }).data();

  it("segments of 1 and 2 envs merge into the 3-env rollout they were cut from", () => {
    const full = filled(3, new Rng(5));
    const segs = [slice(full, 3, 0, 1), slice(full, 3, 1, 3)];
    for (const s of segs) checkSegmentShape(s, ref);
    const job = mergeSegments(segs, ref.shape, { phase });
    assert.equal(job.rollout.shape.envs, 3);
    assert.equal(job.rollout.t, T);
    for (const [name, a] of Object.entries(full.data.arrays))
      assert.deepEqual(job.rollout.arrays[name as keyof typeof full.data.arrays], a, name);
    assert.deepEqual(job.advantages, full.adv);
    assert.deepEqual(job.returns, full.ret);
    assert.deepEqual(job.prior, [0.5, 0.5]);
    // The merged rollout is one the learner's buffer takes as it is.
    assert.doesNotThrow(() => RolloutBuffer.from(job.rollout));
  });

  it("refuses a segment of another shape, naming what differs", () => {
    const full = filled(2, new Rng(6));
    const seg = slice(full, 2, 0, 2);
    assert.throws(
      () => checkSegmentShape({ ...seg, meta: { ...seg.meta, shape: { ...seg.meta.shape, crop: 6 } } }, ref),
      /shape\.crop/,
    );
    assert.throws(() => checkSegmentShape({ ...seg, meta: { ...seg.meta, t: T - 1 } }, ref), /steps written/);
    const short = { ...seg, arrays: { ...seg.arrays, values: new Float32Array(3) } };
    assert.throws(() => checkSegmentShape(short, ref), /array values/);
    const typed = { ...seg, arrays: { ...seg.arrays, actions: new Float32Array(T * 2) } };
    assert.throws(() => checkSegmentShape(typed, ref), /array actions/);
    const extra = { ...seg, arrays: { ...seg.arrays, junk: new Uint8Array(1) } };
    assert.throws(() => checkSegmentShape(extra, ref), /junk/);
  });

  it("the config hash ignores the episode budget and the runs folder, nothing else", () => {
    const h = configHash(config);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(configHash({ ...config, episodes: config.episodes + 1, outDir: "/elsewhere" }), h);
    assert.notEqual(configHash({ ...config, seed: config.seed + 1 }), h);
    assert.notEqual(configHash({ ...config, ppo: { ...config.ppo, clip: 0.3 } }), h);
  });

  it("refuses a run description whose config does not match its hash", () => {
    const info = {
      format: RUN_INFO_FORMAT,
      run: config.expName,
      config,
      configHash: configHash(config),
      graphHash: "g",
      seedBase: 0,
      streamMaxLen: 10,
      maxSegmentBytes: 1 << 20,
      maxBacklogEnvs: 10,
      status: "running",
    };
    assert.equal(parseRunInfo(info, config.expName).configHash, info.configHash);
    assert.throws(() => parseRunInfo({ ...info, configHash: "0" }, config.expName), /does not match/);
    assert.throws(() => parseRunInfo(info, "other"), /not a tedg-run-info of that run/);
  });
});
