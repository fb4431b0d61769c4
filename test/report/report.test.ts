/**
 * Report, comparison, PNG export and dashboard on synthetic run folders (no game needed): the page is
 * self-contained, every chart is there, the phase table adds up, PNGs are PNGs, the comparison flags
 * differences within noise and mismatched step caps, the dashboard serves and notices changes.
 */
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { EVAL_FORMAT, EVAL_VERSION, SCENARIOS, summarize, type EvalSummary } from "../../src/eval/index.js";
import {
  buildRunPage,
  decodeFrames,
  encodeFrame,
  loadRun,
  startDashboard,
  writeCompare,
  writeReport,
} from "../../src/report/index.js";
import { resolveConfig } from "../../src/train/index.js";
import { Rng } from "../../src/util/index.js";
import { tempDir } from "../eval/helpers.js";

const EXPERTS = ["Survival", "Combat", "Exploration", "General"];

function syntheticEval(name: string, scores: number[], seedStart: number, maxSteps: number): EvalSummary {
  const boot = {};
  const episodes = scores.map((score, i) => ({
    seed: seedStart + i,
    score,
    reward: score - 1,
    length: 100,
    maxDepth: 1 + (i % 2),
    endReason: i % 3 ? "max_steps" : "death",
    deathCause: i % 3 ? "" : "killed by a jackal",
    alphaEntropyStep: 0.9,
    alphaEntropyOfMean: 1.3,
    alphaMean: [0.25, 0.25, 0.25, 0.25],
    switchRate: 0.3,
    scenarioSteps: [10, 20, 40, 30],
  }));
  return {
    format: EVAL_FORMAT,
    version: EVAL_VERSION,
    name,
    checkpoint: {
      path: "final",
      episode: 30,
      update: 15,
      envSteps: 6000,
      phase: "fine-tune",
      routing: "sparsemax",
      tau: 0.5,
    },
    run: { expName: "x", seed: 0, envs: 2, episodes: 30, maxSteps, ablation: "none" },
    settings: {
      episodes: scores.length,
      seedStart,
      seedEnd: seedStart + scores.length,
      greedy: true,
      maxSteps,
      task: "score",
      envs: 2,
      bootstrap: { resamples: 10000, confidence: 0.95 },
    },
    trainingSeeds: [0, 34],
    score: summarize(scores, boot),
    reward: summarize(episodes.map((e) => e.reward)),
    length: summarize(episodes.map((e) => e.length)),
    depth: summarize(episodes.map((e) => e.maxDepth)),
    depthReached: { "1": 10, "2": 10 },
    endReasons: { death: 7, max_steps: 13 },
    deathCauses: [{ cause: "killed by a jackal", count: 7 }],
    actions: { N: 0.5, S: 0.5 },
    routing: {
      expertNames: EXPERTS,
      maxEntropy: Math.log(4),
      alphaEntropyStep: 0.9,
      alphaEntropyStepCI: [0.85, 0.95],
      alphaEntropyOfMeanOriginal: 1.3,
      alphaMean: Object.fromEntries(EXPERTS.map((n) => [n, 0.25])),
      dominantShare: Object.fromEntries(EXPERTS.map((n) => [n, 0.25])),
      switchRate: 0.3,
    },
    specialisation: {
      scenarios: [...SCENARIOS],
      definition: {
        combat: ["monster_adjacent"],
        survival: ["hp_low"],
        exploration: ["frontier_near"],
        general: [],
      },
      table: [
        [1, 8, 1, 0],
        [12, 3, 3, 2],
        [5, 5, 25, 5],
        [5, 5, 5, 15],
      ],
      scenarioSteps: [10, 20, 40, 30],
      mutualInformation: 0.31,
      mutualInformationShuffled: { mean: 0.004, max: 0.009, permutations: 20 },
      normalisedMutualInformation: 0.24,
    },
    graph: {
      confidence: 0.6,
      opinionEntropy: 0.7,
      confidentShare: 0.4,
      agreement: 0.55,
      agreementConfident: 0.8,
      suggestedTable: [
        [6, 2, 2, 0],
        [10, 4, 4, 2],
        [5, 5, 25, 5],
        [5, 5, 5, 15],
      ],
    },
    operators: {
      source: "operatorScores",
      description: "softmax of the operator-score head",
      byScenario: Object.fromEntries(
        SCENARIOS.map((s) => [
          s,
          [
            { label: `op_${s}`, kind: "operator", expert: "Combat", weight: 0.1 },
            { label: "search", kind: "operator", expert: "Exploration", weight: 0.05 },
          ],
        ]),
      ),
    },
    episodes,
    replays: [],
  };
}

