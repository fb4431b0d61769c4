/**
 * Per-episode routing statistics of several episodes played in parallel (one slot per env), step by step:
 * per-step entropy, mean α, dominant-expert switches and, when the caller labels steps, steps per scenario.
 * Training's episode records and evaluation's per-episode results both come from this one accumulator.
 */
import { InvalidArgumentError } from "../util/index.js";
import { routingEntropyPerStep } from "./routing-stats.js";

export interface EpisodeRouting {
  steps: number;
  /** Mean over the episode's steps of H(α_t) (NaN for an episode without steps). */
  alphaEntropyStep: number;
  /** H(mean α over the episode): the original prototype's per-episode alpha_entropy (B6, docs/original.md). */
  alphaEntropyOfMean: number;
  alphaMean: number[];
  /** Dominant-expert changes per step transition. */
  switchRate: number;
  /** Steps per scenario (empty when the accumulator has no scenarios). */
  scenarioSteps: number[];
}

/** One slot's running sums (what a checkpoint stores to continue an episode's statistics exactly). */
export interface RoutingSlotState {
  steps: number;
  entropySum: number;
  alphaSum: number[];
  /** Dominant expert of the previous step (−1 before the first). */
  prev: number;
  switches: number;
  scenarioSteps: number[];
}

/** Index of the largest of k values from `off` (the first on ties). */
export function argmaxOf(row: ArrayLike<number>, off: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (row[off + j] > row[off + best]) best = j;
  return best;
}

/** Entropy (nats) of the distribution proportional to non-negative `counts`. */
export function entropyOfCounts(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h;
}

export class EpisodeRoutingSlots {
  private slots: RoutingSlotState[];

  /** `K` experts, `S` scenarios (0: steps are not labelled), `numSlots` parallel episodes. */
  constructor(
    readonly K: number,
    readonly S: number,
    numSlots: number,
  ) {
    for (const [what, v, min] of [
      ["number of experts", K, 1],
      ["number of scenarios", S, 0],
      ["routing slots", numSlots, 1],
    ] as const)
      if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(what, v, `an integer ≥ ${min}`);
    this.slots = Array.from({ length: numSlots }, () => this.fresh());
  }

  private fresh(): RoutingSlotState {
    return {
      steps: 0,
      entropySum: 0,
      alphaSum: new Array<number>(this.K).fill(0),
      prev: -1,
      switches: 0,
      scenarioSteps: new Array<number>(this.S).fill(0),
    };
  }

  private slot(i: number): RoutingSlotState {
    const s = this.slots[i];
    if (!s) throw new InvalidArgumentError("routing slot", i, `an integer in [0, ${this.slots.length})`);
    return s;
  }

  /**
   * Adds one step to slot i's episode: α (K values of `alpha` from `off`) and, with scenarios, its scenario.
   * Returns the step's entropy H(α) and its dominant expert.
   */
  step(i: number, alpha: ArrayLike<number>, off = 0, scenario = -1): { entropy: number; dominant: number } {
    const K = this.K;
    const sl = this.slot(i);
    if (this.S > 0 && !(Number.isInteger(scenario) && scenario >= 0 && scenario < this.S))
      throw new InvalidArgumentError("scenario index", scenario, `an integer in [0, ${this.S})`);
    const row = off === 0 && alpha.length === K ? alpha : Array.from({ length: K }, (_, k) => alpha[off + k]);
    const h = routingEntropyPerStep(row, K);
    const dom = argmaxOf(row, 0, K);
    sl.steps++;
    sl.entropySum += h;
    for (let k = 0; k < K; k++) sl.alphaSum[k] += row[k];
    if (sl.prev >= 0 && dom !== sl.prev) sl.switches++;
    sl.prev = dom;
    if (this.S > 0) sl.scenarioSteps[scenario]++;
    return { entropy: h, dominant: dom };
  }

  /** The dominant expert of slot i's last step (−1 before its episode's first). */
  previous(i: number): number {
    return this.slot(i).prev;
  }

  /** Closes slot i's episode and returns its statistics; the slot starts a new episode. */
  end(i: number): EpisodeRouting {
    const sl = this.slot(i);
    this.slots[i] = this.fresh();
    const n = sl.steps;
    return {
      steps: n,
      alphaEntropyStep: n ? sl.entropySum / n : NaN,
      alphaEntropyOfMean: entropyOfCounts(sl.alphaSum),
      alphaMean: sl.alphaSum.map((a) => (n ? a / n : NaN)),
      switchRate: n > 1 ? sl.switches / (n - 1) : 0,
      scenarioSteps: sl.scenarioSteps,
    };
  }

  /** Drops slot i's open episode. */
  reset(i: number): void {
    this.slot(i);
    this.slots[i] = this.fresh();
  }

  getState(): RoutingSlotState[] {
    return structuredClone(this.slots);
  }

  setState(state: readonly RoutingSlotState[]): void {
    if (!Array.isArray(state) || state.length !== this.slots.length)
      throw new InvalidArgumentError("routing slot states", state?.length, `${this.slots.length} slots`);
    for (const [i, s] of state.entries()) {
      if (!(s && Number.isInteger(s.steps) && s.steps >= 0 && s.alphaSum?.length === this.K))
        throw new InvalidArgumentError(`routing slot state ${i}`, s, `steps ≥ 0 and ${this.K} α sums`);
    }
    this.slots = state.map((s) => ({
      steps: s.steps,
      entropySum: s.entropySum,
      alphaSum: [...s.alphaSum],
      prev: s.prev ?? -1,
      switches: s.switches ?? 0,
      scenarioSteps:
        s.scenarioSteps?.length === this.S ? [...s.scenarioSteps] : new Array<number>(this.S).fill(0),
    }));
  }
}
