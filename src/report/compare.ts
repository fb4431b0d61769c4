/**
 * `tedg compare RUN_A RUN_B …`: the report's curves overlaid for several runs (ablations), and a table with
 * bootstrap intervals — of each run's mean and of its difference to the first run — so a reader can see
 * whether a difference is larger than the noise (defects B21/B22 of docs/original.md: the original compared
 * single unseeded runs with different step caps). Differences in step cap, eval seeds or eval mode are called
 * out.
 */
import { basename, resolve } from "node:path";
import { bootstrapDiffCI, namedExpertShare, summarize, type EvalSummary } from "../eval/index.js";
import { InvalidArgumentError, writeFileAtomic } from "../util/index.js";
import {
  base,
  chartTitle,
  maPts,
  maWindow,
  round as r5,
  runColor,
  smallMultiples,
  type ChartSpec,
  type Pt,
} from "./charts.js";
import { chartSection, esc, fmt, fmtCi, fmtSummary, glossarySection, page, table } from "./html.js";
import { loadRun, type EvalFile, type RunData } from "./run-data.js";

export interface CompareOptions {
  out?: string;
  /** Training episodes (the last W of each run) used for the training-score interval (default 100). */
  window?: number;
}

function overlay(
  runs: RunData[],
  id: string,
  title: string,
  subtitle: string,
  caption: string,
  series: (run: RunData, color: string) => Record<string, unknown>[],
  yAxis: Record<string, unknown> = { type: "value", scale: true },
): ChartSpec {
  const o = base(title, subtitle);
  o.series = runs.flatMap((r, i) => series(r, runColor(i)));
  o.yAxis = yAxis;
  return { id, title, height: 380, option: o, png: true, caption };
}

const lineS = (name: string, data: Pt[], color: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: "line",
  data,
  showSymbol: false,
  lineStyle: { width: 2, color, ...((extra.lineStyle as object) ?? {}) },
  itemStyle: { color },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "lineStyle")),
});

/** A forest plot: per run a point (mean) and a segment (interval). */
function forest(
  id: string,
  title: string,
  subtitle: string,
  caption: string,
  rows: { name: string; mean: number | null; ci: [number, number] | null; color: string }[],
): ChartSpec {
  const names = rows.map((r) => r.name);
  const option = {
    animation: false,
    title: chartTitle(title, subtitle),
    tooltip: { trigger: "item" },
    grid: { left: 160, right: 40, top: 80, bottom: 40 },
    xAxis: { type: "value", scale: true, name: "mean score", nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "category", data: names, inverse: true },
    series: [
      ...rows.map((r) => ({
        name: `${r.name} 95% CI`,
        type: "line",
        data: r.ci
          ? [
              [r5(r.ci[0]), r.name],
              [r5(r.ci[1]), r.name],
            ]
          : [],
        symbol: "rect",
        symbolSize: [2, 14],
        lineStyle: { width: 3, color: r.color },
        itemStyle: { color: r.color },
      })),
      {
        name: "mean",
        type: "scatter",
        symbolSize: 11,
        data: rows.map((r) => ({
          value: [r.mean === null ? null : Math.round(r.mean * 100) / 100, r.name],
          itemStyle: { color: r.color },
        })),
        label: { show: true, position: "top", formatter: "{@[0]}", fontSize: 10 },
      },
    ],
  };
  return { id, title, height: 120 + rows.length * 46, option, png: true, caption };
}

/** Small multiples with every run overlaid (one panel per key). */
function overlayPanels(
  runs: RunData[],
  id: string,
  title: string,
  subtitle: string,
  caption: string,
  keys: string[],
  get: (run: RunData, key: string) => Pt[],
  cols = 3,
): ChartSpec {
  const { option, height } = smallMultiples(
    title,
    subtitle,
    keys,
    cols,
    (i, axes) =>
      runs.map((run, j) =>
        lineS(run.name, get(run, keys[i]), runColor(j), { ...axes, lineStyle: { width: 1.5 } }),
      ),
    { data: runs.map((r) => r.name) },
  );
  return { id, title, height, option, png: false, caption };
}

const settingsKey = (e: EvalSummary) =>
  `${e.settings.seedStart}:${e.settings.episodes}:${e.settings.greedy}:${e.settings.maxSteps}`;

