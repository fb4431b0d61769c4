/** `tedg train`: config from presets + file + flags (flags win), Ctrl-C → checkpoint and exit 0. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import {
  ABLATIONS,
  parseSetFlag,
  PRESET_NAMES,
  resolveConfig,
  train,
  trainWithBroker,
  type Ablation,
  type ConfigFlags,
  type PresetName,
  type RunSummary,
  type TrainConfig,
} from "../../train/index.js";
import { evaluate } from "../../eval/index.js";
import { startDashboard, writeReport, type Dashboard } from "../../report/index.js";
import { InvalidArgumentError } from "../../util/index.js";

export interface TrainCliOptions {
  expName?: string;
  episodes?: number;
  maxSteps?: number;
  resume?: string;
  config?: string;
  envs?: number;
  workers?: number;
  seed?: number;
  ablation?: string;
  out?: string;
  checkpointEvery?: number;
  rolloutSteps?: number;
  /** "on" (update in its own thread while the next rollout is collected) or "off" (in turn). */
  pipeline?: string;
  preset?: string;
  set?: string[];
  backend?: string;
  maxUpdates?: number;
  unique?: boolean;
  progress?: boolean;
  /** Serve the live report on this port (true = any free port). */
  dashboard?: boolean | string;
  report?: boolean;
  /** Held-out evaluation episodes after training (0 = none). */
  eval?: number;
  /** Learn from actors through this Redis (tedg actor) instead of collecting here. */
  broker?: string;
  insecure?: boolean;
  maxPolicyLag?: number;
  maxSegmentMb?: string;
}

type IntParser = (name: string, min?: number) => (v: string) => number;

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** Runs training from CLI options; resolves with the run summary. */
export async function runTrain(o: TrainCliOptions): Promise<RunSummary> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      console.error("\ntedg train: interrupted — writing a checkpoint (Ctrl-C again to quit without one)");
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  const backend = o.backend as "wasm" | "cpu" | undefined;
  if (backend !== undefined && backend !== "wasm" && backend !== "cpu")
    throw new InvalidArgumentError("--backend", o.backend, "wasm or cpu");
  try {
    let dashboard: Dashboard | null = null;
    const onRunFolder = async (dir: string) => {
      if (o.dashboard === undefined || o.dashboard === false) return;
      const port = o.dashboard === true ? 0 : Number(o.dashboard);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new InvalidArgumentError("--dashboard port", o.dashboard, "an integer in [0, 65535]");
      dashboard = await startDashboard(dir, port);
      console.error(`tedg train: live dashboard at ${dashboard.url}`);
    };
    let maxSegmentMb: number | undefined;
    if (o.maxSegmentMb !== undefined) {
      maxSegmentMb = Number(o.maxSegmentMb);
      if (!(maxSegmentMb > 0))
        throw new InvalidArgumentError("--max-segment-mb", o.maxSegmentMb, "a number > 0");
    }
    if (o.broker === undefined && (o.insecure || o.maxPolicyLag !== undefined || maxSegmentMb !== undefined))
      throw new InvalidArgumentError(
        "--insecure, --max-policy-lag, --max-segment-mb",
        "given",
        "only with --broker",
      );
    const brokerOpts = o.broker
      ? { broker: o.broker, insecure: o.insecure, maxPolicyLag: o.maxPolicyLag, maxSegmentMb }
      : null;
    const common = {
      onRunFolder,
      workers: o.workers,
      backend,
      maxUpdates: o.maxUpdates,
      signal: controller.signal,
      progressBar: o.progress,
    };
    const run = (config: TrainConfig | null, extra: { resume?: string; episodes?: number }) =>
      brokerOpts
        ? trainWithBroker(config, { ...common, ...brokerOpts, ...extra })
        : train(config, { ...common, ...extra });
    try {
      if (o.resume) return await finish(await run(null, { resume: o.resume, episodes: o.episodes }), o);
      if (o.ablation !== undefined && !(ABLATIONS as readonly string[]).includes(o.ablation))
        throw new InvalidArgumentError("--ablation", o.ablation, ABLATIONS.join(" | "));
      if (o.pipeline !== undefined && o.pipeline !== "on" && o.pipeline !== "off")
        throw new InvalidArgumentError("--pipeline", o.pipeline, "on or off");
      if (o.preset !== undefined && !(PRESET_NAMES as string[]).includes(o.preset))
        throw new InvalidArgumentError("--preset", o.preset, PRESET_NAMES.join(" | "));
      const flags: ConfigFlags = {
        expName: o.expName,
        episodes: o.episodes,
        maxSteps: o.maxSteps,
        envs: o.envs,
        seed: o.seed,
        outDir: o.out,
        checkpointEvery: o.checkpointEvery,
        rolloutSteps: o.rolloutSteps,
        pipeline: o.pipeline,
      };
      for (const s of o.set ?? []) {
        const [k, v] = parseSetFlag(s);
        flags[k] = v;
      }
      const config = resolveConfig({
        file: o.config,
        flags,
        ablation: o.ablation as Ablation | undefined,
        preset: (o.preset ?? "default") as PresetName,
      });
      if (o.unique && existsSync(resolve(config.outDir, config.expName))) config.expName += `-${stamp()}`;
      return await finish(await run(config, {}), o);
    } finally {
      await (dashboard as Dashboard | null)?.close();
    }
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
}

