/**
 * `tedg bench train`: the trainer itself, in both modes, in one process. Each mode runs the default config
 * (the 5,000-episode run's settings) for `warmup + updates` updates in a temporary folder; the clock and the
 * process CPU time start after the warm-up updates, so start-up (engine load, thread start, JIT) is excluded.
 *   steps_per_sec  env steps trained per wall second over the timed updates
 *   cpu_util       process CPU seconds (all threads) ÷ wall seconds ÷ cores
 *   speedup        pipelined steps_per_sec ÷ synchronous steps_per_sec
 */
import { availableParallelism } from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "../util/index.js";
import type { TrainConfig } from "../run/index.js";
import { resolveConfig } from "./config.js";
import { train } from "./trainer.js";

export interface TrainBenchOptions {
  /** Timed updates per mode (default 20). */
  updates?: number;
  /** Updates before the clock starts (default 2). */
  warmup?: number;
  /** Env worker threads (default: cores). */
  workers?: number;
  backend?: "wasm" | "cpu";
  log?: (msg: string) => void;
}

export interface TrainModeResult {
  steps_per_sec: number;
  cpu_util: number;
  wall_s: number;
  updates: number;
  /** Median seconds per update over the timed updates. */
  update_s_median: number;
}

export interface TrainBenchResult {
  sync: TrainModeResult;
  pipelined: TrainModeResult;
  speedup: number;
  cores: number;
  envs: number;
  rollout_steps: number;
}

async function runMode(
  base: TrainConfig,
  pipeline: "on" | "off",
  o: Required<Pick<TrainBenchOptions, "updates" | "warmup">> & TrainBenchOptions,
  dir: string,
): Promise<TrainModeResult> {
  const config: TrainConfig = { ...base, expName: `bench-${pipeline}`, outDir: dir, pipeline };
  const cores = availableParallelism();
  let start: { wall: number; cpu: NodeJS.CpuUsage } | null = null;
  const stamps: number[] = [];
  let seen = 0;
  const r = await train(config, {
    console: null,
    progressBar: false,
    workers: o.workers,
    backend: o.backend,
    maxUpdates: o.warmup + o.updates,
    onUpdate: () => {
      seen++;
      const now = performance.now();
      if (seen === o.warmup) start = { wall: now, cpu: process.cpuUsage() };
      if (seen >= o.warmup) stamps.push(now);
      if (seen > o.warmup)
        o.log?.(`${pipeline === "on" ? "pipelined" : "sync"}: update ${seen - o.warmup}/${o.updates}`);
    },
  });
  const end = { wall: performance.now(), cpu: process.cpuUsage() };
  if (!start || r.updates !== o.warmup + o.updates)
    throw new Error(`bench train (pipeline ${pipeline}) stopped after ${r.updates} updates`);
  const s = start as { wall: number; cpu: NodeJS.CpuUsage };
  // The clock stops at the last update's record; the teardown after it is not training.
  const wall = (stamps[stamps.length - 1] - s.wall) / 1000;
  const cpu = (end.cpu.user - s.cpu.user + end.cpu.system - s.cpu.system) / 1e6;
  const gaps = stamps
    .slice(1)
    .map((t, i) => (t - stamps[i]) / 1000)
    .sort((a, b) => a - b);
  return {
    steps_per_sec: (o.updates * config.envs * config.rolloutSteps) / wall,
    cpu_util: cpu / wall / cores,
    wall_s: wall,
    updates: o.updates,
    update_s_median: gaps[Math.floor(gaps.length / 2)],
  };
}

export async function benchTrain(opts: TrainBenchOptions = {}): Promise<TrainBenchResult> {
  const updates = opts.updates ?? 20;
  const warmup = opts.warmup ?? 2;
  if (!Number.isInteger(updates) || updates < 2)
    throw new InvalidArgumentError("--updates", updates, "an integer ≥ 2");
  if (!Number.isInteger(warmup) || warmup < 1)
    throw new InvalidArgumentError("warm-up updates", warmup, "an integer ≥ 1");
  const dir = mkdtempSync(join(tmpdir(), "tedg-bench-train-"));
  try {
    const o = { ...opts, updates, warmup };
    // The default config; each mode runs it in its own folder with its own pipeline setting.
    const config = resolveConfig({ flags: { expName: "bench", outDir: dir } });
    const sync = await runMode(config, "off", o, dir);
    const pipelined = await runMode(config, "on", o, dir);
    const round = (m: TrainModeResult): TrainModeResult => ({
      steps_per_sec: Math.round(m.steps_per_sec),
      cpu_util: Math.round(m.cpu_util * 1000) / 1000,
      wall_s: Math.round(m.wall_s * 100) / 100,
      updates: m.updates,
      update_s_median: Math.round(m.update_s_median * 1000) / 1000,
    });
    return {
      sync: round(sync),
      pipelined: round(pipelined),
      speedup: Math.round((pipelined.steps_per_sec / sync.steps_per_sec) * 1000) / 1000,
      cores: availableParallelism(),
      envs: config.envs,
      rollout_steps: config.rolloutSteps,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
