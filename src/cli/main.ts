/** The `tedg` command line. */
import { Command, InvalidArgumentError as CommanderArgError } from "commander";
import { readFileSync } from "node:fs";
import { TedgError } from "../util/index.js";
import { buildAssets } from "../nethack/index.js";
import { benchEnv } from "./commands/env-bench.js";
import { play, watch } from "./commands/play.js";
import { registerGraphCommands } from "./commands/graph.js";
import { registerTrainCommand } from "./commands/train.js";
import { registerActorCommand } from "./commands/actor.js";
import { registerEvalCommand } from "./commands/eval.js";
import { loadRecording, keyName } from "../env/index.js";
import { formatEvalStep, replayEpisode } from "../eval/index.js";
import { registerReportCommand } from "./commands/report.js";
import { registerCompareCommand } from "./commands/compare.js";
import { registerBrokerBench } from "./commands/broker-bench.js";

/** The bench commands' --backend value, checked when the options are parsed. */
function backend(v: string): "wasm" | "cpu" {
  if (v !== "wasm" && v !== "cpu") throw new CommanderArgError(`--backend must be wasm or cpu, got "${v}"`);
  return v;
}

function int(name: string, min = 0) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min)
      throw new CommanderArgError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

const program = new Command();
program.name("tedg").description("Hypergraph-guided mixture-of-experts RL for NetHack").showHelpAfterError();

const engine = program.command("engine").description("the NetHack engine (patched glue + optimised wasm)");
engine
  .command("build")
  .description("build (or verify) the optimised engine in the cache")
  .option("--force", "rebuild even if the cache verifies")
  .action((o: { force?: boolean }) => {
    const dir = buildAssets({ force: o.force, log: (m) => console.error(`tedg engine: ${m}`) });
    console.error(`tedg engine: ready in ${dir}`);
  });

program
  .command("play")
  .description("play NetHack yourself in the terminal through the environment")
  .option("--seed <n>", "episode seed", int("seed"), 0)
  .option("--character <spec>", "role-race-align-gender", "mon-hum-neu-mal")
  .action(async (o: { seed: number; character: string }) => play(o));

program
  .command("watch")
  .description("watch a random agent play")
  .option("--seed <n>", "episode seed", int("seed"), 0)
  .option("--steps <n>", "maximum steps", int("steps", 1), 500)
  .option("--delay <ms>", "delay between frames", int("delay"), 50)
  .action(async (o: { seed: number; steps: number; delay: number }) =>
    watch({ seed: o.seed, steps: o.steps, delayMs: o.delay }),
  );

program
  .command("replay")
  .description("replay a recorded episode in the terminal, verifying it bit-exactly")
  .argument("<file>", "episode recording (JSON)")
  .option("--delay <ms>", "delay between frames", int("delay"), 80)
  .action(async (file: string, o: { delay: number }) => {
    const rec = loadRecording(file);
    const frames: string[] = [];
    // replayEpisode hides the CLI's argv from the engine (see src/eval/replay.ts); eval replays (tedg eval
    // --record) also show the decision taken at each frame.
    replayEpisode(rec, (k, _obs, env) => {
      const extra = formatEvalStep(rec, k);
      frames.push(
        env.render() +
          `\nstep ${k}/${rec.actions.length}` +
          (k > 0 ? ` action ${rec.actions[k - 1]} (${keyName(env.actionKeys[rec.actions[k - 1]])})` : "") +
          (extra ? `\n${extra}` : ""),
      );
    });
    for (const f of frames) {
      process.stdout.write((process.stdout.isTTY ? "\x1b[H\x1b[2J" : "") + f + "\n");
      if (process.stdout.isTTY && o.delay) await new Promise((r) => setTimeout(r, o.delay));
    }
    console.log(`replayed ${rec.actions.length} steps of seed ${rec.seed}: every observation digest matched`);
  });

const bench = program.command("bench").description("benchmarks (print JSON)");
bench
  .command("env")
  .description("random agent on the Score task, full observations, resets included")
  .option("--seconds <n>", "duration", int("seconds", 1), 10)
  .option("--envs <n>", "number of envs (default: 8 per worker)", int("envs", 1))
  .option("--workers <n>", "worker threads (default: cores)", int("workers", 1))
  .option("--json", "print JSON only")
  .action((o: { seconds: number; envs?: number; workers?: number; json?: boolean }) => {
    const r = benchEnv(o);
    console.log(o.json ? JSON.stringify(r) : JSON.stringify(r, null, 2));
  });
bench
  .command("model")
  .description("policy inference latency and one full PPO update, on transitions recorded from real play")
  .option("--backend <name>", "tensor backend: wasm or cpu", backend, "wasm")
  .option("--transitions <n>", "transitions per update", int("transitions", 1), 2048)
  .option("--epochs <n>", "PPO epochs", int("epochs", 1), 4)
  .option("--minibatch <n>", "minibatch size", int("minibatch", 1), 512)
  .option("--reps <n>", "timed updates (median reported)", int("reps", 1), 3)
  .option("--json", "print JSON only")
  .action(async (o: { backend: "wasm" | "cpu"; json?: boolean } & Record<string, number>) => {
    const { benchModelCommand } = await import("./commands/model-bench.js");
    const r = await benchModelCommand({
      backend: o.backend,
      transitions: o.transitions,
      epochs: o.epochs,
      minibatch: o.minibatch,
      reps: o.reps,
      log: o.json ? undefined : (m) => console.error(`tedg bench model: ${m}`),
    });
    console.log(o.json ? JSON.stringify(r) : JSON.stringify(r, null, 2));
  });

bench
  .command("train")
  .description(
    "the trainer in both modes (synchronous, pipelined) on the default config: env steps/s, CPU use, speed-up",
  )
  .option("--updates <n>", "timed updates per mode (after 2 warm-up updates)", int("updates", 2), 20)
  .option("--workers <n>", "env worker threads (default: cores)", int("workers", 1))
  .option("--backend <name>", "tensor backend: wasm or cpu", backend, "wasm")
  .option("--json", "print JSON only")
  .action(async (o: { updates: number; workers?: number; backend: "wasm" | "cpu"; json?: boolean }) => {
    const { benchTrain } = await import("../train/index.js");
    const r = await benchTrain({
      updates: o.updates,
      workers: o.workers,
      backend: o.backend,
      log: o.json ? undefined : (m) => console.error(`tedg bench train: ${m}`),
    });
    console.log(o.json ? JSON.stringify(r) : JSON.stringify(r, null, 2));
  });

registerBrokerBench(bench, int);

registerGraphCommands(program, int);
registerTrainCommand(program, int);
registerActorCommand(program, int);
registerEvalCommand(program, int);
registerReportCommand(program);
registerCompareCommand(program, int);

program.command("version").action(() => {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  console.log(pkg.version);
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof TedgError) {
    console.error(`tedg: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
