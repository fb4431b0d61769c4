/**
 * The "best" checkpoint's measure: the mean score of the last `bestWindow` episodes, checked at every update
 * boundary. Kept in checkpoints (state.best), so a resumed run goes on comparing against the same record.
 */
export interface BestScore {
  metric: string;
  value: number | null;
  episode: number | null;
  recent: number[];
}

export function newBestScore(window: number): BestScore {
  return { metric: `score_avg${window}`, value: null, episode: null, recent: [] };
}

/** Adds a finished episode's score to the window. */
export function recordScore(best: BestScore, score: number, window: number): void {
  best.recent.push(score);
  if (best.recent.length > window) best.recent.shift();
}

export function recentMean(best: BestScore): number {
  return best.recent.reduce((a, b) => a + b, 0) / best.recent.length;
}

/**
 * At an update boundary after `episode` episodes: a full window (or every episode of a shorter run) whose mean
 * beats the record becomes the record. True when it did.
 */
export function refreshBest(best: BestScore, episode: number, window: number, episodes: number): boolean {
  if (best.recent.length < Math.min(window, episodes)) return false;
  const avg = recentMean(best);
  if (best.value !== null && avg <= best.value) return false;
  best.value = avg;
  best.episode = episode;
  return true;
}

/** Episodes behind a run's reported "mean score of the last episodes". */
export const RECENT_SCORES = 1000;

/** The last RECENT_SCORES episode scores, for the run's closing summary. */
export class RecentScores {
  private readonly scores: number[] = [];

  push(score: number): void {
    this.scores.push(score);
    if (this.scores.length > RECENT_SCORES) this.scores.shift();
  }

  /** Their mean; null before the first episode. */
  mean(): number | null {
    return this.scores.length ? this.scores.reduce((a, b) => a + b, 0) / this.scores.length : null;
  }
}
