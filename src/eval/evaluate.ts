/**
 * Held-out evaluation of a checkpoint (fixes B21, docs/original.md: the original had no seeds, no held-out
 * games and no eval).
 *
 * Seeds: the episodes are exactly the game seeds [seedStart, seedStart + episodes), which must not meet the
 * seeds the run trained on. Env i of the VecEnv plays seedStart + k·N + i (VecEnv's schedule) while that is
 * inside the range, so the set of games does not depend on which episodes happen to end first (taking the
 * first E finished episodes would favour short games). Results are listed by seed.
 *
 * Determinism: the VecEnv steps in lock-step, the policy runs on one thread, and sampled actions draw from a
 * random stream per episode derived from its game seed. The same checkpoint, seeds, flags and --envs give the
 * same JSON byte for byte (nothing time-dependent is written).
 */
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  SCORE_ACTION_NAMES,
  VecEnv,
  digestObservation,
  saveRecording,
  type EpisodeInfo,
  type VecStepResult,
} from "../env/index.js";
import { loadBuiltinGraph, type Hypergraph } from "../knowledge/index.js";
import { initBackend, type ActResult, type PolicyBatch } from "../model/index.js";
import {
  BatchObserver,
  Collector,
  NUM_SCORE_ACTIONS,
  opinionStats,
  policyForConfig,
} from "../agent/index.js";
import {
  RUN_FILES,
  blobsToWeights,
  loadCheckpoint,
  phaseAt,
  readMetrics,
  resolveCheckpoint,
  type CheckpointState,
  type TrainConfig,
} from "../run/index.js";
import {
  FileFormatError,
  InvalidArgumentError,
  readJsonFile,
  Rng,
  StateError,
  writeFileAtomic,
} from "../util/index.js";
import type { EvalRecording, EvalStepExtra } from "./recording.js";
import {
  SCENARIOS,
  SCENARIO_CONDITIONS,
  namedExpertShare,
  scenarioLabeler,
  type NamedExpertShare,
} from "./scenario.js";
import { RoutingMetrics } from "./routing-metrics.js";
import {
  argmax,
  bootstrapRatioCI,
  mutualInformation,
  summarize,
  type BootstrapOptions,
  type Summary,
} from "./stats.js";

export const EVAL_FORMAT = "tedg-eval";
export const EVAL_VERSION = 1;
export const DEFAULT_EVAL_SEED_START = 1_000_000;
const TOP_OPERATORS = 10;

export interface EvalOptions {
  /**
   * A checkpoint folder (with state.json), or a run folder: its furthest checkpoint of final/ and
   * checkpoints/<episode>/ (the rule of resolveCheckpoint in src/run, shared with `--resume`).
   */
  checkpoint: string;
  episodes: number;
  seedStart?: number;
  /** Take the most probable action instead of sampling. */
  greedy?: boolean;
  /** Step cap per episode (default: the run's maxSteps). */
  maxSteps?: number;
  /** Parallel environments (default: min(episodes, the run's envs)). */
  envs?: number;
  workers?: number;
  /** Keep a replay of this many episodes (the first seeds of the range). */
  record?: number;
  backend?: "wasm" | "cpu";
  /** Where to write the summary and replays (default <run>/eval); null = write nothing. */
  outDir?: string | null;
  bootstrap?: BootstrapOptions;
  /** Called after each finished in-range episode. */
  onEpisode?: (done: number, total: number, ep: EvalEpisode) => void;
}

export interface EvalEpisode {
  seed: number;
  score: number;
  reward: number;
  length: number;
  maxDepth: number;
  endReason: string;
  deathCause: string;
  /** Mean over the episode's steps of H(α_t). */
  alphaEntropyStep: number;
  /** The original's per-episode alpha_entropy: H(mean α over the episode) (B6). */
  alphaEntropyOfMean: number;
  alphaMean: number[];
  /** Dominant-expert changes per step transition. */
  switchRate: number;
  /** Steps per scenario (SCENARIOS order). */
  scenarioSteps: number[];
}

