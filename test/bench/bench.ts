/*
 * npm run bench [-- --quick] [--json FILE] [--check]
 * npm run bench -- --backend postgres [--sizes 0,1000,10000]   (backend-compare.ts)
 *
 * Speed, memory and retrieval quality at the seed corpus, then about 1,000,
 * 10,000 and 100,000 chunks (--quick: the first two), side by side with the
 * stock LangChain pipeline. Each size: ingest (chunking / embedding / index
 * build / write), index size on disk, load time and memory in a fresh
 * process, retrieval, full-answer and lexical latency over at least 200
 * distinct questions, HNSW recall@10 against exact search. --check compares
 * the ratios to the stock pipeline with test/bench/thresholds.json and exits
 * 1 when one regressed.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { parseQaFile } from "../../src/eval/qa-file.js";
import { percentile } from "../../src/eval/run-eval.js";
import { TransformersEmbeddings } from "../../src/ingest/embedders/transformers.js";
import { UseLiteEmbeddings } from "../../src/ingest/embedders/use-lite.js";
import { silentLogger } from "../../src/log.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import type { IngestSummary } from "../../src/ingest/sync-index.js";
import { hashedEmbeddings } from "./hashed-embedder.js";
import type { BenchModelName } from "./real-shape-bert.js";
import { quality } from "./retrieval-quality.js";
import { loadStock, StockSetupError, type StockPipeline } from "./stock-loader.js";
import { writeSyntheticCorpus } from "./synthetic-corpus.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const SEEDS = path.join(REPO, "seeds");
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    check: { type: "boolean", default: false },
    sizes: { type: "string" },
    backend: { type: "string" },
    embedder: { type: "string", default: "use" },
  },
});
if (values.backend !== undefined) {
  if (values.backend !== "postgres") {
    process.stderr.write(`--backend: expected "postgres" (the embedded backend is what the plain benchmark measures), got ${JSON.stringify(values.backend)}\n`);
    process.exit(2);
  }
  const { compareBackends } = await import("./backend-compare.js");
  process.stdout.write(`${await compareBackends(values.sizes ? values.sizes.split(",").map(Number) : [0, 1_000, 10_000])}\n`);
  process.exit(0);
}
/**
 * --embedder bge-small (the default model's shape, int8), bge-small-fp32, minilm-l6, minilm-l6-fp32: a random-weight
 * model of that shape (test/bench/real-shape-bert.ts) embeds every corpus of the run and every question, through the
 * bot's own transformers embedder, as the default settings do on a machine that has the model: ingest rates, answer
 * times, memory and the HNSW curve are then the default model's (timing and memory only: the weights are random, so
 * retrieval quality is not measured). "use" (the default): USE lite embeds the seeds (and the ~1,000-chunk corpus in
 * a full run), hashed stand-in vectors the larger corpora.
 */
const MODELS = ["use", "bge-small", "bge-small-fp32", "minilm-l6", "minilm-l6-fp32"];
if (!MODELS.includes(values.embedder)) {
  process.stderr.write(`--embedder: expected one of ${MODELS.join(", ")}, got ${JSON.stringify(values.embedder)}\n`);
  process.exit(2);
}
const model =
  values.embedder === "use"
    ? null
    : await (async () => {
        const { benchModel } = await import("./real-shape-bert.js");
        const { env, label } = await benchModel(loadConfig({}, REPO).dataDir, SEEDS, values.embedder as BenchModelName);
        const embedder = await TransformersEmbeddings.load(loadConfig(env, REPO).embedder.transformers, 16, silentLogger);
        return { label, env, embedder };
      })();
const HNSW = loadConfig({}).hnsw;
const EF_SEARCH = HNSW.efSearch;
/** The recall/latency curve at the largest size (full run): efSearch values, and other graphs built from the same vectors. */
const CURVE_EF = [64, 128, 256, 512, 1024, 1536, 2048, 3072, 4096];
const GRID = [
  { m: 16, efConstruction: 400 },
  { m: 32, efConstruction: 200 },
];
const SIZES = values.sizes ? values.sizes.split(",").map(Number) : values.quick ? [0, 1_000] : [0, 1_000, 10_000, 100_000];
/**
 * Largest corpus embedded with the real offline model (about 13 chunks/s here); beyond
 * it, hashed vectors of the same dimension. The full run embeds the ~1,000-chunk corpus
 * for real, as the sample of embedding throughput; the quick run only the seeds.
 */
