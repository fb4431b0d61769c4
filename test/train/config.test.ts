import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FileFormatError, InvalidArgumentError } from "../../src/util/index.js";
import { ConfigError, phaseAt, type TrainConfig } from "../../src/run/index.js";
import {
  defaultConfig,
  formatConfig,
  loadConfigFile,
  mergeRaw,
  parseConfig,
  parseSetFlag,
  resolveConfig,
} from "../../src/train/index.js";
import { tempDir } from "./helpers.js";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.ok(e instanceof InvalidArgumentError);
    return e;
  }
  assert.fail("expected a ConfigError");
}

describe("config defaults", () => {
  it("validates and matches the original's hyperparameters", () => {
    const c = defaultConfig();
    assert.equal(c.envs * c.rolloutSteps, 2048);
    assert.equal(c.ppo.gamma, 0.995);
    assert.equal(c.ppo.lambda, 0.97);
    assert.equal(c.ppo.clip, 0.15);
    assert.equal(c.ppo.valueClip, null);
    assert.equal(c.ppo.minibatchSize, 512);
    assert.equal(c.episodes, 5000);
    assert.deepEqual(
      c.phases.map((p) => [p.name, p.until, p.routing]),
      [
        ["warmup", 1000, "softmax"],
        ["transition", 3000, "sparsemax"],
        ["fine-tune", null, "sparsemax"],
      ],
    );
    assert.deepEqual(parseConfig(c), c);
    assert.deepEqual(resolveConfig(), c);
  });

  it("demo preset visits all three phases", () => {
    const c = resolveConfig({ preset: "demo" });
    const seen = new Set<number>();
    for (let ep = 0; ep < c.episodes; ep++) seen.add(phaseAt(c, ep).index);
    assert.deepEqual([...seen], [0, 1, 2]);
    assert.ok(c.episodes * c.maxSteps <= 20000, "demo stays small");
    assert.ok(c.ppo.minibatchSize <= c.envs * c.rolloutSteps);
  });

  it("formats as YAML", () => {
    assert.match(formatConfig(defaultConfig()), /clip: 0\.15/);
  });
});

describe("config errors name the key, the value and the range", () => {
  it("out-of-range number", () => {
    const e = configError(() => resolveConfig({ flags: { "ppo.clip": 3 } }));
    assert.equal(e.message, "config key `ppo.clip` = 3: expected a number in (0, 1]");
    assert.equal(e.issues[0].key, "ppo.clip");
    assert.equal(e.issues[0].value, 3);
  });

  it("wrong type, integer and enum", () => {
    const e = configError(() =>
      resolveConfig({ file: { episodes: 1.5, envs: "many", phases: [{ routing: "topk" }] } }),
    );
    const byKey = Object.fromEntries(e.issues.map((i) => [i.key, i.message]));
    assert.equal(byKey["episodes"], "config key `episodes` = 1.5: expected an integer ≥ 1");
    assert.equal(byKey["envs"], 'config key `envs` = "many": expected an integer in [1, 4096]');
    assert.match(
      byKey["phases.0.routing"],
      /= "topk": expected one of "softmax" \| "sparsemax" \| "entmax15" \| "top2"/,
    );
  });

  it("unknown keys are errors, with a did-you-mean", () => {
    let e = configError(() => resolveConfig({ file: { ppo: { clpi: 0.2 } } }));
    assert.equal(e.message, "config key `ppo.clpi` is not a known key; did you mean `ppo.clip`?");
    e = configError(() => resolveConfig({ file: { max_steps: 10 } }));
    assert.match(e.message, /did you mean `maxSteps`\?/);
    e = configError(() => resolveConfig({ flags: { "phases.1.learningRate": 1e-3 } }));
    assert.match(e.message, /`phases\.1\.learningRate` is not a known key/);
    e = configError(() => resolveConfig({ file: { zzzzqqq: 1 } }));
    assert.match(e.message, /allowed keys: expName, outDir/);
  });

  it("missing keys in an added phase", () => {
    const base = defaultConfig().phases;
    const extra = { ...base[2], name: "extra" } as Record<string, unknown>;
    delete extra.lr;
    const e = configError(() =>
      resolveConfig({ file: { phases: [base[0], base[1], { ...base[2], until: 4000 }, extra] } }),
    );
    assert.deepEqual(
      e.issues.map((i) => i.message),
      ["config key `phases.3.lr` is missing: expected a number in (0, 1]"],
    );
  });

  it("phase ends must increase and the last must be open-ended", () => {
    let e = configError(() => resolveConfig({ flags: { "phases.1.until": 500 } }));
    assert.equal(
      e.message,
      "config key `phases.1.until` = 500: expected an integer > 1000 (phases must end in increasing order)",
    );
    e = configError(() => resolveConfig({ flags: { "phases.2.until": 6000 } }));
    assert.match(e.message, /`phases\.2\.until` = 6000: expected null \(the last phase is open-ended\)/);
  });

  it("nullable keys say so; sign must be ±1; minibatch fits the batch", () => {
    let e = configError(() => resolveConfig({ flags: { "ppo.targetKl": -1 } }));
    assert.equal(
      e.message,
      "config key `ppo.targetKl` = -1: expected a number > 0, or null (no KL early stop)",
    );
    e = configError(() => resolveConfig({ flags: { "phases.0.routingEntropySign": 0 } }));
    assert.match(e.message, /= 0: expected -1 \(maximise routing entropy\) or 1/);
    e = configError(() => resolveConfig({ flags: { envs: 2, rolloutSteps: 8 } }));
    assert.equal(
      e.message,
      "config key `ppo.minibatchSize` = 512: expected an integer in [1, 16] (envs × rolloutSteps)",
    );
  });

  it("NaN and Infinity are shown as such", () => {
    const e = configError(() => resolveConfig({ flags: { "ppo.gamma": Infinity } }));
    assert.equal(e.message, "config key `ppo.gamma` = Infinity: expected a number in [0, 1]");
  });
});

