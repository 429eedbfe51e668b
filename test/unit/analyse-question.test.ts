import { beforeAll, describe, expect, it } from "vitest";
import { analyseQuestion, type QuestionAnalysis } from "../../src/answer/analyse-question.js";
import { smallCorpus, type SmallCorpus } from "../fixtures/corpus-view.js";

/*
 * The question analysis on its own: what each question asks, read against the
 * gazetteer of a small corpus written for the test.
 */

let small: SmallCorpus;

beforeAll(async () => {
  small = await smallCorpus(
    {
      "a.txt":
        "Finnish Foreign Minister Aino Virtanen met Chinese Premier Li Qiang in Helsinki on Monday.\n" +
        "Virtanen said the two sides discussed trade. Li told Virtanen that China wants stable ties.\n" +
        "The European Union (EU) and China agreed to meet again next year.",
      "b.txt": "Trade between Finland and China grew by 12 percent in 2023, the EU said. Italy was not mentioned.",
    },
    { aliases: { aliases: {}, synonyms: [["truce", "ceasefire"]] } },
  );
});

const analyse = (q: string): QuestionAnalysis => analyseQuestion(q, small.view.lexicon);
const names = (_q: QuestionAnalysis, ids: readonly number[] | undefined) => (ids ?? []).map((id) => small.view.knowledge.gazetteer.entities[id]?.name);

describe("what kind of answer a question wants", () => {
  it.each([
    ["When did Virtanen meet Li?", "date"],
    ["On what day did they meet?", "date"],
    ["Where did Virtanen meet Li Qiang?", "place"],
    ["Which city hosted the meeting?", "place"],
    ["Who did Virtanen meet in Helsinki?", "person"],
    ["Which news agency reported it?", "organisation"],
    ["How much did trade grow?", "quantity"],
    ["What was the trade deficit in 2023?", "quantity"],
    ["Did Li meet Virtanen?", "yes-no"],
    ["is the EU meeting China again?", "yes-no"],
    ["Why did trade grow?", "reason"],
    ["At which meeting did Li speak?", "event"],
    ["Which countries did Virtanen visit?", "list"],
    ["What did Virtanen say about trade?", "statement"],
  ])("%s -> %s", (question, type) => {
    expect(analyse(question).type).toBe(type);
  });

  it("tells the kind of thing a list asks for", () => {
    expect(analyse("Which countries did Virtanen visit?").wants).toBe("place");
    expect(analyse("Which ministers met in Helsinki?").wants).toBe("person");
  });

  it("reads 'how many' as counting its noun", () => {
    expect(analyse("How many ministers met in Helsinki?").countNoun).toBe("minister");
  });

  it("tells a question about the exact day, about later events, and about what happened", () => {
    expect(analyse("What was the exact date of the meeting?").exactDate).toBe(true);
    expect(analyse("When did they meet?").exactDate).toBe(false);
    expect(analyse("Did the EU eventually sign a deal?").later).toBe(true);
    expect(analyse("When will the next meeting be held?").later).toBe(true);
    expect(analyse("Where did Li go next?").later).toBe(false);
    expect(analyse("What happened in Helsinki?").past).toBe(true);
  });
});

describe("who and what it names", () => {
  it("finds the people, places and bodies it names, by any of their names", () => {
    const q = analyse("What did the Finnish foreign minister tell the Chinese premier in Helsinki?");
    expect(q.entities.flatMap((e) => names(q, e.ids))).toEqual(expect.arrayContaining(["Aino Virtanen", "Li Qiang", "Helsinki"]));
  });

  it("reads the speaker and the addressee of 'what did X tell Y'", () => {
    const q = analyse("What did Li tell Virtanen?");
    expect(names(q, q.speaker?.ids)).toEqual(["Li Qiang"]);
    expect(names(q, q.addressee?.ids)).toEqual(["Aino Virtanen"]);
    expect(q.type).toBe("statement");
  });

  it("reads 'according to X' and 'how did X describe' as asking for X's words", () => {
    expect(names(analyse("According to Virtanen, what did they discuss?"), analyse("According to Virtanen, what did they discuss?").speaker?.ids)).toEqual(["Aino Virtanen"]);
    expect(analyse("How did Li describe the ties?").speaker).not.toBeNull();
    // "the meeting in Helsinki" says where, not who speaks.
    expect(analyse("What was agreed, according to the meeting in Helsinki?").speaker).toBeNull();
  });

  it("names what no article mentions, in any case, and not a misspelling", () => {
    expect(analyse("What did Mark Rutte say about China?").unknown).toEqual(["Mark Rutte"]);
    expect(analyse("what did olaf scholz tell li").unknown).toEqual(["olaf scholz"]);
    expect(analyse("What did NATO say?").unknown).toEqual(["NATO"]);
    expect(analyse("what did virtanen say abuot trade").unknown).toEqual([]);
    expect(analyse("when did li arive in helsinki").unknown).toEqual([]);
  });

  it("takes a demonym as a word of the question, not a name it must find", () => {
    const q = analyse("What did the Finnish side say about trade?");
    expect(q.entities.flatMap((e) => names(q, e.ids))).not.toContain("Finland");
    expect(q.focus.map((f) => f.term)).toContain("finnish");
  });

  it("marks names known in most articles as background", () => {
    // Two articles are too few to tell what the corpus is about: nothing is background.
    expect(analyse("What did China say?").entities.every((e) => !e.background)).toBe(true);
  });
});

