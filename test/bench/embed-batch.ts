/*
 * npm run bench:embed [-- --embedder NAME[,NAME…]] [--chunks N]
 *
 * The embedders users run, each in a fresh process: load time, memory, ingest
 * throughput (chunks/s, batches of EMBED_BATCH_SIZE 16, the chunks in corpus
 * order and longest first as ingest orders them, alternately, medians of two)
 * and the time to embed one question (every uncached question pays it), on the
 * first N (default 160) chunks of a synthetic corpus chunked as the product
 * chunks. NAME: use (the offline USE lite), bge-small (the default model's
 * shape, int8, as the default TRANSFORMERS_QUANTIZED=true loads it),
 * bge-small-fp32, minilm-l6, minilm-l6-fp32. The bge and MiniLM figures come
 * from random-weight models of the exact shapes (test/bench/real-shape-bert.ts,
 * written once under DATA_DIR/bench-models): timing and memory, not quality.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs, promisify } from "node:util";
import { loadConfig } from "../../src/config.js";
import { percentile } from "../../src/eval/run-eval.js";
import { chunkArticle } from "../../src/ingest/chunk.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { TransformersEmbeddings } from "../../src/ingest/embedders/transformers.js";
import { UseLiteEmbeddings } from "../../src/ingest/embedders/use-lite.js";
import { embeddingOrder } from "../../src/ingest/sync-index.js";
import { silentLogger } from "../../src/log.js";
import { benchModel, SHAPES, type ShapeName } from "./real-shape-bert.js";
import { writeSyntheticCorpus } from "./synthetic-corpus.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const NAMES = ["use", "bge-small", "bge-small-fp32", "minilm-l6", "minilm-l6-fp32"] as const;
type Name = (typeof NAMES)[number];
const { values } = parseArgs({ options: { embedder: { type: "string", default: "use,bge-small" }, chunks: { type: "string", default: "160" }, one: { type: "string" } } });
const wanted = Number(values.chunks);
const names = (values.one ?? values.embedder).split(",").map((n) => n.trim());
if (!Number.isInteger(wanted) || wanted < 16 || names.some((n) => !(NAMES as readonly string[]).includes(n))) {
  process.stderr.write(`usage: npm run bench:embed [-- --embedder ${NAMES.join("|")}[,…]] [--chunks N]   (N: an integer, at least 16)\n`);
  process.exit(2);
}
const r = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

interface Result {
  name: Name;
  id: string;
  dimensions: number;
  loadMs: number;
  rssMb: { before: number; afterLoad: number; afterRun: number };
  chunksPerSecond: { corpusOrder: number; longestFirst: number };
  sameVectors: boolean;
  questionMs: { p50: number; p95: number };
  modelBytes: number | null;
}

async function sampleTexts(): Promise<string[]> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "bench-embed-"));
  try {
    const corpus = await writeSyntheticCorpus(path.join(REPO, "seeds"), tmp, wanted);
    const texts: string[] = [];
    for (const f of (await readdir(corpus.dir)).sort()) {
      const text = await readFile(path.join(corpus.dir, f), "utf8");
      for (const c of await chunkArticle(text, { size: 500, overlap: 100 })) texts.push(c.text);
    }
    return texts.slice(0, wanted);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** One embedder, measured in this process. */
