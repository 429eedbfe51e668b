import type { Corpus } from "../corpus/load-corpus.js";
import type { LexicalIndex } from "../index/lexical-index.js";
import type { CorpusKnowledge, SentenceFacts } from "../knowledge/build.js";
import { normName } from "../knowledge/gazetteer.js";
import { oneEditApart, type Nlp } from "../knowledge/nlp.js";
import { sentenceSpans, type Span } from "../text/sentences.js";
import { termOf, terms, uniqueTerms } from "../text/terms.js";
import { LruMap } from "../util/lru.js";
import type { Article, ArticleRef, Citation, SummitEvent } from "../types.js";
import type { QuestionLexicon } from "./analyse-question.js";

/*
 * The evidence model both the composer and the verification of generated
 * answers read: an article's sentences with their terms and facts (role,
 * entities, speakers), how a sentence inherits words from the one before it
 * and from the headline, and how a span becomes a citation.
 */

/**
 * What the answer step needs of an article. Sentence terms are read on first
 * use and kept: an answer touches the sentences of its few retrieved passages
 * and their neighbours, not every sentence of every article it draws on (at
 * ~100,000 chunks most articles are new to the cache, and analysing each
 * whole was most of the composing time).
 */
export interface ArticleAnalysis {
  readonly sentences: readonly Span[];
  /** Index terms of sentence `i` (empty past the end). */
  termsAt(i: number): ReadonlySet<string>;
  /** Terms of the article's headline (its first line, when it reads as one). */
  readonly headline: ReadonlySet<string>;
  /** Role, entities and speakers of each sentence (from the corpus knowledge), in the same order. */
  readonly facts: readonly SentenceFacts[];
  /** Terms of the article's text (not its boilerplate): what it is about, beyond any one sentence. */
  readonly articleTerms: ReadonlySet<string>;
}

const NO_TERMS: ReadonlySet<string> = new Set<string>();

class LazyArticleAnalysis implements ArticleAnalysis {
  readonly sentences: readonly Span[];
  readonly facts: readonly SentenceFacts[];
  readonly #text: string;
  readonly #terms: (ReadonlySet<string> | undefined)[];
  #headline: ReadonlySet<string> | undefined;
  #articleTerms: ReadonlySet<string> | undefined;

  constructor(text: string, facts?: readonly SentenceFacts[]) {
    this.#text = text;
    this.sentences = facts ?? sentenceSpans(text);
    this.#terms = new Array<ReadonlySet<string> | undefined>(this.sentences.length);
    this.facts = facts ?? this.sentences.map((s, i) => ({ ...s, role: i === 0 && this.headline.size ? "headline" : "body", entities: [], speakers: [], addressees: [] }));
  }

