import { normName, type EntityKind } from "../knowledge/gazetteer.js";
import type { SentenceRole } from "../knowledge/roles.js";
import { hasOpenQuote, type Span } from "../text/sentences.js";
import type { Passage, SummitEvent } from "../types.js";
import type { FocusTerm, QuestionAnalysis, QuestionEntity } from "./analyse-question.js";
import { DATE, DAY, QUANTITY, datedYears, withoutAmountsOf } from "./answer-type.js";
import { DEMONYMS, TITLE_WORDS } from "../knowledge/lexicon.js";
import { MENTIONS_KEPT, PREVIOUS_SENTENCE_WEIGHT, REFERS_BACK, continuesPrevious, sentenceContext, type CorpusView } from "./evidence.js";
import { terms } from "../text/terms.js";
import { LruMap } from "../util/lru.js";
import { tokens } from "../knowledge/names.js";
import { wordForm } from "../knowledge/build.js";

/*
 * Sentences that may answer a question, each scored and checked against what
 * the question asks: its focus words (IDF-weighted, with synonyms and the
 * words the sentence inherits from the one before it), every entity it names,
 * the speaker and addressee it asks about, the kind of answer it wants, and
 * its years. A sentence that reads on from the one before ("These measures,
 * she warned, …") is also tried together with it, as one quote.
 */

export interface Candidate {
  readonly source: string;
  /** The quoted span: one sentence, or two adjacent ones. */
  readonly span: Span;
  /** Indexes of its sentences in the article's analysis. */
  readonly sentences: readonly number[];
  readonly text: string;
  readonly role: SentenceRole;
  readonly terms: ReadonlySet<string>;
  readonly entities: ReadonlySet<number>;
  readonly speakers: ReadonlySet<number>;
  /** Share of the question's focus words' weight the candidate holds (its context counting partly). */
  readonly focus: number;
  /** Share of the weight of the focus words and the entities together. */
  readonly coverage: number;
  /** Holds the opposite of a word of a yes/no question ("deficit" for "surplus"). */
  readonly opposed: boolean;
  /** Passage score relative to the best passage. */
  readonly prior: number;
  readonly checks: Checks;
  readonly score: number;
}

export interface Checks {
  /** Every entity the question names is mentioned (or is the speaker, or is at the article's event). */
  readonly entities: boolean;
  /** The speaker asked about speaks here (true when no speaker is asked about). */
  readonly speaker: boolean;
  readonly addressee: boolean;
  /** Holds the kind of answer asked for (a date, an amount, a person not named in the question …). */
  readonly type: boolean;
  /**
   * No year of the question is contradicted, a question about what came later
   * ("next", "eventually") finds it reported, and one about what happened is not
   * answered by a plan ("is scheduled to travel").
   */
  readonly time: boolean;
  /** Holds a word of what the question says it is about. */
  readonly topic: boolean;
  /** Entities the question names that are missing. */
  readonly missing: readonly number[];
}

// How much a sentence's coverage of the question weighs against the rank of its passage.
const COVERAGE_WEIGHT = 0.75;
// Headlines and captions summarise; the body answers.
const ROLE_FACTOR: Readonly<Record<SentenceRole, number>> = { body: 1, headline: 0.7, caption: 0.6, boilerplate: 0 };
// A question word found elsewhere in the article sets the scene the sentence belongs to
// ("… before he landed in France in May 2024"); it counts for little.
const ARTICLE_CONTEXT_WEIGHT = 0.25;
// Sentences added because they name someone the question names and no retrieved passage does count as
// a passage half as relevant as the best.
const MENTIONED_PRIOR = 0.5;
// Two sentences quoted together are a longer quote: prefer one sentence that does as well.
const PAIR_FACTOR = 0.97;
// For "why …", a quote that gives a cause or a consequence ("These measures, she warned, pose risks …") is
// preferred to the one that only repeats what is asked about.
const GIVES_REASON =
  /\b(?:because|since|as a result|due to|owing to|so that|in order to|aim(?:s|ed)? to|to (?:help|avoid|ensure|protect|prevent|reduce|curb|sway|end)|risks?|threat(?:s|en|ens|ened)?|pose[sd]?|warn(?:s|ed)?|concerns?|fears?|worr(?:y|ies|ied)|lead to|led to|result(?:s|ed)? in|caus(?:e|es|ed))\b/i;
const REASON_BONUS = 0.04;

