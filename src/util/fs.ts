/** File helpers that never leave a half-written file behind: write to a temp name, fsync, rename. */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
  existsSync,
  readFileSync,
} from "node:fs";
import { dirname, join, basename } from "node:path";
import { FileFormatError } from "./errors.js";

/** Parses a JSON file; a missing or malformed one is a FileFormatError "not a readable <what> (…)". */
export function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (e) {
    throw new FileFormatError(path, `not a readable ${what} (${(e as Error).message})`);
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Writes a whole directory atomically: `fill(tmpDir)` writes into a temp sibling, which then replaces `dir`
 * (the old one is moved aside first and removed only after the rename succeeded).
 */
export function writeDirAtomic(dir: string, fill: (tmpDir: string) => void): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.${Date.now()}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  let old: string | undefined;
  if (existsSync(dir)) {
    old = join(parent, `.${basename(dir)}.${process.pid}.${Date.now()}.old`);
    renameSync(dir, old);
  }
  renameSync(tmp, dir);
  if (old) rmSync(old, { recursive: true, force: true });
}
