/**
 * One rollout of T steps × N envs with the acting policy: the collection loop that `tedg train` (in-process,
 * synchronous or pipelined) and `tedg actor` (one segment per rollout to the broker) share, so that both act,
 * observe, scale rewards, bootstrap truncations and compute GAE in exactly the same way.
 *
 * The caller owns the counters (episodes, env steps) and the metrics; it hears of every step batch
 * (`onSteps`) and every finished episode (`onEpisode`) while the rollout runs, in the order they happen.
 */
import type { EpisodeInfo, VecEnv } from "../env/index.js";
import { Rng } from "../util/index.js";
import {
  BatchObserver,
  Collector,
  NUM_SCORE_ACTIONS,
  EpisodeRoutingSlots,
  type CollectHooks,
  opinionStats,
  routingStats,
} from "../agent/index.js";
import type { Hypergraph } from "../knowledge/index.js";
import type { Policy } from "../model/index.js";
import type { PhaseState, TrainConfig } from "../run/index.js";
import { computeGae } from "./gae.js";
import type { UpdateJob } from "./learner.js";
import { RewardScaler } from "./reward-scaler.js";
import { RolloutBuffer } from "./rollout.js";

/** Per-env bookkeeping of the running episode (its routing statistics are in an EpisodeRoutingSlots). */
export interface EnvTrack {
  /** Episodes this env has started (its VecEnv episode counter). */
  started: number;
  actions: number[];
}

/** A finished episode and its routing statistics. */
export interface FinishedEpisode {
  info: EpisodeInfo;
  routing: ReturnType<EpisodeRoutingSlots["end"]>;
}

/** What one rollout produced. */
export interface CollectedRollout {
  /** The update's input. Its rollout arrays are the collector's buffer (views): copy before the next collect. */
  job: UpdateJob;
  rolloutS: number;
  /** Mean ms per act call (all envs at once) in the rollout. */
  actMs: number;
  /** Mean GAT attention entropy over the rollout's act calls (null without a GAT). */
  gatEntropy: number | null;
  routing: ReturnType<typeof routingStats>;
  opinion: ReturnType<typeof opinionStats> | null;
  /** Episodes finished during the rollout, in order. */
  episodes: FinishedEpisode[];
}

export interface CollectParts {
  config: TrainConfig;
  policy: Policy;
  observer: BatchObserver;
  vec: VecEnv;
  scaler: RewardScaler;
  /** Per-env tracks, kept up to date here (the caller may read and restore them). */
  tracks: EnvTrack[];
  routingSlots: EpisodeRoutingSlots;
}

/** The reward scaler and observer of N envs, configured as every collector (trainer, actor) needs them. */
export function collectorState(
  config: TrainConfig,
  policy: Policy,
  graph: Hypergraph,
  N: number,
): { scaler: RewardScaler; observer: BatchObserver } {
  const scaler = new RewardScaler(N, {
    gamma: config.ppo.gamma,
    scaleByStd: config.reward.scaleByStd,
    clip: config.reward.clip,
  });
  const observer = new BatchObserver(graph, N, {
    cropSize: policy.config.visual.cropSize,
    actionMask: config.actionMask,
    numActions: NUM_SCORE_ACTIONS,
  });
  return { scaler, observer };
}

export interface CollectOptions {
  /** The action-sampling stream. */
  rng: Rng;
  phase: PhaseState;
  /** Checked every step: true stops the rollout (collect returns null). */
  abort?: () => boolean;
  /** `n` env steps were taken (before that step's episodes end). */
  onSteps?: (n: number) => void;
  onEpisode?: (e: FinishedEpisode) => void;
}

export class RolloutCollector {
  readonly collector: Collector;
  readonly buffer: RolloutBuffer;

  constructor(readonly parts: CollectParts) {
    const { config, policy, observer, vec } = parts;
    this.collector = new Collector(vec, observer, policy);
    this.buffer = new RolloutBuffer({
      steps: config.rolloutSteps,
      envs: config.envs,
      ...observer.rowSizes,
      numExperts: policy.numExperts,
      opinion: policy.arch === "moe-graph",
    });
  }

