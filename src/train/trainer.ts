/**
 * The trainer loop: rollouts from a VecEnv in time order → GAE per env → PPO update with the phase's
 * auxiliary terms → metrics, logs, checkpoints. Everything random flows from `config.seed`:
 *   - game seeds: env i's k-th episode plays seed + k·N + i (VecEnv's schedule),
 *   - the policy's initial weights (config.model.seed, default derived from the run seed),
 *   - action sampling and minibatch shuffles (two named Rng streams, saved in checkpoints).
 *
 * Resuming: a checkpoint is the acting side's state at the start of a rollout (in turn: right after an update;
 * pipelined: the rollout collected while the update ran, with the weights it acted with) and the learner's
 * state after its last update. The games in progress cannot be serialised, but they are deterministic, so the
 * checkpoint stores each env's episode index and the actions of its running episode, and a resumed run replays
 * them. Together with the RNG, scaler, memory and optimizer states this makes `--resume` continue bit-exactly.
 */
import { VecEnv } from "../env/index.js";
import { loadBuiltinGraph } from "../knowledge/index.js";
import { initBackend, type NamedArray } from "../model/index.js";
import { InvalidArgumentError, Rng, type RngState, type TensorBlobs } from "../util/index.js";
import {
  BatchObserver,
  EpisodeRoutingSlots,
  type RoutingSlotState,
  opinionStats,
  policyForConfig,
  routingStats,
} from "../agent/index.js";
import {
  MetricsWriter,
  blobsToWeights,
  loadCheckpoint,
  phaseAt,
  openRun,
  saveCheckpoint,
  trimMetricsForResume,
  weightsToBlobs,
  type PhaseState,
  type TrainConfig,
} from "../run/index.js";
import { formatConfig } from "./config.js";
import {
  LocalLearner,
  type Learner,
  type LearnerStart,
  type UpdateJob,
  type UpdateResult,
} from "./learner.js";
import { TrainingLog } from "./log.js";
import { type LrScheduleState } from "./phases.js";
import { RewardScaler } from "./reward-scaler.js";
import {
  RolloutCollector,
  collectorState,
  type EnvTrack,
  type FinishedEpisode,
} from "./rollout-collector.js";
import { RecentScores, newBestScore, recentMean, recordScore, refreshBest } from "./best-score.js";
import { logUpdateLine, updateRecordHead, updateRecordStats } from "./update-record.js";
import { WorkerLearner } from "./worker-learner.js";

export interface TrainOptions {
  /** Continue the run in this folder (its latest checkpoint) or from this checkpoint folder. */
  resume?: string;
  /** With `resume`: a new episode budget for the run. */
  episodes?: number;
  /** Base directory of a relative outDir (default: cwd). */
  cwd?: string;
  /** Worker threads for the envs (default: VecEnv's choice). */
  workers?: number;
  /** Tensor backend (default wasm). */
  backend?: "wasm" | "cpu";
  /** Console stream for log lines; null = silent (tests). Default stdout. */
  console?: NodeJS.WritableStream | null;
  progressBar?: boolean;
  /** Stop (with a checkpoint) once this many updates have been done in the whole run. */
  maxUpdates?: number;
  /** Aborting stops at the next step: a checkpoint is written and train() returns "interrupted". */
  signal?: AbortSignal;
  /** Called once the run folder exists (before the first rollout), e.g. to start a dashboard on it. */
  onRunFolder?: (dir: string) => void | Promise<void>;
  onEpisode?: (e: EpisodeMetrics) => void;
  onUpdate?: (u: Record<string, unknown>) => void;
}

export interface EpisodeMetrics {
  episode: number;
  env: number;
  seed: number;
  score: number;
  reward: number;
  length: number;
  max_depth: number;
  end_reason: string;
  death_cause: string;
  phase: string;
  phase_index: number;
  routing: string;
  tau: number;
  alpha_entropy_step: number;
  alpha_mean: number[];
  /** Dominant-expert changes per step transition. */
  switch_rate: number;
  env_steps: number;
  update: number;
  time_s: number;
}

export interface RunSummary {
  runDir: string;
  episodes: number;
  updates: number;
  envSteps: number;
  wallSeconds: number;
  status: "done" | "interrupted" | "max_updates";
  /** The checkpoint written last (final/ when done). */
  checkpoint: string;
  /** Mean score of the last min(1000, episodes) episodes of this process (resumed runs: since resume). */
  recentScoreMean: number | null;
}

