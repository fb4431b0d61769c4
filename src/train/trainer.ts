/**
 * The trainer loop: rollouts from a VecEnv in time order → GAE per env → PPO update with the phase's
 * auxiliary terms → metrics, logs, checkpoints. Everything random flows from `config.seed`:
 *   - game seeds: env i's k-th episode plays seed + k·N + i (VecEnv's schedule),
 *   - the policy's initial weights (config.model.seed, default derived from the run seed),
 *   - action sampling and minibatch shuffles (two named Rng streams, saved in checkpoints).
 *
 * Resuming: a checkpoint is taken at an update boundary (the rollout buffer is empty there). The games in
 * progress cannot be serialised, but they are deterministic, so the checkpoint stores each env's episode
 * index and the actions of its running episode, and a resumed run replays them. Together with the RNG,
 * scaler, memory and optimizer states this makes `--resume` continue bit-exactly.
 */
import * as tf from "@tensorflow/tfjs-core";
import { VecEnv, type BatchObs, type EpisodeInfo, type Observation } from "../env/index.js";
import { loadBuiltinGraph } from "../knowledge/index.js";
import { initBackend } from "../model/index.js";
import { InvalidArgumentError, Rng } from "../util/index.js";
import {
  BatchObserver,
  NUM_SCORE_ACTIONS,
  opinionStats,
  policyForConfig,
  routingEntropyPerStep,
  routingStats,
} from "../agent/index.js";
import {
  MetricsWriter,
  RunFolder,
  blobsToWeights,
  loadCheckpoint,
  phaseAt,
  resolveCheckpoint,
  saveCheckpoint,
  trimMetricsForResume,
  weightsToBlobs,
  type CheckpointChoice,
  type PhaseState,
  type TrainConfig,
} from "../run/index.js";
import { formatConfig } from "./config.js";
import { computeGae } from "./gae.js";
import { confidentRows, logitStats } from "../model/index.js";
import { operatorExpertMatrix } from "./losses.js";
import { TrainingLog } from "./log.js";
import { NanGuard } from "./nan-guard.js";
import { loadOptimizerState, saveOptimizerState } from "./optimizer-state.js";
import { LrSchedule } from "./phases.js";
import { ppoUpdate } from "./ppo-update.js";
import { trainablePolicy } from "./policy-adapter.js";
import { RewardScaler } from "./reward-scaler.js";
import { RolloutBuffer } from "./rollout.js";

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

/** Per-env bookkeeping of the running episode. */
interface EnvTrack {
  /** Episodes this env has started (its VecEnv episode counter). */
  started: number;
  actions: number[];
  entropySum: number;
  alphaSum: number[];
  steps: number;
}

/** What a checkpoint's `extra` holds for the trainer. */
interface TrainerExtra {
  envs: { started: number; actions: number[]; entropySum: number; alphaSum: number[]; steps: number }[];
  observer: ReturnType<BatchObserver["getState"]>;
  seedStart: number;
  phaseIndex: number;
  elapsedS: number;
}

function makeAdam(config: TrainConfig, lr: number): tf.Optimizer {
  return tf.train.adam(lr, config.ppo.adamBeta1, config.ppo.adamBeta2, config.ppo.adamEps);
}

/**
 * Trains a policy. With `opts.resume`, `config` is ignored except for `episodes` when `opts.episodes` is
 * set: the run continues with the config saved in its checkpoint.
 */