/** What eval/<name>.json holds. */
export interface EvalSummary {
  format: typeof EVAL_FORMAT;
  version: typeof EVAL_VERSION;
  name: string;
  checkpoint: {
    /** Relative to the run folder. */
    path: string;
    episode: number;
    update: number;
    envSteps: number;
    phase: string;
    routing: string;
    tau: number;
  };
  run: { expName: string; seed: number; envs: number; episodes: number; maxSteps: number; ablation: string };
  settings: {
    episodes: number;
    seedStart: number;
    /** Exclusive. */
    seedEnd: number;
    greedy: boolean;
    maxSteps: number;
    task: string;
    envs: number;
    bootstrap: { resamples: number; confidence: number };
  };
  /** [start, end) of the game seeds the run trained on (or will, up to its episode budget). */
  trainingSeeds: [number, number];
  score: Summary;
  reward: Summary;
  length: Summary;
  depth: Summary;
  depthReached: Record<string, number>;
  endReasons: Record<string, number>;
  deathCauses: { cause: string; count: number }[];
  actions: Record<string, number>;
  routing: {
    expertNames: string[];
    /** ln K: the per-step entropy of a uniform router. */
    maxEntropy: number;
    /** Mean over all steps of H(α_t) — the routing metric to read. */
    alphaEntropyStep: number;
    alphaEntropyStepCI: [number, number] | null;
    /** Mean over episodes of H(episode-mean α): the original's alpha_entropy, for comparison only (B6). */
    alphaEntropyOfMeanOriginal: number;
    alphaMean: Record<string, number>;
    dominantShare: Record<string, number>;
    /** Share of step transitions (within an episode) where the dominant expert changes. */
    switchRate: number;
  };
  specialisation: {
    scenarios: string[];
    /** Condition labels that define each scenario (first match wins, in this order). */
    definition: Record<string, string[]>;
    /** steps[s][e]: steps of scenario s on which expert e had the largest α. */
    table: number[][];
    scenarioSteps: number[];
    /** I(scenario; dominant expert) in nats. */
    mutualInformation: number;
    /**
     * The same MI with the scenario labels permuted across steps (mean and max over the permutations): what a
     * router with no relation to the scenarios scores here. Read the real MI against it.
     */
    mutualInformationShuffled: { mean: number; max: number; permutations: number };
    /** MI / min(H(scenario), H(expert)) ∈ [0, 1]; null when either is constant. */
    normalisedMutualInformation: number | null;
    /**
     * Share of each scenario's steps led by the expert of the same name, and its mean over scenarios (scenario.ts
     * namedExpertShare): whether the experts do what their names say, which MI does not read (absent in
     * summaries written before it existed).
     */
    namedExpertShare?: NamedExpertShare;
  };
  /**
   * The graph's opinion (which expert the hypergraph suggests) against the router; null for a policy without a
   * logic stream ("moe", "ppo").
   */
  graph: {
    /** Confidence threshold: the opinion is confident where its largest share is at least this. */
    confidence: number;
    /** Mean H(g) over steps with an opinion (nats; ln K = no opinion). */
    opinionEntropy: number;
    /** Share of steps where the opinion is confident. */
    confidentShare: number;
    /** Share of steps (with an opinion) whose dominant expert is the graph's suggested expert. */
    agreement: number;
    /** The same on confident steps. */
    agreementConfident: number;
    /** Steps per scenario × suggested expert (argmax g), as the specialisation table. */
    suggestedTable: number[][];
    /**
     * I(scenario; suggested expert) of that table (nats): how much the graph's own opinion separates the
     * situations, whatever the router does (absent in summaries written before it existed).
     */
    mutualInformationSuggested?: number;
    /** namedExpertShare of the suggested-expert table: whether the graph names the expert the situation names. */
    namedExpertShareSuggested?: NamedExpertShare;
  } | null;
  operators: {
    /** "readoutAttention" (the GAT readout's attention), "operatorScores" (softmax of the score head), or "none". */
    source: "readoutAttention" | "operatorScores" | "none";
    description: string;
    byScenario: Record<string, { label: string; kind: string; expert: string; weight: number }[]>;
  };
  episodes: EvalEpisode[];
  /** Replay files, relative to the summary file's folder. */
  replays: string[];
}

export interface EvalResult extends EvalSummary {
  recordings: EvalRecording[];
  /** Written files (absolute), when outDir was not null. */
  files: { summary: string | null; replays: string[] };
}