describe("config sources", () => {
  it("flags win over the file; dotted keys and nested objects; strings coerced by key type", () => {
    const c = resolveConfig({
      file: { seed: 5, ppo: { clip: 0.1, epochs: 3 }, expName: "from-file" },
      flags: {
        "ppo.clip": "0.2",
        ppo: { epochs: "8" },
        expName: "007",
        "ppo.targetKl": "null",
        actionMask: "false",
      },
    });
    assert.equal(c.seed, 5);
    assert.equal(c.ppo.clip, 0.2);
    assert.equal(c.ppo.epochs, 8);
    assert.equal(c.expName, "007");
    assert.equal(c.ppo.targetKl, null);
    assert.equal(c.actionMask, false);
  });

  it("a file tweaks phases element-wise; the list length is the file's", () => {
    const c = resolveConfig({ file: { phases: [{ lr: 2e-4 }, {}, {}] } });
    assert.equal(c.phases[0].lr, 2e-4);
    assert.equal(c.phases[0].entropyCoef, 0.05);
    assert.equal(c.phases[2].name, "fine-tune");
    const one = resolveConfig({ file: { phases: [{ until: null, name: "only" }] } });
    assert.equal(one.phases.length, 1);
    assert.deepEqual(mergeRaw([{ a: 1, b: 2 }], [{ b: 3 }]), [{ a: 1, b: 3 }]);
  });

  it("model options merge onto the preset's (raw router logits, confidence 0.25) untouched otherwise", () => {
    const c = resolveConfig({
      file: { model: { hidden: 64, gat: { heads: 2 } } },
      flags: { "model.gat.heads": 4 },
    });
    const preset = { router: { normalize: "none" }, opinion: { confidence: 0.25 } };
    assert.deepEqual(c.model, { hidden: 64, gat: { heads: 4 }, ...preset });
    const on = resolveConfig({ flags: { "model.router.normalize": "per-expert" } });
    assert.deepEqual(on.model, { ...preset, router: { normalize: "per-expert" } });
    // The ablation presets change the model only.
    const ppo = resolveConfig({ preset: "ppo" });
    assert.deepEqual(ppo.model, { ...preset, arch: "ppo" });
    assert.equal(ppo.episodes, 5000);
    assert.deepEqual(
      ppo.phases.map((p) => [p.alignmentCoef, p.operatorCoef]),
      [
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    );
    const shuffled = resolveConfig({ preset: "shuffled-graph" });
    assert.deepEqual(shuffled.model, { ...preset, graphShuffleSeed: 1 });
    assert.deepEqual(shuffled.phases, resolveConfig({ preset: "full" }).phases);
    assert.deepEqual(resolveConfig({ preset: "moe" }).model, { ...preset, arch: "moe" });
  });

  it("reads YAML and JSON files; .inf means open-ended", () => {
    const { dir, cleanup } = tempDir();
    try {
      const y = join(dir, "run.yaml");
      writeFileSync(y, "expName: yrun\nppo:\n  clip: 0.1\nphases:\n  - {}\n  - {}\n  - until: .inf\n");
      const c = loadConfigFile(y);
      assert.equal(c.expName, "yrun");
      assert.equal(c.ppo.clip, 0.1);
      assert.equal(c.phases[2].until, null);
      const j = join(dir, "run.json");
      writeFileSync(j, JSON.stringify({ episodes: 10 }));
      assert.equal(resolveConfig({ file: j, flags: { episodes: 20 } }).episodes, 20);
    } finally {
      cleanup();
    }
  });

  it("unreadable or malformed files are FileFormatErrors naming the file", () => {
    const { dir, cleanup } = tempDir();
    try {
      const bad = join(dir, "bad.yaml");
      writeFileSync(bad, "ppo: [unclosed\n");
      assert.throws(
        () => loadConfigFile(bad),
        (e: unknown) => e instanceof FileFormatError && e.message.startsWith(bad),
      );
      const list = join(dir, "list.json");
      writeFileSync(list, "[1, 2]");
      assert.throws(() => loadConfigFile(list), /must hold a mapping/);
      assert.throws(() => loadConfigFile(join(dir, "none.yaml")), /cannot read the config file \(ENOENT\)/);
    } finally {
      cleanup();
    }
  });

  it("parseSetFlag splits key=value", () => {
    assert.deepEqual(parseSetFlag("ppo.clip=0.2"), ["ppo.clip", "0.2"]);
    assert.throws(() => parseSetFlag("novalue"), ConfigError);
  });
});

describe("ablation presets (the original's, docs/original.md)", () => {
  const coefs = (c: TrainConfig) =>
    c.phases.map((p) => [
      p.alignmentCoef,
      p.semanticCoef,
      p.temporalCoef,
      p.overlapCoef,
      p.routingEntropySign,
    ]);

  it("baseline: Manager terms off, entropy maximised everywhere", () => {
    const c = resolveConfig({ ablation: "baseline" });
    assert.equal(c.ablation, "baseline");
    assert.deepEqual(coefs(c), [
      [0, 0, 0, 0, -1],
      [0, 0, 0, 0, -1],
      [0, 0, 0, 0, -1],
    ]);
    // untouched keys keep their defaults
    assert.equal(c.phases[2].loadBalanceCoef, 0.005);
  });

  it("manager: 0.1/0.05/0.01/0.03 from ep 1000 (also fine-tune), sign −1", () => {
    assert.deepEqual(coefs(resolveConfig({ ablation: "manager" })), [
      [0.1, 0.05, 0, 0, -1],
      [0.1, 0.05, 0.01, 0.03, -1],
      [0.1, 0.05, 0.01, 0.03, -1],
    ]);
  });

  it("full: manager plus minimised routing entropy from ep 3000", () => {
    const c = resolveConfig({ ablation: "full" });
    assert.deepEqual(coefs(c), [
      [0.1, 0.05, 0, 0, -1],
      [0.1, 0.05, 0.01, 0.03, -1],
      [0.1, 0.05, 0.01, 0.03, 1],
    ]);
    assert.equal(phaseAt(c, 2999).routingEntropySign, -1);
    assert.equal(phaseAt(c, 3000).routingEntropySign, 1);
  });

  it("precedence: file < argument < flag, and flags still override single coefficients", () => {
    assert.equal(resolveConfig({ file: { ablation: "baseline" } }).phases[1].temporalCoef, 0);
    assert.equal(resolveConfig({ file: { ablation: "baseline" }, ablation: "manager" }).ablation, "manager");
    const c = resolveConfig({
      ablation: "manager",
      flags: { ablation: "baseline", "phases.1.overlapCoef": 0.5 },
    });
    assert.equal(c.ablation, "baseline");
    assert.equal(c.phases[1].overlapCoef, 0.5);
    assert.equal(c.phases[1].temporalCoef, 0);
  });
});
