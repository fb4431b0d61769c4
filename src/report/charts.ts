/**
 * ECharts options for the report, built here as plain JSON (no functions), so one option renders both in the
 * browser (interactive) and on the server (SSR SVG → PNG) — the PNGs are the same figures as the page.
 */
import { movingAverage } from "../eval/index.js";
import type { EvalSummary } from "../eval/index.js";
import { AUX_NAMES } from "../train/index.js";
import type { PhaseSpan, RunData, UpdateRow } from "./run-data.js";

export interface ChartSpec {
  id: string;
  title: string;
  /** Pixel height of the chart (width follows the page). */
  height: number;
  option: Record<string, unknown>;
  /** Exported by --png. */
  png: boolean;
  /** One line under the chart: what it shows and how to read it. */
  caption: string;
}

const EXPERT_COLORS: Record<string, string> = {
  Survival: "#e15759",
  Combat: "#f28e2b",
  Exploration: "#4e79a7",
  General: "#59a14f",
};
const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
];
const PHASE_COLORS = [
  "rgba(78,121,167,0.08)",
  "rgba(242,142,43,0.09)",
  "rgba(89,161,79,0.09)",
  "rgba(176,122,161,0.09)",
];

export function expertColor(name: string, k: number): string {
  return EXPERT_COLORS[name] ?? PALETTE[k % PALETTE.length];
}

export function runColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Moving-average window for n episodes: about n/10, between 3 and 50 (the original plotted a 50-ep MA). */
export function maWindow(n: number): number {
  return Math.max(3, Math.min(50, Math.round(n / 10)));
}

export type Pt = [number, number | null];

function pts<T>(rows: T[], x: (r: T) => number, y: (r: T) => number | null): Pt[] {
  return rows.map((r) => [x(r), y(r)]);
}

/** One point per PPO update, at the episode it ended on. */
function perUpdate(run: RunData, y: (u: UpdateRow) => number | null): Pt[] {
  return pts(run.updates, (u) => u.episode, y);
}

/** MA over the non-null values, placed at their x. */
export function maPts(points: Pt[], w: number): Pt[] {
  const ok = points.filter((p) => p[1] !== null) as [number, number][];
  const ma = movingAverage(
    ok.map((p) => p[1]),
    w,
  );
  return ok.map((p, i) => [p[0], round(ma[i])]);
}

export const round = (x: number | null | undefined, d = 5): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d;

function phaseMarkArea(phases: PhaseSpan[], label: "insideTop" | "insideBottom" | "none" = "insideTop") {
  if (!phases.length) return undefined;
  return {
    silent: true,
    label: label === "none" ? { show: false } : { position: label, color: "#666", fontSize: 11 },
    data: phases.map((p, i) => [
      {
        name: `${p.name}${p.routing ? ` (${p.routing})` : ""}`,
        xAxis: p.start,
        itemStyle: { color: PHASE_COLORS[i % PHASE_COLORS.length] },
      },
      { xAxis: p.end },
    ]),
  };
}

/** Every chart's title block (the comparison report's forest plots too). */
export function chartTitle(title: string, subtitle = ""): Record<string, unknown> {
  return {
    text: title,
    subtext: subtitle,
    left: 10,
    textStyle: { fontSize: 15 },
    subtextStyle: { fontSize: 11 },
  };
}

/** The options every episode-axis chart starts from (also the comparison report's). */
export function base(title: string, subtitle = ""): Record<string, any> {
  return {
    animation: false,
    title: chartTitle(title, subtitle),
    tooltip: { trigger: "axis", confine: true },
    legend: { top: subtitle ? 58 : 32, type: "scroll" },
    grid: { left: 64, right: 40, top: subtitle ? 100 : 72, bottom: 62 },
    toolbox: { right: 16, feature: { dataZoom: { yAxisIndex: "none" }, restore: {}, saveAsImage: {} } },
    dataZoom: [
      { type: "inside", xAxisIndex: 0 },
      { type: "slider", xAxisIndex: 0, height: 18, bottom: 8 },
    ],
    xAxis: { type: "value", name: "episode", nameLocation: "middle", nameGap: 26, min: 0, max: "dataMax" },
    yAxis: { type: "value", scale: true },
  };
}

