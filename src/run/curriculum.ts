/**
 * The curriculum a config describes, as a function of the absolute episode index: the phase, its routing and
 * the annealed τ and loss coefficients. The trainer follows it; evaluation reads the routing a checkpoint was
 * at. The phase lr is the lr actually used (fixes B9, docs/original.md: the original's LambdaLR overwrote it after every Adam
 * step); train/phases.ts holds the schedule that multiplies it.
 */
import { InvalidArgumentError } from "../util/index.js";
import type { RoutingMode, TrainConfig } from "./config-schema.js";

/** Everything the trainer needs from the curriculum for one episode (or one update). */
export interface PhaseState {
  name: string;
  index: number;
  routing: RoutingMode;
  /** First episode of the phase (inclusive) and its end (exclusive; the run's `episodes` for the last phase). */
  start: number;
  end: number;
  /** (episode − start) / (end − start), clamped to [0, 1]; drives the linear anneals. */
  progress: number;
  tau: number;
  lr: number;
  entropyCoef: number;
  routingEntropyCoef: number;
  routingEntropySign: -1 | 1;
  loadBalanceCoef: number;
  diversityCoef: number;
  alignmentCoef: number;
  operatorCoef: number;
  alignmentTemperature: number;
  semanticCoef: number;
  temporalCoef: number;
  overlapCoef: number;
  balanceBiasRate: number;
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

export function phaseAt(config: Pick<TrainConfig, "phases" | "episodes">, episode: number): PhaseState {
  if (!Number.isInteger(episode) || episode < 0) {
    throw new InvalidArgumentError("episode index", episode, "an integer ≥ 0");
  }
  const phases = config.phases;
  let index = phases.findIndex((p) => p.until !== null && episode < p.until);
  if (index < 0) index = phases.length - 1;
  const p = phases[index];
  const start = index === 0 ? 0 : (phases[index - 1].until ?? 0);
  // The open-ended last phase anneals over the rest of the run (as the original's progress = (ep − 1000)/2000).
  const end = p.until ?? Math.max(config.episodes, start + 1);
  const progress = Math.min(1, Math.max(0, (episode - start) / (end - start)));
  return {
    name: p.name,
    index,
    routing: p.routing,
    start,
    end,
    progress,
    tau:
      p.tauAnneal === "exponential"
        ? p.tau.start * Math.pow(p.tau.end / p.tau.start, progress)
        : lerp(p.tau.start, p.tau.end, progress),
    lr: p.lr,
    entropyCoef: p.entropyCoef,
    routingEntropyCoef: lerp(p.routingEntropyCoef.start, p.routingEntropyCoef.end, progress),
    routingEntropySign: p.routingEntropySign,
    loadBalanceCoef: p.loadBalanceCoef,
    diversityCoef: p.diversityCoef,
    alignmentCoef: p.alignmentCoef,
    operatorCoef: p.operatorCoef,
    alignmentTemperature: p.alignmentTemperature,
    semanticCoef: p.semanticCoef,
    temporalCoef: p.temporalCoef,
    overlapCoef: p.overlapCoef,
    balanceBiasRate: p.balanceBiasRate,
  };
}
