import { describe, expect, it } from "vitest";
import { expectedAnswerType, satisfiesAnswerType, yearsIn } from "../../src/answer/answer-type.js";
import { hasOpenQuote, sentenceSpans } from "../../src/text/sentences.js";
import { normaliseWord, termOf, terms } from "../../src/text/terms.js";

const split = (t: string) => sentenceSpans(t).map((s) => t.slice(s.start, s.end));

describe("sentenceSpans", () => {
  it("splits sentences and returns exact, trimmed spans", () => {
    const t = "  First one. Second one?\nThird line!  ";
    expect(split(t)).toEqual(["First one.", "Second one?", "Third line!"]);
  });

  it("does not break after abbreviations such as U.N. and Mr.", () => {
    expect(split("China is a member of the U.N. Security Council. Mr. Stec spoke.")).toEqual([
      "China is a member of the U.N. Security Council.",
      "Mr. Stec spoke.",
    ]);
  });

  it("treats every line as its own unit (headlines, captions)", () => {
    expect(split("A headline without a stop\nBody sentence.")).toEqual(["A headline without a stop", "Body sentence."]);
  });

  it("handles CRLF line ends", () => {
    const t = "One.\r\nTwo.";
    expect(split(t)).toEqual(["One.", "Two."]);
  });
});

describe("terms", () => {
  it("stems, lower-cases, strips accents and possessives, drops stopwords", () => {
    expect(terms("What did the EU's leaders say about the Élysée talks?")).toEqual(["eu", "leader", termOf("Elysee"), "talk"]);
  });

  it("keeps numbers and short words whole", () => {
    expect(termOf("2022")).toBe("2022");
    expect(termOf("EU")).toBe("eu");
    expect(termOf("the")).toBeNull();
  });

  it("keeps temporal words that change a question's meaning", () => {
    expect(terms("Which countries did Xi visit after France?")).toContain("after");
  });

  it("reads irregular verbs by their lemma, and words that name an Object property as words", () => {
    expect(termOf("met")).toBe(termOf("meet"));
    expect(termOf("held")).toBe(termOf("hold"));
    expect(termOf("constructor")).toBe("constructor");
    expect(terms("A constructor and its constructors")).toEqual(["constructor", "constructor"]);
    // The same answer every time (words are remembered once read).
    expect(termOf("Constructor")).toBe(termOf("constructor"));
  });

  it("normalises curly apostrophes like straight ones", () => {
    expect(normaliseWord("Russia’s")).toBe(normaliseWord("Russia's"));
  });
});

describe("quotes", () => {
  it("detects a sentence that opens a quotation without closing it", () => {
    expect(hasOpenQuote('"We agreed that peace matters.')).toBe(true);
    expect(hasOpenQuote('She said "no" twice.')).toBe(false);
  });
});

describe("answer types", () => {
  it("recognises date and quantity questions", () => {
    expect(expectedAnswerType("When did Xi arrive in France?")).toBe("date");
    expect(expectedAnswerType("On what date did they meet?")).toBe("date");
    expect(expectedAnswerType("How big was the trade deficit?")).toBe("quantity");
    expect(expectedAnswerType("What tariff rate did the EU impose?")).toBe("quantity");
    expect(expectedAnswerType("What is the tariff rate on Chinese cars?")).toBe("quantity");
    expect(expectedAnswerType("How long ago was the last in-person summit?")).toBe("date");
    expect(expectedAnswerType("How long had it been since his last visit?")).toBe("quantity");
    expect(expectedAnswerType("What did Kallas say?")).toBeNull();
  });

  it("accepts dates and amounts, and not look-alikes", () => {
    expect(satisfiesAnswerType("Xi arrived on May 5.", "date")).toBe(true);
    expect(satisfiesAnswerType("The summit was the first since 2019.", "date")).toBe(true);
    expect(satisfiesAnswerType("They met in Paris.", "date")).toBe(false);
    expect(satisfiesAnswerType("The probe may result in tariffs.", "date")).toBe(false);
    expect(satisfiesAnswerType("The march on Brussels was peaceful.", "date")).toBe(false);
    expect(satisfiesAnswerType("The memorandum expires in March 2024.", "date")).toBe(true);
    expect(satisfiesAnswerType("on 6 May the leaders met", "date")).toBe(true);
    expect(satisfiesAnswerType("It will reportedly expire in March.", "date")).toBe(true);
    expect(satisfiesAnswerType("about 400 billion euros", "quantity")).toBe(true);
    expect(satisfiesAnswerType("his first visit in five years", "quantity")).toBe(true);
    expect(satisfiesAnswerType("the two sides agreed", "quantity")).toBe(false);
    expect(satisfiesAnswerType("in 2019 it joined", "quantity")).toBe(false);
    expect(satisfiesAnswerType("on May 6 in Paris", "quantity")).toBe(false);
    expect(satisfiesAnswerType("on 6 May in Paris", "quantity")).toBe(false);
    expect(satisfiesAnswerType("anything", null)).toBe(true);
  });

  it("finds years", () => {
    expect(yearsIn("What happened in 2023 and 1999, or in 2023?")).toEqual(["2023", "1999"]);
  });
});
