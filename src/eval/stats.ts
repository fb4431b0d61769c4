/**
 * Small statistics for evaluation and reports: summaries with a percentile-bootstrap interval of the mean,
 * the bootstrap of a difference of means (paired when both samples cover the same seeds), mutual
 * information of a contingency table, and expert-switch counting. Everything random takes a seed, so a
 * report or an eval file is the same every time it is produced.
 */
import { argmaxOf, entropyOfCounts } from "../agent/index.js";
import { InvalidArgumentError, Rng } from "../util/index.js";

export { entropyOfCounts };

export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_CONFIDENCE = 0.95;
/** Fixed bootstrap seed: the interval is a function of the data only. */
export const BOOTSTRAP_SEED = 0x5eed;

export interface BootstrapOptions {
  resamples?: number;
  confidence?: number;
  seed?: number;
}

export interface Summary {
  n: number;
  mean: number | null;
  median: number | null;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  std: number | null;
  min: number | null;
  max: number | null;
  /** Percentile-bootstrap interval of the mean at `confidence`. */
  ci: [number, number] | null;
  confidence: number;
}

function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]))
      throw new InvalidArgumentError(`${what}[${i}]`, values[i], "a finite number");
}

function bootOpts(o: BootstrapOptions): Required<BootstrapOptions> {
  const resamples = o.resamples ?? DEFAULT_RESAMPLES;
  const confidence = o.confidence ?? DEFAULT_CONFIDENCE;
  if (!Number.isInteger(resamples) || resamples < 100 || resamples > 1_000_000)
    throw new InvalidArgumentError("bootstrap resamples", resamples, "an integer in [100, 1000000]");
  if (!(confidence > 0 && confidence < 1))
    throw new InvalidArgumentError("bootstrap confidence", confidence, "a number in (0, 1)");
  return { resamples, confidence, seed: o.seed ?? BOOTSTRAP_SEED };
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Linear-interpolated quantile of sorted values (q ∈ [0, 1]). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function std(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return n === 1 ? 0 : NaN;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/**
 * Percentile bootstrap of the mean: resample n values with replacement, take the mean, repeat; the interval
 * is the central `confidence` mass of those means.
 */
export function bootstrapMeanCI(
  values: ArrayLike<number>,
  opts: BootstrapOptions = {},
): [number, number] | null {
  checkFinite(values, "bootstrap sample");
  const { resamples, confidence, seed } = bootOpts(opts);
  const n = values.length;
  if (n === 0) return null;
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  const a = (1 - confidence) / 2;
  return [quantileSorted(means, a), quantileSorted(means, 1 - a)];
}

/**
 * Percentile bootstrap of a ratio of sums Σ num / Σ den over resampled items (e.g. episodes' summed per-step
 * entropy over their step counts: the step-weighted mean, with the episode as the resampling unit, since the
 * steps of one episode are correlated). Denominators must be ≥ 0; a resample whose Σ den is 0 has no ratio and
 * is skipped (null when every resample is).
 */
export function bootstrapRatioCI(
  num: ArrayLike<number>,
  den: ArrayLike<number>,
  opts: BootstrapOptions = {},
): [number, number] | null {
  checkFinite(num, "bootstrap numerators");
  checkFinite(den, "bootstrap denominators");
  if (num.length !== den.length)
    throw new InvalidArgumentError("ratio bootstrap lengths", [num.length, den.length], "two equal lengths");
  for (let i = 0; i < den.length; i++)
    if (den[i] < 0) throw new InvalidArgumentError(`bootstrap denominator [${i}]`, den[i], "a number ≥ 0");
  const { resamples, confidence, seed } = bootOpts(opts);
  const n = num.length;
  if (n === 0) return null;
  const rng = new Rng(seed);
  const ratios: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      a += num[j];
      b += den[j];
    }
    if (b > 0) ratios.push(a / b);
  }
  if (ratios.length === 0) return null;
  const sorted = Float64Array.from(ratios).sort();
  const q = (1 - confidence) / 2;
  return [quantileSorted(sorted, q), quantileSorted(sorted, 1 - q)];
}

/**
 * Interval of mean(b) − mean(a). Paired (resampling the per-item differences) when `paired`, which needs
 * equal lengths with item i of both samples measuring the same thing (the same game seed); otherwise each
 * sample is resampled on its own.
 */
export function bootstrapDiffCI(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: BootstrapOptions & { paired?: boolean } = {},
): [number, number] | null {
  checkFinite(a, "bootstrap sample a");
  checkFinite(b, "bootstrap sample b");
  if (a.length === 0 || b.length === 0) return null;
  if (opts.paired) {
    if (a.length !== b.length)
      throw new InvalidArgumentError("paired bootstrap lengths", [a.length, b.length], "two equal lengths");
    const d = Array.from({ length: a.length }, (_, i) => b[i] - a[i]);
    return bootstrapMeanCI(d, opts);
  }
  const { resamples, confidence, seed } = bootOpts(opts);
  const rng = new Rng(seed);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < a.length; i++) sa += a[rng.int(a.length)];
    for (let i = 0; i < b.length; i++) sb += b[rng.int(b.length)];
    diffs[r] = sb / b.length - sa / a.length;
  }
  diffs.sort();
  const q = (1 - confidence) / 2;
  return [quantileSorted(diffs, q), quantileSorted(diffs, 1 - q)];
}

