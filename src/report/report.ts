/**
 * `tedg report RUN_DIR`: one self-contained HTML file (echarts inlined, data embedded, no network at view
 * time) with the training curves, the latest evaluation's specialisation analysis and a replay viewer, plus
 * optional PNGs of the main figures rendered from the same chart options.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { loadEvalRecording, summarize, type EvalSummary } from "../eval/index.js";
import { writeFileAtomic } from "../util/index.js";
import { evalCharts, runCharts, type ChartSpec } from "./charts.js";
import { replayData, type ReplayData } from "./frames.js";
import {
  chartSection,
  esc,
  fmt,
  fmtCi,
  fmtSummary,
  glossarySection,
  page,
  replaySection,
  table,
  type PageData,
} from "./html.js";
import { renderPngs } from "./png.js";
import { loadRun, runVersion, type EpisodeRow, type RunData } from "./run-data.js";

export interface ReportOptions {
  /** HTML file (default <run>/report/report.html). */
  out?: string;
  /** Also write PNGs of the main figures next to it. */
  png?: boolean;
  /** Most replays to embed from the latest eval (default 5). */
  maxReplays?: number;
}

export interface ReportFiles {
  html: string;
  pngs: string[];
}

const replayCache = new Map<string, { stamp: string; data: ReplayData }>();

/** Replays of an eval (re-played once per file version; the dashboard asks again and again). */
export function evalReplays(evalFile: string, ev: EvalSummary, max: number): ReplayData[] {
  const out: ReplayData[] = [];
  for (const rel of ev.replays.slice(0, max)) {
    const file = join(dirname(evalFile), rel);
    if (!existsSync(file)) continue;
    const st = statSync(file);
    const stamp = `${st.size}:${st.mtimeMs}`;
    const hit = replayCache.get(file);
    if (hit && hit.stamp === stamp) {
      out.push(hit.data);
      continue;
    }
    const data = replayData(loadEvalRecording(file), rel);
    replayCache.set(file, { stamp, data });
    out.push(data);
  }
  return out;
}

function runSummaryTable(run: RunData): string {
  const c = run.config ?? {};
  const last = run.updates[run.updates.length - 1];
  const lastEp = run.episodes[run.episodes.length - 1];
  const rows: [string, string][] = [
    ["episodes finished", `${run.episodes.length}${c.episodes ? ` of ${c.episodes}` : ""}`],
    ["updates", String(run.updates.length)],
    ["env steps", last?.envSteps != null ? last.envSteps.toLocaleString("en") : "–"],
    ["wall time", lastEp?.timeS != null ? `${fmt(lastEp.timeS / 60, 1)} min` : "–"],
    ["envs × rollout", c.envs ? `${c.envs} × ${c.rolloutSteps}` : "–"],
    ["step cap", c.maxSteps ? String(c.maxSteps) : "–"],
    ["seed / ablation", `${c.seed ?? "–"} / ${c.ablation ?? "–"}`],
    [
      "phases",
      run.phases.map((p) => `${esc(p.name)} [${p.start}, ${p.end}) ${esc(p.routing)}`).join("; ") || "–",
    ],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th class="l">${k}</th><td class="l">${v}</td></tr>`).join("")}</table>`;
}

const vals = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);

/** The phase-by-phase table, in the shape of the original's three-phase table (docs/original.md, "How it was
 * evaluated"). */
export function phaseTable(run: RunData): string {
  const names = [...run.phases.map((p) => p.name)];
  for (const e of run.episodes) if (!names.includes(e.phase)) names.push(e.phase);
  const rows = names
    .map((name) => {
      const eps = run.episodes.filter((e: EpisodeRow) => e.phase === name);
      if (!eps.length) return null;
      const s = summarize(vals(eps.map((e) => e.score)));
      const r = summarize(vals(eps.map((e) => e.reward)), { resamples: 1000 });
      const h = summarize(vals(eps.map((e) => e.alphaEntropyStep)), { resamples: 1000 });
      const ho = summarize(vals(eps.map((e) => e.alphaEntropyOfMean)), { resamples: 1000 });
      const len = summarize(vals(eps.map((e) => e.length)), { resamples: 1000 });
      return [
        esc(name),
        `${eps[0].episode}–${eps[eps.length - 1].episode}`,
        eps.length,
        `${fmt(s.mean)} ± ${fmt(s.std)}`,
        fmtCi(s.ci),
        fmt(s.max, 0),
        `${fmt(r.mean)} ± ${fmt(r.std)}`,
        fmt(len.mean, 1),
        `${fmt(h.mean, 4)} ± ${fmt(h.std, 4)}`,
        `${fmt(ho.mean, 4)} ± ${fmt(ho.std, 4)}`,
      ];
    })
    .filter((r): r is (string | number)[] => r !== null);
  if (!rows.length) return `<p class="empty">No finished episodes yet.</p>`;
  return table(
    [
      "phase",
      "episodes",
      "n",
      "score mean ± sd",
      "95% CI of mean",
      "max score",
      "reward mean ± sd",
      "length",
      "per-step H(α)",
      "H(episode-mean α) (original)",
    ],
    rows,
  );
}

