/**
 * PNG export: the same ECharts option rendered server-side to SVG (echarts SSR), rasterised with resvg.
 * Both libraries are loaded on first use only (require, so writeReport stays synchronous), keeping every
 * other `tedg` command's start-up free of them.
 */
import { createRequire } from "node:module";
import type { ChartSpec } from "./charts.js";

const load = createRequire(import.meta.url);

interface EChartsLike {
  setOption(o: unknown): void;
  renderToSVGString(): string;
  dispose(): void;
}
type EChartsModule = {
  init(
    dom: null,
    theme: null,
    opts: { renderer: "svg"; ssr: true; width: number; height: number },
  ): EChartsLike;
};
type ResvgModule = typeof import("@resvg/resvg-js");

let echartsMod: EChartsModule | null = null;
let resvgMod: ResvgModule | null = null;

/** Interactive parts (toolbox, zoom slider) have no place in a static figure. */
export function staticOption(option: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = { ...option, animation: false, backgroundColor: "#ffffff" };
  delete o.toolbox;
  if (Array.isArray(o.dataZoom))
    o.dataZoom = (o.dataZoom as { type?: string }[]).filter((z) => z.type !== "slider");
  if (o.grid && !Array.isArray(o.grid)) o.grid = { ...(o.grid as object), bottom: 44 };
  return o;
}

export function renderSvg(spec: ChartSpec, width = 1200): string {
  echartsMod ??= load("echarts") as EChartsModule;
  const chart = echartsMod.init(null, null, { renderer: "svg", ssr: true, width, height: spec.height });
  try {
    chart.setOption(staticOption(spec.option));
    return chart.renderToSVGString();
  } finally {
    // SSR charts keep timers alive until disposed.
    chart.dispose();
  }
}

export function renderPng(spec: ChartSpec, width = 1200): Buffer {
  resvgMod ??= load("@resvg/resvg-js") as ResvgModule;
  const svg = renderSvg(spec, width);
  const r = new resvgMod.Resvg(svg, {
    background: "#ffffff",
    fitTo: { mode: "width", value: width * 2 },
    // Arial metrics (Liberation Sans) match the text widths echarts assumes when laying out server-side.
    font: { loadSystemFonts: true, defaultFontFamily: "Liberation Sans", sansSerifFamily: "Liberation Sans" },
  });
  return Buffer.from(r.render().asPng());
}

export function renderPngs(specs: ChartSpec[], width = 1200): { spec: ChartSpec; png: Buffer }[] {
  return specs.map((spec) => ({ spec, png: renderPng(spec, width) }));
}