  termsAt(i: number): ReadonlySet<string> {
    let terms = this.#terms[i];
    if (!terms) {
      const span = this.sentences[i];
      if (!span) return NO_TERMS;
      terms = new Set(uniqueTerms(this.#text.slice(span.start, span.end)));
      this.#terms[i] = terms;
    }
    return terms;
  }

  get headline(): ReadonlySet<string> {
    if (!this.#headline) {
      const first = this.sentences[0];
      this.#headline = first && isHeadline(this.#text.slice(first.start, first.end)) ? this.termsAt(0) : NO_TERMS;
    }
    return this.#headline;
  }

  get articleTerms(): ReadonlySet<string> {
    if (!this.#articleTerms) {
      // Read straight into one set: sentences read this way are not kept one by one (most are never quoted).
      const all = new Set<string>();
      this.sentences.forEach((span, i) => {
        if (this.facts[i]?.role === "boilerplate") return;
        const known = this.#terms[i];
        if (known) for (const t of known) all.add(t);
        else for (const t of terms(this.#text.slice(span.start, span.end))) all.add(t);
      });
      this.#articleTerms = all;
    }
    return this.#articleTerms;
  }
}

export function analyseArticle(text: string, facts?: readonly SentenceFacts[]): ArticleAnalysis {
  return new LazyArticleAnalysis(text, facts);
}

export interface CorpusView {
  readonly article: (source: string) => Article | undefined;
  readonly analysis: (source: string) => ArticleAnalysis;
  /** Weight of a question term: rarer terms say more about what is asked. */
  readonly idf: (term: string) => number;
  /** Whether any passage of the corpus contains the term. */
  readonly known: (term: string) => boolean;
  /** What questions are read against: gazetteer, lexicon, synonyms. */
  readonly lexicon: QuestionLexicon;
  readonly knowledge: CorpusKnowledge;
  readonly events: readonly SummitEvent[];
  /** The event an article is about (from the metadata), or undefined. */
  readonly eventOf: (source: string) => SummitEvent | undefined;
  /** Entity ids of an event's participants and place. */
  readonly eventEntities: (event: SummitEvent) => ReadonlySet<number>;
  /** Sentences that name the entity or quote it (the first MENTIONS_KEPT of them, in corpus order). */
  readonly mentions: (id: number) => readonly SentenceRef[];
}

export interface SentenceRef {
  readonly source: string;
  /** Index of the sentence in the article's analysis. */
  readonly sentence: number;
}

// Sentences kept per entity: the first few, enough for the people and bodies named in passing, whom
// retrieval misses most; the corpus' background (named everywhere) is found by retrieval anyway.
export const MENTIONS_KEPT = 4;

/** The corpus view answers are composed from: articles, their analyses (cached), the lexical statistics and the knowledge. */
export function createCorpusView(corpus: Corpus, knowledge: CorpusKnowledge, lexical: LexicalIndex, nlp: Nlp): CorpusView {
  const bySource = new Map(corpus.articles.map((a) => [a.source, a]));
  // Sentence analyses of the articles answers came from; bounded, as a corpus can hold many thousands.
  const analyses = new LruMap<string, ArticleAnalysis>(500);
  const events = new Map(corpus.events.map((e) => [e.id, e]));
  const eventEntities = new Map<string, Set<number>>();
  const known = (term: string) => lexical.documentFrequency(term) > 0;
  // The articles' words as written (lower case), read once on the first misspelling: a slip is one edit
  // from a word, not from a stem ("reuters" is one edit from the stem "reiter" of "reiterated").
  let surface: SurfaceWords | null = null;
  const words = () => (surface ??= surfaceWords(corpus.articles));
  const corrections = new LruMap<string, string | null>(1000);
  // In how many articles each entity is named; below four articles the shares say nothing.
  const entityArticles = new Map<number, number>();
  for (const sentences of knowledge.articles.values()) for (const id of new Set(sentences.flatMap((s) => s.entities))) entityArticles.set(id, (entityArticles.get(id) ?? 0) + 1);
  const articleCount = knowledge.articles.size;
  // Built on the first question that needs it: one pass over the sentences' facts.
  let mentions: Map<number, SentenceRef[]> | null = null;
  const mentionIndex = () => {
    if (mentions) return mentions;
    const index = new Map<number, SentenceRef[]>();
    for (const [source, sentences] of knowledge.articles) {
      sentences.forEach((s, sentence) => {
        for (const id of new Set([...s.entities, ...s.speakers])) {
          const list = index.get(id) ?? [];
          if (list.length < MENTIONS_KEPT) list.push({ source, sentence });
          index.set(id, list);
        }
      });
    }
    return (mentions = index);
  };
  return {
    mentions: (id) => mentionIndex().get(id) ?? [],
    article: (source) => bySource.get(source),
    analysis: (source) => {
      let a = analyses.get(source);
      if (!a) {
        a = analyseArticle(bySource.get(source)?.text ?? "", knowledge.articles.get(source));
        analyses.set(source, a);
      }
      return a;
    },
    idf: (term) => lexical.idf(term),
    known,
    lexicon: {
      gazetteer: knowledge.gazetteer,
      nlp,
      known,
      idf: (term) => lexical.idf(term),
      synonyms: knowledge.synonyms,
      phrases: knowledge.phrases,
      outlets: [...new Set(corpus.articles.map((a) => a.meta.outlet.value?.toLowerCase()).filter((o): o is string => Boolean(o)))],
      mentioned: (id) => (entityArticles.get(id) ?? 0) > 0,
      entityShare: (id) => (articleCount >= 4 ? (entityArticles.get(id) ?? 0) / articleCount : 0),
      correct: (word) => {
        const w = word.toLowerCase();
        if (w.length < 5) return null;
        let c = corrections.get(w);
        if (c === undefined) {
          const fixed = words().oneEditFrom(w);
          c = fixed ? termOf(fixed) : null;
          corrections.set(w, c);
        }
        return c;
      },
    },
    knowledge,
    events: corpus.events,
    eventOf: (source) => {
      const id = bySource.get(source)?.meta.event.value;
      return id ? events.get(id) : undefined;
    },
    eventEntities: (event) => {
      let ids = eventEntities.get(event.id);
      if (!ids) {
        ids = new Set<number>();
        for (const name of [...event.participants, ...event.place.value.split(",")]) {
          for (const id of knowledge.gazetteer.byAlias.get(normName(name.trim())) ?? []) ids.add(id);
        }
        // Bodies the event's name holds ("Nordic-Baltic Eight (NB8) defence ministers' meeting"):
        // the meeting is theirs, whichever sentence of its article is read.
        const words = normName(event.name).split(" ");
        for (let i = 0; i < words.length; i++) {
          for (let n = 1; n <= 4 && i + n <= words.length; n++) {
            for (const id of knowledge.gazetteer.byAlias.get(words.slice(i, i + n).join(" ")) ?? []) {
              const kind = knowledge.gazetteer.entities[id]?.kind;
              if (kind === "organisation" || kind === "other") ids.add(id);
            }
          }
        }
        eventEntities.set(event.id, ids);
      }
      return ids;
    },
  };
}


/** The corpus' distinct words of five letters or more (lower case), and the first of them one edit from a given word. */
export interface SurfaceWords {
  /** The first word, in corpus order, one edit (a letter changed, added, removed, or two swapped) from `word`; null if none. */
  oneEditFrom(word: string): string | null;
}

/**
 * Read one article at a time: the corpus' text is never copied whole (at ~100,000 chunks that copy and its millions
 * of matches took the process from 757 to 988 MB on the first misspelling). Words are kept by length, in corpus
 * order, so a lookup reads only the lengths one edit can reach.
 */
export function surfaceWords(articles: readonly { readonly text: string }[]): SurfaceWords {
  const order = new Map<string, number>();
  for (const a of articles) for (const m of a.text.toLowerCase().matchAll(/\p{L}{5,}/gu)) if (!order.has(m[0])) order.set(m[0], order.size);
  const byLength = new Map<number, string[]>();
  for (const w of order.keys()) {
    const list = byLength.get(w.length) ?? [];
    list.push(w);
    byLength.set(w.length, list);
  }
  const at = (w: string) => order.get(w) ?? Infinity;
  return {
    oneEditFrom(word) {
      // The first of each reachable length, then the first of those in the corpus.
      let best: string | null = null;
      for (const length of [word.length - 1, word.length, word.length + 1]) {
        const found = byLength.get(length)?.find((v) => oneEditApart(v, word));
        if (found !== undefined && (best === null || at(found) < at(best))) best = found;
      }
      return best;
    },
  };
}

// Weight of a question term found only in the preceding sentence, which pronouns and
// "he said" point back to: "She urged China...", "China opposes...," he said.
export const PREVIOUS_SENTENCE_WEIGHT = 0.5;
// Weight of a term found only in the article's headline, which sets the topic of its body
// (a quote in paragraph six is still von der Leyen's if the headline says so).
const HEADLINE_CONTEXT_WEIGHT = 0.3;
/** A sentence that points back at the one before it: a pronoun, "these", an opening quote. */
export const REFERS_BACK = /^["“']|\b(?:he|she|they|it|his|her|their|its|this|these|those|such)\b/i;

/**
 * Terms sentence `i` inherits from its surroundings, with the weight they
 * count for: the headline's, and the previous sentence's when it is on the
 * same line or this one refers back to it. Answers and the verification of
 * generated answers both read sentences this way.
 */
export function sentenceContext(analysis: ArticleAnalysis, text: string, i: number): Map<string, number> {
  const own = analysis.termsAt(i);
  const context = new Map<string, number>();
  if (!analysis.sentences[i]) return context;
  if (i > 0) for (const t of analysis.headline) if (!own.has(t)) context.set(t, HEADLINE_CONTEXT_WEIGHT);
  if (continuesPrevious(analysis, text, i)) {
    for (const t of analysis.termsAt(i - 1)) if (!own.has(t)) context.set(t, PREVIOUS_SENTENCE_WEIGHT);
  }
  return context;
}

/** Whether sentence `i` reads on from the one before: on the same line, or referring back to it. */
export function continuesPrevious(analysis: ArticleAnalysis, text: string, i: number): boolean {
  const span = analysis.sentences[i];
  const previous = analysis.sentences[i - 1];
  if (!span || !previous) return false;
  return REFERS_BACK.test(text.slice(span.start, span.end)) || !/[\r\n]/.test(text.slice(previous.end, span.start));
}

/** Headlines, subheadings and captions end without a full stop. */
export function isHeadline(text: string): boolean {
  return /[\p{L}\p{N}]$/u.test(text);
}

/** How an answer names an article. */
export function articleRef(a: Article): ArticleRef {
  const { title, outlet, date, url } = a.meta;
  return { source: a.source, title: title.value, outlet: outlet.value, date: date.value, url, basis: { title: title.basis, outlet: outlet.basis, date: date.basis } };
}

/** Citation [n]: the article and the exact span of its text quoted. */
export function citationOf(n: number, a: Article, span: { readonly start: number; readonly end: number }): Citation {
  return { n, ...articleRef(a), quote: a.text.slice(span.start, span.end), start: span.start, end: span.end };
}
