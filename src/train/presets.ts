/**
 * Default values (the original's §6–§7 curriculum), the `demo` preset for `npm start`, and the
 * original's ablation modes as transformations of the phase list. Everything here is raw data: it is
 * validated by configSchema after merging (see config.ts).
 */
import type { Ablation, PhaseConfig, TrainConfig } from "./config-schema.js";

/**
 * Router-bias step per update (docs/training.md): the original's load-balance loss let one expert win 84–94 %
 * of steps, and with sparse routing (one expert in the support) no loss gradient reaches the router at all.
 * 0.002 per update is small against the router's logit gaps (≈ 0.01) yet covers them in tens of updates.
 */
const BALANCE_BIAS_RATE = 0.002;

/** The three phases of the original (§7), with the bug fixes documented in docs/training.md. */
export function defaultPhases(): PhaseConfig[] {
  return [
    {
      name: "warmup",
      until: 1000,
      routing: "softmax",
      tau: { start: 1, end: 1 },
      tauAnneal: "linear",
      lr: 1e-4,
      entropyCoef: 0.05,
      routingEntropyCoef: { start: 0.1, end: 0.1 },
      routingEntropySign: -1,
      loadBalanceCoef: 0.02,
      diversityCoef: 0.01,
      alignmentCoef: 0.1,
      alignmentTemperature: 1,
      semanticCoef: 0.05,
      temporalCoef: 0,
      overlapCoef: 0,
      balanceBiasRate: BALANCE_BIAS_RATE,
    },
    {
      name: "transition",
      until: 3000,
      routing: "sparsemax",
      tau: { start: 1, end: 0.5 },
      tauAnneal: "linear",
      lr: 5e-5,
      entropyCoef: 0.02,
      routingEntropyCoef: { start: 0.1, end: 0 },
      routingEntropySign: -1,
      loadBalanceCoef: 0.01,
      diversityCoef: 0.01,
      alignmentCoef: 0.1,
      alignmentTemperature: 1,
      semanticCoef: 0.05,
      temporalCoef: 0.01,
      overlapCoef: 0.03,
      balanceBiasRate: BALANCE_BIAS_RATE,
    },
    {
      name: "fine-tune",
      until: null,
      routing: "sparsemax",
      // τ_min: the optional further anneal, on by default (docs/training.md). The router's logits are
      // normalised per expert, but after 3,000 episodes of maximised routing entropy the four normalised logits
      // move together (correlation 1.00) and differ by ≈ 0.02, so sparsemax(z/τ) keeps several experts until τ
      // is below that. Geometric, so τ spends the phase's last third below 0.02.
      tau: { start: 0.5, end: 0.005 },
      tauAnneal: "exponential",
      lr: 1e-5,
      entropyCoef: 0.01,
      routingEntropyCoef: { start: 0.05, end: 0.05 },
      routingEntropySign: 1,
      loadBalanceCoef: 0.005,
      diversityCoef: 0.005,
      alignmentCoef: 0.1,
      alignmentTemperature: 1,
      semanticCoef: 0.05,
      temporalCoef: 0.02,
      overlapCoef: 0.05,
      balanceBiasRate: BALANCE_BIAS_RATE,
    },
  ];
}

export function defaultRawConfig(): TrainConfig {
  return {
    expName: "tedg",
    outDir: "runs",
    seed: 0,
    episodes: 5000,
    maxSteps: 500,
    envs: 16,
    rolloutSteps: 128,
    task: "score",
    ablation: "none",
    checkpointEvery: 100,
    keepCheckpoints: 5,
    bestWindow: 100,
    logEvery: 10,
    actionMask: true,
    ppo: {
      gamma: 0.995,
      lambda: 0.97,
      clip: 0.15,
      valueCoef: 0.5,
      valueClip: null,
      epochs: 4,
      minibatchSize: 512,
      maxGradNorm: 1.0,
      targetKl: null,
      advNorm: true,
      adamEps: 1e-8,
      adamBeta1: 0.9,
      adamBeta2: 0.999,
      lrWarmupUpdates: 0,
      // The original's formula, as in the reported 5,000-episode run; "switch" is the candidate fix for the
      // collapse onto one expert that run showed (docs/training.md).
      loadBalance: "variance",
      // The operator head is untrained, so the raw target carries its initial per-expert offsets (docs/training.md).
      alignmentTarget: "centred",
    },
    reward: { scaleByStd: true, clip: 10 },
    // Route on each expert's logit relative to its own mean and spread over recent states (docs/model.md): without
    // it the bias rotated the winning expert from update to update instead of states choosing it.
    model: { router: { normalize: "per-expert" } },
    phases: defaultPhases(),
  };
}

/**
 * `npm start`: a few minutes on two cores. The phase boundaries keep the default proportions
 * (1000/5000, 3000/5000 of the run) so every phase, and both phase changes, are visited.
 */
export function demoRawConfig(): TrainConfig {
  const c = defaultRawConfig();
  c.expName = "demo";
  c.episodes = 50;
  c.maxSteps = 200;
  c.envs = 2;
  c.rolloutSteps = 128;
  c.ppo.minibatchSize = 128;
  c.checkpointEvery = 10;
  c.keepCheckpoints = 2;
  c.bestWindow = 10;
  c.logEvery = 1;
  c.phases[0].until = 10;
  c.phases[1].until = 30;
  return c;
}

export const PRESETS = { default: defaultRawConfig, demo: demoRawConfig } as const;
export type PresetName = keyof typeof PRESETS;

type PhaseLike = Record<string, unknown>;

/**
 * The original's `train_v3_ablation.py --mode` (§7), applied by phase position: phase 0 is Warmup
 * (ep < 1000), phase 1 Transition, phases ≥ 2 Fine-tune. Only the keys the mode sets are touched.
 *  - baseline: alignment/semantic/temporal/overlap 0 and routing-entropy sign −1 everywhere.
 *  - manager: alignment 0.1, semantic 0.05 everywhere; temporal 0.01 and overlap 0.03 from phase 1 on
 *    (also in Fine-tune); Warmup keeps temporal/overlap 0 (as the main script); sign −1 everywhere.
 *  - full: manager, plus sign +1 (minimise routing entropy) from phase 2 on.
 */
export function applyAblation<T extends PhaseLike>(phases: T[], mode: Ablation): T[] {
  if (mode === "none") return phases;
  return phases.map((p, i) => {
    const q: PhaseLike = { ...p };
    if (mode === "baseline") {
      Object.assign(q, { alignmentCoef: 0, semanticCoef: 0, temporalCoef: 0, overlapCoef: 0 });
      q.routingEntropySign = -1;
    } else {
      Object.assign(q, {
        alignmentCoef: 0.1,
        semanticCoef: 0.05,
        temporalCoef: i === 0 ? 0 : 0.01,
        overlapCoef: i === 0 ? 0 : 0.03,
      });
      q.routingEntropySign = mode === "full" && i >= 2 ? 1 : -1;
    }
    return q as T;
  });
}