/** A run folder as the trainer writes it: config.json, metrics.jsonl (3 phases), and an eval. */
function syntheticRun(
  root: string,
  name: string,
  opts: { maxSteps: number; shift: number; evalScores: number[] },
): string {
  const dir = join(root, name);
  mkdirSync(join(dir, "eval"), { recursive: true });
  const config = resolveConfig({
    preset: "demo",
    flags: { expName: name, outDir: root, episodes: 30, maxSteps: opts.maxSteps },
  });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
  const rng = new Rng(opts.shift + 7);
  const lines: string[] = [];
  let update = 0;
  for (let ep = 0; ep < 30; ep++) {
    const phase = ep < 10 ? "warmup" : ep < 30 ? "transition" : "fine-tune";
    lines.push(
      JSON.stringify({
        type: "episode",
        episode: ep,
        env: ep % 2,
        seed: ep,
        score: Math.round(5 + opts.shift + 3 * rng.normal()),
        reward: 4.5,
        length: 100,
        max_depth: 1,
        end_reason: "max_steps",
        death_cause: "",
        phase,
        phase_index: ep < 10 ? 0 : 1,
        routing: ep < 10 ? "softmax" : "sparsemax",
        tau: 1,
        alpha_entropy_step: ep < 10 ? 1.38 : 0.5,
        alpha_mean: { Survival: 0.4, Combat: 0.1, Exploration: 0.3, General: 0.2 },
        env_steps: ep * 100,
        update,
        time_s: ep,
      }),
    );
    if (ep % 2 === 1) {
      update++;
      lines.push(
        JSON.stringify({
          type: "update",
          update,
          episode: ep + 1,
          env_steps: (ep + 1) * 100,
          phase,
          phase_index: 0,
          routing: "softmax",
          tau: ep < 10 ? 1 : 0.8,
          lr: ep < 10 ? 1e-4 : 5e-5,
          losses: {
            total: -0.1,
            policy: -0.02,
            value: 0.3,
            entropy: 2.6,
            routingEntropy: 1.3,
            loadBalance: 1e-4,
            diversity: 0.1,
            alignment: "NaN",
          },
          weighted: {
            total: -0.1,
            policy: -0.02,
            value: 0.15,
            entropy: -0.13,
            routingEntropy: -0.13,
            loadBalance: 2e-6,
            diversity: 0.001,
          },
          policy_entropy: 2.6,
          alpha_entropy_step: ep < 10 ? 1.38 : 0.5,
          alpha_entropy_of_mean_original: 1.2,
          alpha_mean: { Survival: 0.4, Combat: 0.1, Exploration: 0.3, General: 0.2 },
          expert_dominant_share: { Survival: 0.5, Combat: 0.1, Exploration: 0.3, General: 0.1 },
          approx_kl: 0.003,
          clip_fraction: 0.05,
          explained_variance: 0.2,
          grad_norm: 2,
          grad_norm_max: 3,
          gat_attention_entropy: 1.1,
          advantage_mean: 0,
          advantage_std: 1,
          reward_std: 0.5,
          rolled_back: null,
          early_stop: false,
          rollout_s: 1,
          update_s: 1,
          steps_per_sec: 200 + ep,
          time_s: ep,
        }),
      );
    }
  }
  writeFileSync(join(dir, "metrics.jsonl"), lines.join("\n") + "\n");
  const ev = syntheticEval("final-s1000000-n20-greedy-max100", opts.evalScores, 1_000_000, 100);
  writeFileSync(join(dir, "eval", `${ev.name}.json`), JSON.stringify(ev));
  return dir;
}

