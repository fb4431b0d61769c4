/**
 * The end-to-end half of `tedg bench broker`: what the broker path costs against the single-machine pipelined
 * trainer, for the same config and the same total envs.
 *
 * Each round runs, one after the other (alternating, to spread the noise of a shared machine over both):
 *   (a) `tedg train --pipeline on --envs E --max-updates W+N` — the pipelined trainer, one process;
 *   (b) a throwaway local redis-server, `tedg train --broker … --envs E --max-updates W+N` as the learner and K
 *       `tedg actor … --envs E/K` processes — the same config, the same total envs.
 * All are real CLI processes (bin/tedg.js). Throughput is read from the run's metrics file: the transitions
 * trained on in updates W … W+N−1 (env_steps of update W+N−1 minus that of update W−1) over the wall time
 * between those two update records (time_s), so process start-up, model compilation and the first W updates are
 * left out. CPU utilisation is the CPU time of the run's processes (learner, actors and redis-server for (b);
 * read from /proc between the polls that first see update W−1 and update W+N−1 written) over that wall time
 * × cores. Segments dropped for lag are the learner's count over the same updates.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, StateError } from "../util/index.js";
import { LocalRedis } from "./local-redis.js";
import { TedgProcess } from "./tedg-process.js";

export interface EndToEndOptions {
  /** Updates measured, after the warm-up (N). */
  updates: number;
  /** Updates run before the measurement starts (W ≥ 1, default 2). */
  warmup?: number;
  /** Total envs of both setups (default 16, the training default). */
  envs?: number;
  /** Actor processes of the broker setup, sharing the envs equally (default 1). */
  actors?: number;
  /** Alternations of (a) and (b) (default 2). */
  rounds?: number;
  /** A config file (JSON/YAML) given to both setups with --config; default: the training defaults. */
  config?: string;
  /** Extra `tedg train` / `tedg actor` arguments for both (e.g. --preset demo). */
  extraArgs?: string[];
  /** Keep each run's folder under this folder (`e2e-<setup>-<round>`); default: a temporary one, removed. */
  outDir?: string;
  /** Kill a run that has not finished after this long (s, default 900). */
  timeoutS?: number;
  log?: (line: string) => void;
}

export interface EndToEndRun {
  setup: "pipelined" | "broker";
  round: number;
  /** Transitions trained on per second of wall time over the measured updates. */
  steps_per_sec: number;
  transitions: number;
  seconds: number;
  /** Update records in the run's metrics file (W + N when the run finished). */
  updates_recorded: number;
  /** CPU-seconds of the run's processes over the measured window / (window × cores); null without /proc. */
  cpu_utilisation: number | null;
  /** Over the measured updates (broker only; 0 for the pipelined trainer, which drops nothing). */
  segments_dropped_lag: number;
  /** Mean policy lag of the measured updates. */
  policy_lag_mean: number;
  /** Wall time of the whole run, start-up included (s). */
  wall_s: number;
}

export interface EndToEndResult {
  envs: number;
  actors: number;
  envs_per_actor: number;
  warmup_updates: number;
  updates: number;
  rounds: number;
  config: string | null;
  runs: EndToEndRun[];
  /** Pooled over the rounds: all measured transitions over all measured seconds. */
  pipelined_steps_per_sec: number;
  broker_steps_per_sec: number;
  /** broker / pipelined. */
  ratio: number;
  /** 1 − ratio: the share of the pipelined trainer's throughput the broker path loses. */
  overhead: number;
  pipelined_cpu_utilisation: number | null;
  broker_cpu_utilisation: number | null;
  segments_dropped_lag: number;
  cores: number;
}

function checkInt(what: string, v: number, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new InvalidArgumentError(what, v, `an integer in [${min}, ${max}]`);
  return v;
}