/** After training: the optional held-out evaluation and report. */
async function finish(r: RunSummary, o: TrainCliOptions): Promise<RunSummary & { report?: string }> {
  if (r.status !== "done") return r;
  if (o.eval && o.eval > 0) {
    const ev = await evaluate({ checkpoint: r.checkpoint, episodes: o.eval, record: Math.min(2, o.eval) });
    const { mean, ci } = ev.score;
    console.log(
      `eval: ${o.eval} held-out episodes, mean score ${mean?.toFixed(2)}` +
        (ci ? ` (95% CI ${ci[0].toFixed(2)}–${ci[1].toFixed(2)})` : "") +
        ` → ${ev.files.summary}`,
    );
  }
  if (o.report) return { ...r, report: writeReport(r.runDir).html };
  return r;
}

export function registerTrainCommand(program: Command, int: IntParser): void {
  program
    .command("train")
    .description("train the policy with PPO and the three-phase curriculum")
    .option("--exp-name <name>", "run name (folder under --out)")
    .option("--episodes <n>", "episodes to train (with --resume: the new total)", int("episodes", 1))
    .option("--max-steps <n>", "step cap per episode", int("max-steps", 1))
    .option("--resume <dir>", "continue a run folder (its latest checkpoint) or a checkpoint folder")
    .option("--config <file>", "YAML or JSON config (flags win over it)")
    .option("--envs <n>", "parallel environments", int("envs", 1))
    .option("--workers <n>", "worker threads for the environments (default: cores)", int("workers", 1))
    .option("--seed <n>", "run seed (games, weights, sampling)", int("seed", 0))
    .option("--ablation <mode>", `original ablation preset: ${ABLATIONS.join(" | ")}`)
    .option("--out <dir>", "runs folder (default runs)")
    .option("--checkpoint-every <n>", "episodes between checkpoints", int("checkpoint-every", 1))
    .option("--rollout-steps <n>", "steps per env per update", int("rollout-steps", 1))
    .option(
      "--pipeline <on|off>",
      "on: update in its own thread while the next rollout is collected (policy lag 1; default); off: in turn",
    )
    .option(
      "--preset <name>",
      "base values: default (= full: MoE + graph) | ppo | moe | shuffled-graph (ablations) | demo (npm start)",
    )
    .option("--set <key=value>", "any config key, e.g. --set ppo.clip=0.2 (repeatable)", collect, [])
    .option("--backend <kind>", "tensor backend: wasm | cpu", "wasm")
    .option("--max-updates <n>", "stop with a checkpoint after this many updates", int("max-updates", 1))
    .option("--unique", "append a timestamp to the run name when that folder exists")
    .option("--no-progress", "plain log lines instead of a progress bar")
    .option("--dashboard [port]", "serve a live report of the run on localhost (default: a free port)")
    .option("--eval <n>", "after training, evaluate on n held-out episodes", int("eval", 0))
    .option("--report", "after training, write the HTML report and print its path")
    .option(
      "--broker <url>",
      "learn from `tedg actor` hosts through this Redis: redis://[:password@]host[:port][/db]",
    )
    .option("--insecure", "with --broker: allow a broker outside loopback without a password")
    .option(
      "--max-policy-lag <n>",
      "with --broker: drop segments acted with weights more than n updates old (default 4)",
      int("max-policy-lag", 0),
    )
    .option("--max-segment-mb <mb>", "with --broker: reject larger segment entries (default 64)")
    .action(async (o: TrainCliOptions) => {
      const r = await runTrain({ ...o, progress: o.progress === false ? false : undefined });
      console.log(`run folder: ${r.runDir}`);
      console.log(`checkpoint: ${r.checkpoint}`);
      if ("report" in r && r.report) console.log(`report: ${r.report}`);
      console.log(
        `${r.status}: ${r.episodes} episodes, ${r.updates} updates, ${r.envSteps} steps in ${r.wallSeconds.toFixed(0)} s` +
          (r.recentScoreMean !== null
            ? `; mean score of the last episodes ${r.recentScoreMean.toFixed(2)}`
            : ""),
      );
    });
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