  /** Starts every env's first episode (a fresh run) … */
  reset(): void {
    this.collector.reset();
  }

  /** … or replays each env's running episode from its track (a resumed run). */
  restore(): void {
    this.collector.restore(this.parts.tracks.map((t) => ({ episode: t.started - 1, actions: t.actions })));
  }

  /** Collects one rollout; null when `abort` said stop. */
  async collect(o: CollectOptions): Promise<CollectedRollout | null> {
    const { config, policy, observer, scaler, tracks, routingSlots } = this.parts;
    const { buffer, collector } = this;
    const N = config.envs;
    const T = config.rolloutSteps;
    const K = policy.numExperts;
    const { phase } = o;
    policy.router?.setRouting({ mode: phase.routing, tau: phase.tau });
    // The weights changed since the last rollout (an update, or new weights from the learner).
    policy.clearLogicCache();
    const tRollout = performance.now();
    let actMs = 0;
    let tAct = 0;
    // ḡ (the opinion's expert prior for the update) and the GAT metric, from the acting pass itself.
    const rawSum = new Float64Array(K);
    let rawRows = 0;
    let gatSum = 0;
    let gatCalls = 0;
    const episodes: FinishedEpisode[] = [];
    buffer.clear();
    const hooks: CollectHooks = {
      acted: (input, act) => {
        actMs += performance.now() - tAct;
        if (act.gatAttentionEntropy !== null) {
          gatSum += act.gatAttentionEntropy;
          gatCalls++;
        }
        for (let n = 0; n < act.opinionValid.length; n++) {
          if (!act.opinionValid[n]) continue;
          rawRows++;
          for (let k = 0; k < K; k++) rawSum[k] += act.opinionRaw[n * K + k];
        }
        buffer.addStep(input, act);
        for (let n = 0; n < N; n++) {
          tracks[n].actions.push(act.action[n]);
          routingSlots.step(n, act.alpha, n * K);
        }
      },
      stepped: (res) => {
        o.onSteps?.(N);
        const done = new Uint8Array(N);
        for (let n = 0; n < N; n++) done[n] = res.terminated[n] | res.truncated[n];
        // A truncated episode's value is bootstrapped from its final observation, seen with its env's memory.
        for (const info of res.episodes) {
          if (!res.truncated[info.env] || res.terminated[info.env]) continue;
          const v = policy.act(observer.observeOne(info.env, info.finalObs), {
            rng: new Rng(0),
            greedy: true,
            cacheLogic: true,
          });
          buffer.setTruncValue(info.env, v.value[0]);
        }
        buffer.addOutcome(scaler.process(res.rewards, done), res.terminated, res.truncated);
      },
      episodeEnd: (info) => {
        const e: FinishedEpisode = { info, routing: routingSlots.end(info.env) };
        episodes.push(e);
        o.onEpisode?.(e);
        const tr = tracks[info.env];
        tr.started++;
        tr.actions = [];
      },
    };
    for (let t = 0; t < T; t++) {
      // Let signal handlers (Ctrl-C) and the learner's replies run: the rollout is otherwise one synchronous stretch.
      if ((t & 7) === 0) await new Promise((r) => setImmediate(r));
      if (o.abort?.()) return null;
      tAct = performance.now();
      collector.step({ rng: o.rng, cacheLogic: true }, hooks);
    }
    const rolloutS = (performance.now() - tRollout) / 1000;
    // Bootstrap from the observation after the rollout.
    const last = policy.act(collector.input, { rng: new Rng(0), greedy: true, cacheLogic: true });
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
    return {
      job: {
        rollout: buffer.data(),
        advantages: gae.advantages,
        returns: gae.returns,
        phase,
        prior: rawRows > 0 ? Array.from(rawSum, (v) => v / rawRows) : null,
      },
      gatEntropy: gatCalls > 0 ? gatSum / gatCalls : null,
      rolloutS,
      actMs: actMs / T,
      routing: routingStats(buffer.alpha, policy.expertNames),
      opinion: buffer.shape.opinion
        ? opinionStats(buffer.alpha, buffer.opinion, buffer.opinionValid, K, policy.confidence)
        : null,
      episodes,
    };
  }
}
