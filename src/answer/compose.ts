import { hasOpenQuote, sentenceSpans, type Span } from "../text/sentences.js";
import { expectedAnswerType, satisfiesAnswerType, yearsIn } from "./answer-type.js";
import { uniqueTerms } from "../text/terms.js";
import type { Article, ArticleRef, Citation, Coverage, Passage } from "../types.js";

/*
 * The extractive answer: the sentences of the retrieved passages that best
 * cover the question, quoted verbatim, each with a numbered citation.
 */

export interface ComposeParams {
  readonly maxSentences: number;
  /** Evidence below this coverage means the articles do not answer the question. */
  readonly abstainThreshold: number;
}

/** What the answer step needs of an article, computed once per article. */
export interface ArticleAnalysis {
  readonly sentences: readonly Span[];
  /** Index terms of each sentence, in the same order. */
  readonly terms: readonly ReadonlySet<string>[];
  /** Terms of the article's headline (its first line, when it reads as one). */
  readonly headline: ReadonlySet<string>;
}

export function analyseArticle(text: string): ArticleAnalysis {
  const sentences = sentenceSpans(text);
  const terms = sentences.map((s) => new Set(uniqueTerms(text.slice(s.start, s.end))));
  const first = sentences[0];
  const headline = first && isHeadline(text.slice(first.start, first.end)) ? (terms[0] ?? new Set<string>()) : new Set<string>();
  return { sentences, terms, headline };
}

export interface CorpusView {
  readonly article: (source: string) => Article | undefined;
  readonly analysis: (source: string) => ArticleAnalysis;
  /** Weight of a question term: rarer terms say more about what is asked. */
  readonly idf: (term: string) => number;
  /** Whether any passage of the corpus contains the term. */
  readonly known: (term: string) => boolean;
}

export interface Composed {
  readonly text: string;
  readonly coverage: Coverage;
  readonly abstained: boolean;
  readonly citations: Citation[];
  readonly closest: ArticleRef[];
  readonly confidence: number;
}

interface Candidate {
  readonly source: string;
  readonly span: Span;
  readonly terms: ReadonlySet<string>;
  /** Terms the sentence inherits from its surroundings, with the weight they count for. */
  readonly context: ReadonlyMap<string, number>;
  /** Share of the question's term weight this sentence contains (its context counting partly). */
  readonly coverage: number;
  readonly score: number;
  readonly headline: boolean;
}

