import { createHash } from "node:crypto";
import type { Corpus } from "../corpus/load-corpus.js";
import { sentenceSpans } from "../text/sentences.js";
import { normaliseWord, termOf, terms } from "../text/terms.js";
import { attributeArticle } from "./attribution.js";
import { buildGazetteer, findEntities, indexEntities, withContainedPlaces, normName, type Entity, type EntityKind, type EntityMatch, type Gazetteer } from "./gazetteer.js";
import { NEWS_SYNONYMS, SPEECH_GAP_WORDS, SPEECH_VERBS } from "./lexicon.js";
import { acronymDefinitions, midSentenceCapitals, nameMentions, tokens, type AcronymDefinition, type NameMention } from "./names.js";
import type { Nlp } from "./nlp.js";
import { sentenceRoles, type SentenceRole } from "./roles.js";

/*
 * What the answer step knows about the corpus beyond its words, built at
 * ingest and saved with the index: for every sentence its role, the
 * entities it mentions, who speaks in it and to whom; the gazetteer of people,
 * organisations and places with their aliases; the synonym groups of the
 * alias file. Events and their dates stay in the metadata (corpus.events).
 */

/**
 * Bump when the rules here change what is built: the manifest records it, and
 * an index built by other rules is rebuilt.
 */
export const KNOWLEDGE_VERSION = 10;

export interface SentenceFacts {
  readonly start: number;
  readonly end: number;
  readonly role: SentenceRole;
  /** Entity ids mentioned, pronouns resolved. */
  readonly entities: readonly number[];
  readonly speakers: readonly number[];
  readonly addressees: readonly number[];
}

export interface CorpusKnowledge {
  readonly gazetteer: Gazetteer;
  /** Sentences of each article, in order. */
  readonly articles: ReadonlyMap<string, readonly SentenceFacts[]>;
  /** Term -> the terms it may be replaced by (synonym groups of the alias file). */
  readonly synonyms: ReadonlyMap<string, readonly string[]>;
  /** A phrase of a synonym group, as its words' forms ("see eye to eye", "get to") -> the group's other terms. */
  readonly phrases: ReadonlyMap<string, readonly string[]>;
  /** Identifies what it was built from (rules, articles, metadata, alias file). */
  readonly fingerprint: string;
}

/**
 * What decides the knowledge: the rules' version, the built-in word lists
 * (synonym groups, speech verbs: editing them reaches existing indexes without a version bump), the
 * articles' hashes, the metadata and the alias file.
 */
export function knowledgeFingerprint(corpus: Corpus): string {
  const h = createHash("sha256");
  h.update(`v${KNOWLEDGE_VERSION}\n`);
  h.update(`${JSON.stringify([NEWS_SYNONYMS, [...SPEECH_VERBS], [...SPEECH_GAP_WORDS]])}\n`);
  for (const a of corpus.articles) h.update(`${a.source}\t${a.hash}\t${JSON.stringify(a.meta.peopleQuoted.value)}\t${a.meta.place.value ?? ""}\n`);
  h.update(JSON.stringify(corpus.events));
  h.update(JSON.stringify(corpus.aliases));
  return `v${KNOWLEDGE_VERSION}:${h.digest("hex").slice(0, 16)}`;
}

const isTitleCase = (sentence: string) => {
  const words = sentence.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  return words.length >= 3 && words.filter((w) => /^\p{Lu}/u.test(w)).length > words.length * 0.6;
};

/**
 * Whether a reporting verb follows the mention (over words such as "also", "has", or an apposition:
 * "Lena Holm, a senior fellow at the Nordic Institute, said") or precedes it ("said X").
 */
