/** Public face of the report layer: run report, comparison, live dashboard, PNG export, replay viewer data. */
export {
  writeReport,
  buildRunPage,
  phaseTable,
  type ReportOptions,
  type ReportFiles,
  type RunPage,
} from "./report.js";
export { writeCompare, buildComparePage, pickEvals, markdownTable, type CompareOptions } from "./compare.js";
export { startDashboard, type Dashboard, type DashboardOptions } from "./dashboard.js";
export {
  loadRun,
  phaseSpans,
  runVersion,
  checkRunDir,
  type RunData,
  type EpisodeRow,
  type UpdateRow,
  type PhaseSpan,
} from "./run-data.js";
export { runCharts, evalCharts, maWindow, type ChartSpec } from "./charts.js";
export { renderPng, renderSvg, renderPngs, staticOption } from "./png.js";
export { replayData, encodeFrame, decodeFrames, type ReplayData } from "./frames.js";
export { GLOSSARY } from "./glossary.js";
export {
  screenshotReport,
  findChromium,
  loadPlaywright,
  CHARTS_RENDERED,
  type ScreenshotOptions,
} from "./screenshot.js";
