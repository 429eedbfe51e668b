import { beforeAll, describe, expect, it } from "vitest";
import { splitParts, type QuestionAnalysis } from "../../src/answer/analyse-question.js";
import type { Composed } from "../../src/answer/compose.js";
import { smallCorpus, type SmallCorpus } from "../fixtures/corpus-view.js";
import type { SummitEvent } from "../../src/types.js";

/*
 * Rules found on the fresh batches q and v (test/eval/fresh-q-qa.jsonl,
 * fresh-v-qa.jsonl): other forms of the words of asking ("keeps saying",
 * "one piece mentions"), "that person", "what word did she use", "<role>
 * here, trying to …:", a scene-setting clause before a question in two parts,
 * "by how much", a part asking what the first part's quote does not hold,
 * a list of people against a sentence that names none, the meeting as the
 * setting of a yes/no question, "line up with", and news synonyms
 * (involvement, in person, stick with, a seat on a council). One small
 * fictional corpus.
 */

const FILLER = Array.from({ length: 12 }, (_, i) => `Dockworkers in Valletta discussed harbour fees and cargo schedules on day ${i + 1} of the port talks.`).join(" ");

const ARTICLES: Record<string, string> = {
  "valletta.txt":
    "Malta and Tunisia hold port talks in Valletta\n" +
    `${FILLER}\n` +
    "Tunisian Transport Minister Karim Haddad met Maltese Prime Minister Robert Abela.\n" +
    "Port traffic fell in the pandemic, the Tunisian foreign ministry said.\n" +
    "Earlier, a former Maltese finance minister characterized the harbour fees as the most serious obstacle to trade.\n" +
    'Abela said Malta does not want to close the port but seeks "co-management" of the terminal.\n' +
    "Haddad held talks with Abela in Valletta on March 3.\n" +
    "Haddad reaffirmed Tunisia's interest during the talks.\n" +
    "Haddad and Abela visited the harbour in Valletta on March 3.\n" +
    "On shipping, Abela reaffirmed Malta's commitment to the ferry line.\n" +
    "Critics say Malta's participation in the ferry line was a gift to Tunis, with benefits very limited for Valletta.\n" +
    "After concluding his visit to Malta on March 4, Haddad is scheduled to travel to Sicily and Sardinia.\n" +
    "Malta's harbour surplus with Tunisia grew to about 40 million euros in 2025.\n" +
    "The harbour dialogue was restarted this year after several visits to Valletta.\n" +
    "The talks were the first in-person port meeting since 2019.\n" +
    "Haddad said Tunisia has a special responsibility as a permanent member of the Harbour Council.\n" +
    "Medship confirmed that it would build a ferry terminal in Gozo.\n" +
    "The new cranes are painted blue.\n" +
    "Italy and France sent observers to Valletta.\n" +
    "Haddad also noted ongoing safety risks at the container terminal.\n" +
    "Abela called for an end to unfair harbour practices, including restrictions on fuel exports.\n" +
    '"We count on Tunisia to keep the ferry line running," Abela said after the talks.\n' +
    "The ministers could not agree on whether to invite a Libyan representative to the summit in May.\n" +
    "The two ports agreed on a joint purchase of harbour tugs for the ferry line.\n" +
    "The ports will also research 6G networks.\n" +
    "Haddad said a surge in cargo volume sets off the rise in fees.\n" +
    "Haddad did not say what level of cargo would trigger the rise.\n" +

    "Gozo, which has no port authority of its own, will help finance the tugs but will not buy tugs itself, the communiqué said.\n" +

    '"A deal that is signed quickly but ignored is worse than no deal," Abela told reporters.\n' +
    "Tunisia will help finance the quay but will not buy cranes itself, the communiqué said.\n",
};

const EVENTS: SummitEvent[] = [
  {
    id: "valletta-talks",
    name: "Malta–Tunisia port talks",
    place: { value: "Valletta, Malta", basis: "stated" },
    date: { value: "2025-03-03", basis: "stated" },
    participants: ["Karim Haddad", "Robert Abela"],
  },
];

let small: SmallCorpus;