export function candidatesFor(q: QuestionAnalysis, passages: readonly Passage[], corpus: CorpusView): Candidate[] {
  const top = passages[0]?.score ?? 0;
  const best = new Map<string, number>(); // sentence key -> prior
  for (const p of passages) {
    const analysis = corpus.analysis(p.chunk.source);
    const prior = top > 0 ? p.score / top : 0;
    analysis.sentences.forEach((s, i) => {
      if (s.end <= p.chunk.start || s.start >= p.chunk.end) return;
      // The sentence after a passage's last one may be the one that answers ("These measures, she warned, …").
      for (const j of [i, i + 1]) {
        const key = `${p.chunk.source}\t${j}`;
        if (j < analysis.sentences.length && (best.get(key) ?? -1) < prior) best.set(key, j === i ? prior : prior * 0.9);
      }
    });
  }
  // Someone the question names whom no retrieved sentence names ("Who is Grzegorz Stec, the man quoted in …",
  // where the question's other words pull in other passages): the sentences that name them are candidates too.
  const sought = q.entities.filter((e) => !e.background);
  const retrieved = new Set<number>();
  if (sought.length > 0) {
    for (const key of best.keys()) {
      const [source = "", index] = key.split("\t");
      const f = corpus.analysis(source).facts[Number(index)];
      for (const id of [...(f?.entities ?? []), ...(f?.speakers ?? [])]) retrieved.add(id);
    }
  }
  for (const e of sought) {
    if (e.ids.some((id) => retrieved.has(id))) continue;
    for (const m of e.ids.flatMap((id) => corpus.mentions(id)).slice(0, MENTIONS_KEPT)) {
      const key = `${m.source}\t${m.sentence}`;
      if (!best.has(key)) best.set(key, MENTIONED_PRIOR);
    }
  }
  // "at the seventh round" when an article reports the eighth: another meeting (read once per article).
  const asked = numberedMeetings(q.text);
  const numbered = new Map<string, boolean>();
  const sameMeeting = (source: string) => {
    let ok = numbered.get(source);
    if (ok === undefined) {
      const event = corpus.eventOf(source);
      ok = asked.length === 0 || ordinalHolds(asked, `${corpus.article(source)?.text ?? ""} ${event?.name ?? ""}`);
      numbered.set(source, ok);
    }
    return ok;
  };
  const out: Candidate[] = [];
  for (const [key, prior] of best) {
    const [source = "", index] = key.split("\t");
    const i = Number(index);
    const single = candidate(q, corpus, source, [i], prior, sameMeeting(source));
    if (single) out.push(single);
    const analysis = corpus.analysis(source);
    const article = corpus.article(source);
    if (article && i > 0 && sameParagraph(analysis.sentences, article.text, i) && continuesPrevious(analysis, article.text, i) && analysis.facts[i - 1]?.role === "body") {
      const pair = candidate(q, corpus, source, [i - 1, i], prior, sameMeeting(source));
      if (pair) out.push(pair);
    }
  }
  return out.sort((a, b) => b.score - a.score || a.span.start - b.span.start);
}

const sentenceText = (sentences: readonly Span[], text: string, i: number) => {
  const s = sentences[i];
  return s ? text.slice(s.start, s.end) : "";
};

/** Sentence `i` and the one before it are in one paragraph (no line break between them). */
function sameParagraph(sentences: readonly Span[], text: string, i: number): boolean {
  const a = sentences[i - 1];
  const b = sentences[i];
  return a !== undefined && b !== undefined && !/[\r\n]/.test(text.slice(a.end, b.start));
}

