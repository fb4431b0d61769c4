/**
 * Replay data for the report's viewer: the eval recording is re-played in a tty env (which also verifies it)
 * and each 24×80 screen is stored compactly — a full keyframe every KEY frames, otherwise only the runs of
 * cells that changed, so a 500-step episode costs tens of kilobytes instead of megabytes.
 *
 * Frame string formats (all ASCII; characters outside 32–126 are stored as "?"):
 *   keyframe  "K" + 1920 chars + 1920 colour digits (base 36)
 *   delta     "D" + runs of: position (3 base-36 digits) + length (2 base-36 digits) + chars + colour digits
 */
import { TTY_COLS, TTY_ROWS } from "../env/index.js";
import { replayEpisode, type EvalRecording } from "../eval/index.js";

export const KEY = 32;
const CELLS = TTY_ROWS * TTY_COLS;
const MAX_RUN = 36 * 36 - 1;

export interface ReplayData {
  seed: number;
  file: string;
  score: number;
  length: number;
  endReason: string;
  deathCause: string;
  checkpoint: string;
  greedy: boolean;
  rows: number;
  cols: number;
  key: number;
  frames: string[];
  /** [row, col] of the cursor (the hero) per frame. */
  cursor: [number, number][];
  expertNames: string[];
  actionNames: string[];
  conditionLabels: string[];
  scenarios: string[];
  /** Per decision k (< frames − 1): action, α, active conditions, scenario, value, reward that followed. */
  steps: { a: number; alpha: number[]; cond: number[]; scn: number; v: number; r: number }[];
  /** Set when the screen could not be re-played (the viewer then shows the decisions only). */
  error: string | null;
}

const b36 = (n: number, w: number) => n.toString(36).padStart(w, "0");
const printable = (c: number) => (c >= 32 && c <= 126 ? String.fromCharCode(c) : c === 0 ? " " : "?");
const colour = (c: number) => b36(Math.max(0, Math.min(35, c)), 1);

/** Encodes frame `chars/colors` against the previous one (or as a keyframe). */
export function encodeFrame(
  chars: Uint8Array,
  colors: Int8Array | Uint8Array,
  prev: { chars: Uint8Array; colors: Int8Array | Uint8Array } | null,
): string {
  if (!prev) {
    let s = "K";
    for (let i = 0; i < CELLS; i++) s += printable(chars[i]);
    for (let i = 0; i < CELLS; i++) s += colour(colors[i]);
    return s;
  }
  let s = "D";
  let i = 0;
  while (i < CELLS) {
    if (chars[i] === prev.chars[i] && colors[i] === prev.colors[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < CELLS && j - i < MAX_RUN && (chars[j] !== prev.chars[j] || colors[j] !== prev.colors[j])) j++;
    let cs = "";
    let cc = "";
    for (let k = i; k < j; k++) {
      cs += printable(chars[k]);
      cc += colour(colors[k]);
    }
    s += b36(i, 3) + b36(j - i, 2) + cs + cc;
    i = j;
  }
  return s;
}

/** Decodes frames 0…n into full screens (the viewer does the same in the browser; used by tests). */
export function decodeFrames(frames: string[]): { chars: string; colors: string }[] {
  const out: { chars: string; colors: string }[] = [];
  let chars: string[] = [];
  let colors: string[] = [];
  for (const f of frames) {
    if (f[0] === "K") {
      chars = f.slice(1, 1 + CELLS).split("");
      colors = f.slice(1 + CELLS).split("");
    } else {
      let p = 1;
      while (p < f.length) {
        const pos = parseInt(f.slice(p, p + 3), 36);
        const len = parseInt(f.slice(p + 3, p + 5), 36);
        p += 5;
        for (let k = 0; k < len; k++) {
          chars[pos + k] = f[p + k];
          colors[pos + k] = f[p + len + k];
        }
        p += 2 * len;
      }
    }
    out.push({ chars: chars.join(""), colors: colors.join("") });
  }
  return out;
}

/** Re-plays an eval recording with the tty screen and packs it for the viewer. */
export function replayData(rec: EvalRecording, file: string): ReplayData {
  const frames: string[] = [];
  const cursor: [number, number][] = [];
  let error: string | null = null;
  let prev: { chars: Uint8Array; colors: Int8Array } | null = null;
  try {
    replayEpisode(
      rec,
      (k, obs) => {
        const chars = Uint8Array.from(obs.tty_chars!);
        const colors = Int8Array.from(obs.tty_colors!);
        frames.push(encodeFrame(chars, colors, k % KEY === 0 ? null : prev));
        cursor.push([obs.tty_cursor![0], obs.tty_cursor![1]]);
        prev = { chars, colors };
      },
      { tty: true },
    );
  } catch (e) {
    error = `the screen could not be re-played (${(e as Error).message}); decisions are shown without it`;
    frames.length = 0;
    cursor.length = 0;
  }
  const m = rec.eval;
  return {
    seed: rec.seed,
    file,
    score: m.score,
    length: m.length,
    endReason: m.endReason,
    deathCause: m.deathCause,
    checkpoint: m.checkpoint,
    greedy: m.greedy,
    rows: TTY_ROWS,
    cols: TTY_COLS,
    key: KEY,
    frames,
    cursor,
    expertNames: m.expertNames,
    actionNames: m.actionNames,
    conditionLabels: m.conditionLabels,
    scenarios: m.scenarios,
    steps: rec.extras.map((x, k) => ({
      a: x.a,
      alpha: x.alpha,
      cond: x.cond,
      scn: x.scn,
      v: x.v,
      r: rec.rewards[k] ?? 0,
    })),
    error,
  };
}