// How a sentence's own coverage of the question weighs against the rank of the passage it came from.
const COVERAGE_WEIGHT = 0.7;
// Weight of a question term found only in the preceding sentence, which pronouns and
// "he said" point back to: "She urged China...", "China opposes...," he said.
const PREVIOUS_SENTENCE_WEIGHT = 0.5;
// Weight of a term found only in the article's headline, which sets the topic of its body
// (a quote in paragraph six is still von der Leyen's if the headline says so).
const HEADLINE_CONTEXT_WEIGHT = 0.3;
const REFERS_BACK = /^["“']|\b(?:he|she|they|it|his|her|their|its|this|these)\b/i;
// Headlines and subheadings (lines without final punctuation) summarise; body sentences answer.
const HEADLINE_FACTOR = 0.75;
// A further sentence joins the answer only if it scores close to the best one...
const FOLLOW_UP_RATIO = 0.75;
// ...covers a good part of the question itself...
const FOLLOW_UP_MIN_COVERAGE = 0.6;
// ...and covers question terms the chosen ones do not, or comes from another article.
const MIN_NEW_COVERAGE = 0.15;

export const ABSTAIN_TEXT = "The articles I have don't cover that.";

export function composeAnswer(question: string, passages: readonly Passage[], corpus: CorpusView, params: ComposeParams): Composed {
  const closest = closestArticles(passages, corpus);
  const qTerms = uniqueTerms(question);
  const weights = new Map(qTerms.map((t) => [t, corpus.idf(t)]));
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  // Evidence must have what the question asks for: a date for "when", a number
  // for "how many", and any year the question names (in the same article).
  const type = expectedAnswerType(question);
  const years = yearsIn(question);
  const candidates = (total > 0 ? candidateSentences(passages, corpus, weights, total) : []).filter((c) =>
    years.every((y) => corpus.article(c.source)?.text.includes(y)),
  );
  // The best sentence that has the kind of answer asked for leads; others may add to it.
  const best = candidates.find((c) => satisfiesAnswerType(corpus.article(c.source)?.text.slice(c.span.start, c.span.end) ?? "", type));
  if (!best) return { text: abstention(closest), coverage: "none", abstained: true, citations: [], closest, confidence: 0 };

  const chosen: Candidate[] = [best];
  const covered = new Set([...best.terms].filter((t) => weights.has(t)));
  const contextCovered = new Map<string, number>();
  const addContext = (c: Candidate) => {
    for (const [t, w] of c.context) if (weights.has(t)) contextCovered.set(t, Math.max(w, contextCovered.get(t) ?? 0));
  };
  addContext(best);
  for (const c of candidates) {
    if (c === best) continue;
    if (chosen.length >= params.maxSentences) break;
    if (c.score < FOLLOW_UP_RATIO * best.score) break;
    if (c.coverage < FOLLOW_UP_MIN_COVERAGE * best.coverage) continue;
    const gain = [...c.terms].filter((t) => weights.has(t) && !covered.has(t)).reduce((a, t) => a + (weights.get(t) ?? 0), 0) / total;
    const otherArticle = !chosen.some((x) => x.source === c.source);
    // A headline only summarises: the body sentence behind it is worth quoting too.
    const backsHeadline = chosen.length === 1 && best.headline && !c.headline;
    if (gain < MIN_NEW_COVERAGE && !backsHeadline && !(otherArticle && c.coverage >= best.coverage * 0.9)) continue;
    chosen.push(c);
    for (const t of c.terms) if (weights.has(t)) covered.add(t);
    addContext(c);
  }

  // For a date or amount question, the sentence that supplies the date or amount must carry the answer.
  let hit = 0;
  for (const [t, w] of weights) hit += covered.has(t) ? w : (contextCovered.get(t) ?? 0) * w;
  const confidence = type ? best.coverage : hit / total;
  if (confidence < params.abstainThreshold) {
    return { text: abstention(closest), coverage: "none", abstained: true, citations: [], closest, confidence };
  }

  const quotes = mergeAdjacent(chosen.map((c) => ({ source: c.source, span: completeQuotation(c.source, c.span, corpus) })), corpus);
  const citations: Citation[] = quotes.map((q, i) => {
    const article = corpus.article(q.source) as Article;
    return citationOf(i + 1, article, q.span);
  });
  const text = citations.map((c) => `“${c.quote}” [${c.n}]`).join("\n");
  return { text, coverage: "full", abstained: false, citations, closest, confidence };
}

function candidateSentences(
  passages: readonly Passage[],
  corpus: CorpusView,
  weights: ReadonlyMap<string, number>,
  total: number,
): Candidate[] {
  const top = passages[0]?.score ?? 0;
  const seen = new Map<string, Candidate>();
  for (const p of passages) {
    const article = corpus.article(p.chunk.source);
    if (!article) continue;
    const prior = top > 0 ? p.score / top : 0;
    const analysis = corpus.analysis(p.chunk.source);
    const { sentences, terms: termsOf } = analysis;
    sentences.forEach((span, i) => {
      if (span.end <= p.chunk.start || span.start >= p.chunk.end) return;
      const key = `${p.chunk.source}:${span.start}`;
      if (seen.has(key)) return;
      const text = article.text.slice(span.start, span.end);
      const terms = termsOf[i] ?? new Set<string>();
      const context = sentenceContext(analysis, article.text, i);
      let hit = 0;
      for (const [t, w] of weights) hit += terms.has(t) ? w : (context.get(t) ?? 0) * w;
      const coverage = hit / total;
      const isHead = isHeadline(text);
      const score = (isHead ? HEADLINE_FACTOR : 1) * (COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * prior);
      seen.set(key, { source: p.chunk.source, span, terms, context, coverage, score, headline: isHead });
    });
  }
  return [...seen.values()].sort((a, b) => b.score - a.score || a.span.start - b.span.start);
}

/**
 * Terms sentence `i` inherits from its surroundings, with the weight they
 * count for: the headline's, and the previous sentence's when it is on the
 * same line or this one refers back to it. Answers and the verification of
 * generated answers both read sentences this way.
 */
export function sentenceContext(analysis: ArticleAnalysis, text: string, i: number): Map<string, number> {
  const { sentences, terms: termsOf, headline } = analysis;
  const span = sentences[i];
  const terms = termsOf[i] ?? new Set<string>();
  const context = new Map<string, number>();
  if (!span) return context;
  if (i > 0) for (const t of headline) if (!terms.has(t)) context.set(t, HEADLINE_CONTEXT_WEIGHT);
  const previous = sentences[i - 1];
  if (previous && (REFERS_BACK.test(text.slice(span.start, span.end)) || !/[\r\n]/.test(text.slice(previous.end, span.start)))) {
    for (const t of termsOf[i - 1] ?? []) if (!terms.has(t)) context.set(t, PREVIOUS_SENTENCE_WEIGHT);
  }
  return context;
}

/** Headlines, subheadings and captions end without a full stop. */
function isHeadline(text: string): boolean {
  return /[\p{L}\p{N}]$/u.test(text);
}

/**
 * A sentence inside a quotation that spans several sentences reads badly cut
 * off; extend it to the neighbouring sentence that closes or opens the quote.
 */
function completeQuotation(source: string, span: Span, corpus: CorpusView): Span {
  const article = corpus.article(source);
  if (!article || !hasOpenQuote(article.text.slice(span.start, span.end))) return span;
  const all = corpus.analysis(source).sentences;
  const i = all.findIndex((s) => s.start === span.start);
  const sameLine = (a: Span, b: Span) => !/[\r\n]/.test(article.text.slice(Math.min(a.end, b.end), Math.max(a.start, b.start)));
  const next = all[i + 1];
  if (next && sameLine(span, next) && hasOpenQuote(article.text.slice(next.start, next.end))) {
    return { start: span.start, end: next.end };
  }
  const prev = all[i - 1];
  if (prev && sameLine(prev, span) && hasOpenQuote(article.text.slice(prev.start, prev.end))) {
    return { start: prev.start, end: span.end };
  }
  return span;
}

/**
 * Quotes of the same article that overlap, or are separated only by spaces on
 * one line, become one quote; the result keeps the order of first mention.
 */
function mergeAdjacent(quotes: { source: string; span: Span }[], corpus: CorpusView): { source: string; span: Span }[] {
  const out = quotes.map((q) => ({ ...q }));
  const touching = (a: { source: string; span: Span }, b: { source: string; span: Span }) => {
    if (a.source !== b.source) return false;
    const gap = (corpus.article(a.source)?.text ?? "").slice(Math.min(a.span.end, b.span.end), Math.max(a.span.start, b.span.start));
    return gap.trim() === "" && !/[\r\n]/.test(gap);
  };
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i];
      const b = out[j];
      if (!a || !b || !touching(a, b)) continue;
      a.span = { start: Math.min(a.span.start, b.span.start), end: Math.max(a.span.end, b.span.end) };
      out.splice(j, 1);
      j = i; // the grown quote may now touch one already passed
    }
  }
  return out;
}

