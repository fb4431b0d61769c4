/**
 * Everything a report reads from a run folder: config.json, metrics.jsonl, eval/*.json. Only reads, and
 * tolerates a run in progress (a torn last line, no updates yet, no eval yet).
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { readEvalSummary, type EvalSummary } from "../eval/index.js";
import { readMetrics } from "../run/index.js";
import { FileFormatError, InvalidArgumentError } from "../util/index.js";

/** A number from metrics.jsonl, or null for a missing / non-finite ("NaN") value. */
export function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export interface EpisodeRow {
  episode: number;
  seed: number | null;
  score: number | null;
  reward: number | null;
  length: number | null;
  maxDepth: number | null;
  endReason: string;
  deathCause: string;
  phase: string;
  alphaEntropyStep: number | null;
  /** The original's per-episode alpha_entropy: H(episode-mean α) (B6), computed from alpha_mean. */
  alphaEntropyOfMean: number | null;
  alphaMean: Record<string, number | null>;
  timeS: number | null;
}

export interface UpdateRow {
  update: number;
  episode: number;
  envSteps: number | null;
  phase: string;
  tau: number | null;
  lr: number | null;
  losses: Record<string, number | null>;
  weighted: Record<string, number | null>;
  alphaEntropyStep: number | null;
  alphaEntropyOfMean: number | null;
  alphaMean: Record<string, number | null>;
  dominantShare: Record<string, number | null>;
  stepsPerSec: number | null;
  /** Other scalar diagnostics (approx_kl, clip_fraction, …), by metrics key. */
  scalars: Record<string, number | null>;
  timeS: number | null;
}

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

const DIAGNOSTICS = [
  "policy_entropy",
  "approx_kl",
  "clip_fraction",
  "explained_variance",
  "grad_norm",
  "grad_norm_max",
  "gat_attention_entropy",
  "advantage_mean",
  "advantage_std",
  "reward_std",
  "rollout_s",
  "update_s",
  "opinion_entropy",
  "opinion_confident_share",
  "graph_router_agreement",
  "graph_router_agreement_confident",
];

function numRecord(v: unknown): Record<string, number | null> {
  if (!v || typeof v !== "object") return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, num(x)]));
}

function entropyOfMean(alpha: Record<string, number | null>): number | null {
  const v = Object.values(alpha);
  if (!v.length || v.some((x) => x === null)) return null;
  let h = 0;
  for (const p of v as number[]) h -= p * Math.log(p + 1e-8);
  return h;
}

/** A run folder is one with config.json or metrics.jsonl. */
export function checkRunDir(dir: string, what = "run folder"): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new InvalidArgumentError(what, dir, "an existing run folder (runs/<exp>)");
  if (!existsSync(join(abs, "config.json")) && !existsSync(join(abs, "metrics.jsonl")))
    throw new InvalidArgumentError(
      what,
      dir,
      "a run folder holding config.json or metrics.jsonl (written by tedg train)",
    );
  return abs;
}

export function readEvalFiles(dir: string): EvalFile[] {
  const evalDir = join(dir, "eval");
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
  const cfgFile = join(abs, "config.json");
  if (existsSync(cfgFile)) {
    try {
      config = JSON.parse(readFileSync(cfgFile, "utf8"));
    } catch (e) {
      throw new FileFormatError(cfgFile, `not valid JSON (${(e as Error).message})`);
    }
  }
  const records = readMetrics(join(abs, "metrics.jsonl"));
  const episodes: EpisodeRow[] = [];
  const updates: UpdateRow[] = [];
  const names = new Set<string>();
  for (const r of records) {
    const x = r as Record<string, any>;
    if (r.type === "episode") {
      const alphaMean = numRecord(x.alpha_mean);
      Object.keys(alphaMean).forEach((n) => names.add(n));
      episodes.push({
        episode: r.episode,
        seed: num(x.seed),
        score: num(x.score),
        reward: num(x.reward),
        length: num(x.length),
        maxDepth: num(x.max_depth),
        endReason: String(x.end_reason ?? ""),
        deathCause: String(x.death_cause ?? ""),
        phase: String(x.phase ?? ""),
        alphaEntropyStep: num(x.alpha_entropy_step),
        alphaEntropyOfMean: entropyOfMean(alphaMean),
        alphaMean,
        timeS: num(x.time_s),
      });
    } else {
      const alphaMean = numRecord(x.alpha_mean);
      Object.keys(alphaMean).forEach((n) => names.add(n));
      updates.push({
        update: r.update,
        episode: num(x.episode) ?? 0,
        envSteps: num(x.env_steps),
        phase: String(x.phase ?? ""),
        tau: num(x.tau),
        lr: num(x.lr),
        losses: numRecord(x.losses),
        weighted: numRecord(x.weighted),
        alphaEntropyStep: num(x.alpha_entropy_step),
        alphaEntropyOfMean: num(x.alpha_entropy_of_mean_original),
        alphaMean,
        dominantShare: numRecord(x.expert_dominant_share),
        stepsPerSec: num(x.steps_per_sec),
        scalars: Object.fromEntries(DIAGNOSTICS.filter((k) => k in x).map((k) => [k, num(x[k])])),
        timeS: num(x.time_s),
      });
    }
  }
  episodes.sort((a, b) => a.episode - b.episode);
  updates.sort((a, b) => a.update - b.update);
  const evals = readEvalFiles(abs);
  return {
    dir: abs,
    name: typeof config?.expName === "string" ? config.expName : basename(abs),
    config,
    episodes,
    updates,
    phases: phaseSpans(config, episodes),
    expertNames: [...names],
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
  for (const f of ["config.json", "metrics.jsonl"]) {
    const p = join(dir, f);
    if (existsSync(p)) {
      const s = statSync(p);
      parts.push(`${f}:${s.size}:${s.mtimeMs}`);
    }
  }
  const evalDir = join(dir, "eval");
  if (existsSync(evalDir)) {
    for (const n of readdirSync(evalDir).sort()) {
      if (!n.endsWith(".json")) continue;
      const s = statSync(join(evalDir, n));
      parts.push(`${n}:${s.size}:${s.mtimeMs}`);
    }
  }
  return parts.join("|");
}
