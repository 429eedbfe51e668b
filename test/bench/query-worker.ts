/*
 * One benchmark measurement in a fresh process, so memory is the product's
 * alone: load the index as the bot would, then time retrieval, full answers,
 * lexical search and HNSW search (with recall@10 against exact search).
 * Called by bench.ts with a JSON spec; prints one JSON object.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import hnswlib from "hnswlib-node";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { percentile } from "../../src/eval/run-eval.js";
import { loadCurrentIndex } from "../../src/index/store.js";
import { TransformersEmbeddings } from "../../src/ingest/embedders/transformers.js";
import { UseLiteEmbeddings } from "../../src/ingest/embedders/use-lite.js";
import { silentLogger } from "../../src/log.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { hashedEmbeddings } from "./hashed-embedder.js";

interface Spec {
  corpusDir: string;
  dataDir: string;
  embedder: "use" | "hashed" | "model";
  /** Distinct questions for retrieval timing (and recall@10). */
  queries: string[];
  /** Other distinct questions for full-answer timing, so no query vector is reused from the cache. */
  answerQueries: string[];
  efSearch: number;
  /** Up to this many vectors the product searches exactly (HNSW_EXACT_UP_TO). */
  exactUpTo: number;
  /** efSearch values for the recall/latency curve (optional). */
  curve?: number[];
  /** Other graph parameters to build from the same vectors and measure on the curve (optional). */
  grid?: { m: number; efConstruction: number }[];
  /** With embedder "model": the env of a real-shape model (test/bench/real-shape-bert.ts) that built the index. */
  model?: Record<string, string>;
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as Spec;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99) });

const config = loadConfig({ CORPUS_DIR: spec.corpusDir, DATA_DIR: spec.dataDir, LOG_LEVEL: "silent", EMBEDDER: "use", HNSW_EF_SEARCH: String(spec.efSearch), HNSW_EXACT_UP_TO: String(spec.exactUpTo) }, process.cwd());
const rssBefore = rssMb();
const embedder: EmbeddingProvider =
  spec.embedder === "hashed"
    ? hashedEmbeddings()
    : spec.embedder === "model"
      ? await TransformersEmbeddings.load(loadConfig(spec.model ?? {}, process.cwd()).embedder.transformers, 16, silentLogger)
      : await UseLiteEmbeddings.load(16);

// The product's start-up: read the corpus, load the index and check it is current, be ready to answer.
let t = performance.now();
const app = createApp(config, { embedder });
await app.ready();
const appReadyMs = performance.now() - t;
gc();
const rssAfterLoad = rssMb();

const queries = spec.queries;
for (const q of queries.slice(0, 10)) await app.ask(`Warm-up: ${q}`);

const retrieval: number[] = [];
for (const q of queries) {
  t = performance.now();
  await app.search(q);
  retrieval.push(performance.now() - t);
}
const answer: number[] = [];
// Each answer's own stage timings (embedding the question, BM25, HNSW, composing), to see where a full answer's time goes.
const stages = { embedMs: [] as number[], lexicalMs: [] as number[], denseMs: [] as number[], composeMs: [] as number[] };
for (const q of spec.answerQueries) {
  t = performance.now();
  const a = await app.ask(q);
  answer.push(performance.now() - t);
  for (const key of Object.keys(stages) as (keyof typeof stages)[]) stages[key].push(a.timings[key]);
}
// The same questions again: their vectors now come from the query cache.
const repeated: number[] = [];
for (const q of queries) {
  t = performance.now();
  await app.search(q);
  repeated.push(performance.now() - t);
}
const rssAfterQueries = rssMb();

// The index alone, loaded again from disk (the file cache is warm), for the search-level measurements.
t = performance.now();
const loaded = await loadCurrentIndex(spec.dataDir);
const indexLoadMs = performance.now() - t;
if (loaded.status !== "ok") throw new Error(`no index in ${spec.dataDir}: ${loaded.status}`);
const index = loaded.index;

const lexical: number[] = [];
for (const q of queries) {
  t = performance.now();
  index.lexical.search(q, config.retrieval.candidates);
  lexical.push(performance.now() - t);
}

