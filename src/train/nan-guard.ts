/**
 * Rollback on non-finite losses or gradients. Before an update the guard snapshots the trainable variables
 * and the optimizer state (cheap: tfjs clones share data until a variable is reassigned); if the update
 * meets a NaN/Inf it restores both, so a bad batch leaves no trace, and training continues. After
 * `maxConsecutive` failed updates in a row it throws TrainingDivergedError instead of looping forever.
 * (The original restored the weights only, leaving Adam's moments possibly poisoned.)
 */
import * as tf from "@tensorflow/tfjs-core";
import { TedgError } from "../util/index.js";

export class TrainingDivergedError extends TedgError {
  constructor(
    readonly failures: number,
    readonly lastReason: string,
  ) {
    super(
      `training diverged: ${failures} updates in a row produced a non-finite loss or gradient (last: ${lastReason}); ` +
        `the weights are those before the first of them. Lower the learning rate or maxGradNorm, or check the rewards.`,
    );
  }
}

type NamedTensor = { name: string; tensor: tf.Tensor };

export interface GuardSnapshot {
  variables: { variable: tf.Variable; value: tf.Tensor }[];
  optimizer: { iter: number; moments: NamedTensor[] } | null;
}

export interface NanGuardOptions {
  /** Failed updates in a row before giving up (default 3). */
  maxConsecutive?: number;
  /** Called with a message on every rollback (the trainer logs it). */
  onRollback?: (message: string) => void;
}

/** True when every element of every tensor is finite (one device read). */
export function allFinite(tensors: readonly tf.Tensor[]): boolean {
  if (tensors.length === 0) return true;
  const bad = tf.tidy(() =>
    tf.addN(tensors.map((t) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(t)), "float32")))),
  );
  const n = bad.dataSync()[0];
  bad.dispose();
  return n === 0;
}

export class NanGuard {
  private consecutive = 0;
  private total = 0;
  readonly maxConsecutive: number;

  constructor(private readonly opts: NanGuardOptions = {}) {
    this.maxConsecutive = opts.maxConsecutive ?? 3;
  }

  /** Rollbacks so far (whole run) and in a row. */
  get rollbacks(): number {
    return this.total;
  }
  get consecutiveFailures(): number {
    return this.consecutive;
  }

  async snapshot(variables: readonly tf.Variable[], optimizer?: tf.Optimizer): Promise<GuardSnapshot> {
    const vars = variables.map((variable) => ({ variable, value: tf.clone(variable) }));
    if (!optimizer) return { variables: vars, optimizer: null };
    const weights = await optimizer.getWeights();
    const iter = (await weights[0].tensor.data())[0];
    weights[0].tensor.dispose();
    const moments = weights.slice(1).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    return { variables: vars, optimizer: { iter, moments } };
  }

  async restore(snap: GuardSnapshot, optimizer?: tf.Optimizer): Promise<void> {
    for (const { variable, value } of snap.variables) variable.assign(value);
    if (optimizer && snap.optimizer) {
      const old = await optimizer.getWeights();
      const fresh: NamedTensor[] = [
        { name: "iter", tensor: tf.scalar(snap.optimizer.iter, "int32") },
        ...snap.optimizer.moments.map((m) => ({ name: m.name, tensor: tf.clone(m.tensor) })),
      ];
      await optimizer.setWeights(fresh);
      // The optimizer now holds new variables over the snapshot's data; release what it held before.
      tf.dispose(old.map((w) => w.tensor));
      tf.dispose(fresh.map((w) => w.tensor));
    }
  }

  release(snap: GuardSnapshot): void {
    tf.dispose(snap.variables.map((v) => v.value));
    if (snap.optimizer) tf.dispose(snap.optimizer.moments.map((m) => m.tensor));
  }

  /** Records a successful update (resets the run of failures). */
  succeeded(): void {
    this.consecutive = 0;
  }

  /** Records a rolled-back update; throws TrainingDivergedError on the maxConsecutive-th in a row. */
  failed(reason: string): void {
    this.consecutive++;
    this.total++;
    this.opts.onRollback?.(
      `NaN guard: ${reason}; restored the weights and optimizer state from before the update ` +
        `(${this.consecutive}/${this.maxConsecutive} in a row, ${this.total} in total)`,
    );
    if (this.consecutive >= this.maxConsecutive) throw new TrainingDivergedError(this.consecutive, reason);
  }

  /**
   * Runs `body` under the guard: snapshot, run, and on a non-finite result (body returns a reason string)
   * restore and count. Returns the reason, or null when the update went through.
   */
  async run(
    variables: readonly tf.Variable[],
    optimizer: tf.Optimizer | undefined,
    body: () => Promise<string | null> | string | null,
  ): Promise<string | null> {
    const snap = await this.snapshot(variables, optimizer);
    try {
      const reason = await body();
      if (reason === null) {
        this.succeeded();
        return null;
      }
      await this.restore(snap, optimizer);
      this.failed(reason);
      return reason;
    } finally {
      this.release(snap);
    }
  }
}
