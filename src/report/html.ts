/** HTML pieces shared by the run report, the comparison and the dashboard: page shell, tables, formatting. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Summary } from "../eval/index.js";
import type { ChartSpec } from "./charts.js";
import { CLIENT_CSS, CLIENT_JS } from "./client.js";
import { GLOSSARY } from "./glossary.js";

let echartsSource: string | null = null;

/** echarts.min.js from node_modules, inlined so the page needs no network. */
export function echartsMinJs(): string {
  if (echartsSource === null) {
    const path = createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
    echartsSource = readFileSync(path, "utf8").replace(/<\/script/gi, "<\\/script");
  }
  return echartsSource;
}

export function esc(s: unknown): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

export function fmt(x: number | null | undefined, d = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return x.toFixed(d);
}

export function fmtCi(ci: [number, number] | null | undefined, d = 2): string {
  return ci ? `[${fmt(ci[0], d)}, ${fmt(ci[1], d)}]` : "–";
}

export function fmtSummary(s: Summary | null | undefined, d = 2): string {
  if (!s || s.mean === null) return "–";
  return `${fmt(s.mean, d)} ${fmtCi(s.ci, d)}`;
}

export function table(head: string[], rows: (string | number)[][], cls = ""): string {
  const h = head.map((x) => `<th>${x}</th>`).join("");
  const b = rows.map((r) => `<tr>${r.map((x) => `<td>${x}</td>`).join("")}</tr>`).join("\n");
  return `<table class="${cls}"><thead><tr>${h}</tr></thead><tbody>${b}</tbody></table>`;
}

/** JSON inside a <script> tag: "<" escaped so no "</script>" or "<!--" can appear. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function chartSection(c: ChartSpec): string {
  return (
    `<section><div class="chart" id="chart-${esc(c.id)}" style="height:${c.height}px"></div>` +
    `<div class="caption">${esc(c.caption)}</div></section>`
  );
}

export function glossarySection(): string {
  return `<section><h2>What the metrics mean</h2><dl class="glossary">${GLOSSARY.map(
    ([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`,
  ).join("")}</dl></section>`;
}

export function replaySection(count: number): string {
  if (!count) return "";
  return `<section><h2>Replay</h2>
<div class="replay">
  <div class="controls">
    <select class="episode"></select>
    <button class="play" type="button">▶ play</button>
    <input class="slider" type="range" min="0" max="0" value="0" aria-label="step">
    <span class="stepLabel"></span>
  </div>
  <pre class="screen"></pre>
  <div class="side">
    <div class="bars"></div>
    <div class="info"></div>
    <div class="note">active conditions:</div>
    <div class="chips"></div>
  </div>
  <div class="note replayNote" style="grid-column: 1 / -1"></div>
</div>
<div class="caption">An evaluation episode re-played in the real game (its recorded observation digests verified). At
frame k: the screen, the router's α per expert for the decision taken there, that action, the step's scenario and
the conditions the knowledge layer extracted.</div></section>`;
}

export interface PageData {
  charts: { id: string; option: Record<string, unknown> }[];
  replays: unknown[];
  live?: boolean;
  version?: string;
  refreshMs?: number;
  tablesHtml?: string;
}

export function page(opts: { title: string; subtitle: string; body: string; data: PageData }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)}</title>
<style>${CLIENT_CSS}</style>
</head><body>
<header><h1>${esc(opts.title)}</h1><div class="sub">${esc(opts.subtitle)} <span id="live"></span></div></header>
<main>
${opts.body}
</main>
<script>${echartsMinJs()}</script>
<script type="application/json" id="tedg-data">${scriptJson(opts.data)}</script>
<script>${CLIENT_JS}</script>
</body></html>
`;
}