function candidate(q: QuestionAnalysis, corpus: CorpusView, source: string, indexes: readonly number[], prior: number, sameMeeting: boolean): Candidate | null {
  const article = corpus.article(source);
  if (!article) return null;
  const analysis = corpus.analysis(source);
  const facts = indexes.map((i) => analysis.facts[i]);
  if (facts.some((f) => !f || f.role === "boilerplate")) return null;
  const first = analysis.sentences[indexes[0] ?? 0] as Span;
  const last = analysis.sentences[indexes.at(-1) ?? 0] as Span;
  const span = completeQuotation(analysis.sentences, article.text, { start: first.start, end: last.end });
  const text = article.text.slice(span.start, span.end);
  const terms = new Set(indexes.flatMap((i) => [...analysis.termsAt(i)]));
  const context = sentenceContext(analysis, article.text, indexes[0] ?? 0);
  const entities = new Set(facts.flatMap((f) => f?.entities ?? []));
  // A quotation spread over two sentences is its speaker's, whichever of them names the speaker ("“This is not
  // aid. …,” X told reporters"): the speakers of every sentence the quote spans.
  // (the quote is completed by at most one sentence on either side)
  const quoted = analysis.facts.slice(Math.max(0, (indexes[0] ?? 0) - 1), (indexes.at(-1) ?? 0) + 2).filter((f) => f.start < span.end && f.end > span.start);
  const speakers = new Set(quoted.flatMap((f) => f.speakers));
  const addressees = new Set(facts.flatMap((f) => f?.addressees ?? []));
  // Entities the previous sentence names count when this one reads on from it.
  const i0 = indexes[0] ?? 0;
  const inherited = i0 > 0 && continuesPrevious(analysis, article.text, i0) ? (analysis.facts[i0 - 1]?.entities ?? []) : [];
  // What the headline names (not its people) is what the whole article is about: "the cable" in
  // paragraph two is the headline's "Arctic data cable".
  const topical = analysis.facts[0]?.role === "headline" ? analysis.facts[0].entities : [];
  const event = corpus.eventOf(source);
  const atEvent = event ? corpus.eventEntities(event) : new Set<number>();

  const role = (facts[0]?.role ?? "body") as SentenceRole;
  const related = corpus.knowledge.gazetteer.related;
  const kindOf = (id: number) => corpus.knowledge.gazetteer.entities[id]?.kind;
  // A participant of the article's meeting is there even where a sentence does not name them ("Did Kallas
  // raise Gaza with Wang Yi?"); its city only for a question about the meeting ("after the Paris meeting"),
  // not for "the tallest building in Brussels".
  // The speaker asked about, speaking here at the meeting's article, said it where the meeting was ("what did
  // von der Leyen ask of China in Paris?").
  const speakerOk = !q.speaker || speaksHere(q.speaker.ids.flatMap((id) => [id, ...(related.get(id) ?? [])]), speakers, entities, corpus);
  const speakerThere = q.speaker !== null && speakerOk && q.speaker.ids.some((id) => atEvent.has(id));
  // So is a question that names someone who was there ("why does Kallas consider the curbs raised in Brussels a problem?").
  const participantAsked = q.entities.some((e) => e.ids.some((id) => kindOf(id) === "person" && atEvent.has(id)));
  const atMeeting = (x: number) => atEvent.has(x) && (kindOf(x) !== "place" || q.aboutMeeting || speakerThere || participantAsked);
  // "The two sides also discussed …": the bodies and countries the question names, where the article names them, are in the sentence.
  const sides = BOTH_SIDES.test(text) ? parties(q, analysis.facts, kindOf, related) : null;
  const named = (id: number) => entities.has(id) || inherited.includes(id) || atMeeting(id) || (sides !== null && sides.has(id));
  const onTopic = (id: number) => topical.includes(id) && kindOf(id) !== "person";
  const here = (id: number) => named(id) || onTopic(id);
  // "Beijing's pledge", "hand Moscow": a capital stands for its country and the other way round —
  // but not where the question places something in a city ("the tallest building in Brussels").
  // A body named inside a longer name the gazetteer matched instead ("Chinese Foreign Ministry spokesman Wang Wenbin").
  let spelledOut: string | null = null;
  const spelled = (id: number) => {
    const e = corpus.knowledge.gazetteer.entities[id];
    if (!e || e.kind === "person") return false;
    spelledOut ??= ` ${normName(text)} `;
    const inText = spelledOut;
    return e.aliases.some((a) => a.includes(" ") && inText.includes(` ${a} `));
  };
  // A role named by its words in another order ("the ASEAN foreign ministers" — "the foreign ministers of the
  // Association of Southeast Asian Nations (ASEAN)").
  const roleWorded = (id: number) => {
    const name = corpus.knowledge.gazetteer.entities[id]?.name ?? "";
    if (!name.toLowerCase().split(/\s+/).some((w) => TITLE_WORDS.has(w) || TITLE_WORDS.has(w.replace(/s$/, "")))) return false;
    const words = termSequence(name).split(" ").filter(Boolean);
    return words.length >= 2 && words.every((w) => terms.has(w));
  };
  const present = (e: QuestionEntity) => e.ids.some((id) => here(id) || (!e.locative && (related.get(id) ?? []).some(here)) || spelled(id) || roleWorded(id));
  const missing = q.entities.filter((e) => e !== q.speaker && !e.background && !present(e)).flatMap((e) => e.ids);
  const addresseeOk = !q.addressee || q.addressee.ids.some((id) => addressees.has(id) || entities.has(id));

  // Coverage of the question's focus words, and of everything it names (focus words and entities, each by its weight).
  let entityTotal = 0;
  let entityHit = 0;
  for (const e of q.entities) {
    entityTotal += e.weight;
    if (e === q.speaker ? speakerOk : present(e)) entityHit += e.weight;
    // Named only by the headline: the sentence is about it, but one that names it says more.
    if (e !== q.speaker && !e.ids.some(named) && e.ids.some(onTopic)) entityHit -= e.weight / 2;
  }
  let total = 0;
  let hit = 0;
  let sequence: string | null = null; // the candidate's terms in order, for phrases
  let opposed = false;
  for (const f of q.focus) {
    total += f.weight;
    const forms = [f.term, ...f.alternatives];
    if (forms.some((t) => terms.has(t)) || (f.speech && speakers.size > 0)) hit += f.weight;
    else if (f.opposites?.some((t) => terms.has(t))) {
      hit += f.weight;
      opposed = true;
    }
    else if (forms.some((t) => t.includes(" ") && (sequence ??= focusSequence(text)).includes(` ${t} `))) hit += f.weight;
    else hit += Math.max(0, ...forms.map((t) => context.get(t) ?? (analysis.articleTerms.has(t) ? ARTICLE_CONTEXT_WEIGHT : 0))) * f.weight;
  }
  const held = (f: FocusTerm) => {
    const forms = [f.term, ...f.alternatives];
    // In the quote itself (a sentence that reads on from one about it is also tried with it, as a pair),
    // or, for words quoted in answer to the sentence before ("…as a full member." / "“For twenty years we
    // sat outside the door …”"), in that sentence.
    const answering = /^\s*["“]/.test(text);
    return forms.some(
      (t) =>
        terms.has(t) ||
        (answering && (context.get(t) ?? 0) >= PREVIOUS_SENTENCE_WEIGHT) ||
        (t.includes(" ") && (sequence ??= focusSequence(text)).includes(` ${t} `)),
    );
  };
  const focus = total > 0 ? hit / total : 1;
  const coverage = total + entityTotal > 0 ? (hit + entityHit) / (total + entityTotal) : 1;
  const checks: Checks = {
    entities: missing.length === 0 && (!q.speaker || speakerOk || present(q.speaker)),
    speaker: speakerOk,
    addressee: addresseeOk,
    type: typeHolds(q, text, entities, speakers, corpus, event),
    time: sameMeeting && timeHolds(q, text, article.text, event, article.meta.date.value, previousInParagraph(analysis.sentences, article.text, i0)) && reportsWhenAsked(q, text, speakers.size > 0, corpus),
    topic: topicHeld(q, held),
    missing,
  };
  const score =
    ROLE_FACTOR[role] * (indexes.length > 1 ? PAIR_FACTOR : 1) * (COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * prior) +
    (checks.type ? 0.05 : 0) +
    (checks.entities ? 0.05 : 0) +
    (q.type === "reason" && GIVES_REASON.test(text) ? REASON_BONUS : 0);
  return { source, span, sentences: indexes, text, role, terms, entities, speakers, focus, coverage, opposed, prior, checks, score };
}

// Share of the weight of what the question says it is about that an answer must hold: "dual-use goods ending
// up on the battlefield" is not met by "end the war".
const TOPIC_SHARE = 0.34;

function topicHeld(q: QuestionAnalysis, held: (f: FocusTerm) => boolean): boolean {
  if (q.topic.length === 0) return true;
  const topic = q.focus.filter((f) => q.topic.includes(f.term));
  const total = topic.reduce((a, f) => a + f.weight, 0);
  return total === 0 || topic.filter(held).reduce((a, f) => a + f.weight, 0) >= TOPIC_SHARE * total;
}

/** Index terms of a text in order, hyphenated words split ("dual-use goods" -> "dual use good"). */
/** The organisations and countries (places with a capital or country named) the question names and the article names somewhere. */
function parties(
  q: QuestionAnalysis,
  facts: readonly { readonly entities: readonly number[] }[],
  kindOf: (id: number) => string | undefined,
  related: ReadonlyMap<number, readonly number[]>,
): Set<number> {
  const inArticle = new Set(facts.flatMap((f) => f.entities));
  const party = (id: number) => kindOf(id) === "organisation" || (kindOf(id) === "place" && (related.get(id)?.length ?? 0) > 0);
  return new Set(q.entities.flatMap((e) => e.ids).filter((id) => party(id) && inArticle.has(id)));
}

/** A sentence about both parties of a meeting without naming them. */
const BOTH_SIDES = /\b(?:the\s+two\s+(?:sides|parties|blocs|partners)|both\s+(?:sides|parties|blocs))\b/i;

export function termSequence(text: string): string {
  return terms(text.replace(/[-‐–]/g, " ")).join(" ");
}

// Sentences and clauses recur from question to question (and yes/no checks ask every focus word of every
// candidate): each is read once.
const sequences = new LruMap<string, string>(4000);

/**
 * A text as focus words are matched against it: its index terms in order, then its words' forms in order
 * with their stopwords, so that a phrase of a synonym group ("pull out", keyed by its words' forms) is found
 * where the text says "pulling out of".
 */
export function focusSequence(text: string): string {
  let seq = sequences.get(text);
  if (seq === undefined) {
    const spaced = text.replace(/[-‐–]/g, " ");
    seq = ` ${terms(spaced).join(" ")} | ${tokens(spaced).map((t) => wordForm(t.word)).join(" ")} `;
    sequences.set(text, seq);
  }
  return seq;
}

/**
 * Whether the speaker asked about speaks in the candidate. An organisation or
 * a place asked about as speaker ("according to MERICS", "what did Beijing
 * say") is also satisfied by someone speaking for it in a sentence that names it.
 */
function speaksHere(ids: readonly number[], speakers: ReadonlySet<number>, entities: ReadonlySet<number>, corpus: CorpusView): boolean {
  if (ids.some((id) => speakers.has(id))) return true;
  const g = corpus.knowledge.gazetteer;
  const institutional = ids.every((id) => g.entities[id]?.kind !== "person");
  if (!institutional || speakers.size === 0) return false;
  if (ids.some((id) => entities.has(id))) return true;
  // "What does Beijing call …" answered by the Chinese foreign minister: a speaker whose title names the
  // body or the country (or its capital's country) speaks for it.
  const names = new Set(ids.flatMap((id) => [id, ...(g.related.get(id) ?? [])]).flatMap((id) => g.entities[id]?.aliases ?? []));
  return [...speakers].some((sp) => {
    const titles = (g.entities[sp]?.aliases ?? []).filter((a) => a.includes(" "));
    return titles.some((t) => [...names].some((n) => ` ${t} `.includes(` ${n} `)));
  });
}

const ROLE_NOUN = /\b(?:commissioners?|ministers?|officials?|leaders?|diplomats?|negotiators?|envoys?|delegat(?:es|ion)|ambassadors?|spokes(?:man|woman|person|people)|analysts?|lawmakers?|president|premier|chancellor|secretary|representative)\b/i;
const isRole = (name: string) => name.toLowerCase().split(/\s+/).some((w) => TITLE_WORDS.has(w));

const VENUE = /\b(?:palace|hall|building|house|hotel|centre|center|headquarters|square|street|chancellery|residence|venue|room|castle|villa|ministry|secretariat)\b/i;

/** Whether the text puts something in, at, to or from the place (exported for lists of places). ("in Paris", "Élysée Palace in", "to Serbia and Hungary"). */
export function locative(name: string, text: string): boolean {
  const at = text.indexOf(name);
  if (at < 0) return false;
  const before = text.slice(Math.max(0, at - 40), at);
  // Names listed between the preposition and this one must be names too ("to Serbia and Hungary",
  // "in Paris, France"), not "in the world, China and Europe".
  return /\b(?:in|at|to|from|near|inside|outside|visit(?:ed|ing|s)?|leave|left|the)\s+(?:the\s+)?(?:\p{Lu}[\p{L}'’-]*(?:,|\s+and)?\s+){0,3}$/u.test(before);
}

const COUNTED_KINDS: readonly [RegExp, EntityKind][] = [
  [/^(?:countr|nation|state|citi|city|capital|place|region)/, "place"],
  [/^(?:leader|minister|official|person|people|president|diplomat|analyst)/, "person"],
  [/^(?:compan|firm|agenc|organi|bod|institution|bank)/, "organisation"],
];

const MONEY_OR_SHARE = /[$€£]\s?\d[\d,.]*(?:\s*(?:million|billion|trillion|bn|m)\b)?|\d[\d,.]*\s*(?:%|per ?cent\b|percent\b|(?:million |billion )?(?:euros?|dollars?|yuan|pounds?)\b)/gi;

const NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|several|both|only";

// "during a separate meeting with …", "at another summit"; not "held separate talks with Xi and Li", which are
// two sets of talks at the same meeting.
export const SEPARATE_MEETING = /\b(?:(?:a|an)\s+(?:separate|different|earlier|later|previous)|another)\s+(?:meeting|talks|summit|visit|call|session)\b/i;

export const COMES_FROM = /\bwhere\b.*\b(?:come|comes|came|coming|sourced?|originate[sd]?|obtained|bought|imported)\s+from\b/i;
const MEDIA_SOURCE = /\baccording to (?:the\s+)?(?:[\p{L}-]+\s+){0,3}(?:media|agency|outlet|newspaper|broadcaster|press|news service|wire)\b/iu;

const DATELINE = /^\s*\p{Lu}[\p{Lu}\s.,'’-]*\p{Lu}(?:,\s*[\p{L}\s]+?)?\s*[–—-]\s/u;

const MEETING = /\b(?:meet|met|meeting|meetings|summit|talks|dialogue|visit|visited|held|hold|discussions|conference)\b/i;

// Share of the question's words the sentence holds that the clauses with a figure must hold.
const FIGURE_CLAUSE_SHARE = 0.4;
/**
 * The figure is of what the question asks about: "total two-way trade" is not given by "two-way trade should
 * be balanced, as the EU's trade deficit swelled to about 400 billion euros" (the figure's clause is about the
 * deficit).
 */
function figureOfWhatIsAsked(q: QuestionAnalysis, text: string, figures: string): boolean {
  // The words of what is counted, not of a clause that dates it ("… when he came to France in May?").
  const asked = focusSequence(q.text.split(/\s(?:when|while|as|after|before|during|once)\s/i)[0] ?? q.text);
  const focus = q.focus.filter((f) => [f.term, ...f.alternatives].some((t) => asked.includes(` ${t} `)));
  const holds = (part: string) => {
    const seq = focusSequence(part);
    return focus.filter((f) => [f.term, ...f.alternatives].some((t) => seq.includes(` ${t} `))).reduce((a, f) => a + f.weight, 0);
  };
  const all = holds(text);
  if (all === 0) return true;
  // (the figures the question itself gives are no answer: "how much of the €600 million …")
  const clauses = figures.split(/,(?!\d{3}\b)|;|\s[–—]\s/).filter((c) => QUANTITY.test(c));
  return holds(clauses.join(" | ")) >= FIGURE_CLAUSE_SHARE * all;
}

/** Whether the candidate holds the kind of answer the question wants. */
function typeHolds(q: QuestionAnalysis, text: string, entities: ReadonlySet<number>, speakers: ReadonlySet<number>, corpus: CorpusView, event: SummitEvent | undefined): boolean {
  const g = corpus.knowledge.gazetteer;
  // What the question names, and the capitals and countries that go with it ("which building in Beijing" is not answered by "China").
  const asked = new Set(q.entities.flatMap((e) => e.ids.flatMap((id) => [id, ...(g.countryOf.has(id) ? [g.countryOf.get(id) as number] : [])])));
  // A role without a name ("a former U.S. Secretary of State") does not say who.
  const lower = ` ${termSequence(text)} `;
  const named = (id: number) => {
    const e = g.entities[id];
    if (!e) return false;
    if (e.kind === "person") return !isRole(e.name);
    // A place named only by its demonym ("Chinese leader") is not where something happened.
    if (e.kind === "place") return e.aliases.some((a) => !(a in DEMONYMS) && lower.includes(` ${terms(a).join(" ")} `));
    return true;
  };
  // "Which European port …": Europe, named by its adjective, is part of the question, not an answer to it.
  const lowerQuestion = ` ${q.text.toLowerCase().replace(/[^\p{L}]+/gu, " ")}`;
  const byAdjective = (id: number) => {
    const e = g.entities[id];
    if (e?.kind !== "place") return false;
    const stem = e.name.toLowerCase().replace(/[^\p{L}]+/gu, " ").slice(0, Math.max(4, e.name.length - 1));
    return lowerQuestion.includes(` ${stem}`);
  };
  for (const id of entities) if (byAdjective(id)) asked.add(id);
  const others = (kind: EntityKind) => [...entities].filter((id) => !asked.has(id) && g.entities[id]?.kind === kind && named(id)).length;
  const eventPlaceAsked = event !== undefined && [...corpus.eventEntities(event)].some((id) => asked.has(id) && g.entities[id]?.kind === "place");
  // The sentence reports the article's meeting (it speaks of the meeting, or one of its participants speaks),
  // and not some "separate meeting" of its own: the metadata's date and place are then the meeting's.
  const participants = event ? corpus.eventEntities(event) : new Set<number>();
  const atTheMeeting =
    event !== undefined &&
    !SEPARATE_MEETING.test(text) &&
    (MEETING.test(text) || (q.speaker !== null && [...speakers].some((id) => participants.has(id) && g.entities[id]?.kind === "person")));
  switch (q.type) {
    case "date": {
      // A date in the sentence, or the date of the meeting it reports (from the metadata);
      // "on what day" needs the day, not just a month.
      const eventDate = atTheMeeting && (!q.exactDate || /^\d{4}-\d{2}-\d{2}$/.test(event?.date.value ?? ""));
      return (q.exactDate ? DAY.test(text) : DATE.test(text)) || eventDate;
    }
    case "quantity": {
      // "How many EU leaders …?" — "The two EU leaders …".
      const counted = q.countNoun ? new RegExp(`\\b(?:${NUMBER_WORDS}|\\d+)\\s+(?:[\\p{L}-]+\\s+){0,4}${q.countNoun.slice(0, 5)}`, "iu").test(text) : false;
      // "How many countries …?" — "… to Serbia and Hungary": the list is the count.
      const kind = q.countNoun ? COUNTED_KINDS.find(([re]) => re.test(q.countNoun ?? ""))?.[1] : undefined;
      // "How many missiles …?" is not answered by a share or a sum of money.
      const amounts = withoutAmountsOf(q.text, text);
      const figures = q.countNoun ? amounts.replace(MONEY_OR_SHARE, " ") : amounts;
      if (counted || (kind !== undefined && others(kind) >= 2)) return true;
      return QUANTITY.test(figures) && figureOfWhatIsAsked(q, text, figures);
    }
    case "person":
      // "Who went to Beijing …?" — "a number of its commissioners" answers a bare "who" too; "which
      // former Secretary of State …?" asks for a name.
      return others("person") > 0 || (q.bareWho && ROLE_NOUN.test(text) && !ROLE_NOUN.test(q.text.replace(/^\W*who\b/i, "")));
    case "place": {
      // A place the sentence puts something in or at ("held in Brussels", "travel to Serbia"), not "Russia's war";
      // "which building" wants a building, not a city.
      // A dateline ("TALLINN — …") says where the report was filed, not where anything is.
      const undated = text.replace(DATELINE, "");
      const located = [...entities].filter((id) => !asked.has(id) && g.entities[id]?.kind === "place" && named(id) && locative(g.entities[id]?.name ?? "", undated));
      const venues = located.filter((id) => VENUE.test(g.entities[id]?.name ?? ""));
      if (q.wantsVenue) return venues.length > 0;
      // "Where should the water come from?" — "from desalination plants on the coast": a source, named or not.
      if (COMES_FROM.test(q.text) && /\bfrom\s+(?:the\s+|a\s+|an\s+)?\p{L}/u.test(undated)) return true;
      // "Which country had signed up …?" — "Italy, which in 2019 became …": the place is the answer, wherever it stands.
      if (q.wants === "place" && others("place") > 0) return true;
      // The meeting's own place answers where it was, or where someone at it spoke; not "where will the
      // stockpiles be stored".
      const ofTheMeeting = q.aboutMeeting || q.speaker !== null || q.focus.some((f) => f.speech);
      return located.length > 0 || (atTheMeeting && ofTheMeeting && !eventPlaceAsked);
    }
    case "organisation": {
      // "Which company will lay the cable?" is not answered by the meeting's own parties, nor by the
      // bodies every article names.
      const parties = event ? corpus.eventEntities(event) : new Set<number>();
      // "…, according to Chinese state media": a source the gazetteer has no name for.
      if (q.wants === "organisation" && MEDIA_SOURCE.test(text)) return true;
      return [...entities].some((id) => !asked.has(id) && g.entities[id]?.kind === "organisation" && named(id) && !parties.has(id) && corpus.lexicon.entityShare(id) <= 0.5);
    }
    case "list":
      // One of the kind asked for here; the answer gathers the rest from further quotes.
      return q.wants ? others(q.wants) >= 1 : /,.*\band\b|,.*,|\band\b/.test(text);
    default:
      // "What's Kallas's title?": a sentence that gives one of her titles.
      if (q.asksRole) {
        const lower = text.toLowerCase().normalize("NFKD").replace(/\p{M}+/gu, "");
        return q.entities.some((e) => e.ids.some((id) => (g.entities[id]?.aliases ?? []).some((a) => a.includes(" ") && isRole(a) && lower.includes(a))));
      }
      return true;
  }
}

const LATER_WORDS = /\b(?:next|upcoming|following|eventually|later|subsequently|afterwards|since then|in the end|finally|so far|yet|ended up)\b/i;
const FUTURE = /\b(?:will|is scheduled to|are scheduled to|is expected to|are expected to|plans? to|is set to|are set to|is due to|next)\b/i;

/**
 * A question about what came later needs a sentence that looks ahead; a
 * question about what happened is not answered by the clause that plans it.
 */
function reportsWhenAsked(q: QuestionAnalysis, text: string, spoken: boolean, corpus: CorpusView): boolean {
  // "the next summit", "did it eventually": the sentence must speak of what comes next or after.
  if (q.later && !LATER_WORDS.test(text)) return false;
  // Someone saying what will happen answers what they said, not what happened.
  if (q.past && q.type !== "yes-no" && !q.speaker && !spoken) {
    // The clauses naming the places and bodies the question names, or failing that holding its words, or
    // failing that naming its people: in "After concluding his visit to Norway on May 7, Sato is scheduled
    // to travel to Sweden", the visit to Norway is over and the travel to Sweden planned.
    const g = corpus.knowledge.gazetteer;
    const clauses = text.split(/[,;:]/);
    const named = (people: boolean) => {
      const names = q.entities.filter((e) => !e.background && e.ids.some((id) => (g.entities[id]?.kind === "person") === people)).map((e) => e.text.toLowerCase());
      return clauses.filter((c) => names.some((n) => c.toLowerCase().includes(n)));
    };
    const words = q.focus.map((f) => f.term);
    const worded = clauses.filter((c) => words.some((w) => c.toLowerCase().includes(w)));
    const places = named(false);
    const about = places.length > 0 ? places : worded.length > 0 ? worded : named(true);
    if (about.some((c) => FUTURE.test(c) && !/\b(?:said|told|announced|warned|urged)\b/i.test(c))) return false;
  }
  return true;
}

/** The sentence before sentence `i` when sentence `i` reads on from it in the same paragraph ("…, he said, …"), or "". */
function previousInParagraph(sentences: readonly Span[], text: string, i: number): string {
  return sameParagraph(sentences, text, i) && REFERS_BACK.test(sentenceText(sentences, text, i)) ? sentenceText(sentences, text, i - 1) : "";
}

/**
 * Whether no year of the question is contradicted: a year the sentence
 * itself names must be one of the question's; otherwise the article (its
 * text, or its event's date in the metadata) must have one.
 *
 * @param before the sentence before, in the same paragraph: "Trade fell to €246 billion in 2025. German
 *   exports were €81.6 billion, he said, …" gives the second sentence's figures for 2025
 */
function timeHolds(q: QuestionAnalysis, sentence: string, articleText: string, event: SummitEvent | undefined, date: string | null, before = ""): boolean {
  const years = q.years;
  if (years.length === 0) return true;
  // "What did she tell Xi about the deficit at the 2022 summit?" asked of the 2023 summit's article: another
  // meeting, whatever year the sentence's figures are for.
  const eventYear = event?.date.value.slice(0, 4);
  if (q.meetingYears.length > 0 && eventYear && /^\d{4}$/.test(eventYear) && !q.meetingYears.includes(eventYear)) return false;
  // "Did the group deliver its report in March 2027?" asked of an article written in 2026: it cannot say what happened later.
  const written = (date ?? event?.date.value ?? "").slice(0, 4);
  if (q.past && q.type === "yes-no" && /^\d{4}$/.test(written) && years.every((y) => y > written)) return false;
  // The year of the clause that holds what is asked: in "Italy, which in 2019 became … to join …, did
  // not confirm … it was pulling out", 2019 dates the joining, not the pulling out.
  // Commas inside figures ("58,200 in 2025") do not end a clause.
  const clauses = sentence.split(/,(?!\d{3}\b)|[;:]|\s[–—]\s/);
  const forms = q.focus.flatMap((f) => [f.term, ...f.alternatives]);
  const about = clauses.filter((c) => {
    const seq = focusSequence(c);
    return forms.some((t) => seq.includes(` ${t} `));
  });
  const own = datedYears((about.length > 0 ? about : [sentence]).join(" "));
  if (own.length > 0) return own.some((y) => years.includes(y));
  if (datedYears(before).some((y) => years.includes(y))) return true;
  const dated = [event?.date.value.slice(0, 4), date?.slice(0, 4)].filter((y): y is string => Boolean(y));
  if (dated.length > 0) return dated.some((y) => years.includes(y));
  return years.some((y) => articleText.includes(y));
}

const ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"];
const MEETING_NOUNS = "round|summit|meeting|session|dialogue|council|consultations|conference|ministerial";
// "the seventh round", "the second EU–Chile Raw Materials Dialogue": an ordinal, at most three capitalised words of a
// name, and a kind of meeting ("the first time the council met" numbers no council).
const ORDINAL_MEETING = new RegExp(
  `\\b(${ORDINAL_WORDS.join("|")}|\\d+(?:st|nd|rd|th))\\s+(?:[\\p{Lu}\\d][\\p{L}\\p{N}'’–-]*\\s+){0,3}?(${MEETING_NOUNS})\\b`,
  "gu",
);
/** An ordinal as a word: "7th" -> "seventh". */
const ordinalWord = (o: string) => {
  const n = Number.parseInt(o, 10);
  return Number.isNaN(n) ? o.toLowerCase() : (ORDINAL_WORDS[n - 1] ?? o.toLowerCase());
};
const ORDINAL_OR_NOUN = new RegExp(`\\b(?:${ORDINAL_WORDS.join("|")}|${MEETING_NOUNS})\\b`, "gi");
interface NumberedMeeting {
  readonly ordinal: string;
  readonly noun: string;
}
/** The meetings a text numbers, as "seventh round". Case is ignored for the ordinal and the noun, not for the name between. */
const numberedMeetings = (text: string): NumberedMeeting[] =>
  [...text.replace(ORDINAL_OR_NOUN, (w) => w.toLowerCase()).matchAll(ORDINAL_MEETING)].map((m) => ({
    ordinal: ordinalWord(m[1] ?? ""),
    noun: m[2] ?? "",
  }));
/** No ordinal the question gives a meeting ("the seventh round") is contradicted by the article, which numbers that kind of meeting otherwise. */
function ordinalHolds(asked: readonly NumberedMeeting[], article: string): boolean {
  const told = numberedMeetings(article);
  // "its first ASEAN meeting", "the first summit since 2019": "first" is as often a first-ever as a number.
  return asked.every(({ ordinal, noun }) => {
    if (ordinal === "first") return true;
    const theirs = told.filter((m) => m.noun === noun).map((m) => m.ordinal);
    return theirs.length === 0 || theirs.includes(ordinal);
  });
}

/**
 * A sentence inside a quotation that spans several sentences reads badly cut
 * off; extend it to the neighbouring sentence that closes or opens the quote.
 */
export function completeQuotation(sentences: readonly Span[], text: string, span: Span): Span {
  if (!hasOpenQuote(text.slice(span.start, span.end))) return span;
  const i = sentences.findIndex((s) => s.start === span.start);
  const j = sentences.findIndex((s) => s.end === span.end);
  const sameLine = (a: Span, b: Span) => !/[\r\n]/.test(text.slice(Math.min(a.end, b.end), Math.max(a.start, b.start)));
  const next = sentences[j + 1];
  if (next && sameLine(span, next) && hasOpenQuote(text.slice(next.start, next.end))) return { start: span.start, end: next.end };
  const prev = sentences[i - 1];
  if (prev && sameLine(prev, span) && hasOpenQuote(text.slice(prev.start, prev.end))) return { start: prev.start, end: span.end };
  return span;
}
