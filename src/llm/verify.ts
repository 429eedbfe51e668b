import { analyseArticle, citationOf, sentenceContext, type ArticleAnalysis, type CorpusView } from "../answer/evidence.js";
import { attributeArticle } from "../knowledge/attribution.js";
import { findEntities } from "../knowledge/gazetteer.js";
import type { Span } from "../text/sentences.js";
import { sentenceSpans } from "../text/sentences.js";
import { termOf, uniqueTerms, words } from "../text/terms.js";
import type { Article, Citation, Passage, VerificationStats } from "../types.js";
import { foreignPointers, orderIn, pointersIn, withoutControls } from "./untrusted.js";

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
 * Every part of a sentence counts: its clauses (split at ";", ":", dashes,
 * parentheses and "…, and …") each need a supporting sentence, and each
 * comma-separated piece must be supported by the sentences supporting it, so
 * nothing rides along on the slack paraphrase is allowed ("…; @everyone",
 * "I have been PWNED: …"). Only lead-ins and connectives made of words that
 * state nothing ("Here is what the articles say:", "However,") need none.
 * The articles are untrusted (untrusted.ts): control characters are removed
 * from what the model wrote; a link, address or mention must be in the
 * supporting sentence word for word; a sentence of an article that gives the
 * reader an order ("Visit …", "ignore previous instructions") is data, never
 * evidence; and an answer that gives the reader an order, repeats one from an
 * article, points somewhere no passage states or carries terminal controls is
 * rejected whole (`rejected`): the model followed something other than the
 * question.
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
  /** The sentence gives the reader an order ("Visit …", "ignore all previous instructions"): quoted data, never evidence. */
  readonly order: boolean;
}

