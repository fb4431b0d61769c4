/**
 * The learner in its own thread (pipelined mode): a proxy with the Learner interface whose requests run, in
 * order, on a LocalLearner in learner-worker.ts. The thread has its own tensor backend and its own copy of the
 * policy, so an update runs while the trainer's thread acts with the previous weights.
 */
import { Worker } from "node:worker_threads";
import type { NamedArray } from "../model/index.js";
import { StateError, type TensorBlobs } from "../util/index.js";
import type { TrainConfig } from "../run/index.js";
import type { Learner, LearnerStart, UpdateJob, UpdateResult } from "./learner.js";
import { TrainingDivergedError } from "./nan-guard.js";

export interface LearnerInit {
  config: TrainConfig;
  backend: "wasm" | "cpu";
  /** The starting weights (parameters and buffers). */
  weights: Map<string, NamedArray>;
  start: LearnerStart;
}

export type LearnerRequest =
  { id: number; kind: "update"; job: UpdateJob } | { id: number; kind: "weights" | "optimizer" | "close" };

export type LearnerReply =
  | { id: number; ok: true; value: unknown }
  | {
      id: number;
      ok: false;
      error: { name: string; message: string; stack: string; failures?: number; lastReason?: string };
    };

export class WorkerLearner implements Learner {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  private closed = false;

  constructor(init: LearnerInit) {
    this.worker = new Worker(new URL("./learner-worker.js", import.meta.url), { workerData: init });
    this.worker.on("message", (r: LearnerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else {
        const e = r.error;
        const err =
          e.name === "TrainingDivergedError" && e.failures !== undefined
            ? new TrainingDivergedError(e.failures, e.lastReason ?? "")
            : new Error(e.message);
        err.stack = `${err.name}: ${r.error.message} (in the learner thread)\n${r.error.stack}`;
        p.reject(err);
      }
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on("error", (e) => fail(e instanceof Error ? e : new Error(String(e))));
    this.worker.on("exit", (code) => {
      if (!this.closed) fail(new StateError(`the learner thread exited (code ${code}) before the run ended`));
    });
  }

  private request<T>(req: Omit<LearnerRequest, "id"> & { kind: LearnerRequest["kind"] }): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  update(job: UpdateJob): Promise<UpdateResult> {
    return this.request<UpdateResult>({ kind: "update", job } as Omit<LearnerRequest, "id">);
  }

  weights(): Promise<Map<string, NamedArray>> {
    return this.request({ kind: "weights" });
  }

  optimizerState(): Promise<TensorBlobs> {
    return this.request({ kind: "optimizer" });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      // A learner that failed (at start-up or later) has nothing left to release; the thread ends below anyway.
      if (!this.failure) await this.request({ kind: "close" }).catch(() => {});
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }
}
