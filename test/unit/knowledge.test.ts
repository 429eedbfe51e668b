import { beforeAll, describe, expect, it } from "vitest";
import type { AliasData } from "../../src/corpus/aliases.js";
import type { Corpus } from "../../src/corpus/load-corpus.js";
import { inferMeta } from "../../src/corpus/metadata.js";
import { buildKnowledge, deserializeKnowledge, knowledgeFingerprint, serializeKnowledge, synonymMap, type CorpusKnowledge } from "../../src/knowledge/build.js";
import { findEntities, indexEntities, type Entity } from "../../src/knowledge/gazetteer.js";
import { loadNlp, type Nlp } from "../../src/knowledge/nlp.js";
import { sentenceRoles } from "../../src/knowledge/roles.js";
import { sentenceSpans } from "../../src/text/sentences.js";
import { terms } from "../../src/text/terms.js";
import type { ArticleMeta } from "../../src/types.js";
import { smallCorpus } from "../fixtures/corpus-view.js";

/*
 * The corpus knowledge on small articles written for the test (invented
 * people and places): sentence roles, the gazetteer and its aliases, the
 * entity matcher, who speaks in each sentence, and the knowledge file.
 */

let nlp: Nlp;

beforeAll(async () => {
  nlp = await loadNlp();
});

interface CorpusOptions {
  readonly aliases?: AliasData;
  readonly meta?: Readonly<Record<string, Partial<ArticleMeta>>>;
}

function corpusOf(texts: Readonly<Record<string, string>>, options: CorpusOptions = {}): Corpus {
  return {
    articles: Object.entries(texts).map(([source, text]) => ({
      source,
      text,
      hash: `hash-of-${source}`,
      modifiedMs: 0,
      size: text.length,
      meta: { ...inferMeta(text, source), ...(options.meta?.[source] ?? {}) },
    })),
    events: [],
    skipped: [],
    aliases: options.aliases ?? { aliases: {}, synonyms: [] },
  };
}

const knowledgeOf = (texts: Readonly<Record<string, string>>, options: CorpusOptions = {}) => buildKnowledge(corpusOf(texts, options), nlp);

/** The entity `name` is the canonical name of (fails the test when there is none). */
function entity(k: CorpusKnowledge, name: string): Entity {
  const e = k.gazetteer.entities.find((x) => x.name === name);
  if (!e) throw new Error(`no entity named ${name}; have ${k.gazetteer.entities.map((x) => x.name).join(", ")}`);
  return e;
}

/** Names of the entities an alias finds. */
const byAlias = (k: CorpusKnowledge, alias: string) => (k.gazetteer.byAlias.get(alias) ?? []).map((id) => k.gazetteer.entities[id]?.name);

/** The facts of the one sentence of article `source` that starts with `opening`, with entity names instead of ids. */
function sentence(k: CorpusKnowledge, texts: Readonly<Record<string, string>>, source: string, opening: string) {
  const text = texts[source] ?? "";
  const found = (k.articles.get(source) ?? []).filter((s) => text.slice(s.start, s.end).startsWith(opening));
  if (found.length !== 1) throw new Error(`${found.length} sentences of ${source} start with ${opening}`);
  const s = found[0] as NonNullable<(typeof found)[0]>;
  const names = (ids: readonly number[]) => ids.map((id) => k.gazetteer.entities[id]?.name);
  return { role: s.role, entities: names(s.entities), speakers: names(s.speakers), addressees: names(s.addressees) };
}

/** Role of each sentence, keyed by its text. */
function roles(text: string): [string, string][] {
  const spans = sentenceSpans(text);
  const r = sentenceRoles(text, spans);
  return spans.map((s, i) => [text.slice(s.start, s.end), r[i] ?? "?"]);
}