/**
 * The game seeds a run trains on: env i's k-th episode plays seed + k·N + i. Each env's episode count is
 * bounded using the episode budget (ceil(E/N) + 2 rounds, as envs finish at different rates), the episodes
 * the checkpoint's envs had started, the seed blocks a broker run's actors took (`extra.broker.seedsEnd`), and
 * every seed metrics.jsonl lists, whichever reaches furthest.
 */
export function trainingSeedRange(state: CheckpointState, runDir: string | null): [number, number] {
  const c = state.config;
  const N = c.envs;
  const E = Math.max(c.episodes, state.counters.episode);
  let end = c.seed + (Math.ceil(E / N) + 2) * N;
  const envs = (state.extra as { envs?: { started?: unknown }[] }).envs;
  if (Array.isArray(envs)) {
    envs.forEach((e, i) => {
      if (typeof e?.started === "number") end = Math.max(end, c.seed + e.started * N + i + 1);
    });
  }
  // A broker run (tedg train --broker): its actors' seed blocks reach up to the run's seed counter.
  const seedsEnd = (state.extra as { broker?: { seedsEnd?: unknown } }).broker?.seedsEnd;
  if (typeof seedsEnd === "number") end = Math.max(end, seedsEnd);
  const metrics = runDir ? join(runDir, RUN_FILES.metrics) : null;
  if (metrics && existsSync(metrics)) {
    for (const r of readMetrics(metrics)) {
      if (r.type === "episode" && typeof r.seed === "number") end = Math.max(end, r.seed + 1);
    }
  }
  return [c.seed, end];
}

