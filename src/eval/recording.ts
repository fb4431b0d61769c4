/**
 * Evaluation replays: an ordinary `tedg-episode` recording (seed, env options, actions, observation digests,
 * so `tedg replay` re-plays and verifies it) whose per-step `extras` say what the policy saw and did: α per
 * expert, the action, the active conditions and the scenario. `eval` holds the names those numbers refer to.
 */
import type { EpisodeRecording } from "../env/index.js";
import { FileFormatError, readJsonFile } from "../util/index.js";

/** One decision: taken at frame k (the observation after k actions), so extras[k].a === actions[k]. */
export type EvalStepExtra = {
  /** Action index. */
  a: number;
  /** α per expert, rounded to 4 decimals. */
  alpha: number[];
  /** Indices of the active conditions. */
  cond: number[];
  /** Scenario index (see `eval.scenarios`). */
  scn: number;
  /** Critic value, rounded to 3 decimals. */
  v: number;
};

export interface EvalReplayMeta {
  kind: "tedg-eval-replay";
  checkpoint: string;
  greedy: boolean;
  expertNames: string[];
  actionNames: string[];
  conditionLabels: string[];
  scenarios: string[];
  score: number;
  length: number;
  endReason: string;
  deathCause: string;
}

export interface EvalRecording extends EpisodeRecording {
  extras: EvalStepExtra[];
  eval: EvalReplayMeta;
}

export function isEvalRecording(rec: EpisodeRecording): rec is EvalRecording {
  const e = (rec as Partial<EvalRecording>).eval;
  return (
    !!e &&
    e.kind === "tedg-eval-replay" &&
    Array.isArray(rec.extras) &&
    rec.extras.length === rec.actions.length &&
    Array.isArray(e.expertNames) &&
    Array.isArray(e.conditionLabels)
  );
}

/** Reads an eval replay file; a plain episode recording is rejected with what is missing. */
export function loadEvalRecording(path: string): EvalRecording {
  const raw = readJsonFile(path, "JSON replay");
  const r = raw as EvalRecording;
  if (!r || r.format !== "tedg-episode" || r.version !== 1)
    throw new FileFormatError(path, 'expected {"format":"tedg-episode","version":1,…} (an eval replay)');
  if (!Array.isArray(r.actions) || !Array.isArray(r.digests) || r.digests.length !== r.actions.length + 1)
    throw new FileFormatError(path, "seed, actions and digests (one more digest than actions) are required");
  if (!isEvalRecording(r))
    throw new FileFormatError(
      path,
      "an episode recording without evaluation extras (written by `tedg eval --record N`: eval.kind " +
        '"tedg-eval-replay" and one extras entry per action)',
    );
  return r;
}

const BAR = 20;

/**
 * Text lines describing decision k of an eval replay (for `tedg replay`): α bars, the action, the scenario
 * and the active conditions. Empty for a plain recording or past the last action.
 */
export function formatEvalStep(rec: EpisodeRecording, k: number, width = 80): string {
  if (!isEvalRecording(rec) || k < 0 || k >= rec.extras.length) return "";
  const x = rec.extras[k];
  const m = rec.eval;
  const lines: string[] = [];
  const w = Math.max(...m.expertNames.map((n) => n.length));
  m.expertNames.forEach((n, j) => {
    const a = x.alpha[j] ?? 0;
    const fill = Math.round(a * BAR);
    lines.push(`α ${n.padEnd(w)} ${"█".repeat(fill)}${"·".repeat(BAR - fill)} ${a.toFixed(3)}`);
  });
  lines.push(
    `chosen here: ${m.actionNames[x.a] ?? x.a} | scenario ${m.scenarios[x.scn] ?? x.scn} | value ${x.v.toFixed(2)}`,
  );
  let conds = "conditions: ";
  const labels = x.cond.map((c) => m.conditionLabels[c] ?? `#${c}`);
  for (let i = 0; i < labels.length; i++) {
    const more = `, … (+${labels.length - i})`;
    const next = (i ? ", " : "") + labels[i];
    if (conds.length + next.length + (i < labels.length - 1 ? more.length : 0) > width * 3) {
      conds += more.slice(2);
      break;
    }
    conds += next;
  }
  lines.push(conds);
  return lines.join("\n");
}