beforeAll(async () => {
  small = await smallCorpus(ARTICLES, {
    events: EVENTS,
    meta: {
      "valletta.txt": {
        event: { value: "valletta-talks", basis: "stated" },
        date: { value: "2025-03-04", basis: "stated", kind: "publication" },
        outlet: { value: "Xerlo News", basis: "stated" },
      },
    },
  });
});

const analyse = (q: string): QuestionAnalysis => small.analyse(q);
const answer = (question: string): Composed => small.answer(question, ["valletta.txt"], { maxSentences: 3, abstainThreshold: 0.3 });
const focusTerms = (q: QuestionAnalysis) => q.focus.map((f) => f.term);
/** The other words a focus term of the question matches (its synonyms, its other spelling). */
const alternatives = (question: string, term: string) => analyse(question).focus.find((f) => f.term === term)?.alternatives ?? [];

describe("words of asking", () => {
  it("drops every form of a word of asking, not only the forms listed", () => {
    expect(focusTerms(analyse("Abela keeps saying the port stays open. What does he want?"))).not.toContain("keep");
    expect(focusTerms(analyse("One piece mentions a finance minister. Who was it?"))).not.toContain("mention");
  });

  it("reads “that person” as someone named before, and answers from the sentence about them", () => {
    const question = "One piece mentions a former Maltese finance minister. How did that person characterise the harbour fees?";
    expect(focusTerms(analyse(question))).not.toContain("person");
    const a = answer(question);
    expect(a.abstained).toBe(false);
    expect(a.text).toMatch(/^“Earlier, a former Maltese finance minister characterized/);
  });

  it("reads “what word did X use for …” as asking for a wording", () => {
    const q = analyse("What word did Abela use for what Malta wants at the terminal?");
    expect(focusTerms(q)).not.toContain("word");
    expect(focusTerms(q)).not.toContain("use");
    expect(answer("What word did Abela use for what Malta wants at the terminal?").text).toContain("co-management");
  });

  it("drops “<role> here, trying to …:” before the question", () => {
    const q = analyse("Retired skipper here, trying to place a quote: at which meeting did Abela reaffirm the ferry line?");
    expect(q.text).toMatch(/^at which meeting/);
    expect(q.type).toBe("event");
  });
});

describe("questions in two parts", () => {
  it("splits a question whose first part opens with a clause setting the scene", () => {
    const parts = splitParts("Once Haddad finishes in Malta, which islands is he scheduled to visit next, and on what date does his Malta visit conclude?", small.view.lexicon);
    expect(parts?.texts).toHaveLength(2);
    // What he is scheduled to do next is the plan the article reports, not what came later.
    expect(analyse("Which islands is Haddad scheduled to visit next?").later).toBe(false);
  });

  it("splits at “and by how much”, and declines the part the first part's quote does not answer", () => {
    const question = "How large was Malta's harbour surplus with Tunisia in 2025, and by how much did it shrink?";
    expect(splitParts(question, small.view.lexicon)?.texts).toHaveLength(2);
    const a = answer(question);
    expect(a.coverage).toBe("partial");
    const [first, second] = a.text.split("\n");
    expect(first).toContain("40 million euros");
    expect(second).not.toContain("40 million euros");
  });

  it("reads “how does what A said line up with B's line” as what each said", () => {
    const parts = splitParts("How does what Abela said in Valletta line up with Haddad's line in Sicily?", small.view.lexicon);
    expect(parts?.comparison).toBe(true);
    expect(parts?.texts).toEqual(["What did Abela say in Valletta?", "What did Haddad say in Sicily?"]);
  });
});

describe("kinds of answer", () => {
  it("does not answer “which people” with a sentence about something else that names people", () => {
    const a = answer("Which commissioners visited Valletta to restart the harbour dialogue?");
    expect(a.abstained).toBe(true);
    expect(a.text).not.toContain("Haddad held talks");
  });

  it("reads “which X from Y specifically” as asking which ones", () => {
    expect(analyse("Which safety risks from Tunisia specifically did Haddad note?").specificKind).not.toBeNull();
  });
});

