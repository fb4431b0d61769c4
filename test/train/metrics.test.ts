import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { FileFormatError, InvalidArgumentError } from "../../src/util/index.js";
import {
  alphaEntropyOfMeanOriginal,
  dominantShare,
  meanAlpha,
  opinionStats,
  routingEntropyPerStep,
  routingStats,
} from "../../src/agent/index.js";
import {
  MetricsWriter,
  phaseAt,
  readMetrics,
  readMetricsRows,
  trimMetricsForResume,
} from "../../src/run/index.js";
import {
  TrainingLog,
  defaultConfig,
  explainedVariance,
  formatEpisodeLine,
  formatPhaseBanner,
  formatUpdateLine,
} from "../../src/train/index.js";
import { close, closeAll, tempDir } from "./helpers.js";

describe("routing statistics from stored α", () => {
  // Two steps, K = 2, each fully on a different expert: per-step entropy 0, entropy of the mean ln 2 (B6).
  const alpha = Float32Array.of(1, 0, 0, 1);

  it("per-step entropy vs the original's entropy of the mean", () => {
    close(routingEntropyPerStep(alpha, 2), 0, 1e-7);
    close(alphaEntropyOfMeanOriginal(alpha, 2), Math.log(2), 1e-7);
    close(routingEntropyPerStep(Float32Array.of(0.5, 0.5), 2), Math.log(2), 1e-7);
  });

  it("mean α, dominant share, named record", () => {
    const a = Float32Array.of(0.7, 0.2, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8);
    closeAll(meanAlpha(a, 3), [1.4 / 3, 0.6 / 3, 1.0 / 3], 1e-6);
    closeAll(dominantShare(a, 3), [2 / 3, 0, 1 / 3]);
    const s = routingStats(a, ["Survival", "Combat", "Exploration"]);
    assert.deepEqual(Object.keys(s.alpha_mean), ["Survival", "Combat", "Exploration"]);
    close(s.expert_dominant_share.Survival, 2 / 3);
    assert.ok(s.alpha_entropy_of_mean_original > s.alpha_entropy_step);
    assert.throws(() => meanAlpha(a, 2), /multiple of K/);
  });

  it("explained variance", () => {
    // R = [1, 2, 3], V = [1, 2, 2]: residual [0, 0, 1], var 2/9; var(R) = 2/3 → 1 − 1/3
    close(explainedVariance([1, 2, 2], [1, 2, 3]), 2 / 3, 1e-12);
    close(explainedVariance([1, 2, 3], [1, 2, 3]), 1, 1e-12);
    assert.ok(Number.isNaN(explainedVariance([0, 0], [1, 1])));
  });
});

describe("opinion statistics (router vs the graph's opinion)", () => {
  // Five steps, K = 3, threshold 0.6. Step 3 has no opinion (valid 0): had it counted, it would be a
  // confident (g = 1), disagreeing step with entropy 0, and every statistic below would change.
  //   t  g                 valid  max g ≥ .6  argmax g  α               argmax α  agree
  //   0  [.7, .2, .1]      1      yes         0         [.6, .3, .1]    0         yes
  //   1  [.5, .25, .25]    1      no          0         [.6, .2, .2]    0         yes
  //   2  [.1, .1, .8]      1      yes         2         [.5, .4, .1]    0         no
  //   3  [1, 0, 0]         0      -           0         [0, 1, 0]       1         -
  //   4  [.4, .4, .2]      1      no          0 (tie)   [.5, .3, .2]    0         yes
  const opinion = [0.7, 0.2, 0.1, 0.5, 0.25, 0.25, 0.1, 0.1, 0.8, 1, 0, 0, 0.4, 0.4, 0.2];
  const alpha = [0.6, 0.3, 0.1, 0.6, 0.2, 0.2, 0.5, 0.4, 0.1, 0, 1, 0, 0.5, 0.3, 0.2];
  const valid = [1, 1, 1, 0, 1];

  it("entropy over steps with an opinion, confident share over all steps, agreement", () => {
    const s = opinionStats(alpha, opinion, valid, 3, 0.6);
    // H(.7,.2,.1) = .7·0.356675 + .2·1.609438 + .1·2.302585 = 0.801819
    // H(.5,.25,.25) = 1.5 ln 2 = 1.039721
    // H(.1,.1,.8) = .2·2.302585 + .8·0.223144 = 0.639032
    // H(.4,.4,.2) = .8·0.916291 + .2·1.609438 = 1.054920
    // mean over the 4 valid steps = 3.535491 / 4 = 0.883873 (the code's ln(g + 1e-8) adds < 4e-8)
    close(s.opinion_entropy, 0.8838728377548941, 1e-7, "opinion_entropy");
    assert.equal(s.opinion_confident_share, 2 / 5, "2 confident steps (0, 2) of all 5");
    assert.equal(s.graph_router_agreement, 3 / 4, "steps 0, 1, 4 of the 4 valid ones");
    assert.equal(s.graph_router_agreement_confident, 1 / 2, "step 0 of the confident steps 0, 2");
  });

  it("NaN agreement on confident steps when there are none; NaN everything without an opinion", () => {
    const s = opinionStats(alpha, opinion, valid, 3, 0.95);
    assert.equal(s.opinion_confident_share, 0);
    assert.equal(s.graph_router_agreement, 3 / 4);
    assert.ok(Number.isNaN(s.graph_router_agreement_confident));
    const none = opinionStats(alpha, opinion, [0, 0, 0, 0, 0], 3, 0.6);
    assert.ok(Number.isNaN(none.opinion_entropy) && Number.isNaN(none.graph_router_agreement));
    assert.equal(none.opinion_confident_share, 0);
  });

  it("rejects α or opinion arrays that are not steps × K", () => {
    assert.throws(() => opinionStats(alpha.slice(1), opinion, valid, 3, 0.6), InvalidArgumentError);
    assert.throws(() => opinionStats(alpha, opinion.slice(3), valid, 3, 0.6), /alpha\/opinion length/);
    assert.throws(() => opinionStats(alpha, opinion, valid.slice(1), 3, 0.6), /12 \(4 steps × 3\)/);
  });
});

