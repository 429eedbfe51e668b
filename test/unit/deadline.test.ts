import { describe, expect, it } from "vitest";
import { DeadlinePassed, settlesWithin, within } from "../../src/util/deadline.js";

const never = new Promise<never>(() => {});

describe("deadlines", () => {
  it("gives work that finishes in time its result, and its failure", async () => {
    await expect(within(1_000, "quick", Promise.resolve(7))).resolves.toBe(7);
    await expect(within(1_000, "quick", Promise.reject(new Error("broke")))).rejects.toThrow("broke");
  });

  it("rejects, naming the work, once the time has passed without it", async () => {
    await expect(within(20, "the database", never)).rejects.toThrow(DeadlinePassed);
    await expect(within(20, "the database", never)).rejects.toThrow("the database: not done within 20 ms");
  });

  it("says whether work settled in time, a failure counting as settled", async () => {
    expect(await settlesWithin(1_000, Promise.reject(new Error("x")))).toBe(true);
    expect(await settlesWithin(1_000, Promise.resolve())).toBe(true);
    expect(await settlesWithin(20, never)).toBe(false);
  });
});
