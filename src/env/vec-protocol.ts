/** Shared-memory layout between the VecEnv (main thread) and its workers. */
import { allocBatchBuffers, type BatchBuffers } from "./batch.js";
import type { NetHackEnvOptions } from "./nethack-env.js";

export const CTRL_PER_WORKER = 4;
export const CTRL_SEQ = 0; // main increments to issue a command
export const CTRL_DONE = 1; // worker copies seq when the command is finished
export const CTRL_CMD = 2;
export const CTRL_READY = 3;
export const CMD_RESET = 1;
export const CMD_STEP = 2;
export const CMD_CLOSE = 3;
/** Reset each env to a given episode and replay its actions (the plan arrives as a message, see restore()). */
export const CMD_RESTORE = 4;

/** Env i's restore plan: its episode index k (seed schedule) and the actions taken so far. */
export interface RestorePlan {
  episode: number;
  actions: number[];
}

/** Per-env episode statistics written when an episode ends. */
export const STAT = { RETURN: 0, LENGTH: 1, SCORE: 2, DEPTH: 3, REASON: 4, SEED: 5 } as const;
export const NUM_STATS = 6;
export const END_REASONS = [
  "",
  "death",
  "quit",
  "escaped",
  "ascended",
  "task_success",
  "max_steps",
  "crash",
] as const;
export const TEXT_LEN = 160;

export interface SharedState {
  ctrl: SharedArrayBuffer;
  actions: SharedArrayBuffer;
  rewards: SharedArrayBuffer;
  terminated: SharedArrayBuffer;
  truncated: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  text: SharedArrayBuffer;
  episodeCounters: SharedArrayBuffer;
  obs: BatchBuffers;
  finalObs: BatchBuffers;
}

export function allocShared(n: number, workers: number): SharedState {
  return {
    ctrl: new SharedArrayBuffer(4 * CTRL_PER_WORKER * workers),
    actions: new SharedArrayBuffer(4 * n),
    rewards: new SharedArrayBuffer(8 * n),
    terminated: new SharedArrayBuffer(n),
    truncated: new SharedArrayBuffer(n),
    stats: new SharedArrayBuffer(8 * NUM_STATS * n),
    text: new SharedArrayBuffer(TEXT_LEN * n),
    episodeCounters: new SharedArrayBuffer(4 * n),
    obs: allocBatchBuffers(n),
    finalObs: allocBatchBuffers(n),
  };
}

export interface WorkerInit {
  workerIndex: number;
  /** Busy-wait budget before sleeping on the next command, in µs (see waitForChange). */
  spinMicros: number;
  numEnvs: number;
  /** Global indices of the envs this worker hosts. */
  envIndices: number[];
  envOptions: NetHackEnvOptions;
  seedStart: number;
  shared: SharedState;
  wasmModule: unknown;
  wasmVariant: "optimized" | "original";
}

/** Seed of env i's k-th episode: disjoint per env, deterministic, independent of thread scheduling. */
export function episodeSeed(seedStart: number, numEnvs: number, envIndex: number, k: number): number {
  return seedStart + k * numEnvs + envIndex;
}

/**
 * Waits until `a[i]` no longer holds `old`: first by polling for up to `spinMicros`, then by sleeping in
 * Atomics.wait. Why: on a VM a futex wake-up costs ~75 µs (the sleeping vCPU must be woken), which is about
 * one NetHack step; a worker that polls while the main thread prepares the next batch sees it at once.
 * Returns false if `timeoutMs` passed first.
 */
export function waitForChange(
  a: Int32Array,
  i: number,
  old: number,
  spinMicros: number,
  timeoutMs = Infinity,
): boolean {
  if (Atomics.load(a, i) !== old) return true;
  if (spinMicros > 0) {
    const until = performance.now() + spinMicros / 1000;
    for (let k = 1; ; k++) {
      if (Atomics.load(a, i) !== old) return true;
      // Reading the clock costs more than a poll: check it every 64 polls.
      if ((k & 63) === 0 && performance.now() > until) break;
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(a, i) === old) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(a, i, old, left === Infinity ? undefined : left);
  }
  return true;
}

/**
 * Adapts a worker's polling budget to how long it actually waits: it polls again only while commands keep
 * arriving within the budget (a benchmark loop, or envs stepped back to back), and otherwise (a trainer
 * that spends milliseconds in the policy between steps) polls only briefly, so that idle workers do not
 * take CPU from the main thread.
 */
export class SpinBudget {
  private last: number;
  constructor(private readonly maxMicros: number) {
    this.last = maxMicros;
  }
  /** The budget for the next wait. */
  next(): number {
    return this.last <= this.maxMicros ? this.maxMicros : this.maxMicros >> 3;
  }
  /** Records how long the last wait took, in µs. */
  record(waitedMicros: number): void {
    this.last = waitedMicros;
  }
}
