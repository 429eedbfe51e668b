import { beforeAll, describe, expect, it } from "vitest";
import { analyseQuestion } from "../../src/answer/analyse-question.js";
import { withoutAmountsOf } from "../../src/answer/answer-type.js";
import type { Composed } from "../../src/answer/compose.js";
import type { SummitEvent } from "../../src/types.js";
import { smallCorpus, type SmallCorpus } from "../fixtures/corpus-view.js";

/*
 * More answering rules, each with a question it must answer and one it must
 * decline, on a small fictional article about a meeting of a body that only
 * the event's name and one sentence name.
 */

const ARTICLES: Record<string, string> = {
  "tallinn.txt":
    "Baltic ministers agree joint ammunition purchase\n" +
    "TALLINN — Defence ministers of the Nordic-Baltic Eight (NB8) agreed on Tuesday to jointly buy air-defence ammunition worth €1.2 billion, with the backing of the European Union (EU).\n" +
    '"We are not buying missiles because we want a war," Estonian Defence Minister Kadri Tamm-Laas told reporters.\n' +
    "Latvian Defence Minister Andris Ozols said the joint order would cut the price per missile by 20 percent.\n" +
    '"Missiles are the new insurance policy of small nations," Ozols said.\n' +
    "Tamm-Laas said she expected the first deliveries in 2028.\n" +
    "Norwegian Defence Minister Ingrid Solberg said Norway would send two frigates to the Baltic Sea.\n" +
    "The ministers are aiming to sign a cyber defence pact by the end of the year.\n" +
    "Iceland will not buy ammunition if the costs rise.\n" +
    "European Commission Executive Vice President Joost Aelst attended the meeting. He declined to say whether the EU would pay for the stockpiles, saying only that talks continue.\n" +
    "Sweden, which joined the group in 1992, did not take part in the purchase.\n" +
    "Finnish Foreign Ministry spokesman Mikko Virtanen said the order was overdue.\n" +
    "The Finnish Foreign Ministry welcomed the deal.\n" +
    "The ministers held separate talks with industry for the first NB8 defence meeting since 2019.",
};

const EVENTS: SummitEvent[] = [
  {
    id: "nb8",
    name: "Nordic-Baltic Eight (NB8) defence ministers' meeting in Tallinn",
    place: { value: "Tallinn, Estonia", basis: "stated" },
    date: { value: "2026-04-21", basis: "stated" },
    participants: ["Kadri Tamm-Laas", "Andris Ozols", "Ingrid Solberg"],
  },
];

let small: SmallCorpus;
const params = { maxSentences: 3, abstainThreshold: 0.3 };

beforeAll(async () => {
  small = await smallCorpus(ARTICLES, { events: EVENTS, meta: { "tallinn.txt": { event: { value: "nb8", basis: "stated" } } } });
});

const answer = (question: string): Composed => small.answer(question, ["tallinn.txt"], params);

