/** The environment layer: NLE-compatible NetHack environments (single and vectorised). */
import { NetHackEnv, type NetHackEnvOptions } from "./nethack-env.js";
import { VecEnv, type VecEnvOptions } from "./vec-env.js";

export * from "./types.js";
export * from "./observation.js";
export * from "./blstats.js";
export * from "./actions.js";
export * from "./batch.js";
export {
  NetHackEnv,
  checkSeed,
  gameSeeds,
  botlScore,
  parseStrength,
  FIXED_TIME,
  DEFAULT_CHARACTER,
  DEFAULT_MAX_EPISODE_STEPS,
} from "./nethack-env.js";
export type { NetHackEnvOptions } from "./nethack-env.js";
export { VecEnv } from "./vec-env.js";
export type { VecEnvOptions, VecStepResult, EpisodeInfo } from "./vec-env.js";
export type { RestorePlan } from "./vec-protocol.js";
export { TASK_NAMES, checkTask } from "./tasks.js";
export { parseCharacter } from "./character.js";
export * from "./recording.js";

/** Creates one environment (NLE's gym.make equivalent). */
export function makeEnv(opts: NetHackEnvOptions = {}): NetHackEnv {
  return new NetHackEnv(opts);
}

/** Creates N environments over worker threads. */
export function makeVecEnv(opts: VecEnvOptions): VecEnv {
  return new VecEnv(opts);
}
