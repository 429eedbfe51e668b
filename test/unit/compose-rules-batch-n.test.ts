import { beforeAll, describe, expect, it } from "vitest";
import { splitParts, type QuestionAnalysis } from "../../src/answer/analyse-question.js";
import { composeAnswer, type Composed } from "../../src/answer/compose.js";
import { smallCorpus, type SmallCorpus } from "../fixtures/corpus-view.js";

/*
 * Rules found on a fresh batch of a student's and a fact-checker's questions
 * (test/eval/fresh-n-qa.jsonl): someone named in passing whom retrieval
 * misses, where the member read it ("In the … article", "according to the
 * report …"), the title asked about in "which spokesman would not confirm
 * whether … had told …", "the position B stated", a second part that asks
 * about "it", "once … concluded", "what is the name of …", and bodies no
 * article names though their words are English. One small fictional corpus.
 */

const FILLER = Array.from({ length: 12 }, (_, i) => `Dockworkers in Valletta discussed harbour fees and cargo schedules on day ${i + 1} of the port talks.`).join(" ");

const ARTICLES: Record<string, string> = {
  "valletta.txt":
    "Malta and Tunisia hold port talks in Valletta\n" +
    `${FILLER}\n` +
    '"The fees will rise," said Lucia Farrugia, an economist at the Valletta Maritime Institute.\n' +
    "Tunisian Transport Minister Karim Haddad said new cranes would arrive in spring.\n" +
    "Maltese Foreign Ministry spokesman Paul Vella did not confirm whether Tunis had formally told Valletta it was leaving the fisheries pact.\n" +
    "The ministers also opened an inquiry into harbour fees.\n",
};

let small: SmallCorpus;

beforeAll(async () => {
  small = await smallCorpus(ARTICLES);
});

const analyse = (q: string): QuestionAnalysis => small.analyse(q);
const answer = (question: string): Composed => small.answer(question, ["valletta.txt"], { maxSentences: 3, abstainThreshold: 0.3 });

describe("who and where", () => {
  it("finds the sentence naming someone the retrieved passages miss", () => {
    // The passage given covers only the first part of the article (as a retrieval that misses would).
    const text = ARTICLES["valletta.txt"] ?? "";
    const first = { chunk: { id: 1, source: "valletta.txt", start: 0, end: text.indexOf("on day 6"), text: "" }, score: 1, lexical: 1, dense: 0.5, lexicalRank: 1, denseRank: 1 };
    const q = analyse("Who is Lucia Farrugia, the woman quoted on the port talks?");
    const citations = composeAnswer(q, [[first]], small.view, { maxSentences: 3, abstainThreshold: 0.3 }).citations;
    expect(citations[0]?.quote).toContain("an economist at the Valletta Maritime Institute");
  });

  it("keeps the title asked about as the answer's kind when a saying verb is only inside the clause asked about", () => {
    const q = analyse("Which Maltese Foreign Ministry spokesman would not confirm whether Tunis had formally told Valletta it was leaving the pact?");
    expect(q.type).toBe("person");
    expect(q.entities.map((e) => e.text)).not.toContain("Maltese Foreign Ministry spokesman");
    expect(answer("Which Maltese Foreign Ministry spokesman would not confirm whether Tunis had formally told Valletta it was leaving the pact?").citations[0]?.quote).toContain("Paul Vella");
  });

  it("reads “what is the name of the official …” as asking for a person", () => {
    // (Not "the spokesman who …": the "who" alone would make it a person question.)
    expect(analyse("What is the name of the economist quoted on fees?").type).toBe("person");
    expect(analyse("What is the name of the pact Tunis was leaving?").type).toBe("description");
  });

  it("names a body no article mentions, though its words are English", () => {
    expect(analyse("What did the Granite Group's analysts say about harbour fees?").unknown).toEqual(["Granite Group"]);
    expect(analyse("What did the Valletta Maritime Institute say about fees?").unknown).toEqual([]);
  });
});

describe("what the question points at", () => {
  it("drops where the member read it, which names no speaker", () => {
    expect(analyse("In the Valletta article, what did Haddad say about cranes?").text).toBe("what did Haddad say about cranes?");
    const q = analyse("Why will the fees rise, according to the report that quotes Lucia Farrugia?");
    expect(q.speaker).toBeNull();
    expect(q.text).toBe("Why will the fees rise?");
  });

  it("reads “the position B stated” as what B said", () => {
    const parts = splitParts("how does Haddad's demand on cranes differ from the position Vella stated on the pact?", small.view.lexicon);
    expect(parts?.texts).toEqual(["What was Haddad's demand on cranes?", "What did Vella say on the pact?"]);
  });

  it("answers a second part about “it” only with a sentence about what the first part asks", () => {
    const a = answer("What is the inquiry into harbour fees looking at, and when is it expected to conclude?");
    expect(a.coverage).not.toBe("full");
    expect(a.text).not.toContain("in spring");
  });

  it("reads “once … concluded” as asking what came later", () => {
    expect(analyse("What fees were set once the inquiry concluded?").later).toBe(true);
  });
});