describe("sentence roles", () => {
  it("marks a title-case first line without final punctuation as the headline", () => {
    const text = "Nordic Leaders Back New Arctic Shipping Rules\nThe ministers met on Tuesday to discuss the rules.";
    expect(roles(text)).toEqual([
      ["Nordic Leaders Back New Arctic Shipping Rules", "headline"],
      ["The ministers met on Tuesday to discuss the rules.", "body"],
    ]);
  });

  it("marks a line ending with a (Name/Agency) photo credit as a caption, every sentence of it", () => {
    const text = "Talks Resume In Oslo\nA cargo ship sails near the harbour. (Kari Nilsen/Nordic Press)\nThe talks resumed on Monday.";
    expect(roles(text)).toEqual([
      ["Talks Resume In Oslo", "headline"],
      ["A cargo ship sails near the harbour.", "caption"],
      ["(Kari Nilsen/Nordic Press)", "caption"],
      ["The talks resumed on Monday.", "body"],
    ]);
  });

  it("marks page furniture as boilerplate: Read also, newsletter prompts, comment forms, agency credits", () => {
    const text = [
      "Talks Resume In Oslo",
      "The talks resumed on Monday.",
      "Read also: Why the Arctic matters to everyone",
      "Sign up for our daily newsletter.",
      "Subscribe to get the latest stories.",
      "Leave a Reply",
      "(With inputs from agencies)",
      "The delegates left on Tuesday.",
    ].join("\n");
    expect(roles(text)).toEqual([
      ["Talks Resume In Oslo", "headline"],
      ["The talks resumed on Monday.", "body"],
      ["Read also: Why the Arctic matters to everyone", "boilerplate"],
      ["Sign up for our daily newsletter.", "boilerplate"],
      ["Subscribe to get the latest stories.", "boilerplate"],
      ["Leave a Reply", "boilerplate"],
      ["(With inputs from agencies)", "boilerplate"],
      ["The delegates left on Tuesday.", "body"],
    ]);
  });

  it("marks a 'Related coverage:' header and the link lines under it as boilerplate, up to the first line of text", () => {
    const text = [
      "The talks resumed on Monday.",
      "Related coverage:",
      "Arctic ice melts faster than expected",
      "Shipping lanes open early this year",
      "The delegates left on Tuesday.",
    ].join("\n");
    expect(roles(text)).toEqual([
      ["The talks resumed on Monday.", "body"],
      ["Related coverage:", "boilerplate"],
      ["Arctic ice melts faster than expected", "boilerplate"],
      ["Shipping lanes open early this year", "boilerplate"],
      ["The delegates left on Tuesday.", "body"],
    ]);
  });

  it("marks ordinary sentences, several to a line, as body", () => {
    const text = "Ravi Menon arrived in Oslo on Monday. He met the delegates. Talks went on late into the night.";
    expect(roles(text).map(([, role]) => role)).toEqual(["body", "body", "body"]);
  });
});

