import { beforeAll, describe, expect, it } from "vitest";
import { splitParts, type QuestionAnalysis } from "../../src/answer/analyse-question.js";
import { focusSequence } from "../../src/answer/candidates.js";
import type { Composed } from "../../src/answer/compose.js";
import { smallCorpus, type SmallCorpus } from "../fixtures/corpus-view.js";

/*
 * Rules found on a fresh batch of questions (test/eval/fresh-k-qa.jsonl): chat
 * words, "end up" and "afterwards" that do not ask what came later, "which
 * summit was it where …", a question opened by a preposition, a topic put
 * before a comparison, what a question says it is about, phrases of the
 * synonym lists that hold a stopword ("pull out"), and "flag" as a verb of
 * saying. One small fictional article, no alias file.
 */

const ARTICLES: Record<string, string> = {
  "oslo.txt":
    "Norway and Japan agree to expand dialogue at Oslo summit\n" +
    "OSLO — Norwegian Prime Minister Ingrid Dahl met Japanese Foreign Minister Kenji Sato in Oslo on Tuesday.\n" +
    "Dahl said Japan has a special responsibility as a major shipping nation.\n" +
    "Dahl flagged cyber threats originating from Russia that impact Nordic security.\n" +
    "Dahl said Norway was pulling out of the old whaling accord.\n" +
    "Sato said fishing quotas should be settled by scientists.\n" +
    "After concluding his visit to Norway on May 7, Sato is scheduled to travel to Sweden and Finland.\n" +
    "Sato held a strategic dialogue with Dahl in Oslo. In a separate meeting, Sato met Crown Prince Haakon.\n" +
    "The leaders will also speak about touchy topics such as human rights.\n" +
    "This week, Dahl had warned that Norway will not tolerate that imbalance indefinitely.\n" +
    "The meeting was the first for Iceland as a full member since it joined the council in 2025.\n\n" +
    '"For twenty years we sat outside the door," Icelandic envoy Bjorn Olafsson said.\n',
};

let small: SmallCorpus;

beforeAll(async () => {
  small = await smallCorpus(ARTICLES);
});

const analyse = (q: string): QuestionAnalysis => small.analyse(q);
const answer = (question: string): Composed => small.answer(question, ["oslo.txt"], { maxSentences: 3, abstainThreshold: 0.3 });

describe("chat words and what a question asks about", () => {
  it("reads chat words as the words they stand for, not as names no article mentions", () => {
    expect(analyse("what areas do they wanna expand dialogue on").unknown).toEqual([]);
    expect(analyse("what did the prez say about shipping").unknown).toEqual([]);
    expect(analyse("what did the prez say about shipping").text).toContain("the president say");
    // Not inside other words or abbreviations.
    expect(analyse("Did the U.S. join the talks?").text).toContain("U.S.");
  });

  it("takes “flag” as a verb of saying and “stuff” as no word to find", () => {
    const q = analyse("so what did Dahl flag about cyber stuff?");
    expect(q.speaker?.text).toBe("Dahl");
    expect(q.focus.map((f) => f.term)).not.toContain("stuff");
    expect(answer("so what did Dahl flag about cyber stuff?").citations[0]?.quote).toContain("cyber threats");
  });

  it("reads what a question about someone's words is about, and answers only with a sentence that holds it", () => {
    expect(analyse("What did Dahl say about human rights in Oslo?").topic).toEqual(["human", "right"]);
    // "about how …" asks for a manner, which the words need not name; a time is no topic.
    expect(analyse("What did Dahl say about how Europe should deal with Japan?").topic).toEqual([]);
    expect(analyse("What did Dahl say on Tuesday?").topic).toEqual([]);
    const a = answer("What did Dahl say about human rights?");
    expect(a.coverage).toBe("none");
    expect(a.text).not.toContain("special responsibility");
    expect(answer("What did Dahl say about Japan's responsibility?").citations[0]?.quote).toContain("special responsibility");
  });

  it("takes the topic from the sentence before only for words quoted in answer to it", () => {
    expect(answer("What did Dahl say about human rights?").text).not.toContain("not tolerate");
    const a = answer("what did the icelandic envoy say about being a full member");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("outside the door");
  });

  it("declines “what's the N of …” when no sentence holds N", () => {
    expect(analyse("what's the typical range of a Japanese ship").topic).toEqual(["typic", "rang"]);
    expect(answer("what's the typical range of a Japanese shipping vessel these days").coverage).toBe("none");
  });

  it("finds a phrase of the synonym lists that holds a stopword (“pull out”)", () => {
    expect(focusSequence("Norway was pulling out of the old accord")).toContain(" pull out ");
    const a = answer("Which accord did Norway say it was pulling out of?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("whaling accord");
  });
});

describe("later events, meetings and parts", () => {
  it("reads “end up” as asking what came later only when it asks what happened", () => {
    expect(analyse("why could Japanese ships end up with extra fees").later).toBe(false);
    expect(analyse("What about goods that end up on the battlefield?").later).toBe(false);
    expect(analyse("Did Norway end up signing the accord?").later).toBe(true);
    expect(analyse("What did Norway eventually sign?").later).toBe(true);
  });

  it("answers where someone was scheduled to go afterwards with the plan", () => {
    expect(analyse("Which countries was Sato scheduled to travel to afterwards?").later).toBe(false);
    const a = answer("When did Sato finish his visit to Norway, and which countries was he scheduled to travel to afterwards?");
    expect(a.coverage).toBe("full");
    expect(a.text).toContain("Sweden and Finland");
  });

  it("reads “which summit was it where …” as asking for the meeting, not a place", () => {
    expect(analyse("which summit was it where Dahl said Japan has a special responsibility").type).toBe("event");
    expect(analyse("where did Dahl say Japan has a special responsibility").type).toBe("place");
  });

  it("splits a two-part question opened by a preposition", () => {
    const parts = splitParts("With whom did Sato hold the strategic dialogue in Oslo, and whom did he meet in a separate meeting?", small.view.lexicon);
    expect(parts?.texts).toEqual(["With whom did Sato hold the strategic dialogue in Oslo?", "Whom did Sato meet in a separate meeting?"]);
  });

  it("splits a comparison with the topic put before it, and “how does A's line compare to what B said”", () => {
    const parts = splitParts("fishing: how does Sato's line compare to what Dahl said", small.view.lexicon);
    expect(parts?.comparison).toBe(true);
    expect(parts?.texts).toEqual(["What was Sato's line about fishing?", "What did Dahl say about fishing?"]);
  });
});
