import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import type { QaItem } from "../../src/eval/qa-file.js";

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

export interface StockPipeline {
  readonly store: HNSWLib;
  readonly chunks: number;
  /** Reading the files, splitting, embedding every chunk and building the index. */
  readonly ingestMs: number;
}

export async function buildStock(corpusDir: string, embeddings: EmbeddingsInterface): Promise<StockPipeline> {
  const files = (await readdir(corpusDir)).filter((f) => f.endsWith(".txt")).sort();
  const t0 = performance.now();
  const texts = await Promise.all(files.map((f) => readFile(path.join(corpusDir, f), "utf8")));
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 1000, chunkOverlap: 200 });
  const docs = await splitter.createDocuments(texts, files.map((source) => ({ source })));
  // fromDocuments embeds every chunk and builds the index.
  const store = await HNSWLib.fromDocuments(docs, embeddings);
  return { store, chunks: docs.length, ingestMs: performance.now() - t0 };
}

export async function stockSearch(stock: StockPipeline, question: string): Promise<{ source: string; text: string }[]> {
  const found = await stock.store.similaritySearch(question, 4);
  return found.map((d) => ({ source: String(d.metadata.source), text: d.pageContent }));
}
