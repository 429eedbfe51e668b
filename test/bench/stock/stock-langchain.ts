import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import type { StockModule, StockPipeline as StockPipelineApi } from "../stock-loader.js";

/*
 * The pipeline a LangChain user writes first, as the baseline: recursive
 * splitting at 1000/200, HNSWLib.fromDocuments with the same embedder, and
 * similaritySearch with k = 4.
 *
 * This folder has its own install (npm run bench:setup), so @langchain/community
 * and its peer-dependency conflicts stay out of the project's: the project's
 * type check skips this folder and bench:setup checks it with tsconfig.json
 * here. @langchain/core and hnswlib-node are resolved from the project's
 * node_modules (one copy each); bench.ts loads this file through
 * ../stock-loader.ts.
 */

export interface StockPipeline extends StockPipelineApi {
  readonly store: HNSWLib;
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

export async function stockSearch(stock: StockPipelineApi, question: string): Promise<{ source: string; text: string }[]> {
  const found = await (stock as StockPipeline).store.similaritySearch(question, 4);
  return found.map((d) => ({ source: String(d.metadata.source), text: d.pageContent }));
}

/** What ../stock-loader.ts loads; bench:setup's type check holds it to the StockModule interface declared there. */
const stock: StockModule = { buildStock, stockSearch };
export default stock;