/** The options with defaults filled in, checked before anything is started. */
export function resolveEndToEndOptions(o: EndToEndOptions) {
  const updates = checkInt("--updates", o.updates, 1, 10_000);
  const warmup = checkInt("--warmup", o.warmup ?? 2, 1, 10_000);
  const envs = checkInt("--e2e-envs", o.envs ?? 16, 1, 1024);
  const actors = checkInt("--e2e-actors", o.actors ?? 1, 1, 64);
  if (envs % actors !== 0)
    throw new InvalidArgumentError(
      "--e2e-actors",
      actors,
      `a divisor of --e2e-envs (${envs}): the actors share the envs equally`,
    );
  const rounds = checkInt("--rounds", o.rounds ?? 2, 1, 100);
  if (o.config !== undefined && !existsSync(o.config))
    throw new InvalidArgumentError("--e2e-config", o.config, "an existing config file");
  const timeoutS = o.timeoutS ?? 900;
  if (!(timeoutS > 0)) throw new InvalidArgumentError("timeoutS", timeoutS, "a number of seconds > 0");
  return {
    updates,
    warmup,
    envs,
    actors,
    rounds,
    config: o.config ?? null,
    timeoutS,
    outDir: o.outDir ?? null,
  };
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU-seconds (user + system, all threads) of a live process, or null (gone, or no /proc). */
function cpuSeconds(pid: number): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
  } catch {
    return null;
  }
}

