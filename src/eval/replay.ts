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

/**
 * The engine's emscripten glue passes `process.argv.slice(2)` to NetHack's main() unless the module is
 * given `arguments`; in a CLI process (`tedg replay FILE`) NetHack then sees FILE as an argument and prints
 * an extra start-up message, so the first observation no longer matches one recorded in a VecEnv worker.
 * Until src/nethack sets `arguments: []`, hide the CLI arguments while a game is created.
 */
export function withCleanArgv<T>(fn: () => T): T {
  const saved = process.argv;
  process.argv = saved.slice(0, 2);
  try {
    return fn();
  } finally {
    process.argv = saved;
  }
}

export interface ReplayOptions {
  tty?: boolean;
}

/** Replays `rec`; `onFrame(k, obs, env)` sees frame 0 (the reset) … frame T (after the last action). */
export function replayEpisode(
  rec: EpisodeRecording,
  onFrame: (k: number, obs: Observation, env: NetHackEnv) => void,
  opts: ReplayOptions = {},
): void {
  withCleanArgv(() => {
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
  });
}