function speaks(text: string, m: NameMention): boolean {
  const window = text.slice(m.end, Math.min(text.length, m.end + 160));
  const apposition = /^,[^,.;"“”]{1,120},\s+(?:said|says|told|added|warned|noted|stressed|argued|urged|insisted|cautioned)\b/.exec(window);
  if (apposition) return true;
  const after = tokens(window);
  for (const t of after.slice(0, 4)) {
    if (/[^\p{L}\p{N}\s'’]/u.test(window.slice(0, t.start))) break;
    if (SPEECH_VERBS.has(t.word.toLowerCase())) return true;
    if (!SPEECH_GAP_WORDS.has(t.norm)) break;
  }
  const before = tokens(text.slice(Math.max(0, m.start - 12), m.start)).at(-1);
  return before !== undefined && SPEECH_VERBS.has(before.word.toLowerCase());
}

export function buildKnowledge(corpus: Corpus, nlp: Nlp): CorpusKnowledge {
  const perArticle = corpus.articles.map((a) => {
    const spans = sentenceSpans(a.text);
    return { article: a, spans, roles: sentenceRoles(a.text, spans) };
  });
  const midCaps = new Set<string>();
  for (const { article, spans, roles } of perArticle) {
    spans.forEach((s, i) => {
      if (roles[i] === "body") for (const w of midSentenceCapitals(article.text, s.start, s.end)) midCaps.add(w);
    });
  }
  const ctx = { nlp, midCaps };
  const mentions: { source: string; mention: NameMention }[] = [];
  const acronyms: AcronymDefinition[] = [];
  const speakerNames = new Set<string>();
  for (const { article, spans, roles } of perArticle) {
    acronyms.push(...acronymDefinitions(article.text));
    spans.forEach((s, i) => {
      const role = roles[i];
      if (role === "boilerplate") return;
      const sentence = article.text.slice(s.start, s.end);
      for (const m of nameMentions(article.text, s.start, s.end, ctx, role === "headline" && isTitleCase(sentence))) {
        mentions.push({ source: article.source, mention: m });
        if (role === "body" && speaks(article.text, m)) speakerNames.add(normName(m.name));
      }
    });
  }
  // A photo credit "(Kiran Ridley/Getty Images)" names a photographer and an agency.
  const credits = perArticle.flatMap(({ article, spans, roles }) =>
    spans.flatMap((s, i) => {
      if (roles[i] !== "caption") return [];
      const m = /\(([\p{Lu}][\p{L}'’.-]*(?:\s+[\p{Lu}][\p{L}'’.-]*){1,3})\s*\/\s*([^()/]+?)\)\s*$/u.exec(article.text.slice(s.start, s.end));
      return m?.[1] && m[2] ? [{ person: m[1], agency: m[2].trim() }] : [];
    }),
  );
  const people = [...corpus.articles.flatMap((a) => a.meta.peopleQuoted.value), ...corpus.events.flatMap((e) => e.participants), ...credits.map((c) => c.person)];
  const places = [...corpus.articles.map((a) => a.meta.place.value), ...corpus.events.map((e) => e.place.value)].filter((p): p is string => p !== null);
  const gazetteer = buildGazetteer({ mentions, acronyms, speakerNames, people, places, organisations: credits.map((c) => c.agency), aliases: corpus.aliases.aliases }, nlp);

  const articles = new Map<string, SentenceFacts[]>();
  for (const { article, spans, roles } of perArticle) {
    const inputs = spans.map((s, i) => {
      const words = tokens(article.text.slice(s.start, s.end), s.start);
      const found = roles[i] === "boilerplate" ? [] : findEntities(gazetteer, "", nlp, { tokens: words, caseSensitive: true });
      return { start: s.start, end: s.end, body: roles[i] === "body", tokens: words, matches: withContainedPlaces(gazetteer, withoutTitlesOfNames(found)) };
    });
    const attributed = attributeArticle(article.text, inputs, gazetteer.entities);
    articles.set(
      article.source,
      spans.map((s, i) => ({ start: s.start, end: s.end, role: roles[i] ?? "body", ...(attributed[i] ?? { entities: [], speakers: [], addressees: [] }) })),
    );
  }
  const groups = [...NEWS_SYNONYMS, ...corpus.aliases.synonyms];
  return { gazetteer, articles, synonyms: synonymMap(groups), phrases: phraseMap(groups), fingerprint: knowledgeFingerprint(corpus) };
}

/**
 * "European Council President Charles Michel": the title (which two people of
 * the corpus hold) is the name's, not a mention of its own.
 */
export function withoutTitlesOfNames(matches: readonly EntityMatch[]): EntityMatch[] {
  return matches.filter((m, i) => {
    const next = matches[i + 1];
    return !(next && next.start - m.end <= 1 && m.ids.length > 1 && next.ids.every((id) => m.ids.includes(id)));
  });
}

// ("talk": "talk to" is not "talks", the meeting; a verb's other forms too: "getting at" is not "get")
const LIGHT_VERBS = new Set(["put", "get", "go", "take", "make", "hand", "sign", "set", "come", "give", "keep", "look", "bring", "turn", "cut", "sit", "talk"]);
const lightPhrase = (member: string) => {
  const words = member.trim().split(/\s+/);
  const first = words[0] ?? "";
  return words.length > 1 && terms(member).length === 1 && (LIGHT_VERBS.has(first.toLowerCase()) || LIGHT_VERBS.has(termOf(first) ?? ""));
};

/** Each term of a synonym group, mapped to the other members' terms (a phrase becomes its terms joined by a space). */
export function synonymMap(groups: readonly (readonly string[])[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const group of groups) {
    // A phrase of a light verb and stopwords ("put up with", "sign up") is not that verb ("put", "sign"):
    // such phrases are matched as phrases (phraseMap). "refer to as" still stands for "refer".
    const forms = [...new Set(group.filter((g) => !lightPhrase(g)).map((g) => terms(g).join(" ")).filter(Boolean))];
    for (const f of forms) out.set(f, [...new Set([...(out.get(f) ?? []), ...forms.filter((o) => o !== f)])]);
  }
  return out;
}

/** A word's form for matching phrases: its term, or the word itself when it is a stopword ("to", "over"). */
export const wordForm = (word: string) => termOf(word) ?? normaliseWord(word);

/**
 * The phrases of synonym groups ("see eye to eye", "go over"), keyed by their words' forms, to the
 * terms of the group's other members. Their words alone say little ("go", "eye"); the phrase does.
 */
export function phraseMap(groups: readonly (readonly string[])[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const group of groups) {
    for (const member of group) {
      const words = tokens(member);
      if (words.length < 2) continue;
      const key = words.map((w) => wordForm(w.word)).join(" ");
      const others = group.filter((g) => g !== member).map((g) => terms(g).join(" ")).filter(Boolean);
      out.set(key, [...new Set([...(out.get(key) ?? []), ...others])]);
    }
  }
  return out;
}

// ---- On disk --------------------------------------------------------------

const ROLES: readonly SentenceRole[] = ["body", "headline", "caption", "boilerplate"];
const KINDS: readonly EntityKind[] = ["person", "organisation", "place", "other"];

interface KnowledgeFile {
  readonly version: number;
  readonly fingerprint: string;
  /** [name, kind index, aliases] */
  readonly entities: [string, number, string[]][];
  /** source -> [start, end, role index, entities, speakers, addressees][] */
  readonly articles: Record<string, [number, number, number, number[], number[], number[]][]>;
  readonly synonyms: [string, string[]][];
  readonly phrases: [string, string[]][];
}

export function serializeKnowledge(k: CorpusKnowledge): string {
  const file: KnowledgeFile = {
    version: KNOWLEDGE_VERSION,
    fingerprint: k.fingerprint,
    entities: k.gazetteer.entities.map((e) => [e.name, KINDS.indexOf(e.kind), [...e.aliases]]),
    articles: Object.fromEntries(
      [...k.articles].map(([source, sentences]) => [
        source,
        sentences.map((s) => [s.start, s.end, ROLES.indexOf(s.role), [...s.entities], [...s.speakers], [...s.addressees]]),
      ]),
    ),
    synonyms: [...k.synonyms].map(([t, alts]) => [t, [...alts]]),
    phrases: [...k.phrases].map(([t, alts]) => [t, [...alts]]),
  };
  return JSON.stringify(file);
}

/** Reads knowledge.json; throws on anything malformed (the index is then rebuilt). */
export function deserializeKnowledge(json: string): CorpusKnowledge {
  const file = JSON.parse(json) as KnowledgeFile;
  if (file.version !== KNOWLEDGE_VERSION || typeof file.fingerprint !== "string" || !Array.isArray(file.entities)) {
    throw new Error(`knowledge.json has version ${String(file.version)}; expected ${KNOWLEDGE_VERSION}`);
  }
  const entities: Entity[] = file.entities.map(([name, kind, aliases], id) => ({ id, name, kind: KINDS[kind] ?? "other", aliases }));
  const articles = new Map<string, SentenceFacts[]>();
  for (const [source, rows] of Object.entries(file.articles)) {
    articles.set(
      source,
      rows.map(([start, end, role, ents, speakers, addressees]) => ({ start, end, role: ROLES[role] ?? "body", entities: ents, speakers, addressees })),
    );
  }
  return { gazetteer: indexEntities(entities), articles, synonyms: new Map(file.synonyms), phrases: new Map(file.phrases), fingerprint: file.fingerprint };
}