const REAL_EMBEDDING_MAX = values.quick ? 0 : 1_000;

const log = (s: string) => process.stderr.write(`${s}\n`);
// The stock pipeline has its own install (npm run bench:setup): find out now, not after minutes of measuring.
const { buildStock, stockSearch } = await loadStock().catch((error: unknown) => {
  if (!(error instanceof StockSetupError)) throw error;
  log(error.message);
  process.exit(1);
});
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const duration = (s: number) => (s < 3600 ? `${Math.ceil(s / 60)} min` : `${round(s / 3600, 1)} h`);

// Questions: the dev and holdout sets, in variants, so no measurement repeats a query.
const dev = parseQaFile(await readFile(path.join(REPO, "test/eval/dev-qa.jsonl"), "utf8"));
const holdout = parseQaFile(await readFile(path.join(REPO, "test/eval/holdout-qa.jsonl"), "utf8"));
const base = [...dev, ...holdout].map((q) => q.question);
const variants = (prefixes: string[]) => prefixes.flatMap((p) => base.map((q) => `${p}${q}`));
const QUERIES = variants(["", "Tell me: ", "In short, "]);
const ANSWER_QUERIES = variants(["Please answer: ", "Question: ", "I wonder: "]);

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, name.name);
    total += name.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}

async function worker(spec: object): Promise<WorkerResult> {
  // The spec goes through a file: with hundreds of questions it is larger than one command-line argument may be.
  const specFile = path.join(await mkdtemp(path.join(os.tmpdir(), "summit-bench-spec-")), "spec.json");
  await writeFile(specFile, JSON.stringify(spec));
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", path.join(REPO, "test/bench/query-worker.ts"), specFile], {
    cwd: REPO,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as WorkerResult;
}

interface Latency {
  p50: number;
  p95: number;
  p99: number;
}
interface WorkerResult {
  chunks: number;
  embedder: string;
  queries: number;
  indexLoadMs: number;
  appReadyMs: number;
  rssMb: { beforeLoad: number; afterLoad: number; afterQueries: number };
  retrievalMs: Latency;
  retrievalRepeatedMs: Latency;
  answerMs: Latency;
  /** The full answers' own stage timings. */
  answerStagesMs: { embed: Latency; lexical: Latency; dense: Latency; compose: Latency };
  lexicalMs: Latency;
  dense: HnswPoint;
  /** Exact (brute-force, native) search over the same vectors. */
  exactMs: Latency;
  curve: HnswPoint[];
  grid: { m: number; efConstruction: number; buildMs: number; curve: HnswPoint[] }[];
}
type HnswPoint = Latency & { efSearch: number; recallAt10: number; strictRecallAt10: number };

interface SizeResult {
  target: number;
  articles: number;
  chunks: number;
  embedder: string;
  vectors: string;
  ingest: { totalMs: number; chunkMs: number; embedMs: number; indexMs: number; denseMs: number; lexicalMs: number; writeMs: number; chunksPerSecond: number; embedChunksPerSecond: number };
  indexBytes: number;
  measured: WorkerResult;
}

/** Chunks per second of the offline model, measured on the largest really embedded corpus so far. */
let realEmbedRate: { chunks: number; perSecond: number } | undefined;