describe("what an article is about", () => {
  it("counts a body the event's name holds as present in every sentence of its article", () => {
    // The quote does not name the NB8; the meeting it reports is the NB8's.
    const a = answer("What did Tamm-Laas say about why the NB8 is buying missiles?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("because we want a war");
  });
});

describe("where it was said", () => {
  it("places a participant's words at the meeting's city", () => {
    const a = answer("What did Ozols say in Tallinn about the price per missile?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("cut the price per missile");
  });
});

describe("who speaks", () => {
  it("attributes 'He declined to say …, saying only that …' to the person the pronoun stands for", () => {
    const a = answer("What did Aelst say about the stockpiles?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("He declined to say");
  });

  it("takes a Commission vice president for 'the EU commissioner'", () => {
    const q = analyseQuestion("What did the EU commissioner say about the stockpiles?", small.view.lexicon);
    expect(q.speaker?.ids.map((id) => small.view.knowledge.gazetteer.entities[id]?.name)).toEqual(["Joost Aelst"]);
  });

  it("declines when another speaker said what is asked and the speaker asked about said much less", () => {
    const a = answer("What did Tamm-Laas say about missiles being the new insurance policy?");
    expect(a.abstained).toBe(true);
    expect(a.text).toMatch(/^The articles don't quote Kadri Tamm-Laas on missiles being the new insurance policy\..*“"Missiles are the new insurance policy/s);
  });
});

describe("the kind of answer", () => {
  it("does not count the question's own amount as the figure asked for", () => {
    expect(withoutAmountsOf("How many missiles will the €1.2 billion purchase buy?", "worth €1.2 billion and 12 more")).not.toContain("1.2");
    expect(withoutAmountsOf("What share did 5 countries pay?", "5% of 15 countries")).toContain("5%");
  });

  it("does not answer 'how many' things with a share or a sum of money", () => {
    const a = answer("How many missiles will the €1.2 billion joint purchase buy?");
    expect(a.abstained).toBe(true);
    expect(answer("By how much will the joint order cut the price per missile?").citations[0]?.quote).toContain("20 percent");
  });

  it("reads 'how fast', 'how old' and the like as asking for a figure", () => {
    expect(analyseQuestion("How fast can a frigate sail?", small.view.lexicon).type).toBe("quantity");
    expect(analyseQuestion("How old is the group?", small.view.lexicon).type).toBe("quantity");
  });

  it("does not take a dateline or the meeting's town for where something else will be", () => {
    const a = answer("Where will the ammunition stockpiles be stored?");
    expect(a.abstained).toBe(true);
    // The meeting's place, from the metadata, for where something happened at the meeting.
    expect(answer("Where did Aelst attend the meeting?").text).toMatch(/^In Tallinn, Estonia: “European Commission Executive Vice President Joost Aelst attended the meeting\./);
  });

  it("takes a country as the answer to 'which country' wherever it stands in the sentence", () => {
    expect(answer("Which country did not take part in the purchase?").citations[0]?.quote).toContain("Sweden, which joined");
  });
});

describe("yes/no: plans, conditions and reported plans", () => {
  it("does not say Yes to what a sentence only aims at", () => {
    const a = answer("Did the ministers sign a cyber defence pact by the end of the year?");
    expect(a.text).not.toMatch(/^(?:Yes|No) —/);
  });

  it("does not say No from a condition", () => {
    expect(answer("Will Iceland buy ammunition?").text).not.toMatch(/^(?:Yes|No) —/);
  });

  it("says Yes to what a minister said her country would do", () => {
    expect(answer("Is Norway sending frigates to the Baltic Sea?").text).toMatch(/^Yes — “Norwegian Defence Minister Ingrid Solberg said Norway would send two frigates/);
  });
});

describe("chat-style questions", () => {
  it("reads contractions typed without the apostrophe", () => {
    const q = analyseQuestion("whats Tamm-Laas's job", small.view.lexicon);
    expect(q.type).toBe("description");
    expect(q.asksRole).toBe(true);
    expect(q.focus).toEqual([]);
    expect(analyseQuestion("didnt Iceland buy ammunition?", small.view.lexicon).focus.map((f) => f.term)).not.toContain("didnt");
  });

  it("reads 'what's X's official title' as asking for a title, not for an official", () => {
    const q = analyseQuestion("What's Aelst's official title?", small.view.lexicon);
    expect(q.type).toBe("description");
    expect(answer("What's Aelst's official title?").citations[0]?.quote).toContain("European Commission Executive Vice President Joost Aelst");
  });

  it("finds a body named inside a longer name (a title before a person's name)", () => {
    const a = answer("Who is the spokesman of the Finnish Foreign Ministry?");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toBe("Finnish Foreign Ministry spokesman Mikko Virtanen said the order was overdue.");
  });
});

describe("the meeting's date and place from the metadata", () => {
  it("dates the meeting from the metadata when the sentence's only year is another ('since 2019'), 'separate talks' being talks at it", () => {
    expect(answer("When was the NB8 defence meeting held?").text).toMatch(/^21 April 2026, the date of the Nordic-Baltic Eight \(NB8\) defence ministers' meeting in Tallinn: “The ministers held separate talks/);
  });

  it("places words said at the meeting when the sentence names places but puts nothing in one", () => {
    expect(answer("Where was Ozols when he said missiles are the new insurance policy of small nations?").text).toMatch(/^In Tallinn, Estonia: “"Missiles are the new insurance policy/);
  });
});
