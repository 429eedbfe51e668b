/*
 * Plain data passed between the core and its adapters. Offsets are indexes
 * into the article's text as a JavaScript string (UTF-16 code units) after
 * UTF-8 decoding, so `article.text.slice(start, end)` is the span.
 */

/** Whether a metadata value is printed in the article or worked out from it. */
export type Basis = "stated" | "inferred" | "unknown";

export interface Attributed<T> {
  readonly value: T;
  readonly basis: Basis;
  /** Why an inferred value was inferred, or where a stated one is stated. */
  readonly note?: string;
}

export interface ArticleMeta {
  readonly title: Attributed<string>;
  readonly outlet: Attributed<string | null>;
  /** ISO date (YYYY-MM-DD or YYYY-MM); `kind` says whether it dates the event or the article. */
  readonly date: Attributed<string | null> & { readonly kind: "event" | "publication" };
  readonly place: Attributed<string | null>;
  /** Id of an entry in the metadata's `events`. */
  readonly event: Attributed<string | null>;
  readonly peopleQuoted: Attributed<readonly string[]>;
  /**
   * The article's web address (an absolute http: or https: URL, as `URL.href`)
   * when the metadata file states one; null otherwise. Never inferred, so it
   * has no basis: when present it is stated.
   */
  readonly url: string | null;
}

export interface SummitEvent {
  readonly id: string;
  readonly name: string;
  readonly place: Attributed<string>;
  readonly date: Attributed<string>;
  readonly participants: readonly string[];
}

export interface Article {
  /** The file name inside the corpus folder; citations and evaluations use it. */
  readonly source: string;
  readonly text: string;
  /** sha256 of the file's bytes. */
  readonly hash: string;
  /** The file's modification time and size when it was read, to notice later edits. */
  readonly modifiedMs: number;
  readonly size: number;
  readonly meta: ArticleMeta;
}

export interface Chunk {
  /** Stable integer id; also the chunk's label in the HNSW index. */
  readonly id: number;
  readonly source: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** A chunk returned by retrieval, with the scores that ranked it. */
export interface Passage {
  readonly chunk: Chunk;
  /** Fused score: lexical weight × `lexical` + dense weight × `dense` (in [0, 1] when the weights sum to 1). */
  readonly score: number;
  /** BM25 score scaled by the best lexical hit of this query (0 when the chunk shares no term with it, or lexical retrieval is off). */
  readonly lexical: number;
  /** Cosine similarity to the question, for every candidate (0 when dense retrieval is off). */
  readonly dense: number;
  /** Rank among the lexical candidates, or null when the chunk was not one of them. */
  readonly lexicalRank: number | null;
  /** Rank among the dense candidates, or null when the chunk was not one of them. */
  readonly denseRank: number | null;
}

export interface Citation extends ArticleRef {
  /** The number used as [n] in the answer text. */
  readonly n: number;
  /** Exactly `article.text.slice(start, end)`. */
  readonly quote: string;
  readonly start: number;
  readonly end: number;
}

export interface ArticleRef {
  readonly source: string;
  readonly title: string;
  readonly outlet: string | null;
  readonly date: string | null;
  /** The article's web address when the metadata states one (see ArticleMeta.url), else null. */
  readonly url: string | null;
  /** Whether the article states its title, outlet and date or they were inferred (see seeds/metadata.json). */
  readonly basis: { readonly title: Basis; readonly outlet: Basis; readonly date: Basis };
}

/** Time spent answering one question (the index and model already loaded). */
export interface Timings {
  embedMs: number;
  lexicalMs: number;
  denseMs: number;
  composeMs: number;
  totalMs: number;
}

/** What verification did to a generated answer. */
export interface VerificationStats {
  /** Sentences that state something (two or more content words). */
  readonly claims: number;
  readonly claimsKept: number;
  readonly claimsRemoved: number;
  /** [n] markers as the model wrote them. */
  readonly citationsGiven: number;
  /** Markers whose passage supports the sentence. */
  readonly citationsKept: number;
  /** Markers moved to the passage that supports the sentence. */
  readonly citationsMoved: number;
  /** Markers removed: no such passage, or no passage supports the sentence. */
  readonly citationsDropped: number;
  /** Citations added to claims the model left uncited but a passage supports. */
  readonly citationsAdded: number;
}

/** How a generated answer came about, when a language model is configured. */
export interface GenerationTrace {
  readonly model: string;
  /**
   * used: the verified generated answer is shown. fallback: the extractive
   * answer is, because of `reason`. skipped: the evidence was too weak to ask.
   */
  readonly outcome: "used" | "fallback" | "skipped";
  readonly reason: string | null;
  readonly generateMs: number;
  readonly verifyMs: number;
  readonly stats: VerificationStats | null;
  /** What the model wrote, before verification. */
  readonly raw: string | null;
}

export type Coverage = "full" | "partial" | "none";

export interface Answer {
  /** The question as it was understood (cleaned of control characters etc.). */
  readonly question: string;
  /** Plain-language answer with [n] markers, or the abstention message. */
  readonly text: string;
  /**
   * How much of the question the articles answer: "full"; "partial" (a part of
   * a question in several parts is not covered, and `text` says which); "none"
   * (`text` says so, and may quote the nearest fact the articles do have).
   */
  readonly coverage: Coverage;
  /** Same as `coverage === "none"`. */
  readonly abstained: boolean;
  readonly citations: readonly Citation[];
  /** The passages the answer was chosen from, best first. */
  readonly passages: readonly Passage[];
  /** Every article retrieval found, in the order of its best passage. */
  readonly articles: readonly string[];
  /** When abstaining: the articles that came closest. */
  readonly closest: readonly ArticleRef[];
  /** How well the best evidence covers the question, in [0, 1]. */
  readonly confidence: number;
  readonly timings: Timings;
  /** Which embedder and retrieval mode produced this answer. */
  readonly retrieval: { readonly mode: "hybrid" | "lexical" | "dense"; readonly embedder: string };
  /** Present when a language model is configured. */
  readonly generation?: GenerationTrace;
}