async function measure(name: Name): Promise<Result> {
  const texts = await sampleTexts();
  let modelBytes: number | null = null;
  let env: Record<string, string> = {};
  if (name !== "use") {
    // Written by the parent process already: here it is only found.
    const model = await benchModel(loadConfig({}, REPO).dataDir, path.join(REPO, "seeds"), name);
    modelBytes = model.modelBytes;
    env = model.env;
  }
  const before = rssMb();
  const t0 = performance.now();
  const embedder: EmbeddingProvider = name === "use" ? await UseLiteEmbeddings.load(16) : await TransformersEmbeddings.load(loadConfig(env, REPO).embedder.transformers, 16, silentLogger);
  const loadMs = performance.now() - t0;
  const afterLoad = rssMb();
  await embedder.embedDocuments(texts.slice(0, 16)); // warm-up
  const order = embeddingOrder(texts.map((text) => ({ text })));
  const sorted = order.map((i) => texts[i] as string);
  const rates: { corpusOrder: number[]; longestFirst: number[] } = { corpusOrder: [], longestFirst: [] };
  let vectors: { corpusOrder: number[][]; longestFirst: number[][] } = { corpusOrder: [], longestFirst: [] };
  for (let round = 0; round < 2; round++) {
    for (const way of round === 0 ? (["corpusOrder", "longestFirst"] as const) : (["longestFirst", "corpusOrder"] as const)) {
      const input = way === "corpusOrder" ? texts : sorted;
      const t = performance.now();
      const out: number[][] = [];
      for (let i = 0; i < input.length; i += 16) out.push(...(await embedder.embedDocuments(input.slice(i, i + 16))));
      rates[way].push(input.length / ((performance.now() - t) / 1000));
      vectors = { ...vectors, [way]: out };
    }
  }
  // Back in corpus order, the vectors of the sorted run are those of the corpus-order run (to float32 rounding).
  const back: number[][] = new Array<number[]>(texts.length);
  order.forEach((i, k) => (back[i] = vectors.longestFirst[k] as number[]));
  const sameVectors = back.every((v, i) => v.every((x, j) => Math.abs(x - (vectors.corpusOrder[i]?.[j] ?? NaN)) < 1e-4));
  const questions = ["Which countries did Xi visit after France?", "What did von der Leyen say about dual-use goods?"];
  for (const q of questions) await embedder.embedQuery(q);
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await embedder.embedQuery(`${questions[i % 2]} (${i})`);
    times.push(performance.now() - t);
  }
  return {
    name,
    id: embedder.id,
    dimensions: embedder.dimensions,
    loadMs,
    rssMb: { before, afterLoad, afterRun: rssMb() },
    chunksPerSecond: { corpusOrder: median(rates.corpusOrder), longestFirst: median(rates.longestFirst) },
    sameVectors,
    questionMs: { p50: percentile(times, 50), p95: percentile(times, 95) },
    modelBytes,
  };
}

if (values.one) {
  process.stdout.write(JSON.stringify(await measure(values.one as Name)));
} else {
  const label = (n: Name) => (n === "use" ? "USE lite (offline, real weights)" : `${SHAPES[n.replace(/-fp32$/, "") as ShapeName].of} shape, ${n.endsWith("-fp32") ? "fp32" : "int8"} (random weights)`);
  const rows: string[] = [];
  for (const shape of new Set(names.filter((n) => n !== "use").map((n) => n.replace(/-fp32$/, "") as ShapeName))) {
    process.stderr.write(`${shape}: the random-weight model of its shape (written once under DATA_DIR/bench-models)…\n`);
    await benchModel(loadConfig({}, REPO).dataDir, path.join(REPO, "seeds"), shape);
  }
  for (const name of names as Name[]) {
    process.stderr.write(`${name}: measuring in a fresh process…\n`);
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(REPO, "test/bench/embed-batch.ts"), "--one", name, "--chunks", String(wanted)], { cwd: REPO, maxBuffer: 16 * 2 ** 20 });
    const m = JSON.parse(stdout) as Result;
    rows.push(
      `| ${label(name)} | ${m.dimensions} | ${m.modelBytes === null ? "-" : `${r(m.modelBytes / 2 ** 20)} MB`} | ${r(m.loadMs / 1000, 2)} | +${m.rssMb.afterLoad - m.rssMb.before} / +${m.rssMb.afterRun - m.rssMb.before} MB | ${r(m.chunksPerSecond.corpusOrder)} | ${r(m.chunksPerSecond.longestFirst)} (×${r(m.chunksPerSecond.longestFirst / m.chunksPerSecond.corpusOrder, 2)}${m.sameVectors ? "" : ", vectors differ"}) | ${r(m.questionMs.p50, 2)} / ${r(m.questionMs.p95, 2)} |`,
    );
  }
  process.stdout.write(
    [
      `Embedders on ${os.cpus().length} CPUs, Node ${process.version}: ${wanted} chunks of a synthetic corpus, batches of 16, each embedder in a fresh process.`,
      "",
      "| embedder | dimensions | model file | load s | RSS after load / after the run | ingest chunks/s, corpus order | longest first | one question p50 / p95 ms |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...rows,
      "",
    ].join("\n"),
  );
}