/** Tables that change while training runs (replaced in place by the dashboard). */
export function runTablesHtml(run: RunData): string {
  return `<section><h2>Run</h2>${runSummaryTable(run)}</section>
<section><h2>Phases</h2>${phaseTable(run)}
<div class="caption">Training episodes per phase (in the shape of the original prototype's three-phase results
table). "H(episode-mean α)" is the original's alpha_entropy, shown for comparison; read the per-step column.
Step caps and seeds differ between runs, so compare runs with <code>tedg compare</code>, which adds held-out
intervals.</div></section>`;
}

export function evalTablesHtml(file: string, ev: EvalSummary): string {
  const r = ev.routing;
  const st = ev.settings;
  const main = table(
    ["metric", "mean [95% CI]", "median", "sd", "min", "max"],
    (
      [
        ["score", ev.score],
        ["reward", ev.reward],
        ["length", ev.length],
        ["depth", ev.depth],
      ] as const
    ).map(([k, s]) => [k, fmtSummary(s), fmt(s.median, 1), fmt(s.std), fmt(s.min, 0), fmt(s.max, 0)]),
  );
  const routing = table(
    ["routing metric", "value"],
    [
      [
        "per-step H(α) [95% CI over episodes]",
        `${fmt(r.alphaEntropyStep, 4)} ${fmtCi(r.alphaEntropyStepCI, 4)} (ln K = ${fmt(r.maxEntropy, 4)})`,
      ],
      ["H(episode-mean α) — original's metric", fmt(r.alphaEntropyOfMeanOriginal, 4)],
      ["expert switch rate", fmt(r.switchRate, 4)],
      [
        "I(scenario; dominant expert)",
        `${fmt(ev.specialisation.mutualInformation, 4)} nats` +
          (ev.specialisation.normalisedMutualInformation !== null
            ? ` (normalised ${fmt(ev.specialisation.normalisedMutualInformation, 3)})`
            : ""),
      ],
      // Files written before the control existed lack it.
      ...(ev.specialisation.mutualInformationShuffled
        ? [
            [
              "same MI, scenarios shuffled across steps (no-association level)",
              `${fmt(ev.specialisation.mutualInformationShuffled.mean, 4)} nats (max ${fmt(ev.specialisation.mutualInformationShuffled.max, 4)} over ${ev.specialisation.mutualInformationShuffled.permutations})`,
            ],
          ]
        : []),
      ...(ev.graph
        ? [
            ["graph opinion: mean H(g)", `${fmt(ev.graph.opinionEntropy, 4)} nats`],
            [
              `graph confident (max g ≥ ${ev.graph.confidence})`,
              `${fmt(ev.graph.confidentShare * 100, 1)}% of steps`,
            ],
            [
              "dominant expert = graph's suggestion",
              `${fmt(ev.graph.agreement * 100, 1)}% of steps; ${fmt(ev.graph.agreementConfident * 100, 1)}% where confident`,
            ],
            ...(ev.graph.mutualInformationSuggested !== undefined
              ? [
                  [
                    "I(scenario; graph's suggested expert)",
                    `${fmt(ev.graph.mutualInformationSuggested, 4)} nats`,
                  ],
                ]
              : []),
          ]
        : []),
      ...r.expertNames.map((n) => [
        `${esc(n)}: mean α / dominant share`,
        `${fmt(r.alphaMean[n], 4)} / ${fmt((r.dominantShare[n] ?? 0) * 100, 1)}%`,
      ]),
    ],
  );
  const ends = Object.entries(ev.endReasons)
    .map(([k, v]) => `${esc(k)} ${v}`)
    .join(", ");
  const deaths = ev.deathCauses.length
    ? table(
        ["death cause", "episodes"],
        ev.deathCauses.slice(0, 12).map((d) => [esc(d.cause), d.count]),
      )
    : `<p class="note">No deaths.</p>`;
  const depth = Object.entries(ev.depthReached)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([d, n]) => `Dlvl ${esc(d)}: ${n}`)
    .join(", ");
  return `<section><h2>Held-out evaluation</h2>
<p class="note">${esc(basename(file))}: checkpoint <b>${esc(ev.checkpoint.path)}</b> (episode ${ev.checkpoint.episode},
phase ${esc(ev.checkpoint.phase)}, ${esc(ev.checkpoint.routing)} τ ${fmt(ev.checkpoint.tau)}); ${st.episodes} episodes on seeds
[${st.seedStart}, ${st.seedEnd}) — training used [${ev.trainingSeeds[0]}, ${ev.trainingSeeds[1]}); ${st.greedy ? "greedy" : "sampled"}
actions; step cap ${st.maxSteps}.</p>
<div style="display:flex;gap:28px;flex-wrap:wrap"><div>${main}<p class="note">ends: ${ends}<br>depth reached: ${depth}</p></div><div>${routing}</div><div>${deaths}</div></div>
</section>`;
}

