/** Worker thread of a VecEnv: hosts some envs and serves step/reset commands through shared memory. */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { adoptCompiledModule } from "../nethack/index.js";
import { batchFromBuffers, copyObsInto, obsAt } from "./batch.js";
import { BL } from "./blstats.js";
import { NetHackEnv } from "./nethack-env.js";
import {
  CMD_CLOSE,
  CMD_RESET,
  CMD_RESTORE,
  CMD_STEP,
  CTRL_CMD,
  CTRL_DONE,
  CTRL_PER_WORKER,
  CTRL_READY,
  CTRL_SEQ,
  END_REASONS,
  NUM_STATS,
  STAT,
  TEXT_LEN,
  SpinBudget,
  episodeSeed,
  waitForChange,
  type RestorePlan,
  type WorkerInit,
} from "./vec-protocol.js";

const init = workerData as WorkerInit;
adoptCompiledModule(init.wasmVariant, init.wasmModule as WebAssembly.Module);
const s = init.shared;
const ctrl = new Int32Array(s.ctrl);
const base = init.workerIndex * CTRL_PER_WORKER;
const actions = new Int32Array(s.actions);
const rewards = new Float64Array(s.rewards);
const terminated = new Uint8Array(s.terminated);
const truncated = new Uint8Array(s.truncated);
const stats = new Float64Array(s.stats);
const text = new Uint8Array(s.text);
const counters = new Int32Array(s.episodeCounters);
const obs = batchFromBuffers(init.numEnvs, s.obs);
const finalObs = batchFromBuffers(init.numEnvs, s.finalObs);
// Each env draws its observation straight into its slot of the shared batch: a step copies nothing.
const envs = init.envIndices.map(
  (i) => new NetHackEnv({ ...init.envOptions, wasm: init.wasmVariant }, obsAt(obs, i)),
);
const returns = new Float64Array(envs.length);
const maxDepth = new Int32Array(envs.length);
const encoder = new TextEncoder();

function writeText(i: number, s: string): void {
  const t = text.subarray(i * TEXT_LEN, (i + 1) * TEXT_LEN);
  t.fill(0);
  t.set(encoder.encode(s).subarray(0, TEXT_LEN - 1));
}

function resetEnv(j: number): void {
  const i = init.envIndices[j];
  const seed = episodeSeed(init.seedStart, init.numEnvs, i, counters[i]);
  counters[i]++;
  const r = envs[j].reset({ seed });
  returns[j] = 0;
  maxDepth[j] = r.obs.blstats[BL.DEPTH];
}

/** The running episode's return and deepest level, reported when it ends. */
function accumulate(j: number, reward: number, blstats: Int32Array): void {
  returns[j] += reward;
  const depth = blstats[BL.DEPTH];
  if (depth > maxDepth[j]) maxDepth[j] = depth;
}

function stepEnv(j: number): void {
  const i = init.envIndices[j];
  const env = envs[j];
  let r;
  try {
    r = env.step(actions[i]);
  } catch (e) {
    // A crash inside the game: end the episode as truncated and report the error.
    rewards[i] = 0;
    terminated[i] = 0;
    truncated[i] = 1;
    stats.fill(0, i * NUM_STATS, (i + 1) * NUM_STATS);
    stats[i * NUM_STATS + STAT.REASON] = END_REASONS.indexOf("crash");
    stats[i * NUM_STATS + STAT.SEED] = env.seed;
    writeText(i, `crash: ${(e as Error).message}`);
    copyObsInto(finalObs, i, env.obs);
    resetEnv(j);
    return;
  }
  rewards[i] = r.reward;
  terminated[i] = r.terminated ? 1 : 0;
  truncated[i] = r.truncated ? 1 : 0;
  accumulate(j, r.reward, r.obs.blstats);
  if (r.terminated || r.truncated) {
    const st = i * NUM_STATS;
    stats[st + STAT.RETURN] = returns[j];
    stats[st + STAT.LENGTH] = r.info.episodeStep;
    stats[st + STAT.SCORE] = r.obs.blstats[BL.SCORE];
    stats[st + STAT.DEPTH] = maxDepth[j];
    stats[st + STAT.REASON] = Math.max(
      0,
      END_REASONS.indexOf((r.info.endReason ?? "") as (typeof END_REASONS)[number]),
    );
    stats[st + STAT.SEED] = r.info.seed;
    writeText(i, r.info.deathCause ?? r.info.error ?? "");
    copyObsInto(finalObs, i, r.obs);
    resetEnv(j);
  }
}

/** Env j plays episode `plan.episode` of its seed schedule and replays the plan's actions. */
function restoreEnv(j: number, plan: RestorePlan): void {
  const i = init.envIndices[j];
  counters[i] = plan.episode;
  resetEnv(j);
  terminated[i] = 0;
  truncated[i] = 0;
  rewards[i] = 0;
  for (const a of plan.actions) {
    const r = envs[j].step(a);
    accumulate(j, r.reward, r.obs.blstats);
    if (r.terminated || r.truncated) {
      terminated[i] = r.terminated ? 1 : 0;
      truncated[i] = r.truncated ? 1 : 0;
      break;
    }
  }
  // The env writes its observation straight into slot i of the shared batch: nothing to copy.
}

function restoreAll(): void {
  const msg = parentPort ? receiveMessageOnPort(parentPort) : undefined;
  const plans = (msg?.message as { restore?: RestorePlan[] } | undefined)?.restore;
  if (!plans || plans.length !== envs.length) throw new Error("restore command without a matching plan");
  for (let j = 0; j < envs.length; j++) restoreEnv(j, plans[j]);
}

Atomics.store(ctrl, base + CTRL_READY, 1);
Atomics.notify(ctrl, base + CTRL_READY);

// Commands are numbered; `handled` is the last one served (a command issued before this thread got here is
// still seen, because the sequence number has already moved past it).
let seen = 0;
const spin = new SpinBudget(init.spinMicros);
for (;;) {
  const t0 = performance.now();
  waitForChange(ctrl, base + CTRL_SEQ, seen, spin.next());
  spin.record((performance.now() - t0) * 1000);
  seen = Atomics.load(ctrl, base + CTRL_SEQ);
  const cmd = Atomics.load(ctrl, base + CTRL_CMD);
  if (cmd === CMD_CLOSE) break;
  if (cmd === CMD_RESET) for (let j = 0; j < envs.length; j++) resetEnv(j);
  else if (cmd === CMD_STEP) for (let j = 0; j < envs.length; j++) stepEnv(j);
  else if (cmd === CMD_RESTORE) restoreAll();
  Atomics.store(ctrl, base + CTRL_DONE, seen);
  Atomics.notify(ctrl, base + CTRL_DONE);
}
Atomics.store(ctrl, base + CTRL_DONE, seen);
Atomics.notify(ctrl, base + CTRL_DONE);
