/**
 * An actor of a broker run (`tedg actor`): envs + the policy on one host, rollouts out, weights in.
 *
 *   1. Reads the run's description the learner published (config, config hash, graph hash, seed base) and
 *      checks its own knowledge graph against the graph hash.
 *   2. Waits for weights, then loops: collect one rollout with the newest weights (the same collection loop as
 *      `tedg train`, rollout-collector.ts), publish it as one segment naming the actor, the policy version it
 *      acted with, its sequence number and the game seeds it started; between rollouts, pick up newer weights.
 *   3. Game seeds come in blocks from the run's counter (INCRBY), so no two actors ever play the same game:
 *      a block is envs × rounds seeds from the run seed up, env i's k-th episode of the block plays
 *      start + k·envs + i. Before a block could run out, the actor takes a new one (the running episodes are
 *      abandoned there). Blocks never reach 1,000,000, where held-out evaluation seeds start.
 *   4. Redis going away is waited out: the client reconnects with capped exponential backoff and its queued
 *      commands (the segment being published, too) go through once it is back.
 *
 * Sampling is deterministic given the seed block: the action stream is seeded from the run seed and the
 * block's start.
 */
import { hostname } from "node:os";
import {
  RedisBroker,
  checkBrokerSecurity,
  decodeWeights,
  encodeSegment,
  parseBrokerUrl,
  type SegmentMeta,
} from "../broker/index.js";
import { VecEnv } from "../env/index.js";
import { loadBuiltinGraph } from "../knowledge/index.js";
import { graphFingerprint, initBackend } from "../model/index.js";
import { EpisodeRoutingSlots, policyForConfig } from "../agent/index.js";
import { phaseAt } from "../run/index.js";
import { InvalidArgumentError, Rng, StateError } from "../util/index.js";
import { LEARNER_GROUP, TRAIN_SEED_LIMIT, parseRunInfo, segmentArrays, type RunInfo } from "./broker-run.js";
import { RolloutCollector, collectorState, type EnvTrack } from "./rollout-collector.js";

export interface ActorOptions {
  /** redis://[user][:password@]host[:port][/db] */
  broker: string;
  /** The run's name (the learner's --exp-name). */
  run: string;
  /** Envs on this host (default: the run config's envs). */
  envs?: number;
  /** Worker threads for the envs. */
  workers?: number;
  /** Allow a broker outside loopback without a password. */
  insecure?: boolean;
  /**
   * Shown in segments and logs (default host/pid@first-seed-block). The learner rejects a sequence number it
   * has seen from this id, so a restarted actor needs a new one.
   */
  id?: string;
  backend?: "wasm" | "cpu";
  /** Episodes per env in one seed block (default max(256, 2 × rollout steps + 1)). */
  seedRounds?: number;
  /** Stop after publishing this many segments. */
  maxSegments?: number;
  signal?: AbortSignal;
  /** Log lines (default: stderr). */
  log?: (line: string) => void;
}

export interface ActorSummary {
  actor: string;
  segments: number;
  episodes: number;
  envSteps: number;
  status: "done" | "interrupted" | "max_segments";
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const end = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", end);
      resolve();
    };
    const t = setTimeout(end, ms);
    signal?.addEventListener("abort", end, { once: true });
  });