async function measureSize(target: number, useEmbedder: UseLiteEmbeddings, tmp: string, curve: boolean): Promise<SizeResult> {
  const label = target === 0 ? "seeds" : `${target} chunks`;
  let corpusDir = SEEDS;
  let articles = (await readdir(SEEDS)).filter((f) => f.endsWith(".txt")).length;
  if (target > 0) {
    log(`[${label}] writing the synthetic corpus…`);
    const c = await writeSyntheticCorpus(SEEDS, path.join(tmp, `corpus-${target}`), target);
    corpusDir = c.dir;
    articles = c.articles;
  }
  const real = model !== null || target <= REAL_EMBEDDING_MAX;
  const embedder: EmbeddingProvider = model ? model.embedder : real ? useEmbedder : hashedEmbeddings();
  const dataDir = path.join(tmp, `data-${target}`);
  const config = loadConfig({ CORPUS_DIR: corpusDir, DATA_DIR: dataDir, LOG_LEVEL: "warn", EMBEDDER: "use" }, REPO);
  log(`[${label}] ingesting with ${embedder.id}…`);
  const app = createApp(config, { embedder, log: undefined });
  const summary: IngestSummary = await app.ingest();
  const t = summary.timings;
  const build = path.join(dataDir, "builds", (await readFile(path.join(dataDir, "CURRENT"), "utf8")).trim());
  log(`[${label}] ${summary.chunks} chunks in ${round(t.totalMs / 1000)} s; measuring in a fresh process…`);
  if (real && (!realEmbedRate || summary.chunks > realEmbedRate.chunks)) realEmbedRate = { chunks: summary.chunks, perSecond: summary.chunks / (t.embedMs / 1000) };
  const measured = await worker({
    corpusDir,
    dataDir,
    embedder: model ? "model" : real ? "use" : "hashed",
    queries: QUERIES,
    answerQueries: ANSWER_QUERIES,
    efSearch: EF_SEARCH,
    exactUpTo: HNSW.exactUpTo,
    ...(curve ? { curve: CURVE_EF, grid: GRID } : {}),
    ...(model ? { model: model.env } : {}),
  });
  return {
    target,
    articles,
    chunks: summary.chunks,
    embedder: embedder.id,
    vectors: model
      ? model.label
      : real
      ? "offline model (USE lite)"
      : `hashed term vectors, same dimension${realEmbedRate ? ` (the offline model, at the ${round(realEmbedRate.perSecond, 1)} chunks/s measured on ${realEmbedRate.chunks} chunks, would take about ${duration(summary.chunks / realEmbedRate.perSecond)})` : ""}`,
    ingest: {
      totalMs: t.totalMs,
      chunkMs: t.chunkMs,
      embedMs: t.embedMs,
      indexMs: t.indexMs,
      denseMs: t.denseMs,
      lexicalMs: t.lexicalMs,
      writeMs: t.writeMs,
      chunksPerSecond: summary.chunks / (t.totalMs / 1000),
      embedChunksPerSecond: summary.chunks / (t.embedMs / 1000),
    },
    indexBytes: await dirSize(build),
    measured,
  };
}

const tmp = await mkdtemp(path.join(os.tmpdir(), "summit-bench-"));
const started = performance.now();
const useEmbedder = await UseLiteEmbeddings.load(16);
const sizes: SizeResult[] = [];
for (const target of SIZES) {
  sizes.push(await measureSize(target, useEmbedder, tmp, target === Math.max(...SIZES) && !values.quick));
  // Each size as it is measured, so a long run that fails later keeps what it measured.
  if (values.json) await writeFile(`${values.json}.partial`, JSON.stringify({ sizes }, null, 2));
}

/*
 * Side by side with the stock LangChain pipeline, on the seeds, in this one
 * process and interleaved: ingest three times each, alternating which goes
 * first, and every question asked of both, alternating the order, so a
 * change in the machine's speed during the run hits both alike.
 */
log("[stock LangChain] seeds, paired with ours…");
const latency = (xs: number[]) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99) });
const pairedIngest = { ours: [] as number[], stock: [] as number[] };
let oursApp: App | undefined;
let oursChunks = 0;
let stock: StockPipeline | undefined;
for (let round = 0; round < 3; round++) {
  for (const which of round % 2 ? ["stock", "ours"] : ["ours", "stock"]) {
    if (which === "stock") {
      stock = await buildStock(SEEDS, useEmbedder);
      pairedIngest.stock.push(stock.ingestMs);
    } else {
      const app = createApp(loadConfig({ CORPUS_DIR: SEEDS, DATA_DIR: path.join(tmp, `paired-${round}`), LOG_LEVEL: "warn", EMBEDDER: "use" }, REPO), { embedder: useEmbedder });
      const t = performance.now();
      oursChunks = (await app.ingest()).chunks;
      pairedIngest.ours.push(performance.now() - t);
      oursApp = app;
    }
  }
}
if (!oursApp || !stock) throw new Error("the paired runs did not happen");
const pairedApp = oursApp;
const pairedStock = stock;
for (const q of QUERIES.slice(0, 10)) {
  await pairedApp.search(`Warm-up: ${q}`);
  await stockSearch(pairedStock, `Warm-up: ${q}`);
}
const pairedTimes = { ours: [] as number[], stock: [] as number[] };
for (const [i, q] of QUERIES.entries()) {
  for (const which of i % 2 ? ["stock", "ours"] : ["ours", "stock"]) {
    const t = performance.now();
    if (which === "ours") await pairedApp.search(q);
    else await stockSearch(pairedStock, q);
    pairedTimes[which as "ours" | "stock"].push(performance.now() - t);
  }
}
const stockRanked = [];
const oursRanked = [];
for (const item of dev) {
  stockRanked.push(await stockSearch(pairedStock, item.question));
  oursRanked.push((await pairedApp.search(item.question, { limit: 8 })).map((p) => ({ source: p.chunk.source, text: p.chunk.text })));
}
const side = {
  ours: { chunks: oursChunks, ingestMs: percentile(pairedIngest.ours, 50), retrievalMs: latency(pairedTimes.ours), quality: quality(dev, oursRanked) },
  stock: { chunks: pairedStock.chunks, ingestMs: percentile(pairedIngest.stock, 50), retrievalMs: latency(pairedTimes.stock), quality: quality(dev, stockRanked) },
  ingestRuns: pairedIngest,
};
await rm(tmp, { recursive: true, force: true });