describe("focus words", () => {
  it("keeps the words that say what is asked, with synonyms from the alias file", () => {
    const q = analyse("What did Virtanen say about a truce?");
    const truce = q.focus.find((f) => f.term === "truce");
    expect(truce?.alternatives).toContain("ceasefir");
    expect(q.focus.map((f) => f.term)).not.toContain("virtanen");
  });

  it("reads a hyphenated word as one phrase", () => {
    expect(analyse("What about dual-use goods?").focus.map((f) => f.term)).toContain("dual use");
  });

  it("reads years and negation", () => {
    const q = analyse("Why did trade not grow in 2024?");
    expect(q.years).toEqual(["2024"]);
    expect(q.negated).toBe(true);
  });
});

describe("speakers and counted things", () => {
  it("checks no single speaker for what two parties said together", () => {
    expect(analyse("What did Finland and China say about trade?").speaker).toBeNull();
    expect(names(analyse("What did Virtanen say about trade?"), analyse("What did Virtanen say about trade?").speaker?.ids)).toEqual(["Aino Virtanen"]);
  });

  it("counts the first plural of “how many”, not a word after the verb", () => {
    expect(analyse("how many EU leaders sat down for talks with Li?").countNoun).toBe("leader");
    expect(analyse("How many ministers met in Helsinki?").countNoun).toBe("minister");
  });
});

describe("questions in parts", () => {
  it("splits two questions joined by 'and', carrying a person into the second", () => {
    const q = analyse("When did Virtanen meet Li, and what did she say about trade?");
    expect(q.parts.map((p) => p.text)).toEqual(["When did Virtanen meet Li?", "What did Virtanen say about trade?"]);
    expect(q.parts.map((p) => p.type)).toEqual(["date", "statement"]);
  });

  it("lets a second part that names nothing lean on the first", () => {
    const q = analyse("How much did trade grow and which year is that figure for?");
    expect(q.parts[1]?.refersBack).toBe(true);
    expect(q.parts[1]?.retrievalText).toContain("How much did trade grow");
  });

  it("splits a comparison into one question per side", () => {
    const q = analyse("How did Virtanen and Li differ on trade?");
    expect(q.comparison).toBe(true);
    expect(q.parts.map((p) => p.text)).toEqual(["What did Virtanen say about trade?", "What did Li say about trade?"]);
    const c = analyse("Compare what Virtanen said with what Li said.");
    expect(c.parts.map((p) => names(p, p.speaker?.ids))).toEqual([["Aino Virtanen"], ["Li Qiang"]]);
  });

  it("splits two years asked about the same thing", () => {
    expect(analyse("how much did trade grow in 2022 and in 2023").parts.map((p) => p.years)).toEqual([["2022"], ["2023"]]);
  });

  it("reads past what members put before a question (“Two things:”, “hey quick one:”)", () => {
    const q = analyse("Two things: when did Virtanen meet Li, and what did she say about trade?");
    expect(q.parts.map((p) => p.text)).toEqual(["When did Virtanen meet Li?", "What did Virtanen say about trade?"]);
    expect(analyse("hey quick one: when did Virtanen meet Li?").type).toBe("date");
  });

  it("splits the other ways of asking for a comparison, keeping a shared setting", () => {
    const text = (q: string) => analyse(q).parts.map((p) => p.text);
    expect(text("How does what Virtanen said on trade compare with what Li said on trade?")).toEqual(["What did Virtanen say on trade?", "What did Li say on trade?"]);
    expect(text("Compare what Virtanen and Li each said about trade")).toEqual(["What did Virtanen say about trade?", "What did Li say about trade?"]);
    expect(text("How did Virtanen's take on trade differ from Li's in Helsinki?")).toEqual(["What did Virtanen say about trade in Helsinki?", "What did Li say about trade in Helsinki?"]);
    expect(text("How did the EU's view of trade differ from what Li told Virtanen?")).toEqual(["What was the EU's view of trade?", "What did Li tell Virtanen?"]);
    expect(text("How did Finland's trade policy change between 2022 and 2023?")).toEqual(["What was Finland's trade policy at 2022?", "What was Finland's trade policy at 2023?"]);
    expect(text("In Helsinki, how did Virtanen's point about trade differ from what Li said?")).toEqual(["What was Virtanen's point about trade in Helsinki?", "What did Li say in Helsinki?"]);
    expect(analyse("Compare what Virtanen and Li each said about trade").comparison).toBe(true);
  });

  it("reads “the year before” against the first part's year", () => {
    const q = analyse("How much did trade grow in 2023, and what was it the year before?");
    expect(q.parts.map((p) => p.years)).toEqual([["2023"], ["2022"]]);
  });

  it("does not split one question that lists two things", () => {
    expect(analyse("What did Virtanen say about Finland and China?").parts).toEqual([]);
  });
});
