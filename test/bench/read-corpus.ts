/*
 * npm run bench:read-corpus [-- CHUNKS]
 *
 * Reading the corpus folder at start-up (loadCorpus) one file at a time against
 * 4, 16 (what it does) and 64 at a time, on a synthetic corpus of about CHUNKS chunks (default
 * 100,000), alternately in one process after one warm read (the files in the
 * page cache both ways), three rounds; medians.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { loadCorpus } from "../../src/corpus/load-corpus.js";
import { silentLogger } from "../../src/log.js";
import { writeSyntheticCorpus } from "./synthetic-corpus.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const target = Number(process.argv[2] ?? 100_000);
const tmp = await mkdtemp(path.join(os.tmpdir(), "bench-read-corpus-"));
try {
  const corpus = await writeSyntheticCorpus(path.join(REPO, "seeds"), tmp, target);
  const files = { metadata: path.join(corpus.dir, "metadata.json") };
  await loadCorpus(corpus.dir, files, silentLogger);
  const times: Record<number, number[]> = { 1: [], 4: [], 16: [], 64: [] };
  for (let round = 0; round < 3; round++) {
    for (const n of round % 2 === 0 ? [1, 4, 16, 64] : [64, 16, 4, 1]) {
      const t = performance.now();
      await loadCorpus(corpus.dir, files, silentLogger, { readConcurrently: n });
      times[n]?.push(performance.now() - t);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] ?? 0;
  process.stdout.write(`${corpus.articles} articles (~${target} chunks), ${os.cpus().length} CPUs: one at a time ${Math.round(median(times[1] ?? []))} ms, 4 at a time ${Math.round(median(times[4] ?? []))} ms, 16 at a time ${Math.round(median(times[16] ?? []))} ms, 64 at a time ${Math.round(median(times[64] ?? []))} ms (medians of 3; each: ${JSON.stringify(times)})\n`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
