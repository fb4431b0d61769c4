/** `tedg bench env`: random agent on the Score task, 23 actions, full observations, resets included. */
import { availableParallelism } from "node:os";
import { makeEnv, makeVecEnv } from "../../env/index.js";
import { Rng } from "../../util/rng.js";

export interface EnvBenchResult {
  steps_per_sec: number;
  steps_per_sec_per_core: number;
  reset_ms_median: number;
  rss_mb: number;
  envs: number;
  workers: number;
  seconds: number;
  episodes: number;
}

export function benchEnv(opts: {
  seconds: number;
  envs?: number;
  workers?: number;
  seed?: number;
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
  const envs = opts.envs ?? workers * 4;
  const vec = makeVecEnv({ numEnvs: envs, workers, seedStart: opts.seed ?? 0 });
  vec.reset();
  const actions = new Int32Array(envs);
  let steps = 0;
  let episodes = 0;
  let peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const end = t0 + opts.seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < envs; i++) actions[i] = rng.int(vec.numActions);
    episodes += vec.step(actions).episodes.length;
    steps += envs;
    if ((steps & 1023) < envs) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const elapsed = (performance.now() - t0) / 1000;
  vec.close();
  const sps = steps / elapsed;
  return {
    steps_per_sec: Math.round(sps),
    steps_per_sec_per_core: Math.round(sps / Math.min(workers, cores)),
    reset_ms_median: Number(resetTimes[resetTimes.length >> 1].toFixed(2)),
    rss_mb: Math.round(peakRss / 1e6),
    envs,
    workers,
    seconds: Number(elapsed.toFixed(2)),
    episodes,
  };
}