// HNSW against exact search over the same vectors. Recall@10 counts a returned
// neighbour when it is one of the exact 10 or exactly as close as the 10th (a tie:
// many chunks share sentences and score alike; exact search itself picks among
// tied vectors arbitrarily). The strict figure, by identity only, is reported too.
const vectors = await Promise.all(queries.map((q) => embedder.embedQuery(q)));
const labels = index.dense.labels();
const exact = new hnswlib.BruteforceSearch("cosine", index.dense.dimensions);
exact.initIndex(labels.length);
for (const label of labels) exact.addPoint(index.dense.vector(label), label);
// Exact search's own time too: below some size it is faster than the graph (see DenseIndex's exact mode).
const exactTimes: number[] = [];
const truth = vectors.map((v) => {
  const start = performance.now();
  const r = exact.searchKnn(v, Math.min(10, labels.length));
  exactTimes.push(performance.now() - start);
  return { ids: new Set(r.neighbors), tenth: r.distances.at(-1) ?? 0 };
});
const TIE = 1e-6;
type Search = (v: number[], ef: number) => { label: number; distance: number }[];
function measureAt(search: Search, ef: number) {
  const times: number[] = [];
  let hits = 0;
  let strict = 0;
  let expected = 0;
  vectors.forEach((v, i) => {
    const t = truth[i];
    if (!t) return;
    const start = performance.now();
    const found = search(v, ef);
    times.push(performance.now() - start);
    expected += t.ids.size;
    strict += found.filter((h) => t.ids.has(h.label)).length;
    hits += found.filter((h) => t.ids.has(h.label) || h.distance <= t.tenth + TIE).length;
  });
  return { efSearch: ef, recallAt10: hits / expected, strictRecallAt10: strict / expected, ...stats(times) };
}
// The product's search (exact up to exactUpTo vectors, the graph above), then the graph alone along the curve.
const productSearch: Search = (v, ef) => index.dense.search(v, 10, { efSearch: ef, exactUpTo: spec.exactUpTo }).map((h) => ({ label: h.label, distance: 1 - h.similarity }));
const graphSearch: Search = (v, ef) => index.dense.search(v, 10, { efSearch: ef, exactUpTo: 0 }).map((h) => ({ label: h.label, distance: 1 - h.similarity }));
const dense = measureAt(productSearch, spec.efSearch);
const curve = (spec.curve ?? []).map((ef) => measureAt(graphSearch, ef));
const grid = (spec.grid ?? []).map(({ m, efConstruction }) => {
  const graph = new hnswlib.HierarchicalNSW("cosine", index.dense.dimensions);
  graph.initIndex({ maxElements: labels.length, m, efConstruction });
  const start = performance.now();
  for (const label of labels) graph.addPoint(index.dense.vector(label), label);
  const buildMs = performance.now() - start;
  const search: Search = (v, ef) => {
    graph.setEf(Math.max(ef, 10));
    const r = graph.searchKnn(v, Math.min(10, labels.length));
    return r.neighbors.map((label, i) => ({ label, distance: r.distances[i] ?? 1 }));
  };
  return { m, efConstruction, buildMs, curve: (spec.curve ?? []).map((ef) => measureAt(search, ef)) };
});

process.stdout.write(
  `${JSON.stringify({
    chunks: index.chunks.size,
    embedder: embedder.id,
    queries: queries.length,
    indexLoadMs,
    appReadyMs,
    rssMb: { beforeLoad: rssBefore, afterLoad: rssAfterLoad, afterQueries: rssAfterQueries },
    retrievalMs: stats(retrieval),
    retrievalRepeatedMs: stats(repeated),
    answerMs: stats(answer),
    answerStagesMs: { embed: stats(stages.embedMs), lexical: stats(stages.lexicalMs), dense: stats(stages.denseMs), compose: stats(stages.composeMs) },
    lexicalMs: stats(lexical),
    dense,
    exactMs: stats(exactTimes),
    curve,
    grid,
  })}\n`,
);
