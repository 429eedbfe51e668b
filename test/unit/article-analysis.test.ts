import { describe, expect, it } from "vitest";
import { analyseArticle } from "../../src/answer/evidence.js";
import type { SentenceFacts } from "../../src/knowledge/build.js";
import { sentenceSpans } from "../../src/text/sentences.js";
import { uniqueTerms } from "../../src/text/terms.js";

/*
 * An article's analysis, read on demand: each sentence's terms, the
 * headline's, and the article's (without its boilerplate), whichever is asked
 * first and however often.
 */

const TEXT = [
  "Leaders meet in Brussels",
  "The summit opened on Monday with talks on trade.",
  "Sign up for our newsletter to get updates.",
  "Officials said tariffs would be reviewed.",
].join("\n");

function factsOf(text: string, boilerplate: number[]): SentenceFacts[] {
  return sentenceSpans(text).map((s, i) => ({ ...s, role: boilerplate.includes(i) ? "boilerplate" : i === 0 ? "headline" : "body", entities: [], speakers: [], addressees: [] }));
}

const sentenceTerms = (i: number) => new Set(uniqueTerms(TEXT.slice(sentenceSpans(TEXT)[i]?.start, sentenceSpans(TEXT)[i]?.end)));

describe("analyseArticle", () => {
  it("gives each sentence's terms, the same set on every call, and none past the end", () => {
    const a = analyseArticle(TEXT, factsOf(TEXT, [2]));
    expect(a.sentences).toHaveLength(4);
    for (let i = 0; i < 4; i++) expect([...a.termsAt(i)].sort()).toEqual([...sentenceTerms(i)].sort());
    expect(a.termsAt(1)).toBe(a.termsAt(1));
    expect(a.termsAt(4).size).toBe(0);
    expect(a.termsAt(-1).size).toBe(0);
  });

  it("reads the article's terms without its boilerplate, whether or not sentences were read before", () => {
    const expected = new Set([0, 1, 3].flatMap((i) => [...sentenceTerms(i)]));
    const fresh = analyseArticle(TEXT, factsOf(TEXT, [2]));
    expect([...fresh.articleTerms].sort()).toEqual([...expected].sort());
    const partlyRead = analyseArticle(TEXT, factsOf(TEXT, [2]));
    partlyRead.termsAt(1);
    partlyRead.termsAt(2);
    expect([...partlyRead.articleTerms].sort()).toEqual([...expected].sort());
    expect(fresh.articleTerms.has("newslett")).toBe(false);
    expect(fresh.articleTerms.has("tariff")).toBe(true);
  });

  it("takes a first line without a full stop as the headline", () => {
    expect([...analyseArticle(TEXT, factsOf(TEXT, [2])).headline].sort()).toEqual([...sentenceTerms(0)].sort());
    const noHeadline = "The summit opened on Monday.\nOfficials said tariffs would be reviewed.";
    expect(analyseArticle(noHeadline).headline.size).toBe(0);
  });

  it("without the corpus knowledge, splits the text itself and marks the headline's role", () => {
    const a = analyseArticle(TEXT);
    expect(a.sentences.map((s) => TEXT.slice(s.start, s.end))).toEqual(sentenceSpans(TEXT).map((s) => TEXT.slice(s.start, s.end)));
    expect(a.facts.map((f) => f.role)).toEqual(["headline", "body", "body", "body"]);
  });
});
