/** `tedg eval`: held-out evaluation of a checkpoint on seeds the run never trained on. */
import type { Command } from "commander";
import {
  DEFAULT_EVAL_SEED_START,
  evaluate,
  type EvalResult,
  type NamedExpertShare,
} from "../../eval/index.js";
import { InvalidArgumentError } from "../../util/index.js";

type IntParser = (name: string, min?: number) => (v: string) => number;

export interface EvalCliOptions {
  checkpoint: string;
  episodes: number;
  seedStart: number;
  greedy?: boolean;
  maxSteps?: number;
  envs?: number;
  workers?: number;
  record: number;
  out?: string;
  backend?: string;
  json?: boolean;
  progress?: boolean;
}

const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? "–" : x.toFixed(d));
/** Three significant digits: τ anneals to 0.005, which toFixed(2) would print as 0.01. */
const sig = (x: number | null | undefined) =>
  x === null || x === undefined ? "–" : String(Number(x.toPrecision(3)));

/** The human-readable summary printed without --json. */
/** "names   dominant expert is the scenario's namesake on combat 96.0% | … | mean 50.1%" (1/K by chance). */
function namedLine(who: string, share: NamedExpertShare): string {
  const parts = Object.entries(share.byScenario).map(
    ([s, v]) => `${s} ${v === null ? "–" : f(v * 100, 1) + "%"}`,
  );
  return (
    `names   ${who} expert is the scenario's namesake on ${parts.join(" | ")}` +
    ` | mean ${share.mean === null ? "–" : f(share.mean * 100, 1) + "%"}`
  );
}

export function formatEvalText(r: EvalResult): string {
  const s = r.score;
  const ci = s.ci ? `[${f(s.ci[0])}, ${f(s.ci[1])}]` : "–";
  const lines = [
    `Evaluated ${r.checkpoint.path} (episode ${r.checkpoint.episode}, phase ${r.checkpoint.phase}, ` +
      `${r.checkpoint.routing} τ ${sig(r.checkpoint.tau)}) on seeds [${r.settings.seedStart}, ${r.settings.seedEnd}), ` +
      `${r.settings.greedy ? "greedy" : "sampled"} actions, step cap ${r.settings.maxSteps}`,
    `score   mean ${f(s.mean)} ${Math.round(s.confidence * 100)}% CI ${ci} | median ${f(s.median, 1)} | ` +
      `std ${f(s.std)} | max ${f(s.max, 0)}`,
    `depth   mean ${f(r.depth.mean)} | max ${f(r.depth.max, 0)} | length mean ${f(r.length.mean, 1)}`,
    `ends    ${Object.entries(r.endReasons)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `deaths  ${
      r.deathCauses
        .slice(0, 5)
        .map((d) => `${d.cause} ×${d.count}`)
        .join("; ") || "–"
    }`,
    `routing per-step H(α) ${f(r.routing.alphaEntropyStep, 3)} (ln K = ${f(r.routing.maxEntropy, 3)}) | ` +
      `original H(mean α) ${f(r.routing.alphaEntropyOfMeanOriginal, 3)} | switch rate ${f(r.routing.switchRate, 3)}`,
    `mean α  ${Object.entries(r.routing.alphaMean)
      .map(([k, v]) => `${k} ${f(v, 3)}`)
      .join(" | ")}`,
    `dominant ${Object.entries(r.routing.dominantShare)
      .map(([k, v]) => `${k} ${f(v * 100, 1)}%`)
      .join(" | ")}`,
    `specialisation I(scenario; dominant expert) = ${f(r.specialisation.mutualInformation, 4)} nats` +
      ` | shuffled-scenario control ${f(r.specialisation.mutualInformationShuffled.mean, 4)}` +
      ` (max ${f(r.specialisation.mutualInformationShuffled.max, 4)} of ${r.specialisation.mutualInformationShuffled.permutations})` +
      (r.specialisation.normalisedMutualInformation !== null
        ? ` | normalised ${f(r.specialisation.normalisedMutualInformation, 3)}`
        : ""),
    r.graph
      ? `graph   opinion H(g) ${f(r.graph.opinionEntropy, 3)} | confident (max g ≥ ${r.graph.confidence}) on ` +
        `${f(r.graph.confidentShare * 100, 1)}% of steps | dominant = suggested expert on ` +
        `${f(r.graph.agreement * 100, 1)}% (confident steps: ${f(r.graph.agreementConfident * 100, 1)}%)` +
        (r.graph.mutualInformationSuggested !== undefined
          ? ` | I(scenario; suggested expert) ${f(r.graph.mutualInformationSuggested, 4)}`
          : "")
      : "graph   – (no logic stream)",
  ];
  if (r.specialisation.namedExpertShare) lines.push(namedLine("dominant", r.specialisation.namedExpertShare));
  if (r.graph?.namedExpertShareSuggested)
    lines.push(namedLine("graph's suggested", r.graph.namedExpertShareSuggested));
  if (r.files.summary)
    lines.push(
      `wrote ${r.files.summary}` + (r.files.replays.length ? ` and ${r.files.replays.length} replay(s)` : ""),
    );
  return lines.join("\n");
}

export async function runEval(o: EvalCliOptions): Promise<EvalResult> {
  const backend = o.backend as "wasm" | "cpu" | undefined;
  if (backend !== undefined && backend !== "wasm" && backend !== "cpu")
    throw new InvalidArgumentError("--backend", o.backend, "wasm or cpu");
  const progress = o.progress !== false && !o.json && process.stderr.isTTY;
  return evaluate({
    checkpoint: o.checkpoint,
    episodes: o.episodes,
    seedStart: o.seedStart,
    greedy: o.greedy,
    maxSteps: o.maxSteps,
    envs: o.envs,
    workers: o.workers,
    record: o.record,
    outDir: o.out,
    backend,
    onEpisode: progress
      ? (d, t) => process.stderr.write(`\reval: ${d}/${t} episodes${d === t ? "\n" : ""}`)
      : undefined,
  });
}

export function registerEvalCommand(program: Command, int: IntParser): void {
  program
    .command("eval")
    .description("evaluate a checkpoint on held-out seeds (disjoint from training); writes <run>/eval/*.json")
    .requiredOption(
      "--checkpoint <dir>",
      "checkpoint folder, or a run folder (its final/, else best/, else its latest checkpoint)",
    )
    .option("--episodes <n>", "episodes (seeds seed-start … seed-start+n−1)", int("episodes", 1), 200)
    .option("--seed-start <n>", "first game seed", int("seed-start", 0), DEFAULT_EVAL_SEED_START)
    .option("--greedy", "take the most probable action (default: sample)")
    .option("--max-steps <n>", "step cap per episode (default: the run's)", int("max-steps", 1))
    .option("--envs <n>", "parallel environments (default: the run's, at most --episodes)", int("envs", 1))
    .option("--workers <n>", "worker threads (default: cores)", int("workers", 1))
    .option("--record <n>", "save replays of the first n episodes", int("record", 0), 0)
    .option("--out <dir>", "output folder (default <run>/eval)")
    .option("--backend <name>", "tensor backend: wasm | cpu")
    .option("--json", "print the summary as JSON (stdout)")
    .option("--no-progress", "no progress line")
    .action(async (o: EvalCliOptions) => {
      const r = await runEval(o);
      if (o.json) {
        const { recordings: _r, files: _f, ...summary } = r;
        console.log(JSON.stringify(summary));
      } else console.log(formatEvalText(r));
    });
}
