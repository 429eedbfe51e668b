import { beforeAll, describe, expect, it } from "vitest";
import { splitParts, type QuestionAnalysis } from "../../src/answer/analyse-question.js";
import type { Composed } from "../../src/answer/compose.js";
import type { SummitEvent } from "../../src/types.js";
import { smallCorpus, type SmallCorpus } from "../fixtures/corpus-view.js";

/*
 * Rules found on a fresh batch of questions written in many shapes
 * (test/eval/fresh-m-qa.jsonl): what members say of themselves before the
 * question, "can you tell me …", "I read that … — is that right?",
 * comparisons that name both sides first ("A vs B on X", "the difference
 * between what A and B said", "did A and B agree on X", "did A and B describe
 * X the same way"), "which senior EU figure", and the place of a meeting for a
 * question naming someone who was there. Two small fictional articles with
 * an event, no alias file.
 */

const ARTICLES: Record<string, string> = {
  "lisbon.txt":
    "Portugal and Brazil discuss fisheries\n" +
    "Portuguese Foreign Minister Rui Costa Pinto met Brazilian Foreign Minister Ana Lima for a strategic dialogue.\n" +
    "Pinto warned that illegal trawling poses risks to coastal communities and threatens coastal stocks.\n" +
    "On fisheries, Lima said Brazil wants fishing quotas to be set by scientists.\n" +
    "Pinto said quotas should follow the catch data of the last ten years.\n" +
    "In a separate meeting, Lima met Portuguese President Marta Sousa.\n" +
    "Pinto criticised subsidies for distant-water fleets. These subsidies, he warned, drain stocks and hurt small fishers.\n",
  "recife.txt":
    "Brazil hosts port summit in Recife\n" +
    "Brazilian President Paulo Reis said the port of Recife will double its capacity.\n" +
    "Industry analysts said the port figures were encouraging.\n" +
    "Reis will visit a shipping fair in Lisbon next year.\n",
};

const EVENTS: SummitEvent[] = [
  {
    id: "lisbon-dialogue",
    name: "Portugal–Brazil strategic dialogue",
    place: { value: "Lisbon, Portugal", basis: "stated" },
    date: { value: "2025-03-04", basis: "stated" },
    participants: ["Rui Costa Pinto", "Ana Lima"],
  },
];

let small: SmallCorpus;

beforeAll(async () => {
  small = await smallCorpus(ARTICLES, { events: EVENTS, meta: { "lisbon.txt": { event: { value: "lisbon-dialogue", basis: "stated" } } } });
});

const analyse = (q: string): QuestionAnalysis => small.analyse(q);
const answer = (question: string): Composed => small.answer(question, ["lisbon.txt", "recife.txt"], { maxSentences: 3, abstainThreshold: 0.3 });

