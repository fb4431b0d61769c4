/**
 * `tedg bench env`: random agent on the Score task, 23 actions, full observations, resets included.
 *
 * Definitions (also in the README):
 *  - steps_per_sec: environment steps per wall-clock second over the measured window, all envs together;
 *  - steps_per_sec_per_core: steps_per_sec / cores_used, where cores_used = min(workers, available cores)
 *    (the main thread only hands out actions and waits);
 *  - steps_per_cpu_sec: steps per CPU-second the whole process used in the window (all threads, GC
 *    included): what one fully used core delivers, and the number to read when other jobs share the cores
 *    (wall-clock figures then fall, this one far less);
 *  - the window starts after `warmup` seconds of the same loop, so V8 has compiled the hot wasm with its
 *    optimising tier (the first seconds run baseline code), as in NLE's steady-state figures.
 */
import { availableParallelism, loadavg } from "node:os";
import { makeEnv, makeVecEnv } from "../../env/index.js";
import { Rng } from "../../util/index.js";

export interface EnvBenchResult {
  steps_per_sec: number;
  steps_per_sec_per_core: number;
  steps_per_cpu_sec: number;
  cores_used: number;
  cpu_seconds: number;
  reset_ms_median: number;
  rss_mb: number;
  envs: number;
  workers: number;
  seconds: number;
  warmup_seconds: number;
  episodes: number;
  /** 1-minute load average when the window started: above cores_used means other jobs competed. */
  load_avg_1m: number;
}

export function benchEnv(opts: {
  seconds: number;
  envs?: number;
  workers?: number;
  seed?: number;
  warmup?: number;
}): EnvBenchResult {
  const rng = new Rng(opts.seed ?? 0);
  // Reset latency, measured on a single env in this thread.
  const single = makeEnv();
  single.reset({ seed: 0 });
  const resetTimes: number[] = [];
  for (let i = 1; i <= 30; i++) {
    const t = performance.now();
    single.reset({ seed: i });
    resetTimes.push(performance.now() - t);
  }
  single.close();
  resetTimes.sort((a, b) => a - b);
  const cores = availableParallelism();
  const workers = opts.workers ?? Math.min(cores, opts.envs ?? cores);
  // 8 envs per worker: the trainer's default (16 on 2 cores), enough to hide the per-batch hand-off.
  const envs = opts.envs ?? workers * 8;
  const coresUsed = Math.min(workers, cores);
  const warmup = opts.warmup ?? 2;
  const vec = makeVecEnv({ numEnvs: envs, workers, seedStart: opts.seed ?? 0 });
  vec.reset();
  const actions = new Int32Array(envs);
  let peakRss = process.memoryUsage().rss;
  const run = (seconds: number) => {
    let steps = 0;
    let episodes = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < envs; i++) actions[i] = rng.int(vec.numActions);
      episodes += vec.step(actions).episodes.length;
      steps += envs;
      if ((steps & 1023) < envs) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    return { steps, episodes };
  };
  run(warmup);
  const load = loadavg()[0];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { steps, episodes } = run(opts.seconds);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  vec.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const sps = steps / elapsed;
  return {
    steps_per_sec: Math.round(sps),
    steps_per_sec_per_core: Math.round(sps / coresUsed),
    steps_per_cpu_sec: Math.round(steps / cpuSeconds),
    cores_used: coresUsed,
    cpu_seconds: Number(cpuSeconds.toFixed(2)),
    reset_ms_median: Number(resetTimes[resetTimes.length >> 1].toFixed(2)),
    rss_mb: Math.round(peakRss / 1e6),
    envs,
    workers,
    seconds: Number(elapsed.toFixed(2)),
    warmup_seconds: warmup,
    episodes,
    load_avg_1m: Number(load.toFixed(2)),
  };
}
