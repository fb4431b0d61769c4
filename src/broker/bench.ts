/**
 * `tedg bench broker`: how many transitions per second one learner can ingest through Redis Streams.
 *
 * One realistic rollout segment is built once (real observations, condition and action masks of a masked random
 * agent in the real environment at the training default of 16 envs × 128 steps, plus plausible log-probs, values,
 * α, opinions, rewards, advantages and returns) and encoded with the real segment encoder. A throwaway local
 * redis-server is started; for each K, K actor processes (bench-actor.ts) publish that segment (each re-encoded
 * once under its own actor name) as fast as the stream accepts, and this process plays the learner: it reads
 * through the consumer group, fully decodes and validates every entry and XACKs it.
 *
 * "As fast as the stream accepts": an actor publishes only while the group's lag (entries added but not yet
 * delivered) is below MAXLEN − K, so the approximate MAXLEN trim never drops an unread entry and the stream's
 * memory stays bounded by about MAXLEN × segment size; when the learner is the bottleneck the actors wait, and
 * the rates below are the learner's.
 *
 * Per K: transitions/s, MB/s and segments/s ingested (decoded and acknowledged, over the wall time from "go" to
 * the last acknowledgement), the learner's CPU per segment (process.cpuUsage of this process: reading, decoding,
 * validating, acknowledging) and transitions per learner CPU-second — the number to read when other jobs share
 * the cores — and redis-server's CPU per segment. Accounting: published (counted by the actors) = decoded =
 * acknowledged, per actor, and nothing is left pending; any mismatch throws.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadBuiltinGraph } from "../knowledge/index.js";
import { recordRollout } from "../model/index.js";
import { InvalidArgumentError, Rng, StateError } from "../util/index.js";
import { parseBrokerUrl } from "./address.js";
import type { BenchActorConfig } from "./bench-actor.js";
import { groupLag } from "./group-lag.js";
import {
  benchEndToEnd,
  resolveEndToEndOptions,
  type EndToEndOptions,
  type EndToEndResult,
} from "./bench-e2e.js";
import { LocalRedis } from "./local-redis.js";
import { RedisBroker, runKeys } from "./redis-broker.js";
import { decodeSegment, encodeSegment, SegmentError, type Segment } from "./segment.js";

export interface BrokerBenchOptions {
  /** Actor process counts to measure, one after another (default [2]). */
  actors?: number[];
  /** Publishing time per actor count (s, default 10). */
  seconds?: number;
  /** Segment shape (default: the training default, 16 envs × 128 steps). */
  segmentEnvs?: number;
  segmentSteps?: number;
  /** The stream's MAXLEN (~), entries (default 32). */
  maxLen?: number;
  /** Also measure the end-to-end overhead against the pipelined trainer (bench-e2e.ts); default: not. */
  endToEnd?: Omit<EndToEndOptions, "log">;
  /** Run the ingest measurement (default true; false: only the end-to-end one). */
  ingest?: boolean;
  log?: (line: string) => void;
}

export interface BrokerBenchRun {
  actors: number;
  /** Wall time from "go" to the last acknowledgement (s). */
  seconds: number;
  transitions_per_sec: number;
  mb_per_sec: number;
  segments_per_sec: number;
  segments: number;
  /** Mean size of a stream entry received (the segment re-encoded under each actor's name). */
  segment_bytes: number;
  bytes_per_transition: number;
  transitions: number;
  published: number;
  decoded: number;
  acknowledged: number;
  /** Learner process CPU (user + system) per segment: read, decode, validate, ack. */
  learner_cpu_ms_per_segment: number;
  transitions_per_learner_cpu_sec: number;
  /** Wall time of decodeSegment + validation alone, per segment. */
  decode_ms_per_segment: number;
  /** learner CPU-seconds / wall seconds: 1 means the learner's thread was never idle. */
  learner_cpu_utilisation: number;
  redis_cpu_ms_per_segment: number;
  redis_used_memory_peak_mb: number;
  /** Time the actors spent waiting for the learner to catch up (all actors together, s). */
  actor_wait_seconds: number;
}

export interface BrokerBenchResult {
  segment: { envs: number; steps: number; transitions: number; bytes: number; bytes_per_transition: number };
  max_len: number;
  runs: BrokerBenchRun[];
  /**
   * Real collection by `tedg actor` processes and real updates by `tedg train --broker` against the pipelined
   * trainer at equal total envs (bench-e2e.ts); null unless asked for (`--updates N`).
   */
  end_to_end: EndToEndResult | null;
  machine: {
    cores: number;
    cpu_model: string;
    node: string;
    redis: string;
    platform: string;
    /** 1-minute load average before the first run: above `cores` means other jobs competed for the CPU. */
    load_avg_1m: number;
  };
}

