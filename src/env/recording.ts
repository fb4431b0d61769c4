/**
 * Episode recordings: the seed, the options and the actions, plus a digest of every observation, so a replay
 * can prove it reproduced the episode bit-exactly (and say where it diverged if not).
 */
import { FileFormatError, TedgError, readJsonFile, writeFileAtomic } from "../util/index.js";
import type { Observation } from "./observation.js";
import type { NetHackEnv, NetHackEnvOptions } from "./nethack-env.js";

export interface EpisodeRecording {
  format: "tedg-episode";
  version: 1;
  seed: number;
  env: Pick<NetHackEnvOptions, "task" | "actions" | "character" | "maxEpisodeSteps" | "penaltyStep">;
  actions: number[];
  /** digests[0] is the reset observation; digests[k] follows actions[k-1]. */
  digests: string[];
  rewards: number[];
  /** Optional per-step extras (e.g. routing weights, active conditions) written by the evaluator. */
  extras?: Array<Record<string, unknown>>;
}

/** FNV-1a over the observation's glyphs, blstats and message: 8 hex digits. */
export function digestObservation(obs: Observation): string {
  let h = 0x811c9dc5;
  const mix = (arr: ArrayLike<number>) => {
    for (let i = 0; i < arr.length; i++) {
      h ^= arr[i] & 0xffff;
      h = Math.imul(h, 0x01000193);
    }
  };
  mix(obs.glyphs);
  mix(obs.blstats);
  mix(obs.message);
  return (h >>> 0).toString(16).padStart(8, "0");
}

export class EpisodeRecorder {
  readonly rec: EpisodeRecording;

  constructor(env: NetHackEnv, envOptions: EpisodeRecording["env"], seed: number, first: Observation) {
    void env;
    this.rec = {
      format: "tedg-episode",
      version: 1,
      seed,
      env: envOptions,
      actions: [],
      digests: [digestObservation(first)],
      rewards: [],
    };
  }

  add(action: number, obs: Observation, reward: number, extra?: Record<string, unknown>): void {
    this.rec.actions.push(action);
    this.rec.digests.push(digestObservation(obs));
    this.rec.rewards.push(reward);
    if (extra) (this.rec.extras ??= []).push(extra);
  }
}

export class ReplayMismatchError extends TedgError {}

/**
 * Replays a recording in `env` (created with the recording's options) and checks every digest.
 * `onStep` sees each observation (frame 0 is the reset).
 */
export function replayRecording(
  env: NetHackEnv,
  rec: EpisodeRecording,
  onStep?: (k: number, obs: Observation) => void,
): void {
  const r = env.reset({ seed: rec.seed });
  check(0, r.obs);
  onStep?.(0, r.obs);
  rec.actions.forEach((a, k) => {
    const s = env.step(a);
    check(k + 1, s.obs);
    onStep?.(k + 1, s.obs);
  });
  function check(k: number, obs: Observation) {
    const d = digestObservation(obs);
    if (d !== rec.digests[k]) {
      throw new ReplayMismatchError(`replay diverged at step ${k}: digest ${d}, recorded ${rec.digests[k]}`);
    }
  }
}

export function saveRecording(path: string, rec: EpisodeRecording): void {
  writeFileAtomic(path, JSON.stringify(rec));
}

export function loadRecording(path: string): EpisodeRecording {
  const raw = readJsonFile(path, "JSON recording");
  const r = raw as EpisodeRecording;
  if (!r || r.format !== "tedg-episode" || r.version !== 1)
    throw new FileFormatError(path, 'expected {"format":"tedg-episode","version":1,…}');
  if (
    !Number.isSafeInteger(r.seed) ||
    !Array.isArray(r.actions) ||
    !Array.isArray(r.digests) ||
    r.digests.length !== r.actions.length + 1
  ) {
    throw new FileFormatError(path, "seed, actions and digests (one more digest than actions) are required");
  }
  return r;
}
