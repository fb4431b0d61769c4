/** Shared test helpers without tensors: temp folders, float comparisons, a tiny model for end-to-end runs. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(prefix = "tedg-train-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function close(actual: number, expected: number, tol = 1e-6, what = ""): void {
  assert.ok(
    Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${what} expected ${expected}, got ${actual} (tol ${tol})`,
  );
}

export function closeAll(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-6,
  what = "",
): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol, `${what}[${i}]`);
}

/** A model small enough for tests that train it end to end (layer sizes only; the architecture is the default). */
export const TINY_MODEL = {
  visual: { cropHidden: 32, hidden: 32, glyphHashBuckets: 16 },
  gat: { dim: 8, heads: 2, logicDim: 16 },
  router: { hidden: [16] },
  experts: { hidden: [16] },
  critic: { hidden: [16] },
};