export async function runActor(o: ActorOptions): Promise<ActorSummary> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (!o.run || !/^[\w.-]+$/.test(o.run))
    throw new InvalidArgumentError("--run", o.run, "a run name (letters, digits, '.', '_', '-')");
  if (o.envs !== undefined && (!Number.isInteger(o.envs) || o.envs < 1))
    throw new InvalidArgumentError("--envs", o.envs, "an integer ≥ 1");
  const addr = parseBrokerUrl(o.broker);
  checkBrokerSecurity(addr, { insecure: o.insecure });
  // host/pid until the first seed block; then host/pid@block, unique within the run (a restarted actor is
  // a new actor: its sequence numbers start again at 0).
  let id = o.id ?? `${hostname()}/${process.pid}`;
  const broker = new RedisBroker(addr, { name: `tedg-actor:${id}`, log });
  await broker.connectPatiently();
  let vec: VecEnv | null = null;
  let policy: ReturnType<typeof policyForConfig> | null = null;
  let segments = 0;
  let episodes = 0;
  let envSteps = 0;
  let status: ActorSummary["status"] = "interrupted";
  try {
    // 1. The run's description.
    let info: RunInfo | null = null;
    for (let waited = false; !o.signal?.aborted; waited = true) {
      const raw = await broker.getRunInfo(o.run);
      if (raw !== null) {
        info = parseRunInfo(raw, o.run);
        break;
      }
      if (!waited) log(`actor ${id}: waiting for the learner to publish run "${o.run}" on ${addr.display}`);
      await sleep(300, o.signal);
    }
    if (!info) return { actor: id, segments, episodes, envSteps, status };
    await initBackend(o.backend ?? "wasm");
    const graph = loadBuiltinGraph();
    const graphHash = graphFingerprint(graph);
    if (graphHash !== info.graphHash)
      throw new StateError(
        `actor ${id}: this host's knowledge graph (${graphHash.slice(0, 12)}) is not the learner's ` +
          `(${info.graphHash.slice(0, 12)}); install the same tedg version on every host`,
      );
    const config = { ...info.config, envs: o.envs ?? info.config.envs };
    const N = config.envs;
    const T = config.rolloutSteps;
    const rounds = o.seedRounds ?? Math.max(256, 2 * T + 1);
    if (!Number.isInteger(rounds) || rounds <= T)
      throw new InvalidArgumentError("seed rounds", rounds, `an integer > the rollout steps (${T})`);
    policy = policyForConfig(config, graph);
    const { scaler, observer } = collectorState(config, policy, graph, N);

    // 2. Weights.
    let version = -1;
    let learnerEpisode = 0;
    const refreshWeights = async (): Promise<boolean> => {
      const v = await broker.weightsVersion(o.run);
      if (v === null || v <= version) return false;
      const w = await broker.fetchWeights(o.run);
      if (!w) return false;
      const dec = decodeWeights(w.data);
      policy!.setWeights(dec.weights);
      version = dec.version;
      learnerEpisode = dec.episode;
      return true;
    };
    for (let waited = false; !o.signal?.aborted && !(await refreshWeights()); waited = true) {
      if (!waited) log(`actor ${id}: waiting for the learner's weights`);
      await sleep(300, o.signal);
    }

    // 3. Seed blocks.
    let blockStart = 0;
    let tracks: EnvTrack[] = [];
    let rollouts: RolloutCollector | null = null;
    let rng: Rng | null = null;
    let freshBlock = false;
    const newBlock = async () => {
      const start = await broker.allocateSeeds(o.run, N * rounds, info!.seedBase);
      if (start + N * rounds > TRAIN_SEED_LIMIT)
        throw new StateError(
          `actor ${id}: run "${o.run}" has used its training seeds up to ${TRAIN_SEED_LIMIT.toLocaleString("en")} ` +
            "(where held-out evaluation seeds start); start a new run",
        );
      vec?.close();
      blockStart = start;
      vec = new VecEnv({
        numEnvs: N,
        workers: o.workers,
        seedStart: start,
        task: config.task,
        maxEpisodeSteps: config.maxSteps,
      });
      tracks = Array.from({ length: N }, () => ({ started: 1, actions: [] }));
      const routingSlots = new EpisodeRoutingSlots(policy!.numExperts, 0, N);
      rollouts = new RolloutCollector({
        config,
        policy: policy!,
        observer,
        vec,
        scaler,
        tracks,
        routingSlots,
      });
      rollouts.reset();
      freshBlock = true;
      // Blocks stay below 2^20, so the pair (run seed, block start) maps to one safe integer.
      rng = new Rng(config.seed * 2 ** 21 + start);
      log(`actor ${id}: seeds [${start}, ${start + N * rounds}) (${N} envs × ${rounds} episodes)`);
    };
    await newBlock();
    if (o.id === undefined) id = `${id}@${blockStart}`;
    log(`actor ${id}: run "${o.run}", ${N} envs × ${T} steps, acting with weights v${version}`);

    // 4. Rollouts.
    // The run's description, read again each round: "done" ends the actor; a new config or graph under the same
    // run name (a new learner) would have every further segment rejected, so the actor stops instead.
    const finished = async () => {
      const now = (await broker.getRunInfo(o.run)) as RunInfo | null;
      if (now && (now.configHash !== info!.configHash || now.graphHash !== info!.graphHash))
        throw new StateError(
          `actor ${id}: run "${o.run}" was restarted with another config or graph; start the actor again`,
        );
      return now?.status === "done";
    };
    for (let throttled = false; ;) {
      if (o.signal?.aborted) break;
      if (o.maxSegments !== undefined && segments >= o.maxSegments) {
        status = "max_segments";
        break;
      }
      if (await finished()) {
        log(`actor ${id}: the learner finished run "${o.run}"`);
        status = "done";
        break;
      }
      // Backpressure: while the learner has enough undelivered data, more would only be dropped as too old.
      const lag = await broker.groupLag(o.run, LEARNER_GROUP);
      if (lag !== null && lag * N > info.maxBacklogEnvs) {
        if (!throttled) log(`actor ${id}: ${lag} segments wait for the learner; pausing`);
        throttled = true;
        await sleep(200, o.signal);
        continue;
      }
      throttled = false;
      await refreshWeights();
      // Never let an env start an episode outside the block: at most T episodes end in one rollout.
      if (tracks.some((t) => t.started + T > rounds)) await newBlock();
      // The first rollout of a block starts every env's first game.
      const seeds: number[] = freshBlock ? tracks.map((_, i) => blockStart + i) : [];
      freshBlock = false;
      const records: Record<string, unknown>[] = [];
      const c = await rollouts!.collect({
        rng: rng!,
        phase: phaseAt(config, learnerEpisode),
        abort: () => o.signal?.aborted === true,
        onSteps: (n) => {
          envSteps += n;
        },
        onEpisode: ({ info: e, routing: rt }) => {
          episodes++;
          // The env's next episode starts now, with the block's next seed for it.
          seeds.push(blockStart + tracks[e.env].started * N + e.env);
          records.push({
            env: e.env,
            seed: e.seed,
            score: e.score,
            reward: e.return,
            length: e.length,
            max_depth: e.maxDepth,
            end_reason: e.endReason,
            death_cause: e.detail,
            alpha_entropy_step: rt.alphaEntropyStep,
            alpha_mean: rt.alphaMean,
            switch_rate: rt.switchRate,
          });
        },
      });
      if (!c) break;
      const meta: SegmentMeta = {
        run: o.run,
        configHash: info.configHash,
        graphHash,
        actor: id,
        version,
        seeds,
        episodes: records,
        shape: { ...c.job.rollout.shape },
        t: c.job.rollout.t,
        prior: c.job.prior,
        seq: segments,
        rewardStd: scaler.std,
      };
      await broker.publishSegment(
        o.run,
        encodeSegment({ meta, arrays: segmentArrays(c) }),
        info.streamMaxLen,
      );
      segments++;
    }
  } finally {
    (vec as VecEnv | null)?.close();
    policy?.dispose();
    await broker.close();
  }
  log(`actor ${id}: ${status}: ${segments} segments, ${episodes} episodes, ${envSteps} env steps`);
  return { actor: id, segments, episodes, envSteps, status };
}
