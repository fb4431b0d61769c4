/**
 * The run folder `<outDir>/<expName>/`:
 *   config.json  training.log  metrics.jsonl  checkpoints/<episode>/  best/  final/  eval/  report/
 * A new run refuses to write into an existing folder (it would mix two runs' logs); `--resume` requires it.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { StateError, writeFileAtomic } from "../util/index.js";
import type { TrainConfig } from "./config-schema.js";
import { STATE_FILE, readCheckpointState } from "./checkpoint.js";

export interface RunFolderOptions {
  /** Continue an existing run (the folder must exist). */
  resume?: boolean;
  /** Base for a relative outDir (default: the current directory). */
  cwd?: string;
}

export interface CheckpointRef {
  dir: string;
  /** Episodes finished when it was written. */
  episode: number;
}

const PAD = 6;

export class RunFolder {
  readonly configFile: string;
  readonly logFile: string;
  readonly metricsFile: string;
  readonly checkpointsDir: string;
  readonly bestDir: string;
  readonly finalDir: string;
  readonly evalDir: string;
  readonly reportDir: string;

  private constructor(readonly dir: string) {
    this.configFile = join(dir, "config.json");
    this.logFile = join(dir, "training.log");
    this.metricsFile = join(dir, "metrics.jsonl");
    this.checkpointsDir = join(dir, "checkpoints");
    this.bestDir = join(dir, "best");
    this.finalDir = join(dir, "final");
    this.evalDir = join(dir, "eval");
    this.reportDir = join(dir, "report");
  }

  static open(config: Pick<TrainConfig, "outDir" | "expName">, opts: RunFolderOptions = {}): RunFolder {
    const dir = resolve(opts.cwd ?? process.cwd(), config.outDir, config.expName);
    const exists = existsSync(dir) && readdirSync(dir).length > 0;
    if (opts.resume && !exists) {
      throw new StateError(`cannot resume: the run folder ${dir} does not exist or is empty`);
    }
    if (!opts.resume && exists) {
      throw new StateError(
        `the run folder ${dir} already exists; pass --resume to continue that run, or choose another ` +
          `expName (--exp-name) or outDir`,
      );
    }
    const f = new RunFolder(dir);
    mkdirSync(f.checkpointsDir, { recursive: true });
    return f;
  }

  /** An existing run folder (for `--resume` from a path, wherever the run was moved to). */
  static at(dir: string): RunFolder {
    const abs = resolve(dir);
    if (!existsSync(abs)) throw new StateError(`cannot resume: the run folder ${abs} does not exist`);
    const f = new RunFolder(abs);
    mkdirSync(f.checkpointsDir, { recursive: true });
    return f;
  }

  /** Writes config.json (the resolved config, exactly what the run uses). */
  saveConfig(config: TrainConfig): void {
    writeFileAtomic(this.configFile, JSON.stringify(config, null, 2) + "\n");
  }

  /** checkpoints/<episode>, zero-padded so a listing sorts in order. */
  checkpointDir(episode: number): string {
    return join(this.checkpointsDir, String(episode).padStart(PAD, "0"));
  }

  /** Complete periodic checkpoints (those with a state.json), oldest first. */
  listCheckpoints(): CheckpointRef[] {
    if (!existsSync(this.checkpointsDir)) return [];
    return readdirSync(this.checkpointsDir)
      .filter((n) => /^\d+$/.test(n) && existsSync(join(this.checkpointsDir, n, STATE_FILE)))
      .map((n) => ({ dir: join(this.checkpointsDir, n), episode: Number(n) }))
      .sort((a, b) => a.episode - b.episode);
  }

  /** Where `--resume` continues from: the furthest of the periodic checkpoints and final/. */
  latestCheckpoint(): CheckpointRef | null {
    const all = this.listCheckpoints();
    if (existsSync(join(this.finalDir, STATE_FILE))) {
      all.push({ dir: this.finalDir, episode: readCheckpointState(this.finalDir).counters.episode });
    }
    return all.reduce<CheckpointRef | null>(
      (best, c) => (best === null || c.episode >= best.episode ? c : best),
      null,
    );
  }

  /** Deletes the oldest periodic checkpoints beyond `keep` (null keeps all). */
  pruneCheckpoints(keep: number | null): void {
    if (keep === null) return;
    const all = this.listCheckpoints();
    for (const c of all.slice(0, Math.max(0, all.length - keep)))
      rmSync(c.dir, { recursive: true, force: true });
  }
}