function closestArticles(passages: readonly Passage[], corpus: CorpusView): ArticleRef[] {
  const refs: ArticleRef[] = [];
  for (const p of passages) {
    if (refs.length >= 2 || refs.some((r) => r.source === p.chunk.source)) continue;
    const a = corpus.article(p.chunk.source);
    if (a) refs.push(articleRef(a));
  }
  return refs;
}

function abstention(closest: readonly ArticleRef[]): string {
  if (closest.length === 0) return ABSTAIN_TEXT;
  const names = closest.map((r) => `“${r.title}”${r.outlet ? ` (${r.outlet}${r.basis.outlet === "inferred" ? ", inferred" : ""})` : ""}`);
  return `${ABSTAIN_TEXT} The closest I have ${closest.length === 1 ? "is" : "are"} ${names.join(" and ")}.`;
}

/** How an answer names an article. */
export function articleRef(a: Article): ArticleRef {
  const { title, outlet, date } = a.meta;
  return { source: a.source, title: title.value, outlet: outlet.value, date: date.value, basis: { title: title.basis, outlet: outlet.basis, date: date.basis } };
}

/** Citation [n]: the article and the exact span of its text quoted. */
export function citationOf(n: number, a: Article, span: { readonly start: number; readonly end: number }): Citation {
  return { n, ...articleRef(a), quote: a.text.slice(span.start, span.end), start: span.start, end: span.end };
}
