/** The environment contract (NLE/gymnasium semantics) shared by the trainer, evaluator and miner. */
import type { Observation } from "./observation.js";

export type TaskName = "score" | "staircase" | "pet" | "oracle" | "gold" | "eat" | "scout" | "challenge";
export type ActionSetName = "score" | "full";

export interface EnvOptions {
  /** Reward task (default "score", NLE's NetHackScore). */
  task?: TaskName;
  /** Action set (default "score": NLE's 23 TASK_ACTIONS). */
  actions?: ActionSetName;
  /** Character, NLE syntax role-race-gender-alignment (default "mon-hum-neu-mal"). */
  character?: string;
  /** Truncation cap (default 5000). */
  maxEpisodeSteps?: number;
  /** Also fill tty_chars/tty_colors/tty_cursor (costs ~50 µs per step). */
  tty?: boolean;
  /** Score task penalty when the game clock does not advance (default -0.01). */
  penaltyStep?: number;
}

export interface StepInfo {
  /** Why the episode ended, when it did: "death", "quit", "escaped", "task_success", "max_steps", "crash". */
  endReason?: string;
  /** Death cause from the game's "killed by" text, when known. */
  deathCause?: string;
  /** Steps taken in the current episode. */
  episodeStep: number;
  /** The seed the current episode was reset with. */
  seed: number;
  /** The engine error, when endReason is "crash". */
  error?: string;
}

export interface StepResult {
  obs: Observation;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

export interface ResetResult {
  obs: Observation;
  info: StepInfo;
}

export interface Env {
  readonly numActions: number;
  /** The key codes of the action set, action index → key. */
  readonly actionKeys: readonly number[];
  reset(opts?: { seed?: number }): ResetResult;
  step(action: number): StepResult;
  /** 24×80 text of the current screen. */
  render(): string;
  close(): void;
}
