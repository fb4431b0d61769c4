/** `tedg compare RUN_A RUN_B …`: overlaid curves and a table with bootstrap intervals, for ablations. */
import type { Command } from "commander";
import { writeCompare } from "../../report/index.js";

type IntParser = (name: string, min?: number) => (v: string) => number;

export function registerCompareCommand(program: Command, int: IntParser): void {
  program
    .command("compare")
    .description("compare runs: overlaid charts and a table with bootstrap intervals")
    .argument("<runs...>", "two or more run folders")
    .option("--out <file>", "HTML file (default ./compare-<runs>.html)")
    .option("--window <n>", "last n training episodes per run in the table", int("window", 1), 100)
    .action((runs: string[], o: { out?: string; window: number }) => {
      const r = writeCompare(runs, { out: o.out, window: o.window });
      // The table as Markdown (paste-ready), then where the page with the charts is.
      console.log(r.markdown);
      console.log(`\nwrote ${r.html}`);
    });
}
