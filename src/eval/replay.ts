/**
 * Re-plays a recording in a fresh NetHackEnv (verifying every observation digest) and hands each frame to a
 * callback; with `tty` the frames carry the 24×80 screen in colour.
 */
import {
  makeEnv,
  replayRecording,
  type EpisodeRecording,
  type NetHackEnv,
  type Observation,
} from "../env/index.js";

export interface ReplayOptions {
  tty?: boolean;
}

/** Replays `rec`; `onFrame(k, obs, env)` sees frame 0 (the reset) … frame T (after the last action). */
export function replayEpisode(
  rec: EpisodeRecording,
  onFrame: (k: number, obs: Observation, env: NetHackEnv) => void,
  opts: ReplayOptions = {},
): void {
  const env = makeEnv({
    ...rec.env,
    tty: opts.tty ?? false,
    // Room for every recorded action even if the recording's cap was counted differently.
    maxEpisodeSteps: Math.max(rec.actions.length + 1, rec.env.maxEpisodeSteps ?? 0),
  });
  try {
    replayRecording(env, rec, (k, obs) => onFrame(k, obs, env));
  } finally {
    env.close();
  }
}
