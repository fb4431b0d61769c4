/**
 * VecEnv: N environments over K worker threads, stepped in lock-step through shared memory (no per-step
 * messages). Finished episodes reset automatically; their final observation and statistics come back in
 * `infos`. A game that crashes is restarted by its worker; a worker that hangs or dies is replaced, its envs
 * reported as truncated with the error, and the batch carries on.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { InvalidArgumentError, StateError } from "../util/index.js";
import { loadAssets } from "../nethack/index.js";
import { batchFromBuffers, obsAt, type BatchObs } from "./batch.js";
import { checkSeed, type NetHackEnvOptions } from "./nethack-env.js";
import { actionSet } from "./actions.js";
import {
  allocShared,
  CMD_CLOSE,
  CMD_RESET,
  CMD_RESTORE,
  CMD_STEP,
  CTRL_CMD,
  CTRL_DONE,
  CTRL_PER_WORKER,
  CTRL_READY,
  CTRL_SEQ,
  END_REASONS,
  NUM_STATS,
  STAT,
  TEXT_LEN,
  waitForChange,
  type RestorePlan,
  type SharedState,
  type WorkerInit,
} from "./vec-protocol.js";
import type { Observation } from "./observation.js";

export interface VecEnvOptions extends Omit<NetHackEnvOptions, "seed"> {
  numEnvs: number;
  /** Worker threads (default: available cores, at most numEnvs). */
  workers?: number;
  /** Env i's k-th episode uses seed seedStart + k·numEnvs + i (default 0). */
  seedStart?: number;
  /** A step batch that takes longer than this is treated as a hung worker (default 60 s). */
  stepTimeoutMs?: number;
  /**
   * How long an idle worker polls for the next command before it sleeps, in µs (default 1000; 0: always
   * sleep). Polling saves the ~75 µs wake-up of a sleeping thread per step batch; the budget adapts, so a
   * trainer that spends longer than this in its policy between steps does not pay for it.
   */
  spinMicros?: number;
}

export interface EpisodeInfo {
  env: number;
  seed: number;
  return: number;
  length: number;
  score: number;
  maxDepth: number;
  endReason: string;
  /** Death cause or error text. */
  detail: string;
  /** The observation the episode ended on (a copy-free view valid until the next step). */
  finalObs: Observation;
}

export interface VecStepResult {
  obs: BatchObs;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Episodes that ended in this step, by env index. */
  episodes: EpisodeInfo[];
}

const decoder = new TextDecoder();

export class VecEnv {
  readonly numEnvs: number;
  readonly numWorkers: number;
  readonly numActions: number;
  readonly obs: BatchObs;
  private readonly finalObs: BatchObs;
  private readonly shared: SharedState;
  private readonly ctrl: Int32Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly stats: Float64Array;
  private readonly text: Uint8Array;
  private readonly workers: Worker[] = [];
  private readonly assignment: number[][] = [];
  private readonly seqs: number[];
  private readonly timeoutMs: number;
  /** The main thread polls for results only when a core is free for it (workers < cores). */
  private readonly mainSpinMicros: number;
  private readonly init: Omit<WorkerInit, "workerIndex" | "envIndices">;
  private closed = false;
  private started = false;

  constructor(opts: VecEnvOptions) {
    const { numEnvs, workers, seedStart, stepTimeoutMs, spinMicros, ...envOptions } = opts;
    if (!Number.isSafeInteger(numEnvs) || numEnvs < 1)
      throw new InvalidArgumentError("numEnvs", numEnvs, "a positive integer");
    const k = workers ?? Math.min(numEnvs, availableParallelism());
    if (!Number.isSafeInteger(k) || k < 1 || k > numEnvs)
      throw new InvalidArgumentError("workers", workers, `an integer in [1, ${numEnvs}]`);
    this.numEnvs = numEnvs;
    this.numWorkers = k;
    this.numActions = actionSet(
      envOptions.actions ?? (envOptions.task === "challenge" ? "full" : "score"),
    ).length;
    this.timeoutMs = stepTimeoutMs ?? 60_000;
    const spin = spinMicros ?? 1000;
    if (!Number.isFinite(spin) || spin < 0 || spin > 1e6)
      throw new InvalidArgumentError("spinMicros", spinMicros, "a number of microseconds in [0, 1000000]");
    this.mainSpinMicros = k < availableParallelism() ? spin : 0;
    const variant = (envOptions as NetHackEnvOptions).wasm ?? "optimized";
    const assets = loadAssets(variant);
    this.shared = allocShared(numEnvs, k);
    this.ctrl = new Int32Array(this.shared.ctrl);
    this.actions = new Int32Array(this.shared.actions);
    this.rewards = new Float64Array(this.shared.rewards);
    this.terminated = new Uint8Array(this.shared.terminated);
    this.truncated = new Uint8Array(this.shared.truncated);
    this.stats = new Float64Array(this.shared.stats);
    this.text = new Uint8Array(this.shared.text);
    this.obs = batchFromBuffers(numEnvs, this.shared.obs);
    this.finalObs = batchFromBuffers(numEnvs, this.shared.finalObs);
    this.seqs = new Array<number>(k).fill(0);
    this.init = {
      numEnvs,
      envOptions,
      seedStart: checkSeed(seedStart ?? 0),
      spinMicros: spin,
      shared: this.shared,
      wasmModule: assets.wasmModule,
      wasmVariant: variant,
    };
    for (let w = 0; w < k; w++) this.assignment.push([]);
    for (let i = 0; i < numEnvs; i++) this.assignment[i % k].push(i);
    for (let w = 0; w < k; w++) this.spawn(w);
    for (let w = 0; w < k; w++) this.waitReady(w);
  }

