import type { CorpusView } from "../answer/compose.js";
import type { Span } from "../text/sentences.js";
import { sentenceSpans } from "../text/sentences.js";
import { uniqueTerms } from "../text/terms.js";
import type { Article, Citation, Passage, VerificationStats } from "../types.js";

/*
 * Checks a generated answer against the passages it was written from. Each
 * sentence that states something (a claim) must be supported by the passage
 * it cites: a sentence of that passage must contain most of the claim's
 * (IDF-weighted) terms. A citation that points at no passage is removed; one
 * that points at the wrong passage is moved to the passage that does support
 * the claim; a claim no passage supports is removed. Each kept citation quotes
 * the supporting sentence, cut from the article by its offsets.
 */

export interface VerifyParams {
  /** Share of a claim's term weight a sentence must contain to support it. */
  readonly threshold: number;
}

/** A sentence of a passage that a claim can rest on. */
interface Unit {
  readonly passage: number;
  readonly source: string;
  readonly span: Span;
  readonly terms: ReadonlySet<string>;
  /** Terms of the sentence before it and of the headline, which it may refer to, with their weight. */
  readonly context: ReadonlyMap<string, number>;
}

export interface VerifiedAnswer {
  /** The answer with renumbered [n] markers; empty when nothing survived. */
  readonly text: string;
  readonly citations: Citation[];
  readonly stats: VerificationStats;
}


const MARKER = /\s*\[(\d+(?:\s*,\s*\d+)*)\]/g;
const PREVIOUS_WEIGHT = 0.5;
const HEADLINE_WEIGHT = 0.3;

function units(passages: readonly Passage[], corpus: CorpusView): Unit[] {
  const out: Unit[] = [];
  passages.forEach((p, i) => {
    const analysis = corpus.analysis(p.chunk.source);
    analysis.sentences.forEach((span, j) => {
      if (span.end <= p.chunk.start || span.start >= p.chunk.end) return;
      const terms = analysis.terms[j] ?? new Set<string>();
      const context = new Map<string, number>();
      for (const t of analysis.headline) if (!terms.has(t)) context.set(t, HEADLINE_WEIGHT);
      for (const t of analysis.terms[j - 1] ?? []) if (!terms.has(t)) context.set(t, PREVIOUS_WEIGHT);
      out.push({ passage: i + 1, source: p.chunk.source, span, terms, context });
    });
  });
  return out;
}

/** Share of the claim's term weight found in the unit (context terms counting partly). */
function support(weights: ReadonlyMap<string, number>, total: number, unit: Unit): number {
  let hit = 0;
  for (const [t, w] of weights) hit += unit.terms.has(t) ? w : (unit.context.get(t) ?? 0) * w;
  return total > 0 ? hit / total : 0;
}

function best(candidates: readonly Unit[], weights: ReadonlyMap<string, number>, total: number): { unit: Unit; score: number } | null {
  let top: { unit: Unit; score: number } | null = null;
  for (const unit of candidates) {
    const score = support(weights, total, unit);
    if (!top || score > top.score) top = { unit, score };
  }
  return top;
}

/** Best support any sentence of `text` gives `claim` (for calibration and tests). */
export function supportInText(claim: string, text: string, idf: (term: string) => number): number {
  const weights = new Map(uniqueTerms(claim).map((t) => [t, idf(t)]));
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const spans = sentenceSpans(text);
  const termSets = spans.map((s) => new Set(uniqueTerms(text.slice(s.start, s.end))));
  let top = 0;
  termSets.forEach((terms, i) => {
    const context = new Map<string, number>();
    for (const t of termSets[i - 1] ?? []) if (!terms.has(t)) context.set(t, PREVIOUS_WEIGHT);
    const span = spans[i];
    if (span) top = Math.max(top, support(weights, total, { passage: 0, source: "", span, terms, context }));
  });
  return top;
}

export function verifyAnswer(raw: string, passages: readonly Passage[], corpus: CorpusView, params: VerifyParams): VerifiedAnswer {
  const evidence = units(passages, corpus);
  // Markers written after the full stop ("… levels. [1]") belong to the sentence before them.
  const text = raw
    .replace(/\s+/g, " ")
    .replace(/([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)/g, "$2$1")
    .trim();
  const stats = { claims: 0, claimsKept: 0, claimsRemoved: 0, citationsGiven: 0, citationsKept: 0, citationsMoved: 0, citationsDropped: 0, citationsAdded: 0 };
  const kept: { sentence: string; units: Unit[] }[] = [];

  for (const s of sentenceSpans(text)) {
    const sentence = text.slice(s.start, s.end);
    const given = [...new Set([...sentence.matchAll(MARKER)].flatMap((m) => (m[1] ?? "").split(",").map((n) => Number(n.trim()))))];
    const bare = sentence.replace(MARKER, "").replace(/\s+([.,;:!?])/g, "$1").trim();
    stats.citationsGiven += given.length;
    const weights = new Map(uniqueTerms(bare).map((t) => [t, corpus.idf(t)]));
    const total = [...weights.values()].reduce((a, b) => a + b, 0);
    if (weights.size < 2) {
      // Not a claim ("Here is what the articles say:"); markers on it mean nothing.
      stats.citationsDropped += given.length;
      if (bare) kept.push({ sentence: bare, units: [] });
      continue;
    }
    stats.claims++;
    // Each cited passage must support the claim by one of its sentences.
    const supporting = given
      .map((n) => best(evidence.filter((u) => u.passage === n), weights, total))
      .filter((b): b is { unit: Unit; score: number } => b !== null && b.score >= params.threshold)
      .map((b) => b.unit);
    stats.citationsKept += supporting.length;
    stats.citationsDropped += given.length - supporting.length;
    if (supporting.length === 0) {
      // Wrongly cited or uncited: the passage that does support it, if any, is cited instead.
      const anywhere = best(evidence, weights, total);
      if (anywhere && anywhere.score >= params.threshold) {
        supporting.push(anywhere.unit);
        if (given.length) {
          stats.citationsMoved++;
          stats.citationsDropped--;
        } else {
          stats.citationsAdded++;
        }
      }
    }
    if (supporting.length === 0) {
      stats.claimsRemoved++;
      continue;
    }
    stats.claimsKept++;
    kept.push({ sentence: bare, units: supporting });
  }

  // Number the supporting sentences by first use; the same sentence keeps one number.
  const citations: Citation[] = [];
  const numberOf = new Map<string, number>();
  const parts = kept.map(({ sentence, units: us }) => {
    const markers = us.map((u) => {
      const key = `${u.source}:${u.span.start}`;
      let n = numberOf.get(key);
      if (n === undefined) {
        n = citations.length + 1;
        numberOf.set(key, n);
        const article = corpus.article(u.source) as Article;
        citations.push({
          n,
          source: u.source,
          title: article.meta.title.value,
          outlet: article.meta.outlet.value,
          date: article.meta.date.value,
          basis: { title: article.meta.title.basis, outlet: article.meta.outlet.basis, date: article.meta.date.basis },
          quote: article.text.slice(u.span.start, u.span.end),
          start: u.span.start,
          end: u.span.end,
        });
      }
      return n;
    });
    const uniqueMarkers = [...new Set(markers)].sort((a, b) => a - b);
    if (uniqueMarkers.length === 0) return sentence;
    const m = /^(.*?)([.!?]*)$/s.exec(sentence);
    return `${m?.[1] ?? sentence} ${uniqueMarkers.map((n) => `[${n}]`).join("")}${m?.[2] ?? ""}`;
  });
  return { text: stats.claimsKept ? parts.join(" ") : "", citations, stats };
}
