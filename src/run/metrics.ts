/**
 * metrics.jsonl: one JSON record per line ("episode" or "update"), appended and fsynced so a crash loses at most
 * the record being written. The trainer writes it (MetricsWriter), a resumed run trims it
 * (trimMetricsForResume), evaluation reads its records (readMetrics) and reports its rows (readMetricsRows).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { FileFormatError, InvalidArgumentError, writeFileAtomic } from "../util/index.js";

export interface EpisodeRecord {
  type: "episode";
  episode: number;
  [key: string]: unknown;
}
export interface UpdateRecord {
  type: "update";
  update: number;
  [key: string]: unknown;
}
export type MetricsRecord = EpisodeRecord | UpdateRecord;

/** Non-finite numbers become null in JSON; keep them visible as strings instead. */
function replacer(_key: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
}

export class MetricsWriter {
  private fd: number | null;

  constructor(
    readonly path: string,
    private readonly sync = true,
  ) {
    this.fd = openSync(path, "a");
  }

  write(record: MetricsRecord): void {
    if (this.fd === null) throw new InvalidArgumentError("metrics writer", "closed", "an open writer");
    const buf = Buffer.from(JSON.stringify(record, replacer) + "\n", "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    if (this.sync) fsyncSync(this.fd);
  }

  episode(fields: { episode: number } & Record<string, unknown>): void {
    this.write({ type: "episode", ...fields });
  }

  update(fields: { update: number } & Record<string, unknown>): void {
    this.write({ type: "update", ...fields });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Reads metrics.jsonl. A torn last line (the process died mid-write) is dropped; a bad line anywhere
 * else is a FileFormatError naming the line.
 */
export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n");
  const out: MetricsRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) break; // torn final line: no trailing newline was written
      throw new FileFormatError(path, `line ${i + 1} is not valid JSON`);
    }
    const t = (rec as { type?: unknown })?.type;
    if (t !== "episode" && t !== "update")
      throw new FileFormatError(path, `line ${i + 1} has no type "episode"|"update"`);
    out.push(rec as MetricsRecord);
  }
  return out;
}

/**
 * On resume, drops records written after the checkpoint (episodes ≥ `episode`, updates ≥ `update`) so the
 * log continues without duplicates; rewrites the file atomically.
 */
export function trimMetricsForResume(path: string, counters: { episode: number; update: number }): void {
  if (!existsSync(path)) return;
  const keep = readMetrics(path).filter((r) =>
    r.type === "episode" ? r.episode < counters.episode : r.update < counters.update,
  );
  writeFileAtomic(path, keep.map((r) => JSON.stringify(r, replacer) + "\n").join(""));
}

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
  /** The original's per-episode alpha_entropy: H(episode-mean α) (B6, docs/original.md), computed from alpha_mean. */
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

/**
 * metrics.jsonl as rows: episodes and updates (each sorted by index) with every value a report reads, and the
 * expert names found in the α means. Tolerates a run in progress (readMetrics drops a torn last line).
 */
export function readMetricsRows(path: string): {
  episodes: EpisodeRow[];
  updates: UpdateRow[];
  expertNames: string[];
} {
  const records = readMetrics(path);
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
  return { episodes, updates, expertNames: [...names] };
}