/** The update records of a metrics file written so far (a line being written is skipped). */
export function readUpdateRecords(metricsFile: string): Record<string, unknown>[] {
  if (!existsSync(metricsFile)) return [];
  return readFileSync(metricsFile, "utf8")
    .split("\n")
    .filter((l) => l.includes('"type":"update"'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** A bench process keeps the end of its output, for the error message when it fails. */
const spawnTedg = (name: string, args: string[]) => new TedgProcess(name, args, 20_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one setup to W + N updates and measures it. */
async function measureOne(
  setup: EndToEndRun["setup"],
  round: number,
  o: ReturnType<typeof resolveEndToEndOptions> & { extraArgs: string[]; log: (l: string) => void },
): Promise<EndToEndRun> {
  const { warmup: W, updates: N } = o;
  const dir = o.outDir ?? mkdtempSync(join(tmpdir(), "tedg-bench-e2e-"));
  const run = `e2e-${setup}-${round}`;
  const common = [
    ...(o.config ? ["--config", o.config] : []),
    ...o.extraArgs,
    "--envs",
    String(o.envs),
    "--max-updates",
    String(W + N),
    "--episodes",
    "100000000",
    "--checkpoint-every",
    "100000000",
    "--exp-name",
    run,
    "--out",
    dir,
    "--no-progress",
  ];
  const procs: TedgProcess[] = [];
  let redis: LocalRedis | null = null;
  const t0 = performance.now();
  try {
    let main: TedgProcess;
    if (setup === "pipelined") {
      main = spawnTedg("trainer", ["train", "--pipeline", "on", ...common]);
      procs.push(main);
    } else {
      redis = await LocalRedis.start();
      main = spawnTedg("learner", ["train", "--broker", redis.url, ...common]);
      procs.push(main);
      for (let k = 0; k < o.actors; k++)
        procs.push(
          spawnTedg(`actor ${k}`, [
            "actor",
            "--broker",
            redis.url,
            "--run",
            run,
            "--envs",
            String(o.envs / o.actors),
          ]),
        );
    }
    const pids = () => [
      ...procs.filter((p) => p.running).map((p) => p.proc.pid!),
      ...(redis?.pid ? [redis.pid] : []),
    ];
    const cpuNow = () => {
      let total = 0;
      for (const pid of pids()) {
        const c = cpuSeconds(pid);
        if (c === null) return null;
        total += c;
      }
      return total;
    };
    const metricsFile = join(dir, run, "metrics.jsonl");
    let startMark: { wall: number; cpu: number | null } | null = null;
    let endMark: { wall: number; cpu: number | null } | null = null;
    const deadline = performance.now() + o.timeoutS * 1000;
    while (main.running) {
      if (performance.now() > deadline)
        throw new StateError(
          `the ${setup} run did not finish within ${o.timeoutS} s\n${main.out.slice(-3000)}`,
        );
      const n = readUpdateRecords(metricsFile).length;
      if (!startMark && n >= W) startMark = { wall: performance.now(), cpu: cpuNow() };
      if (startMark && !endMark && n >= W + N) endMark = { wall: performance.now(), cpu: cpuNow() };
      await sleep(100);
    }
    const code = await main.exited;
    if (code !== 0)
      throw new StateError(
        `${main.name} (${setup}) exited with ${code}\n${procs.map((p) => `--- ${p.name}\n${p.out.slice(-3000)}`).join("\n")}`,
      );
    for (const p of procs.slice(1)) await p.stop("SIGTERM");
    const recs = readUpdateRecords(metricsFile);
    if (recs.length < W + N)
      throw new StateError(`the ${setup} run wrote ${recs.length} update records, expected ${W + N}`);
    const a = recs[W - 1];
    const b = recs[W + N - 1];
    const transitions = Number(b.env_steps) - Number(a.env_steps);
    const seconds = Number(b.time_s) - Number(a.time_s);
    const measured = recs.slice(W, W + N);
    const cpuUtil =
      startMark?.cpu != null && endMark?.cpu != null && endMark.wall > startMark.wall
        ? (endMark.cpu - startMark.cpu) / (((endMark.wall - startMark.wall) / 1000) * availableParallelism())
        : null;
    const r: EndToEndRun = {
      setup,
      round,
      steps_per_sec: transitions / seconds,
      transitions,
      seconds,
      updates_recorded: recs.length,
      cpu_utilisation: cpuUtil,
      segments_dropped_lag:
        setup === "broker" ? Number(b.segments_dropped_lag) - Number(a.segments_dropped_lag) : 0,
      policy_lag_mean: measured.reduce((s, x) => s + Number(x.policy_lag), 0) / measured.length,
      wall_s: (performance.now() - t0) / 1000,
    };
    o.log(
      `${setup} (round ${round + 1}): ${r.steps_per_sec.toFixed(0)} env steps/s over updates ${W}…${W + N - 1} ` +
        `(${transitions} transitions in ${seconds.toFixed(1)} s), CPU ${cpuUtil === null ? "?" : (100 * cpuUtil).toFixed(0)}%` +
        (setup === "broker" ? `, ${r.segments_dropped_lag} segments dropped for lag` : ""),
    );
    return r;
  } finally {
    for (const p of procs) await p.stop("SIGKILL");
    await redis?.stop();
    if (!o.outDir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the rounds and compares the two setups (see the file's comment). */
export async function benchEndToEnd(opts: EndToEndOptions): Promise<EndToEndResult> {
  const o = { ...resolveEndToEndOptions(opts), extraArgs: opts.extraArgs ?? [], log: opts.log ?? (() => {}) };
  const runs: EndToEndRun[] = [];
  for (let round = 0; round < o.rounds; round++) {
    // Alternate which goes first, so neither always runs in the same slot of a slowly varying load.
    const order: EndToEndRun["setup"][] = round % 2 === 0 ? ["pipelined", "broker"] : ["broker", "pipelined"];
    for (const setup of order) runs.push(await measureOne(setup, round, o));
  }
  const pooled = (setup: EndToEndRun["setup"]) => {
    const rs = runs.filter((r) => r.setup === setup);
    const t = rs.reduce((s, r) => s + r.transitions, 0);
    const sec = rs.reduce((s, r) => s + r.seconds, 0);
    const cpu = rs.every((r) => r.cpu_utilisation !== null)
      ? rs.reduce((s, r) => s + r.cpu_utilisation! * r.seconds, 0) / sec
      : null;
    return { rate: t / sec, cpu };
  };
  const p = pooled("pipelined");
  const b = pooled("broker");
  const round = (v: number | null, d: number) => (v === null ? null : Number(v.toFixed(d)));
  for (const r of runs) {
    r.steps_per_sec = round(r.steps_per_sec, 1)!;
    r.seconds = round(r.seconds, 3)!;
    r.cpu_utilisation = round(r.cpu_utilisation, 3);
    r.policy_lag_mean = round(r.policy_lag_mean, 3)!;
    r.wall_s = round(r.wall_s, 1)!;
  }
  return {
    envs: o.envs,
    actors: o.actors,
    envs_per_actor: o.envs / o.actors,
    warmup_updates: o.warmup,
    updates: o.updates,
    rounds: o.rounds,
    config: o.config,
    runs,
    pipelined_steps_per_sec: round(p.rate, 1)!,
    broker_steps_per_sec: round(b.rate, 1)!,
    ratio: round(b.rate / p.rate, 4)!,
    overhead: round(1 - b.rate / p.rate, 4)!,
    pipelined_cpu_utilisation: round(p.cpu, 3),
    broker_cpu_utilisation: round(b.cpu, 3),
    segments_dropped_lag: runs.reduce((s, r) => s + r.segments_dropped_lag, 0),
    cores: availableParallelism(),
  };
}
