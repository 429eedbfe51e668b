import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import type { QaItem } from "../../src/eval/qa-file.js";
import { percentile } from "../../src/eval/run-eval.js";

/*
 * The pipeline a LangChain user writes first, as the baseline: recursive
 * splitting at 1000/200, HNSWLib.fromDocuments with the same embedder, and
 * similaritySearch with k = 4.
 */

export interface RetrievalQuality {
  readonly recallAt1: number;
  readonly recallAt3: number;
  /** Share of answerable questions with a chunk holding every keyword group among the first 3. */
  readonly answerChunkTop3: number;
}

/** Same definitions as `npm run eval` (src/eval/run-eval.ts). */
export function quality(items: readonly QaItem[], ranked: readonly { source: string; text: string }[][]): RetrievalQuality {
  const answerable = items.map((item, i) => ({ item, ranked: ranked[i] ?? [] })).filter(({ item }) => item.answerable);
  const recall = (k: number) =>
    answerable.reduce((sum, { item, ranked: r }) => {
      const articles = [...new Set(r.map((p) => p.source))].slice(0, k);
      return sum + articles.filter((s) => item.sources.includes(s)).length / Math.min(k, item.sources.length);
    }, 0) / answerable.length;
  const answerChunkTop3 =
    answerable.filter(({ item, ranked: r }) =>
      r.slice(0, 3).some((p) => item.keywords.every((group) => group.some((k) => p.text.toLowerCase().includes(k.toLowerCase())))),
    ).length / answerable.length;
  return { recallAt1: recall(1), recallAt3: recall(3), answerChunkTop3 };
}

export interface StockResult {
  readonly chunks: number;
  readonly ingestMs: number;
  readonly splitMs: number;
  readonly retrievalMs: { p50: number; p95: number; p99: number };
  readonly quality: RetrievalQuality | null;
}

export async function runStock(corpusDir: string, embeddings: EmbeddingsInterface, queries: readonly string[], items: readonly QaItem[] | null): Promise<StockResult> {
  const files = (await readdir(corpusDir)).filter((f) => f.endsWith(".txt")).sort();
  const t0 = performance.now();
  const texts = await Promise.all(files.map((f) => readFile(path.join(corpusDir, f), "utf8")));
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 1000, chunkOverlap: 200 });
  const docs = await splitter.createDocuments(texts, files.map((source) => ({ source })));
  const splitMs = performance.now() - t0;
  // fromDocuments embeds every chunk and builds the index.
  const store = await HNSWLib.fromDocuments(docs, embeddings);
  const ingestMs = performance.now() - t0;

  for (const q of queries.slice(0, 10)) await store.similaritySearch(`Warm-up: ${q}`, 4);
  const times: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await store.similaritySearch(q, 4);
    times.push(performance.now() - t);
  }
  let q: RetrievalQuality | null = null;
  if (items) {
    const ranked = [];
    for (const item of items) {
      const found = await store.similaritySearch(item.question, 4);
      ranked.push(found.map((d) => ({ source: String(d.metadata.source), text: d.pageContent })));
    }
    q = quality(items, ranked);
  }
  return {
    chunks: docs.length,
    ingestMs,
    splitMs,
    retrievalMs: { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) },
    quality: q,
  };
}
