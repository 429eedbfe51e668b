import { beforeAll, describe, expect, it } from "vitest";
import { ABSTAIN_TEXT, type Composed } from "../../src/answer/compose.js";
import type { SummitEvent } from "../../src/types.js";
import { smallCorpus, type SmallCorpus } from "../fixtures/corpus-view.js";

/*
 * The answering rules on small articles written for the test: each rule with
 * a question it must answer and one it must decline.
 */

const ARTICLES: Record<string, string> = {
  "paris.txt":
    "Xi Visits Paris\n" +
    "French President Emmanuel Macron (L) and Chinese President Xi Jinping (R) in Paris. (Jane Doe/Photo Agency)\n" +
    "Xi arrived in France on May 5 for talks with French President Emmanuel Macron and European Commission President Ursula von der Leyen.\n" +
    '"We count on China to use its influence," von der Leyen said. "More effort is needed to curtail dual-use goods."\n' +
    "Subscribe to our newsletter to learn more about China.\n" +
    "After France, the Chinese president is scheduled to travel to Serbia and Hungary.\n" +
    "Read also: Xi in Serbia",
  "brussels.txt":
    "BRUSSELS – EU foreign policy chief Kaja Kallas met Chinese Foreign Minister Wang Yi in Brussels.\n" +
    "Kallas called for a ceasefire in Gaza and the release of hostages.\n" +
    "She also urged China to lift its restrictions on rare earth exports. These restrictions, she warned, hurt European companies.\n" +
    "Wang Yi told Kallas that China stands on the side of peace.",
  "beijing.txt":
    "The EU trade deficit with China reached about 400 billion euros in 2022.\n" +
    "European Council President Charles Michel said China has a special responsibility.\n" +
    "Italy left the Belt and Road Initiative on the eve of the summit.\n" +
    "As of Friday, Beijing had not issued a statement on the summit.",
};

const EVENTS: SummitEvent[] = [
  {
    id: "paris",
    name: "Paris meeting of Macron, von der Leyen and Xi",
    place: { value: "Paris, France", basis: "stated" },
    date: { value: "2024-05-06", basis: "stated" },
    participants: ["Emmanuel Macron", "Ursula von der Leyen", "Xi Jinping"],
  },
  {
    id: "dialogue",
    name: "EU–China Strategic Dialogue",
    place: { value: "Brussels, Belgium", basis: "stated" },
    date: { value: "2025-07", basis: "inferred" },
    participants: ["Kaja Kallas", "Wang Yi"],
  },
  {
    id: "summit",
    name: "EU–China summit in Beijing",
    place: { value: "Beijing, China", basis: "stated" },
    date: { value: "2023-12-07", basis: "inferred" },
    participants: ["Charles Michel", "Xi Jinping"],
  },
];

const eventOf = (value: string) => ({ event: { value, basis: "stated" as const } });

let small: SmallCorpus;
const params = { maxSentences: 3, abstainThreshold: 0.3 };

beforeAll(async () => {
  small = await smallCorpus(ARTICLES, {
    events: EVENTS,
    meta: { "paris.txt": eventOf("paris"), "brussels.txt": eventOf("dialogue"), "beijing.txt": eventOf("summit") },
    aliases: { aliases: { "Ursula von der Leyen": ["vdl"] }, synonyms: [["truce", "ceasefire"]] },
  });
});

/** Answers `question` from the whole small corpus, the articles given first ranked first. */
const answer = (question: string, ...first: string[]): Composed => small.answer(question, [...new Set([...first, ...Object.keys(ARTICLES)])], params);

describe("the lead holds what is asked", () => {
  it("quotes the sentence that answers, with a citation whose quote is the exact span", () => {
    const a = answer("Where is Xi scheduled to travel after France?", "paris.txt");
    expect(a.coverage).toBe("full");
    expect(a.text).toBe("“After France, the Chinese president is scheduled to travel to Serbia and Hungary.” [1]");
    const c = a.citations[0];
    expect(ARTICLES[c?.source ?? ""]?.slice(c?.start, c?.end)).toBe(c?.quote);
  });

  it("names the members of a list the question asks for before the quote", () => {
    expect(answer("Which countries will Xi travel to after France?", "paris.txt").text).toMatch(/^Serbia and Hungary: “After France, the Chinese president/);
  });

  it("completes a quotation that runs over two sentences", () => {
    const a = answer("What did von der Leyen say about dual-use goods?", "paris.txt");
    expect(a.citations[0]?.quote).toBe('"We count on China to use its influence," von der Leyen said. "More effort is needed to curtail dual-use goods."');
  });

  it("quotes the neighbour that carries the answer together with the sentence that names the topic", () => {
    const a = answer("What did Kallas warn the restrictions on rare earth exports would do?", "brussels.txt");
    expect(a.coverage).toBe("full");
    expect(a.citations[0]?.quote).toContain("These restrictions, she warned, hurt European companies.");
  });

  it("never quotes boilerplate, and prefers the body to a headline or caption", () => {
    expect(answer("How can I subscribe to the newsletter to learn about China?", "paris.txt").abstained).toBe(true);
    const a = answer("Did Xi visit Paris?", "paris.txt");
    expect(a.citations.every((c) => !c.quote.startsWith("Xi Visits Paris") && !c.quote.includes("Photo Agency"))).toBe(true);
  });

  it("reads aliases and synonyms from the alias file", () => {
    expect(answer("What did vdl say about dual-use goods?", "paris.txt").citations[0]?.quote).toContain("dual-use goods");
    expect(answer("What did Kallas call for on a truce in Gaza?", "brussels.txt").text).toContain("ceasefire in Gaza");
  });
});

