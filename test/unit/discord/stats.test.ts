import { describe, expect, it } from "vitest";
import { BotStats, LATENCY_WINDOW } from "../../../src/discord/stats.js";
import { percentile } from "../../../src/eval/run-eval.js";

/* The /stats counters: exact counts, abstention rate and nearest-rank latency percentiles. */

const START = new Date("2026-11-29T12:00:00.000Z");

describe("BotStats", () => {
  it("has nothing to report before the first question", () => {
    const stats = new BotStats(() => START);
    expect(stats.snapshot()).toEqual({
      since: START,
      questions: 0,
      answered: 0,
      abstained: 0,
      failed: 0,
      abstentionRate: null,
      p50Ms: null,
      p95Ms: null,
    });
  });

  it("takes nearest-rank percentiles: 1..100 ms gives p50 50 and p95 95, in whatever order they come", () => {
    const stats = new BotStats(() => START);
    const ms = Array.from({ length: 100 }, (_, i) => i + 1);
    // Shuffled deterministically (a multiplier coprime to 100), so sorting is needed.
    for (let i = 0; i < 100; i++) stats.record({ ms: ms[(i * 37) % 100] ?? 0, abstained: false });
    expect(stats.snapshot()).toMatchObject({ questions: 100, answered: 100, p50Ms: 50, p95Ms: 95 });
  });

  it("takes percentiles of a few values and of one", () => {
    const stats = new BotStats();
    stats.record({ ms: 300, abstained: false });
    expect(stats.snapshot()).toMatchObject({ p50Ms: 300, p95Ms: 300 });
    stats.record({ ms: 100, abstained: true });
    stats.record({ ms: 200, abstained: false });
    // Three values: p50 is the 2nd (ceil(1.5)), p95 the 3rd (ceil(2.85)).
    expect(stats.snapshot()).toMatchObject({ p50Ms: 200, p95Ms: 300 });
    // Numeric order, not string order (1000 sorts before 200 as text).
    stats.record({ ms: 1000, abstained: false });
    expect(stats.snapshot()).toMatchObject({ p50Ms: 200, p95Ms: 1000 });
  });

  it("agrees with the evaluation report's percentile", () => {
    const stats = new BotStats();
    const ms: number[] = [];
    let x = 7;
    for (let i = 0; i < 997; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      ms.push(x % 5000);
      stats.record({ ms: x % 5000, abstained: i % 3 === 0 });
    }
    expect(stats.snapshot()).toMatchObject({ p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95) });
  });

  it("counts abstentions against answered and abstained questions only, and leaves failures out of the latency", () => {
    const stats = new BotStats(() => START);
    stats.record({ ms: 10, abstained: false });
    stats.record({ ms: 20, abstained: false });
    stats.record({ ms: 30, abstained: false });
    stats.record({ ms: 40, abstained: true });
    // A failure after a long wait (a model timeout, say) would otherwise be the p95.
    stats.record({ failed: true, ms: 60_000 });
    stats.record({ failed: true, ms: 90_000 });
    expect(stats.snapshot()).toEqual({
      since: START,
      questions: 6,
      answered: 3,
      abstained: 1,
      failed: 2,
      abstentionRate: 0.25,
      p50Ms: 20,
      p95Ms: 40,
    });
  });

  it("reports no abstention rate or latency when every question failed", () => {
    const stats = new BotStats();
    stats.record({ failed: true, ms: 5 });
    expect(stats.snapshot()).toMatchObject({ questions: 1, failed: 1, abstentionRate: null, p50Ms: null, p95Ms: null });
  });

  it("takes the percentiles over the most recent questions only, and counts every question", () => {
    expect(LATENCY_WINDOW).toBe(10_000);
    const stats = new BotStats();
    for (let i = 0; i < LATENCY_WINDOW; i++) stats.record({ ms: 5000, abstained: false });
    for (let i = 0; i < LATENCY_WINDOW; i++) stats.record({ ms: 7, abstained: true });
    // Over all 20,000 the p50 would be 5000.
    expect(stats.snapshot()).toMatchObject({ questions: 20_000, answered: 10_000, abstained: 10_000, abstentionRate: 0.5, p50Ms: 7, p95Ms: 7 });
    // Part way round the ring: 9,000 of 7 and 1,000 of 9 remain.
    for (let i = 0; i < 1000; i++) stats.record({ ms: 9, abstained: false });
    expect(stats.snapshot()).toMatchObject({ p50Ms: 7, p95Ms: 9 });
  });

  it("reports when it started, as a copy the caller cannot change", () => {
    let now = START;
    const stats = new BotStats(() => now);
    now = new Date("2026-12-01T00:00:00.000Z");
    stats.record({ ms: 1, abstained: false });
    const { since } = stats.snapshot();
    expect(since).toEqual(START);
    since.setFullYear(2000);
    expect(stats.snapshot().since).toEqual(START);
  });
});
