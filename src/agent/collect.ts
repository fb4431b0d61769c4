/**
 * The collector: drives a VecEnv with a policy one synchronised step at a time — observe, act, step — and hands
 * each step and each finished episode to the caller's hooks. Training (rollouts) and evaluation (held-out
 * episodes) both play through it, so they observe, act and reset in exactly the same way.
 *
 * Order within one step, which the hooks may rely on:
 *   1. the policy acts on `input` (the observer's view of the current observations);
 *   2. `acted(input, act)`: the observer's `conditions` still describe `input`;
 *   3. the envs step;
 *   4. `stepped(res, act)`: ended episodes' final observations are in their EpisodeInfo, and the observer's
 *      memory of those envs is still the one their last step was observed with (e.g. for a bootstrap value);
 *   5. `episodeEnd(info)` for each ended episode, in env order; then the observer forgets those envs;
 *   6. the next observations are observed into `input`.
 */
import type { EpisodeInfo, Observation, RestorePlan, VecEnv, VecStepResult } from "../env/index.js";
import type { ActOptions, ActResult, Policy, PolicyBatch } from "../model/index.js";
import type { BatchObserver } from "./observer.js";

export interface CollectHooks {
  acted?(input: PolicyBatch, act: ActResult): void;
  stepped?(res: VecStepResult, act: ActResult): void;
  episodeEnd?(info: EpisodeInfo): void;
}

export class Collector {
  /** The policy input for the current observations (one row per env). */
  input!: PolicyBatch;
  private readonly views: Observation[];

  constructor(
    readonly vec: VecEnv,
    readonly observer: BatchObserver,
    readonly policy: Policy,
  ) {
    this.views = Array.from({ length: vec.numEnvs }, (_, i) => vec.obsAt(i));
  }

  /** The current observation of env i (a live view: valid until the next step). */
  view(i: number): Observation {
    return this.views[i];
  }

  /** Starts every env's first episode. */
  reset(): void {
    const obs = this.vec.reset();
    this.observer.resetAll();
    this.input = this.observer.observe(obs, this.views);
  }

  /**
   * Puts every env back into its running episode by replaying its actions (a resumed run; the observer's
   * memory must already hold the state saved with the plans).
   */
  restore(plans: readonly RestorePlan[]): void {
    this.input = this.observer.observe(this.vec.restore(plans), this.views);
  }

  /** One step of every env; returns what the policy did. */
  step(act: ActOptions, hooks: CollectHooks = {}): ActResult {
    const input = this.input;
    const a = this.policy.act(input, act);
    hooks.acted?.(input, a);
    const res = this.vec.step(a.action);
    hooks.stepped?.(res, a);
    for (const info of res.episodes) hooks.episodeEnd?.(info);
    for (const info of res.episodes) this.observer.resetEnv(info.env);
    this.input = this.observer.observe(res.obs, this.views);
    return a;
  }
}
