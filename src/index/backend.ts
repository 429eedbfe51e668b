import type { Chunk, Passage } from "../types.js";

/*
 * What the answer layer asks of a retrieval backend: passages for a question
 * (its words and its vector, fused into one ranking), chunks by id, and what
 * built the index. The embedded backend (embedded-backend.ts: hnswlib-node and
 * our BM25, in this process) is the default; another engine implements the
 * same interface and must rank and filter the same way (see `search`).
 */

export interface RetrievalParams {
  readonly mode: "hybrid" | "lexical" | "dense";
  /** Candidates taken from each search before fusion. */
  readonly candidates: number;
  readonly lexicalWeight: number;
  readonly denseWeight: number;
  /** Breadth of the approximate vector search (HNSW's efSearch). */
  readonly efSearch: number;
  /** Up to this many vectors the vector search is exact (the embedded backend; Postgres plans its own). */
  readonly exactUpTo: number;
  /** Only passages of these articles (by file name), when given. */
  readonly sources?: ReadonlySet<string>;
}

export interface SearchQuery extends RetrievalParams {
  /** The question as the member wrote it (the lexical side analyses it). */
  readonly text: string;
  /** The question's vector; null when dense retrieval is off. */
  readonly vector: readonly number[] | null;
}

export interface SearchResult {
  /** Every candidate of either search, best first (see Passage for the scores). */
  readonly passages: Passage[];
  readonly lexicalMs: number;
  readonly denseMs: number;
}

/** What built the index a backend serves. */
export interface BuildInfo {
  readonly backend: "embedded" | "postgres";
  readonly buildId: string;
  readonly builtAt: string;
  readonly embedder: { readonly id: string; readonly dimensions: number };
  readonly chunking: { readonly chunker: string; readonly size: number; readonly overlap: number };
  readonly articles: number;
  readonly chunks: number;
}

export interface RetrievalBackend {
  readonly info: BuildInfo;
  /**
   * Hybrid search: the lexical and the vector search each propose `candidates`
   * chunks (of `sources` only, when given); every candidate is then scored by
   * both — its lexical score relative to the query's best, and its cosine
   * similarity (negative counting as 0) — and ranked by
   * lexicalWeight × lexical + denseWeight × dense, ties by chunk id. Mode
   * `lexical` or `dense` uses one side with weight 1.
   */
  search(query: SearchQuery): Promise<SearchResult>;
  /** The chunks with these ids that exist, in the order asked. */
  chunks(ids: readonly number[]): Promise<Chunk[]>;
}

/** The weights a mode gives the two sides. */
export function weightsOf(q: RetrievalParams): { lexical: number; dense: number } {
  if (q.mode === "dense") return { lexical: 0, dense: 1 };
  if (q.mode === "lexical") return { lexical: 1, dense: 0 };
  return { lexical: q.lexicalWeight, dense: q.denseWeight };
}

/**
 * The store holds another build than the one a backend was loaded with (another process wrote one): its chunks'
 * offsets are of other article texts, and the knowledge loaded with it is another build's. The app loads again.
 */
export class BuildChanged extends Error {
  constructor(
    readonly loaded: string,
    readonly current: string | null,
  ) {
    super(`the index is now build ${current ?? "(none)"}, not ${loaded}`);
    this.name = "BuildChanged";
  }
}
