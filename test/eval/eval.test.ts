/**
 * Evaluation against the real game: a tiny trained run, evaluated twice on the same held-out seeds, gives
 * byte-identical JSON (and replays); the replay re-plays bit-exactly; bad input fails with clear messages.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  evaluate,
  loadEvalRecording,
  readEvalSummary,
  replayEpisode,
  resolveCheckpoint,
  trainingSeedRange,
} from "../../src/eval/index.js";
import { readCheckpointState } from "../../src/run/index.js";
import { tempDir, trainTinyRun } from "./helpers.js";

describe("tedg eval", () => {
  const tmp = tempDir("tedg-eval-");
  let runDir = "";
  before(async () => {
    runDir = await trainTinyRun(tmp.dir, "evalrun", { episodes: 4, maxSteps: 30 });
  });
  after(() => tmp.cleanup());

  it("same checkpoint and seeds → identical JSON twice (and identical replays)", async () => {
    const opts = {
      checkpoint: runDir,
      episodes: 5,
      seedStart: 500_000,
      maxSteps: 40,
      envs: 2,
      record: 2,
      workers: 2,
    };
    const a = await evaluate({ ...opts, outDir: join(tmp.dir, "evalA") });
    const b = await evaluate({ ...opts, outDir: join(tmp.dir, "evalB") });
    assert.ok(a.files.summary && b.files.summary);
    const ja = readFileSync(a.files.summary, "utf8");
    assert.equal(ja, readFileSync(b.files.summary, "utf8"), "eval JSON differs between two identical runs");
    assert.equal(a.files.replays.length, 2);
    a.files.replays.forEach((f, i) =>
      assert.equal(readFileSync(f, "utf8"), readFileSync(b.files.replays[i], "utf8")),
    );

    const s = readEvalSummary(a.files.summary);
    assert.deepEqual(
      s.episodes.map((e) => e.seed),
      [500_000, 500_001, 500_002, 500_003, 500_004],
      "exactly the requested seeds, in order",
    );
    assert.equal(s.checkpoint.path, "final");
    assert.equal(s.score.n, 5);
    assert.ok(s.score.ci && s.score.ci[0] <= s.score.mean! && s.score.mean! <= s.score.ci[1]);
    const K = s.routing.expertNames.length;
    assert.ok(s.routing.alphaEntropyStep >= 0 && s.routing.alphaEntropyStep <= Math.log(K) + 1e-6);
    const steps = s.specialisation.table.flat().reduce((x, y) => x + y, 0);
    assert.equal(
      steps,
      s.episodes.reduce((x, e) => x + e.length, 0),
      "one table entry per step",
    );
    assert.ok(s.specialisation.mutualInformation >= 0);
    assert.equal(
      Object.values(s.routing.dominantShare)
        .reduce((x, y) => x + y, 0)
        .toFixed(6),
      "1.000000",
    );
    assert.ok(s.operators.byScenario.general !== undefined);
    assert.ok(s.trainingSeeds[1] <= 500_000, "the training range ends before the eval seeds");
  });

  it("writes to <run>/eval by default; the replay re-plays bit-exactly and carries the decisions", async () => {
    const r = await evaluate({
      checkpoint: join(runDir, "final"),
      episodes: 2,
      seedStart: 600_000,
      maxSteps: 25,
      record: 1,
      greedy: true,
    });
    assert.ok(r.files.summary?.startsWith(join(runDir, "eval")));
    assert.match(r.files.summary!, /final-s600000-n2-greedy-max25\.json$/);
    const rec = loadEvalRecording(r.files.replays[0]);
    assert.equal(rec.seed, 600_000);
    assert.equal(rec.extras.length, rec.actions.length);
    rec.extras.forEach((x, k) => assert.equal(x.a, rec.actions[k]));
    let frames = 0;
    replayEpisode(rec, () => frames++); // throws on any digest mismatch
    assert.equal(frames, rec.actions.length + 1);
    assert.ok(readdirSync(join(runDir, "eval")).some((f) => f.endsWith(".json")));
  });

  it("refuses seeds that overlap training, naming both ranges", async () => {
    const state = readCheckpointState(join(runDir, "final"));
    const [lo, hi] = trainingSeedRange(state, runDir);
    assert.equal(lo, 0);
    assert.ok(hi >= 4, `training range end ${hi}`);
    await assert.rejects(
      evaluate({ checkpoint: runDir, episodes: 3, seedStart: hi - 1 }),
      (e: Error) =>
        e.message.includes(`[${hi - 1}, ${hi + 2})`) &&
        e.message.includes(`training seeds [${lo}, ${hi})`) &&
        e.message.includes(`--seed-start ≥ ${hi}`),
    );
  });

  it("rejects a missing checkpoint and bad numbers with the value and what was expected", async () => {
    await assert.rejects(
      evaluate({ checkpoint: join(tmp.dir, "nope"), episodes: 2 }),
      /--checkpoint.*nope.*existing checkpoint folder/,
    );
    await assert.rejects(
      evaluate({ checkpoint: runDir, episodes: 0 }),
      /--episodes: 0; expected an integer in \[1, 1000000\]/,
    );
    await assert.rejects(evaluate({ checkpoint: runDir, episodes: 1.5 }), /--episodes: 1\.5/);
    await assert.rejects(evaluate({ checkpoint: runDir, episodes: 2, seedStart: -3 }), /--seed-start: -3/);
    await assert.rejects(
      evaluate({ checkpoint: runDir, episodes: 2, envs: 3 }),
      /--envs: 3; expected an integer in \[1, 2\]/,
    );
    await assert.rejects(
      evaluate({ checkpoint: runDir, episodes: 2, record: 5 }),
      /--record: 5; expected an integer in \[0, 2\]/,
    );
    await assert.rejects(evaluate({ checkpoint: runDir, episodes: 2, maxSteps: 0 }), /--max-steps: 0/);
    assert.throws(() => resolveCheckpoint(tmp.dir), /run folder holding final\/ or checkpoints/);
    assert.ok(existsSync(join(runDir, "final", "state.json")));
  });
});
