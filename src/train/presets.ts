/**
 * Default values (the original's curriculum, docs/original.md), the `demo` preset for `npm start`, and the
 * original's ablation modes as transformations of the phase list. Everything here is raw data: it is
 * validated by configSchema after merging (see config.ts).
 */
import type { Ablation, PhaseConfig, TrainConfig } from "../run/index.js";

/**
 * Weight of the operator-utility loss that trains the graph's opinion, in every phase (docs/training.md). The
 * loss is ≈ 4 at the start (ln of the enabled operators times advantage weights ≈ 1.6), so 0.05 puts it beside the policy and value terms without
 * letting it dominate the shared GAT (global gradient-norm clipping couples all terms).
 */
const OPERATOR_COEF = 0.05;

/** The three phases of the original, with the bug fixes documented in docs/training.md. */
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
      operatorCoef: OPERATOR_COEF,
      semanticCoef: 0.05,
      temporalCoef: 0,
      overlapCoef: 0,
      // The loss-free balancer is off: balance is no longer imposed; the graph's opinion decides (docs/training.md).
      balanceBiasRate: 0,
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
      operatorCoef: OPERATOR_COEF,
      semanticCoef: 0.05,
      temporalCoef: 0.01,
      overlapCoef: 0.03,
      // The loss-free balancer is off: balance is no longer imposed; the graph's opinion decides (docs/training.md).
      balanceBiasRate: 0,
    },
    {
      name: "fine-tune",
      until: null,
      routing: "sparsemax",
      // Geometric τ anneal (docs/training.md): sparsemax(z/τ) keeps several experts while the logit gaps exceed
      // τ, and the gaps are small after warmup's entropy maximisation; geometric spends the last third below 0.02.
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
      operatorCoef: OPERATOR_COEF,
      semanticCoef: 0.05,
      temporalCoef: 0.02,
      overlapCoef: 0.05,
      // The loss-free balancer is off: balance is no longer imposed; the graph's opinion decides (docs/training.md).
      balanceBiasRate: 0,
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
    pipeline: "on",
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
      // Pull the router towards the graph's suggested expert where its opinion is confident (docs/training.md).
      alignmentTarget: "opinion",
    },
    reward: { scaleByStd: true, clip: 10 },
    // Raw router logits: per-expert normalisation made every expert win ≈ 1/K of the states by construction.
    // Follow the graph wherever it has an opinion: with 4 experts every opinion's largest share is ≥ 0.25, so
    // alignment applies on every state with an enabled operator, and load balancing only where none is. At the
    // earlier 0.6 (alignment on the ~half of states where the graph was sure) the router split by situation
    // less (MI 0.18 against 0.23) and scored less (+19.1 [6.0, 35.4] held out; docs/training.md).
    model: { router: { normalize: "none" }, opinion: { confidence: 0.25 } },
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

/** The default configuration with another model and the graph terms off (ablations without a logic stream). */
function withoutGraph(expName: string, arch: "ppo" | "moe"): TrainConfig {
  const c = defaultRawConfig();
  c.expName = expName;
  c.model = { ...c.model, arch };
  for (const p of c.phases) Object.assign(p, { alignmentCoef: 0, operatorCoef: 0 });
  return c;
}

/** Plain PPO at the same budget: the same visual stream and critic, one policy head (no router, experts, GAT). */
export const ppoRawConfig = (): TrainConfig => withoutGraph("ppo", "ppo");

/** Experts and router without the logic stream: no GAT, no opinion, no alignment. */
export const moeRawConfig = (): TrainConfig => withoutGraph("moe", "moe");

/** The seed of the shuffled-graph ablation's edge permutation. */
export const SHUFFLE_SEED = 1;

/** The full model on a graph whose condition → operator edges are permuted (fixed seed). */
export function shuffledGraphRawConfig(): TrainConfig {
  const c = defaultRawConfig();
  c.expName = "shuffled-graph";
  c.model = { ...c.model, graphShuffleSeed: SHUFFLE_SEED };
  return c;
}

export const PRESETS = {
  default: defaultRawConfig,
  full: defaultRawConfig,
  ppo: ppoRawConfig,
  moe: moeRawConfig,
  "shuffled-graph": shuffledGraphRawConfig,
  demo: demoRawConfig,
} as const;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
export type PresetName = keyof typeof PRESETS;

type PhaseLike = Record<string, unknown>;

/**
 * The original's `train_v3_ablation.py --mode` (docs/original.md, "Curriculum"), applied by phase position:
 * phase 0 is Warmup (ep < 1000), phase 1 Transition, phases ≥ 2 Fine-tune. Only the keys the mode sets are
 * touched.
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
