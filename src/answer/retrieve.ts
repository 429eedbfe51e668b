import { performance } from "node:perf_hooks";
import type { SearchIndex } from "../index/store.js";
import type { EmbeddingProvider } from "../ingest/embedders/provider.js";
import type { Passage } from "../types.js";

export interface RetrievalParams {
  readonly mode: "hybrid" | "lexical" | "dense";
  /** Candidates taken from each search before fusion. */
  readonly candidates: number;
  readonly lexicalWeight: number;
  readonly denseWeight: number;
  readonly efSearch: number;
  /** Only passages of these articles (by file name), when given. */
  readonly sources?: ReadonlySet<string>;
}

export interface Retrieval {
  /** Every candidate, best first. */
  readonly passages: Passage[];
  readonly timings: { embedMs: number; lexicalMs: number; denseMs: number };
}

/**
 * Hybrid retrieval: BM25 and HNSW each propose candidates; every candidate
 * is then scored by both (its BM25 score relative to the query's best, and
 * its exact cosine similarity) and ranked by a weighted sum.
 */
export async function retrieve(
  question: string,
  index: SearchIndex,
  embedder: EmbeddingProvider,
  params: RetrievalParams,
): Promise<Retrieval> {
  const useLexical = params.mode !== "dense";
  const useDense = params.mode !== "lexical";
  const wLex = params.mode === "dense" ? 0 : params.mode === "lexical" ? 1 : params.lexicalWeight;
  const wDense = params.mode === "lexical" ? 0 : params.mode === "dense" ? 1 : params.denseWeight;

  const t0 = performance.now();
  const allowed = params.sources;
  const inScope = allowed ? (id: number) => allowed.has(index.chunks.get(id)?.source ?? "") : undefined;
  const lexicalQuery = useLexical ? index.lexical.query(question, inScope) : null;
  const lexicalHits = lexicalQuery ? lexicalQuery.top(params.candidates) : [];
  const t1 = performance.now();
  const queryVector = useDense ? await embedder.embedQuery(question) : null;
  const t2 = performance.now();
  const denseHits = queryVector ? index.dense.search(queryVector, params.candidates, params.efSearch, inScope) : [];
  const t3 = performance.now();

  const bm25 = new Map(lexicalHits.map((h, rank) => [h.id, { score: h.score, rank }]));
  const cosine = new Map(denseHits.map((h, rank) => [h.label, { score: h.similarity, rank }]));
  const maxBm25 = lexicalHits[0]?.score ?? 0;
  const candidates = new Set<number>([
    ...lexicalHits.map((h) => h.id),
    ...denseHits.map((h) => h.label),
  ]);

  const passages: Passage[] = [];
  for (const id of candidates) {
    const chunk = index.chunks.get(id);
    if (!chunk) continue;
    const lex = bm25.get(id);
    const lexical = lexicalQuery && maxBm25 > 0 ? (lex?.score ?? lexicalQuery.scoreOf(id)) / maxBm25 : 0;
    const dense = queryVector ? (cosine.get(id)?.score ?? index.dense.similarity(queryVector, id)) : 0;
    passages.push({
      chunk,
      score: wLex * lexical + wDense * Math.max(0, dense),
      lexical,
      dense,
      lexicalRank: lex ? lex.rank + 1 : null,
      denseRank: cosine.has(id) ? (cosine.get(id)?.rank ?? 0) + 1 : null,
    });
  }
  passages.sort((a, b) => b.score - a.score || a.chunk.id - b.chunk.id);
  return {
    passages,
    timings: { embedMs: t2 - t1, lexicalMs: t1 - t0, denseMs: t3 - t2 },
  };
}