function checkInt(what: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max)
    throw new InvalidArgumentError(
      what,
      v,
      max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`,
    );
  return v;
}

/** Per-episode sampling stream: from the game seed, skipping the two draws the env uses for the game's seeds. */
function episodeRng(seed: number): Rng {
  const r = new Rng(seed);
  r.nextU32();
  r.nextU32();
  return r.fork();
}

/**
 * Hands each row of a batch its own stream: Policy.act draws one number per row, in row order. The count is
 * checked after every call, so a policy that draws differently fails loudly instead of mixing streams.
 */
class RowStreams extends Rng {
  private i = 0;
  constructor(readonly rows: Rng[]) {
    super(0);
  }
  begin(): void {
    this.i = 0;
  }
  get drawn(): number {
    return this.i;
  }
  override next(): number {
    const r = this.rows[this.i % this.rows.length];
    this.i++;
    return r.next();
  }
}

interface Track {
  seed: number;
  active: boolean;
  /** Episodes this env has started. */
  started: number;
  rec: EvalRecording | null;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

export async function evaluate(opts: EvalOptions): Promise<EvalResult> {
  if (!opts || typeof opts.checkpoint !== "string")
    throw new InvalidArgumentError("eval checkpoint", opts?.checkpoint, "a checkpoint or run folder path");
  const { runDir, checkpoint } = resolveCheckpoint(opts.checkpoint, "--checkpoint");
  const E = checkInt("--episodes", opts.episodes, 1, 1_000_000);
  const seedStart = checkInt(
    "--seed-start",
    opts.seedStart ?? DEFAULT_EVAL_SEED_START,
    0,
    Number.MAX_SAFE_INTEGER - E,
  );
  const ck = loadCheckpoint(checkpoint);
  const state = ck.state;
  const config: TrainConfig = state.config;
  const maxSteps = checkInt("--max-steps", opts.maxSteps ?? config.maxSteps, 1, 10_000_000);
  const N = checkInt("--envs", opts.envs ?? Math.min(E, config.envs), 1, 4096);
  if (N > E) throw new InvalidArgumentError("--envs", N, `an integer in [1, ${E}] (at most --episodes)`);
  const record = checkInt("--record", opts.record ?? 0, 0, E);
  const workers = opts.workers === undefined ? undefined : checkInt("--workers", opts.workers, 1, N);
  const greedy = opts.greedy ?? false;
  const seedEnd = seedStart + E;
  const trainSeeds = trainingSeedRange(state, runDir);
  if (seedStart < trainSeeds[1] && trainSeeds[0] < seedEnd) {
    throw new InvalidArgumentError(
      "eval seeds",
      `[${seedStart}, ${seedEnd})`,
      `a range disjoint from the training seeds [${trainSeeds[0]}, ${trainSeeds[1]}) of ${checkpoint} ` +
        `(run seed ${config.seed}, ${config.envs} envs, ${Math.max(config.episodes, state.counters.episode)} episodes); ` +
        `use --seed-start ≥ ${trainSeeds[1]}` +
        (trainSeeds[0] >= E ? ` or ≤ ${trainSeeds[0] - E}` : ""),
    );
  }
  const outDir =
    opts.outDir === undefined
      ? join(runDir, RUN_FILES.eval)
      : opts.outDir === null
        ? null
        : resolve(opts.outDir);
  const boot = {
    resamples: opts.bootstrap?.resamples,
    confidence: opts.bootstrap?.confidence,
    seed: opts.bootstrap?.seed,
  };

  await initBackend(opts.backend ?? "wasm");
  const graph = loadBuiltinGraph();
  const policy = policyForConfig(config, graph);
  const phase = phaseAt(config, state.counters.episode);
  let vec: VecEnv | null = null;
  try {
    policy.setWeights(blobsToWeights(ck.weights));
    policy.router?.setRouting({ mode: phase.routing, tau: phase.tau });
    const K = policy.numExperts;
    const O = policy.numOperators;
    const C = graph.conditionNodes.length;
    const S = SCENARIOS.length;
    const labeler = scenarioLabeler(graph);
    const observer = new BatchObserver(graph, N, {
      cropSize: policy.config.visual.cropSize,
      actionMask: config.actionMask,
      numActions: NUM_SCORE_ACTIONS,
    });
    const actionNames = SCORE_ACTION_NAMES.slice(0, NUM_SCORE_ACTIONS);
    const conditionLabels = Array.from(graph.conditionNodes, (n) => graph.nodes[n].label);
    const ckRel = relative(runDir, checkpoint) || ".";
    const envOptions = { task: config.task, maxEpisodeSteps: maxSteps };

    vec = new VecEnv({ numEnvs: N, workers, seedStart, ...envOptions });
    const idle = new Rng(0); // rows of envs past the range: their actions are never used
    const streams = Array.from({ length: N }, () => idle);
    const rowRng = new RowStreams(streams);

    // Aggregates over every in-range step (routing per env slot, operators per scenario).
    const routing = new RoutingMetrics(K, S, N);
    const opSums = Array.from({ length: S }, () => new Float64Array(0));
    const actionCounts = new Array<number>(actionNames.length).fill(0);
    // Assigned inside the acting hook (a cast keeps TypeScript from narrowing it to its first value here).
    let source = "operatorScores" as "readoutAttention" | "operatorScores" | "none";
    // Per in-range step: α, the graph's opinion and whether it exists (policies with a logic stream).
    const opinionLog = { alpha: [] as number[], opinion: [] as number[], valid: [] as number[] };
    const suggested = Array.from({ length: S }, () => new Array<number>(K).fill(0));
    let readoutLabels: { label: string; kind: string; expert: string }[] | null = null;
    let stepCount = 0;

    const newTrack = (i: number, started: number): Track => {
      const seed = seedStart + started * N + i;
      const active = seed < seedEnd;
      streams[i] = active ? episodeRng(seed) : idle;
      return {
        seed,
        active,
        started: started + 1,
        rec:
          active && seed < seedStart + record
            ? {
                format: "tedg-episode",
                version: 1,
                seed,
                env: envOptions,
                actions: [],
                digests: [digestObservation(collector.view(i))],
                rewards: [],
                extras: [],
                eval: {
                  kind: "tedg-eval-replay",
                  checkpoint: ckRel,
                  greedy,
                  expertNames: [...policy.expertNames],
                  actionNames,
                  conditionLabels,
                  scenarios: [...SCENARIOS],
                  score: 0,
                  length: 0,
                  endReason: "",
                  deathCause: "",
                },
              }
            : null,
      };
    };

    const collector = new Collector(vec, observer, policy);
    collector.reset();
    const tracks = Array.from({ length: N }, (_, i) => newTrack(i, 0));
    const episodes: EvalEpisode[] = [];
    const recordings: EvalRecording[] = [];

    // Between acting and stepping: the per-step statistics and recordings of every in-range env.
    const acted = (_input: PolicyBatch, act: ActResult) => {
      if (!greedy && rowRng.drawn !== N)
        throw new StateError(
          `Policy.act drew ${rowRng.drawn} random numbers for ${N} rows; evaluation's per-episode sampling ` +
            "streams assume one per row (use --greedy, or update RowStreams in src/eval/evaluate.ts)",
        );
      // The GAT readout's attention when the policy exposes it, else the operator-score head.
      let opRow: Float32Array = act.operatorScores;
      let R = act.operatorScores.length ? O : 0;
      if (R === 0) source = "none";
      if (act.readoutAttention && act.readoutAttention.length && act.readoutAttention.length % N === 0) {
        source = "readoutAttention";
        opRow = act.readoutAttention;
        R = act.readoutAttention.length / N;
      }
      if (!readoutLabels) readoutLabels = readoutNodeLabels(graph, R, policy.expertNames);
      for (let s = 0; s < S; s++) if (opSums[s].length !== R) opSums[s] = new Float64Array(R);

      for (let i = 0; i < N; i++) {
        const tr = tracks[i];
        if (!tr.active) continue;
        const alpha = act.alpha.subarray(i * K, (i + 1) * K);
        const scn = labeler.label(observer.conditions, i);
        routing.step(i, alpha, scn);
        if (act.opinion.length) {
          const g = act.opinion.subarray(i * K, (i + 1) * K);
          for (let k = 0; k < K; k++) {
            opinionLog.alpha.push(alpha[k]);
            opinionLog.opinion.push(g[k]);
          }
          opinionLog.valid.push(act.opinionValid[i]);
          if (act.opinionValid[i]) suggested[scn][argmax(g)]++;
        }
        stepCount++;
        actionCounts[act.action[i]]++;
        addOperatorWeights(opSums[scn], opRow, i, R, source === "operatorScores");
        if (tr.rec) {
          const cond: number[] = [];
          for (let c = 0; c < C; c++) if (observer.conditions[i * C + c]) cond.push(c);
          const extra: EvalStepExtra = {
            a: act.action[i],
            alpha: Array.from(alpha, (x) => round(x, 4)),
            cond,
            scn,
            v: round(act.value[i], 3),
          };
          tr.rec.extras.push(extra);
          tr.rec.actions.push(act.action[i]);
        }
      }
    };
    // After stepping: each recording's reward and observation digest (an ended episode's final observation).
    const stepped = (res: VecStepResult) => {
      const ended = new Map(res.episodes.map((e) => [e.env, e]));
      for (let i = 0; i < N; i++) {
        const rec = tracks[i].rec;
        if (!rec) continue;
        const info = ended.get(i);
        rec.digests.push(digestObservation(info ? info.finalObs : collector.view(i)));
        rec.rewards.push(res.rewards[i]);
      }
    };
    const episodeEnd = (info: EpisodeInfo) => {
      const i = info.env;
      const tr = tracks[i];
      if (tr.active) {
        if (info.endReason === "crash")
          throw new StateError(
            `env ${i}'s game (seed ${tr.seed}) crashed (${info.detail}); the evaluation cannot continue`,
          );
        if (info.seed !== tr.seed)
          throw new StateError(
            `env ${i} finished seed ${info.seed}, expected ${tr.seed} (VecEnv seed schedule changed?)`,
          );
        const r = routing.endEpisode(i);
        const ep: EvalEpisode = {
          seed: tr.seed,
          score: info.score,
          reward: round(info.return, 6),
          length: info.length,
          maxDepth: info.maxDepth,
          endReason: info.endReason,
          deathCause: info.detail,
          alphaEntropyStep: r.alphaEntropyStep,
          alphaEntropyOfMean: r.alphaEntropyOfMean,
          alphaMean: r.alphaMean,
          switchRate: r.switchRate,
          scenarioSteps: r.scenarioSteps,
        };
        episodes.push(ep);
        if (tr.rec) {
          Object.assign(tr.rec.eval, {
            score: ep.score,
            length: ep.length,
            endReason: ep.endReason,
            deathCause: ep.deathCause,
          });
          recordings.push(tr.rec);
        }
        opts.onEpisode?.(episodes.length, E, ep);
      }
      if (!tr.active) routing.resetSlot(i);
      tracks[i] = newTrack(i, tr.started);
    };
    while (episodes.length < E) {
      rowRng.begin();
      collector.step({ rng: rowRng, greedy }, { acted, stepped, episodeEnd });
    }

    episodes.sort((a, b) => a.seed - b.seed);
    recordings.sort((a, b) => a.seed - b.seed);
    const names = [...policy.expertNames];
    const byName = (v: number[]) => Object.fromEntries(names.map((n, k) => [n, v[k]]));
    const tot = routing.totals();
    const counts = (xs: string[]) => {
      const m: Record<string, number> = {};
      for (const x of [...xs].sort()) m[x] = (m[x] ?? 0) + 1;
      return m;
    };
    const deaths = counts(
      episodes.filter((e) => e.endReason === "death").map((e) => e.deathCause || "(unknown)"),
    );
    const cfgBoot = { resamples: boot.resamples ?? 10_000, confidence: boot.confidence ?? 0.95 };
    const name = evalName(ckRel, seedStart, E, greedy, maxSteps);

    const stat = (get: (e: EvalEpisode) => number) => summarize(episodes.map(get), boot);
    const summary: EvalSummary = {
      format: EVAL_FORMAT,
      version: EVAL_VERSION,
      name,
      checkpoint: {
        path: ckRel,
        episode: state.counters.episode,
        update: state.counters.update,
        envSteps: state.counters.envSteps,
        phase: phase.name,
        routing: phase.routing,
        tau: phase.tau,
      },
      run: {
        expName: config.expName,
        seed: config.seed,
        envs: config.envs,
        episodes: config.episodes,
        maxSteps: config.maxSteps,
        ablation: config.ablation,
      },
      settings: {
        episodes: E,
        seedStart,
        seedEnd,
        greedy,
        maxSteps,
        task: config.task,
        envs: N,
        bootstrap: cfgBoot,
      },
      trainingSeeds: trainSeeds,
      score: stat((e) => e.score),
      reward: stat((e) => e.reward),
      length: stat((e) => e.length),
      depth: stat((e) => e.maxDepth),
      depthReached: counts(episodes.map((e) => String(e.maxDepth))),
      endReasons: counts(episodes.map((e) => e.endReason || "(none)")),
      deathCauses: Object.entries(deaths)
        .map(([cause, count]) => ({ cause, count }))
        .sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause)),
      actions: Object.fromEntries(
        actionNames.map((n, a) => [n, stepCount ? actionCounts[a] / stepCount : 0]),
      ),
      routing: {
        expertNames: names,
        maxEntropy: Math.log(K),
        alphaEntropyStep: tot.alphaEntropyStep,
        // The step-weighted mean above, with episodes as the resampling unit (one episode's steps are correlated).
        alphaEntropyStepCI: bootstrapRatioCI(
          episodes.map((e) => e.alphaEntropyStep * e.length),
          episodes.map((e) => e.length),
          boot,
        ),
        alphaEntropyOfMeanOriginal: episodes.length
          ? episodes.reduce((a, e) => a + e.alphaEntropyOfMean, 0) / episodes.length
          : 0,
        alphaMean: byName(tot.alphaMean),
        dominantShare: byName(tot.dominantShare),
        switchRate: tot.switchRate,
      },
      specialisation: {
        scenarios: [...SCENARIOS],
        definition: {
          ...Object.fromEntries(Object.entries(SCENARIO_CONDITIONS).map(([k, v]) => [k, [...v]])),
          general: [],
        },
        table: tot.table,
        scenarioSteps: tot.scenarioSteps,
        mutualInformation: tot.mutualInformation,
        mutualInformationShuffled: tot.mutualInformationShuffled,
        normalisedMutualInformation: tot.normalisedMutualInformation,
        namedExpertShare: namedExpertShare(tot.table, names),
      },
      graph: opinionLog.valid.length
        ? (() => {
            const o = opinionStats(
              opinionLog.alpha,
              opinionLog.opinion,
              opinionLog.valid,
              K,
              policy.confidence,
            );
            return {
              confidence: policy.confidence,
              opinionEntropy: o.opinion_entropy,
              confidentShare: o.opinion_confident_share,
              agreement: o.graph_router_agreement,
              agreementConfident: o.graph_router_agreement_confident,
              suggestedTable: suggested,
              mutualInformationSuggested: mutualInformation(suggested),
              namedExpertShareSuggested: namedExpertShare(suggested, names),
            };
          })()
        : null,
      operators: {
        source,
        description:
          source === "none"
            ? "no logic stream (the policy has no GAT)"
            : source === "readoutAttention"
              ? "mean attention weight of the GAT readout over operator/effect nodes, per scenario"
              : "mean softmax over operators of the policy's operator-score head (a learned linear head on the " +
                "GAT's last-layer operator rows; not attention weights), per scenario",
        byScenario: Object.fromEntries(
          SCENARIOS.map((s, si) => [s, topOperators(opSums[si], tot.scenarioSteps[si], readoutLabels ?? [])]),
        ),
      },
      episodes,
      replays: recordings.map((r) => `replays/${name}-seed${r.seed}.json`),
    };

    const files: EvalResult["files"] = { summary: null, replays: [] };
    if (outDir) {
      recordings.forEach((r, j) => {
        const f = join(outDir, summary.replays[j]);
        saveRecording(f, r);
        files.replays.push(f);
      });
      // The summary last: a summary on disk means its replays are there too.
      files.summary = join(outDir, `${name}.json`);
      writeFileAtomic(files.summary, JSON.stringify(summary, null, 1) + "\n");
    }
    return { ...summary, recordings, files };
  } finally {
    vec?.close();
    policy.dispose();
  }
}