function evalListHtml(run: RunData): string {
  if (run.evals.length < 2) return "";
  return `<section><h2>All evaluations of this run</h2>${table(
    ["file", "checkpoint", "seeds", "mode", "step cap", "score mean [95% CI]", "per-step H(α)", "MI (nats)"],
    run.evals.map(({ file, summary: e }) => [
      esc(basename(file)),
      esc(e.checkpoint.path),
      `[${e.settings.seedStart}, ${e.settings.seedEnd})`,
      e.settings.greedy ? "greedy" : "sampled",
      e.settings.maxSteps,
      fmtSummary(e.score),
      fmt(e.routing.alphaEntropyStep, 4),
      fmt(e.specialisation.mutualInformation, 4),
    ]),
  )}</section>`;
}

export interface RunPage {
  html: string;
  data: PageData;
  charts: ChartSpec[];
}

/** Builds the page for a run (also what the dashboard serves). */
export function buildRunPage(
  runDir: string,
  opts: { live?: boolean; maxReplays?: number; refreshMs?: number } = {},
): RunPage {
  const run = loadRun(runDir);
  const ev = run.latestEval;
  const charts = [...runCharts(run), ...evalCharts(ev?.summary ?? null)];
  const replays = ev ? evalReplays(ev.file, ev.summary, opts.maxReplays ?? 5) : [];
  const byId = new Map(charts.map((c) => [c.id, c]));
  const sec = (id: string) => (byId.has(id) ? chartSection(byId.get(id)!) : "");
  const tablesHtml = runTablesHtml(run);
  const noData = run.episodes.length
    ? ""
    : `<section><p class="empty">No finished episodes in ${esc(run.dir)}/metrics.jsonl yet.</p></section>`;
  const noEval = ev
    ? ""
    : `<section><h2>Held-out evaluation</h2><p class="empty">No evaluation yet: run <code>tedg eval --checkpoint ${esc(
        run.dir,
      )} --episodes 200 --record 3</code> for the specialisation analysis and replays.</p></section>`;
  const body = [
    `<div id="tables">${tablesHtml}</div>`,
    noData,
    sec("score"),
    sec("entropy"),
    sec("alpha"),
    sec("dominant"),
    sec("losses"),
    sec("lrtau"),
    sec("speed"),
    sec("diagnostics"),
    ev ? evalTablesHtml(ev.file, ev.summary) : noEval,
    sec("heatmap"),
    sec("operators"),
    sec("evalscores"),
    evalListHtml(run),
    replaySection(replays.length),
    glossarySection(),
  ].join("\n");
  const data: PageData = {
    charts: charts.map((c) => ({ id: c.id, option: c.option })),
    replays,
    live: opts.live ?? false,
    version: runVersion(run.dir),
    refreshMs: opts.refreshMs,
    tablesHtml,
  };
  const html = page({
    title: `tedg report — ${run.name}`,
    subtitle: `${run.dir} · generated ${new Date().toISOString().replace("T", " ").slice(0, 19)} UTC`,
    body,
    data,
  });
  return { html, data, charts };
}

/** Writes the report (and PNGs with `png`); returns the files written. */
export function writeReport(runDir: string, opts: ReportOptions = {}): ReportFiles {
  const abs = resolve(runDir);
  const out = resolve(opts.out ?? join(abs, "report", "report.html"));
  const built = buildRunPage(abs, { maxReplays: opts.maxReplays });
  writeFileAtomic(out, built.html);
  const pngs: string[] = [];
  if (opts.png) {
    // Default report: report/<figure>.png; with --out x.html: x-<figure>.png next to it.
    const prefix = opts.out ? `${basename(out, extname(out))}-` : "";
    for (const { spec, png } of renderPngs(built.charts.filter((c) => c.png))) {
      const f = join(dirname(out), `${prefix}${spec.id}.png`);
      writeFileAtomic(f, png);
      pngs.push(f);
    }
  }
  return { html: out, pngs };
}