describe("gazetteer", () => {
  it("gives a person named after a title the title's aliases", () => {
    const k = knowledgeOf({ "a.txt": "On Tuesday, Finnish Foreign Minister Aino Virtanen spoke in Helsinki.\nVirtanen said the talks were frank." });
    const virtanen = entity(k, "Aino Virtanen");
    expect(virtanen.kind).toBe("person");
    expect(virtanen.aliases).toEqual(expect.arrayContaining(["aino virtanen", "finnish foreign minister", "foreign minister"]));
    // One role word alone names too many people to be an alias.
    expect(virtanen.aliases).not.toContain("minister");
  });

  it("qualifies a title with the possessor written before it ('Timor-Leste's Foreign Minister')", () => {
    const k = knowledgeOf({ "a.txt": "The talks ended, Timor-Leste's Foreign Minister Aurelio Soares said on Friday." });
    expect(entity(k, "Aurelio Soares").aliases).toEqual(expect.arrayContaining(["timor leste foreign minister", "foreign minister"]));
  });

  it("gives the title of 'Senegal's Minister of Foreign Affairs, Aminata Ndiaye-Faye, told …' to the name in commas, not a person of its own", () => {
    const texts = { "a.txt": '"Visas are not a reward," Senegal\'s Minister of Foreign Affairs, Aminata Ndiaye-Faye, told a news conference.' };
    const k = knowledgeOf(texts);
    expect(entity(k, "Aminata Ndiaye-Faye").aliases).toEqual(expect.arrayContaining(["senegal minister of foreign affairs", "senegalese minister of foreign affairs"]));
    expect(k.gazetteer.entities.some((e) => e.name.startsWith("Minister"))).toBe(false);
    expect(sentence(k, texts, "a.txt", '"Visas').speakers).toEqual(["Aminata Ndiaye-Faye"]);
  });

  it("gives the title in commas after a name ('…, the AU's commissioner for energy, said') to the person", () => {
    const k = knowledgeOf({ "a.txt": "Kwabena Asante-Mensah, the AU's commissioner for energy, said the deal was fair. Asante-Mensah left." });
    expect(entity(k, "Kwabena Asante-Mensah").aliases).toEqual(expect.arrayContaining(["au commissioner for energy", "au commissioner"]));
  });

  it("gives the demonym's country form of a title, keeps a known first name out of the title, and a portfolio's words out of the name", () => {
    const k = knowledgeOf({
      "a.txt": "Uruguayan Foreign Minister Lucía Ferreyra Olmos met Minister for Digital Transformation Haruka Tsujimoto.\nFerreyra Olmos said the talks went well.",
    });
    expect(entity(k, "Lucía Ferreyra Olmos").aliases).toEqual(expect.arrayContaining(["uruguayan foreign minister", "uruguay foreign minister"]));
    expect(entity(k, "Haruka Tsujimoto").aliases).toEqual(expect.arrayContaining(["minister for digital transformation"]));
  });

  it("gives a person the parts of their name: first name and surname", () => {
    const k = knowledgeOf({ "a.txt": "Foreign Minister Aino Virtanen spoke in Helsinki." });
    expect(entity(k, "Aino Virtanen").aliases).toEqual(expect.arrayContaining(["aino", "virtanen"]));
    expect(byAlias(k, "virtanen")).toEqual(["Aino Virtanen"]);
    expect(byAlias(k, "aino")).toEqual(["Aino Virtanen"]);
  });

  it("gives a surname with a particle as one alias, and resolves it used alone to the same person", () => {
    const texts = {
      "a.txt": "Dutch Trade Minister Pieter van den Broek arrived in Oslo.\nVan den Broek said the talks were frank.",
    };
    const k = knowledgeOf(texts);
    const broek = entity(k, "Pieter van den Broek");
    expect(broek.kind).toBe("person");
    expect(broek.aliases).toEqual(expect.arrayContaining(["van den broek", "pieter", "trade minister", "dutch trade minister"]));
    // The particles alone are no alias, and "Van den Broek" is no second person.
    expect(broek.aliases).not.toContain("van");
    expect(broek.aliases).not.toContain("den");
    expect(k.gazetteer.entities.filter((e) => e.kind === "person").map((e) => e.name)).toEqual(["Pieter van den Broek"]);
    expect(sentence(k, texts, "a.txt", "Van den Broek said").speakers).toEqual(["Pieter van den Broek"]);
  });

  it("keeps a hyphenated surname one name, and finds the person by it", () => {
    const texts = { "a.txt": "Trade Commissioner Amara Diallo-Mensah met delegates in Oslo.\nDiallo-Mensah said the talks were frank." };
    const k = knowledgeOf(texts);
    const amara = entity(k, "Amara Diallo-Mensah");
    expect(amara.kind).toBe("person");
    expect(amara.aliases).toEqual(expect.arrayContaining(["amara diallo mensah", "trade commissioner"]));
    expect(sentence(k, texts, "a.txt", "Diallo-Mensah said").speakers).toEqual(["Amara Diallo-Mensah"]);
  });

  it("resolves a person later named by surname alone to the same entity, not a new one", () => {
    const texts = {
      "a.txt": "Foreign Minister Aino Virtanen spoke in Helsinki.\nOn Wednesday, Virtanen travelled to Tallinn.",
    };
    const k = knowledgeOf(texts);
    expect(k.gazetteer.entities.map((e) => e.name)).not.toContain("Virtanen");
    expect(sentence(k, texts, "a.txt", "On Wednesday").entities).toContain("Aino Virtanen");
  });

  it("makes an acronym defined in brackets an alias of its full name", () => {
    const texts = { "a.txt": "The Nordic Maritime Safety Agency (NMSA) issued a note.\nThe NMSA said the lanes were safe." };
    const k = knowledgeOf(texts);
    const agency = entity(k, "Nordic Maritime Safety Agency");
    expect(agency.kind).toBe("organisation");
    expect(agency.aliases).toEqual(expect.arrayContaining(["nordic maritime safety agency", "nmsa"]));
    expect(k.gazetteer.entities.map((e) => e.name)).not.toContain("NMSA");
    expect(sentence(k, texts, "a.txt", "The NMSA said").speakers).toEqual(["Nordic Maritime Safety Agency"]);
  });

  it("merges 'EU' into 'European Union' when both occur", () => {
    const k = knowledgeOf({ "a.txt": "Leaders of the European Union met in Tallinn.\nThe EU wants fairer trade." });
    expect(byAlias(k, "eu")).toEqual(["European Union"]);
    expect(byAlias(k, "european union")).toEqual(["European Union"]);
    expect(k.gazetteer.entities.map((e) => e.name)).not.toContain("EU");
  });

  it("keeps 'EU' its own entity when no full name with those initials occurs", () => {
    const k = knowledgeOf({ "a.txt": "The EU wants fairer trade with Norway." });
    expect(byAlias(k, "eu")).toEqual(["EU"]);
    expect(entity(k, "EU").kind).toBe("organisation");
  });

  // "and" inside an institution's name ("Foreign Affairs and Security Policy") joins; before a name of
  // its own (a place, an acronym) it starts another one.
  it("reads 'The European Union and China' as two names", () => {
    const k = knowledgeOf({ "a.txt": "The European Union and China held talks.\nThe EU wants fairer trade." });
    expect(k.gazetteer.entities.map((e) => e.name)).not.toContain("European Union and China");
    expect(byAlias(k, "eu")).toEqual(["European Union"]);
    expect(byAlias(k, "china")).toEqual(["China"]);
  });

  it("makes a demonym an alias of its country when the country is named, and only then", () => {
    const named = knowledgeOf({ "a.txt": "Poland wants a deal.\nPolish officials agreed on Monday." });
    expect(entity(named, "Poland").kind).toBe("place");
    expect(byAlias(named, "polish")).toEqual(["Poland"]);
    const unnamed = knowledgeOf({ "a.txt": "Talks went on in Tallinn.\nPolish officials agreed on Monday." });
    expect(unnamed.gazetteer.byAlias.has("polish")).toBe(false);
  });

  it("makes a capital the articles never name an alias of its country, and relates a named capital to its country", () => {
    const countryOnly = knowledgeOf({ "a.txt": "Poland wants a deal." });
    expect(byAlias(countryOnly, "warsaw")).toEqual(["Poland"]);

    const both = knowledgeOf({ "a.txt": "Poland wants a deal.\nOfficials met in Warsaw on Monday." });
    const poland = entity(both, "Poland");
    const warsaw = entity(both, "Warsaw");
    expect(poland.aliases).not.toContain("warsaw");
    expect(both.gazetteer.countryOf.get(warsaw.id)).toBe(poland.id);
    expect(both.gazetteer.related.get(poland.id)).toEqual([warsaw.id]);
  });

  it("adds the curated alias file's aliases to the entity they name", () => {
    const text = "Foreign Minister Aino Virtanen spoke in Helsinki.";
    const without = knowledgeOf({ "a.txt": text });
    expect(without.gazetteer.byAlias.has("av")).toBe(false);
    const k = knowledgeOf({ "a.txt": text }, { aliases: { aliases: { "Aino Virtanen": ["AV"] }, synonyms: [] } });
    expect(byAlias(k, "av")).toEqual(["Aino Virtanen"]);
    expect(entity(k, "Aino Virtanen").kind).toBe("person");
  });

  it("tells people, organisations and places apart", () => {
    const k = knowledgeOf({
      "a.txt": "Foreign Minister Aino Virtanen spoke at the Nordic Institute in Helsinki.\nThe Baltic Sea was calm.",
    });
    expect(entity(k, "Aino Virtanen").kind).toBe("person");
    expect(entity(k, "Nordic Institute").kind).toBe("organisation");
    expect(entity(k, "Helsinki").kind).toBe("place");
    expect(entity(k, "Baltic Sea").kind).toBe("place");
  });

  it("makes a person of a two-word name that speaks, and of a name the metadata lists", () => {
    const k = knowledgeOf(
      { "a.txt": "Ravi Menon said the talks were frank.\nThe delegates thanked Lena Holm." },
      { meta: { "a.txt": { peopleQuoted: { value: ["Lena Holm"], basis: "stated" } } } },
    );
    expect(entity(k, "Ravi Menon").kind).toBe("person");
    expect(entity(k, "Lena Holm").kind).toBe("person");
    expect(entity(k, "Ravi Menon").aliases).toEqual(expect.arrayContaining(["ravi", "menon"]));
  });
});

