import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FileFormatError, InvalidArgumentError, Rng, StateError } from "../../src/util/index.js";
import {
  RunFolder,
  loadCheckpoint,
  readTensorBlobs,
  resolveCheckpoint,
  saveCheckpoint,
  writeTensorBlobs,
  type CheckpointStateInput,
  type TensorBlobs,
} from "../../src/run/index.js";
import {
  LrSchedule,
  RewardScaler,
  assignVariablesFromBlobs,
  blobsFromVariables,
  defaultConfig,
  loadOptimizerState,
  saveOptimizerState,
} from "../../src/train/index.js";
import { tempDir } from "./helpers.js";
import { tf } from "./tf-helpers.js";

function isFileError(file: string, detail: RegExp) {
  return (e: unknown) => e instanceof FileFormatError && e.file.endsWith(file) && detail.test(e.message);
}

const sampleBlobs = (): TensorBlobs =>
  new Map([
    ["a/kernel", { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ["scalar", { shape: [], data: Float32Array.of(-7.5) }],
    ["empty", { shape: [0, 4], data: new Float32Array(0) }],
  ]);

describe("named tensor files", () => {
  it("round trip keeps names, order, shapes and values", () => {
    const { dir, cleanup } = tempDir();
    try {
      writeTensorBlobs(dir, "weights", sampleBlobs());
      const back = readTensorBlobs(dir, "weights");
      assert.deepEqual([...back.keys()], ["a/kernel", "scalar", "empty"]);
      assert.deepEqual(back.get("a/kernel")?.shape, [2, 3]);
      assert.deepEqual(Array.from(back.get("a/kernel")?.data ?? []), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(Array.from(back.get("scalar")?.data ?? []), [-7.5]);
      assert.equal(back.get("empty")?.data.length, 0);
    } finally {
      cleanup();
    }
  });

  it("truncated, corrupt or mismatched files are FileFormatErrors naming the file", () => {
    const { dir, cleanup } = tempDir();
    try {
      writeTensorBlobs(dir, "w", sampleBlobs());
      const bin = join(dir, "w.bin");
      const good = readFileSync(bin);
      truncateSync(bin, 8);
      assert.throws(
        () => readTensorBlobs(dir, "w"),
        isFileError("w.bin", /holds 8 bytes, w\.json says 28 \(truncated/),
      );
      const flipped = Buffer.from(good);
      flipped[3] ^= 0xff;
      writeFileSync(bin, flipped);
      assert.throws(() => readTensorBlobs(dir, "w"), isFileError("w.bin", /SHA-256 does not match/));
      writeFileSync(bin, good);
      const json = join(dir, "w.json");
      const manifest = readFileSync(json, "utf8");
      writeFileSync(json, manifest.slice(0, 40));
      assert.throws(() => readTensorBlobs(dir, "w"), isFileError("w.json", /not valid JSON/));
      const m = JSON.parse(manifest);
      m.tensors[0].shape = [4, 3];
      writeFileSync(json, JSON.stringify(m));
      assert.throws(
        () => readTensorBlobs(dir, "w"),
        isFileError("w.json", /"a\/kernel": length 6 does not match shape \[4,3\]/),
      );
      assert.throws(
        () => readTensorBlobs(dir, "nothing"),
        isFileError("nothing.json", /cannot read \(ENOENT\)/),
      );
    } finally {
      cleanup();
    }
  });

  it("variables ↔ blobs, with shape checks", () => {
    const v = tf.variable(tf.tensor2d([[1, 2]]), true, "ckpt-test/v");
    const blobs = blobsFromVariables([v]);
    v.assign(tf.zeros([1, 2]));
    assignVariablesFromBlobs([v], blobs, "weights.bin");
    assert.deepEqual(Array.from(v.dataSync()), [1, 2]);
    const wrong: TensorBlobs = new Map([["ckpt-test/v", { shape: [2, 1], data: Float32Array.of(1, 2) }]]);
    assert.throws(
      () => assignVariablesFromBlobs([v], wrong, "weights.bin"),
      isFileError("weights.bin", /shape \[2,1\], the variable has \[1,2\]/),
    );
    assert.throws(
      () => assignVariablesFromBlobs([v], new Map(), "weights.bin"),
      /no tensor for variable "ckpt-test\/v"/,
    );
    v.dispose();
  });
});

/** A tiny least-squares problem trained with Adam. */
function adamProblem(name: string) {
  const w = tf.variable(tf.tensor1d([1, -2, 0.5]), true, name);
  const target = tf.tensor1d([0.3, 0.1, -0.4]);
  const step = (opt: tf.Optimizer) => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar, [w]);
    opt.applyGradients([{ name: w.name, tensor: grads[w.name] }]);
    tf.dispose([value, grads[w.name]]);
  };
  return { w, target, step };
}

describe("optimizer state", () => {
  it("a restored Adam continues exactly like the original", async () => {
    const a = adamProblem("opt-a");
    const optA = tf.train.adam(0.1);
    for (let i = 0; i < 3; i++) a.step(optA);
    const saved = await saveOptimizerState(optA);
    assert.deepEqual([...saved.keys()], ["iter", "opt-a/m", "opt-a/v"]);
    assert.equal(saved.get("iter")?.data[0], 3);

    const b = adamProblem("opt-b");
    b.w.assign(a.w);
    const optB = tf.train.adam(0.1);
    await loadOptimizerState(optB, saved, [b.w], "optimizer.bin");
    a.step(optA);
    b.step(optB);
    assert.deepEqual(Array.from(b.w.dataSync()), Array.from(a.w.dataSync()));

    const before = tf.memory().numTensors;
    await loadOptimizerState(optB, saved, [b.w]);
    assert.equal(tf.memory().numTensors, before, "loading twice does not leak");

    await assert.rejects(
      loadOptimizerState(optB, new Map([...saved].slice(0, 2)), [b.w], "optimizer.bin"),
      isFileError("optimizer.bin", /even count/),
    );
    const other = tf.variable(tf.zeros([5]), true, "opt-other");
    await assert.rejects(
      loadOptimizerState(optB, saved, [other], "optimizer.bin"),
      /shape \[3\], variable #0 "opt-other" has \[5\]/,
    );
    tf.dispose([a.w, a.target, b.w, b.target, other]);
    optA.dispose();
    optB.dispose();
  });
});

function stateInput(episode: number): CheckpointStateInput {
  const rng = new Rng(7);
  rng.next();
  const scaler = new RewardScaler(2, { gamma: 0.99, scaleByStd: true, clip: 10 });
  scaler.process([1, 2], [0, 1]);
  const lr = new LrSchedule(5);
  lr.step();
  return {
    counters: { episode, update: 12, envSteps: 24576 },
    phase: { name: "warmup", index: 0 },
    rng: { policy: rng.getState(), env: new Rng(8).getState() },
    rewardScaler: scaler.getState(),
    lrSchedule: lr.getState(),
    best: { metric: "score_avg100", value: 12.5, episode: 90, recent: [10, 15] },
    nanRollbacks: 0,
    config: defaultConfig(),
    extra: { nextSeed: 1234 },
  };
}

describe("checkpoints", () => {
  it("round trip: state, weights, optimizer", () => {
    const { dir, cleanup } = tempDir();
    try {
      const ck = join(dir, "checkpoints", "000100");
      const optimizer: TensorBlobs = new Map([["iter", { shape: [], data: Float32Array.of(4) }]]);
      saveCheckpoint(ck, { state: stateInput(100), weights: sampleBlobs(), optimizer });
      assert.deepEqual(readdirSync(ck).sort(), [
        "optimizer.bin",
        "optimizer.json",
        "state.json",
        "weights.bin",
        "weights.json",
      ]);
      const back = loadCheckpoint(ck);
      const want = stateInput(100);
      assert.deepEqual(back.state.counters, want.counters);
      assert.deepEqual(back.state.rng, want.rng);
      assert.deepEqual(back.state.rewardScaler, want.rewardScaler);
      assert.deepEqual(back.state.lrSchedule, { updates: 1 });
      assert.deepEqual(back.state.config, want.config);
      assert.deepEqual(back.state.extra, { nextSeed: 1234 });
      assert.equal(back.state.format, "tedg-checkpoint");
      assert.deepEqual(Array.from(back.weights.get("a/kernel")?.data ?? []), [1, 2, 3, 4, 5, 6]);
      assert.equal(back.optimizer.get("iter")?.data[0], 4);
      // overwriting is atomic and leaves no temp folders behind
      saveCheckpoint(ck, { state: stateInput(100), weights: sampleBlobs(), optimizer });
      assert.deepEqual(readdirSync(join(dir, "checkpoints")), ["000100"]);
    } finally {
      cleanup();
    }
  });

  it("a failing save leaves the previous checkpoint intact", () => {
    const { dir, cleanup } = tempDir();
    try {
      const ck = join(dir, "ck");
      const optimizer: TensorBlobs = new Map([["iter", { shape: [], data: Float32Array.of(0) }]]);
      saveCheckpoint(ck, { state: stateInput(1), weights: sampleBlobs(), optimizer });
      const bad: TensorBlobs = new Map([["x", { shape: [3], data: Float32Array.of(1) }]]);
      assert.throws(() => saveCheckpoint(ck, { state: stateInput(2), weights: bad, optimizer }), /shape/);
      assert.equal(loadCheckpoint(ck).state.counters.episode, 1);
      assert.deepEqual(readdirSync(dir), ["ck"]);
    } finally {
      cleanup();
    }
  });

  it("corrupt state.json, bad fields and invalid saved configs fail with the file named", () => {
    const { dir, cleanup } = tempDir();
    try {
      const ck = join(dir, "ck");
      const optimizer: TensorBlobs = new Map([["iter", { shape: [], data: Float32Array.of(0) }]]);
      saveCheckpoint(ck, { state: stateInput(5), weights: sampleBlobs(), optimizer });
      const file = join(ck, "state.json");
      const text = readFileSync(file, "utf8");
      writeFileSync(file, text.slice(0, text.length / 2));
      assert.throws(
        () => loadCheckpoint(ck),
        isFileError("state.json", /not valid JSON.*truncated or corrupt/),
      );
      const s = JSON.parse(text);
      writeFileSync(file, JSON.stringify({ ...s, counters: { ...s.counters, episode: -1 } }));
      assert.throws(() => loadCheckpoint(ck), isFileError("state.json", /bad `counters\.episode`/));
      writeFileSync(file, JSON.stringify({ ...s, version: 99 }));
      assert.throws(() => loadCheckpoint(ck), isFileError("state.json", /version 99 is not supported/));
      writeFileSync(
        file,
        JSON.stringify({ ...s, config: { ...s.config, ppo: { ...s.config.ppo, clip: 5 } } }),
      );
      assert.throws(() => loadCheckpoint(ck), isFileError("state.json", /config key `ppo\.clip` = 5/));
      writeFileSync(file, text);
      truncateSync(join(ck, "optimizer.bin"), 1);
      assert.throws(() => loadCheckpoint(ck), isFileError("optimizer.bin", /truncated/));
      assert.throws(() => loadCheckpoint(join(dir, "none")), /not a checkpoint folder/);
    } finally {
      cleanup();
    }
  });
});

describe("RunFolder", () => {
  it("creates the layout, refuses to overwrite, resumes only existing runs", () => {
    const { dir, cleanup } = tempDir();
    try {
      const cfg = { outDir: "runs", expName: "exp1" };
      assert.throws(
        () => RunFolder.open(cfg, { cwd: dir, resume: true }),
        (e: unknown) => e instanceof StateError && /cannot resume/.test(String(e)),
      );
      const f = RunFolder.open(cfg, { cwd: dir });
      assert.equal(f.dir, join(dir, "runs", "exp1"));
      f.saveConfig(defaultConfig());
      assert.ok(existsSync(f.configFile));
      assert.throws(() => RunFolder.open(cfg, { cwd: dir }), /already exists; pass --resume/);
      const again = RunFolder.open(cfg, { cwd: dir, resume: true });
      assert.equal(again.checkpointDir(100), join(f.checkpointsDir, "000100"));
    } finally {
      cleanup();
    }
  });

  it("lists, prunes and finds the latest checkpoint (incl. final/)", () => {
    const { dir, cleanup } = tempDir();
    try {
      const f = RunFolder.open({ outDir: dir, expName: "r" });
      const optimizer: TensorBlobs = new Map([["iter", { shape: [], data: Float32Array.of(0) }]]);
      for (const ep of [100, 200, 300]) {
        saveCheckpoint(f.checkpointDir(ep), { state: stateInput(ep), weights: sampleBlobs(), optimizer });
      }
      mkdirSync(join(f.checkpointsDir, "000400")); // incomplete: no state.json
      assert.deepEqual(
        f.listCheckpoints().map((c) => c.episode),
        [100, 200, 300],
      );
      assert.equal(f.latestCheckpoint()?.episode, 300);
      saveCheckpoint(f.finalDir, { state: stateInput(350), weights: sampleBlobs(), optimizer });
      assert.equal(f.latestCheckpoint()?.dir, f.finalDir);
      f.pruneCheckpoints(2);
      assert.deepEqual(
        f.listCheckpoints().map((c) => c.episode),
        [200, 300],
      );
    } finally {
      cleanup();
    }
  });
});

describe("resolveCheckpoint: the one rule for --resume and --checkpoint", () => {
  const optimizer: TensorBlobs = new Map([["iter", { shape: [], data: Float32Array.of(0) }]]);
  const save = (dir: string, episode: number) =>
    saveCheckpoint(dir, { state: stateInput(episode), weights: sampleBlobs(), optimizer });

  it("a checkpoint folder is used as it is; its run folder is above checkpoints/ or its parent", () => {
    const { dir, cleanup } = tempDir();
    try {
      const f = RunFolder.open({ outDir: dir, expName: "r" });
      save(f.checkpointDir(100), 100);
      save(f.bestDir, 50);
      const periodic = resolveCheckpoint(f.checkpointDir(100));
      assert.deepEqual([periodic.runDir, periodic.checkpoint], [f.dir, f.checkpointDir(100)]);
      assert.equal(periodic.state.counters.episode, 100);
      const best = resolveCheckpoint(f.bestDir);
      assert.deepEqual([best.runDir, best.checkpoint, best.state.counters.episode], [f.dir, f.bestDir, 50]);
    } finally {
      cleanup();
    }
  });

  it("a run folder gives its furthest of checkpoints/ and final/ (final/ on a tie), never best/ unasked", () => {
    const { dir, cleanup } = tempDir();
    try {
      const f = RunFolder.open({ outDir: dir, expName: "r" });
      // Only best/: nothing to pick from the run folder (reads only: nothing is created).
      save(f.bestDir, 80);
      assert.throws(
        () => resolveCheckpoint(f.dir, "--checkpoint"),
        (e: unknown) =>
          e instanceof InvalidArgumentError &&
          /--checkpoint/.test(e.message) &&
          /run folder holding final\/ or checkpoints/.test(e.message),
      );
      save(f.checkpointDir(100), 100);
      assert.equal(resolveCheckpoint(f.dir).checkpoint, f.checkpointDir(100));
      save(f.finalDir, 100); // a finished run: final/ ties with the last periodic checkpoint and wins
      assert.equal(resolveCheckpoint(f.dir).checkpoint, f.finalDir);
      save(f.checkpointDir(150), 150); // resumed with a larger budget, then interrupted: the furthest wins
      const r = resolveCheckpoint(f.dir);
      assert.deepEqual(
        [r.runDir, r.checkpoint, r.state.counters.episode],
        [f.dir, f.checkpointDir(150), 150],
      );
      assert.equal(f.latestCheckpoint()?.dir, r.checkpoint);
      assert.throws(
        () => resolveCheckpoint(join(dir, "missing"), "--resume"),
        /invalid --resume: .*missing.*; expected an existing checkpoint folder/,
      );
      assert.ok(!existsSync(join(dir, "missing")));
    } finally {
      cleanup();
    }
  });
});
