/**
 * The trainer against the real game: a run interrupted and resumed ends with the same weights as a run
 * straight through; Ctrl-C (an abort) writes a checkpoint; episode and update records carry the metrics.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadCheckpoint, readMetrics, type TrainConfig } from "../../src/run/index.js";
import { resolveConfig, train } from "../../src/train/index.js";
import { TINY_MODEL, tempDir } from "./helpers.js";

/** A small, fast config: short episodes so that rollouts cross episode boundaries and truncations. */
function tinyConfig(outDir: string, expName: string, pipeline: "on" | "off" = "on"): TrainConfig {
  return resolveConfig({
    preset: "demo",
    flags: {
      expName,
      pipeline,
      outDir,
      episodes: 1000,
      maxSteps: 24,
      envs: 2,
      rolloutSteps: 16,
      "ppo.minibatchSize": 16,
      "ppo.epochs": 2,
      checkpointEvery: 1000,
      model: TINY_MODEL,
    },
  });
}

const quiet = { console: null, workers: 1, progressBar: false } as const;

function weightsOf(dir: string): Map<string, number[]> {
  const ck = loadCheckpoint(dir);
  return new Map([...ck.weights].map(([k, v]) => [k, Array.from(v.data)]));
}

function updateRecords(runDir: string): Record<string, unknown>[] {
  return readMetrics(join(runDir, "metrics.jsonl"))
    .filter((r) => r.type === "update")
    .map((r) => {
      const {
        time_s: _t,
        rollout_s: _r,
        update_s: _u,
        steps_per_sec: _s,
        act_ms: _a,
        ...rest
      } = r as Record<string, unknown>;
      return rest;
    });
}

function episodeRecords(runDir: string): Record<string, unknown>[] {
  return readMetrics(join(runDir, "metrics.jsonl"))
    .filter((r) => r.type === "episode")
    .map((r) => {
      const { time_s: _t, ...rest } = r as Record<string, unknown>;
      return rest;
    });
}

