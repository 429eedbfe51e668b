/*
 * npm run bench:dense -- DATA_DIR [--ef 512] [--sizes 250,500,1000,2000,4000,8000,16000]
 *
 * Where exact vector search stops being as fast as the graph: for each size,
 * the first N vectors of a built index (DATA_DIR, any corpus and embedder)
 * go into a fresh HNSW graph (the bot's M and efConstruction) and a brute-force
 * index; 300 other vectors of the same index are the queries (their own
 * nearest neighbours are among the N, as a question's are among the chunks).
 * Prints both searches' p50 / p95 (k = the bot's candidates) and the graph's
 * recall@10 at that efSearch, interleaved query by query so a change in the
 * machine's speed hits both. HNSW_EXACT_UP_TO is set from this table.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import hnswlib from "hnswlib-node";
import { loadConfig } from "../../src/config.js";
import { percentile } from "../../src/eval/run-eval.js";
import { loadCurrentIndex } from "../../src/index/store.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ef: { type: "string" }, sizes: { type: "string", default: "250,500,1000,2000,4000,8000,16000" } } });
const dataDir = positionals[0];
if (!dataDir) {
  process.stderr.write("usage: npm run bench:dense -- DATA_DIR [--ef N] [--sizes a,b,c]\n");
  process.exit(2);
}
const config = loadConfig({});
const ef = values.ef ? Number(values.ef) : config.hnsw.efSearch;
const k = config.retrieval.candidates;
const loaded = await loadCurrentIndex(dataDir);
if (loaded.status !== "ok") {
  process.stderr.write(`no index in ${dataDir}: ${loaded.status}\n`);
  process.exit(1);
}
const dense = loaded.index.dense;
const labels = dense.labels().sort((a, b) => a - b);
const QUERIES = 300;
const queries = labels.slice(-QUERIES).map((l) => dense.vector(l));
const pool = labels.slice(0, labels.length - QUERIES);
const sizes = values.sizes
  .split(",")
  .map(Number)
  .filter((n) => n > 0 && n <= pool.length);

const ms = (xs: number[]) => `${percentile(xs, 50).toFixed(3)} / ${percentile(xs, 95).toFixed(3)}`;
const lines = [
  `Exact against HNSW (M ${config.hnsw.m}, efConstruction ${config.hnsw.efConstruction}, efSearch ${ef}), k ${k}, ${dense.dimensions} dimensions, ${QUERIES} queries, p50 / p95 ms:`,
  "",
  "| vectors | exact | HNSW | HNSW / exact (p50) | HNSW recall@10 |",
  "| --- | --- | --- | --- | --- |",
];
for (const n of sizes) {
  const graph = new hnswlib.HierarchicalNSW("cosine", dense.dimensions);
  graph.initIndex({ maxElements: n, m: config.hnsw.m, efConstruction: config.hnsw.efConstruction });
  const exact = new hnswlib.BruteforceSearch("cosine", dense.dimensions);
  exact.initIndex(n);
  for (const label of pool.slice(0, n)) {
    const v = dense.vector(label);
    graph.addPoint(v, label);
    exact.addPoint(v, label);
  }
  graph.setEf(Math.max(ef, k));
  const times = { exact: [] as number[], graph: [] as number[] };
  let hits = 0;
  queries.forEach((q, i) => {
    let truth: number[] = [];
    let found: number[] = [];
    for (const which of i % 2 ? (["graph", "exact"] as const) : (["exact", "graph"] as const)) {
      const t = performance.now();
      const r = which === "exact" ? exact.searchKnn(q, Math.min(k, n)) : graph.searchKnn(q, Math.min(k, n));
      times[which].push(performance.now() - t);
      if (which === "exact") truth = r.neighbors.slice(0, 10);
      else found = r.neighbors.slice(0, 10);
    }
    hits += found.filter((l) => truth.includes(l)).length / Math.max(1, truth.length);
  });
  lines.push(`| ${n} | ${ms(times.exact)} | ${ms(times.graph)} | ${(percentile(times.graph, 50) / percentile(times.exact, 50)).toFixed(2)} | ${(hits / queries.length).toFixed(3)} |`);
}
process.stdout.write(`${lines.join("\n")}\n`);
