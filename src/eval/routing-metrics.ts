/**
 * Routing and specialisation statistics accumulated step by step (several episodes in parallel, one slot per
 * env): per-step entropy, the original's entropy of the mean (labelled as such; B6 in docs/original.md), mean
 * α, dominant-expert shares and switches, and the scenario × dominant-expert table with its mutual
 * information.
 */
import { routingEntropyPerStep } from "../agent/index.js";
import { InvalidArgumentError } from "../util/index.js";
import { argmax, entropyOfCounts, mutualInformation, shuffledMutualInformation } from "./stats.js";

/** Permutations behind the shuffled-scenario MI control. */
export const MI_CONTROL_PERMUTATIONS = 20;

export interface EpisodeRouting {
  steps: number;
  /** Mean over the episode's steps of H(α_t). */
  alphaEntropyStep: number;
  /** H(mean α over the episode): the original's per-episode alpha_entropy. */
  alphaEntropyOfMean: number;
  alphaMean: number[];
  /** Dominant-expert changes per step transition. */
  switchRate: number;
  scenarioSteps: number[];
}

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

interface Slot {
  steps: number;
  entropySum: number;
  alphaSum: number[];
  prev: number;
  switches: number;
  scenarioSteps: number[];
}

export class RoutingMetrics {
  private readonly slots: Slot[];
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
    this.slots = Array.from({ length: numSlots }, () => this.freshSlot());
    this.alphaSum = new Array<number>(K).fill(0);
    this.dominant = new Array<number>(K).fill(0);
    this.table = Array.from({ length: S }, () => new Array<number>(K).fill(0));
  }

  private freshSlot(): Slot {
    return {
      steps: 0,
      entropySum: 0,
      alphaSum: new Array<number>(this.K).fill(0),
      prev: -1,
      switches: 0,
      scenarioSteps: new Array<number>(this.S).fill(0),
    };
  }

  /** Adds one step of `slot`'s episode: α (K values from `off`) and its scenario; returns the dominant expert. */
  step(slot: number, alpha: ArrayLike<number>, scenario: number, off = 0): number {
    const K = this.K;
    const sl = this.slots[slot];
    if (!sl) throw new InvalidArgumentError("routing slot", slot, `an integer in [0, ${this.slots.length})`);
    if (!Number.isInteger(scenario) || scenario < 0 || scenario >= this.S)
      throw new InvalidArgumentError("scenario index", scenario, `an integer in [0, ${this.S})`);
    const row = off === 0 && alpha.length === K ? alpha : Array.from({ length: K }, (_, k) => alpha[off + k]);
    const h = routingEntropyPerStep(row, K);
    const dom = argmax(row, 0, K);
    sl.steps++;
    sl.entropySum += h;
    for (let k = 0; k < K; k++) sl.alphaSum[k] += row[k];
    if (sl.prev >= 0) {
      this.transitions++;
      if (dom !== sl.prev) {
        sl.switches++;
        this.switches++;
      }
    }
    sl.prev = dom;
    sl.scenarioSteps[scenario]++;
    this.steps++;
    this.entropySum += h;
    for (let k = 0; k < K; k++) this.alphaSum[k] += row[k];
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
    const sl = this.slots[slot];
    if (!sl) throw new InvalidArgumentError("routing slot", slot, `an integer in [0, ${this.slots.length})`);
    this.slots[slot] = this.freshSlot();
    const n = sl.steps;
    return {
      steps: n,
      alphaEntropyStep: n ? sl.entropySum / n : 0,
      alphaEntropyOfMean: entropyOfCounts(sl.alphaSum),
      alphaMean: sl.alphaSum.map((a) => (n ? a / n : 0)),
      switchRate: n > 1 ? sl.switches / (n - 1) : 0,
      scenarioSteps: sl.scenarioSteps,
    };
  }

  /** Drops `slot`'s open episode without counting it per episode (its steps stay in the totals). */
  resetSlot(slot: number): void {
    this.slots[slot] = this.freshSlot();
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
