import { analyseArticle, citationOf, sentenceContext, type ArticleAnalysis, type CorpusView } from "../answer/evidence.js";
import { attributeArticle } from "../knowledge/attribution.js";
import { findEntities } from "../knowledge/gazetteer.js";
import type { Span } from "../text/sentences.js";
import { sentenceSpans } from "../text/sentences.js";
import { termOf, uniqueTerms, words } from "../text/terms.js";
import type { Article, Citation, Passage, VerificationStats } from "../types.js";

/*
 * Checks a generated answer against the passages it was written from. Every
 * sentence must be supported by a sentence of a passage (its clauses each,
 * when it joins several): that sentence must contain most of the claim's
 * IDF-weighted words, every number and name the claim uses, any words it
 * quotes, and the same polarity (a claim with "not" needs a sentence with a
 * negation; "disagreed" is not supported by "agreed", nor "surplus" by
 * "deficit"). A citation that points at no passage, or at one that does not
 * support the sentence, is moved to the passage that does, or removed; a
 * sentence nothing supports is removed. Each kept citation quotes the
 * supporting sentence, cut from the article by its offsets.
 *
 * It is lexical: it cannot see that "After Serbia, Xi went to France" reverses
 * the order of a supported sentence. What it lets through shares the numbers,
 * names, quoted words, polarity and most of the words of a sentence in the
 * articles.
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
  readonly text: string;
  readonly terms: ReadonlySet<string>;
  /** Terms of the sentence before it and of the headline, which it may refer to, with their weight. */
  readonly context: ReadonlyMap<string, number>;
  /** Who speaks in the sentence (corpus knowledge): a claim that someone said it must name one of them. */
  readonly speakers: ReadonlySet<number>;
  /** Entities the sentence names. */
  readonly entities: ReadonlySet<number>;
}

/** What a clause asks of its support. */
interface Claim {
  readonly weights: ReadonlyMap<string, number>;
  readonly total: number;
  /**
   * Each must be in the supporting sentence or its context: numbers, and names
   * the articles never mention (an invented person, place or organisation).
   */
  readonly hard: ReadonlySet<string>;
  /** Names the claim uses: each must be named, in some form, by the supporting sentence. */
  readonly names: ReadonlySet<string>;
  readonly negated: boolean;
  /** Words the clause puts in quotation marks. */
  readonly quotes: readonly string[];
  /** Whom the clause has saying it ("Kallas said …"): entity ids, empty when it attributes nothing. */
  readonly speakers: readonly number[];
  /** Those of them that are bodies or places ("the EU called for …"), met by anyone speaking for them where they are named. */
  readonly institutions: readonly number[];
}

export interface VerifiedAnswer {
  /** The answer with renumbered [n] markers; empty when nothing survived. */
  readonly text: string;
  readonly citations: Citation[];
  readonly stats: VerificationStats;
}

