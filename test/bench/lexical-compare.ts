/*
 * npm run bench:lexical -- DATA_DIR [minisearch|ours]
 *
 * The lexical index over one built corpus (DATA_DIR from an ingest, e.g. a
 * 100,000-chunk bench corpus), two ways: MiniSearch configured as the bot
 * used it until it got its own BM25 index, and src/index/lexical-index.ts.
 * Same chunks, same term pipeline, same questions (dev + holdout in three
 * variants). Each runs in its own process (with no argument both run, one
 * after the other) so heap figures are the index's alone: build time, heap
 * and array-buffer growth after a full GC, query latency p50/p95/p99.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import MiniSearch from "minisearch";
import { parseQaFile } from "../../src/eval/qa-file.js";
import { percentile } from "../../src/eval/run-eval.js";
import { LexicalIndex } from "../../src/index/lexical-index.js";
import { termOf, words } from "../../src/text/terms.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const [dataDir, which] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write("usage: npm run bench:lexical -- DATA_DIR [minisearch|ours]\n");
  process.exit(2);
}

if (!which) {
  for (const kind of ["minisearch", "ours"]) {
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", import.meta.filename, dataDir, kind], { cwd: REPO, maxBuffer: 1 << 24 });
    process.stdout.write(stdout);
  }
  process.exit(0);
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const heapMb = () => {
  gc();
  const m = process.memoryUsage();
  // Typed arrays live outside the JS heap, in array buffers.
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};

const build = (await readFile(path.join(dataDir, "CURRENT"), "utf8")).trim();
const chunks: { id: number; text: string }[] = JSON.parse(await readFile(path.join(dataDir, "builds", build, "chunks.json"), "utf8")) as { id: number; text: string }[];
const qa = [...parseQaFile(await readFile(path.join(REPO, "test/eval/dev-qa.jsonl"), "utf8")), ...parseQaFile(await readFile(path.join(REPO, "test/eval/holdout-qa.jsonl"), "utf8"))];
const queries = ["", "Tell me: ", "In short, "].flatMap((p) => qa.map((q) => `${p}${q.question}`));
const K = 50;

const before = heapMb();
let t = performance.now();
let search: (q: string) => unknown;
if (which === "minisearch") {
  const ms = new MiniSearch<{ id: number; text: string }>({
    idField: "id",
    fields: ["text"],
    tokenize: (text: string) => words(text).map((w) => w.word),
    processTerm: (term: string) => termOf(term) ?? null,
    searchOptions: { combineWith: "OR", prefix: false, fuzzy: false },
  });
  ms.addAll(chunks);
  search = (q) => ms.search(q).slice(0, K);
} else {
  const ours = LexicalIndex.build(chunks);
  search = (q) => ours.search(q, K);
}
const buildMs = performance.now() - t;
// The chunks are still held, so the growth is the index's own.
const heapGrowthMb = heapMb() - before;
const count = chunks.length;

for (const q of queries.slice(0, 10)) search(`Warm-up: ${q}`);
const times: number[] = [];
for (const q of queries) {
  t = performance.now();
  search(q);
  times.push(performance.now() - t);
}
const r = (x: number) => Math.round(x * 100) / 100;
process.stdout.write(
  `${which}: ${count} chunks, build ${r(buildMs / 1000)} s, index heap ${Math.round(heapGrowthMb)} MB, ` +
    `${queries.length} queries top-${K}: p50 ${r(percentile(times, 50))} ms, p95 ${r(percentile(times, 95))} ms, p99 ${r(percentile(times, 99))} ms\n`,
);