describe("declining, and saying what is missing", () => {
  it("declines a question about a name no article mentions, by name", () => {
    const a = answer("What did Mark Rutte say about China?");
    expect(a.abstained).toBe(true);
    expect(a.citations).toEqual([]);
    expect(a.text).toMatch(/^None of the articles mentions Mark Rutte\. The closest I have are “/);
  });

  it("never presents a wrong speaker as the answer: it says who did speak", () => {
    const a = answer("What did Wang Yi say about Gaza?", "brussels.txt");
    expect(a.abstained).toBe(true);
    expect(a.text).toBe("The articles don't quote Wang Yi on Gaza. Kaja Kallas did: “Kallas called for a ceasefire in Gaza and the release of hostages.” [1]");
  });

  it("tells what X told Y from what Y told X", () => {
    expect(answer("What did Wang Yi tell Kallas?", "brussels.txt").text).toMatch(/^“Wang Yi told Kallas that China stands on the side of peace\.” \[1\]$/);
    const swapped = answer("What did Kallas tell Wang Yi?", "brussels.txt");
    expect(swapped.abstained).toBe(true);
    expect(swapped.text).toMatch(/^The articles don't say what Kaja Kallas told Wang Yi\./);
  });

  it("does not answer for a year the articles do not report, and shows the year they do", () => {
    const a = answer("How big was the EU trade deficit with China in 2024?", "beijing.txt");
    expect(a.abstained).toBe(true);
    expect(a.text).toMatch(/^The articles don't report that for 2024\. The closest they have: “The EU trade deficit with China reached about 400 billion euros in 2022\.” \[1\]$/);
    expect(answer("How big was the EU trade deficit with China in 2022?", "beijing.txt").text).toContain("400 billion euros");
  });

  it("needs the kind of answer asked for: a date for 'when', a figure for 'how much'", () => {
    const a = answer("When will Xi travel to Serbia?", "paris.txt");
    expect(a.abstained).toBe(true);
    expect(a.text).toMatch(/^The articles don't give a date/);
    // Words a participant said in the article about a meeting take the meeting's date, marked as the metadata's.
    expect(answer("When did Michel say China has a special responsibility?", "beijing.txt").text).toMatch(
      /^7 December 2023, the date the metadata infers for the EU–China summit in Beijing: “European Council President Charles Michel said/,
    );
    expect(answer("When did Xi arrive in France?", "paris.txt").citations[0]?.quote).toContain("May 5");
  });

  it("declines off-topic questions that only share a word", () => {
    expect(answer("What is the population of Hungary?").abstained).toBe(true);
    expect(answer("What did Xi say?", "paris.txt").text.startsWith(ABSTAIN_TEXT)).toBe(false);
  });
});

describe("yes/no", () => {
  it("says Yes only when a statement settles it", () => {
    expect(answer("Did Kallas call for a ceasefire in Gaza?", "brussels.txt").text).toMatch(/^Yes — “Kallas called for a ceasefire in Gaza/);
  });

  it("says No when the statement is negated", () => {
    expect(answer("Has Beijing issued a statement on the summit?", "beijing.txt").text).toMatch(/^No — “As of Friday, Beijing had not issued a statement/);
  });

  it("says No when a complete list leaves out what was asked", () => {
    expect(answer("Is Xi scheduled to travel to Italy after France?", "paris.txt").text).toMatch(/^No — “After France, the Chinese president is scheduled to travel to Serbia and Hungary\.”/);
  });

  it("says the articles don't say when nothing settles it", () => {
    const a = answer("Did Kallas and Wang Yi sign a trade agreement?", "brussels.txt");
    expect(a.abstained).toBe(true);
    expect(a.text).not.toMatch(/^(?:Yes|No) —/);
  });
});

describe("meetings and dates from the metadata", () => {
  it("names the meeting, its place and its date for 'which meeting'", () => {
    const a = answer("At which meeting did Kallas call for a ceasefire in Gaza?", "brussels.txt");
    expect(a.text).toMatch(/^At the EU–China Strategic Dialogue, Brussels, Belgium, July 2025 \(date inferred\): “Kallas called for a ceasefire/);
  });

  it("dates a meeting the sentence does not date, saying the date is inferred", () => {
    const a = answer("When did Kallas meet Wang Yi?", "brussels.txt");
    expect(a.text).toMatch(/^July 2025, the date the metadata infers for the EU–China Strategic Dialogue: “/);
  });
});

describe("questions in two parts", () => {
  it("answers each part on its own line with its own citation", () => {
    const a = answer("When did Xi arrive in France, and what did von der Leyen say about dual-use goods?", "paris.txt");
    expect(a.coverage).toBe("full");
    const lines = a.text.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/May 5.*\[1\]$/);
    expect(lines[1]).toMatch(/dual-use goods.*\[2\]$/);
  });

  it("says which part the articles do not cover", () => {
    const a = answer("When did Xi arrive in France, and what did Wang Yi say about Serbia?", "paris.txt");
    expect(a.coverage).toBe("partial");
    const [first, second] = a.text.split("\n");
    expect(first).toContain("May 5");
    expect(second).toMatch(/^The articles don't quote Wang Yi on Serbia\./);
  });
});