const line = (name: string, data: Pt[], extra: Record<string, unknown> = {}) => ({
  name,
  type: "line",
  data,
  showSymbol: false,
  connectNulls: false,
  ...extra,
});

const scatter = (name: string, data: Pt[], color: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: "scatter",
  data,
  symbolSize: 5,
  itemStyle: { color, opacity: 0.5 },
  ...extra,
});

export function scoreChart(run: RunData): ChartSpec {
  const eps = run.episodes;
  const w = maWindow(eps.length);
  const score = pts(
    eps,
    (e) => e.episode,
    (e) => e.score,
  );
  const reward = pts(
    eps,
    (e) => e.episode,
    (e) => round(e.reward, 3),
  );
  const o = base(
    "Score and reward per episode",
    `training episodes; lines: ${w}-episode moving average; bands: phases`,
  );
  o.series = [
    scatter("score", score, "#4e79a7"),
    line(`score (MA ${w})`, maPts(score, w), {
      lineStyle: { width: 2.5, color: "#4e79a7" },
      itemStyle: { color: "#4e79a7" },
      markArea: phaseMarkArea(run.phases),
    }),
    scatter("reward", reward, "#f28e2b"),
    line(`reward (MA ${w})`, maPts(reward, w), {
      lineStyle: { width: 2, color: "#f28e2b" },
      itemStyle: { color: "#f28e2b" },
    }),
  ];
  o.yAxis = { type: "value", name: "score / reward", scale: true };
  return {
    id: "score",
    title: "Score and reward",
    height: 380,
    option: o,
    png: true,
    caption:
      "NetHack's in-game score (the bottom-line score at the end) and the summed env reward of every training " +
      "episode; phases shaded. Training-episode statistics: held-out numbers are in the evaluation section.",
  };
}

export function entropyChart(run: RunData): ChartSpec {
  const K = run.expertNames.length || 4;
  const u = run.updates;
  const eps = run.episodes;
  const w = maWindow(eps.length);
  const o = base(
    "Routing entropy: per step vs the original's entropy of the mean",
    "per-step H(α_t) averaged over steps is the routing metric; H(mean α) is what the original prototype logged as alpha_entropy",
  );
  const lnK = Math.log(K);
  o.series = [
    line(
      "per-step H(α_t), batch",
      pts(
        u,
        (r) => r.episode,
        (r) => round(r.alphaEntropyStep),
      ),
      {
        lineStyle: { width: 2.5, color: "#4e79a7" },
        itemStyle: { color: "#4e79a7" },
        markArea: phaseMarkArea(run.phases, "insideBottom"),
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { type: "dotted", color: "#999" },
          label: { formatter: "{b}", position: "insideEndTop", fontSize: 10 },
          data: [
            { name: `ln ${K} (uniform)`, yAxis: round(lnK, 4) },
            { name: "ln 2 (top-2 at 50/50)", yAxis: round(Math.log(2), 4) },
          ],
        },
      },
    ),
    line(
      "H(mean α) (original), batch",
      pts(
        u,
        (r) => r.episode,
        (r) => round(r.alphaEntropyOfMean),
      ),
      {
        lineStyle: { width: 2, type: "dashed", color: "#e15759" },
        itemStyle: { color: "#e15759" },
      },
    ),
    line(
      `per-step H(α_t), episodes (MA ${w})`,
      maPts(
        pts(
          eps,
          (e) => e.episode,
          (e) => e.alphaEntropyStep,
        ),
        w,
      ),
      { lineStyle: { width: 1.2, color: "#76b7b2" }, itemStyle: { color: "#76b7b2" } },
    ),
    line(
      `H(episode-mean α) (original), episodes (MA ${w})`,
      maPts(
        pts(
          eps,
          (e) => e.episode,
          (e) => e.alphaEntropyOfMean,
        ),
        w,
      ),
      { lineStyle: { width: 1.2, type: "dashed", color: "#ff9da7" }, itemStyle: { color: "#ff9da7" } },
    ),
  ];
  // A round maximum just above ln K, so the uniform line shows and the ticks stay readable.
  o.yAxis = {
    type: "value",
    name: "nats",
    min: 0,
    max: Math.ceil((Math.max(lnK, 0.1) * 1.05) / 0.25) * 0.25,
  };
  return {
    id: "entropy",
    title: "Routing entropy",
    height: 400,
    option: o,
    png: true,
    caption:
      "Solid: mean over steps of H(α_t) — low means each decision uses few experts. Dashed: entropy of the " +
      "mean α, the original's metric — it stays high for a router that switches sharply between experts, so it " +
      "cannot show specialisation.",
  };
}