/** What a checkpoint's `extra` holds for the trainer. */
interface TrainerExtra {
  /** Checkpoints written before `routing` existed kept each env's routing sums here (entropySum, alphaSum, steps). */
  envs: (EnvTrack & { entropySum?: number; alphaSum?: number[]; steps?: number })[];
  /** The running episodes' routing statistics, per env. */
  routing?: RoutingSlotState[];
  observer: ReturnType<BatchObserver["getState"]>;
  seedStart: number;
  phaseIndex: number;
  elapsedS: number;
  /** Updates whose weights the rollout after the checkpoint acts with (absent in older checkpoints: `update`). */
  version?: number;
}

/** The acting side's state at the start of a rollout: where a resumed run replays from. */
interface ActingSnapshot {
  episode: number;
  envSteps: number;
  /** Updates whose weights the rollout acts with (its policy version). */
  version: number;
  act: RngState;
  scaler: ReturnType<RewardScaler["getState"]>;
  envs: EnvTrack[];
  routing: RoutingSlotState[];
  observer: TrainerExtra["observer"];
  phaseIndex: number;
  recent: number[];
}

/** A collected rollout waiting for its update. */
interface Collected {
  job: UpdateJob;
  rolloutS: number;
  /** Mean ms per act call (all envs at once) in the rollout. */
  actMs: number;
  /** Mean GAT attention entropy over the rollout's act calls (null without a GAT). */
  gatEntropy: number | null;
  /** The policy version (updates done) the rollout acted with. */
  version: number;
  /** Counters and reward scale at the rollout's end (what its update record reports). */
  episode: number;
  envSteps: number;
  rewardStd: number;
  routing: ReturnType<typeof routingStats>;
  opinion: ReturnType<typeof opinionStats> | null;
}

/**
 * Trains a policy. With `opts.resume`, `config` is ignored except for `episodes` when `opts.episodes` is
 * set: the run continues with the config saved in its checkpoint.
 *
 * Synchronous mode (`pipeline: "off"`): collect a rollout, update on it, repeat. Pipelined mode ("on"): the
 * update of rollout i runs in the learner's thread while rollout i+1 is collected with the weights from before
 * that update, so every rollout is trained exactly one update after the weights it acted with (policy lag 1).
 * The PPO ratio is taken against the stored behaviour log-probabilities, as in APPO. Nothing depends on thread
 * timing: the order of every random draw and every weight change is fixed.
 */
