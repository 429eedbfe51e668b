/*
 * npm run bench -- --backend postgres [--sizes 0,1000,10000]
 *
 * The embedded backend (hnswlib-node + BM25 in the data folder) and the
 * Postgres one (pgvector + full-text search) side by side on the same corpora
 * and vectors: ingest time and chunks/s, warm retrieval p50/p95 and memory of
 * the bot process (each in a fresh process, twice per backend, alternating;
 * medians), and dense recall@10 against exact search over the same vectors.
 * Postgres is PGlite (Postgres compiled to WebAssembly) in a child process,
 * over the wire protocol on loopback: one session, one statement at a time,
 * so its figures are a floor for a real server, not a prediction.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import hnswlib from "hnswlib-node";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { parseQaFile } from "../../src/eval/qa-file.js";
import { UseLiteEmbeddings } from "../../src/ingest/embedders/use-lite.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { SEQUENCES, TABLES } from "../../src/index/postgres/schema.js";
import { loadCurrentIndex } from "../../src/index/store.js";
import type { BackendResult, BackendSpec } from "./backend-worker.js";
import { hashedEmbeddings } from "./hashed-embedder.js";
import { writeSyntheticCorpus } from "./synthetic-corpus.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const SEEDS = path.join(REPO, "seeds");
const log = (s: string) => process.stderr.write(`${s}\n`);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;

export async function compareBackends(sizes: readonly number[]): Promise<string> {
  const dev = parseQaFile(await readFile(path.join(REPO, "test/eval/dev-qa.jsonl"), "utf8"));
  const holdout = parseQaFile(await readFile(path.join(REPO, "test/eval/holdout-qa.jsonl"), "utf8"));
  const queries = [...dev, ...holdout].map((q) => q.question);
  const tmp = await mkdtemp(path.join(os.tmpdir(), "summit-bench-backends-"));
  const server = await startServer();
  const lines = [
    `Retrieval backends side by side on ${os.cpus().length} CPUs, Node ${process.version}; ${queries.length} distinct questions (dev + holdout), warm; Postgres = PGlite over loopback (a floor for a real server).`,
    "",
    "| corpus | chunks | vectors | backend | ingest s | chunks/s | ready s | RSS after load / after questions | retrieval p50 / p95 ms | dense recall@10 (tie-aware) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  try {
    const use = await UseLiteEmbeddings.load(16);
    // Whatever a first ingest loads once (the model's first batch, the NLP models) is not in the first backend's time.
    await createApp(loadConfig({ CORPUS_DIR: SEEDS, DATA_DIR: path.join(tmp, "warm-up"), LOG_LEVEL: "warn", EMBEDDER: "use" }, REPO), { embedder: use }).ingest();
    for (const target of sizes) {
      const label = target === 0 ? "seeds" : `~${target}`;
      const corpusDir = target === 0 ? SEEDS : (await writeSyntheticCorpus(SEEDS, path.join(tmp, `corpus-${target}`), target)).dir;
      const embedder: EmbeddingProvider = target === 0 ? use : hashedEmbeddings();
      const dataDir = path.join(tmp, `data-${target}`);
      const ingest: Record<string, number> = {};
      let chunks = 0;
      for (const backend of ["embedded", "postgres"] as const) {
        if (backend === "postgres") await dropTables(server.url);
        const env = { CORPUS_DIR: corpusDir, DATA_DIR: dataDir, LOG_LEVEL: "warn", EMBEDDER: "use", ...(backend === "postgres" ? { DATABASE_URL: server.url } : {}) };
        log(`[${label}] ingest, ${backend}…`);
        const app = createApp(loadConfig(env, REPO), { embedder });
        const t = performance.now();
        chunks = (await app.ingest({ force: true })).chunks;
        ingest[backend] = performance.now() - t;
        await app.close();
      }
      const recall = await recallAt10(dataDir, embedder, queries);
      const runs: Record<string, BackendResult[]> = { embedded: [], postgres: [] };
      for (const order of [["embedded", "postgres"], ["postgres", "embedded"]] as const) {
        for (const backend of order) {
          log(`[${label}] measuring ${backend} in a fresh process…`);
          runs[backend]?.push(await worker({ corpusDir, dataDir, embedder: target === 0 ? "use" : "hashed", queries, ...(backend === "postgres" ? { databaseUrl: server.url } : {}) }, tmp));
        }
      }
      for (const backend of ["embedded", "postgres"] as const) {
        const r = runs[backend] ?? [];
        lines.push(
          `| ${label} | ${chunks} | ${target === 0 ? "offline model (USE lite)" : "hashed stand-in"} | ${backend} | ${round((ingest[backend] ?? 0) / 1000, 2)} | ${round(chunks / ((ingest[backend] ?? 1) / 1000), 0)} | ${round(median(r.map((x) => x.readyMs)) / 1000, 2)} | ${median(r.map((x) => x.rssMbAfterLoad))} / ${median(r.map((x) => x.rssMbAfterQueries))} MB | ${round(median(r.map((x) => x.retrievalMs.p50)), 2)} / ${round(median(r.map((x) => x.retrievalMs.p95)), 2)} | ${r[0] ? round(recall(r[0].denseTop10), 3) : "-"} |`,
        );
      }
    }
  } finally {
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
  return lines.join("\n");
}

/**
 * Recall@10 against exact search over the vectors of the data folder's index (the same vectors Postgres holds),
 * tie-aware as the main benchmark's: a returned chunk as close to the question as the exact 10th counts (the
 * synthetic corpora repeat sentences, so many vectors tie).
 */
async function recallAt10(dataDir: string, embedder: EmbeddingProvider, queries: readonly string[]): Promise<(returned: number[][]) => number> {
  const loaded = await loadCurrentIndex(dataDir);
  if (loaded.status !== "ok") throw new Error(`no index in ${dataDir}`);
  const dense = loaded.index.dense;
  const exact = new hnswlib.BruteforceSearch("cosine", dense.dimensions);
  const labels = dense.labels();
  exact.initIndex(labels.length);
  for (const label of labels) exact.addPoint(dense.vector(label), label);
  const vectors: number[][] = [];
  for (const q of queries) vectors.push(await embedder.embedQuery(q));
  const truth = vectors.map((v) => exact.searchKnn(v, Math.min(10, labels.length)));
  return (returned) =>
    returned.reduce((sum, ids, i) => {
      const t = truth[i];
      const v = vectors[i];
      if (!t || !v) return sum;
      const tenth = Math.max(...t.distances);
      const hits = ids.filter((id) => t.neighbors.includes(id) || 1 - dense.similarity(v, id) <= tenth + 1e-6).length;
      return sum + hits / t.neighbors.length;
    }, 0) / returned.length;
}

async function worker(spec: BackendSpec, tmp: string): Promise<BackendResult> {
  const file = path.join(tmp, `spec-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(spec));
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", path.join(REPO, "test/bench/backend-worker.ts"), file], { cwd: REPO, maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as BackendResult;
}

async function dropTables(url: string): Promise<void> {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${TABLES.join(", ")}; DROP SEQUENCE IF EXISTS ${SEQUENCES.join(", ")}`);
  await client.end();
}

/** PGlite in its own process, so the bot process's memory is its own. */
async function startServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO, "test/fakes/pglite-server.ts")], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(line.trim());
    });
    child.on("exit", (code) => reject(new Error(`the PGlite server exited (${code})`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