const ours = side.ours;
const theirs = side.stock;
const ratios = {
  ingestTotal: ours.ingestMs / theirs.ingestMs,
  retrievalP50: ours.retrievalMs.p50 / theirs.retrievalMs.p50,
  retrievalP95: ours.retrievalMs.p95 / theirs.retrievalMs.p95,
  recallAt1: ours.quality.recallAt1 / theirs.quality.recallAt1,
  recallAt3: ours.quality.recallAt3 / theirs.quality.recallAt3,
  answerChunkTop3: ours.quality.answerChunkTop3 / theirs.quality.answerChunkTop3,
};
/*
 * Ratios within our own run, for --check as well: what a full answer costs beyond retrieval at the smallest size
 * (composing: a regression there shows here, whatever the machine's speed), and how much the process grows while
 * answering at the largest (the memory the questions add, against what loading took).
 */
const smallest = sizes[0]?.measured;
const biggest = sizes.at(-1)?.measured;
const ownRatios = {
  answerOverRetrievalP95: smallest ? smallest.answerMs.p95 / smallest.retrievalMs.p95 : undefined,
  rssGrowthWhileAnswering: biggest ? biggest.rssMb.afterQueries / biggest.rssMb.afterLoad : undefined,
};

const mb = (b: number) => `${round(b / 2 ** 20)} MB`;
const ms = (x: number) => `${round(x, x < 10 ? 2 : 1)}`;
const lines: string[] = [];
lines.push(`Benchmark on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}; ${values.quick ? "quick" : "full"} run, ${round((performance.now() - started) / 1000)} s`);
if (model) lines.push(`Every corpus and every question is embedded by ${model.label} (npm run bench -- --embedder ${values.embedder}), through the bot's transformers embedder: timing and memory of the default settings, not retrieval quality.`);
lines.push(`Queries: ${QUERIES.length} distinct for retrieval, ${ANSWER_QUERIES.length} other distinct for full answers (dev + holdout questions in variants), warm process; HNSW M ${HNSW.m}, efConstruction ${HNSW.efConstruction}, efSearch ${EF_SEARCH}.`);
lines.push(`Vector search: exact up to ${HNSW.exactUpTo} vectors (HNSW_EXACT_UP_TO), HNSW above. Its recall@10 against exact search over the same vectors: tie-aware (a returned neighbour as close as the exact 10th counts; the synthetic corpora repeat sentences, so many vectors tie) and, in brackets, by identity only.`);
lines.push("");
lines.push("| corpus | chunks | vectors | ingest total s | chunk / embed / index (HNSW + lexical) / write s | chunks/s | embed chunks/s | index on disk | load: index s / ready s | RSS after load / after the questions | retrieval p50/p95/p99 ms | repeated question p50 ms | full answer p50/p95/p99 ms | lexical p50/p95 ms | vector search recall@10 (strict) | vector search p50/p95 ms |");
lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const s of sizes) {
  const m = s.measured;
  const i = s.ingest;
  lines.push(
    `| ${s.target === 0 ? "seeds" : `~${s.target}`} (${s.articles} articles) | ${s.chunks} | ${s.vectors} | ${round(i.totalMs / 1000, 2)} | ${round(i.chunkMs / 1000, 2)} / ${round(i.embedMs / 1000, 2)} / ${round(i.indexMs / 1000, 2)} (${round(i.denseMs / 1000, 2)} + ${round(i.lexicalMs / 1000, 2)}) / ${round(i.writeMs / 1000, 2)} | ${round(i.chunksPerSecond, 0)} | ${round(i.embedChunksPerSecond, 0)} | ${mb(s.indexBytes)} | ${round(m.indexLoadMs / 1000, 2)} / ${round(m.appReadyMs / 1000, 2)} | ${m.rssMb.afterLoad} / ${m.rssMb.afterQueries} MB | ${ms(m.retrievalMs.p50)} / ${ms(m.retrievalMs.p95)} / ${ms(m.retrievalMs.p99)} | ${ms(m.retrievalRepeatedMs.p50)} | ${ms(m.answerMs.p50)} / ${ms(m.answerMs.p95)} / ${ms(m.answerMs.p99)} | ${ms(m.lexicalMs.p50)} / ${ms(m.lexicalMs.p95)} | ${round(m.dense.recallAt10, 3)} (${round(m.dense.strictRecallAt10, 3)}) | ${ms(m.dense.p50)} / ${ms(m.dense.p95)} |`,
  );
}
lines.push("");
lines.push("Where a full answer's time goes (each answer's own stage timings, p50 / p95 ms; a question in parts sums its parts' embedding and searches, which run side by side; the last column is exact search over the same vectors, for comparison):");
lines.push("| corpus | embed question | BM25 | vector search | compose | full answer | exact search |");
lines.push("| --- | --- | --- | --- | --- | --- | --- |");
for (const s of sizes) {
  const st = s.measured.answerStagesMs;
  lines.push(`| ${s.target === 0 ? "seeds" : `~${s.target}`} | ${ms(st.embed.p50)} / ${ms(st.embed.p95)} | ${ms(st.lexical.p50)} / ${ms(st.lexical.p95)} | ${ms(st.dense.p50)} / ${ms(st.dense.p95)} | ${ms(st.compose.p50)} / ${ms(st.compose.p95)} | ${ms(s.measured.answerMs.p50)} / ${ms(s.measured.answerMs.p95)} | ${ms(s.measured.exactMs.p50)} / ${ms(s.measured.exactMs.p95)} |`);
}
const largest = sizes.at(-1);
if (largest?.measured.curve.length) {
  const m = largest.measured;
  const graphs = [{ m: HNSW.m, efConstruction: HNSW.efConstruction, buildMs: largest.ingest.denseMs, curve: m.curve }, ...m.grid];
  lines.push("");
  lines.push(`HNSW recall@10 (strict) and search p50 / p95 ms by efSearch at ${largest.chunks} chunks, ${m.queries} queries; each graph built from the same vectors (build time in the header; the first is the index the bot uses):`);
  lines.push(`| efSearch | ${graphs.map((g) => `M ${g.m}, efC ${g.efConstruction} (${round(g.buildMs / 1000)} s)`).join(" | ")} |`);
  lines.push(`| --- | ${graphs.map(() => "---").join(" | ")} |`);
  m.curve.forEach((c, i) => {
    const cells = graphs.map((g) => {
      const p = g.curve[i];
      return p ? `${round(p.recallAt10, 3)} (${round(p.strictRecallAt10, 3)}) · ${ms(p.p50)} / ${ms(p.p95)}` : "";
    });
    lines.push(`| ${c.efSearch} | ${cells.join(" | ")} |`);
  });
}
lines.push("");
lines.push("Side by side with the stock LangChain pipeline (RecursiveCharacterTextSplitter 1000/200, HNSWLib.fromDocuments, similaritySearch k=4), seeds, same embedder, measured in one process, interleaved (ingest: median of 3 each, reading the files to a ready index; retrieval: every question to both, alternating which goes first):");
lines.push("| | ours | stock LangChain | ours / stock |");
lines.push("| --- | --- | --- | --- |");
lines.push(`| chunks | ${ours.chunks} | ${theirs.chunks} | |`);
lines.push(`| ingest s | ${round(ours.ingestMs / 1000, 2)} | ${round(theirs.ingestMs / 1000, 2)} | ${round(ratios.ingestTotal, 2)} |`);
lines.push(`| retrieval p50 ms | ${ms(ours.retrievalMs.p50)} | ${ms(theirs.retrievalMs.p50)} | ${round(ratios.retrievalP50, 2)} |`);
lines.push(`| retrieval p95 ms | ${ms(ours.retrievalMs.p95)} | ${ms(theirs.retrievalMs.p95)} | ${round(ratios.retrievalP95, 2)} |`);
lines.push(`| dev set article recall@1 | ${round(ours.quality.recallAt1, 3)} | ${round(theirs.quality.recallAt1, 3)} | ${round(ratios.recallAt1, 2)} |`);
lines.push(`| dev set article recall@3 | ${round(ours.quality.recallAt3, 3)} | ${round(theirs.quality.recallAt3, 3)} | ${round(ratios.recallAt3, 2)} |`);
lines.push(`| dev set answer-bearing chunk in top 3 | ${round(ours.quality.answerChunkTop3, 3)} | ${round(theirs.quality.answerChunkTop3, 3)} | ${round(ratios.answerChunkTop3, 2)} |`);
lines.push("");
lines.push(`Within this run: full answer p95 / retrieval p95 at the ${sizes[0]?.target === 0 ? "seeds" : "smallest size"}: ${ownRatios.answerOverRetrievalP95 === undefined ? "-" : round(ownRatios.answerOverRetrievalP95, 2)}; RSS after the questions / after load at the largest size: ${ownRatios.rssGrowthWhileAnswering === undefined ? "-" : round(ownRatios.rssGrowthWhileAnswering, 2)}.`);