function stackedByExpert(
  run: RunData,
  id: string,
  title: string,
  subtitle: string,
  get: (r: UpdateRow) => Record<string, number | null>,
  caption: string,
): ChartSpec {
  const names = run.expertNames;
  const useUpdates = run.updates.length > 0;
  const o = base(title, subtitle);
  o.series = names.map((n, k) => {
    const data: Pt[] = useUpdates
      ? run.updates.map((r) => [r.episode, round(get(r)[n] ?? null, 4)])
      : run.episodes.map((e) => [e.episode, round(e.alphaMean[n] ?? null, 4)]);
    return line(n, data, {
      stack: "experts",
      areaStyle: { opacity: 0.75 },
      lineStyle: { width: 0.5 },
      color: expertColor(n, k),
      ...(k === 0 ? { markArea: phaseMarkArea(run.phases) } : {}),
    });
  });
  o.yAxis = { type: "value", min: 0, max: 1, name: "share" };
  return { id, title, height: 340, option: o, png: true, caption };
}

export function alphaChart(run: RunData): ChartSpec {
  return stackedByExpert(
    run,
    "alpha",
    "Mean α per expert",
    "router weight per expert, averaged over each update's batch (stacked)",
    (r) => r.alphaMean,
    "How much weight the router gives each expert on average. Equal bands with a high per-step entropy mean a " +
      "uniform router; equal bands with a low per-step entropy mean experts take turns.",
  );
}

export function dominantChart(run: RunData): ChartSpec {
  return stackedByExpert(
    run,
    "dominant",
    "Dominant-expert share",
    "share of steps on which each expert has the largest α (stacked)",
    (r) => r.dominantShare,
    "Which expert leads each decision. With per-step entropy near ln K the leader is decided by tiny margins.",
  );
}

/**
 * Small multiples: one grid per named panel, `cols` per row, under one title (one option, one PNG).
 * `seriesOf(i, axes)` gives panel i's series; they must use the given axis indices.
 */
export function smallMultiples(
  title: string,
  subtitle: string,
  names: string[],
  cols: number,
  seriesOf: (panel: number, axes: { xAxisIndex: number; yAxisIndex: number }) => Record<string, unknown>[],
  legend: Record<string, unknown> = {},
): { option: Record<string, unknown>; height: number } {
  const rows = Math.max(1, Math.ceil(names.length / cols));
  const panelH = 190;
  const top = subtitle ? 96 : 72;
  const height = top + rows * panelH + 20;
  const wPct = 100 / cols;
  const o: Record<string, any> = {
    animation: false,
    title: [
      {
        text: title,
        subtext: subtitle,
        left: 10,
        textStyle: { fontSize: 15 },
        subtextStyle: { fontSize: 11 },
      },
    ],
    tooltip: { trigger: "axis", confine: true },
    legend: { top: subtitle ? 58 : 32, ...legend },
    toolbox: { right: 16, feature: { saveAsImage: {} } },
    grid: [],
    xAxis: [],
    yAxis: [],
    series: [],
  };
  names.forEach((name, i) => {
    const r = Math.floor(i / cols);
    const c = i % cols;
    const gTop = top + r * panelH + 22;
    o.grid.push({
      left: `${c * wPct + 5}%`,
      width: `${wPct - 8}%`,
      top: gTop,
      height: panelH - 58,
    });
    o.title.push({
      text: name,
      left: `${c * wPct + 5}%`,
      top: gTop - 20,
      textStyle: { fontSize: 12, fontWeight: "normal" },
    });
    o.xAxis.push({ type: "value", gridIndex: i, min: 0, max: "dataMax", axisLabel: { fontSize: 10 } });
    o.yAxis.push({ type: "value", gridIndex: i, scale: true, axisLabel: { fontSize: 10 } });
    o.series.push(...seriesOf(i, { xAxisIndex: i, yAxisIndex: i }));
  });
  return { option: o, height };
}