const MAX_ACTORS = 64;

/** "2" or "1,2,4" → [2] or [1, 2, 4]; throws an InvalidArgumentError naming the value otherwise. */
export function parseActorCounts(v: string): number[] {
  const parts = v.split(",").map((s) => s.trim());
  const out = parts.map(Number);
  if (v.trim() === "" || out.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_ACTORS))
    throw new InvalidArgumentError(
      "--actors",
      v,
      `an actor count in [1, ${MAX_ACTORS}] or a comma-separated list of them, e.g. 1,2,4`,
    );
  return out;
}

function checkInt(what: string, v: number, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new InvalidArgumentError(what, v, `an integer in [${min}, ${max}]`);
  return v;
}

/** The options with defaults filled in, checked before anything is started. */
export function resolveBenchOptions(o: BrokerBenchOptions) {
  const actors = o.actors ?? [2];
  if (!Array.isArray(actors) || actors.length === 0)
    throw new InvalidArgumentError("--actors", actors, "at least one actor count");
  for (const k of actors) checkInt("--actors", k, 1, MAX_ACTORS);
  const seconds = o.seconds ?? 10;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
    throw new InvalidArgumentError("--seconds", seconds, "a number of seconds in (0, 3600]");
  const envs = checkInt("--segment-envs", o.segmentEnvs ?? 16, 1, 1024);
  const steps = checkInt("--segment-steps", o.segmentSteps ?? 128, 1, 4096);
  if (envs * steps > 65_536)
    throw new InvalidArgumentError("segment size (envs × steps)", envs * steps, "at most 65536 transitions");
  const maxLen = checkInt("--max-len", o.maxLen ?? 32, 2, 100_000);
  const most = Math.max(...actors);
  if (maxLen <= most)
    throw new InvalidArgumentError(
      "--max-len",
      maxLen,
      `more entries than the largest actor count (${most}): each actor may add one entry past the backlog bound`,
    );
  if (o.endToEnd) resolveEndToEndOptions(o.endToEnd);
  const ingest = o.ingest ?? true;
  if (!ingest && !o.endToEnd)
    throw new InvalidArgumentError(
      "--no-ingest",
      true,
      "only together with --updates N (the end-to-end run)",
    );
  return { actors, seconds, envs, steps, maxLen, ingest, log: o.log ?? (() => {}) };
}

const NUM_EXPERTS = 4;

/**
 * A rollout segment of `envs × steps` transitions with realistic contents: the features, condition masks and
 * action masks of a masked random agent playing the real game (one episode per env column, laid out time-major
 * as the rollout buffer does), its exact behaviour log-probs (uniform over the allowed actions), and plausible
 * values, rewards, α, opinions, advantages and returns. Only the sizes matter for the transport (nothing is
 * compressed); realistic contents keep the header and arrays what an actor would send.
 */
