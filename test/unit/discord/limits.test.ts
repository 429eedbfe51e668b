import { describe, expect, it } from "vitest";
import { BusyError, ConcurrencyGate, UserRateLimiter } from "../../../src/discord/limits.js";
import { LruMap } from "../../../src/util/lru.js";

describe("UserRateLimiter", () => {
  it("allows a burst, then refills at the per-minute rate, per user", () => {
    const limiter = new UserRateLimiter({ perMinute: 6, burst: 3 });
    expect([1, 2, 3].map(() => limiter.take("a", 0).ok)).toEqual([true, true, true]);
    const refused = limiter.take("a", 0);
    expect(refused).toEqual({ ok: false, retryAfterMs: 10_000 });
    expect(limiter.take("b", 0).ok).toBe(true);
    expect(limiter.take("a", 9_999).ok).toBe(false);
    expect(limiter.take("a", 10_000).ok).toBe(true);
  });

  it("forgets idle users so memory stays bounded", () => {
    const limiter = new UserRateLimiter({ perMinute: 60, burst: 1, maxUsers: 100 });
    for (let i = 0; i < 1000; i++) limiter.take(`user${i}`, i * 1000);
    expect(limiter.users).toBeLessThanOrEqual(101);
  });
});

describe("ConcurrencyGate", () => {
  it("runs at most `max` at once, queues the rest in order, refuses beyond the queue", async () => {
    const gate = new ConcurrencyGate({ max: 2, queue: 2 });
    const release: (() => void)[] = [];
    const started: number[] = [];
    const task = (n: number) => () =>
      new Promise<number>((resolve) => {
        started.push(n);
        release.push(() => resolve(n));
      });
    const running = [1, 2, 3, 4].map((n) => gate.run(task(n)));
    await expect(gate.run(task(5))).rejects.toBeInstanceOf(BusyError);
    expect(started).toEqual([1, 2]);
    expect(gate.active).toBe(2);
    expect(gate.waiting).toBe(2);
    release.shift()?.();
    await running[0];
    await Promise.resolve();
    expect(started).toEqual([1, 2, 3]);
    while (release.length) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(running)).toEqual([1, 2, 3, 4]);
    expect(gate.active).toBe(0);
  });

  it("frees the slot when a task fails", async () => {
    const gate = new ConcurrencyGate({ max: 1, queue: 0 });
    await expect(gate.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gate.run(async () => "ok")).toBe("ok");
  });
});

describe("LruMap", () => {
  it("drops the least recently used entry past capacity", () => {
    const m = new LruMap<string, number>(2);
    m.set("a", 1);
    m.set("b", 2);
    m.get("a");
    m.set("c", 3);
    expect(m.get("b")).toBeUndefined();
    expect(m.get("a")).toBe(1);
    expect(m.size).toBe(2);
  });
});
