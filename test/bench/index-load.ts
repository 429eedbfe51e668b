/*
 * What reading the index costs at start-up (loadCurrentIndex: reading, checking
 * and parsing every file of the build, and handing the graph to hnswlib), on
 * the seeds and on a synthetic corpus, as the median of several reads. Run it
 * on two versions of the code to see what a change to loading costs:
 *
 *   npx tsx test/bench/index-load.ts [chunks=10000] [runs=9]
 *
 * Vectors come from the hashed embedder (test/bench/hashed-embedder.ts), so the
 * build is quick; the graph and the files are the real ones.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { loadCurrentIndex } from "../../src/index/store.js";
import { cleanup, REPO, SEEDS, tempDir } from "../helpers.js";
import { hashedEmbeddings } from "./hashed-embedder.js";
import { writeSyntheticCorpus } from "./synthetic-corpus.js";

const target = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 9);
const tmp = await tempDir("summit-load-bench-");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

try {
  for (const [label, corpusDir] of [
    ["seeds", SEEDS],
    [`${target} chunks`, (await writeSyntheticCorpus(SEEDS, path.join(tmp, "corpus"), target)).dir],
  ] as const) {
    const dataDir = path.join(tmp, `data-${label.replace(/\W/g, "")}`);
    const config = loadConfig({ CORPUS_DIR: corpusDir, DATA_DIR: dataDir, LOG_LEVEL: "warn", EMBEDDER: "use" }, REPO);
    const summary = await createApp(config, { embedder: hashedEmbeddings() }).ingest();
    const build = path.join(dataDir, "builds", (await readFile(path.join(dataDir, "CURRENT"), "utf8")).trim());
    let bytes = 0;
    for (const f of ["manifest.json", "chunks.json", "dense.hnsw", "lexical.bin", "knowledge.json"]) bytes += (await stat(path.join(build, f))).size;
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const loaded = await loadCurrentIndex(dataDir);
      ms.push(performance.now() - t0);
      if (loaded.status !== "ok") throw new Error(`${label}: ${loaded.status}`);
    }
    process.stdout.write(
      `${label}: ${summary.chunks} chunks, ${(bytes / 1e6).toFixed(1)} MB on disk; loadCurrentIndex median ${median(ms).toFixed(1)} ms ` +
        `(min ${Math.min(...ms).toFixed(1)}, max ${Math.max(...ms).toFixed(1)}, ${runs} runs)\n`,
    );
  }
} finally {
  await cleanup(tmp);
}
