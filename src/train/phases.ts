/**
 * The learning-rate schedule that multiplies the phase learning rate (run/curriculum.ts's phaseAt). The phase
 * lr is the lr actually used (fixes B9, docs/original.md: the original's LambdaLR overwrote it after every Adam
 * step), and the schedule's state is checkpointed.
 */
import type { PhaseState } from "../run/index.js";
import { InvalidArgumentError } from "../util/index.js";

export interface LrScheduleState {
  /** PPO updates done so far in the whole run (across resumes). */
  updates: number;
}

/**
 * Multiplier on the phase learning rate: an optional linear warmup over the first `warmupUpdates` updates
 * of the run ((u + 1) / W for update u < W, then 1). Stepped once per PPO update.
 */
export class LrSchedule {
  private updates = 0;

  constructor(readonly warmupUpdates = 0) {
    if (!Number.isInteger(warmupUpdates) || warmupUpdates < 0) {
      throw new InvalidArgumentError("lr warmup updates", warmupUpdates, "an integer ≥ 0");
    }
  }

  factor(): number {
    return this.warmupUpdates > 0 && this.updates < this.warmupUpdates
      ? (this.updates + 1) / this.warmupUpdates
      : 1;
  }

  /** The learning rate of the next update in `phase`. */
  lr(phase: Pick<PhaseState, "lr">): number {
    return phase.lr * this.factor();
  }

  step(): void {
    this.updates++;
  }

  get updateCount(): number {
    return this.updates;
  }

  getState(): LrScheduleState {
    return { updates: this.updates };
  }

  setState(state: LrScheduleState): void {
    if (!Number.isInteger(state?.updates) || state.updates < 0) {
      throw new InvalidArgumentError("lr schedule state", state, "{ updates: integer ≥ 0 }");
    }
    this.updates = state.updates;
  }
}
