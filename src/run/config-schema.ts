/**
 * The training configuration as a zod schema. Every object is strict (unknown keys are errors) and every
 * leaf carries a human description of what it accepts, so a bad value can be reported as
 * "config key `ppo.clip` = 3: expected a number in [0, 1]" (see config-errors.ts).
 */
import { TASK_NAMES } from "../env/index.js";
import { z } from "zod";

/** What each leaf schema accepts, in words; looked up by config-errors.ts. */
const expectations = new WeakMap<z.ZodType, string>();

function expecting<T extends z.ZodType>(schema: T, text: string): T {
  expectations.set(schema, text);
  return schema;
}

/** The registered description of a (wrapper-free) schema, if any. */
export function expectationOf(schema: z.ZodType): string | undefined {
  return expectations.get(schema);
}

interface NumOpts {
  min?: number;
  max?: number;
  /** Exclusive lower bound (value must be greater). */
  gt?: number;
  int?: boolean;
}

/** A finite number with optional bounds, described as "a number in [0, 1]", "an integer ≥ 1", … */
function num(o: NumOpts = {}): z.ZodNumber {
  let s = o.int ? z.number().int() : z.number();
  if (o.min !== undefined) s = s.gte(o.min);
  if (o.gt !== undefined) s = s.gt(o.gt);
  if (o.max !== undefined) s = s.lte(o.max);
  const noun = o.int ? "an integer" : "a number";
  const lo = o.gt !== undefined ? `(${o.gt}` : o.min !== undefined ? `[${o.min}` : undefined;
  let text: string;
  if (lo !== undefined && o.max !== undefined) text = `${noun} in ${lo}, ${o.max}]`;
  else if (o.gt !== undefined) text = `${noun} > ${o.gt}`;
  else if (o.min !== undefined) text = `${noun} ≥ ${o.min}`;
  else if (o.max !== undefined) text = `${noun} ≤ ${o.max}`;
  else text = `a finite ${o.int ? "integer" : "number"}`;
  return expecting(s, text);
}

const bool = () => expecting(z.boolean(), "true or false");

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return expecting(z.enum(values), `one of ${values.map((v) => JSON.stringify(v)).join(" | ")}`);
}

export const ROUTING_MODES = ["softmax", "sparsemax", "entmax15", "top2"] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];
export const ABLATIONS = ["none", "baseline", "manager", "full"] as const;
export type Ablation = (typeof ABLATIONS)[number];

/** A value annealed linearly from `start` to `end` across one phase. */
const ramp = (o: NumOpts) => z.strictObject({ start: num(o), end: num(o) });

export const phaseSchema = z.strictObject({
  name: expecting(z.string().min(1), "a non-empty string"),
  /** Episode index (exclusive) where this phase ends; null for the last, open-ended phase. */
  until: expecting(num({ int: true, min: 1 }).nullable(), "an integer ≥ 1, or null for the last phase"),
  routing: oneOf(ROUTING_MODES),
  tau: ramp({ gt: 0 }),
  /** How τ moves from start to end: "linear" (the original) or "exponential" (geometric; same ends). */
  tauAnneal: oneOf(["linear", "exponential"] as const).default("linear"),
  lr: num({ gt: 0, max: 1 }),
  entropyCoef: num({ min: 0 }),
  routingEntropyCoef: ramp({ min: 0 }),
  /** −1: the routing entropy is maximised (subtracted), +1: minimised (added). */
  routingEntropySign: expecting(z.literal([-1, 1]), "-1 (maximise routing entropy) or 1 (minimise it)"),
  loadBalanceCoef: num({ min: 0 }),
  diversityCoef: num({ min: 0 }),
  alignmentCoef: num({ min: 0 }),
  alignmentTemperature: num({ gt: 0 }),
  /**
   * Weight of the operator-utility loss, which trains the graph's opinion (advantage-weighted regression of the
   * graph's action distribution on the actions taken). Missing in configs saved before it existed: 0.
   */
  operatorCoef: num({ min: 0 }).default(0),
  semanticCoef: num({ min: 0 }),
  temporalCoef: num({ min: 0 }),
  overlapCoef: num({ min: 0 }),
  /**
   * Loss-free load balancing (Wang et al. 2024, as in DeepSeek-V3): after each update every expert's router
   * bias moves by this much towards equal shares of dominated steps (+ if below 1/K, − if above). 0 = off.
   */
  balanceBiasRate: num({ min: 0, max: 1 }).default(0),
});
export type PhaseConfig = z.infer<typeof phaseSchema>;

