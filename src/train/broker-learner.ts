/**
 * The learner of a broker run (`tedg train --broker URL`): PPO on rollout segments that actors on other hosts
 * publish to Redis, weights back to them.
 *
 *   - Publishes the run's description (config, config hash, graph hash, seed base) and the weights (versioned:
 *     the version is the number of updates; a PUBLISH on the weights channel announces each).
 *   - Reads segments through the run's consumer group. Every entry is accounted for, each with a log line when
 *     it is not used: rejected (another run, config hash or graph hash; corrupt; larger than
 *     --max-segment-mb; a shape the learner cannot train on; a duplicate — an actor's sequence number seen
 *     before, e.g. a resent XADD), dropped (acted with weights more than --max-policy-lag versions old), or
 *     consumed (trained on). The counts are in every update record and every checkpoint.
 *   - An update trains on segments whose envs add up to at least the config's envs (their envs side by side),
 *     with the PPO ratio against the behaviour log-probabilities the actors stored — the off-policy correction of
 *     the pipelined trainer, here for policy lags 0 … max-policy-lag.
 *   - A checkpoint is written after every update; only then are the entries handled since the last one
 *     acknowledged (XACK), and the checkpoint lists them. A learner killed at any point therefore finds, after
 *     `--resume`, every entry it had not yet checkpointed still pending and reads those first; the checkpoint's
 *     own entries, if the kill cut off their acknowledgement, are acknowledged at start, not counted again.
 *   - After Redis comes back from a restart the learner reads its pending list again, so an entry delivered by
 *     a read whose reply was lost is not stranded.
 */
import { loadBuiltinGraph } from "../knowledge/index.js";
import { graphFingerprint, initBackend } from "../model/index.js";
import {
  RedisBroker,
  SegmentError,
  checkBrokerSecurity,
  decodeSegment,
  encodeWeights,
  parseBrokerUrl,
  type Segment,
  type StreamEntry,
} from "../broker/index.js";
import { opinionStats, policyForConfig, routingStats } from "../agent/index.js";
import {
  MetricsWriter,
  blobsToWeights,
  loadCheckpoint,
  phaseAt,
  openRun,
  saveCheckpoint,
  trimMetricsForResume,
  weightsToBlobs,
  type TrainConfig,
} from "../run/index.js";
import { InvalidArgumentError, Rng, TedgError, type TensorBlobs } from "../util/index.js";
import {
  LEARNER_CONSUMER,
  LEARNER_GROUP,
  RUN_INFO_FORMAT,
  checkSegmentShape,
  configHash,
  mergeSegments,
  type RunInfo,
} from "./broker-run.js";
import { formatConfig } from "./config.js";
import { LocalLearner, type LearnerStart } from "./learner.js";
import { TrainingLog } from "./log.js";
import type { LrScheduleState } from "./phases.js";
import { RolloutBuffer, type RolloutData } from "./rollout.js";
import { collectorState } from "./rollout-collector.js";
import { RecentScores, newBestScore, recordScore, refreshBest } from "./best-score.js";
import { logUpdateLine, updateRecordHead, updateRecordStats } from "./update-record.js";
import type { RunSummary, TrainOptions } from "./trainer.js";

export interface BrokerTrainOptions extends Omit<TrainOptions, "workers"> {
  /** redis://[user][:password@]host[:port][/db] */
  broker: string;
  insecure?: boolean;
  /** Drop segments acted with weights more than this many versions old (default 4). */
  maxPolicyLag?: number;
  /** Reject entries larger than this (MB, default 64). */
  maxSegmentMb?: number;
  /** Approximate cap of the segment stream (default: defaultStreamMaxLen). */
  streamMaxLen?: number;
}

