/**
 * Observation → policy input for N environments: the features the visual stream reads, the condition mask
 * the logic stream reads (with one ExtractionMemory slot per env, so the terrain under the hero is known)
 * and the hypergraph action mask. The trainer stores exactly these rows, so an update re-evaluates the
 * inputs the policy acted on; the evaluator uses the same class, so evaluation sees what training saw.
 */
import { BLSTATS_SIZE, type BatchObs, type Observation } from "../env/index.js";
import {
  ExtractionMemory,
  extractConditions,
  extractConditionsBatch,
  makeActionMasker,
  type ActionMasker,
  type ExtractionMemoryState,
  type Hypergraph,
} from "../knowledge/index.js";
import {
  allocFeatures,
  encodeObservationInto,
  NUM_OCLASSES,
  type Features,
  type PolicyBatch,
} from "../model/index.js";
import { InvalidArgumentError } from "../util/index.js";

export interface ObserverOptions {
  cropSize: number;
  /** Restrict actions to those whose operators' preconditions hold (knowledge/action-mask). */
  actionMask: boolean;
  /** Number of actions (the 23-action set is what the graph's operators name). */
  numActions: number;
}

export class BatchObserver {
  readonly numConditions: number;
  readonly numActions: number;
  private readonly memory: ExtractionMemory;
  private readonly masker: ActionMasker | null;
  private readonly features: Features;
  /** [N × C] conditions of the last observed batch. */
  readonly conditions: Uint8Array;
  private readonly actionMasks: Uint8Array | null;
  private readonly one: Features;
  private readonly oneConditions: Uint8Array;
  private readonly oneMask: Uint8Array | null;

  constructor(
    readonly graph: Hypergraph,
    readonly numEnvs: number,
    readonly options: ObserverOptions,
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new InvalidArgumentError("observer envs", numEnvs, "an integer ≥ 1");
    this.numConditions = graph.conditionNodes.length;
    this.numActions = options.numActions;
    this.memory = new ExtractionMemory(numEnvs);
    this.masker = options.actionMask ? makeActionMasker(graph) : null;
    if (this.masker && this.masker.numActions !== options.numActions) {
      throw new InvalidArgumentError(
        "actionMask with numActions",
        options.numActions,
        `${this.masker.numActions} (the graph's operators name the 23-action set)`,
      );
    }
    this.features = allocFeatures(numEnvs, options.cropSize);
    this.conditions = new Uint8Array(numEnvs * this.numConditions);
    this.actionMasks = this.masker ? new Uint8Array(numEnvs * this.numActions) : null;
    this.one = allocFeatures(1, options.cropSize);
    this.oneConditions = new Uint8Array(this.numConditions);
    this.oneMask = this.masker ? new Uint8Array(this.numActions) : null;
  }

  /**
   * Encodes a batch of N observations (advancing every env's memory) and returns the policy input; its
   * arrays are reused by the next call, so copy what must outlive it.
   */
  observe(batch: BatchObs, views: readonly Observation[]): PolicyBatch {
    const N = this.numEnvs;
    if (batch.n !== N || views.length !== N)
      throw new InvalidArgumentError("observed batch size", batch.n, `${N} (observer envs)`);
    for (let i = 0; i < N; i++) encodeObservationInto(views[i], this.features, i);
    extractConditionsBatch(batch, this.graph, this.conditions, this.memory);
    if (this.masker && this.actionMasks) this.masker.maskBatch(this.conditions, N, this.actionMasks);
    return {
      B: N,
      blstats: this.features.blstats,
      crop: this.features.crop,
      inv: this.features.inv,
      masks: this.conditions,
      actionMask: this.actionMasks ?? undefined,
    };
  }

  /**
   * Encodes env `slot`'s final observation of an episode (for the truncation bootstrap value) as a batch of
   * one, advancing that env's memory; call `resetEnv(slot)` afterwards.
   */
  observeOne(slot: number, obs: Observation): PolicyBatch {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.numEnvs)
      throw new InvalidArgumentError("observer slot", slot, `an integer in [0, ${this.numEnvs})`);
    encodeObservationInto(obs, this.one, 0);
    // The env's own memory slot, as when acting: the final observation's conditions (terrain under the hero)
    // then match what the policy would have seen had the episode gone on.
    extractConditions(obs, this.graph, this.oneConditions, this.memory, slot);
    if (this.masker && this.oneMask) this.masker.mask(this.oneConditions, this.oneMask);
    return {
      B: 1,
      blstats: this.one.blstats,
      crop: this.one.crop,
      inv: this.one.inv,
      masks: this.oneConditions,
      actionMask: this.oneMask ?? undefined,
    };
  }

  /** Forgets env i's memory (its episode ended; the next observation is a new game). */
  resetEnv(i: number): void {
    this.memory.reset(i);
  }

  /** Forgets every env's memory. */
  resetAll(): void {
    this.memory.reset();
  }

  /** The per-env memory (for checkpoints). */
  getState(): ExtractionMemoryState {
    return this.memory.getState();
  }

  setState(state: ExtractionMemoryState): void {
    this.memory.setState(state);
  }

  /** Row sizes of the policy input, for rollout storage. */
  get rowSizes(): { blstats: number; crop: number; inv: number; masks: number; actionMask: number } {
    return {
      blstats: BLSTATS_SIZE,
      crop: this.options.cropSize * this.options.cropSize,
      inv: NUM_OCLASSES,
      masks: this.numConditions,
      actionMask: this.masker ? this.numActions : 0,
    };
  }
}