export function buildBenchSegment(o: { envs: number; steps: number; run?: string; actor?: string }): Segment {
  const { envs: N, steps: T } = o;
  const n = N * T;
  const graph = loadBuiltinGraph();
  const seeds = Array.from({ length: N }, (_, i) => 10_000 + i);
  const rec = recordRollout(graph, { transitions: n, seeds, stepsPerEpisode: T });
  const C = rec.numConditions;
  const A = rec.numActions;
  const crop = rec.batch.crop.length / n;
  const blst = rec.batch.blstats.length / n;
  const inv = rec.batch.inv.length / n;
  // Recorded rows are episode-major (env e's steps at e·T + t, as long as no episode ended early); the rollout
  // buffer is time-major (row t·N + e).
  const row = (t: number, e: number) => e * T + t;
  const remap = <A extends Float32Array | Int32Array | Uint8Array>(src: A, width: number): A => {
    const dst = new (src.constructor as new (len: number) => A)(src.length);
    for (let t = 0; t < T; t++)
      for (let e = 0; e < N; e++)
        dst.set(src.subarray(row(t, e) * width, (row(t, e) + 1) * width), (t * N + e) * width);
    return dst;
  };
  const rng = new Rng(7);
  if (!rec.batch.actionMask) throw new StateError("the recorded rollout has no action masks");
  const actionMask = remap(rec.batch.actionMask, A);
  const logProb = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let allowed = 0;
    for (let a = 0; a < A; a++) allowed += actionMask[i * A + a];
    logProb[i] = -Math.log(Math.max(1, allowed));
  }
  const simplex = (rows: number) => {
    const out = new Float32Array(rows * NUM_EXPERTS);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let k = 0; k < NUM_EXPERTS; k++) s += out[i * NUM_EXPERTS + k] = Math.exp(rng.normal());
      for (let k = 0; k < NUM_EXPERTS; k++) out[i * NUM_EXPERTS + k] /= s;
    }
    return out;
  };
  const normal = (scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  const rewards = Float32Array.from({ length: n }, () => (rng.next() < 0.05 ? 0.1 * (1 + rng.int(5)) : 0));
  const terminated = new Uint8Array(n);
  for (let e = 0; e < N; e++) if (rng.next() < 0.1) terminated[(T - 1) * N + e] = 1;
  const values = normal(0.5);
  const advantages = normal(1);
  const returns = Float32Array.from(values, (v, i) => v + advantages[i]);
  const arrays: Segment["arrays"] = {
    blstats: remap(rec.batch.blstats, blst),
    crop: remap(rec.batch.crop, crop),
    inv: remap(rec.batch.inv, inv),
    masks: remap(rec.batch.masks, C),
    actionMask,
    actions: remap(rec.actions, 1),
    logProb,
    values,
    rewards,
    terminated,
    truncated: new Uint8Array(n),
    truncValues: new Float32Array(n),
    alpha: simplex(n),
    opinion: simplex(n),
    opinionValid: Float32Array.from({ length: n }, () => (rng.next() < 0.8 ? 1 : 0)),
    advantages,
    returns,
  };
  const hex = (len: number) => Array.from({ length: len }, () => rng.int(16).toString(16)).join("");
  return {
    meta: {
      run: o.run ?? "bench",
      configHash: hex(64),
      graphHash: hex(64),
      actor: o.actor ?? "bench-actor",
      version: 0,
      seeds,
      episodes: seeds
        .filter((_, e) => terminated[(T - 1) * N + e])
        .map((seed) => ({ seed, score: rng.int(200), length: T, depth: 1 + rng.int(3), status: "died" })),
      shape: {
        steps: T,
        envs: N,
        blstats: blst,
        crop,
        inv,
        masks: C,
        actionMask: A,
        numExperts: 4,
        opinion: true,
      },
      t: T,
      prior: Array.from(simplex(1)),
    },
    arrays,
  };
}

/** What the learner checks beyond decodeSegment's own checks: the run, the actor, every array's type and length. */
function validator(ref: Segment, run: string, actorNames: Set<string>) {
  const spec = Object.entries(ref.arrays).map(([k, a]) => [k, a.constructor, a.length] as const);
  const { envs, steps } = ref.meta.shape;
  return (s: Segment): void => {
    if (s.meta.run !== run)
      throw new SegmentError(`segment of run ${JSON.stringify(s.meta.run)}, not ${run}`);
    if (!actorNames.has(s.meta.actor)) throw new SegmentError(`segment of unknown actor ${s.meta.actor}`);
    if (s.meta.t !== steps || s.meta.shape.envs !== envs || s.meta.shape.steps !== steps)
      throw new SegmentError(
        `segment shape ${JSON.stringify(s.meta.shape)} t=${s.meta.t} is not the bench's`,
      );
    const names = Object.keys(s.arrays);
    if (names.length !== spec.length) throw new SegmentError(`segment has arrays ${names.join(", ")}`);
    for (const [k, ctor, len] of spec) {
      const a = s.arrays[k];
      if (!a || a.constructor !== ctor || a.length !== len)
        throw new SegmentError(`segment array ${k}: ${a?.constructor.name}[${a?.length}], expected [${len}]`);
    }
  };
}

