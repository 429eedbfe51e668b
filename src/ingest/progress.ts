import { performance } from "node:perf_hooks";
import type { Logger } from "../log.js";
import type { IngestProgress } from "./sync-index.js";

/*
 * What an index build's progress events (sync-index.ts) add up to: how long
 * it has run, the embedding rate and the time left; and a reporter that turns
 * them into a log line every few seconds, for the console, the bot and
 * `ingest` when stderr is not a terminal. A build that ends within the first
 * interval logs nothing.
 */

export interface ProgressTiming {
  /** A monotonic clock, in milliseconds. */
  readonly now: () => number;
  /** Milliseconds between two `ingest.progress` lines. */
  readonly intervalMs: number;
}

/**
 * The clock and interval reporters use unless given their own. Mutable for
 * tests that run a whole command (runMain) and cannot pass them down.
 */
export const progressTiming: { now: () => number; intervalMs: number; barDelayMs: number } = {
  now: () => performance.now(),
  intervalMs: 5_000,
  /** A terminal's progress bar appears once a build has run this long: a short one draws none. */
  barDelayMs: 1_000,
};

export interface ProgressStats {
  /** When the event arrived, by the meter's clock. */
  readonly at: number;
  /** Since the build started (its first event). */
  readonly elapsedMs: number;
  /** Chunks embedded per second since embedding started; null before any. */
  readonly perSecond: number | null;
  /** Seconds of embedding left at that rate; null before the rate is known, 0 once embedding is over. */
  readonly etaSeconds: number | null;
}

/** Elapsed time, rate and time left of one build, from its events; starts over at the next build's first event. */
export class ProgressMeter {
  readonly #now: () => number;
  #start = 0;
  #embedStart: number | null = null;

  constructor(now: () => number = progressTiming.now) {
    this.#now = now;
  }

  /** True for the first event of a build (every build starts reading with nothing done). */
  static isStart(p: IngestProgress): boolean {
    return p.phase === "reading" && p.articlesDone === 0;
  }

  update(p: IngestProgress): ProgressStats {
    const t = this.#now();
    if (ProgressMeter.isStart(p)) {
      this.#start = t;
      this.#embedStart = null;
    }
    if (p.phase === "embedding" && this.#embedStart === null) this.#embedStart = t;
    const seconds = this.#embedStart === null ? 0 : (t - this.#embedStart) / 1000;
    const perSecond = p.chunksDone > 0 && seconds > 0 ? p.chunksDone / seconds : null;
    const left = p.chunksTotal - p.chunksDone;
    const etaSeconds = p.phase !== "reading" && left <= 0 ? 0 : perSecond ? left / perSecond : null;
    return { at: t, elapsedMs: t - this.#start, perSecond, etaSeconds };
  }
}

/** The fields of an `ingest.progress` line. */
export type ProgressFields = {
  readonly phase: IngestProgress["phase"];
  readonly chunksDone: number;
  readonly chunksTotal: number;
  readonly articlesDone: number;
  readonly articlesTotal: number;
  readonly perSecond: number | null;
  readonly etaSeconds: number | null;
  readonly elapsedSeconds: number;
};

export function progressFields(p: IngestProgress, s: ProgressStats): ProgressFields {
  return {
    phase: p.phase,
    chunksDone: p.chunksDone,
    chunksTotal: p.chunksTotal,
    articlesDone: p.articlesDone,
    articlesTotal: p.articlesTotal,
    perSecond: s.perSecond === null ? null : Number(s.perSecond.toFixed(1)),
    etaSeconds: s.etaSeconds === null ? null : Math.ceil(s.etaSeconds),
    elapsedSeconds: Number((s.elapsedMs / 1000).toFixed(1)),
  };
}

/**
 * A progress listener that logs `ingest.progress` (info) at most once per
 * interval while a build runs, and once more when embedding ends if it has
 * logged before. A build shorter than one interval logs nothing.
 */
export function logProgress(log: Logger, timing: Partial<ProgressTiming> = {}): (p: IngestProgress) => void {
  const now = timing.now ?? (() => progressTiming.now());
  const intervalMs = () => timing.intervalMs ?? progressTiming.intervalMs;
  const meter = new ProgressMeter(now);
  let last = 0;
  let logged = false;
  let embedded = false;
  return (p) => {
    const stats = meter.update(p);
    const t = stats.at;
    if (ProgressMeter.isStart(p)) {
      last = t;
      logged = false;
      embedded = false;
    }
    const endOfEmbedding = !embedded && p.phase === "embedding" && p.chunksTotal > 0 && p.chunksDone >= p.chunksTotal;
    if (endOfEmbedding) embedded = true;
    if (t - last >= intervalMs() || (endOfEmbedding && logged)) {
      log.info("ingest.progress", progressFields(p, stats));
      last = t;
      logged = true;
    }
  };
}