describe("findEntities", () => {
  const entities: Entity[] = [
    { id: 0, name: "Nordic Institute", kind: "organisation", aliases: ["nordic institute", "ni"] },
    { id: 1, name: "Nordic Institute of Maritime Law", kind: "organisation", aliases: ["nordic institute of maritime law"] },
    { id: 2, name: "Oskari Young", kind: "person", aliases: ["oskari young", "young", "oskari"] },
    { id: 3, name: "Nordic", kind: "other", aliases: ["nordic"] },
  ];
  const g = indexEntities(entities);

  it("takes the longest alias that matches, left to right, with offsets in the text", () => {
    const text = "The Nordic Institute of Maritime Law and the Nordic Institute agreed.";
    const found = findEntities(g, text, nlp);
    expect(found.map((m) => [m.alias, m.ids, text.slice(m.start, m.end)])).toEqual([
      ["nordic institute of maritime law", [1], "Nordic Institute of Maritime Law"],
      ["nordic institute", [0], "Nordic Institute"],
    ]);
  });

  it("adds the offset to the positions it reports", () => {
    const found = findEntities(g, "Oskari Young spoke.", nlp, { offset: 100 });
    expect(found).toEqual([{ ids: [2], start: 100, end: 112, alias: "oskari young" }]);
  });

  it("with caseSensitive, counts a one-word alias that is a common word only when capitalised", () => {
    expect(nlp.isCommonWord("young")).toBe(true);
    const text = "Young said young people and the ni staff should vote.";
    expect(findEntities(g, text, nlp).map((m) => m.alias)).toEqual(["young", "young", "ni"]);
    const strict = findEntities(g, text, nlp, { caseSensitive: true });
    expect(strict.map((m) => [m.alias, text.slice(m.start, m.end)])).toEqual([["young", "Young"]]);
  });

  it("with caseSensitive, still matches a lower-case multi-word alias and a lower-case rare name", () => {
    expect(nlp.isCommonWord("oskari")).toBe(false);
    const text = "oskari young met the nordic institute staff; oskari stayed.";
    expect(findEntities(g, text, nlp, { caseSensitive: true }).map((m) => m.alias)).toEqual(["oskari young", "nordic institute", "oskari"]);
  });
});