describe("metrics.jsonl", () => {
  it("appends one record per line and reads them back", () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, "metrics.jsonl");
      const w = new MetricsWriter(path);
      w.episode({ episode: 0, score: 12, reward: 3.4 });
      w.update({ update: 0, loss: Number.NaN });
      w.episode({ episode: 1, score: 5 });
      w.close();
      const lines = readFileSync(path, "utf8").trimEnd().split("\n");
      assert.equal(lines.length, 3);
      assert.deepEqual(JSON.parse(lines[0]), { type: "episode", episode: 0, score: 12, reward: 3.4 });
      assert.equal(JSON.parse(lines[1]).loss, "NaN");
      assert.equal(readMetrics(path).length, 3);

      // a torn last line (crash mid-write) is dropped; a bad line elsewhere is an error
      appendFileSync(path, '{"type":"episode","epi');
      assert.equal(readMetrics(path).length, 3);
      writeFileSync(path, lines[0] + "\nnot json\n" + lines[2] + "\n");
      assert.throws(
        () => readMetrics(path),
        (e: unknown) => e instanceof FileFormatError && /line 2/.test(e.message),
      );
    } finally {
      cleanup();
    }
  });

  it("trimMetricsForResume drops what came after the checkpoint", () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, "metrics.jsonl");
      const w = new MetricsWriter(path, false);
      for (let i = 0; i < 5; i++) w.episode({ episode: i });
      for (let u = 0; u < 3; u++) w.update({ update: u });
      w.close();
      trimMetricsForResume(path, { episode: 3, update: 1 });
      const r = readMetrics(path);
      assert.deepEqual(
        r.map((x) => (x.type === "episode" ? `e${x.episode}` : `u${x.update}`)),
        ["e0", "e1", "e2", "u0"],
      );
    } finally {
      cleanup();
    }
  });
  it("readMetricsRows: what the writer wrote, as sorted rows a report reads (NaN → null)", () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, "metrics.jsonl");
      const w = new MetricsWriter(path, false);
      w.episode({ episode: 1, seed: 8, score: 4, alpha_mean: { A: 0.5, B: 0.5 }, phase: "p" });
      w.episode({ episode: 0, seed: 7, score: Number.NaN, alpha_mean: { A: 1, B: 0 } });
      w.update({ update: 0, episode: 2, lr: 1e-4, losses: { policy: 0.5 }, approx_kl: 0.01, other: 3 });
      w.close();
      const rows = readMetricsRows(path);
      assert.deepEqual(
        rows.episodes.map((e) => [e.episode, e.seed, e.score, e.phase]),
        [
          [0, 7, null, ""],
          [1, 8, 4, "p"],
        ],
      );
      close(rows.episodes[1].alphaEntropyOfMean as number, Math.log(2), 1e-6);
      assert.deepEqual(rows.expertNames, ["A", "B"]);
      assert.equal(rows.updates.length, 1);
      assert.deepEqual(rows.updates[0].losses, { policy: 0.5 });
      assert.deepEqual(rows.updates[0].scalars, { approx_kl: 0.01 });
      assert.deepEqual(readMetricsRows(join(dir, "none.jsonl")), {
        episodes: [],
        updates: [],
        expertNames: [],
      });
    } finally {
      cleanup();
    }
  });
});

describe("training.log", () => {
  it("formats lines like the original's console", () => {
    assert.equal(
      formatEpisodeLine({
        episode: 10,
        episodes: 5000,
        score: 12,
        reward: 3.4,
        steps: 500,
        alphaEntropyStep: 1.2104,
        phase: "warmup",
      }),
      "Episode 10/5000 | Score: 12 | Reward: 3.40 | Steps: 500 | α_entropy(step): 1.210 | Phase: warmup",
    );
    const u = formatUpdateLine({
      update: 3,
      phase: "transition",
      lr: 5e-5,
      losses: { policy: -0.01, value: 0.5, entropy: 2.1, temporal: 0.0001 },
      approxKl: 0.004,
      clipFraction: 0.08,
      gradNorm: 0.52,
      explainedVariance: 0.31,
    });
    assert.match(u, /^Update 3 \| Phase: transition \| lr 5\.00e-5 \| policy -0\.0100 \| value 0\.5000/);
    assert.match(u, /aux: temporal 1\.00e-4$/);
    assert.match(
      formatPhaseBanner(phaseAt(defaultConfig(), 1000), 1000),
      /Phase 2: transition from episode 1000 \| routing sparsemax τ 1\.00 \| lr 5e-5/,
    );
  });

  it("writes timestamped lines to the file and plain lines to a non-TTY console", () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, "training.log");
      const out = new PassThrough();
      let printed = "";
      out.on("data", (d) => (printed += d));
      const log = new TrainingLog({ logFile: file, totalEpisodes: 10, console: out });
      log.line("hello");
      log.progress(1, { phase: "warmup" });
      log.close();
      assert.match(readFileSync(file, "utf8"), /^\[\d{4}-\d\d-\d\dT[^\]]+\] hello\n$/);
      assert.equal(printed, "hello\n");
    } finally {
      cleanup();
    }
  });
});