describe("what comes before the question", () => {
  it("drops what members say of themselves before the question, and keeps a topic", () => {
    expect(analyse("Checking a quote for a piece: what did Pinto say about trawling?").text).toBe("what did Pinto say about trawling?");
    expect(analyse("For my essay - who did Lima meet separately?").text).toBe("who did Lima meet separately?");
    expect(analyse("Lisbon talks: what did Pinto say?").text).toBe("Lisbon talks: what did Pinto say?");
  });

  it("reads “can you tell me …” and “remind me, …” as the question that follows", () => {
    expect(analyse("Can you tell me why Pinto considers trawling a problem?").type).toBe("reason");
    expect(analyse("Remind me, who did Lima meet in a separate meeting?").text).toBe("who did Lima meet in a separate meeting?");
  });

  it("reads “I read that X — is that right?” and “is it true that X” as yes/no questions about X", () => {
    const q = analyse("I read that Lima wants quotas set by politicians — is that right?");
    expect(q.type).toBe("yes-no");
    expect(q.focus.map((f) => f.term)).not.toContain("right");
    expect(analyse("Is it true that Pinto met Lima?").focus.map((f) => f.term)).not.toContain("true");
  });

  it("does not say yes when the evidence puts something else where the question has a word", () => {
    const other = answer("I read that Lima wants quotas set by politicians — is that right?");
    expect(other.text).not.toMatch(/^Yes/);
    expect(other.text).toMatch(/^The articles don't say/);
    expect(answer("Is it true that Lima wants quotas set by scientists?").text).toMatch(/^Yes —/);
  });
});

describe("comparisons that name both sides first", () => {
  it.each([
    ["Pinto vs Lima on quotas: did they take the same line?", ["What did Pinto say about quotas?", "What did Lima say about quotas?"]],
    ["Pinto vs Lima — what did each want on quotas?", ["What did Pinto say about quotas?", "What did Lima say about quotas?"]],
    ["What's the difference between what Pinto and Lima said about quotas?", ["What did Pinto say about quotas?", "What did Lima say about quotas?"]],
    ["Did Pinto and Lima agree on quotas?", ["What did Pinto say about quotas?", "What did Lima say about quotas?"]],
    ["Did Pinto and Lima describe the quotas the same way?", ["How did Pinto describe the quotas?", "How did Lima describe the quotas?"]],
  ])("splits %s", (question, parts) => {
    const split = splitParts(question, small.view.lexicon);
    expect(split?.comparison).toBe(true);
    expect(split?.texts).toEqual(parts);
  });

  it("leaves a question that only looks like one alone", () => {
    expect(splitParts("Did Pinto and Lima meet in Lisbon?", small.view.lexicon)).toBeNull();
    expect(splitParts("Did the talks end the same way?", small.view.lexicon)).toBeNull();
  });

  it("answers each side with its own words, though the other side's are closer to the question", () => {
    const a = answer("Pinto vs Lima: who should set the fishing quotas?");
    expect(a.coverage).toBe("full");
    const [first, second] = a.text.split("\n");
    expect(first).toContain("catch data");
    expect(second).toContain("set by scientists");
  });
});

describe("the kind of answer, from the question's main clause", () => {
  it("reads “where” after a question word as part of the question's noun phrase", () => {
    expect(analyse("On what date was the summit where Pinto met Lima?").type).toBe("date");
    expect(analyse("Where did Pinto meet Lima?").type).toBe("place");
  });

  it("reads the question after a clause that sets the time (“By the time …, had X …?”)", () => {
    expect(analyse("By the time the article went out, had Lima met Sousa?").type).toBe("yes-no");
  });

  it("reads “which agency's role” as asking for the agency", () => {
    expect(analyse("Which agency's role in monitoring trawling did Pinto stress?").type).toBe("organisation");
  });

  it("splits a second part opened by “through what”", () => {
    const parts = splitParts("What did Pinto say about trawling, and through what body did Lima want quotas set?", small.view.lexicon);
    expect(parts?.texts).toEqual(["What did Pinto say about trawling?", "Through what body did Lima want quotas set?"]);
  });

  it("reads “what came out of …” as asking what happened, which a plan does not answer", () => {
    expect(analyse("What came out of Reis's visit to the fair in Lisbon?").past).toBe(true);
    expect(answer("What came out of Reis's visit to the fair in Lisbon?").coverage).toBe("none");
  });

  it("answers “why” with the sentence that gives the cause, read on from the one that names what is asked", () => {
    const a = answer("why did Pinto criticise subsidies for distant-water fleets?");
    expect(a.citations[0]?.quote).toContain("hurt small fishers");
  });
});

describe("kinds and places", () => {
  it("reads “which senior figure” as asking for a person, and “which figures” as numbers", () => {
    expect(analyse("Besides Pinto, which senior Portuguese figure did Lima meet separately?").type).toBe("person");
    expect(analyse("Besides Pinto, which senior Portuguese figure did Lima meet separately?").focus.map((f) => f.term)).not.toContain("besid");
    expect(analyse("What figure did Reis give for the port?").type).toBe("quantity");
  });

  it("takes the meeting's place as given for a question naming someone who was there", () => {
    const a = answer("Since trawling came up in Lisbon, can you tell me why Pinto sees it as a problem?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("risks to coastal communities");
  });
});
