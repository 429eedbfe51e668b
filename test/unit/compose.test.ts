import { describe, expect, it } from "vitest";
import { ABSTAIN_TEXT, analyseArticle, composeAnswer, type CorpusView } from "../../src/answer/compose.js";
import { inferMeta } from "../../src/corpus/metadata.js";
import { uniqueTerms } from "../../src/text/terms.js";
import type { Article, Passage } from "../../src/types.js";

const ARTICLES: Record<string, string> = {
  "paris.txt":
    "Xi visits Paris\n" +
    "Xi arrived in France on May 5 for talks with Macron. " +
    'Von der Leyen said: "We count on China. More effort is needed to curtail dual-use goods." ' +
    "After France, Xi is scheduled to travel to Serbia and Hungary. " +
    "Xi will visit Paris again next year.",
  "beijing.txt":
    "The EU trade deficit reached about 400 billion euros in 2022.\n" +
    "Michel said China has a special responsibility. The summit took place in Beijing.",
};

function corpus(): CorpusView {
  const articles = new Map<string, Article>(
    Object.entries(ARTICLES).map(([source, text]) => [source, { source, text, hash: source, modifiedMs: 0, size: text.length, meta: inferMeta(text, source) }]),
  );
  const df = new Map<string, number>();
  for (const text of Object.values(ARTICLES)) for (const t of uniqueTerms(text)) df.set(t, (df.get(t) ?? 0) + 1);
  return {
    article: (s) => articles.get(s),
    analysis: (s) => analyseArticle(articles.get(s)?.text ?? ""),
    idf: (t) => Math.log(1 + 3 / ((df.get(t) ?? 0) + 0.5)),
    known: (t) => (df.get(t) ?? 0) > 0,
  };
}

/** One passage per article covering the whole text, best first as listed. */
function passages(...sources: string[]): Passage[] {
  return sources.map((source, i) => {
    const text = ARTICLES[source] ?? "";
    return { chunk: { id: i, source, start: 0, end: text.length, text }, score: 1 - i * 0.1, lexical: 1, dense: 0.5, lexicalRank: i + 1, denseRank: i + 1 };
  });
}

const params = { maxSentences: 3, abstainThreshold: 0.15 };

describe("composeAnswer", () => {
  it("quotes the sentence that answers, with a citation whose quote is the exact span", () => {
    const view = corpus();
    const a = composeAnswer("Which countries will Xi travel to after France?", passages("paris.txt", "beijing.txt"), view, params);
    expect(a.abstained).toBe(false);
    expect(a.text).toContain("Serbia and Hungary");
    expect(a.text).toMatch(/\[1\]$/m);
    const c = a.citations[0];
    expect(c?.source).toBe("paris.txt");
    expect(ARTICLES["paris.txt"]?.slice(c?.start, c?.end)).toBe(c?.quote);
  });

  it("completes a quotation that runs over two sentences", () => {
    const a = composeAnswer("What did von der Leyen say about dual-use goods?", passages("paris.txt"), corpus(), params);
    const quote = a.citations[0]?.quote ?? "";
    expect(quote.startsWith("Von der Leyen said:")).toBe(true);
    expect(quote.endsWith('dual-use goods."')).toBe(true);
  });

  it("merges evidence from two articles when the question spans them", () => {
    const a = composeAnswer("When did Xi arrive in France and how big was the EU trade deficit?", passages("paris.txt", "beijing.txt"), corpus(), params);
    expect(new Set(a.citations.map((c) => c.source))).toEqual(new Set(["paris.txt", "beijing.txt"]));
    expect(a.citations.map((c) => c.n)).toEqual([1, 2]);
    expect(a.text).toContain("[2]");
  });

  it("abstains when the evidence does not cover the question, naming the closest articles", () => {
    const a = composeAnswer("Who won the football World Cup?", passages("beijing.txt", "paris.txt"), corpus(), params);
    expect(a.abstained).toBe(true);
    expect(a.citations).toEqual([]);
    expect(a.text.startsWith(ABSTAIN_TEXT)).toBe(true);
    expect(a.closest.map((r) => r.source)).toEqual(["beijing.txt", "paris.txt"]);
    expect(a.text).toContain("Xi visits Paris");
  });

  it("abstains on a 'when' question whose evidence has no date", () => {
    const a = composeAnswer("When did Michel say China has a special responsibility?", passages("beijing.txt"), corpus(), params);
    // "special responsibility" is covered, but no sentence about it has a date; the 2022 sentence is about trade.
    expect(a.abstained).toBe(true);
    const b = composeAnswer("When did Xi arrive in France?", passages("paris.txt"), corpus(), params);
    expect(b.abstained).toBe(false);
    expect(b.citations[0]?.quote).toContain("May 5");
  });

  it("does not answer a question about a year the articles never mention", () => {
    const a = composeAnswer("How big was the EU trade deficit with China in 2024?", passages("beijing.txt"), corpus(), params);
    expect(a.abstained).toBe(true);
    const b = composeAnswer("How big was the EU trade deficit with China in 2022?", passages("beijing.txt"), corpus(), params);
    expect(b.abstained).toBe(false);
    expect(b.text).toContain("400 billion euros");
  });

  it("abstains when no passage was retrieved or the question has only stopwords", () => {
    expect(composeAnswer("What did Xi say?", [], corpus(), params).abstained).toBe(true);
    expect(composeAnswer("what is it about?", passages("paris.txt"), corpus(), params).abstained).toBe(true);
  });

  it("prefers a body sentence to a headline with the same words", () => {
    const a = composeAnswer("Did Xi visit Paris?", passages("paris.txt"), corpus(), params);
    expect(a.abstained).toBe(false);
    expect(a.citations[0]?.quote).toBe("Xi will visit Paris again next year.");
  });
});