/** n, mean, median, std, min, max and the bootstrap interval of the mean (nulls for an empty sample). */
export function summarize(values: ArrayLike<number>, opts: BootstrapOptions = {}): Summary {
  checkFinite(values, "sample");
  const confidence = bootOpts(opts).confidence;
  const n = values.length;
  if (n === 0) return { n, mean: null, median: null, std: null, min: null, max: null, ci: null, confidence };
  const sorted = Float64Array.from(values).sort();
  return {
    n,
    mean: mean(values),
    median: quantileSorted(sorted, 0.5),
    std: std(values),
    min: sorted[0],
    max: sorted[n - 1],
    ci: bootstrapMeanCI(values, opts),
    confidence,
  };
}

/**
 * Mutual information (nats) between the row and column variables of a contingency table of counts:
 * Σ p(r,c) ln(p(r,c) / (p(r) p(c))). 0 when rows and columns are independent; at most min(H(rows), H(cols)).
 */
export function mutualInformation(table: readonly (readonly number[])[]): number {
  let total = 0;
  const rows = table.map((r) => {
    let s = 0;
    for (const v of r) {
      if (!(Number.isFinite(v) && v >= 0))
        throw new InvalidArgumentError("contingency count", v, "a finite count ≥ 0");
      s += v;
    }
    total += s;
    return s;
  });
  const width = table[0]?.length ?? 0;
  if (table.some((r) => r.length !== width))
    throw new InvalidArgumentError(
      "contingency table",
      table.map((r) => r.length),
      "rows of equal length",
    );
  if (total === 0) return 0;
  const cols = new Array<number>(width).fill(0);
  for (const r of table) r.forEach((v, j) => (cols[j] += v));
  let mi = 0;
  table.forEach((r, i) =>
    r.forEach((v, j) => {
      if (v > 0) mi += (v / total) * Math.log((v * total) / (rows[i] * cols[j]));
    }),
  );
  return Math.max(0, mi);
}

/**
 * I(scenario; expert) of step pairs after permuting the scenario labels across steps: the MI a table of this
 * size and these marginals shows with no association at all (finite samples bias MI upwards). Returns the mean
 * and the largest over `permutations` permutations drawn from `seed`.
 */
export function shuffledMutualInformation(
  scenario: ArrayLike<number>,
  expert: ArrayLike<number>,
  S: number,
  K: number,
  permutations = 20,
  seed = 0,
): { mean: number; max: number } {
  const n = scenario.length;
  if (expert.length !== n)
    throw new InvalidArgumentError("expert labels length", expert.length, `${n} (scenario labels)`);
  if (!Number.isInteger(permutations) || permutations < 1)
    throw new InvalidArgumentError("permutations", permutations, "an integer ≥ 1");
  for (let t = 0; t < n; t++) {
    if (!(Number.isInteger(scenario[t]) && scenario[t] >= 0 && scenario[t] < S))
      throw new InvalidArgumentError(`scenario label [${t}]`, scenario[t], `an integer in [0, ${S})`);
    if (!(Number.isInteger(expert[t]) && expert[t] >= 0 && expert[t] < K))
      throw new InvalidArgumentError(`expert label [${t}]`, expert[t], `an integer in [0, ${K})`);
  }
  const rng = new Rng(seed);
  const perm = Int32Array.from(scenario);
  let sum = 0;
  let max = 0;
  for (let p = 0; p < permutations; p++) {
    rng.shuffle(perm);
    const table = Array.from({ length: S }, () => new Array<number>(K).fill(0));
    for (let t = 0; t < n; t++) table[perm[t]][expert[t]]++;
    const mi = mutualInformation(table);
    sum += mi;
    max = Math.max(max, mi);
  }
  return { mean: sum / permutations, max };
}

/** Index of the largest value (ties go to the lower index, as train's dominantShare). */
export function argmax(row: ArrayLike<number>, off = 0, k = row.length - off): number {
  return argmaxOf(row, off, k);
}

/** Number of t ≥ 1 with dominant[t] ≠ dominant[t−1]. */
export function countSwitches(dominant: ArrayLike<number>): number {
  let s = 0;
  for (let t = 1; t < dominant.length; t++) if (dominant[t] !== dominant[t - 1]) s++;
  return s;
}

/** Trailing moving average with a partial window at the start (so the curve starts at the first point). */
export function movingAverage(values: ArrayLike<number>, window: number): number[] {
  if (!Number.isInteger(window) || window < 1)
    throw new InvalidArgumentError("moving-average window", window, "an integer ≥ 1");
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i];
    if (i >= window) s -= values[i - window];
    out.push(s / Math.min(i + 1, window));
  }
  return out;
}