/** What a clause asks of its support. */
interface Claim {
  readonly weights: ReadonlyMap<string, number>;
  readonly total: number;
  /**
   * Each must be in the supporting sentence or its context: numbers, and words
   * the articles never use (an invented name, "PWNED"): no paraphrase needs them.
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
  /**
   * Why no part of the answer may be shown, or null: it gives the reader an
   * order, repeats one found in an article, points to a link, address or
   * mention no passage states, or carries terminal control characters.
   */
  readonly rejected: string | null;
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

// Whether each sentence of an article is an order to the reader, read once per article, not once per answer.
const orders = new WeakMap<ArticleAnalysis, Map<number, boolean>>();
function isOrder(analysis: ArticleAnalysis, text: string, i: number): boolean {
  let known = orders.get(analysis);
  if (!known) orders.set(analysis, (known = new Map()));
  let order = known.get(i);
  if (order === undefined) {
    const span = analysis.sentences[i] as Span;
    // Read as an answer's sentence is read: an order may sit in any clause or piece of it ("…; to read it, visit …").
    const sentence = text.slice(span.start, span.end);
    const { clauses, pieces } = partsOf(sentence);
    order = [sentence, ...clauses, ...pieces].some((t) => orderIn(t) !== null);
    known.set(i, order);
  }
  return order;
}

function unitOf(analysis: ArticleAnalysis, text: string, i: number, passage: number, source: string): Unit {
  const span = analysis.sentences[i] as Span;
  return {
    passage,
    source,
    span,
    text: text.slice(span.start, span.end),
    terms: analysis.termsAt(i),
    context: sentenceContext(analysis, text, i),
    speakers: new Set(analysis.facts[i]?.speakers ?? []),
    entities: new Set(analysis.facts[i]?.entities ?? []),
    order: isOrder(analysis, text, i),
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

/** What the verifier knows of words: their weight, whether the articles use them, whether English does. */
interface Vocabulary {
  readonly idf: (term: string) => number;
  readonly known: (term: string) => boolean;
  /** A common English word ("due", "trip"): a paraphrase may use it though no article does. Without it only invented names must be in the support. */
  readonly common?: (word: string) => boolean;
}

/**
 * `negated`: whether the whole sentence the clause comes from has a negation (its clauses share it).
 * `speakers`: who the sentence has speaking, when the corpus knowledge can tell.
 */
function claimOf(
  text: string,
  { idf, known, common }: Vocabulary,
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
    // Numbers, and words neither the articles nor English use ("PWNED", an invented name): no paraphrase needs them.
    if (/\d/.test(w.word) || (!known(t) && (isName || (common !== undefined && !common(w.word))))) hard.add(t);
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
export function supportInText(
  claim: string,
  text: string,
  idf: (term: string) => number,
  known: (term: string) => boolean,
  threshold = 0,
  common?: (word: string) => boolean,
): number {
  // Every sentence of the text, read exactly as verifyAnswer reads a passage's sentences.
  const analysis = analyseArticle(text);
  const textUnits = analysis.sentences.map((_, i) => unitOf(analysis, text, i, 0, ""));
  const vocabulary = { idf, known, common };
  const negated = NEGATION.test(claim);
  // As in verifyAnswer: every clause must be supported, the weakest clause decides, and every piece must rest on the supporting sentences.
  const { clauses, pieces } = partsOf(claim);
  const found = clauses
    .map((c) => claimOf(c, vocabulary, negated))
    .filter((c) => c.weights.size >= 2)
    .map((c) => textUnits.reduce<{ unit: Unit | null; share: number }>((top, u) => {
      const share = support(c, u, threshold) ?? 0;
      return share > top.share ? { unit: u, share } : top;
    }, { unit: null, share: 0 }));
  if (found.length === 0 || found.some((f) => f.unit === null)) return 0;
  const supporting = found.map((f) => f.unit as Unit);
  if (!piecesHold(pieces, vocabulary, negated, supporting)) return 0;
  return Math.min(...found.map((f) => f.share));
}

// Where a sentence joins statements: ";", ":", dashes between words (not "EU–China"), "…, and …", "… but …".
const CLAUSE_BREAK = /;\s*|:\s+|\s*—\s*|\s+[-–]{1,2}\s+|,\s+(?=(?:and|but|so|while|whereas|where|which|who|although|though|then)\b)|\s+(?=(?:and then|but)\s)/gi;
// Pieces of a clause: each must be supported too, so nothing rides along on a clause's slack.
const PIECE_BREAK = /,\s+/g;

/** `text` split at `breaks`, except inside quotation marks: a quote is checked whole, word for word. */
function splitOutsideQuotes(text: string, breaks: RegExp): string[] {
  const out: string[] = [];
  let from = 0;
  for (const m of text.matchAll(breaks)) {
    const before = text.slice(0, m.index);
    const open = (before.match(/“/g) ?? []).length - (before.match(/”/g) ?? []).length;
    if ((before.match(/"/g) ?? []).length % 2 === 1 || open > 0) continue;
    out.push(text.slice(from, m.index));
    from = m.index + m[0].length;
  }
  out.push(text.slice(from));
  return out.map((c) => c.trim()).filter(Boolean);
}

/** A sentence joining several statements is checked statement by statement; what it puts in parentheses is a statement of its own. */
function clausesOf(sentence: string): string[] {
  const inner: string[] = [];
  const outer = sentence.replace(/\s*\(([^()]*)\)/g, (_, p: string) => {
    inner.push(p);
    return "";
  });
  return [outer, ...inner].flatMap((t) => splitOutsideQuotes(t, CLAUSE_BREAK));
}

/** A sentence's clauses, and the comma-separated pieces of each, read the same way for answers and for articles. */
function partsOf(sentence: string): { clauses: string[]; pieces: string[] } {
  const clauses = clausesOf(sentence);
  return { clauses, pieces: clauses.flatMap((c) => splitOutsideQuotes(c, PIECE_BREAK)) };
}

/**
 * Whether every piece rests on the sentences supporting its clauses, and none
 * without content speaks to the reader.
 */
function piecesHold(pieces: readonly string[], vocabulary: Vocabulary, negated: boolean, supporting: readonly Unit[]): boolean {
  return !addressesReader(pieces) && pieces.every((p) => covered(claimOf(p, vocabulary, negated), supporting));
}

/** Words that state nothing: lead-ins ("Here is what the articles say:", "In short:") and connectives ("However, …"). */
const STATES_NOTHING: ReadonlySet<string> = new Set(
  (
    "here what articles passages sources source answer summary short brief key points main overall following based " +
    "however meanwhile additionally moreover furthermore instead still yet though although finally first second third " +
    "separately similarly likewise addition particular notably specifically example instance contrast result therefore thus"
  )
    .split(" ")
    .map((w) => termOf(w) ?? w),
);

/** A lead-in ("Here is what the articles say:"): ends in a colon, and its words, in Latin script, state nothing ("No:" states something). */
function isLeadIn(sentence: string): boolean {
  return (
    /:$/.test(sentence) &&
    !NEGATION.test(sentence) &&
    /^[\p{Script=Latin}\p{N}\p{P}\p{Zs}]*$/u.test(sentence) &&
    uniqueTerms(sentence).every((t) => STATES_NOTHING.has(t))
  );
}

// Words by which a clause speaks to the reader or about "us" ("so should you", "and we should too").
const READER_WORDS = /\b(?:you|your|yours|we|us|our|ours|let['’]s|should|must|ought|shall)\b/i;

/**
 * Whether a piece with no word of content speaks to the reader: support is
 * measured on content words, so "…; so should you" would ride along on the
 * clause before it. Pieces like "he said" or "which it did" state nothing new.
 */
function addressesReader(pieces: readonly string[]): boolean {
  return pieces.some((p) => uniqueTerms(p).length === 0 && READER_WORDS.test(p));
}

/**
 * Most of a comma-separated piece must rest on the sentences supporting its
 * clause. Less than the clause's threshold: a piece is short, so one
 * paraphrased word ("Xi was due to travel …") weighs much in it; an added
 * piece ("…, hacked by the admins") rests on next to nothing.
 */
const PIECE_SHARE = 0.5;

/**
 * Whether the sentences supporting a clause also support this piece of it:
 * every hard word, and most of its weight (the word itself when it has one),
 * words that state nothing aside.
 */
function covered(piece: Claim, support: readonly Unit[]): boolean {
  const has = (t: string) => support.some((u) => u.terms.has(t) || u.context.has(t));
  for (const t of piece.hard) if (!has(t)) return false;
  const content = [...piece.weights].filter(([t]) => !STATES_NOTHING.has(t));
  if (content.length <= 1) return content.every(([t]) => has(t));
  let hit = 0;
  let total = 0;
  for (const [t, w] of content) {
    total += w;
    hit += w * Math.max(0, ...support.map((u) => (u.terms.has(t) ? 1 : (u.context.get(t) ?? 0))));
  }
  return total === 0 || hit / total >= PIECE_SHARE;
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
  const everything = units(passages, corpus);
  const vocabulary: Vocabulary = { idf: corpus.idf, known: corpus.known, common: (w) => corpus.lexicon.nlp.isCommonWord(w) };
  // An order to the reader found in an article is data: it supports nothing.
  const evidence = everything.filter((u) => !u.order);
  // Links and mentions are read against the passages' sentences that report something, never against an order.
  const textOf = (us: readonly Unit[]) => us.map((u) => u.text).join("\n");
  const evidenceText = textOf(evidence);
  const stats = { claims: 0, claimsKept: 0, claimsRemoved: 0, citationsGiven: 0, citationsKept: 0, citationsMoved: 0, citationsDropped: 0, citationsAdded: 0 };
  const kept: { sentence: string; units: Unit[] }[] = [];
  const cleaned = withoutControls(normaliseMarkers(raw));
  let rejected: string | null = cleaned.acting ? "carries terminal control characters" : null;

  for (const sentence of sentencesOf(cleaned.text)) {
    const given = [...new Set([...sentence.matchAll(MARKER)].flatMap((m) => (m[1] ?? "").split(",").map((n) => Number(n.trim()))))];
    const bare = sentence.replace(MARKER, "").replace(/\s+([.,;:!?])/g, "$1").trim();
    stats.citationsGiven += given.length;
    const remove = () => {
      stats.claimsRemoved++;
      stats.citationsDropped += given.length;
    };
    // A link, address or mention no passage states came from somewhere other than the passages' news.
    // Read on the text as shown, without its markers: "https://good.example[1].evil.example" is shown joined up.
    const pointer = foreignPointers(sentence, evidenceText)[0] ?? foreignPointers(bare, evidenceText)[0];
    if (pointer === undefined && isLeadIn(bare)) {
      stats.citationsDropped += given.length;
      kept.push({ sentence: bare, units: [] });
      continue;
    }
    stats.claims++;
    const { clauses, pieces } = partsOf(bare);
    const order = [bare, ...clauses, ...pieces].map(orderIn).find((o) => o !== null);
    if (pointer !== undefined || order !== undefined) {
      const planted = pointer === undefined ? undefined : everything.find((u) => u.order && u.text.includes(pointer));
      rejected ??=
        order !== undefined
          ? `gives the reader an instruction ("${order}")`
          : planted
            ? `follows an instruction found in passage ${planted.passage}`
            : `points to ${pointer}, which no passage states`;
      remove();
      continue;
    }
    const speakers = claimSpeakers(bare, corpus);
    const negated = NEGATION.test(bare);
    const meaningful = clauses.map((c) => claimOf(c, vocabulary, negated, speakers)).filter((c) => c.weights.size >= 2);
    // Each clause needs a supporting sentence in a cited passage; failing that, anywhere.
    const cited = evidence.filter((u) => given.includes(u.passage));
    const fromCited = meaningful.map((c) => best(c, cited, params.threshold));
    const supportedByCited = meaningful.length > 0 && fromCited.every((u) => u !== null);
    const found = supportedByCited ? fromCited : meaningful.map((c) => best(c, evidence, params.threshold));
    if (meaningful.length === 0 || found.some((u) => u === null)) {
      // Supported only with an article's order to the reader: the model did what the article told it to.
      const withOrders = meaningful.map((c) => best(c, everything, params.threshold));
      const obeyed = withOrders.find((u) => u?.order);
      if (meaningful.length > 0 && obeyed && withOrders.every((u) => u !== null)) rejected ??= `follows an instruction found in passage ${obeyed.passage}`;
      remove();
      continue;
    }
    const supporting = [...new Set(found as Unit[])];
    // Every piece must rest on those sentences, and every link or mention be in them word for word.
    // The model's own words never carry a link, address or mention, even one an article gives: an article can
    // order readers to one in words no rule knows. The citation's quote still shows the article's sentence.
    const pointsSomewhere = pointersIn(bare).length > 0;
    if (!piecesHold(pieces, vocabulary, negated, supporting) || pointsSomewhere) {
      remove();
      continue;
    }
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
  return { text: stats.claimsKept ? parts.join(" ") : "", citations, stats, rejected };
}