describe("yes or no", () => {
  it("takes the meeting as the setting the sentences around give", () => {
    const a = answer("Did Abela reaffirm the ferry line during the talks?");
    expect(a.text).toMatch(/^Yes — “On shipping, Abela reaffirmed/);
  });

  it("is not put off by a word of the question that only an unrelated sentence holds", () => {
    expect(answer("Is Medship putting its new ferry terminal in Gozo?").text).toMatch(/^Yes — “Medship confirmed/);
  });

  it("matches “face-to-face” to “in-person” and knows “covid” as the pandemic, not a name", () => {
    const q = analyse("Were the talks the first face-to-face port meeting since before covid?");
    expect(q.unknown).toEqual([]);
    expect(answer("Were the talks the first face-to-face port meeting since 2019?").text).toMatch(/^Yes — “The talks were the first in-person/);
  });
});

describe("hearsay and compounds", () => {
  it("reads “I read that X — true?” as whether X is so", () => {
    const q = analyse("I read that Tunisia will buy cranes itself under the deal — true?");
    expect(q.type).toBe("yes-no");
    expect(focusTerms(q)).not.toContain("read");
    expect(answer("I read that Tunisia will buy cranes itself under the deal — true?").text).toMatch(/^No — “Tunisia will help finance/);
  });

  it("reads “Italian-French” as two demonyms, each standing for its country", () => {
    const focus = analyse("What did the Italian-French observers say about cranes?").focus;
    expect(focus.find((f) => f.term === "italian")?.alternatives).toContain("itali");
    expect(focus.find((f) => f.term === "french")?.alternatives).toContain("franc");
  });
});

describe("news synonyms", () => {
  it("matches rushing to doing it quickly", () => {
    expect(analyse("What did Abela say about rushing the deal?").focus.find((f) => f.term === "rush")?.alternatives).toContain("quickli");
    expect(answer("What did Abela say about rushing the deal?").text).toContain("signed quickly");
  });

  it("matches involvement to participation, sticking with to reaffirming, a seat on a council to membership", () => {
    expect(alternatives("Why has Malta's involvement been criticised?", "involv")).toContain("particip");
    expect(alternatives("Did Abela stick with the ferry line?", "stick with")).toContain("reaffirm");
    expect(alternatives("Was it the first face-to-face meeting?", "face face")).toContain("person");
    expect(answer("Why has Malta's involvement in the ferry line been viewed critically?").text).toContain("participation in the ferry line");
    expect(answer("What did Haddad say about Tunisia's role given its seat on the Harbour Council?").text).toContain("special responsibility");
  });

  it("knows MFA as a foreign ministry, not an unknown name", () => {
    expect(analyse("What did the MFA spokesman say?").unknown).toEqual([]);
  });
});

describe("questions with a scene set first", () => {
  it("weighs the scene's words less than the question's, and searches without them", () => {
    const q = analyse("I'm cutting together a segment on the Valletta talks and want Abela in his own words: what did he say he was relying on Tunisia to do?");
    const weight = (term: string) => q.focus.find((f) => f.term === term)?.weight ?? 0;
    expect(weight("segment")).toBeLessThan(weight("reli") / 2);
    expect(q.retrievalText).toBe("Valletta Abela what did he say he was relying on Tunisia to do?");
    expect(small.answer(q.text, ["valletta.txt"]).text).toContain("We count on Tunisia");
  });

  it("reads the kind of question from the question, not from the scene", () => {
    expect(analyse("For the episode intro we call the Valletta talks the first of their kind, so I want to check: were they the first in-person port meeting since 2019?").type).toBe("yes-no");
  });

  it("keeps “we're” and “they're” as they are", () => {
    expect(analyse("We're having a skipper on the show who wants to hear what Abela said about the crossing schedules: how did he sum up the ferry line?").unknown).toEqual([]);
  });
});

describe("the outlet an article comes from", () => {
  it("is a name of the article, neither unknown nor a word to find", () => {
    const q = analyse("There's a moment in the Xerlo News piece where Abela talks about the ferry line: what did he say?");
    expect(q.unknown).toEqual([]);
    expect(focusTerms(q)).not.toContain("xerlo");
    expect(focusTerms(q)).not.toContain("news");
    expect(focusTerms(analyse("Per the Xerlo News piece: what did Abela say about the ferry line?"))).not.toContain("per");
  });
});