export const ppoSchema = z.strictObject({
  gamma: num({ min: 0, max: 1 }),
  lambda: num({ min: 0, max: 1 }),
  clip: num({ gt: 0, max: 1 }),
  valueCoef: num({ min: 0 }),
  /** Clip range for the value update around the rollout value; null = no value clipping. */
  valueClip: expecting(num({ gt: 0 }).nullable(), "a number > 0, or null (no value clipping)"),
  epochs: num({ int: true, min: 1, max: 100 }),
  minibatchSize: num({ int: true, min: 1 }),
  /** Global gradient-norm clip; null = no clipping. */
  maxGradNorm: expecting(num({ gt: 0 }).nullable(), "a number > 0, or null (no clipping)"),
  /** Stop the update's epochs early once a minibatch's approx. KL exceeds 1.5 × targetKl; null = never. */
  targetKl: expecting(num({ gt: 0 }).nullable(), "a number > 0, or null (no KL early stop)"),
  advNorm: bool(),
  adamEps: num({ gt: 0, max: 1 }),
  adamBeta1: num({ min: 0, max: 0.999999 }),
  adamBeta2: num({ min: 0, max: 0.999999 }),
  /**
   * Load-balance loss: "switch" (K·Σ f_k·ᾱ_k − 1, penalises experts that win too many steps) or "variance"
   * (the original's (1/K)Σ(ᾱ_k − 1/K)²). Missing in configs saved before it existed: "variance".
   */
  loadBalance: expecting(z.enum(["switch", "variance"]), 'one of "switch" | "variance"').default("variance"),
  /**
   * Alignment target: "opinion" (the default of new configs) pulls the router towards the graph's suggested expert
   * where the graph's opinion is confident (see opinionAlignmentLoss). The earlier targets read the untrained
   * operator head through the operator → expert averaging matrix: p = softmax(scores·M / T); "centred" subtracts each expert's batch mean from the aggregated operator scores (see
   * alignmentLoss), "raw" is the original's softmax(scores·M / T). Missing in configs saved before it existed: "raw".
   */
  alignmentTarget: expecting(
    z.enum(["opinion", "centred", "raw"]),
    'one of "opinion" | "centred" | "raw"',
  ).default("raw"),
  /** Linear learning-rate warmup over the first W updates of the run (multiplies the phase lr); 0 = none. */
  lrWarmupUpdates: num({ int: true, min: 0 }),
});
export type PpoConfig = z.infer<typeof ppoSchema>;

export const rewardSchema = z.strictObject({
  /** Divide rewards by the running std of the discounted return (never mean-subtracted). */
  scaleByStd: bool(),
  /** Clip the (scaled) reward to ±clip; null = no clipping. */
  clip: expecting(num({ gt: 0 }).nullable(), "a number > 0, or null (no clipping)"),
});
export type RewardConfig = z.infer<typeof rewardSchema>;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const configSchema = z
  .strictObject({
    expName: expecting(
      z.string().regex(NAME_RE).max(100),
      "a folder name of letters, digits, '.', '_' or '-' (not starting with '.' or '-')",
    ),
    outDir: expecting(z.string().min(1), "a non-empty path"),
    seed: num({ int: true, min: 0, max: Number.MAX_SAFE_INTEGER }),
    episodes: num({ int: true, min: 1 }),
    maxSteps: num({ int: true, min: 1 }),
    envs: num({ int: true, min: 1, max: 4096 }),
    rolloutSteps: num({ int: true, min: 1 }),
    task: oneOf(TASK_NAMES),
    ablation: oneOf(ABLATIONS),
    checkpointEvery: num({ int: true, min: 1 }),
    /** How many periodic checkpoints to keep (oldest pruned); null = keep all. */
    keepCheckpoints: expecting(num({ int: true, min: 1 }).nullable(), "an integer ≥ 1, or null (keep all)"),
    bestWindow: num({ int: true, min: 1 }),
    logEvery: num({ int: true, min: 1 }),
    actionMask: bool(),
    /**
     * "on": the PPO update runs in its own thread while the next rollout is collected with the previous
     * weights (policy lag 1, see docs/training.md "Pipelined training"); "off": collect, then update, in turn.
     * Runs saved before the switch existed were synchronous, hence the default.
     */
    pipeline: oneOf(["on", "off"] as const).default("off"),
    ppo: ppoSchema,
    reward: rewardSchema,
    /** Passed through untouched to the model layer, which validates it. */
    model: expecting(z.record(z.string(), z.unknown()), "an object (model options)"),
    phases: expecting(z.array(phaseSchema).min(1), "a non-empty list of phases"),
  })
  .superRefine((cfg, ctx) => {
    // Cross-field rules: phases ordered and closed by an open-ended last phase; minibatches fit the batch.
    const last = cfg.phases.length - 1;
    let prev = 0;
    const names = new Set<string>();
    cfg.phases.forEach((p, i) => {
      if (names.has(p.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["phases", i, "name"],
          message: `a name not used by another phase`,
        });
      }
      names.add(p.name);
      if (i === last) {
        if (p.until !== null) {
          ctx.addIssue({
            code: "custom",
            path: ["phases", i, "until"],
            message: "null (the last phase is open-ended)",
          });
        }
      } else if (p.until === null) {
        ctx.addIssue({
          code: "custom",
          path: ["phases", i, "until"],
          message: `an integer > ${prev} (only the last phase may be open-ended)`,
        });
      } else {
        if (p.until <= prev) {
          ctx.addIssue({
            code: "custom",
            path: ["phases", i, "until"],
            message: `an integer > ${prev} (phases must end in increasing order)`,
          });
        }
        prev = p.until;
      }
    });
    const batch = cfg.envs * cfg.rolloutSteps;
    if (cfg.ppo.minibatchSize > batch) {
      ctx.addIssue({
        code: "custom",
        path: ["ppo", "minibatchSize"],
        message: `an integer in [1, ${batch}] (envs × rolloutSteps)`,
      });
    }
  });

export type TrainConfig = z.infer<typeof configSchema>;
