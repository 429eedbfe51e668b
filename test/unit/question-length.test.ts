import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { cleanQuestion } from "../../src/text/question.js";

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError && e.code === "QUESTION_TOO_LONG") return e.userMessage;
    throw e;
  }
  throw new Error("not refused");
};

describe("the too-long message", () => {
  it("states the length typed, not the length NFKC spells it out to (ﷺ becomes 18 letters)", () => {
    const message = messageOf(() => cleanQuestion(`Why ${"\ufdfa".repeat(200)}?`, 1000));
    expect(message).toMatch(/^Your question is 205 characters long, but it counts as 3,605: .* The limit is 1,000\./);
  });

  it("counts an emoji, a flag and an accented letter as one character each", () => {
    expect(messageOf(() => cleanQuestion(`Why ${"😀".repeat(1200)}`, 1000))).toMatch(/^Your question is 1,204 characters long; the limit is 1,000\./);
    expect(messageOf(() => cleanQuestion(`Why ${"🇫🇷".repeat(1100)}`, 1000))).toMatch(/^Your question is 1,104 characters long; the limit is 1,000\./);
    expect(messageOf(() => cleanQuestion(`Why ${"e\u0301".repeat(2100)}`, 1000))).toMatch(/^Your question is 2,104 characters long;/);
  });

  it("still enforces the limit on the text as processed, saying why when only that is over", () => {
    expect(messageOf(() => cleanQuestion(`Why ${"😀".repeat(600)}?`, 1000))).toMatch(/^Your question is 605 characters long, but it counts as 1,205/);
    expect(cleanQuestion(`Why ${"😀".repeat(400)}?`, 1000)).toHaveLength(805);
  });
});