describe("which ones, specifically", () => {
  it("reads “what X … exactly” at the end of the question as asking which ones", () => {
    expect(analyse("what safety risks at the terminal haddad noted exactly").specificKind).toBe("safeti risk");
  });

  it("says the articles don't say which when the text names the kind without its head word, in a list of something else", () => {
    const a = answer("Which fuel products, specifically, did Abela say were restricted?");
    expect(a.text).toMatch(/^The articles don't say which; they say: “Abela called for/);
  });
});

describe("chat", () => {
  it("reads a name, what it did and a question mark as a yes/no question", () => {
    expect(analyse("abela still back the ferry line yes?").type).toBe("yes-no");
    expect(analyse("abela on the ferry line?").type).not.toBe("yes-no");
  });

  it("reads “what ex Maltese finance minister said” without its auxiliary, and not across one", () => {
    expect(analyse("what ex Maltese finance minister said about fees").type).toBe("statement");
    expect(analyse("how many times has abela asked tunisia to be prudent").type).toBe("quantity");
  });

  it("matches either spelling of a word and news synonyms of former, top diplomat and relying", () => {
    expect(analyse("How did the former minister characterise the fees?").focus.find((f) => f.term === "characteris")?.alternatives).toContain("character");
    expect(alternatives("What did the ex minister say?", "ex")).toContain("former");
    expect(alternatives("What did the top diplomat say?", "top diplomat")).toContain("foreign minist");
    expect(alternatives("What was Abela relying on?", "reli")).toContain("count");
  });
});

describe("yes or no, settled by a denial", () => {
  it("reads “could not agree” as a no, not a hedge", () => {
    expect(answer("Did the ministers agree to invite a Libyan representative to the summit in May?").text).toMatch(/^No — “The ministers could not agree/);
  });

  it("answers no from a denial that leaves out a qualifier another sentence gives", () => {
    expect(answer("Is Gozo going to buy harbour tugs itself under the joint purchase?").text).toMatch(/^No — “Gozo, which has no port authority/);
  });
});

describe("names", () => {
  it("does not call a name unknown when the articles use its every word", () => {
    expect(analyse("What did the ministers agree about the Libyan representative?").unknown).toEqual([]);
    expect(analyse("How much will the ports put into 6G research?").unknown).toEqual([]);
  });

  it("reads chat abbreviations: r, FMs", () => {
    expect(analyse("how much r the ports putting into the quay").text).toContain("how much are the ports");
    expect(analyse("what did the FMs say about the quay").text).toContain("foreign ministers");
    expect(analyse("How much will the ports spend on R&D?").text).toContain("R&D");
  });

  it("matches “in common” to sharing", () => {
    expect(analyse("What do they have in common?").focus.flatMap((f) => f.alternatives)).toContain("share");
  });
});

describe("more ways of saying it", () => {
  it("reads sitting down together as meeting, and someone's opening line as what they said", () => {
    expect(answer("On what day did Haddad and Abela sit down together in Valletta?").text).toMatch(/^3 March 2025/);
    expect(focusTerms(analyse("Abela's opening line: what was it?"))).not.toContain("line");
  });
});

describe("whether something was disclosed", () => {
  it("answers no from a sentence saying the detail was not given", () => {
    expect(answer("Did Haddad specify what volume of cargo would set off the rise in fees?").text).toMatch(/^No — “Haddad did not say what level of cargo/);
    expect(alternatives("What volume of cargo?", "volum")).toContain("level");
    expect(alternatives("What would trigger it?", "trigger")).toContain("spark");
  });
});

describe("fragments", () => {
  it("does not read a name followed by a noun as a yes/no question", () => {
    expect(analyse("Malta harbour surplus with Tunisia in 2025?").type).not.toBe("yes-no");
    expect(analyse("abela back the ferry line?").type).toBe("yes-no");
  });
});
