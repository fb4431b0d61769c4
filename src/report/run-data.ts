/**
 * Everything a report reads from a run folder: config.json, metrics.jsonl (as rows, via the run layer's
 * readMetricsRows), eval/*.json. Only reads, and tolerates a run in progress (a torn last line, no updates yet,
 * no eval yet).
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { readEvalSummary, type EvalSummary } from "../eval/index.js";
import { RUN_FILES, num, readMetricsRows, type EpisodeRow, type UpdateRow } from "../run/index.js";
import { FileFormatError, InvalidArgumentError } from "../util/index.js";

export { num, type EpisodeRow, type UpdateRow };

export interface PhaseSpan {
  name: string;
  /** First episode (inclusive) and end (exclusive). */
  start: number;
  end: number;
  routing: string;
}

export interface EvalFile {
  file: string;
  mtimeMs: number;
  summary: EvalSummary;
}

export interface RunData {
  dir: string;
  name: string;
  config: Record<string, any> | null;
  episodes: EpisodeRow[];
  updates: UpdateRow[];
  phases: PhaseSpan[];
  expertNames: string[];
  evals: EvalFile[];
  /** The eval written last (what the report's specialisation section shows). */
  latestEval: EvalFile | null;
}

/** A run folder is one with config.json or metrics.jsonl. */
export function checkRunDir(dir: string, what = "run folder"): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new InvalidArgumentError(what, dir, "an existing run folder (runs/<exp>)");
  if (!existsSync(join(abs, RUN_FILES.config)) && !existsSync(join(abs, RUN_FILES.metrics)))
    throw new InvalidArgumentError(
      what,
      dir,
      "a run folder holding config.json or metrics.jsonl (written by tedg train)",
    );
  return abs;
}

export function readEvalFiles(dir: string): EvalFile[] {
  const evalDir = join(dir, RUN_FILES.eval);
  if (!existsSync(evalDir)) return [];
  const out: EvalFile[] = [];
  for (const n of readdirSync(evalDir).sort()) {
    if (!n.endsWith(".json") || n.startsWith(".")) continue;
    const file = join(evalDir, n);
    try {
      out.push({ file, mtimeMs: statSync(file).mtimeMs, summary: readEvalSummary(file) });
    } catch (e) {
      // Another tool's JSON in eval/ is not ours to judge; a broken eval summary is.
      if (e instanceof FileFormatError && /tedg-eval/.test(readFileSync(file, "utf8").slice(0, 200))) throw e;
    }
  }
  return out.sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.localeCompare(b.file));
}

export function loadRun(dir: string): RunData {
  const abs = checkRunDir(dir);
  let config: Record<string, any> | null = null;
  const cfgFile = join(abs, RUN_FILES.config);
  if (existsSync(cfgFile)) {
    try {
      config = JSON.parse(readFileSync(cfgFile, "utf8"));
    } catch (e) {
      throw new FileFormatError(cfgFile, `not valid JSON (${(e as Error).message})`);
    }
  }
  const { episodes, updates, expertNames } = readMetricsRows(join(abs, RUN_FILES.metrics));
  const evals = readEvalFiles(abs);
  return {
    dir: abs,
    name: typeof config?.expName === "string" ? config.expName : basename(abs),
    config,
    episodes,
    updates,
    phases: phaseSpans(config, episodes),
    expertNames,
    evals,
    latestEval: evals.length ? evals[evals.length - 1] : null,
  };
}

/** Phase spans from the config (the curriculum as planned), else from the episodes' phase labels. */
export function phaseSpans(config: Record<string, any> | null, episodes: EpisodeRow[]): PhaseSpan[] {
  const last = episodes.length ? episodes[episodes.length - 1].episode + 1 : 0;
  const phases = config?.phases;
  if (Array.isArray(phases) && phases.length) {
    const total = Math.max(num(config?.episodes) ?? 0, last);
    const out: PhaseSpan[] = [];
    let start = 0;
    for (const p of phases) {
      const end = typeof p.until === "number" ? p.until : Math.max(total, start + 1);
      out.push({ name: String(p.name), start, end, routing: String(p.routing ?? "") });
      start = end;
    }
    return out;
  }
  const out: PhaseSpan[] = [];
  for (const e of episodes) {
    const cur = out[out.length - 1];
    if (cur && cur.name === e.phase) cur.end = e.episode + 1;
    else out.push({ name: e.phase, start: e.episode, end: e.episode + 1, routing: "" });
  }
  return out;
}

/** A cheap change stamp of the files a report reads (for the live dashboard). */
export function runVersion(dir: string): string {
  const parts: string[] = [];
  for (const f of [RUN_FILES.config, RUN_FILES.metrics]) {
    const p = join(dir, f);
    if (existsSync(p)) {
      const s = statSync(p);
      parts.push(`${f}:${s.size}:${s.mtimeMs}`);
    }
  }
  const evalDir = join(dir, RUN_FILES.eval);
  if (existsSync(evalDir)) {
    for (const n of readdirSync(evalDir).sort()) {
      if (!n.endsWith(".json")) continue;
      const s = statSync(join(evalDir, n));
      parts.push(`${n}:${s.size}:${s.mtimeMs}`);
    }
  }
  return parts.join("|");
}