  private spawn(w: number): void {
    Atomics.store(this.ctrl, w * CTRL_PER_WORKER + CTRL_READY, 0);
    Atomics.store(this.ctrl, w * CTRL_PER_WORKER + CTRL_SEQ, 0);
    Atomics.store(this.ctrl, w * CTRL_PER_WORKER + CTRL_DONE, 0);
    this.seqs[w] = 0;
    const worker = new Worker(new URL("./vec-worker.js", import.meta.url), {
      workerData: { ...this.init, workerIndex: w, envIndices: this.assignment[w] } satisfies WorkerInit,
    });
    worker.unref();
    worker.on("error", (e) => {
      if (process.env.TEDG_DEBUG) console.error(`VecEnv worker ${w}:`, e);
    }); // otherwise reported through the hang/death path
    this.workers[w] = worker;
  }

  private waitReady(w: number): void {
    const r = Atomics.wait(this.ctrl, w * CTRL_PER_WORKER + CTRL_READY, 0, 120_000);
    if (r === "timed-out") throw new StateError(`VecEnv worker ${w} did not start within 120 s`);
  }

  private command(cmd: number): boolean[] {
    for (let w = 0; w < this.numWorkers; w++) {
      const b = w * CTRL_PER_WORKER;
      Atomics.store(this.ctrl, b + CTRL_CMD, cmd);
      this.seqs[w]++;
      Atomics.store(this.ctrl, b + CTRL_SEQ, this.seqs[w]);
      Atomics.notify(this.ctrl, b + CTRL_SEQ);
    }
    const failed: boolean[] = [];
    const deadline = Date.now() + this.timeoutMs;
    for (let w = 0; w < this.numWorkers; w++) {
      const b = w * CTRL_PER_WORKER;
      let ok = true;
      // A worker's DONE only ever moves to the command just issued: polling for a change is polling for it.
      if (this.mainSpinMicros > 0)
        waitForChange(this.ctrl, b + CTRL_DONE, this.seqs[w] - 1, this.mainSpinMicros, 0);
      for (;;) {
        const done = Atomics.load(this.ctrl, b + CTRL_DONE);
        if (done === this.seqs[w]) break;
        const left = deadline - Date.now();
        if (left <= 0) {
          ok = false;
          break;
        }
        Atomics.wait(this.ctrl, b + CTRL_DONE, done, left);
      }
      failed.push(!ok);
    }
    return failed;
  }

  /** Replaces a hung or dead worker; its envs get fresh episodes. */
  private restart(w: number): void {
    void this.workers[w].terminate();
    this.spawn(w);
    this.waitReady(w);
    const b = w * CTRL_PER_WORKER;
    Atomics.store(this.ctrl, b + CTRL_CMD, CMD_RESET);
    this.seqs[w]++;
    Atomics.store(this.ctrl, b + CTRL_SEQ, this.seqs[w]);
    Atomics.notify(this.ctrl, b + CTRL_SEQ);
    const r = Atomics.wait(this.ctrl, b + CTRL_DONE, this.seqs[w] - 1, this.timeoutMs);
    if (r === "timed-out" && Atomics.load(this.ctrl, b + CTRL_DONE) !== this.seqs[w]) {
      throw new StateError(`VecEnv worker ${w} failed again after a restart`);
    }
  }

  reset(): BatchObs {
    this.checkOpen();
    const failed = this.command(CMD_RESET);
    failed.forEach((f, w) => f && this.restart(w));
    this.started = true;
    return this.obs;
  }

