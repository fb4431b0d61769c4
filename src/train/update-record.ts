/**
 * The fields every trainer's update record shares (in-process trainer and broker learner), and the update line
 * both print: one definition, so a metric added to the update shows up in both kinds of run.
 */
import type { PhaseState } from "../run/index.js";
import type { TrainingLog } from "./log.js";
import type { PpoUpdateMetrics } from "./ppo-update.js";

/** Counters of the update, 1-based as the trainers count (the record stores it 0-based). */
export interface UpdatePosition {
  update: number;
  episode: number;
  envSteps: number;
}

/** The PPO part of an update record, before and after the trainer-specific fields. */
export function updateRecordHead(pos: UpdatePosition, phase: PhaseState, u: PpoUpdateMetrics) {
  return {
    // 0-based like episode records (trimMetricsForResume keeps records below the checkpoint's counters).
    update: pos.update - 1,
    episode: pos.episode,
    env_steps: pos.envSteps,
    phase: phase.name,
    phase_index: phase.index,
    routing: phase.routing,
    tau: phase.tau,
    lr: u.lr,
    losses: u.losses,
    weighted: u.weighted,
    policy_entropy: u.losses.entropy,
  };
}

export function updateRecordStats(u: PpoUpdateMetrics) {
  return {
    approx_kl: u.approxKl,
    clip_fraction: u.clipFraction,
    explained_variance: u.explainedVariance,
    grad_norm: u.gradNorm,
    grad_norm_max: u.gradNormMax,
    advantage_mean: u.advantageMean,
    advantage_std: u.advantageStd,
  };
}

/** The update line of training.log and the console, every `logEvery` updates and on every rollback. */
export function logUpdateLine(
  log: TrainingLog,
  logEvery: number,
  update: number,
  phase: PhaseState,
  u: PpoUpdateMetrics,
): boolean {
  if (update % logEvery !== 0 && !u.rolledBack) return false;
  log.update({
    update,
    phase: phase.name,
    lr: u.lr,
    losses: u.losses,
    approxKl: u.approxKl,
    clipFraction: u.clipFraction,
    gradNorm: u.gradNorm,
    explainedVariance: u.explainedVariance,
    rolledBack: u.rolledBack !== null,
  });
  return true;
}