export async function train(configIn: TrainConfig | null, opts: TrainOptions = {}): Promise<RunSummary> {
  const t0 = performance.now();
  const backendKind = opts.backend ?? "wasm";
  const backend = await initBackend(backendKind);
  const { config, folder, resumeFrom } = openRun(configIn, opts);
  const pipelined = config.pipeline === "on";

  await opts.onRunFolder?.(folder.dir);
  const graph = loadBuiltinGraph();
  const policy = policyForConfig(config, graph);
  const N = config.envs;
  const T = config.rolloutSteps;
  const root = new Rng(config.seed);
  let actRng = root.fork();
  let ppoRngState = root.fork().getState();
  const { scaler, observer } = collectorState(config, policy, graph, N);
  const seedStart = config.seed;

  let episode = 0;
  let update = 0;
  let envSteps = 0;
  let version = 0;
  let elapsedBefore = 0;
  let phaseIndex = -1;
  let lrState: LrScheduleState = { updates: 0 };
  let nanRollbacks = 0;
  const best = newBestScore(config.bestWindow);
  const tracks: EnvTrack[] = Array.from({ length: N }, () => ({ started: 1, actions: [] }));
  const routingSlots = new EpisodeRoutingSlots(policy.numExperts, 0, N);

  let optimizerStart: TensorBlobs | undefined;
  // Pipelined checkpoints hold the interrupted rollout's (older) acting weights: it is replayed with them.
  let learnerWeights: Map<string, NamedArray> | null = null;
  if (resumeFrom) {
    const ck = loadCheckpoint(resumeFrom.checkpoint);
    const s = ck.state;
    if (!Array.isArray((s.extra as Partial<TrainerExtra>).envs))
      throw new InvalidArgumentError(
        "--resume",
        resumeFrom.checkpoint,
        "a checkpoint of `tedg train` (this one is of a broker run: resume it with --broker URL)",
      );
    policy.setWeights(blobsToWeights(ck.behaviour ?? ck.weights));
    if (ck.behaviour) learnerWeights = blobsToWeights(ck.weights);
    optimizerStart = ck.optimizer;
    episode = s.counters.episode;
    update = s.counters.update;
    envSteps = s.counters.envSteps;
    actRng = new Rng(s.rng.act);
    ppoRngState = s.rng.ppo;
    if (s.rewardScaler) scaler.setState(s.rewardScaler);
    lrState = s.lrSchedule;
    nanRollbacks = s.nanRollbacks;
    Object.assign(best, s.best);
    const extra = s.extra as unknown as TrainerExtra;
    extra.envs.forEach((e, i) => Object.assign(tracks[i], { started: e.started, actions: [...e.actions] }));
    routingSlots.setState(
      extra.routing ??
        extra.envs.map((e) => ({
          steps: e.steps ?? 0,
          entropySum: e.entropySum ?? 0,
          alphaSum: e.alphaSum ?? new Array<number>(policy.numExperts).fill(0),
          prev: -1,
          switches: 0,
          scenarioSteps: [],
        })),
    );
    observer.setState(extra.observer);
    phaseIndex = extra.phaseIndex;
    elapsedBefore = extra.elapsedS;
    version = extra.version ?? update;
    trimMetricsForResume(folder.metricsFile, { episode, update });
  }

  const log = new TrainingLog({
    logFile: folder.logFile,
    totalEpisodes: config.episodes,
    startEpisode: episode,
    console: opts.console,
    progressBar: opts.progressBar,
  });
  const metrics = new MetricsWriter(folder.metricsFile);
  if (resumeFrom) {
    log.line(`Resuming ${folder.dir} from ${resumeFrom.checkpoint} (episode ${episode}, update ${update})`);
  } else {
    log.line(`Run ${folder.dir}`);
    log.line(formatConfig(config));
  }
  log.line(
    `backend ${backend} | ${policy.numParams().toLocaleString("en")} parameters | ${N} envs × ${T} steps | ` +
      `graph ${graph.conditionNodes.length} conditions, ${graph.operatorNodes.length} operators | ` +
      `pipeline ${config.pipeline}`,
  );

  const learnerStart: LearnerStart = {
    rng: ppoRngState,
    lrSchedule: lrState,
    optimizer: optimizerStart,
    optimizerSource: resumeFrom ? `${resumeFrom.checkpoint}/optimizer` : undefined,
  };
  const learner: Learner = pipelined
    ? new WorkerLearner({
        config,
        backend: backendKind,
        weights: learnerWeights ?? policy.getWeights(),
        start: learnerStart,
      })
    : await LocalLearner.create(policy, config, learnerStart);

  const vec = new VecEnv({
    numEnvs: N,
    workers: opts.workers,
    seedStart,
    task: config.task,
    maxEpisodeSteps: config.maxSteps,
    // The learner's thread needs the cores the env workers would spin on while waiting.
    ...(pipelined ? { spinMicros: 0 } : {}),
  });
  const rollouts = new RolloutCollector({ config, policy, observer, vec, scaler, tracks, routingSlots });
  if (resumeFrom) rollouts.restore();
  else rollouts.reset();

  const recentScores = new RecentScores();
  let status: RunSummary["status"] = "done";
  let lastCheckpoint = "";
  let nextCheckpoint = (Math.floor(episode / config.checkpointEvery) + 1) * config.checkpointEvery;
  const elapsed = () => elapsedBefore + (performance.now() - t0) / 1000;

  const actingSnapshot = (): ActingSnapshot => ({
    episode,
    envSteps,
    version,
    act: actRng.getState(),
    scaler: scaler.getState(),
    envs: tracks.map((t) => structuredClone(t)),
    routing: routingSlots.getState(),
    observer: observer.getState(),
    phaseIndex,
    recent: [...best.recent],
  });
  // What a checkpoint records: the acting side at the start of the rollout a resumed run collects first, the
  // learner after its last update. Refreshed after every update.
  const snapshotState = (a: ActingSnapshot) => {
    const phase = phaseAt(config, a.episode);
    return {
      counters: { episode: a.episode, update, envSteps: a.envSteps },
      phase: { name: phase.name, index: phase.index },
      rng: { act: a.act, ppo: ppoRngState },
      rewardScaler: a.scaler,
      lrSchedule: lrState,
      best: { ...structuredClone(best), recent: [...a.recent] },
      nanRollbacks,
      config,
      extra: {
        envs: a.envs,
        routing: a.routing,
        observer: a.observer,
        seedStart,
        phaseIndex: a.phaseIndex,
        elapsedS: elapsed(),
        version: a.version,
      } satisfies TrainerExtra as unknown as Record<string, unknown>,
    };
  };
  let boundary = snapshotState(actingSnapshot());
  // The acting weights at the boundary when they are not the learner's (pipelined mode).
  let boundaryBehaviour: TensorBlobs | undefined = learnerWeights
    ? weightsToBlobs(policy.getWeights())
    : undefined;
  // The learner's state at the boundary, when its thread may already be running the next update.
  let boundaryLearner: UpdateResult["state"] | undefined;
  const writeCheckpoint = async (dir: string) => {
    saveCheckpoint(dir, {
      state: boundary,
      weights: weightsToBlobs(boundaryLearner?.weights ?? (await learner.weights())),
      optimizer: boundaryLearner?.optimizer ?? (await learner.optimizerState()),
      behaviour: boundaryBehaviour,
    });
    lastCheckpoint = dir;
  };

  const onEpisodeEnd = ({ info, routing: rt }: FinishedEpisode, phase: PhaseState) => {
    const rec: EpisodeMetrics = {
      episode,
      env: info.env,
      seed: info.seed,
      score: info.score,
      reward: info.return,
      length: info.length,
      max_depth: info.maxDepth,
      end_reason: info.endReason,
      death_cause: info.detail,
      phase: phase.name,
      phase_index: phase.index,
      routing: phase.routing,
      tau: phase.tau,
      alpha_entropy_step: rt.alphaEntropyStep,
      alpha_mean: rt.alphaMean,
      switch_rate: rt.switchRate,
      env_steps: envSteps,
      update: version,
      time_s: elapsed(),
    };
    metrics.episode({
      ...rec,
      alpha_mean: Object.fromEntries(policy.expertNames.map((n, k) => [n, rec.alpha_mean[k]])),
    });
    opts.onEpisode?.(rec);
    episode++;
    recentScores.push(info.score);
    recordScore(best, info.score, config.bestWindow);
    if (episode % config.logEvery === 0) {
      log.episode({
        episode,
        episodes: config.episodes,
        score: info.score,
        reward: info.return,
        steps: info.length,
        alphaEntropyStep: rec.alpha_entropy_step,
        phase: phase.name,
      });
    }
    log.progress(Math.min(episode, config.episodes), { phase: phase.name, avgScore: recentMean(best) });
  };

  /**
   * Collects one rollout with the acting policy; null when aborted (Ctrl-C) — only when `abortable`: a
   * pipelined run finishes the rollout it is collecting, so its checkpoint stays at an exact boundary.
   */
  const collect = async (abortable: boolean): Promise<Collected | null> => {
    const phase = phaseAt(config, episode);
    if (phase.index !== phaseIndex) {
      log.phase(phase, episode);
      phaseIndex = phase.index;
    }
    const c = await rollouts.collect({
      rng: actRng,
      phase,
      abort: abortable ? () => opts.signal?.aborted === true : undefined,
      onSteps: (n) => {
        envSteps += n;
      },
      onEpisode: (e) => onEpisodeEnd(e, phase),
    });
    if (!c) return null;
    return {
      job: c.job,
      gatEntropy: c.gatEntropy,
      rolloutS: c.rolloutS,
      actMs: c.actMs,
      version,
      episode,
      envSteps,
      rewardStd: scaler.std,
      routing: c.routing,
      opinion: c.opinion,
    };
  };

  /** Records update `done`'s results; `acting` is where a resumed run would start collecting. */
  const finishUpdate = async (done: Collected, r: UpdateResult, acting: ActingSnapshot, stepS: number) => {
    const { phase } = done.job;
    const u = r.stats;
    update++;
    ppoRngState = r.rng;
    lrState = r.lrSchedule;
    nanRollbacks = r.nanRollbacks;
    for (const m of r.messages) log.line(m);
    const router = policy.router;
    const balancedPrior = policy.opinionPrior !== null && policy.config.opinion.prior === "balanced";
    const record: Record<string, unknown> = {
      ...updateRecordHead({ update, episode: done.episode, envSteps: done.envSteps }, phase, u),
      ...done.routing,
      ...(done.opinion ?? {}),
      ...(balancedPrior
        ? {
            opinion_prior: Object.fromEntries(
              policy.expertNames.map((nm, k) => [nm, policy.opinionPrior![k]]),
            ),
          }
        : {}),
      ...(router
        ? { router_bias: Object.fromEntries(policy.expertNames.map((n, k) => [n, router.bias[k]])) }
        : {}),
      ...(router?.normalize === "per-expert"
        ? {
            router_logit_mean: Array.from(router.logitStats.mean),
            router_logit_std: Array.from(router.logitStats.std),
          }
        : {}),
      ...updateRecordStats(u),
      gat_attention_entropy: done.gatEntropy,
      reward_std: done.rewardStd,
      rolled_back: u.rolledBack,
      early_stop: u.earlyStop,
      // Updates between the weights that collected the rollout and those it trains: 0 synchronous, 1 pipelined.
      policy_lag: update - 1 - done.version,
      rollout_s: done.rolloutS,
      act_ms: done.actMs,
      update_s: r.updateS,
      // Pipelined: the wall time of one collect-while-updating step; synchronous: rollout plus update.
      steps_per_sec: (N * T) / stepS,
      time_s: elapsed(),
    };
    metrics.update(record as { update: number });
    opts.onUpdate?.(record);
    logUpdateLine(log, config.logEvery, update, phase, u);

    // Update boundary: refresh the resumable state, then write due checkpoints.
    const improved = refreshBest(best, episode, config.bestWindow, config.episodes);
    boundary = snapshotState(acting);
    if (acting.episode >= nextCheckpoint) {
      await writeCheckpoint(folder.checkpointDir(acting.episode));
      folder.pruneCheckpoints(config.keepCheckpoints);
      nextCheckpoint = (Math.floor(acting.episode / config.checkpointEvery) + 1) * config.checkpointEvery;
    }
    if (improved) {
      await writeCheckpoint(folder.bestDir);
      // The acting policy holds the learner's weights here (pipelined mode sets them before this call).
      policy.save(`${folder.bestDir}/policy`);
    }
  };

  const stopReason = (pending: boolean): RunSummary["status"] | null => {
    if (opts.signal?.aborted) return "interrupted";
    if (opts.maxUpdates !== undefined && update + (pending ? 1 : 0) >= opts.maxUpdates) return "max_updates";
    return episode < config.episodes ? null : "done";
  };

  try {
    if (!pipelined) {
      for (;;) {
        const stop = stopReason(false);
        if (stop) {
          status = stop;
          break;
        }
        const tStep = performance.now();
        const c = await collect(true);
        if (!c) {
          status = "interrupted";
          break;
        }
        const r = await learner.update(c.job);
        version = update + 1;
        await finishUpdate(c, r, actingSnapshot(), (performance.now() - tStep) / 1000);
      }
    } else {
      // `pending` is the rollout whose update runs in the learner's thread. A resumed pipelined run first
      // replays the interrupted rollout with its own (older) weights.
      let pending: { done: Collected; result: Promise<UpdateResult> } | null = null;
      let resumeWeights = learnerWeights;
      for (;;) {
        const tStep = performance.now();
        const acting = actingSnapshot();
        const stop = stopReason(pending !== null);
        const next = stop ? null : await collect(false);
        if (stop) status = stop;
        const finished = pending;
        let r: UpdateResult | null = null;
        if (finished) {
          r = await finished.result;
          // A resumed run collects the rollout after `acting` with the weights it acts with now.
          boundaryBehaviour = weightsToBlobs(policy.getWeights());
          // The rollout after `next` acts with the weights of this update.
          policy.setWeights(r.state?.weights ?? (await learner.weights()));
          version = update + 1;
        } else if (resumeWeights) {
          policy.setWeights(resumeWeights);
          version = update;
          resumeWeights = null;
        }
        // The learner starts on `next` at once; this update is recorded (and checkpointed) meanwhile.
        pending = next ? { done: next, result: learner.update(next.job) } : null;
        // Awaited in the next iteration; if this one throws first, the failure is reported there, not as an
        // unhandled rejection.
        pending?.result.catch(() => {});
        if (finished && r) {
          boundaryLearner = r.state;
          await finishUpdate(finished.done, r, acting, (performance.now() - tStep) / 1000);
        }
        if (!pending) break;
      }
    }
    // Done, interrupted or at the update cap: the state at the last update boundary is saved, so a resumed
    // run replays the interrupted rollout from there.
    if (status === "done") {
      await writeCheckpoint(folder.finalDir);
      policy.save(`${folder.finalDir}/policy`);
      log.line(
        `Finished ${episode} episodes, ${update} updates, ${envSteps} env steps in ${elapsed().toFixed(0)} s`,
      );
    } else {
      await writeCheckpoint(folder.checkpointDir(boundary.counters.episode));
      log.line(
        `${status === "interrupted" ? "Interrupted" : `Stopped after ${update} updates`}: ` +
          `checkpoint ${lastCheckpoint} (resume with --resume ${folder.dir})`,
      );
    }
  } finally {
    log.close();
    metrics.close();
    vec.close();
    await learner.close();
    policy.dispose();
  }
  return {
    runDir: folder.dir,
    episodes: episode,
    updates: update,
    envSteps,
    wallSeconds: elapsed(),
    status,
    checkpoint: lastCheckpoint,
    recentScoreMean: recentScores.mean(),
  };
}
