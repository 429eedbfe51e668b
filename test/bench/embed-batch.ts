/*
 * npm run bench:embed [-- CHUNKS]
 *
 * Throughput of the offline embedder (USE lite) by batch size
 * (EMBED_BATCH_SIZE), on the first CHUNKS (default 160) chunks of a
 * synthetic corpus, chunked as the product chunks; plus the time to embed
 * one question, which every uncached question pays.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { percentile } from "../../src/eval/run-eval.js";
import { chunkArticle } from "../../src/ingest/chunk.js";
import { UseLiteEmbeddings } from "../../src/ingest/embedders/use-lite.js";
import { writeSyntheticCorpus } from "./synthetic-corpus.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const wanted = Number(process.argv[2] ?? 160);
if (!Number.isInteger(wanted) || wanted < 16) {
  process.stderr.write("usage: npm run bench:embed [-- CHUNKS]   (CHUNKS: an integer, at least 16)\n");
  process.exit(2);
}

const tmp = await mkdtemp(path.join(os.tmpdir(), "bench-embed-"));
const corpus = await writeSyntheticCorpus(path.join(REPO, "seeds"), tmp, wanted);
const texts: string[] = [];
for (const f of (await readdir(corpus.dir)).sort()) {
  const text = await readFile(path.join(corpus.dir, f), "utf8");
  for (const c of await chunkArticle(text, { size: 500, overlap: 100 })) texts.push(c.text);
}
await rm(tmp, { recursive: true, force: true });
const sample = texts.slice(0, wanted);

const r = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
process.stdout.write(`USE lite, ${sample.length} chunks of a synthetic corpus, ${os.cpus().length} CPUs, Node ${process.version}\n`);
process.stdout.write("| batch size | chunks/s | total s |\n| --- | --- | --- |\n");
for (const size of [1, 4, 16, 64]) {
  const embedder = await UseLiteEmbeddings.load(size);
  await embedder.embedDocuments(sample.slice(0, size)); // warm-up
  const t = performance.now();
  await embedder.embedDocuments(sample);
  const s = (performance.now() - t) / 1000;
  process.stdout.write(`| ${size} | ${r(sample.length / s)} | ${r(s, 2)} |\n`);
}
const embedder = await UseLiteEmbeddings.load(1);
const questions = ["Which countries did Xi visit after France?", "What did von der Leyen say about dual-use goods?"];
for (const q of questions) await embedder.embedQuery(q);
const times: number[] = [];
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  await embedder.embedQuery(`${questions[i % 2]} (${i})`);
  times.push(performance.now() - t);
}
process.stdout.write(`one question: p50 ${r(percentile(times, 50), 2)} ms, p95 ${r(percentile(times, 95), 2)} ms (100 questions)\n`);