describe("trainer", () => {
  for (const mode of ["on", "off"] as const) {
    it(`resume continues exactly (pipeline ${mode}): N updates + resume + N equals 2N straight`, async () => {
      const { dir, cleanup } = tempDir();
      try {
        // Periodic checkpoints every 2 episodes, so that some are written in the middle of the run.
        const tiny = (name: string) => ({
          ...tinyConfig(dir, name, mode),
          checkpointEvery: 2,
          keepCheckpoints: null,
        });
        const straight = await train(tiny("straight"), { ...quiet, maxUpdates: 5 });
        assert.equal(straight.status, "max_updates");
        assert.equal(straight.updates, 5);
        const first = await train(tiny("resumed"), { ...quiet, maxUpdates: 2 });
        assert.equal(first.updates, 2);
        // A pipelined checkpoint holds the older weights its interrupted rollout acts with.
        assert.equal(existsSync(join(first.checkpoint, "behaviour.json")), mode === "on");
        const second = await train(null, { ...quiet, resume: first.runDir, maxUpdates: 5 });
        assert.equal(second.updates, 5);
        assert.equal(second.episodes, straight.episodes);
        assert.equal(second.envSteps, straight.envSteps);
        const a = weightsOf(straight.checkpoint);
        const b = weightsOf(second.checkpoint);
        for (const [k, v] of a) assert.deepEqual(b.get(k), v, `tensor ${k} differs after resume`);
        assert.deepEqual(updateRecords(second.runDir), updateRecords(straight.runDir));
        assert.deepEqual(episodeRecords(second.runDir), episodeRecords(straight.runDir));
        // A checkpoint written mid-run (the next update already running in the learner's thread) resumes
        // exactly too: a copy of the straight run resumed from its first periodic checkpoint ends the same.
        const copy = join(dir, "copy");
        cpSync(straight.runDir, copy, { recursive: true });
        const periodic = readdirSync(join(copy, "checkpoints")).sort()[0];
        const third = await train(null, {
          ...quiet,
          resume: join(copy, "checkpoints", periodic),
          maxUpdates: 5,
        });
        assert.ok(loadCheckpoint(join(copy, "checkpoints", periodic)).state.counters.update < 5);
        const c = weightsOf(third.checkpoint);
        for (const [k, v] of a) assert.deepEqual(c.get(k), v, `tensor ${k} differs after a mid-run resume`);
        assert.deepEqual(updateRecords(copy), updateRecords(straight.runDir));
        // Policy lag: 0 in turn; pipelined, 1 from the second update on (the first two rollouts share W0).
        const lags = updateRecords(straight.runDir).map((r) => r.policy_lag);
        assert.deepEqual(lags, mode === "on" ? [0, 1, 1, 1, 1] : [0, 0, 0, 0, 0]);
      } finally {
        cleanup();
      }
    });
  }

  it("the same seed and config give the same pipelined run; the pipelined and synchronous runs differ", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const a = await train(tinyConfig(dir, "a"), { ...quiet, maxUpdates: 3 });
      const b = await train(tinyConfig(dir, "b"), { ...quiet, maxUpdates: 3, workers: 2 });
      const c = await train(tinyConfig(dir, "c", "off"), { ...quiet, maxUpdates: 3 });
      assert.deepEqual(weightsOf(b.checkpoint), weightsOf(a.checkpoint));
      assert.deepEqual(updateRecords(b.runDir), updateRecords(a.runDir));
      assert.notDeepEqual(weightsOf(c.checkpoint), weightsOf(a.checkpoint));
    } finally {
      cleanup();
    }
  });

  it("an abort (Ctrl-C) writes a resumable checkpoint and returns 'interrupted'", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const ac = new AbortController();
      let updates = 0;
      const r = await train(tinyConfig(dir, "abort"), {
        ...quiet,
        signal: ac.signal,
        onUpdate: () => {
          if (++updates === 1) setImmediate(() => ac.abort());
        },
      });
      assert.equal(r.status, "interrupted");
      assert.ok(existsSync(join(r.checkpoint, "state.json")), `no checkpoint at ${r.checkpoint}`);
      const state = loadCheckpoint(r.checkpoint).state;
      assert.equal(state.counters.update, r.updates);
      const log = readFileSync(join(r.runDir, "training.log"), "utf8");
      assert.match(log, /Interrupted: checkpoint/);
      const again = await train(null, { ...quiet, resume: r.runDir, maxUpdates: r.updates + 1 });
      assert.equal(again.updates, r.updates + 1);
    } finally {
      cleanup();
    }
  });

  it("writes episode and update metrics with the curriculum's phase", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const cfg = tinyConfig(dir, "metrics");
      const r = await train({ ...cfg, episodes: 4 }, quiet);
      assert.equal(r.status, "done");
      assert.ok(existsSync(join(r.runDir, "final", "state.json")));
      assert.ok(existsSync(join(r.runDir, "final", "policy")));
      const recs = readMetrics(join(r.runDir, "metrics.jsonl"));
      const eps = recs.filter((x) => x.type === "episode");
      const ups = recs.filter((x) => x.type === "update");
      assert.ok(eps.length >= 4);
      eps.forEach((e, i) => assert.equal(e.episode, i));
      for (const e of eps) {
        assert.equal(e.phase, "warmup");
        assert.ok((e.length as number) >= 1 && (e.length as number) <= 24);
        assert.ok(typeof e.score === "number");
        const h = e.alpha_entropy_step as number;
        assert.ok(h >= 0 && h <= Math.log(4) + 1e-6, `entropy ${h}`);
      }
      for (const u of ups) {
        const losses = u.losses as Record<string, number>;
        for (const k of ["policy", "value", "entropy", "routingEntropy", "loadBalance", "alignment"])
          assert.ok(Number.isFinite(losses[k]), `loss ${k} = ${losses[k]}`);
        const share = Object.values(u.expert_dominant_share as Record<string, number>);
        assert.equal(share.length, 4);
        assert.ok(Math.abs(share.reduce((a, b) => a + b, 0) - 1) < 1e-6);
      }
      // The run folder refuses a second run of the same name.
      await assert.rejects(train(cfg, quiet), /already exists/);
    } finally {
      cleanup();
    }
  });
});
