/*
 * Counts for the moderators' /stats command, since the process started (not
 * stored: a restart starts them again).
 *
 * Latency percentiles are over the most recent LATENCY_WINDOW questions only,
 * kept in a fixed ring buffer, so a bot that runs for months holds a bounded
 * amount (80 kB) and the percentiles describe how it answers now. The counts
 * cover every question since the start.
 */

/** How many of the most recent latencies the percentiles are taken over. */
export const LATENCY_WINDOW = 10_000;

export interface StatsSnapshot {
  readonly since: Date;
  /** Every question that finished: answered + abstained + failed. */
  readonly questions: number;
  readonly answered: number;
  readonly abstained: number;
  readonly failed: number;
  /** abstained / (answered + abstained), null before any; failed questions do not count. */
  readonly abstentionRate: number | null;
  /** Nearest-rank percentiles of the answered and abstained questions' latency (failed ones left out), null before any. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

export type Outcome = { ms: number; abstained: boolean } | { failed: true; ms: number };

export class BotStats {
  readonly #since: Date;
  #answered = 0;
  #abstained = 0;
  #failed = 0;
  /** The latest latencies; slot `#next % LATENCY_WINDOW` is written next. */
  readonly #latencies = new Float64Array(LATENCY_WINDOW);
  #next = 0;

  constructor(now: () => Date = () => new Date()) {
    this.#since = now();
  }

  /** One question finished: `ms` from the member's request to the answer, whether the bot declined (abstained), or failed. */
  record(outcome: Outcome): void {
    if ("failed" in outcome) {
      this.#failed++;
      return;
    }
    if (outcome.abstained) this.#abstained++;
    else this.#answered++;
    // A latency that is not a number would make the percentiles meaningless; the question still counts.
    if (!Number.isFinite(outcome.ms)) return;
    this.#latencies[this.#next % LATENCY_WINDOW] = Math.max(0, outcome.ms);
    this.#next++;
  }

  snapshot(): StatsSnapshot {
    const decided = this.#answered + this.#abstained;
    const latencies = this.#latencies.slice(0, Math.min(this.#next, LATENCY_WINDOW)).sort();
    return {
      since: new Date(this.#since),
      questions: decided + this.#failed,
      answered: this.#answered,
      abstained: this.#abstained,
      failed: this.#failed,
      abstentionRate: decided === 0 ? null : this.#abstained / decided,
      p50Ms: nearestRank(latencies, 50),
      p95Ms: nearestRank(latencies, 95),
    };
  }
}

/**
 * Nearest-rank percentile of ascending `sorted`: the smallest value with at
 * least p % of the values at or below it; null when there are none. The same
 * definition as `percentile` in src/eval/run-eval.ts (so /stats and the eval
 * report agree), written here because that one returns 0 for no values and
 * sorts a copy, and the bot need not load the evaluation code.
 */
function nearestRank(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}
