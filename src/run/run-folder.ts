/**
 * The run folder `<outDir>/<expName>/`:
 *   config.json  training.log  metrics.jsonl  checkpoints/<episode>/  best/  final/  eval/  report/
 * A new run refuses to write into an existing folder (it would mix two runs' logs); `--resume` requires it.
 * `resolveCheckpoint` is the one rule for picking a checkpoint from a path (resume and evaluation).
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidArgumentError, StateError, writeFileAtomic } from "../util/index.js";
import type { TrainConfig } from "./config-schema.js";
import { STATE_FILE, readCheckpointState, type CheckpointState } from "./checkpoint.js";

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

/** A checkpoint picked by resolveCheckpoint. */
export interface CheckpointChoice {
  /** The run folder the checkpoint belongs to (absolute). */
  runDir: string;
  /** The checkpoint folder, holding state.json (absolute). */
  checkpoint: string;
  /** Its validated state.json. */
  state: CheckpointState;
}

/** The names of a run folder's entries, for code that reads a run folder without opening it as a RunFolder. */
export const RUN_FILES = {
  config: "config.json",
  log: "training.log",
  metrics: "metrics.jsonl",
  checkpoints: "checkpoints",
  best: "best",
  final: "final",
  eval: "eval",
  report: "report",
} as const;

const PAD = 6;

/** Complete periodic checkpoints of a run folder (checkpoints/<episode>/ with a state.json), oldest first. */
function periodicCheckpoints(runDir: string): CheckpointRef[] {
  const dir = join(runDir, RUN_FILES.checkpoints);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^\d+$/.test(n) && existsSync(join(dir, n, STATE_FILE)))
    .map((n) => ({ dir: join(dir, n), episode: Number(n) }))
    .sort((a, b) => a.episode - b.episode);
}

/**
 * A run folder's furthest complete checkpoint: the most episodes among checkpoints/<episode>/ and final/ (each
 * with a state.json); final/ wins a tie; best/ is not considered. Null when there is none. Reads only.
 */
export function latestCheckpoint(runDir: string): CheckpointRef | null {
  const all = periodicCheckpoints(runDir);
  const final = join(runDir, RUN_FILES.final);
  if (existsSync(join(final, STATE_FILE))) {
    all.push({ dir: final, episode: readCheckpointState(final).counters.episode });
  }
  return all.reduce<CheckpointRef | null>(
    (best, c) => (best === null || c.episode >= best.episode ? c : best),
    null,
  );
}

/**
 * The one rule for picking a checkpoint from a path, used by `tedg train --resume` (train's `resume` option)
 * and `tedg eval --checkpoint` (evaluate's `checkpoint` option):
 *
 * 1. A folder holding state.json is a checkpoint and is used as it is. Its run folder is the folder above
 *    `checkpoints/` for `checkpoints/<episode>/`, else its parent (`final/`, `best/`).
 * 2. Any other folder is a run folder; its checkpoint is the furthest complete one (latestCheckpoint): the most
 *    episodes among `checkpoints/<episode>/` and `final/`, `final/` winning a tie. `best/` is never picked
 *    from a run folder (it usually lies behind the run's end); pass its path to use it.
 * 3. Anything else — a missing path, a folder with no complete checkpoint — is an InvalidArgumentError naming
 *    `what` (the option, e.g. "--resume") and the path.
 *
 * Reads only (creates nothing); the chosen state.json is validated, so a corrupt one is a FileFormatError.
 */
export function resolveCheckpoint(path: string, what = "checkpoint"): CheckpointChoice {
  const abs = resolve(path);
  if (!existsSync(abs)) {
    throw new InvalidArgumentError(
      what,
      path,
      "an existing checkpoint folder (with state.json) or run folder",
    );
  }
  if (existsSync(join(abs, STATE_FILE))) {
    const parent = dirname(abs);
    const runDir = basename(parent) === RUN_FILES.checkpoints ? dirname(parent) : parent;
    return { runDir, checkpoint: abs, state: readCheckpointState(abs) };
  }
  const latest = latestCheckpoint(abs);
  if (!latest) {
    throw new InvalidArgumentError(
      what,
      path,
      "a checkpoint folder (with state.json) or a run folder holding final/ or checkpoints/<episode>/ " +
        "with a state.json (best/ is used only when named)",
    );
  }
  return { runDir: abs, checkpoint: latest.dir, state: readCheckpointState(latest.dir) };
}

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
    this.configFile = join(dir, RUN_FILES.config);
    this.logFile = join(dir, RUN_FILES.log);
    this.metricsFile = join(dir, RUN_FILES.metrics);
    this.checkpointsDir = join(dir, RUN_FILES.checkpoints);
    this.bestDir = join(dir, RUN_FILES.best);
    this.finalDir = join(dir, RUN_FILES.final);
    this.evalDir = join(dir, RUN_FILES.eval);
    this.reportDir = join(dir, RUN_FILES.report);
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
    return periodicCheckpoints(this.dir);
  }

  /** The furthest of the periodic checkpoints and final/ (the rule of resolveCheckpoint for a run folder). */
  latestCheckpoint(): CheckpointRef | null {
    return latestCheckpoint(this.dir);
  }

  /** Deletes the oldest periodic checkpoints beyond `keep` (null keeps all). */
  pruneCheckpoints(keep: number | null): void {
    if (keep === null) return;
    const all = this.listCheckpoints();
    for (const c of all.slice(0, Math.max(0, all.length - keep)))
      rmSync(c.dir, { recursive: true, force: true });
  }
}

/** Where a training command writes, and with which config: a resumed run's or a new one. */
export interface OpenedRun {
  config: TrainConfig;
  folder: RunFolder;
  /** The checkpoint a resumed run continues from; null for a new run. */
  resumeFrom: CheckpointChoice | null;
}

/**
 * The run a training command works on. With `resume`, the checkpoint's folder and config (`episodes`, when given,
 * the new total); else a new folder for `configIn`, with its config saved.
 */
export function openRun(
  configIn: TrainConfig | null,
  opts: { resume?: string; episodes?: number; cwd?: string },
): OpenedRun {
  if (opts.resume) {
    const resumeFrom = resolveCheckpoint(opts.resume, "--resume");
    const config = { ...resumeFrom.state.config };
    if (opts.episodes !== undefined) config.episodes = opts.episodes;
    return { config, folder: RunFolder.at(resumeFrom.runDir), resumeFrom };
  }
  if (!configIn) throw new InvalidArgumentError("train config", configIn, "a config (or opts.resume)");
  const folder = RunFolder.open(configIn, { cwd: opts.cwd });
  folder.saveConfig(configIn);
  return { config: configIn, folder, resumeFrom: null };
}
