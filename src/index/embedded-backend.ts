import { performance } from "node:perf_hooks";
import type { Chunk, Passage } from "../types.js";
import { weightsOf, type BuildInfo, type RetrievalBackend, type SearchQuery, type SearchResult } from "./backend.js";
import type { SearchIndex } from "./store.js";

/**
 * The default backend: the index of the data folder, in this process. BM25
 * and HNSW each propose candidates; every candidate is then scored by both
 * (its BM25 score relative to the query's best, and its exact cosine
 * similarity) and ranked by a weighted sum.
 */
export function embeddedBackend(index: SearchIndex): RetrievalBackend {
  const m = index.manifest;
  const info: BuildInfo = {
    backend: "embedded",
    buildId: m.buildId,
    builtAt: m.builtAt,
    embedder: m.embedder,
    chunking: m.chunking,
    articles: m.articles.length,
    chunks: index.chunks.size,
  };
  return {
    info,
    search: (query) => Promise.resolve(search(index, query)),
    chunks: (ids) => Promise.resolve(ids.map((id) => index.chunks.get(id)).filter((c): c is Chunk => c !== undefined)),
  };
}

function search(index: SearchIndex, q: SearchQuery): SearchResult {
  const w = weightsOf(q);
  const t0 = performance.now();
  const allowed = q.sources;
  const inScope = allowed ? (id: number) => allowed.has(index.chunks.get(id)?.source ?? "") : undefined;
  const lexicalQuery = q.mode !== "dense" ? index.lexical.query(q.text, inScope) : null;
  const lexicalHits = lexicalQuery ? lexicalQuery.top(q.candidates) : [];
  const t1 = performance.now();
  const vector = q.mode !== "lexical" ? q.vector : null;
  const denseHits = vector ? index.dense.search(vector, q.candidates, q, inScope) : [];
  const t2 = performance.now();

  const bm25 = new Map(lexicalHits.map((h, rank) => [h.id, { score: h.score, rank }]));
  const cosine = new Map(denseHits.map((h, rank) => [h.label, { score: h.similarity, rank }]));
  const maxBm25 = lexicalHits[0]?.score ?? 0;
  const candidates = new Set<number>([...lexicalHits.map((h) => h.id), ...denseHits.map((h) => h.label)]);

  const passages: Passage[] = [];
  for (const id of candidates) {
    const chunk = index.chunks.get(id);
    if (!chunk) continue;
    const lex = bm25.get(id);
    const lexical = lexicalQuery && maxBm25 > 0 ? (lex?.score ?? lexicalQuery.scoreOf(id)) / maxBm25 : 0;
    const dense = vector ? (cosine.get(id)?.score ?? index.dense.similarity(vector, id)) : 0;
    passages.push({
      chunk,
      score: w.lexical * lexical + w.dense * Math.max(0, dense),
      lexical,
      dense,
      lexicalRank: lex ? lex.rank + 1 : null,
      denseRank: cosine.has(id) ? (cosine.get(id)?.rank ?? 0) + 1 : null,
    });
  }
  passages.sort((a, b) => b.score - a.score || a.chunk.id - b.chunk.id);
  return { passages, lexicalMs: t1 - t0, denseMs: t2 - t1 };
}