describe("report", () => {
  const tmp = tempDir("tedg-report-");
  after(() => tmp.cleanup());
  const scoresA = Array.from({ length: 20 }, (_, i) => 5 + (i % 5));
  const runA = syntheticRun(tmp.dir, "runA", { maxSteps: 100, shift: 0, evalScores: scoresA });
  const runB = syntheticRun(tmp.dir, "runB", {
    maxSteps: 200,
    shift: 1,
    evalScores: scoresA.map((s, i) => s + (i % 2)),
  });

  it("writes one self-contained HTML page with every chart and the phase table", () => {
    const r = writeReport(runA);
    assert.equal(r.html, join(runA, "report", "report.html"));
    assert.deepEqual(r.pngs, []);
    const html = readFileSync(r.html, "utf8");
    assert.doesNotMatch(
      html,
      /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)[^"' ]+\.(js|css)/,
      "no external resources",
    );
    assert.match(html, /echarts/);
    const json = html.match(/<script type="application\/json" id="tedg-data">([\s\S]*?)<\/script>/)![1];
    const data = JSON.parse(json);
    const ids = data.charts.map((c: { id: string }) => c.id);
    for (const id of [
      "score",
      "entropy",
      "alpha",
      "dominant",
      "losses",
      "lrtau",
      "speed",
      "heatmap",
      "operators",
    ])
      assert.ok(ids.includes(id), `chart ${id} present (have ${ids})`);
    assert.match(html, /per-step H\(α\)/);
    assert.match(html, /H\(episode-mean α\) \(original\)/);
    assert.match(html, /I = 0\.3100 nats/);
    // Phase table: 10 warmup + 20 transition episodes; a phase without episodes has no row.
    assert.match(html, /<td>warmup<\/td><td>0–9<\/td><td>10<\/td>/);
    assert.match(html, /<td>transition<\/td><td>10–29<\/td><td>20<\/td>/);
    assert.doesNotMatch(html, /<td>fine-tune<\/td>/);
    const losses = data.charts.find((c: { id: string }) => c.id === "losses").option;
    assert.ok(
      losses.title.some((t: { text: string }) => t.text === "alignment"),
      "every loss term has a panel, NaN too",
    );
  });

  it("exports PNGs of the main figures", () => {
    const out = join(tmp.dir, "out", "a.html");
    const r = writeReport(runA, { out, png: true });
    assert.equal(r.html, out);
    assert.ok(r.pngs.length >= 8, `pngs: ${r.pngs}`);
    for (const p of r.pngs) {
      assert.match(p, /a-[a-z]+\.png$/);
      const b = readFileSync(p);
      assert.deepEqual([...b.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], `${p} is a PNG`);
      assert.ok(b.length > 5000, `${p} has content`);
    }
  });

  it("compares runs with bootstrap intervals and flags mismatched step caps", () => {
    const out = join(tmp.dir, "cmp.html");
    const r = writeCompare([runA, runB], { out, window: 20 });
    const html = readFileSync(r.html, "utf8");
    assert.match(html, /runA vs runB/);
    assert.match(html, /within noise|better|worse/);
    assert.match(html, /paired/, "same eval seeds → paired difference");
    assert.match(html, /step caps differ/);
    assert.match(html, /scenario led by its namesake expert \(mean\)/);
    assert.match(html, /B22/);
    assert.throws(() => writeCompare([runA]), /at least two run folders/);
  });

  it("fails clearly on a folder that is not a run", () => {
    const empty = join(tmp.dir, "empty");
    mkdirSync(empty);
    assert.throws(() => writeReport(empty), /run folder holding config\.json or metrics\.jsonl/);
    assert.throws(() => writeReport(join(tmp.dir, "missing")), /existing run folder/);
  });

  it("the dashboard serves the page and notices new metrics", async () => {
    const d = await startDashboard(runA, 0, { refreshMs: 500 });
    try {
      assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const html = await (await fetch(d.url)).text();
      assert.match(html, /"live":true/);
      const v1 = (await (await fetch(`${d.url}data.json`)).json()) as { version: string; charts: unknown[] };
      assert.ok(v1.charts.length > 5);
      const same = (await (
        await fetch(`${d.url}data.json?since=${encodeURIComponent(v1.version)}`)
      ).json()) as object;
      assert.deepEqual(Object.keys(same), ["version"], "unchanged: version only");
      const before = loadRun(runA).episodes.length;
      appendFileSync(
        join(runA, "metrics.jsonl"),
        JSON.stringify({ type: "episode", episode: before, score: 3, phase: "transition" }) + "\n",
      );
      const v2 = (await (
        await fetch(`${d.url}data.json?since=${encodeURIComponent(v1.version)}`)
      ).json()) as { version: string; charts: unknown[] };
      assert.notEqual(v2.version, v1.version);
      assert.ok(v2.charts.length > 5);
      assert.equal((await fetch(`${d.url}nope`)).status, 404);
      await assert.rejects(startDashboard(runA, d.port), /dashboard port.*in use/);
    } finally {
      await d.close();
    }
    assert.throws(() => startDashboard(runA, 70000), /dashboard port: 70000/);
    assert.ok(existsSync(join(runA, "metrics.jsonl")));
    assert.ok(buildRunPage(runA).data.charts.length > 5);
  });

  it("replay frames: delta encoding round-trips", () => {
    const rng = new Rng(9);
    const raw: { chars: Uint8Array; colors: Int8Array }[] = [];
    let chars = new Uint8Array(1920).fill(32);
    let colors = new Int8Array(1920).fill(7);
    for (let k = 0; k < 40; k++) {
      chars = Uint8Array.from(chars);
      colors = Int8Array.from(colors);
      for (let j = 0; j < 30; j++) {
        const i = rng.int(1920);
        chars[i] = 33 + rng.int(90);
        colors[i] = rng.int(16);
      }
      raw.push({ chars, colors });
    }
    const enc = raw.map((f, k) => encodeFrame(f.chars, f.colors, k % 32 === 0 ? null : raw[k - 1]));
    assert.ok(enc[1].length < 400, "a delta frame is small");
    const dec = decodeFrames(enc);
    dec.forEach((d, k) => {
      assert.equal(d.chars, String.fromCharCode(...raw[k].chars), `chars of frame ${k}`);
      assert.equal(
        d.colors,
        Array.from(raw[k].colors, (c) => c.toString(36)).join(""),
        `colours of frame ${k}`,
      );
    });
  });
});