describe("attribution", () => {
  it("'X said …' makes X the speaker", () => {
    const texts = { "a.txt": "Foreign Minister Aino Virtanen arrived in Oslo.\nVirtanen said the talks were frank." };
    const k = knowledgeOf(texts);
    expect(sentence(k, texts, "a.txt", "Foreign Minister").speakers).toEqual([]);
    expect(sentence(k, texts, "a.txt", "Virtanen said").speakers).toEqual(["Aino Virtanen"]);
  });

  it("'“…,” said X' makes X the speaker", () => {
    const texts = { "a.txt": "Ravi Menon said little at first.\n“We agreed on a plan,” said Menon." };
    const k = knowledgeOf(texts);
    expect(sentence(k, texts, "a.txt", "“We agreed").speakers).toEqual(["Ravi Menon"]);
  });

  it("'according to X, …' makes X the speaker", () => {
    const texts = { "a.txt": "Foreign Minister Aino Virtanen arrived in Oslo.\nAccording to Virtanen, the deal is close." };
    const k = knowledgeOf(texts);
    expect(sentence(k, texts, "a.txt", "According to").speakers).toEqual(["Aino Virtanen"]);
  });

  it("resolves '“…,” she said' to the woman the sentence before named", () => {
    const texts = { "a.txt": "Trade Commissioner Marta Kowalczyk arrived in Vilnius on Monday.\n“We will not back down,” she said." };
    const k = knowledgeOf(texts);
    const s = sentence(k, texts, "a.txt", "“We will");
    expect(s.speakers).toEqual(["Marta Kowalczyk"]);
    expect(s.entities).toContain("Marta Kowalczyk");
  });

  it("does not let a person named inside the quotation take 'she said' from the woman named before", () => {
    const texts = {
      "a.txt": "Trade Commissioner Marta Kowalczyk arrived in Vilnius on Monday.\n“Chancellor Jonas Weber has been very helpful,” she said.",
    };
    const k = knowledgeOf(texts);
    expect(entity(k, "Jonas Weber").kind).toBe("person");
    const s = sentence(k, texts, "a.txt", "“Chancellor");
    expect(s.speakers).toEqual(["Marta Kowalczyk"]);
    expect(s.entities).toEqual(expect.arrayContaining(["Jonas Weber", "Marta Kowalczyk"]));
  });

  it("gives both sentences of a quotation that runs over two sentences the speaker named at its end", () => {
    const texts = {
      "a.txt": "Trade Commissioner Marta Kowalczyk met Chancellor Jonas Weber in Berlin.\nKowalczyk said the talks were useful.\n“The talks were long. We made progress,” Weber said.",
    };
    const k = knowledgeOf(texts);
    expect(sentence(k, texts, "a.txt", "“The talks were long.").speakers).toEqual(["Jonas Weber"]);
    expect(sentence(k, texts, "a.txt", "We made progress").speakers).toEqual(["Jonas Weber"]);
  });

  it("attributes the sentence that closes a quotation to the name after it, with a title in commas between name and verb", () => {
    const texts = { "a.txt": '"This is not aid. It is a partnership," Kwabena Asante-Mensah, the AU\'s commissioner for energy, told reporters.' };
    const k = knowledgeOf(texts);
    expect(sentence(k, texts, "a.txt", "It is a partnership").speakers).toEqual(["Kwabena Asante-Mensah"]);
  });

  it("gives a paragraph that only quotes the speaker of the paragraph before", () => {
    const texts = {
      "a.txt":
        "Trade Commissioner Marta Kowalczyk met Chancellor Jonas Weber in Berlin.\nWeber said the talks were long.\n“We expect more next year.”\nThe delegates left on Tuesday.",
    };
    const k = knowledgeOf(texts);
    expect(sentence(k, texts, "a.txt", "“We expect").speakers).toEqual(["Jonas Weber"]);
    // A paragraph that does not quote inherits no one.
    expect(sentence(k, texts, "a.txt", "The delegates").speakers).toEqual([]);
  });

  it("'X told Y that …' makes X the speaker and Y the addressee", () => {
    const texts = {
      "a.txt": "Trade Commissioner Marta Kowalczyk met Chancellor Jonas Weber in Berlin.\nKowalczyk told Weber that the deadline stood.",
    };
    const k = knowledgeOf(texts);
    const s = sentence(k, texts, "a.txt", "Kowalczyk told");
    expect(s.speakers).toEqual(["Marta Kowalczyk"]);
    expect(s.addressees).toEqual(["Jonas Weber"]);
  });

  it("resolves 'the minister said' to the last-named person whose title has 'minister'", () => {
    const texts = {
      "a.txt": [
        "Foreign Minister Aino Virtanen and Trade Commissioner Marta Kowalczyk met Defence Minister Olli Lehto.",
        "Kowalczyk arrived late.",
        "The minister said the deal was close.",
        "Virtanen left early.",
        "The minister said she was tired.",
      ].join("\n"),
    };
    const k = knowledgeOf(texts);
    // Kowalczyk was named last, but she is a commissioner: the last minister named is Lehto.
    expect(sentence(k, texts, "a.txt", "The minister said the deal").speakers).toEqual(["Olli Lehto"]);
    expect(sentence(k, texts, "a.txt", "The minister said she").speakers).toEqual(["Aino Virtanen"]);
  });

  it("resolves 'the commissioner said' to the person holding that title", () => {
    const texts = {
      "a.txt": "Trade Commissioner Marta Kowalczyk met Foreign Minister Aino Virtanen.\nThe commissioner said the deal was close.",
    };
    const k = knowledgeOf(texts);
    const s = sentence(k, texts, "a.txt", "The commissioner");
    expect(s.speakers).toEqual(["Marta Kowalczyk"]);
    expect(s.entities).toEqual(["Marta Kowalczyk"]);
  });

  it("'Lena Holm, a senior fellow at the Nordic Institute (NI), said …' makes the person the clause opens with the speaker", () => {
    const texts = { "a.txt": "Talks resumed in Tallinn.\nLena Holm, a senior fellow at the Nordic Institute (NI), said the plan was bold." };
    // Holm is known as a person through the metadata here; see the next test for the bare article.
    const k = knowledgeOf(texts, { meta: { "a.txt": { peopleQuoted: { value: ["Lena Holm"], basis: "stated" } } } });
    const s = sentence(k, texts, "a.txt", "Lena Holm,");
    expect(s.speakers).toEqual(["Lena Holm"]);
    expect(s.entities).toEqual(expect.arrayContaining(["Lena Holm", "Nordic Institute"]));
    expect(byAlias(k, "ni")).toEqual(["Nordic Institute"]);
  });

  // A name followed by an apposition and "said" speaks, so it is a person even without metadata.
  it("makes the apposition's subject the speaker without metadata", () => {
    const texts = { "a.txt": "Talks resumed in Tallinn.\nLena Holm, a senior fellow at the Nordic Institute (NI), said the plan was bold." };
    const k = knowledgeOf(texts);
    expect(sentence(k, texts, "a.txt", "Lena Holm,").speakers).toEqual(["Lena Holm"]);
  });

  it("does not take a name after the speech verb for the speaker when the sentence has one before it", () => {
    const texts = {
      "a.txt": "Foreign Minister Aino Virtanen met Trade Commissioner Marta Kowalczyk.\nVirtanen said Kowalczyk had been helpful.",
    };
    const k = knowledgeOf(texts);
    const s = sentence(k, texts, "a.txt", "Virtanen said");
    expect(s.speakers).toEqual(["Aino Virtanen"]);
    expect(s.entities).toEqual(expect.arrayContaining(["Aino Virtanen", "Marta Kowalczyk"]));
  });
});

