import { beforeAll, describe, expect, it } from "vitest";
import type { Composed } from "../../src/answer/compose.js";
import { smallCorpus, type SmallCorpus } from "../fixtures/corpus-view.js";

/*
 * Rules found on a fresh batch of informal questions (test/eval/fresh-j-qa.jsonl):
 * an organisation asked by initials the article never writes, "the two sides"
 * standing for the parties, what two parties said together, "how many"
 * followed by a verb. One small fictional article, no alias file.
 */

const ARTICLES: Record<string, string> = {
  "santiago.txt":
    "EU and Chile sign customs pact at Santiago talks\n" +
    "SANTIAGO — The European Union and Chile signed a customs pact on Monday, officials of the European Union and Chile said.\n" +
    "The two sides also underscored the role of the Pacific Customs Observatory in monitoring lithium shipments.\n" +
    "Two EU commissioners held talks with Chilean ministers in Santiago.\n" +
    "Chilean Economy Minister Rosa Vidal said the customs pact would cut waiting times at the border.\n" +
    "Vidal said Chile does not want to close its market to Chinese buyers but seeks more balanced trade.\n" +
    "Vidal said the EU had raised concerns about lithium prices.\n" +
    "Vidal said the EU had helped de-escalate a dispute over fishing quotas.\n" +
    "Farmers protested outside the ministry.\n",
};

let small: SmallCorpus;
const params = { maxSentences: 3, abstainThreshold: 0.3 };

beforeAll(async () => {
  small = await smallCorpus(ARTICLES);
});

const answer = (question: string): Composed => small.answer(question, ["santiago.txt"], params);

describe("fresh informal questions", () => {
  it("finds an organisation by initials the article never writes", () => {
    const observatory = small.view.knowledge.gazetteer.entities.find((e) => e.name === "Pacific Customs Observatory");
    expect(observatory?.aliases).toContain("pco");
    const a = answer("What does the PCO monitor?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("monitoring lithium shipments");
  });

  it("takes “the two sides” for the parties the article names, and checks no one speaker for what two said together", () => {
    const a = answer("What role did the EU and Chile say the Pacific Customs Observatory should play?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("The two sides also underscored the role");
  });

  it("reads “did X say A, or what instead?” as asking what X said, not for a yes or no", () => {
    const a = answer("did Vidal say Chile wants to close its market to Chinese buyers, or what's the plan instead?");
    expect(a.coverage).toBe("full");
    expect(a.text).not.toMatch(/^(?:Yes|No) —/);
    expect(a.citations[0]?.quote).toContain("seeks more balanced trade");
  });

  it("matches everyday words through the built-in synonyms (calming down: de-escalate)", () => {
    const a = answer("What did the EU calm down, according to Vidal?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("fishing quotas");
  });

  it("counts what “how many” asks for even when a verb follows", () => {
    const a = answer("how many EU commissioners sat down for talks with Chilean ministers?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("Two EU commissioners");
  });
});