async function redisInfo(broker: RedisBroker): Promise<Record<string, string>> {
  const text = await broker.redis.info();
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
const redisCpuSeconds = (i: Record<string, string>) => Number(i.used_cpu_user) + Number(i.used_cpu_sys);

interface ActorReport {
  type: "done";
  actor: string;
  published: number;
  bytes: number;
  waitSeconds: number;
}

interface ActorHandle {
  proc: ChildProcess;
  name: string;
  report: Promise<ActorReport>;
}

/** Forks an actor and resolves once it is connected and has encoded its segment. */
function startActor(cfg: BenchActorConfig, procs: ChildProcess[]): Promise<ActorHandle> {
  const proc = fork(new URL("./bench-actor.js", import.meta.url), [JSON.stringify(cfg)], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  procs.push(proc);
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  let resolveReady: () => void;
  let rejectAll: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectAll = rej;
  });
  const report = new Promise<ActorReport>((resolve, reject) => {
    proc.on("message", (m: { type: string }) => {
      if (m.type === "ready") resolveReady();
      if (m.type === "done") resolve(m as ActorReport);
    });
    proc.on("exit", (code, signal) => {
      const e = new StateError(
        `bench actor ${cfg.actor} exited (${signal ?? `code ${code}`}) before reporting${stderr ? `: ${stderr.trim()}` : ""}`,
      );
      reject(e);
      rejectAll(e);
    });
  });
  report.catch(() => {});
  return ready.then(() => ({ proc, name: cfg.actor, report }));
}

export async function benchBroker(opts: BrokerBenchOptions = {}): Promise<BrokerBenchResult> {
  const o = resolveBenchOptions(opts);
  const load = loadavg()[0];
  o.log(`recording one ${o.envs} × ${o.steps} segment of real play…`);
  const ref = buildBenchSegment({ envs: o.envs, steps: o.steps });
  const encoded = encodeSegment(ref);
  const transitions = o.envs * o.steps;
  o.log(`segment: ${encoded.length} bytes (${(encoded.length / transitions).toFixed(0)} B/transition)`);
  const tmp = mkdtempSync(join(tmpdir(), "tedg-bench-broker-"));
  const file = join(tmp, "segment.bin");
  writeFileSync(file, encoded);
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true });
  process.once("exit", removeTmp);
  const server = await LocalRedis.start();
  const broker = new RedisBroker(parseBrokerUrl(server.url), { name: "tedg-bench-learner" });
  const runs: BrokerBenchRun[] = [];
  try {
    await broker.connect();
    for (const K of o.ingest ? o.actors : []) {
      o.log(`${K} actor${K > 1 ? "s" : ""}, ${o.seconds} s…`);
      runs.push(await benchOnce(broker, server, { ...o, K, file, ref, bytes: encoded.length, transitions }));
      const r = runs[runs.length - 1];
      o.log(
        `${K} actor${K > 1 ? "s" : ""}: ${r.transitions_per_sec} transitions/s, ${r.mb_per_sec} MB/s, ` +
          `learner ${r.learner_cpu_ms_per_segment} CPU ms/segment`,
      );
    }
  } finally {
    await broker.close();
    await server.stop();
    process.off("exit", removeTmp);
    removeTmp();
  }
  let endToEnd: EndToEndResult | null = null;
  if (opts.endToEnd) {
    o.log(
      `end to end: the pipelined trainer against tedg train --broker + tedg actor, ` +
        `${opts.endToEnd.warmup ?? 2} + ${opts.endToEnd.updates} updates each…`,
    );
    endToEnd = await benchEndToEnd({ ...opts.endToEnd, log: o.log });
    o.log(
      `end to end: pipelined ${endToEnd.pipelined_steps_per_sec.toFixed(0)} env steps/s, broker ` +
        `${endToEnd.broker_steps_per_sec.toFixed(0)} (ratio ${endToEnd.ratio.toFixed(3)}, overhead ` +
        `${(100 * endToEnd.overhead).toFixed(1)}%)`,
    );
  }
  return {
    segment: {
      envs: o.envs,
      steps: o.steps,
      transitions,
      bytes: encoded.length,
      bytes_per_transition: Math.round(encoded.length / transitions),
    },
    max_len: o.maxLen,
    runs,
    end_to_end: endToEnd,
    machine: {
      cores: availableParallelism(),
      cpu_model: cpus()[0]?.model ?? "unknown",
      node: process.version,
      redis: server.version,
      platform: `${process.platform}-${process.arch}`,
      load_avg_1m: Number(load.toFixed(2)),
    },
  };
}