export async function train(configIn: TrainConfig | null, opts: TrainOptions = {}): Promise<RunSummary> {
  const t0 = performance.now();
  const backend = await initBackend(opts.backend ?? "wasm");
  let config: TrainConfig;
  let folder: RunFolder;
  let resumeFrom: CheckpointChoice | null = null;
  if (opts.resume) {
    resumeFrom = resolveCheckpoint(opts.resume, "--resume");
    config = { ...resumeFrom.state.config };
    if (opts.episodes !== undefined) config.episodes = opts.episodes;
    folder = RunFolder.at(resumeFrom.runDir);
  } else {
    if (!configIn) throw new InvalidArgumentError("train config", configIn, "a config (or opts.resume)");
    config = configIn;
    folder = RunFolder.open(config, { cwd: opts.cwd });
    folder.saveConfig(config);
  }

  await opts.onRunFolder?.(folder.dir);
  const graph = loadBuiltinGraph();
  const policy = policyForConfig(config, graph);
  const vars = policy.trainableVariables();
  const optimizer = makeAdam(config, config.phases[0].lr);
  // Only the earlier alignment targets ("centred", "raw") read the operator → expert averaging matrix.
  const opToExpert =
    policy.arch === "moe-graph" && config.ppo.alignmentTarget !== "opinion"
      ? operatorExpertMatrix(graph.operatorExpert, policy.numExperts)
      : undefined;
  const N = config.envs;
  const T = config.rolloutSteps;
  const root = new Rng(config.seed);
  let actRng = root.fork();
  let ppoRng = root.fork();
  const scaler = new RewardScaler(N, {
    gamma: config.ppo.gamma,
    scaleByStd: config.reward.scaleByStd,
    clip: config.reward.clip,
  });
  const lrSchedule = new LrSchedule(config.ppo.lrWarmupUpdates);
  const guard = new NanGuard({ onRollback: (msg) => log.line(msg) });
  const observer = new BatchObserver(graph, N, {
    cropSize: policy.config.visual.cropSize,
    actionMask: config.actionMask,
    numActions: NUM_SCORE_ACTIONS,
  });
  const seedStart = config.seed;

  let episode = 0;
  let update = 0;
  let envSteps = 0;
  let elapsedBefore = 0;
  let phaseIndex = -1;
  const best = {
    metric: `score_avg${config.bestWindow}`,
    value: null as number | null,
    episode: null as number | null,
    recent: [] as number[],
  };
  const tracks: EnvTrack[] = Array.from({ length: N }, () => ({
    started: 1,
    actions: [],
    entropySum: 0,
    alphaSum: new Array<number>(policy.numExperts).fill(0),
    steps: 0,
  }));

  if (resumeFrom) {
    const ck = loadCheckpoint(resumeFrom.checkpoint);
    const s = ck.state;
    policy.setWeights(blobsToWeights(ck.weights));
    await loadOptimizerState(optimizer, ck.optimizer, vars, `${resumeFrom.checkpoint}/optimizer`);
    episode = s.counters.episode;
    update = s.counters.update;
    envSteps = s.counters.envSteps;
    actRng = new Rng(s.rng.act);
    ppoRng = new Rng(s.rng.ppo);
    if (s.rewardScaler) scaler.setState(s.rewardScaler);
    lrSchedule.setState(s.lrSchedule);
    Object.assign(best, s.best);
    const extra = s.extra as unknown as TrainerExtra;
    extra.envs.forEach((e, i) => Object.assign(tracks[i], structuredClone(e)));
    observer.setState(extra.observer);
    phaseIndex = extra.phaseIndex;
    elapsedBefore = extra.elapsedS;
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
      `graph ${graph.conditionNodes.length} conditions, ${graph.operatorNodes.length} operators`,
  );

  const vec = new VecEnv({
    numEnvs: N,
    workers: opts.workers,
    seedStart,
    task: config.task,
    maxEpisodeSteps: config.maxSteps,
  });
  const views: Observation[] = Array.from({ length: N }, (_, i) => vec.obsAt(i));
  let obs: BatchObs;
  if (resumeFrom) {
    obs = vec.restore(tracks.map((t) => ({ episode: t.started - 1, actions: t.actions })));
  } else {
    obs = vec.reset();
    observer.resetAll();
  }
  let input = observer.observe(obs, views);

  const rs = observer.rowSizes;
  const buffer = new RolloutBuffer({
    steps: T,
    envs: N,
    ...rs,
    numExperts: policy.numExperts,
    opinion: policy.arch === "moe-graph",
  });
  const adapter = trainablePolicy(policy, (idx) => ({
    batch: buffer.gather(idx),
    actions: Int32Array.from(idx, (i) => buffer.actions[i]),
  }));

  const recentScores: number[] = [];
  let status: RunSummary["status"] = "done";
  let lastCheckpoint = "";
  let nextCheckpoint = (Math.floor(episode / config.checkpointEvery) + 1) * config.checkpointEvery;
  const elapsed = () => elapsedBefore + (performance.now() - t0) / 1000;

  // What a checkpoint records; refreshed at every update boundary (where the buffer is empty).
  const snapshotState = () => {
    const phase = phaseAt(config, episode);
    return {
      counters: { episode, update, envSteps },
      phase: { name: phase.name, index: phase.index },
      rng: { act: actRng.getState(), ppo: ppoRng.getState() },
      rewardScaler: scaler.getState(),
      lrSchedule: lrSchedule.getState(),
      best: structuredClone(best),
      nanRollbacks: guard.rollbacks,
      config,
      extra: {
        envs: tracks.map((t) => structuredClone(t)),
        observer: observer.getState(),
        seedStart,
        phaseIndex,
        elapsedS: elapsed(),
      } satisfies TrainerExtra as unknown as Record<string, unknown>,
    };
  };
  let boundary = snapshotState();
  const writeCheckpoint = async (dir: string) => {
    saveCheckpoint(dir, {
      state: boundary,
      weights: weightsToBlobs(policy.getWeights()),
      optimizer: await saveOptimizerState(optimizer),
    });
    lastCheckpoint = dir;
  };

  const onEpisodeEnd = (info: EpisodeInfo, phase: PhaseState) => {
    const tr = tracks[info.env];
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
      alpha_entropy_step: tr.steps ? tr.entropySum / tr.steps : NaN,
      alpha_mean: tr.alphaSum.map((a) => (tr.steps ? a / tr.steps : NaN)),
      env_steps: envSteps,
      update,
      time_s: elapsed(),
    };
    metrics.episode({
      ...rec,
      alpha_mean: Object.fromEntries(policy.expertNames.map((n, k) => [n, rec.alpha_mean[k]])),
    });
    opts.onEpisode?.(rec);
    episode++;
    recentScores.push(info.score);
    if (recentScores.length > 1000) recentScores.shift();
    best.recent.push(info.score);
    if (best.recent.length > config.bestWindow) best.recent.shift();
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
    const avg = best.recent.reduce((a, b) => a + b, 0) / best.recent.length;
    log.progress(Math.min(episode, config.episodes), { phase: phase.name, avgScore: avg });
    tr.started++;
    tr.actions = [];
    tr.entropySum = 0;
    tr.alphaSum.fill(0);
    tr.steps = 0;
  };

  const K = policy.numExperts;
  try {
    while (episode < config.episodes) {
      if (opts.maxUpdates !== undefined && update >= opts.maxUpdates) {
        status = "max_updates";
        break;
      }
      if (opts.signal?.aborted) {
        status = "interrupted";
        break;
      }
      const phase = phaseAt(config, episode);
      if (phase.index !== phaseIndex) {
        log.phase(phase, episode);
        phaseIndex = phase.index;
      }
      policy.router?.setRouting({ mode: phase.routing, tau: phase.tau });
      const tRollout = performance.now();
      buffer.clear();
      let aborted = false;
      for (let t = 0; t < T; t++) {
        // Let signal handlers (Ctrl-C) run: the rollout is otherwise one synchronous stretch.
        if ((t & 7) === 0) await new Promise((r) => setImmediate(r));
        if (opts.signal?.aborted) {
          aborted = true;
          break;
        }
        const act = policy.act(input, { rng: actRng });
        buffer.addStep(input, act);
        for (let n = 0; n < N; n++) {
          const tr = tracks[n];
          tr.actions.push(act.action[n]);
          tr.entropySum += routingEntropyPerStep(act.alpha.subarray(n * K, (n + 1) * K), K);
          for (let k = 0; k < K; k++) tr.alphaSum[k] += act.alpha[n * K + k];
          tr.steps++;
        }
        const res = vec.step(act.action);
        envSteps += N;
        const done = new Uint8Array(N);
        for (let n = 0; n < N; n++) done[n] = res.terminated[n] | res.truncated[n];
        for (const info of res.episodes) {
          if (res.truncated[info.env] && !res.terminated[info.env]) {
            const v = policy.act(observer.observeOne(info.env, info.finalObs), {
              rng: new Rng(0),
              greedy: true,
            });
            buffer.setTruncValue(info.env, v.value[0]);
          }
          observer.resetEnv(info.env);
          onEpisodeEnd(info, phase);
        }
        buffer.addOutcome(scaler.process(res.rewards, done), res.terminated, res.truncated);
        input = observer.observe(res.obs, views);
      }
      if (aborted) {
        status = "interrupted";
        break;
      }
      const rolloutS = (performance.now() - tRollout) / 1000;

      // Bootstrap from the observation after the rollout.
      const last = policy.act(input, { rng: new Rng(0), greedy: true });
      const gae = computeGae({
        steps: T,
        envs: N,
        rewards: buffer.rewards,
        values: buffer.values,
        terminated: buffer.terminated,
        truncated: buffer.truncated,
        truncValues: buffer.truncValues,
        lastValues: last.value,
        gamma: config.ppo.gamma,
        lambda: config.ppo.lambda,
      });
      const tUpdate = performance.now();
      const u = await ppoUpdate({
        policy: adapter,
        optimizer,
        data: {
          oldLogProb: buffer.logProb,
          oldValue: buffer.values,
          advantages: gae.advantages,
          returns: gae.returns,
          pairs: buffer.pairs(),
        },
        config: config.ppo,
        phase,
        rng: ppoRng,
        lrSchedule,
        nanGuard: guard,
        opToExpert,
      });
      const updateS = (performance.now() - tUpdate) / 1000;
      update++;
      const router = policy.router;
      let gatEntropy: number | null = null;
      const balancedPrior = policy.opinionPrior !== null && policy.config.opinion.prior === "balanced";
      if (policy.arch === "moe-graph" || router?.normalize === "per-expert") {
        // Every stored state (all envs, all steps) under the updated weights: the GAT metric, the opinion's expert
        // prior ḡ and, with per-expert normalisation, the statistics the next rollout routes with.
        const out = tf.tidy(() => {
          const idx = Int32Array.from({ length: buffer.size }, (_, i) => i);
          const ev = policy.evaluate(buffer.gather(idx));
          const none = tf.zeros([0]);
          return [
            ev.gatAttentionEntropy ?? none,
            ev.routerLogits ?? none,
            ev.opinionRaw ?? none,
            tf.tensor1d(ev.opinionValid ?? new Float32Array(0)),
          ];
        });
        const [entV, rawLogits, rawOpinion, valid] = out.map((t) => t.dataSync() as Float32Array);
        tf.dispose(out);
        gatEntropy = entV.length ? entV[0] : null;
        if (router?.normalize === "per-expert" && rawLogits.length)
          router.setLogitStats(logitStats(rawLogits, K));
        if (balancedPrior && rawOpinion.length) {
          const mean = new Array<number>(K).fill(0);
          let n = 0;
          for (let i = 0; i < valid.length; i++) {
            if (!valid[i]) continue;
            n++;
            for (let k = 0; k < K; k++) mean[k] += rawOpinion[i * K + k];
          }
          if (n > 0) policy.setOpinionPrior(mean.map((m) => m / n));
        }
      }
      const routing = routingStats(buffer.alpha, policy.expertNames);
      const opinion = buffer.shape.opinion
        ? opinionStats(buffer.alpha, buffer.opinion, buffer.opinionValid, K, policy.confidence)
        : null;
      if (router && phase.balanceBiasRate > 0) {
        // Shares over the steps where the graph is not confident: balancing must not argue with the graph.
        router.stepBalance(balanceShares(buffer, K, policy.confidence), phase.balanceBiasRate);
      }
      const record: Record<string, unknown> = {
        // 0-based like episode records (trimMetricsForResume keeps records below the checkpoint's counters).
        update: update - 1,
        episode,
        env_steps: envSteps,
        phase: phase.name,
        phase_index: phase.index,
        routing: phase.routing,
        tau: phase.tau,
        lr: u.lr,
        losses: u.losses,
        weighted: u.weighted,
        policy_entropy: u.losses.entropy,
        ...routing,
        ...(opinion ?? {}),
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
        approx_kl: u.approxKl,
        clip_fraction: u.clipFraction,
        explained_variance: u.explainedVariance,
        grad_norm: u.gradNorm,
        grad_norm_max: u.gradNormMax,
        gat_attention_entropy: gatEntropy,
        advantage_mean: u.advantageMean,
        advantage_std: u.advantageStd,
        reward_std: scaler.std,
        rolled_back: u.rolledBack,
        early_stop: u.earlyStop,
        rollout_s: rolloutS,
        update_s: updateS,
        steps_per_sec: (N * T) / (rolloutS + updateS),
        time_s: elapsed(),
      };
      metrics.update(record as { update: number });
      opts.onUpdate?.(record);
      if (update % config.logEvery === 0 || u.rolledBack) {
        log.update({
          update,
          phase: phase.name,
          lr: u.lr,
          losses: u.losses,
          approxKl: u.approxKl,
          clipFraction: u.clipFraction,
          gradNorm: u.gradNorm,
          explainedVariance: u.explainedVariance,
          rolledBack: u.rolledBack !== null,
        });
      }

      // Update boundary: refresh the resumable state, then write due checkpoints.
      let improved = false;
      if (best.recent.length >= Math.min(config.bestWindow, config.episodes)) {
        const avg = best.recent.reduce((a, b) => a + b, 0) / best.recent.length;
        if (best.value === null || avg > best.value) {
          best.value = avg;
          best.episode = episode;
          improved = true;
        }
      }
      boundary = snapshotState();
      if (episode >= nextCheckpoint) {
        await writeCheckpoint(folder.checkpointDir(episode));
        folder.pruneCheckpoints(config.keepCheckpoints);
        nextCheckpoint = (Math.floor(episode / config.checkpointEvery) + 1) * config.checkpointEvery;
      }
      if (improved) {
        await writeCheckpoint(folder.bestDir);
        policy.save(`${folder.bestDir}/policy`);
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
    opToExpert?.dispose();
    optimizer.dispose();
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
    recentScoreMean: recentScores.length
      ? recentScores.reduce((a, b) => a + b, 0) / recentScores.length
      : null,
  };
}

/** Each expert's share of dominated steps among the rollout's steps where the graph is not confident. */
function balanceShares(buffer: RolloutBuffer, K: number, threshold: number): number[] {
  const confident = buffer.shape.opinion
    ? confidentRows(buffer.opinion, buffer.opinionValid, K, threshold)
    : null;
  const c = new Array<number>(K).fill(0);
  let n = 0;
  for (let i = 0; i < buffer.size; i++) {
    if (confident?.[i]) continue;
    let best = 0;
    for (let k = 1; k < K; k++) if (buffer.alpha[i * K + k] > buffer.alpha[i * K + best]) best = k;
    c[best]++;
    n++;
  }
  return c.map((v) => (n ? v / n : NaN));
}
