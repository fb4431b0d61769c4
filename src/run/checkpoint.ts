/**
 * A checkpoint is one folder, written atomically (temp folder + rename), holding everything `--resume`
 * needs to continue exactly (fixes B26 and the "not restored" list of docs/original.md, "Logging, checkpoints
 * and resume"):
 *   state.json                  counters, phase, RNG states, reward-scaler state, LR-schedule state, best
 *                               score (with its moving-average window), the config
 *   weights.bin / weights.json  the policy's named tensors
 *   optimizer.bin / .json       Adam's iteration count and moments (see train/optimizer-state.ts)
 *   behaviour.bin / .json       pipelined runs only: the weights the interrupted rollout acts with (one
 *                               update older than `weights`), so that resuming replays it exactly
 * The .bin/.json pairs are the tensor file format (util/tensor-file.ts). Loading validates every file and
 * fails with a FileFormatError naming the file and the problem.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  FileFormatError,
  readTensorBlobs,
  writeDirAtomic,
  writeFileAtomic,
  writeTensorBlobs,
  type TensorBlobs,
} from "../util/index.js";
import { configSchema, type TrainConfig } from "./config-schema.js";
import { issuesFromZod } from "./config-errors.js";

export const CHECKPOINT_FORMAT = "tedg-checkpoint";
export const CHECKPOINT_VERSION = 1;
export const STATE_FILE = "state.json";
export const WEIGHTS = "weights";
export const OPTIMIZER = "optimizer";
export const BEHAVIOUR = "behaviour";

const count = z.number().int().min(0);
const u32 = z.number().int().min(0).max(0xffffffff);

const stateSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(CHECKPOINT_VERSION),
  savedAt: z.string(),
  counters: z.strictObject({
    /** Episodes finished: the index of the next episode to run. */
    episode: count,
    update: count,
    envSteps: count,
  }),
  phase: z.strictObject({ name: z.string(), index: count }),
  /** Named RNG streams (Rng.getState()). */
  rng: z.record(z.string(), z.tuple([u32, u32, u32, u32])),
  rewardScaler: z
    .strictObject({ count, mean: z.number(), m2: z.number().min(0), returns: z.array(z.number()) })
    .nullable(),
  lrSchedule: z.strictObject({ updates: count }),
  best: z.strictObject({
    /** What "best" means, e.g. "score_avg100". */
    metric: z.string(),
    value: z.number().nullable(),
    episode: count.nullable(),
    /** The moving-average window at save time, oldest first, so the average continues exactly. */
    recent: z.array(z.number()),
  }),
  nanRollbacks: count,
  /** Validated against configSchema separately, so its errors name config keys. */
  config: z.unknown(),
  /** Trainer-specific extras (e.g. the next env seed); kept as is. */
  extra: z.record(z.string(), z.unknown()),
});

export type CheckpointState = Omit<z.infer<typeof stateSchema>, "config"> & { config: TrainConfig };
/** What the trainer fills in; format, version and savedAt are added on save. */
export type CheckpointStateInput = Omit<CheckpointState, "format" | "version" | "savedAt">;

export interface Checkpoint {
  state: CheckpointState;
  weights: TensorBlobs;
  optimizer: TensorBlobs;
  /** The acting weights of the rollout in progress, when they differ from `weights` (pipelined mode). */
  behaviour?: TensorBlobs;
}

export function saveCheckpoint(
  dir: string,
  ckpt: {
    state: CheckpointStateInput;
    weights: TensorBlobs;
    optimizer: TensorBlobs;
    behaviour?: TensorBlobs;
  },
): void {
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    ...ckpt.state,
  };
  writeDirAtomic(dir, (tmp) => {
    writeTensorBlobs(tmp, WEIGHTS, ckpt.weights);
    writeTensorBlobs(tmp, OPTIMIZER, ckpt.optimizer);
    if (ckpt.behaviour) writeTensorBlobs(tmp, BEHAVIOUR, ckpt.behaviour);
    // state.json last: a folder with a state.json has everything else.
    writeFileAtomic(join(tmp, STATE_FILE), JSON.stringify(state, null, 1) + "\n");
  });
}

export function readCheckpointState(dir: string): CheckpointState {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) throw new FileFormatError(dir, `not a checkpoint folder (no ${STATE_FILE})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new FileFormatError(
      file,
      `not valid JSON (${(e as Error).message}); the file is truncated or corrupt`,
    );
  }
  const fmt = (raw as { format?: unknown; version?: unknown }) ?? {};
  if (fmt.format !== CHECKPOINT_FORMAT)
    throw new FileFormatError(file, `not a tedg checkpoint (format ${JSON.stringify(fmt.format)})`);
  if (fmt.version !== CHECKPOINT_VERSION) {
    throw new FileFormatError(
      file,
      `checkpoint version ${JSON.stringify(fmt.version)} is not supported (this build reads ${CHECKPOINT_VERSION})`,
    );
  }
  const r = stateSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new FileFormatError(file, `bad \`${i.path.join(".") || "(root)"}\`: ${i.message}`);
  }
  const c = configSchema.safeParse(r.data.config);
  if (!c.success) {
    const issues = issuesFromZod(configSchema, c.error, r.data.config);
    throw new FileFormatError(
      file,
      `the saved config is not valid here: ${issues.map((i) => i.message).join("; ")}`,
    );
  }
  return { ...r.data, config: c.data };
}

export function loadCheckpoint(dir: string): Checkpoint {
  const state = readCheckpointState(dir);
  return {
    state,
    weights: readTensorBlobs(dir, WEIGHTS),
    optimizer: readTensorBlobs(dir, OPTIMIZER),
    behaviour: existsSync(join(dir, `${BEHAVIOUR}.json`)) ? readTensorBlobs(dir, BEHAVIOUR) : undefined,
  };
}