/** eval file name: checkpoint, seeds, mode and step cap, so different evals of one run do not overwrite. */
export function evalName(
  ckRel: string,
  seedStart: number,
  episodes: number,
  greedy: boolean,
  maxSteps: number,
): string {
  const ck = ckRel.replace(/^checkpoints[\\/]/, "ep").replace(/[^A-Za-z0-9._-]+/g, "_") || "checkpoint";
  return `${ck}-s${seedStart}-n${episodes}-${greedy ? "greedy" : "sample"}-max${maxSteps}`;
}

/** Labels of the rows of operatorScores (R = operators) or readout attention (operators then effects). */
function readoutNodeLabels(
  graph: Hypergraph,
  R: number,
  expertNames: readonly string[],
): { label: string; kind: string; expert: string }[] {
  const ops = Array.from(graph.operatorNodes);
  const nodes = R === ops.length ? ops : [...ops, ...Array.from(graph.effectNodes)];
  return Array.from({ length: R }, (_, r) => {
    const n = nodes[r];
    if (n === undefined) return { label: `#${r}`, kind: "node", expert: "" };
    const node = graph.nodes[n];
    const j = r < ops.length ? r : -1;
    return {
      label: node.label,
      kind: node.type,
      expert: j >= 0 ? (expertNames[graph.operatorExpert[j]] ?? node.expert ?? "") : "",
    };
  });
}