/** Small multiples of one run's series, with the phase bands behind each panel. */
function panels(
  title: string,
  subtitle: string,
  items: { name: string; series: { name: string; data: Pt[]; dashed?: boolean; color?: string }[] }[],
  cols: number,
  phases: PhaseSpan[],
): { option: Record<string, unknown>; height: number } {
  return smallMultiples(
    title,
    subtitle,
    items.map((it) => it.name),
    cols,
    (i, axes) =>
      items[i].series.map((s, j) => ({
        ...line(s.name, s.data, {
          ...axes,
          lineStyle: {
            width: 1.5,
            type: s.dashed ? "dashed" : "solid",
            ...(s.color ? { color: s.color } : {}),
          },
          ...(s.color ? { itemStyle: { color: s.color } } : {}),
        }),
        ...(j === 0 ? { markArea: phaseMarkArea(phases, "none") } : {}),
      })),
  );
}

const LOSS_ORDER: readonly string[] = ["total", "policy", "value", "entropy", ...AUX_NAMES];

export function lossChart(run: RunData): ChartSpec {
  const keys = new Set<string>();
  for (const u of run.updates) for (const k of Object.keys(u.losses)) keys.add(k);
  const ordered = [
    ...LOSS_ORDER.filter((k) => keys.has(k)),
    ...[...keys].filter((k) => !LOSS_ORDER.includes(k)).sort(),
  ];
  const { option, height } = panels(
    "Loss terms",
    "solid: raw term; dashed: as weighted in the total (coefficient × sign of the phase); x: episode",
    ordered.map((k) => ({
      name: k,
      series: [
        {
          name: "raw",
          data: perUpdate(run, (u) => round(u.losses[k] ?? null)),
          color: "#4e79a7",
        },
        {
          name: "weighted",
          data: perUpdate(run, (u) => round(u.weighted[k] ?? null)),
          dashed: true,
          color: "#e15759",
        },
      ],
    })),
    3,
    run.phases,
  );
  return {
    id: "losses",
    title: "Loss terms",
    height,
    option,
    png: true,
    caption:
      "Every term of the PPO update, averaged over the update's minibatches. A term with a zero weighted line " +
      "is computed but switched off in that phase.",
  };
}

export function diagnosticsChart(run: RunData): ChartSpec {
  const keys = new Set<string>();
  for (const u of run.updates) for (const k of Object.keys(u.scalars)) keys.add(k);
  const wanted = [
    "policy_entropy",
    "approx_kl",
    "clip_fraction",
    "explained_variance",
    "grad_norm",
    "gat_attention_entropy",
    "advantage_std",
    "reward_std",
    // The graph's opinion against the router (runs with a logic stream).
    "opinion_entropy",
    "opinion_confident_share",
    "graph_router_agreement",
    "graph_router_agreement_confident",
  ].filter((k) => keys.has(k));
  const { option, height } = panels(
    "PPO diagnostics",
    "per update; x: episode",
    wanted.map((k) => ({
      name: k,
      series: [
        {
          name: "value",
          data: perUpdate(run, (u) => round(u.scalars[k] ?? null)),
          color: "#4e79a7",
        },
        ...(k === "grad_norm"
          ? [
              {
                name: "max",
                data: perUpdate(run, (u) => round(u.scalars.grad_norm_max ?? null)),
                dashed: true,
                color: "#e15759",
              },
            ]
          : []),
      ],
    })),
    4,
    run.phases,
  );
  return {
    id: "diagnostics",
    title: "PPO diagnostics",
    height,
    option,
    png: false,
    caption:
      "approx_kl and clip_fraction show how far each update moved the policy; explained_variance how well the " +
      "critic predicts returns; gat_attention_entropy the spread of the GAT's last-layer attention.",
  };
}

