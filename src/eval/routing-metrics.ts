/**
 * Routing and specialisation statistics accumulated step by step (several episodes in parallel, one slot per
 * env): per-step entropy, the original's entropy of the mean (labelled as such; B6 in docs/original.md), mean
 * α, dominant-expert shares and switches, and the scenario × dominant-expert table with its mutual
 * information.
 */
import { EpisodeRoutingSlots, type EpisodeRouting } from "../agent/index.js";
import { InvalidArgumentError } from "../util/index.js";
import { entropyOfCounts, mutualInformation, shuffledMutualInformation } from "./stats.js";

export type { EpisodeRouting };

/** Permutations behind the shuffled-scenario MI control. */
export const MI_CONTROL_PERMUTATIONS = 20;

export interface RoutingTotals {
  steps: number;
  /** Mean over all steps of H(α_t). */
  alphaEntropyStep: number;
  /** H(mean α over all steps). */
  alphaEntropyOfAllMean: number;
  alphaMean: number[];
  dominantShare: number[];
  switchRate: number;
  /** table[s][e]: steps of scenario s led by expert e. */
  table: number[][];
  scenarioSteps: number[];
  mutualInformation: number;
  /** MI with the scenario labels permuted across steps (mean and max over the permutations): the no-association level. */
  mutualInformationShuffled: { mean: number; max: number; permutations: number };
  normalisedMutualInformation: number | null;
}

/** Per-episode statistics (the agent layer's slots, shared with training) plus the totals over all steps. */
export class RoutingMetrics {
  private readonly slots: EpisodeRoutingSlots;
  private steps = 0;
  private entropySum = 0;
  private readonly alphaSum: number[];
  private readonly dominant: number[];
  private switches = 0;
  private transitions = 0;
  private readonly table: number[][];
  /** Every step's scenario and dominant expert, for the shuffled-scenario control. */
  private scenarioOf = new Int32Array(1024);
  private dominantOf = new Int32Array(1024);

  constructor(
    readonly K: number,
    readonly S: number,
    numSlots = 1,
  ) {
    for (const [what, v] of [
      ["number of experts", K],
      ["number of scenarios", S],
      ["routing slots", numSlots],
    ] as const)
      if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(what, v, "an integer ≥ 1");
    this.slots = new EpisodeRoutingSlots(K, S, numSlots);
    this.alphaSum = new Array<number>(K).fill(0);
    this.dominant = new Array<number>(K).fill(0);
    this.table = Array.from({ length: S }, () => new Array<number>(K).fill(0));
  }

  /** Adds one step of `slot`'s episode: α (K values from `off`) and its scenario; returns the dominant expert. */
  step(slot: number, alpha: ArrayLike<number>, scenario: number, off = 0): number {
    const K = this.K;
    const prev = this.slots.previous(slot);
    const { entropy: h, dominant: dom } = this.slots.step(slot, alpha, off, scenario);
    if (prev >= 0) {
      this.transitions++;
      if (dom !== prev) this.switches++;
    }
    this.steps++;
    this.entropySum += h;
    for (let k = 0; k < K; k++) this.alphaSum[k] += alpha[off + k];
    this.dominant[dom]++;
    this.table[scenario][dom]++;
    if (this.steps > this.scenarioOf.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.scenarioOf = grow(this.scenarioOf);
      this.dominantOf = grow(this.dominantOf);
    }
    this.scenarioOf[this.steps - 1] = scenario;
    this.dominantOf[this.steps - 1] = dom;
    return dom;
  }

  /** Closes `slot`'s episode and returns its statistics; the slot starts a new episode. */
  endEpisode(slot: number): EpisodeRouting {
    return this.slots.end(slot);
  }

  /** Drops `slot`'s open episode without counting it per episode (its steps stay in the totals). */
  resetSlot(slot: number): void {
    this.slots.reset(slot);
  }

  totals(): RoutingTotals {
    const n = this.steps;
    const scenarioSteps = this.table.map((r) => r.reduce((a, b) => a + b, 0));
    const mi = mutualInformation(this.table);
    const h = Math.min(entropyOfCounts(scenarioSteps), entropyOfCounts(this.dominant));
    return {
      steps: n,
      alphaEntropyStep: n ? this.entropySum / n : 0,
      alphaEntropyOfAllMean: entropyOfCounts(this.alphaSum),
      alphaMean: this.alphaSum.map((a) => (n ? a / n : 0)),
      dominantShare: this.dominant.map((c) => (n ? c / n : 0)),
      switchRate: this.transitions ? this.switches / this.transitions : 0,
      table: this.table.map((r) => [...r]),
      scenarioSteps,
      mutualInformation: mi,
      mutualInformationShuffled: {
        ...shuffledMutualInformation(
          this.scenarioOf.subarray(0, n),
          this.dominantOf.subarray(0, n),
          this.S,
          this.K,
          MI_CONTROL_PERMUTATIONS,
        ),
        permutations: MI_CONTROL_PERMUTATIONS,
      },
      normalisedMutualInformation: h > 1e-12 ? mi / h : null,
    };
  }
}