/** Per run, the eval to compare: the latest with settings every run has, else each run's latest. */
export function pickEvals(runs: RunData[]): (EvalFile | null)[] {
  const common = runs
    .map((r) => new Set(r.evals.map((e) => settingsKey(e.summary))))
    .reduce<Set<string> | null>(
      (acc, s) => (acc === null ? s : new Set([...acc].filter((k) => s.has(k)))),
      null,
    );
  return runs.map((r) => {
    const matching = common && common.size ? r.evals.filter((e) => common.has(settingsKey(e.summary))) : [];
    const list = matching.length ? matching : r.evals;
    return list.length ? list[list.length - 1] : null;
  });
}

/** What the model of a run is ("moe-graph" when the config does not say: the default). */
const archOf = (r: RunData): string => {
  const m = r.config?.model as { arch?: string; graphShuffleSeed?: number | null } | undefined;
  const arch = m?.arch ?? "moe-graph";
  return m?.graphShuffleSeed !== undefined && m.graphShuffleSeed !== null ? `${arch}, shuffled graph` : arch;
};

export function buildComparePage(
  runDirs: string[],
  opts: CompareOptions = {},
): { html: string; charts: ChartSpec[]; markdown: string } {
  if (runDirs.length < 2)
    throw new InvalidArgumentError("runs to compare", runDirs, "at least two run folders");
  const W = opts.window ?? 100;
  if (!Number.isInteger(W) || W < 1) throw new InvalidArgumentError("--window", W, "an integer ≥ 1");
  const runs = runDirs.map((d) => loadRun(d));
  // Two runs may share a folder name (runs/a/x vs runs/b/x): make the labels unique.
  const seen = new Map<string, number>();
  runs.forEach((r) => {
    const n = seen.get(r.name) ?? 0;
    seen.set(r.name, n + 1);
    if (n) r.name = `${r.name} (${n + 1})`;
  });
  const evals = pickEvals(runs);
  const ref = runs[0];
  const refEval = evals[0]?.summary ?? null;

  const lastScores = (r: RunData) =>
    r.episodes
      .slice(-W)
      .map((e) => e.score)
      .filter((x): x is number => x !== null);
  const evalScores = (e: EvalSummary | null) => (e ? e.episodes.map((x) => x.score) : []);
  const sameSeeds = (a: EvalSummary | null, b: EvalSummary | null) =>
    !!a &&
    !!b &&
    a.episodes.length === b.episodes.length &&
    a.episodes.every((x, i) => x.seed === b.episodes[i].seed);

  const warnings: string[] = [];
  const caps = new Set(runs.map((r) => r.config?.maxSteps));
  if (caps.size > 1)
    warnings.push(
      `Training step caps differ (${runs.map((r) => `${esc(r.name)}: ${r.config?.maxSteps ?? "?"}`).join(", ")}): ` +
        "the cap alone changes episode length, score and reward (the original prototype's reported gain came from " +
        "comparing a 500-step with a 2000-step cap: defect B22 in tedg's docs/original.md).",
    );
  const evalKeys = new Set(evals.map((e) => (e ? settingsKey(e.summary) : "none")));
  if (evalKeys.size > 1)
    warnings.push(
      "The evaluations differ in seeds, episode count, greedy/sampled mode or step cap, or some runs have none: " +
        "their numbers are not directly comparable (run tedg eval with the same flags on each run).",
    );
  const epCounts = new Set(runs.map((r) => r.episodes.length));
  if (epCounts.size > 1)
    warnings.push(
      "The runs trained for different numbers of episodes; the training window compares different stages.",
    );

  const md: string[][] = [];
  const rows = runs.map((r, i) => {
    const e = evals[i]?.summary ?? null;
    const tr = summarize(lastScores(r));
    const es = e ? e.score : null;
    let diff = "–";
    let verdict = "";
    if (i > 0 && e && refEval) {
      const paired = sameSeeds(refEval, e);
      const ci = bootstrapDiffCI(evalScores(refEval), evalScores(e), { paired });
      const d = (e.score.mean ?? 0) - (refEval.score.mean ?? 0);
      diff = `${d >= 0 ? "+" : ""}${fmt(d)} ${fmtCi(ci)}${paired ? " paired" : ""}`;
      verdict = ci ? (ci[0] > 0 ? "better" : ci[1] < 0 ? "worse" : "within noise") : "";
    }
    const sp = e?.specialisation;
    const miCtl = sp?.mutualInformationShuffled ? fmt(sp.mutualInformationShuffled.mean, 4) : "–";
    const g = e?.graph ?? null;
    // Computed from the table, so evaluations written before the summary carried it get it too.
    const named =
      sp && e
        ? (sp.namedExpertShare ?? namedExpertShare(sp.table, e.routing.expertNames, sp.scenarios)).mean
        : null;
    const namedCell = named === null ? "–" : `${fmt(named * 100, 1)}%`;
    md.push([
      r.name,
      archOf(r),
      es ? fmtSummary(es) : "–",
      i === 0 ? "reference" : `${diff} ${verdict}`.trim(),
      e ? fmt(e.routing.alphaEntropyStep, 3) : "–",
      sp ? fmt(sp.mutualInformation, 4) : "–",
      miCtl,
      sp ? fmt(sp.normalisedMutualInformation, 3) : "–",
      g ? `${fmt(g.confidentShare * 100, 1)}%` : "–",
      g ? `${fmt(g.agreement * 100, 1)}% / ${fmt(g.agreementConfident * 100, 1)}%` : "–",
      g?.mutualInformationSuggested !== undefined ? fmt(g.mutualInformationSuggested, 4) : "–",
      namedCell,
    ]);
    return [
      `<span style="color:${runColor(i)}">■</span> ${esc(r.name)}`,
      esc(r.config?.ablation ?? "–"),
      r.config?.maxSteps ?? "–",
      r.config?.seed ?? "–",
      r.episodes.length,
      `${fmt(tr.mean)} ${fmtCi(tr.ci)}`,
      e
        ? `${esc(e.checkpoint.path)}, [${e.settings.seedStart}, ${e.settings.seedEnd}), ${e.settings.greedy ? "greedy" : "sampled"}, cap ${e.settings.maxSteps}`
        : "no eval",
      es ? fmtSummary(es) : "–",
      i === 0 ? "reference" : diff,
      verdict,
      e ? fmt(e.routing.alphaEntropyStep, 4) : "–",
      e ? fmt(e.routing.alphaEntropyOfMeanOriginal, 4) : "–",
      e ? fmt(e.specialisation.mutualInformation, 4) : "–",
      miCtl,
      g ? `${fmt(g.agreement * 100, 1)}% / ${fmt(g.agreementConfident * 100, 1)}%` : "–",
      namedCell,
    ];
  });
  const summaryTable = table(
    [
      "run",
      "ablation",
      "step cap",
      "seed",
      "episodes",
      `train score, last ${W} [95% CI]`,
      "eval (checkpoint, seeds, mode, cap)",
      "eval score [95% CI]",
      `Δ eval vs ${esc(ref.name)} [95% CI]`,
      "",
      "per-step H(α)",
      "H(mean α) (orig.)",
      "MI (nats)",
      "MI, shuffled scenarios",
      "dominant = graph's expert (all / confident)",
      "scenario led by its namesake expert (mean)",
    ],
    rows,
  );
  const markdown = markdownTable(
    [
      "run",
      "model",
      "eval score [95% CI]",
      `Δ vs ${ref.name} [95% CI]`,
      "per-step H(α)",
      "MI (nats)",
      "MI, shuffled control",
      "normalised MI",
      "graph confident",
      "dominant = graph's expert (all / confident)",
      "MI of the graph's suggestion",
      "led by namesake",
    ],
    md,
  );

  const charts: ChartSpec[] = [];
  charts.push(
    overlay(
      runs,
      "score",
      "Score per episode (moving average)",
      "training episodes; each run's moving average",
      "Training curves are single-seed: use the held-out intervals below to judge differences.",
      (r, color) => {
        const w = maWindow(r.episodes.length);
        return [
          lineS(
            `${r.name} (MA ${w})`,
            maPts(
              r.episodes.map((e) => [e.episode, e.score]),
              w,
            ),
            color,
          ),
        ];
      },
      { type: "value", name: "score", scale: true },
    ),
  );
  charts.push(
    overlay(
      runs,
      "entropy",
      "Routing entropy per run",
      "solid: per-step H(α_t) (update batch); dashed: H(mean α), what the original prototype logged as alpha_entropy",
      "Per-step entropy is the routing metric; the dashed entropy of the mean is shown only for comparison with the original.",
      (r, color) => [
        lineS(
          `${r.name} per-step`,
          r.updates.map((u) => [u.episode, r5(u.alphaEntropyStep)]),
          color,
        ),
        lineS(
          `${r.name} H(mean α)`,
          r.updates.map((u) => [u.episode, r5(u.alphaEntropyOfMean)]),
          color,
          {
            lineStyle: { type: "dashed", width: 1.5 },
          },
        ),
      ],
      { type: "value", name: "nats", min: 0 },
    ),
  );
  const experts = [...new Set(runs.flatMap((r) => r.expertNames))];
  charts.push(
    overlayPanels(
      runs,
      "alpha",
      "Mean α per expert",
      "per update; one panel per expert, runs overlaid",
      "Router weight each expert receives over training, per run.",
      experts,
      (r, k) => r.updates.map((u) => [u.episode, r5(u.alphaMean[k] ?? null)]),
      Math.min(4, Math.max(1, experts.length)),
    ),
  );
  const lossKeys = [...new Set(runs.flatMap((r) => r.updates.flatMap((u) => Object.keys(u.losses))))];
  if (lossKeys.length)
    charts.push(
      overlayPanels(
        runs,
        "losses",
        "Loss terms (raw)",
        "per update; runs overlaid",
        "Every loss term per run.",
        lossKeys,
        (r, k) => r.updates.map((u) => [u.episode, r5(u.losses[k] ?? null)]),
      ),
    );
  charts.push(
    overlayPanels(
      runs,
      "lrtau",
      "Learning rate, τ and throughput",
      "per update; runs overlaid",
      "Schedules and speed per run.",
      ["learning rate", "τ", "steps/s"],
      (r, k) =>
        r.updates.map((u) => [
          u.episode,
          r5(k === "learning rate" ? u.lr : k === "τ" ? u.tau : u.stepsPerSec),
        ]),
    ),
  );
  charts.push(
    forest(
      "trainci",
      `Training score, last ${W} episodes`,
      "mean and 95% bootstrap interval per run",
      "Single-run training statistics; overlapping intervals mean the data cannot tell the runs apart.",
      runs.map((r, i) => {
        const s = summarize(lastScores(r));
        return { name: r.name, mean: s.mean, ci: s.ci, color: runColor(i) };
      }),
    ),
  );
  if (evals.some((e) => e))
    charts.push(
      forest(
        "evalci",
        "Held-out evaluation score",
        "mean and 95% bootstrap interval per run (see the table for each eval's seeds and mode)",
        "Held-out games on seeds no run trained on. The Δ column's interval (paired when the seeds match) is the test.",
        runs.map((r, i) => {
          const e = evals[i]?.summary;
          return { name: r.name, mean: e?.score.mean ?? null, ci: e?.score.ci ?? null, color: runColor(i) };
        }),
      ),
    );

  const body = [
    `<section><h2>Runs</h2>${summaryTable}
<div class="caption">Intervals: percentile bootstrap (10,000 resamples). Δ: bootstrap of the difference of eval means to the
first run — paired on seeds when both evals played the same seeds; "within noise" when the interval contains 0.</div>
${warnings.map((w) => `<p class="warn">⚠ ${w}</p>`).join("")}</section>`,
    ...charts.map(chartSection),
    glossarySection(),
  ].join("\n");
  const html = page({
    title: `tedg compare — ${runs.map((r) => r.name).join(" vs ")}`,
    subtitle: `${runs.map((r) => r.dir).join(" · ")} · generated ${new Date().toISOString().replace("T", " ").slice(0, 19)} UTC`,
    body,
    data: { charts: charts.map((c) => ({ id: c.id, option: c.option })), replays: [] },
  });
  return { html, charts, markdown };
}

/** A GitHub-flavoured Markdown table (for the README and the terminal). */
export function markdownTable(head: string[], rows: string[][]): string {
  const cell = (x: string) => x.replace(/\|/g, "\\|");
  return [
    `| ${head.map(cell).join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** Writes the comparison page; returns its path. */
export function writeCompare(
  runDirs: string[],
  opts: CompareOptions = {},
): { html: string; markdown: string } {
  const built = buildComparePage(runDirs, opts);
  const out = resolve(
    opts.out ??
      `compare-${runDirs
        .map((d) => basename(resolve(d)))
        .join("-vs-")
        .slice(0, 120)}.html`,
  );
  writeFileAtomic(out, built.html);
  return { html: out, markdown: built.markdown };
}