describe("buildKnowledge and the knowledge file", () => {
  const texts: Record<string, string> = {
    "a.txt":
      "Nordic Ministers Agree On Arctic Shipping Rules\n" +
      "Foreign Minister Aino Virtanen met Trade Commissioner Marta Kowalczyk in Helsinki on Monday.\n" +
      "Virtanen told Kowalczyk that the rules would take effect next year.\n" +
      "Read also: Why the Arctic matters",
    "b.txt":
      "A cargo ship near Tallinn. (Kari Nilsen/Nordic Press)\n" +
      "The Nordic Maritime Safety Agency (NMSA) welcomed the rules.\n" +
      "“This is a good day,” Kowalczyk said.",
  };
  const aliases: AliasData = { aliases: { "Aino Virtanen": ["AV"] }, synonyms: [["snowplough", "gritter"]] };

  it("gives every sentence of every article its role, entities and speakers", async () => {
    const { corpus } = await smallCorpus(texts, { aliases });
    const k = buildKnowledge(corpus, nlp);
    expect([...k.articles.keys()].sort()).toEqual(["a.txt", "b.txt"]);
    // One entry per sentence, in order.
    for (const [source, facts] of k.articles) {
      const text = texts[source] ?? "";
      expect(facts.map((f) => text.slice(f.start, f.end))).toEqual(sentenceSpans(text).map((s) => text.slice(s.start, s.end)));
    }
    expect(sentence(k, texts, "a.txt", "Nordic Ministers").role).toBe("headline");
    expect(sentence(k, texts, "a.txt", "Foreign Minister")).toEqual({
      role: "body",
      entities: ["Aino Virtanen", "Marta Kowalczyk", "Helsinki"],
      speakers: [],
      addressees: [],
    });
    expect(sentence(k, texts, "a.txt", "Virtanen told")).toMatchObject({ role: "body", speakers: ["Aino Virtanen"], addressees: ["Marta Kowalczyk"] });
    expect(sentence(k, texts, "a.txt", "Read also")).toEqual({ role: "boilerplate", entities: [], speakers: [], addressees: [] });
    expect(sentence(k, texts, "b.txt", "A cargo ship").role).toBe("caption");
    expect(sentence(k, texts, "b.txt", "The Nordic Maritime")).toMatchObject({ role: "body", entities: ["Nordic Maritime Safety Agency"] });
    // A person named in one article speaks by surname in the other.
    expect(sentence(k, texts, "b.txt", "“This is")).toMatchObject({ role: "body", speakers: ["Marta Kowalczyk"] });
    expect(byAlias(k, "av")).toEqual(["Aino Virtanen"]);
    // Synonyms are kept as index terms (stemmed), each mapped to the others of its group.
    expect(k.synonyms.get(terms("snowplough").join(" "))).toEqual([terms("gritter").join(" ")]);
    // A light verb's phrase is matched as a phrase, not as the verb ("put up with" is not "put").
    expect(synonymMap([["tolerate", "put up with"], ["leave", "pull out"]]).get("put")).toBeUndefined();
    expect(synonymMap([["tolerate", "put up with"], ["leave", "pull out"]]).get("pull")).toEqual(["leav"]);
    // English news synonyms come built in, for every corpus, alias file or not.
    expect(k.synonyms.get(terms("truce").join(" "))).toContain(terms("ceasefire").join(" "));
    expect(k.synonyms.get(terms("protest").join(" "))).toContain(terms("demonstrate").join(" "));
    expect(k.fingerprint).toBe(knowledgeFingerprint(corpus));
  });

  it("round-trips through serializeKnowledge and deserializeKnowledge", () => {
    const k = knowledgeOf(texts, { aliases });
    // Every kind of fact is there to lose: speakers, addressees, several roles.
    const all = [...k.articles.values()].flat();
    expect(all.some((f) => f.addressees.length > 0) && all.some((f) => f.speakers.length > 0)).toBe(true);
    expect(new Set(all.map((f) => f.role))).toEqual(new Set(["headline", "body", "boilerplate", "caption"]));
    const back = deserializeKnowledge(serializeKnowledge(k));
    expect(back.fingerprint).toBe(k.fingerprint);
    expect(back.gazetteer.entities).toEqual(k.gazetteer.entities);
    expect(back.gazetteer.byAlias).toEqual(k.gazetteer.byAlias);
    expect(back.gazetteer.related).toEqual(k.gazetteer.related);
    expect(back.gazetteer.countryOf).toEqual(k.gazetteer.countryOf);
    expect(back.gazetteer.maxAliasWords).toBe(k.gazetteer.maxAliasWords);
    expect(back.articles).toEqual(k.articles);
    expect(back.synonyms).toEqual(k.synonyms);
    // And once more gives the same file.
    expect(serializeKnowledge(back)).toBe(serializeKnowledge(k));
  });

  it("refuses a knowledge file of another version", () => {
    const file = JSON.parse(serializeKnowledge(knowledgeOf(texts))) as { version: number };
    expect(() => deserializeKnowledge(JSON.stringify({ ...file, version: file.version + 1 }))).toThrow(/version/);
  });

  it("changes the fingerprint when the alias file or the metadata changes, and not otherwise", () => {
    const base = knowledgeFingerprint(corpusOf(texts, { aliases }));
    expect(base).toMatch(/^v\d+:[0-9a-f]{16}$/);
    // The same corpus built again, or read at another time: the same fingerprint.
    expect(knowledgeFingerprint(corpusOf(texts, { aliases }))).toBe(base);
    const touched = corpusOf(texts, { aliases });
    expect(knowledgeFingerprint({ ...touched, articles: touched.articles.map((a) => ({ ...a, modifiedMs: 12345 })) })).toBe(base);
    // A different alias file, or different synonyms.
    expect(knowledgeFingerprint(corpusOf(texts, { aliases: { ...aliases, aliases: { "Aino Virtanen": ["AV", "Aino V"] } } }))).not.toBe(base);
    expect(knowledgeFingerprint(corpusOf(texts, { aliases: { ...aliases, synonyms: [] } }))).not.toBe(base);
    // Different metadata: people quoted, the place.
    expect(
      knowledgeFingerprint(corpusOf(texts, { aliases, meta: { "a.txt": { peopleQuoted: { value: ["Lena Holm"], basis: "stated" } } } })),
    ).not.toBe(base);
    expect(knowledgeFingerprint(corpusOf(texts, { aliases, meta: { "b.txt": { place: { value: "Tallinn", basis: "stated" } } } }))).not.toBe(base);
    // A changed article (another hash).
    const edited = corpusOf(texts, { aliases });
    expect(knowledgeFingerprint({ ...edited, articles: edited.articles.map((a, i) => (i === 0 ? { ...a, hash: "other" } : a)) })).not.toBe(base);
  });
});