async function benchOnce(
  broker: RedisBroker,
  server: LocalRedis,
  o: {
    K: number;
    seconds: number;
    maxLen: number;
    file: string;
    ref: Segment;
    bytes: number;
    transitions: number;
  },
): Promise<BrokerBenchRun> {
  const run = `bench-k${o.K}-${process.pid}`;
  const group = "learner";
  const key = runKeys(run).segments;
  await broker.ensureGroup(run, group);
  const names = Array.from({ length: o.K }, (_, i) => `bench-actor-${i}`);
  const check = validator(o.ref, run, new Set(names));
  const actors: ActorHandle[] = [];
  // Every forked process, so that none outlives a failed start of another.
  const procs: ChildProcess[] = [];
  try {
    const started = await Promise.all(
      names.map((actor) =>
        startActor(
          {
            url: server.url,
            run,
            group,
            file: o.file,
            actor,
            maxLen: o.maxLen,
            backlog: o.maxLen - o.K,
          },
          procs,
        ),
      ),
    );
    actors.push(...started);
    const info0 = await redisInfo(broker);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const a of actors) a.proc.send({ type: "go", seconds: o.seconds });
    let done = false;
    let failure: Error | null = null;
    const reports = Promise.all(actors.map((a) => a.report)).then((r) => {
      done = true;
      return r;
    });
    reports.catch((e: Error) => (failure = e));
    const perActor = new Map(names.map((n) => [n, { segments: 0, bytes: 0 }]));
    let decoded = 0;
    let acknowledged = 0;
    let decodeMs = 0;
    let bytes = 0;
    let tLast = t0;
    for (;;) {
      if (failure) throw failure;
      const wasDone = done;
      const entries = await broker.readSegments(run, group, "learner", 8, 20);
      if (entries.length > 0) {
        const ids: string[] = [];
        const d0 = performance.now();
        for (const e of entries) {
          const s = decodeSegment(e.data);
          check(s);
          const mine = perActor.get(s.meta.actor)!;
          mine.segments++;
          mine.bytes += e.data.length;
          bytes += e.data.length;
          decoded++;
          ids.push(e.id);
        }
        decodeMs += performance.now() - d0;
        acknowledged += await broker.ack(run, group, ids);
        tLast = performance.now();
      } else if (wasDone) break;
    }
    const cpu = process.cpuUsage(cpu0);
    const wall = (tLast - t0) / 1000;
    const info1 = await redisInfo(broker);
    const reps = await reports;
    const published = reps.reduce((s, r) => s + r.published, 0);
    const pending = await broker.pending(run, group);
    const lag = await groupLag(broker, run, group);
    for (const r of reps) {
      const got = perActor.get(r.actor)!;
      if (got.segments !== r.published || got.bytes !== r.bytes)
        throw new StateError(
          `actor ${r.actor} published ${r.published} segments (${r.bytes} bytes), ` +
            `the learner decoded ${got.segments} (${got.bytes} bytes)`,
        );
      // Each actor re-encodes the segment only to put its own name in the header.
      if (r.published > 0 && Math.abs(r.bytes / r.published - o.bytes) > 256)
        throw new StateError(
          `actor ${r.actor}: ${r.bytes / r.published} bytes per segment, expected ≈ ${o.bytes}`,
        );
    }
    if (decoded !== published || acknowledged !== decoded || pending !== 0 || lag !== 0)
      throw new StateError(
        `accounting: published ${published}, decoded ${decoded}, acknowledged ${acknowledged}, pending ${pending}, lag ${lag}`,
      );
    if (decoded === 0) throw new StateError("no segment reached the learner");
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    const n = decoded * o.transitions;
    const round = (v: number, d = 2) => Number(v.toFixed(d));
    return {
      actors: o.K,
      seconds: round(wall),
      transitions_per_sec: Math.round(n / wall),
      mb_per_sec: round(bytes / 1e6 / wall, 1),
      segments_per_sec: round(decoded / wall, 1),
      segments: decoded,
      segment_bytes: Math.round(bytes / decoded),
      bytes_per_transition: round(bytes / n, 1),
      transitions: n,
      published,
      decoded,
      acknowledged,
      learner_cpu_ms_per_segment: round((cpuSec * 1000) / decoded),
      transitions_per_learner_cpu_sec: Math.round(n / cpuSec),
      decode_ms_per_segment: round(decodeMs / decoded),
      learner_cpu_utilisation: round(cpuSec / wall),
      redis_cpu_ms_per_segment: round(((redisCpuSeconds(info1) - redisCpuSeconds(info0)) * 1000) / decoded),
      redis_used_memory_peak_mb: round(Number(info1.used_memory_peak) / 1e6, 1),
      actor_wait_seconds: round(reps.reduce((s, r) => s + r.waitSeconds, 0)),
    };
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    await broker.redis.del(key);
  }
}