export function lrTauChart(run: RunData): ChartSpec {
  const o = base("Learning rate and routing temperature τ", "per update");
  o.yAxis = [
    { type: "log", name: "learning rate" },
    { type: "value", name: "τ", min: 0, position: "right" },
  ];
  o.series = [
    line(
      "learning rate",
      perUpdate(run, (u) => u.lr),
      {
        step: "end",
        lineStyle: { width: 2, color: "#4e79a7" },
        itemStyle: { color: "#4e79a7" },
        markArea: phaseMarkArea(run.phases),
      },
    ),
    line(
      "τ",
      perUpdate(run, (u) => u.tau),
      {
        yAxisIndex: 1,
        lineStyle: { width: 2, color: "#f28e2b" },
        itemStyle: { color: "#f28e2b" },
      },
    ),
  ];
  return {
    id: "lrtau",
    title: "Learning rate and τ",
    height: 320,
    option: o,
    png: true,
    caption: "The learning rate actually applied (phase lr × warmup), and the sparsemax/softmax temperature.",
  };
}

export function speedChart(run: RunData): ChartSpec {
  const o = base("Throughput", "environment steps per second of wall time (rollout + update), per update");
  o.series = [
    line(
      "steps/s",
      perUpdate(run, (u) => round(u.stepsPerSec, 1)),
      {
        lineStyle: { width: 2, color: "#59a14f" },
        itemStyle: { color: "#59a14f" },
        markArea: phaseMarkArea(run.phases),
      },
    ),
  ];
  o.yAxis = { type: "value", name: "steps/s", min: 0 };
  return {
    id: "speed",
    title: "Throughput",
    height: 300,
    option: o,
    png: true,
    caption: "Training speed, all envs together.",
  };
}

export function heatmapChart(ev: EvalSummary, label: string): ChartSpec {
  const sp = ev.specialisation;
  const names = ev.routing.expertNames;
  const data: [number, number, number][] = [];
  sp.table.forEach((row, s) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((c, e) => data.push([e, s, total ? (round(c / total, 2) as number) : 0]));
  });
  const nmi = sp.normalisedMutualInformation;
  const option = {
    animation: false,
    title: {
      text: `Scenario × dominant expert — I = ${sp.mutualInformation.toFixed(4)} nats`,
      subtext:
        `${label}; cell: share of the scenario's steps led by the expert (row-normalised)` +
        (nmi !== null ? `; normalised MI ${nmi.toFixed(3)}` : ""),
      left: 10,
      textStyle: { fontSize: 15 },
      subtextStyle: { fontSize: 11 },
    },
    tooltip: { position: "top" },
    grid: { left: 110, right: 110, top: 80, bottom: 50 },
    xAxis: {
      type: "category",
      data: names,
      splitArea: { show: true },
      name: "dominant expert",
      nameLocation: "middle",
      nameGap: 30,
    },
    yAxis: {
      type: "category",
      data: sp.scenarios.map((s, i) => `${s} (${sp.scenarioSteps[i]})`),
      splitArea: { show: true },
      inverse: true,
    },
    visualMap: {
      min: 0,
      max: 1,
      calculable: true,
      orient: "vertical",
      right: 10,
      top: "middle",
      inRange: { color: ["#f7fbff", "#6baed6", "#08306b"] },
    },
    series: [
      {
        name: "P(expert | scenario)",
        type: "heatmap",
        data,
        label: { show: true, formatter: "{@[2]}" },
        emphasis: { itemStyle: { shadowBlur: 6, shadowColor: "rgba(0,0,0,0.4)" } },
      },
    ],
  };
  return {
    id: "heatmap",
    title: "Specialisation",
    height: 360,
    option,
    png: true,
    caption:
      "Each step is labelled with a scenario from its conditions (combat: hostile adjacent; survival: low HP or " +
      "hungry; exploration: frontier or downstairs in view; general: other). Rows that differ, and a mutual " +
      "information well above 0, mean experts specialise by situation.",
  };
}

