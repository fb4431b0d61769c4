/**
 * metrics.jsonl: one JSON record per line ("episode" or "update"), appended and fsynced so a crash loses at most
 * the record being written. The trainer writes it (MetricsWriter), a resumed run trims it
 * (trimMetricsForResume), evaluation and reports read it (readMetrics).
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