/** Adds row i of [B × R] weights to `sums` (softmax first for raw scores, so steps weigh equally). */
function addOperatorWeights(
  sums: Float64Array,
  w: Float32Array,
  i: number,
  R: number,
  softmax: boolean,
): void {
  const off = i * R;
  if (!softmax) {
    for (let r = 0; r < R; r++) sums[r] += w[off + r];
    return;
  }
  let m = -Infinity;
  for (let r = 0; r < R; r++) m = Math.max(m, w[off + r]);
  let z = 0;
  for (let r = 0; r < R; r++) z += Math.exp(w[off + r] - m);
  for (let r = 0; r < R; r++) sums[r] += Math.exp(w[off + r] - m) / z;
}

function topOperators(
  sums: Float64Array,
  steps: number,
  labels: { label: string; kind: string; expert: string }[],
): { label: string; kind: string; expert: string; weight: number }[] {
  if (!steps) return [];
  return Array.from(sums, (s, r) => ({ r, w: s / steps }))
    .sort((a, b) => b.w - a.w || a.r - b.r)
    .slice(0, TOP_OPERATORS)
    .map(({ r, w }) => ({
      ...(labels[r] ?? { label: `#${r}`, kind: "node", expert: "" }),
      weight: round(w, 6),
    }));
}

/** Reads an eval summary written by `evaluate`. */
export function readEvalSummary(path: string): EvalSummary {
  const raw = readJsonFile(path, "eval summary");
  const s = raw as EvalSummary;
  if (!s || s.format !== EVAL_FORMAT || s.version !== EVAL_VERSION)
    throw new FileFormatError(
      path,
      `expected {"format":"${EVAL_FORMAT}","version":${EVAL_VERSION},…} (written by tedg eval)`,
    );
  return s;
}