const at100k = sizes.find((s) => s.target === 100_000);
if (at100k) {
  const m = at100k.measured;
  lines.push("");
  lines.push("Targets at 100,000 chunks:");
  lines.push(`- retrieval p95 under 50 ms: ${ms(m.retrievalMs.p95)} ms ${m.retrievalMs.p95 < 50 ? "(met)" : "(NOT met)"}`);
  lines.push(`- HNSW recall@10 at least 0.98: ${round(m.dense.recallAt10, 3)} ${m.dense.recallAt10 >= 0.98 ? "(met)" : "(NOT met)"}`);
  lines.push(`- memory after load under 1 GiB: ${m.rssMb.afterLoad} MB ${m.rssMb.afterLoad < 1024 ? "(met)" : "(NOT met)"}`);
  lines.push(`- memory after the questions (${m.queries}) under 1 GiB: ${m.rssMb.afterQueries} MB ${m.rssMb.afterQueries < 1024 ? "(met)" : "(NOT met)"}`);
  if (model) {
    lines.push(`- full answer p95 at most 25 ms, the question embedded by ${model.label}: ${ms(m.answerMs.p95)} ms ${m.answerMs.p95 <= 25 ? "(met)" : "(NOT met)"}`);
  } else if (at100k.embedder !== useEmbedder.id) {
    lines.push(
      `  (at this size questions are embedded by the hashed stand-in and the offline model is not loaded: its time per uncached question (npm run bench:embed) comes on top of the retrieval figure, its memory on top of the RSS)`,
    );
  }
}
process.stdout.write(`${lines.join("\n")}\n`);

const report = { quick: values.quick, sizes, sideBySide: side, ratios, ownRatios, hnsw: HNSW };
if (values.json) await writeFile(values.json, JSON.stringify(report, null, 2));

if (values.check) {
  const thresholds = JSON.parse(await readFile(path.join(REPO, "test/bench/thresholds.json"), "utf8")) as Record<string, { min?: number; max?: number }>;
  const checked: Record<string, number | undefined> = { ...ratios, ...ownRatios };
  const failed = Object.entries(thresholds).filter(([name, limit]) => {
    const value = checked[name];
    return value === undefined || (limit.min !== undefined && value < limit.min) || (limit.max !== undefined && value > limit.max);
  });
  for (const [name, limit] of Object.entries(thresholds)) {
    const value = checked[name];
    process.stdout.write(`check ${name}: ${value === undefined ? "missing" : round(value, 3)} (limit ${limit.min !== undefined ? `>= ${limit.min}` : ""}${limit.max !== undefined ? `<= ${limit.max}` : ""})\n`);
  }
  if (failed.length) {
    process.stdout.write(`REGRESSED: ${failed.map(([n]) => n).join(", ")}\n`);
    process.exitCode = 1;
  }
}
