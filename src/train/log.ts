/**
 * training.log (human-readable, in the original's console format so runs can be compared line by line)
 * and the console: a cli-progress bar on a TTY with log lines printed above it, plain lines otherwise.
 */
import { appendFileSync } from "node:fs";
import cliProgress from "cli-progress";
import { AUX_NAMES } from "./losses.js";
import type { PhaseState } from "../run/index.js";

export interface EpisodeLine {
  /** 1-based count of finished episodes, as the original prints (`Episode 10/5000`). */
  episode: number;
  episodes: number;
  score: number;
  reward: number;
  steps: number;
  /**
   * Mean per-step routing entropy of the episode (not the original's entropy of the mean: B6,
   * docs/original.md).
   */
  alphaEntropyStep: number;
  phase: string;
}

export function formatEpisodeLine(e: EpisodeLine): string {
  return (
    `Episode ${e.episode}/${e.episodes} | Score: ${e.score} | Reward: ${e.reward.toFixed(2)} | ` +
    `Steps: ${e.steps} | α_entropy(step): ${e.alphaEntropyStep.toFixed(3)} | Phase: ${e.phase}`
  );
}

const fmt = (v: number | undefined, digits = 4) =>
  v === undefined ? "-" : Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(2);

export interface UpdateLine {
  update: number;
  phase: string;
  lr: number;
  losses: Record<string, number>;
  approxKl: number;
  clipFraction: number;
  gradNorm: number;
  explainedVariance: number;
  rolledBack?: boolean;
}

export function formatUpdateLine(u: UpdateLine): string {
  const l = u.losses;
  const aux = AUX_NAMES.filter((k) => l[k] !== undefined)
    .map((k) => `${k} ${fmt(l[k])}`)
    .join(", ");
  return (
    `Update ${u.update} | Phase: ${u.phase} | lr ${u.lr.toExponential(2)} | policy ${fmt(l.policy)} | ` +
    `value ${fmt(l.value)} | entropy ${fmt(l.entropy, 3)} | KL ${fmt(u.approxKl)} | clip ${fmt(u.clipFraction, 3)} | ` +
    `grad ${fmt(u.gradNorm, 3)} | EV ${fmt(u.explainedVariance, 3)}` +
    (aux ? ` | aux: ${aux}` : "") +
    (u.rolledBack ? " | NaN: rolled back" : "")
  );
}

/** Printed when a phase starts (the original printed one at episodes 0, 1000, 3000). */
export function formatPhaseBanner(p: PhaseState, episode: number): string {
  const tau = p.routing === "softmax" ? "" : ` τ ${p.tau.toFixed(2)}`;
  return (
    `=== Phase ${p.index + 1}: ${p.name} from episode ${episode} | routing ${p.routing}${tau} | ` +
    `lr ${p.lr.toExponential()} | entropy ${p.entropyCoef} | routing entropy ${p.routingEntropyCoef} ` +
    `(${p.routingEntropySign > 0 ? "minimised" : "maximised"}) | ` +
    `load balance ${p.loadBalanceCoef} ===`
  );
}

export interface TrainingLogOptions {
  /** training.log path; null = console only. */
  logFile: string | null;
  totalEpisodes: number;
  startEpisode?: number;
  /** Progress bar instead of plain lines (default: stdout is a TTY). */
  progressBar?: boolean;
  /** Console stream; null = nothing on the console (tests). */
  console?: NodeJS.WritableStream | null;
}

export class TrainingLog {
  private readonly bars: cliProgress.MultiBar | null = null;
  private readonly bar: cliProgress.SingleBar | null = null;
  private readonly out: NodeJS.WritableStream | null;

  constructor(private readonly opts: TrainingLogOptions) {
    this.out = opts.console === undefined ? process.stdout : opts.console;
    const tty = (this.out as { isTTY?: boolean } | null)?.isTTY === true;
    if (this.out && (opts.progressBar ?? tty)) {
      this.bars = new cliProgress.MultiBar(
        {
          stream: this.out,
          format: "{bar} {value}/{total} episodes | {phase} | score(avg) {score} | ETA {eta_formatted}",
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.bars.create(opts.totalEpisodes, opts.startEpisode ?? 0, { phase: "-", score: "-" });
    }
  }

  /** One line to training.log (with a timestamp) and to the console (above the bar, if any). */
  line(text: string): void {
    if (this.opts.logFile) appendFileSync(this.opts.logFile, `[${new Date().toISOString()}] ${text}\n`);
    if (!this.out) return;
    if (this.bars) this.bars.log(text + "\n");
    else this.out.write(text + "\n");
  }

  episode(e: EpisodeLine): void {
    this.line(formatEpisodeLine(e));
  }

  update(u: UpdateLine): void {
    this.line(formatUpdateLine(u));
  }

  phase(p: PhaseState, episode: number): void {
    this.line(formatPhaseBanner(p, episode));
  }

  /** Moves the bar (no-op without one: plain mode prints the episode lines instead). */
  progress(episodesDone: number, payload: { phase: string; avgScore?: number }): void {
    this.bar?.update(episodesDone, {
      phase: payload.phase,
      score: payload.avgScore === undefined ? "-" : payload.avgScore.toFixed(1),
    });
  }

  close(): void {
    this.bars?.stop();
  }
}
