/*
 * The throttled progress reporter (src/ingest/progress.ts) on a fake clock:
 * rate, time left, one line per interval, the line at the end of embedding,
 * and silence for builds shorter than one interval.
 */
import { describe, expect, it } from "vitest";
import { formatSeconds } from "../../src/cli/ingest.js";
import { logProgress, ProgressMeter, type ProgressFields } from "../../src/ingest/progress.js";
import type { IngestPhase, IngestProgress } from "../../src/ingest/sync-index.js";
import { memoryLogger } from "../../src/log.js";

const event = (phase: IngestPhase, chunksDone: number, chunksTotal: number, articlesDone = 0, articlesTotal = 10): IngestProgress => ({
  phase,
  articlesDone,
  articlesTotal,
  chunksDone,
  chunksTotal,
});

/** A clock the test moves by hand. */
function fakeClock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

type ProgressLine = ProgressFields & { event: string; level: string };

const progressLines = (lines: readonly string[]): ProgressLine[] =>
  lines.map((l) => JSON.parse(l) as ProgressLine).filter((r) => r.event === "ingest.progress");

/**
 * Feeds a whole build to `listener`: reading `articles` articles, then
 * embedding `chunks` chunks `slice` at a time, `msPerSlice` apart, then
 * analysing and writing.
 */
function build(listener: (p: IngestProgress) => void, clock: ReturnType<typeof fakeClock>, chunks: number, slice: number, msPerSlice: number, articles = 10) {
  listener(event("reading", 0, 0, 0, articles));
  for (let a = 1; a <= articles; a++) listener(event("reading", 0, Math.round((chunks * a) / articles), a, articles));
  listener(event("embedding", 0, chunks, 0, articles));
  for (let done = slice; done < chunks + slice; done += slice) {
    clock.advance(msPerSlice);
    const d = Math.min(done, chunks);
    listener(event("embedding", d, chunks, Math.floor((d / chunks) * articles), articles));
  }
  clock.advance(100);
  listener(event("analysing", chunks, chunks, articles, articles));
  clock.advance(100);
  listener(event("writing", chunks, chunks, articles, articles));
}

describe("ProgressMeter", () => {
  it("measures the embedding rate from the start of embedding, and the time left at that rate", () => {
    const clock = fakeClock();
    const meter = new ProgressMeter(clock.now);
    meter.update(event("reading", 0, 0));
    clock.advance(500);
    const start = meter.update(event("embedding", 0, 400));
    expect(start.perSecond).toBeNull();
    expect(start.etaSeconds).toBeNull();
    expect(start.elapsedMs).toBe(500);
    clock.advance(4_000);
    const s = meter.update(event("embedding", 100, 400));
    expect(s.perSecond).toBe(25);
    expect(s.etaSeconds).toBe(12);
    expect(s.elapsedMs).toBe(4_500);
    clock.advance(12_000);
    const end = meter.update(event("embedding", 400, 400));
    expect(end.perSecond).toBe(25);
    expect(end.etaSeconds).toBe(0);
  });

  it("starts over at the next build", () => {
    const clock = fakeClock();
    const meter = new ProgressMeter(clock.now);
    meter.update(event("reading", 0, 0));
    meter.update(event("embedding", 0, 10));
    clock.advance(10_000);
    meter.update(event("embedding", 10, 10));
    const next = meter.update(event("reading", 0, 0));
    expect(next.elapsedMs).toBe(0);
    clock.advance(1_000);
    meter.update(event("embedding", 0, 20));
    clock.advance(1_000);
    expect(meter.update(event("embedding", 10, 20)).perSecond).toBe(10);
  });
});

describe("logProgress", () => {
  it("logs nothing for a build shorter than one interval", () => {
    const clock = fakeClock();
    const log = memoryLogger("debug");
    // 42 chunks, 16 a slice, 1 s a slice: 3 s in all, like the seeds.
    build(logProgress(log, { now: clock.now, intervalMs: 5_000 }), clock, 42, 16, 1_000);
    expect(log.lines).toEqual([]);
  });

  it("logs at most one line per interval, then one when embedding ends", () => {
    const clock = fakeClock();
    const log = memoryLogger("debug");
    // 720 chunks, 16 a slice, 1.5 s a slice: 45 slices, 67.5 s of embedding.
    build(logProgress(log, { now: clock.now, intervalMs: 5_000 }), clock, 720, 16, 1_500);
    const lines = progressLines(log.lines);
    // A line at the first slice at least 5 s after the last: every 4th slice (6 s), 11 of them, and the last.
    expect(lines).toHaveLength(12);
    const elapsed = lines.map((l) => l.elapsedSeconds);
    for (let i = 1; i < elapsed.length - 1; i++) expect((elapsed[i] ?? 0) - (elapsed[i - 1] ?? 0)).toBeGreaterThanOrEqual(5);
    const done = lines.map((l) => l.chunksDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(done).size).toBe(done.length);
    expect(lines.every((l) => l.level === "info" && l.phase === "embedding" && l.chunksTotal === 720 && l.articlesTotal === 10)).toBe(true);
    expect(lines[0]).toMatchObject({ chunksDone: 64, perSecond: 10.7, etaSeconds: 62, elapsedSeconds: 6 });
    expect(lines.at(-1)).toMatchObject({ chunksDone: 720, articlesDone: 10, etaSeconds: 0, perSecond: 10.7 });
  });

  it("logs a line during a long phase after embedding when one is due", () => {
    const clock = fakeClock();
    const log = memoryLogger("debug");
    const listener = logProgress(log, { now: clock.now, intervalMs: 5_000 });
    build(listener, clock, 160, 16, 1_000);
    expect(progressLines(log.lines).map((l) => l.phase)).toEqual(["embedding", "embedding"]);
    // The graph building reports every 500 vectors; one 6 s later is due.
    const before = log.lines.length;
    listener(event("analysing", 160, 160, 10));
    clock.advance(6_000);
    listener(event("analysing", 160, 160, 10));
    expect(progressLines(log.lines.slice(before))).toEqual([expect.objectContaining({ phase: "analysing", chunksDone: 160, etaSeconds: 0 })]);
  });

  it("times each build on its own: a short one after a long one stays quiet", () => {
    const clock = fakeClock();
    const log = memoryLogger("debug");
    const listener = logProgress(log, { now: clock.now, intervalMs: 5_000 });
    build(listener, clock, 320, 16, 1_000);
    const first = log.lines.length;
    expect(first).toBeGreaterThan(0);
    clock.advance(60_000);
    build(listener, clock, 32, 16, 1_000);
    expect(log.lines.length).toBe(first);
  });

  it("writes one short text line with the counts, the rate and the time left", () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const log = memoryLogger("debug");
    const listener = logProgress({ ...log, info: (e, f) => lines.push(`${e} ${JSON.stringify(f)}`) }, { now: clock.now, intervalMs: 1_000 });
    listener(event("reading", 0, 0, 0, 2));
    listener(event("embedding", 0, 48, 0, 2));
    clock.advance(2_000);
    listener(event("embedding", 16, 48, 1, 2));
    expect(lines).toEqual([
      'ingest.progress {"phase":"embedding","chunksDone":16,"chunksTotal":48,"articlesDone":1,"articlesTotal":2,"perSecond":8,"etaSeconds":4,"elapsedSeconds":2}',
    ]);
  });
});

describe("formatSeconds (the bar's ETA)", () => {
  it.each([
    [0, "0s"],
    [41.2, "42s"],
    [185, "3m05s"],
    [3_720, "1h02m"],
  ])("%s s is %s", (s, text) => expect(formatSeconds(s)).toBe(text));
});
