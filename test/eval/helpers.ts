/** A short real training run for eval/report tests (the real game, a small model, a few seconds). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TrainConfig } from "../../src/run/index.js";
import { resolveConfig, train } from "../../src/train/index.js";
import { TINY_MODEL } from "../train/helpers.js";

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TinyRunOptions {
  episodes?: number;
  maxSteps?: number;
  rolloutSteps?: number;
  /** Phase boundaries (episodes) for the first two phases. */
  phaseUntil?: [number, number];
  smallModel?: boolean;
}

export function tinyConfig(outDir: string, expName: string, o: TinyRunOptions = {}): TrainConfig {
  const flags: Record<string, unknown> = {
    expName,
    outDir,
    episodes: o.episodes ?? 4,
    maxSteps: o.maxSteps ?? 30,
    envs: 2,
    rolloutSteps: o.rolloutSteps ?? 32,
    "ppo.minibatchSize": 32,
    "ppo.epochs": 1,
    checkpointEvery: 1000,
    bestWindow: 2,
  };
  if (o.smallModel !== false) flags.model = TINY_MODEL;
  const config = resolveConfig({ preset: "demo", flags: flags as never });
  if (o.phaseUntil) {
    config.phases[0].until = o.phaseUntil[0];
    config.phases[1].until = o.phaseUntil[1];
  }
  return config;
}

/** Trains a tiny run into `outDir/expName`; returns the run folder. */
export async function trainTinyRun(outDir: string, expName: string, o: TinyRunOptions = {}): Promise<string> {
  const s = await train(tinyConfig(outDir, expName, o), { console: null, workers: 2, progressBar: false });
  if (s.status !== "done") throw new Error(`tiny training run ended with status ${s.status}`);
  return s.runDir;
}
