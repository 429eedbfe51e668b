import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { cleanQuestion } from "../../src/text/question.js";

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof AppError ? e.code : `not an AppError: ${String(e)}`;
  }
  return "no error";
};

describe("cleanQuestion", () => {
  it("keeps an ordinary question as it is", () => {
    expect(cleanQuestion("What did von der Leyen say about dual-use goods?", 1000)).toBe(
      "What did von der Leyen say about dual-use goods?",
    );
  });

  it("removes zero-width and bidi characters and turns control characters into spaces", () => {
    expect(cleanQuestion("Wh\u200bat did\u0007Xi\u202e say?\u0000", 1000)).toBe("What did Xi say?");
  });

  it("unwraps markdown: code fences, inline code, emphasis, quotes", () => {
    expect(cleanQuestion("```\nWhat did **Kallas** say?\n```", 1000)).toBe("What did Kallas say?");
    expect(cleanQuestion("> what did `Xi` say about _Serbia_?", 1000)).toBe("what did Xi say about Serbia?");
  });

  it("keeps hyphens and apostrophes that belong to words", () => {
    expect(cleanQuestion("EU's dual-use snake_case", 1000)).toBe("EU's dual-use snake_case");
  });

  it("repairs lone surrogates instead of failing", () => {
    expect(cleanQuestion("What about \ud800 Xi?", 1000)).toBe("What about \ufffd Xi?");
  });

  it("refuses empty, whitespace-only and punctuation-only input", () => {
    for (const q of ["", "   ", "\n\t", "\u200b\u200c", "???", "```\n```"]) expect(codeOf(() => cleanQuestion(q, 1000))).toBe("EMPTY_QUESTION");
  });

  it("refuses questions over the limit and says how long they were", () => {
    const q = "why ".repeat(5000);
    expect(codeOf(() => cleanQuestion(q, 1000))).toBe("QUESTION_TOO_LONG");
    expect(() => cleanQuestion(q, 1000)).toThrow(/20,000 characters.*1,000/);
    expect(codeOf(() => cleanQuestion("a".repeat(1001), 1000))).toBe("QUESTION_TOO_LONG");
    expect(cleanQuestion("a".repeat(1000), 1000)).toHaveLength(1000);
  });

  it("refuses questions in non-Latin scripts with a message in English", () => {
    expect(codeOf(() => cleanQuestion("习近平在巴黎说了什么？", 1000))).toBe("UNSUPPORTED_LANGUAGE");
    expect(codeOf(() => cleanQuestion("Что сказал Си Цзиньпин?", 1000))).toBe("UNSUPPORTED_LANGUAGE");
    // A mostly English question that names someone in another script is fine.
    expect(cleanQuestion("What did Xi (习近平) say in Paris?", 1000)).toContain("Paris");
  });
});
