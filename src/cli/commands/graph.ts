/** `tedg graph stats | view | mine | wiring`: inspect, draw, mine knowledge hypergraphs and weigh their wiring. */
import type { Command } from "commander";
import { makeEnv } from "../../env/index.js";
import { formatWiringReport, wiringInformation } from "../../eval/index.js";
import { initBackend } from "../../model/index.js";
import {
  builtinGraphPath,
  buildHypergraph,
  countFiredConditions,
  formatGraphStats,
  graphStats,
  graphViewHtml,
  loadHypergraph,
  loadHypergraphData,
  mergeGraphs,
  mine,
  writeHypergraph,
} from "../../knowledge/index.js";
import { writeFileAtomic } from "../../util/index.js";

type IntParser = (name: string, min?: number) => (v: string) => number;

export function registerGraphCommands(program: Command, int: IntParser): void {
  const graph = program.command("graph").description("knowledge hypergraph tools");
  graph
    .command("stats")
    .description("counts, degrees, unreachable/unused nodes, and which conditions fire in random play")
    .argument("[file]", "graph JSON (default: the built-in graph)")
    .option(
      "--steps <n>",
      "random-play steps over which to count fired conditions (0: skip)",
      int("steps", 0),
      10000,
    )
    .option("--seeds <n>", "number of episode seeds (0..n-1)", int("seeds", 1), 20)
    .option("--json", "print the report as JSON")
    .action((file: string | undefined, o: { steps: number; seeds: number; json?: boolean }) => {
      const g = loadHypergraph(file ?? builtinGraphPath());
      const firedCounts =
        o.steps > 0
          ? countFiredConditions(() => makeEnv({ maxEpisodeSteps: 100000 }), g, {
              steps: o.steps,
              seeds: Array.from({ length: o.seeds }, (_, i) => i),
            })
          : undefined;
      const report = graphStats(g, { firedCounts });
      console.log(o.json ? JSON.stringify(report, null, 2) : formatGraphStats(report));
    });
  graph
    .command("view")
    .description("write a self-contained HTML page drawing the graph, filterable by expert")
    .argument("[file]", "graph JSON (default: the built-in graph)")
    .option("--out <file>", "output HTML", "graph.html")
    .action((file: string | undefined, o: { out: string }) => {
      writeFileAtomic(o.out, graphViewHtml(loadHypergraph(file ?? builtinGraphPath())));
      console.error(`tedg graph: wrote ${o.out}`);
    });
  graph
    .command("wiring")
    .description(
      "how much the graph's condition → operator wiring alone tells its opinion about the situation, against " +
        "random rewirings (the shuffled-graph ablation's permutation, seeds 1…N): I(scenario; suggested expert) " +
        "of the untrained opinion on a random agent's states",
    )
    .argument("[file]", "graph JSON (default: the built-in graph)")
    .option("--shuffles <n>", "rewirings to compare (seeds 1…n)", int("shuffles", 0), 20)
    .option("--transitions <n>", "random-agent states to read", int("transitions", 1), 8000)
    .option("--seeds <n>", "episode seeds of the random agent (0..n-1)", int("seeds", 1), 32)
    .option("--json", "print the report as JSON")
    .action(
      async (
        file: string | undefined,
        o: { shuffles: number; transitions: number; seeds: number; json?: boolean },
      ) => {
        await initBackend("wasm");
        const r = wiringInformation(loadHypergraph(file ?? builtinGraphPath()), o);
        console.log(o.json ? JSON.stringify(r, null, 2) : formatWiringReport(r));
      },
    );
  graph
    .command("mine")
    .description("play episodes and emit frequent condition→action→effect hyperedges")
    .requiredOption("--episodes <n>", "episodes to play", int("episodes", 1))
    .option("--seed <n>", "seed of episodes and the random policy", int("seed"), 0)
    .option("--min-support <k>", "minimum support of an emitted edge", int("min-support", 1), 20)
    .option("--max-steps <n>", "steps per episode at most", int("max-steps", 1), 1000)
    .option("--merge <file>", "merge the mined edges into this graph")
    .requiredOption("--out <file>", "output graph JSON")
    .action(
      (o: {
        episodes: number;
        seed: number;
        minSupport: number;
        maxSteps: number;
        merge?: string;
        out: string;
      }) => {
        let data = mine(() => makeEnv({ maxEpisodeSteps: o.maxSteps }), {
          episodes: o.episodes,
          seed: o.seed,
          minSupport: o.minSupport,
          maxStepsPerEpisode: o.maxSteps,
        });
        if (o.merge) data = mergeGraphs(loadHypergraphData(o.merge), data);
        writeHypergraph(o.out, data);
        const g = buildHypergraph(data);
        console.error(
          `tedg graph: wrote ${o.out} (${g.operatorNodes.length} operators, ${g.edgeSrc.length} edges)`,
        );
      },
    );
}
