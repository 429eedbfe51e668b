/*
 * One retrieval-backend measurement in a fresh process (backend-compare.ts):
 * start the app on an index already built (the data folder's, or Postgres's
 * when the spec names a database), then time warm retrieval and take each
 * question's dense-only top 10 for recall. Prints one JSON object.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { percentile } from "../../src/eval/run-eval.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { UseLiteEmbeddings } from "../../src/ingest/embedders/use-lite.js";
import { hashedEmbeddings } from "./hashed-embedder.js";

export interface BackendSpec {
  corpusDir: string;
  dataDir: string;
  /** Postgres instead of the data folder. */
  databaseUrl?: string;
  embedder: "use" | "hashed";
  queries: string[];
}

export interface BackendResult {
  readyMs: number;
  rssMbAfterLoad: number;
  rssMbAfterQueries: number;
  retrievalMs: { p50: number; p95: number };
  /** Chunk ids of each question's dense-only top 10, in the order of the queries. */
  denseTop10: number[][];
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as BackendSpec;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const env = { CORPUS_DIR: spec.corpusDir, DATA_DIR: spec.dataDir, LOG_LEVEL: "silent", EMBEDDER: "use", ...(spec.databaseUrl ? { DATABASE_URL: spec.databaseUrl } : {}) };
const embedder: EmbeddingProvider = spec.embedder === "hashed" ? hashedEmbeddings() : await UseLiteEmbeddings.load(16);

let t = performance.now();
const app = createApp(loadConfig(env, process.cwd()), { embedder });
await app.ready();
const readyMs = performance.now() - t;
gc();
const rssMbAfterLoad = rssMb();
for (const q of spec.queries.slice(0, 10)) await app.search(`Warm-up: ${q}`);
const times: number[] = [];
for (const q of spec.queries) {
  t = performance.now();
  await app.search(q);
  times.push(performance.now() - t);
}
const rssMbAfterQueries = rssMb();
await app.close();

const dense = createApp(loadConfig({ ...env, RETRIEVAL_MODE: "dense", RETRIEVAL_CANDIDATES: "10" }, process.cwd()), { embedder });
const denseTop10: number[][] = [];
for (const q of spec.queries) denseTop10.push((await dense.search(q, { limit: 10 })).map((p) => p.chunk.id));
await dense.close();

const result: BackendResult = { readyMs, rssMbAfterLoad, rssMbAfterQueries, retrievalMs: { p50: percentile(times, 50), p95: percentile(times, 95) }, denseTop10 };
process.stdout.write(JSON.stringify(result));