export const REJECT_REASONS = [
  "run",
  "config_hash",
  "graph_hash",
  "corrupt",
  "oversized",
  "shape",
  "duplicate",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Every stream entry the learner handled, by outcome. */
export interface SegmentCounts {
  consumed: number;
  dropped_lag: number;
  rejected: Record<RejectReason, number>;
}

export interface BrokerSummary extends RunSummary {
  segments: SegmentCounts;
  /** The newest stream id handled. */
  lastId: string;
}

/** What a broker learner's checkpoint `extra` holds. */
interface BrokerExtra {
  broker: {
    counts: SegmentCounts;
    /** Per actor, the highest sequence number consumed, dropped or rejected. */
    lastSeq: Record<string, number>;
    /** The newest stream id handled. */
    lastId: string;
    /**
     * The entries handled since the checkpoint before: acknowledged right after this checkpoint was saved, and
     * again by a learner resuming from it (in case it died in between).
     */
    acked: string[];
    /**
     * Every game seed any actor of the run can have played lies in [config.seed, seedsEnd): the run's seed
     * counter when the checkpoint was written (tedg eval keeps held-out seeds out of it).
     */
    seedsEnd: number;
    elapsedS: number;
  };
}

const freshCounts = (): SegmentCounts => ({
  consumed: 0,
  dropped_lag: 0,
  rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
});
export const rejectedTotal = (c: SegmentCounts) => REJECT_REASONS.reduce((a, r) => a + c.rejected[r], 0);

/**
 * The default cap of the segment stream (XADD MAXLEN ~), a safety net: the learner deletes every entry it has
 * acknowledged, and the actors' backpressure keeps the undelivered entries near two updates' worth of env
 * rollouts (maxBacklogEnvs: 2 × envs entries at worst, with 1-env actors) plus one in flight per actor. The cap,
 * (max policy lag + 1) × envs + 256 entries, leaves room for more than that backlog and 256 more entries
 * (in-flight segments of many actors), so it trims nothing in a healthy run; it binds only when actors keep
 * publishing without backpressure (a Redis too old to report the group's lag). Default (lag 4, 16 envs): 336
 * entries, ≤ 645 MB of 1.92 MB segments.
 */
export function defaultStreamMaxLen(maxPolicyLag: number, envs: number): number {
  return (maxPolicyLag + 1) * envs + 256;
}

/**
 * The actors' backpressure bound, in env rollouts: an actor publishes only while the entries not yet delivered
 * to the learner (the group's lag; the learner reads one entry at a time, when it needs one), each counted at
 * the actor's envs, hold at most this many. Two updates' worth — the
 * update in progress and the next one ready — keeps the learner fed when actors outpace it; more would only
 * queue segments that age towards --max-policy-lag (and are dropped past it). With --max-policy-lag 0 one
 * update's worth.
 */
export function maxBacklogEnvs(maxPolicyLag: number, envs: number): number {
  return Math.min(maxPolicyLag + 1, 2) * envs;
}

/** Stream ids "ms-seq" in order. */
function idAfter(a: string, b: string): boolean {
  const [am, as] = a.split("-").map(Number);
  const [bm, bs] = b.split("-").map(Number);
  return am !== bm ? am > bm : as > bs;
}

class Rejected extends TedgError {
  constructor(
    readonly reason: RejectReason,
    detail: string,
  ) {
    super(detail);
  }
}

export async function trainWithBroker(
  configIn: TrainConfig | null,
  opts: BrokerTrainOptions,
): Promise<BrokerSummary> {
  const t0 = performance.now();
  const maxPolicyLag = opts.maxPolicyLag ?? 4;
  if (!Number.isInteger(maxPolicyLag) || maxPolicyLag < 0)
    throw new InvalidArgumentError("--max-policy-lag", maxPolicyLag, "an integer ≥ 0");
  const maxSegmentMb = opts.maxSegmentMb ?? 64;
  if (!(maxSegmentMb > 0)) throw new InvalidArgumentError("--max-segment-mb", maxSegmentMb, "a number > 0");
  const maxSegmentBytes = Math.floor(maxSegmentMb * 2 ** 20);
  if (opts.streamMaxLen !== undefined && !(Number.isInteger(opts.streamMaxLen) && opts.streamMaxLen >= 1))
    throw new InvalidArgumentError("stream cap (streamMaxLen)", opts.streamMaxLen, "an integer ≥ 1");
  const addr = parseBrokerUrl(opts.broker);
  checkBrokerSecurity(addr, { insecure: opts.insecure });

  await initBackend(opts.backend ?? "wasm");
  const { config, folder, resumeFrom } = openRun(configIn, opts);
  const streamMaxLen = opts.streamMaxLen ?? defaultStreamMaxLen(maxPolicyLag, config.envs);
  const run = config.expName;
  if (!/^[\w.-]+$/.test(run))
    throw new InvalidArgumentError("run name (--exp-name)", run, "letters, digits, '.', '_', '-'");
  await opts.onRunFolder?.(folder.dir);
  const graph = loadBuiltinGraph();
  const graphHash = graphFingerprint(graph);
  const cfgHash = configHash(config);
  const policy = policyForConfig(config, graph);
  const root = new Rng(config.seed);
  root.fork(); // the acting stream of `tedg train`: actors draw their own
  let ppoRngState = root.fork().getState();

  let episode = 0;
  let update = 0;
  let envSteps = 0;
  let elapsedBefore = 0;
  let lrState: LrScheduleState = { updates: 0 };
  let nanRollbacks = 0;
  let counts = freshCounts();
  let lastSeq: Record<string, number> = {};
  let lastId = "0-0";
  let resumeAcks: string[] = [];
  let optimizerStart: TensorBlobs | undefined;
  const best = newBestScore(config.bestWindow);
  if (resumeFrom) {
    const ck = loadCheckpoint(resumeFrom.checkpoint);
    const s = ck.state;
    const extra = (s.extra as unknown as Partial<BrokerExtra>).broker;
    if (!extra)
      throw new InvalidArgumentError(
        "--resume",
        resumeFrom.checkpoint,
        "a checkpoint of a broker run (tedg train --broker); resume other runs without --broker",
      );
    policy.setWeights(blobsToWeights(ck.weights));
    optimizerStart = ck.optimizer;
    episode = s.counters.episode;
    update = s.counters.update;
    envSteps = s.counters.envSteps;
    ppoRngState = s.rng.ppo;
    lrState = s.lrSchedule;
    nanRollbacks = s.nanRollbacks;
    Object.assign(best, s.best);
    counts = structuredClone(extra.counts);
    lastSeq = { ...extra.lastSeq };
    lastId = extra.lastId;
    resumeAcks = extra.acked ?? [];
    elapsedBefore = extra.elapsedS;
    trimMetricsForResume(folder.metricsFile, { episode, update });
  }

  const log = new TrainingLog({
    logFile: folder.logFile,
    totalEpisodes: config.episodes,
    startEpisode: episode,
    console: opts.console,
    progressBar: false,
  });
  const metrics = new MetricsWriter(folder.metricsFile);
  const elapsed = () => elapsedBefore + (performance.now() - t0) / 1000;
  const broker = new RedisBroker(addr, { name: `tedg-learner:${run}`, log: (l) => log.line(l) });
  const start: LearnerStart = {
    rng: ppoRngState,
    lrSchedule: lrState,
    optimizer: optimizerStart,
    optimizerSource: resumeFrom ? `${resumeFrom.checkpoint}/optimizer` : undefined,
  };
  const learner = await LocalLearner.create(policy, config, start);
  // A one-env rollout of the learner's shape: what every segment's rows must look like.
  const ref: RolloutData = new RolloutBuffer({
    steps: config.rolloutSteps,
    envs: 1,
    ...collectorState(config, policy, graph, 1).observer.rowSizes,
    numExperts: policy.numExperts,
    opinion: policy.arch === "moe-graph",
  }).data();

  let status: RunSummary["status"] = "done";
  let lastCheckpoint = "";
  const recentScores = new RecentScores();
  // Entries handled since the last checkpoint (acknowledged right after the next one).
  let toAck: string[] = [];
  const handled = new Set<string>();
  try {
    await broker.connectPatiently();
    if (resumeFrom) log.line(`Resuming ${folder.dir} from ${resumeFrom.checkpoint} (update ${update})`);
    else {
      log.line(`Run ${folder.dir}`);
      log.line(formatConfig(config));
    }
    // The group exists before the run is announced, so no actor's first segment is missed.
    await broker.ensureGroup(run, LEARNER_GROUP);
    const info: RunInfo = {
      format: RUN_INFO_FORMAT,
      run,
      config,
      configHash: cfgHash,
      graphHash,
      seedBase: config.seed,
      streamMaxLen,
      maxSegmentBytes,
      // Enough that the learner never waits for data when actors outpace it (the update in progress and the
      // next one), no more: a longer queue only adds policy lag.
      maxBacklogEnvs: maxBacklogEnvs(maxPolicyLag, config.envs),
      status: "running",
    };
    await broker.setRunInfo(run, info);
    const publish = async () =>
      broker.publishWeights(
        run,
        update,
        encodeWeights({ version: update, episode, weights: policy.getWeights() }),
      );
    await publish();
    log.line(
      `broker ${addr.display}: run "${run}" (config ${cfgHash.slice(0, 12)}, graph ${graphHash.slice(0, 12)}), ` +
        `weights v${update} published; start actors with: tedg actor --broker ${addr.display} --run ${run}`,
    );

    const snapshot = () => ({
      counters: { episode, update, envSteps },
      phase: (({ name, index }) => ({ name, index }))(phaseAt(config, episode)),
      rng: { ppo: ppoRngState },
      rewardScaler: null,
      lrSchedule: lrState,
      best: structuredClone(best),
      nanRollbacks,
      config,
      extra: {
        broker: {
          counts: structuredClone(counts),
          lastSeq: { ...lastSeq },
          lastId,
          acked: [...toAck],
          seedsEnd,
          elapsedS: elapsed(),
        },
      } satisfies BrokerExtra as unknown as Record<string, unknown>,
    });
    let seedsEnd = config.seed;
    const checkpoint = async (dir: string) => {
      seedsEnd = config.seed + (await broker.seedsAllocated(run));
      saveCheckpoint(dir, {
        state: snapshot(),
        weights: weightsToBlobs(policy.getWeights()),
        optimizer: await learner.optimizerState(),
      });
      lastCheckpoint = dir;
      // Everything handled so far is in the checkpoint now: acknowledge it and delete it from the stream (its
      // data is in the checkpoint or was deliberately not trained on), so Redis holds only what is still to
      // be handled.
      await broker.ackAndDelete(run, LEARNER_GROUP, toAck);
      toAck = [];
      handled.clear();
    };

    /** Decides what to do with one entry; returns the segment to train on, or null. */
    const handle = (e: StreamEntry): Segment | null => {
      try {
        if (e.data.length > maxSegmentBytes)
          throw new Rejected(
            "oversized",
            `${(e.data.length / 2 ** 20).toFixed(2)} MB, above --max-segment-mb ${maxSegmentMb}`,
          );
        let seg: Segment;
        try {
          seg = decodeSegment(e.data);
        } catch (err) {
          if (err instanceof SegmentError) throw new Rejected("corrupt", err.message);
          throw err;
        }
        const m = seg.meta;
        if (m.run !== run) throw new Rejected("run", `of run "${m.run}"`);
        if (m.configHash !== cfgHash)
          throw new Rejected("config_hash", `config hash ${m.configHash.slice(0, 12)} is not this run's`);
        if (m.graphHash !== graphHash)
          throw new Rejected("graph_hash", `graph hash ${m.graphHash.slice(0, 12)} is not this run's`);
        if (!Number.isInteger(m.seq) || (m.seq as number) < 0)
          throw new Rejected("corrupt", `sequence number ${JSON.stringify(m.seq)} is not a count`);
        const seq = m.seq as number;
        if (seq <= (lastSeq[m.actor] ?? -1))
          throw new Rejected("duplicate", `actor ${m.actor}'s segment ${seq} was handled before`);
        lastSeq[m.actor] = seq;
        try {
          checkSegmentShape(seg, ref);
        } catch (err) {
          throw new Rejected("shape", (err as Error).message);
        }
        if (m.version > update)
          throw new Rejected("corrupt", `policy version ${m.version} is newer than the learner's ${update}`);
        if (update - m.version > maxPolicyLag) {
          counts.dropped_lag++;
          log.line(
            `segment ${e.id} of ${m.actor}#${seq}: dropped, policy lag ${update - m.version} > --max-policy-lag ${maxPolicyLag}`,
          );
          return null;
        }
        return seg;
      } catch (err) {
        if (!(err instanceof Rejected)) throw err;
        counts.rejected[err.reason]++;
        log.line(`segment ${e.id}: rejected (${err.reason}): ${err.message}`);
        return null;
      }
    };

    // Entries delivered before a crash and not acknowledged come first (oldest first), then new ones.
    // A checkpoint's entries whose acknowledgement a crash may have cut off.
    // Acknowledging or deleting ids already gone does nothing.
    if (resumeAcks.length) await broker.ackAndDelete(run, LEARNER_GROUP, resumeAcks);
    let pendingCursor: string | null = "0-0";
    // After a reconnection, a read whose reply was lost may have left entries delivered but never seen here:
    // the pending list is read again (entries handled or queued already are skipped).
    broker.redis.on("ready", () => {
      pendingCursor = "0-0";
    });
    const nextEntries = async (): Promise<StreamEntry[]> => {
      if (pendingCursor !== null) {
        const got = await broker.readOwnPending(run, LEARNER_GROUP, LEARNER_CONSUMER, 64, pendingCursor);
        if (got.length > 0) {
          pendingCursor = got[got.length - 1].id;
          return got;
        }
        pendingCursor = null;
      }
      // One entry at a time: entries stay undelivered until the learner needs them, so the group's lag — what
      // the actors' backpressure reads — is the learner's whole backlog (a read-ahead would hide it from them,
      // and they would keep publishing segments that only age towards --max-policy-lag).
      return broker.readSegments(run, LEARNER_GROUP, LEARNER_CONSUMER, 1, 500);
    };

    const stopReason = (): RunSummary["status"] | null => {
      if (opts.signal?.aborted) return "interrupted";
      if (opts.maxUpdates !== undefined && update >= opts.maxUpdates) return "max_updates";
      return episode < config.episodes ? null : "done";
    };

    // Read but not yet handled (they stay pending in the group until handled and checkpointed).
    const queue: StreamEntry[] = [];
    const queued = new Set<string>();
    // A fresh run is resumable before its first update too.
    if (!resumeFrom) await checkpoint(folder.checkpointDir(0));
    for (;;) {
      const stop = stopReason();
      if (stop) {
        status = stop;
        break;
      }
      // Gather segments until their envs reach the config's envs; the entries after them wait in `queue`, so
      // that at the checkpoint after the update every handled entry's data is in it.
      const segs: Segment[] = [];
      let envs = 0;
      const tWait = performance.now();
      while (envs < config.envs && !opts.signal?.aborted) {
        if (queue.length === 0)
          for (const e of await nextEntries())
            if (!queued.has(e.id) && !handled.has(e.id)) {
              queued.add(e.id);
              queue.push(e);
            }
        const e = queue.shift();
        if (!e) continue;
        queued.delete(e.id);
        if (handled.has(e.id)) continue;
        if (idAfter(e.id, lastId)) lastId = e.id;
        handled.add(e.id);
        toAck.push(e.id);
        const seg = handle(e);
        if (seg) {
          segs.push(seg);
          envs += seg.meta.shape.envs as number;
        }
      }
      // Interrupted while gathering: what was handled since the last checkpoint stays pending (a resumed
      // learner handles it again), so no checkpoint is written for it.
      if (opts.signal?.aborted) {
        status = "interrupted";
        break;
      }
      const waitS = (performance.now() - tWait) / 1000;
      // The segments, their episodes and their steps are this update's.
      const phase = phaseAt(config, episode);
      const lags = segs.map((s) => update - s.meta.version);
      for (const s of segs) {
        envSteps += (s.meta.shape.envs as number) * s.meta.t;
        for (const ep of s.meta.episodes) {
          const rec = {
            ...ep,
            episode,
            actor: s.meta.actor,
            phase: phase.name,
            phase_index: phase.index,
            routing: phase.routing,
            tau: phase.tau,
            env_steps: envSteps,
            update: s.meta.version,
            time_s: elapsed(),
          } as Record<string, unknown>;
          if (Array.isArray(ep.alpha_mean))
            rec.alpha_mean = Object.fromEntries(
              policy.expertNames.map((n, k) => [n, (ep.alpha_mean as number[])[k]]),
            );
          metrics.episode(rec as never);
          episode++;
          const score = Number(ep.score);
          recentScores.push(score);
          recordScore(best, score, config.bestWindow);
        }
      }
      counts.consumed += segs.length;
      const job = mergeSegments(segs, ref.shape, { phase });
      const r = await learner.update(job);
      update++;
      ppoRngState = r.rng;
      lrState = r.lrSchedule;
      nanRollbacks = r.nanRollbacks;
      for (const m of r.messages) log.line(m);
      const u = r.stats;
      refreshBest(best, episode, config.bestWindow, config.episodes);
      const stds = segs.map((s) => s.meta.rewardStd).filter((v): v is number => typeof v === "number");
      const record: Record<string, unknown> = {
        ...updateRecordHead({ update, episode, envSteps }, phase, u),
        ...updateRecordStats(u),
        // Routing over the merged rollout, as the in-process trainer reports it (the report's routing charts).
        ...routingStats(job.rollout.arrays.alpha, policy.expertNames),
        ...(job.rollout.shape.opinion
          ? opinionStats(
              job.rollout.arrays.alpha,
              job.rollout.arrays.opinion,
              job.rollout.arrays.opinionValid,
              policy.expertNames.length,
              policy.confidence,
            )
          : {}),
        reward_std: stds.length ? stds.reduce((a, b) => a + b, 0) / stds.length : null,
        rolled_back: u.rolledBack,
        early_stop: u.earlyStop,
        policy_lag: lags.reduce((a, b) => a + b, 0) / lags.length,
        policy_lag_max: Math.max(...lags),
        segments: segs.length,
        segment_ids: segs.map((s) => `${s.meta.actor}#${s.meta.seq}`),
        actors: [...new Set(segs.map((s) => s.meta.actor))].length,
        segments_consumed: counts.consumed,
        segments_dropped_lag: counts.dropped_lag,
        segments_rejected: rejectedTotal(counts),
        wait_s: waitS,
        update_s: r.updateS,
        steps_per_sec: (job.rollout.shape.envs * job.rollout.shape.steps) / Math.max(1e-9, waitS + r.updateS),
        time_s: elapsed(),
      };
      metrics.update(record as { update: number });
      opts.onUpdate?.(record);
      if (logUpdateLine(log, config.logEvery, update, phase, u)) {
        log.line(
          `segments: ${counts.consumed} consumed, ${counts.dropped_lag} dropped (lag), ` +
            `${rejectedTotal(counts)} rejected; policy lag ${record.policy_lag}`,
        );
      }
      // The update's data is safe in a checkpoint before its entries are acknowledged; then actors may use it.
      await checkpoint(folder.checkpointDir(episode));
      folder.pruneCheckpoints(config.keepCheckpoints ?? 3);
      await publish();
    }
    if (status === "done") {
      await checkpoint(folder.finalDir);
      policy.save(`${folder.finalDir}/policy`);
      await broker.setRunInfo(run, { ...info, status: "done" });
      log.line(
        `Finished ${episode} episodes, ${update} updates, ${envSteps} env steps in ${elapsed().toFixed(0)} s`,
      );
    } else {
      // The checkpoint after the last update is the resume point.
      log.line(
        `${status === "interrupted" ? "Interrupted" : `Stopped after ${update} updates`}: ` +
          `checkpoint ${lastCheckpoint} (resume with --resume ${folder.dir} --broker …)`,
      );
    }
    log.line(
      `segments: ${counts.consumed} consumed, ${counts.dropped_lag} dropped (lag), ${rejectedTotal(counts)} rejected ` +
        `(${
          REJECT_REASONS.filter((r) => counts.rejected[r])
            .map((r) => `${r} ${counts.rejected[r]}`)
            .join(", ") || "none"
        })`,
    );
  } finally {
    log.close();
    metrics.close();
    await learner.close();
    policy.dispose();
    await broker.close();
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
    segments: counts,
    lastId,
  };
}