  /**
   * Puts every env back into a known state: env i plays its episode `plans[i].episode` (the same seed the
   * schedule gives it) and replays `plans[i].actions`. Games are deterministic, so this restores a run's
   * envs from a checkpoint exactly; the episode counters continue from there.
   */
  restore(plans: readonly RestorePlan[]): BatchObs {
    this.checkOpen();
    if (plans.length !== this.numEnvs)
      throw new InvalidArgumentError("restore plans", plans.length, `${this.numEnvs} (one per env)`);
    plans.forEach((p, i) => {
      if (!Number.isSafeInteger(p.episode) || p.episode < 0)
        throw new InvalidArgumentError(`restore plan ${i} episode`, p.episode, "an integer ≥ 0");
      for (const a of p.actions)
        if (!Number.isInteger(a) || a < 0 || a >= this.numActions)
          throw new InvalidArgumentError(
            `restore plan ${i} action`,
            a,
            `an integer in [0, ${this.numActions - 1}]`,
          );
    });
    // The worker loop blocks in Atomics.wait, so it reads the plan synchronously (receiveMessageOnPort).
    for (let w = 0; w < this.numWorkers; w++)
      this.workers[w].postMessage({ restore: this.assignment[w].map((i) => plans[i]) });
    const failed = this.command(CMD_RESTORE);
    const bad = failed.findIndex((f) => f);
    if (bad >= 0) throw new StateError(`VecEnv worker ${bad} failed while restoring its envs`);
    for (let i = 0; i < this.numEnvs; i++) {
      if (this.terminated[i] || this.truncated[i]) {
        throw new StateError(
          `restoring env ${i}: the replayed actions end its episode (not the checkpoint's game)`,
        );
      }
    }
    this.started = true;
    return this.obs;
  }

  step(actions: Int32Array | number[]): VecStepResult {
    this.checkOpen();
    if (!this.started) throw new StateError("VecEnv.step() before reset()");
    if (actions.length !== this.numEnvs)
      throw new InvalidArgumentError("actions length", actions.length, `${this.numEnvs} (one per env)`);
    for (let i = 0; i < this.numEnvs; i++) {
      const a = actions[i];
      if (!Number.isInteger(a) || a < 0 || a >= this.numActions) {
        throw new InvalidArgumentError(`action of env ${i}`, a, `an integer in [0, ${this.numActions - 1}]`);
      }
      this.actions[i] = a;
    }
    const failed = this.command(CMD_STEP);
    const episodes: EpisodeInfo[] = [];
    failed.forEach((f, w) => {
      if (!f) return;
      this.restart(w);
      for (const i of this.assignment[w]) {
        this.rewards[i] = 0;
        this.terminated[i] = 0;
        this.truncated[i] = 1;
        const st = i * NUM_STATS;
        this.stats.fill(0, st, st + NUM_STATS);
        this.stats[st + STAT.REASON] = END_REASONS.indexOf("crash");
        this.text.fill(0, i * TEXT_LEN, (i + 1) * TEXT_LEN);
        this.text.set(new TextEncoder().encode(`worker ${w} hung or died; restarted`), i * TEXT_LEN);
      }
    });
    for (let i = 0; i < this.numEnvs; i++) {
      if (!this.terminated[i] && !this.truncated[i]) continue;
      const st = i * NUM_STATS;
      const t = this.text.subarray(i * TEXT_LEN, (i + 1) * TEXT_LEN);
      const end = t.indexOf(0);
      episodes.push({
        env: i,
        seed: this.stats[st + STAT.SEED],
        return: this.stats[st + STAT.RETURN],
        length: this.stats[st + STAT.LENGTH],
        score: this.stats[st + STAT.SCORE],
        maxDepth: this.stats[st + STAT.DEPTH],
        endReason: END_REASONS[this.stats[st + STAT.REASON]] ?? "",
        detail: decoder.decode(t.slice(0, end < 0 ? TEXT_LEN : end)),
        finalObs: obsAt(this.finalObs, i),
      });
    }
    return {
      obs: this.obs,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      episodes,
    };
  }

  /** Test hook: kills worker w as if it had crashed. */
  killWorker(w: number): void {
    void this.workers[w].terminate();
  }

  obsAt(i: number): Observation {
    return obsAt(this.obs, i);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let w = 0; w < this.numWorkers; w++) {
      const b = w * CTRL_PER_WORKER;
      Atomics.store(this.ctrl, b + CTRL_CMD, CMD_CLOSE);
      Atomics.add(this.ctrl, b + CTRL_SEQ, 1);
      Atomics.notify(this.ctrl, b + CTRL_SEQ);
      void this.workers[w].terminate();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StateError("VecEnv is closed");
  }
}