export function operatorsChart(ev: EvalSummary, label: string): ChartSpec {
  const scen = ev.specialisation.scenarios.filter((s) => (ev.operators.byScenario[s] ?? []).length > 0);
  const cols = 2;
  const rows = Math.max(1, Math.ceil(scen.length / cols));
  const panelH = 250;
  const top = 84;
  const source =
    ev.operators.source === "readoutAttention"
      ? "GAT readout attention"
      : "operator-score head (softmax; not attention)";
  const o: Record<string, any> = {
    animation: false,
    title: [
      {
        text: `Top operators per scenario — ${source}`,
        subtext: `${label}; mean weight per step of the scenario; bars coloured by the operator's expert`,
        left: 10,
        textStyle: { fontSize: 15 },
        subtextStyle: { fontSize: 11 },
      },
    ],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    grid: [],
    xAxis: [],
    yAxis: [],
    series: [],
  };
  scen.forEach((s, i) => {
    const list = [...(ev.operators.byScenario[s] ?? [])].slice(0, 8).reverse();
    const r = Math.floor(i / cols);
    const c = i % cols;
    const gTop = top + r * panelH + 22;
    o.grid.push({ left: `${c * 50 + 17}%`, width: "30%", top: gTop, height: panelH - 50 });
    const n = ev.specialisation.scenarioSteps[ev.specialisation.scenarios.indexOf(s)] ?? 0;
    o.title.push({
      text: `${s} (${n} steps)`,
      left: `${c * 50 + 2}%`,
      top: gTop - 22,
      textStyle: { fontSize: 13 },
    });
    o.xAxis.push({ type: "value", gridIndex: i, axisLabel: { fontSize: 9 } });
    o.yAxis.push({
      type: "category",
      gridIndex: i,
      data: list.map((x) => x.label),
      axisLabel: { fontSize: 10, width: 150, overflow: "truncate" },
    });
    o.series.push({
      name: s,
      type: "bar",
      xAxisIndex: i,
      yAxisIndex: i,
      data: list.map((x, j) => ({
        value: x.weight,
        itemStyle: { color: EXPERT_COLORS[x.expert] ?? PALETTE[j % PALETTE.length] },
      })),
    });
  });
  return {
    id: "operators",
    title: "Top operators",
    height: top + rows * panelH + 20,
    option: o,
    png: true,
    caption:
      `Which graph operators the logic stream weights most in each scenario (${source}); bars coloured by the ` +
      "operator's expert (red Survival, orange Combat, blue Exploration, green General).",
  };
}

export function evalScoreChart(ev: EvalSummary, label: string): ChartSpec {
  const scores = ev.episodes.map((e) => e.score);
  const max = Math.max(1, ...scores);
  const bins = Math.min(30, Math.max(5, Math.ceil(Math.sqrt(scores.length))));
  const width = Math.max(1, Math.ceil((max + 1) / bins));
  const counts = new Array<number>(Math.ceil((max + 1) / width)).fill(0);
  for (const s of scores) counts[Math.floor(s / width)]++;
  const option = {
    animation: false,
    title: {
      text: "Held-out score distribution",
      subtext: `${label}; ${scores.length} episodes`,
      left: 10,
      textStyle: { fontSize: 15 },
      subtextStyle: { fontSize: 11 },
    },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 60, right: 30, top: 80, bottom: 50 },
    xAxis: {
      type: "category",
      data: counts.map((_, i) => (width === 1 ? `${i}` : `${i * width}–${(i + 1) * width - 1}`)),
      name: "score",
      nameLocation: "middle",
      nameGap: 30,
    },
    yAxis: { type: "value", name: "episodes", minInterval: 1 },
    series: [{ name: "episodes", type: "bar", data: counts, itemStyle: { color: "#4e79a7" } }],
  };
  return {
    id: "evalscores",
    title: "Held-out scores",
    height: 300,
    option,
    png: false,
    caption: "Scores of the evaluation episodes (seeds never used in training).",
  };
}

/** The run report's charts, in page order. */
export function runCharts(run: RunData): ChartSpec[] {
  const out: ChartSpec[] = [scoreChart(run), entropyChart(run), alphaChart(run), dominantChart(run)];
  if (run.updates.length) out.push(lossChart(run), lrTauChart(run), speedChart(run), diagnosticsChart(run));
  return out;
}

export function evalCharts(ev: EvalSummary | null): ChartSpec[] {
  if (!ev) return [];
  const label = `eval ${ev.name}`;
  return [heatmapChart(ev, label), operatorsChart(ev, label), evalScoreChart(ev, label)];
}