const MARKER = /\s*\[(\d+(?:\s*,\s*\d+)*)\]/g;
const NEGATION = /\b(?:not|no|never|none|nor|neither|nobody|nothing|without|cannot|can't|won't|isn't|aren't|wasn't|weren't|didn't|doesn't|don't|hasn't|haven't|hadn't|shouldn't|wouldn't|couldn't|refused|denied|rejected|failed)\b|n't\b/i;
const ANTONYMS: readonly [string, string][] = (
  [
  ["deficit", "surplus"],
  ["increas", "decreas"],
  ["rise", "fall"],
  ["grow", "shrink"],
  ["support", "oppos"],
  ["accept", "reject"],
  ["approv", "reject"],
  ["win", "lose"],
  ["higher", "lower"],
  ["more", "less"],
  ["befor", "after"],
  ["ban", "allow"],
  ["join", "leav"],
  ["join", "withdraw"],
  ["join", "exit"],
  ["join", "quit"],
  ["open", "close"],
  ] as [string, string][]
).map(([a, b]) => [termOf(a) ?? a, termOf(b) ?? b]);
const FLIP_PREFIXES = ["dis", "un", "non", "in", "im"];
/** News writes a capital for its country: "Beijing said" is China speaking. */
const SAME_ACTOR: readonly string[][] = [
  ["beijing", "china", "chines"],
  ["brussel", "eu", "european"],
  ["washington", "us", "american"],
  ["moscow", "russia", "russian"],
  ["kyiv", "ukrain", "ukrainian"],
  ["pari", "franc", "french"],
  ["rome", "itali", "italian"],
].map((group) => group.map((w) => termOf(w) ?? w));

/**
 * Whether the unit names `name` in some form: itself, a form sharing its first
 * four letters (Europe, European), its initials (EU for European Union), or
 * the capital standing for the country.
 */
function names(unit: Unit, name: string): boolean {
  if (unit.terms.has(name) || unit.context.has(name)) return true;
  const all = [...unit.terms, ...unit.context.keys()];
  if (name.length >= 4 && all.some((t) => t.length >= 4 && t.slice(0, 4) === name.slice(0, 4))) return true;
  const initials = [...unit.text.matchAll(/\b\p{Lu}\p{L}+(?:\s+\p{Lu}\p{L}+)+/gu)].map((m) =>
    m[0]
      .split(/\s+/)
      .map((w) => w[0]?.toLowerCase())
      .join(""),
  );
  if (initials.includes(name)) return true;
  return SAME_ACTOR.some((group) => group.includes(name) && group.some((t) => all.includes(t)));
}

/**
 * Normalises what models write instead of [n] — (1), [^1], 【1】, [1-3],
 * [1; 2], (Source 1), [Passage 2] — and strips reasoning blocks.
 */
export function normaliseMarkers(raw: string): string {
  return raw
    .replace(/<think>[\s\S]*?(<\/think>|$)/gi, "")
    .replace(/【\s*(\d+)\s*】/g, "[$1]")
    .replace(/\[\^(\d+)\]/g, "[$1]")
    .replace(/[([]\s*(?:source|passage|ref(?:erence)?)s?\s*(\d+(?:\s*[,;&]\s*\d+)*)\s*[)\]]/gi, "[$1]")
    .replace(/\[(\d+)\s*[-–]\s*(\d+)\]/g, (_, a: string, b: string) => {
      const [from, to] = [Number(a), Number(b)];
      return to >= from && to - from < 20 ? Array.from({ length: to - from + 1 }, (_x, i) => `[${from + i}]`).join("") : `[${a}]`;
    })
    .replace(/\[(\d+(?:\s*[;&]\s*\d+)+)\]/g, (_, list: string) => `[${list.replace(/\s*[;&]\s*/g, ", ")}]`)
    .replace(/(?<=[\p{L}\p{N}.,;:!?"”'’])\s?\((\d{1,2})\)(?=[\s.,;:!?]|$)/gu, " [$1]");
}

function units(passages: readonly Passage[], corpus: CorpusView): Unit[] {
  const out: Unit[] = [];
  passages.forEach((p, i) => {
    const article = corpus.article(p.chunk.source);
    if (!article) return;
    const analysis = corpus.analysis(p.chunk.source);
    analysis.sentences.forEach((span, j) => {
      if (span.end <= p.chunk.start || span.start >= p.chunk.end) return;
      out.push(unitOf(analysis, article.text, j, i + 1, p.chunk.source));
    });
  });
  return out;
}

function unitOf(analysis: ArticleAnalysis, text: string, i: number, passage: number, source: string): Unit {
  const span = analysis.sentences[i] as Span;
  return {
    passage,
    source,
    span,
    text: text.slice(span.start, span.end),
    terms: analysis.terms[i] ?? new Set<string>(),
    context: sentenceContext(analysis, text, i),
    speakers: new Set(analysis.facts[i]?.speakers ?? []),
    entities: new Set(analysis.facts[i]?.entities ?? []),
  };
}

/** Who a generated sentence says is speaking ("Wang Yi said …", "according to Kallas, …"), read as articles are read. */
function claimSpeakers(text: string, corpus: CorpusView): { speakers: number[]; institutions: number[] } {
  const { gazetteer, nlp } = corpus.lexicon;
  const matches = findEntities(gazetteer, text, nlp, { caseSensitive: true });
  if (matches.length === 0) return { speakers: [], institutions: [] };
  const [attribution] = attributeArticle(text, [{ start: 0, end: text.length, matches, body: true }], gazetteer.entities);
  // A capital speaks for its country ("Beijing said" is China's word, and the other way round).
  const speakers = (attribution?.speakers ?? []).flatMap((id) => [id, ...(gazetteer.related.get(id) ?? [])]);
  return { speakers, institutions: speakers.filter((id) => gazetteer.entities[id]?.kind !== "person") };
}

const normaliseQuote = (s: string) =>
  s
    .toLowerCase()
    .replace(/[‘’]/g, "'")
    .replace(/[^\p{L}\p{N}' ]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();

/**
 * `negated`: whether the whole sentence the clause comes from has a negation (its clauses share it).
 * `speakers`: who the sentence has speaking, when the corpus knowledge can tell.
 */
function claimOf(
  text: string,
  idf: (term: string) => number,
  known: (term: string) => boolean,
  negated = NEGATION.test(text),
  who: { speakers: readonly number[]; institutions: readonly number[] } = { speakers: [], institutions: [] },
): Claim {
  const weights = new Map(uniqueTerms(text).map((t) => [t, idf(t)]));
  const hard = new Set<string>();
  const nameTerms = new Set<string>();
  words(text).forEach((w, i) => {
    const t = termOf(w.word);
    if (!t) return;
    const isName = i > 0 && /^\p{Lu}/u.test(w.word);
    if (/\d/.test(w.word) || (isName && !known(t))) hard.add(t);
    else if (isName) nameTerms.add(t);
  });
  const quotes = [...text.matchAll(/["“]([^"”]{3,})["”]/g)].map((m) => normaliseQuote(m[1] ?? "")).filter((q) => q.split(" ").length >= 2);
  return { weights, total: [...weights.values()].reduce((a, b) => a + b, 0), hard, names: nameTerms, negated, quotes, ...who };
}

/** Whether `unit` supports `claim`; the share of its term weight when it does, else null. */
function support(claim: Claim, unit: Unit, threshold: number): number | null {
  let hit = 0;
  for (const [t, w] of claim.weights) hit += unit.terms.has(t) ? w : (unit.context.get(t) ?? 0) * w;
  const share = claim.total > 0 ? hit / claim.total : 0;
  if (share < threshold) return null;
  for (const t of claim.hard) if (!unit.terms.has(t) && !unit.context.has(t)) return null;
  for (const t of claim.names) if (!names(unit, t)) return null;
  if (claim.negated !== NEGATION.test(unit.text)) return null;
  for (const t of claim.weights.keys()) {
    if (unit.terms.has(t)) continue;
    if (FLIP_PREFIXES.some((p) => t.startsWith(p) && t.length > p.length + 2 && unit.terms.has(t.slice(p.length)))) return null;
    if (ANTONYMS.some(([a, b]) => (t === a && unit.terms.has(b)) || (t === b && unit.terms.has(a)))) return null;
  }
  const quoted = normaliseQuote(unit.text);
  if (claim.quotes.some((q) => !quoted.includes(q))) return null;
  // "Wang Yi said …" is not supported by a sentence in which Kallas says it.
  const speaksFor = claim.institutions.some((id) => unit.entities.has(id)) && unit.speakers.size > 0;
  if (claim.speakers.length > 0 && !claim.speakers.some((id) => unit.speakers.has(id)) && !speaksFor) return null;
  return share;
}

function best(claim: Claim, candidates: readonly Unit[], threshold: number): Unit | null {
  let top: { unit: Unit; share: number } | null = null;
  for (const unit of candidates) {
    const share = support(claim, unit, threshold);
    if (share !== null && (!top || share > top.share)) top = { unit, share };
  }
  return top?.unit ?? null;
}

/** Best share of its term weight that any sentence of `text` gives `claim`, or 0 when none passes the other checks. */
export function supportInText(claim: string, text: string, idf: (term: string) => number, known: (term: string) => boolean, threshold = 0): number {
  // Every sentence of the text, read exactly as verifyAnswer reads a passage's sentences.
  const analysis = analyseArticle(text);
  const textUnits = analysis.sentences.map((_, i) => unitOf(analysis, text, i, 0, ""));
  // As in verifyAnswer: every clause must be supported; the weakest clause decides.
  const shares = clausesOf(claim)
    .map((c) => claimOf(c, idf, known, NEGATION.test(claim)))
    .filter((c) => c.weights.size >= 2)
    .map((c) => Math.max(0, ...textUnits.map((u) => support(c, u, threshold) ?? 0)));
  return shares.length ? Math.min(...shares) : 0;
}

/** A sentence joining several statements is checked statement by statement. */
function clausesOf(sentence: string): string[] {
  return sentence
    .split(/;\s+|,\s+(?=(?:and|but|so|while|whereas|where|which|who|although|though|then)\b)|\s+(?=(?:and then|but)\s)/i)
    .map((c) => c.trim())
    .filter(Boolean);
}

/** The answer's sentences, line by line (lines and bullets are sentence breaks), without an unfinished last one. */
function sentencesOf(text: string): string[] {
  const out: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "").replace(/\s+/g, " ").trim();
    if (!line) continue;
    // Markers written after the full stop ("… levels. [1]") belong to the sentence before them.
    const moved = line.replace(/([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)/g, "$2$1");
    for (const s of sentenceSpans(moved)) out.push(moved.slice(s.start, s.end));
  }
  // A reply cut off by the token limit or a dropped connection ends mid-sentence.
  const last = out.at(-1);
  if (last && !/[.!?:"”)\]]$/.test(last)) out.pop();
  return out;
}

export function verifyAnswer(raw: string, passages: readonly Passage[], corpus: CorpusView, params: VerifyParams): VerifiedAnswer {
  const evidence = units(passages, corpus);
  const stats = { claims: 0, claimsKept: 0, claimsRemoved: 0, citationsGiven: 0, citationsKept: 0, citationsMoved: 0, citationsDropped: 0, citationsAdded: 0 };
  const kept: { sentence: string; units: Unit[] }[] = [];

  for (const sentence of sentencesOf(normaliseMarkers(raw))) {
    const given = [...new Set([...sentence.matchAll(MARKER)].flatMap((m) => (m[1] ?? "").split(",").map((n) => Number(n.trim()))))];
    const bare = sentence.replace(MARKER, "").replace(/\s+([.,;:!?])/g, "$1").trim();
    stats.citationsGiven += given.length;
    // A short lead-in ("Here is what the articles say:") states nothing; anything else must be supported.
    if (/:$/.test(bare) && uniqueTerms(bare).length < 4 && !NEGATION.test(bare) && /^[\p{Script=Latin}\p{N}\p{P}\p{Zs}]*$/u.test(bare)) {
      stats.citationsDropped += given.length;
      kept.push({ sentence: bare, units: [] });
      continue;
    }
    stats.claims++;
    const speakers = claimSpeakers(bare, corpus);
    const clauses = clausesOf(bare).map((c) => claimOf(c, corpus.idf, corpus.known, NEGATION.test(bare), speakers));
    const meaningful = clauses.filter((c) => c.weights.size >= 2);
    // Each clause needs a supporting sentence in a cited passage; failing that, anywhere.
    const cited = evidence.filter((u) => given.includes(u.passage));
    const fromCited = meaningful.map((c) => best(c, cited, params.threshold));
    const supportedByCited = meaningful.length > 0 && fromCited.every((u) => u !== null);
    const units = supportedByCited ? (fromCited as Unit[]) : meaningful.map((c) => best(c, evidence, params.threshold));
    if (meaningful.length === 0 || units.some((u) => u === null)) {
      stats.claimsRemoved++;
      stats.citationsDropped += given.length;
      continue;
    }
    const supporting = [...new Set(units as Unit[])];
    const keptPassages = new Set(supporting.map((u) => u.passage));
    const keptGiven = given.filter((n) => keptPassages.has(n)).length;
    stats.citationsKept += keptGiven;
    if (given.length === 0) stats.citationsAdded += keptPassages.size;
    else if (keptGiven === 0) {
      stats.citationsMoved++;
      stats.citationsDropped += given.length - 1;
    } else {
      stats.citationsDropped += given.length - keptGiven;
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
        citations.push(citationOf(n, corpus.article(u.source) as Article, u.span));
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
