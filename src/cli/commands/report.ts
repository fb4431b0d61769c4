/** `tedg report RUN_DIR`: the self-contained HTML report of a run (and PNGs of the main figures). */
import type { Command } from "commander";
import { screenshotReport, writeReport } from "../../report/index.js";

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description("write a self-contained HTML report of a run (charts, eval, replay viewer)")
    .argument("<run-dir>", "run folder (runs/<exp>)")
    .option("--out <file>", "HTML file (default <run>/report/report.html)")
    .option("--png", "also write PNGs of the main figures")
    .option("--screenshot <png>", "also save a screenshot of the page (headless Chromium, $TEDG_CHROMIUM)")
    .action(async (runDir: string, o: { out?: string; png?: boolean; screenshot?: string }) => {
      const r = writeReport(runDir, { out: o.out, png: o.png });
      console.log(`wrote ${r.html}`);
      for (const p of r.pngs) console.log(`wrote ${p}`);
      if (o.screenshot) {
        await screenshotReport(r.html, o.screenshot);
        console.log(`wrote ${o.screenshot}`);
      }
    });
}
