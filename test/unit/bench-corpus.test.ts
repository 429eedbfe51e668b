import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chunkArticle } from "../../src/ingest/chunk.js";
import { hashedEmbeddings } from "../bench/hashed-embedder.js";
import { writeSyntheticCorpus } from "../bench/synthetic-corpus.js";

/* The benchmark's generated corpora and stand-in vectors: runs are comparable only if these are deterministic. */

const SEEDS = path.resolve(import.meta.dirname, "../../seeds");
const tmp = await mkdtemp(path.join(os.tmpdir(), "bench-corpus-"));
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function contents(dir: string): Promise<Map<string, string>> {
  const files = (await readdir(dir)).sort();
  return new Map(await Promise.all(files.map(async (f) => [f, await readFile(path.join(dir, f), "utf8")] as const)));
}

describe("synthetic corpus", () => {
  it("is the same for the same seed, different for another, and about the size asked for", async () => {
    const a = await writeSyntheticCorpus(SEEDS, path.join(tmp, "a"), 300);
    const b = await writeSyntheticCorpus(SEEDS, path.join(tmp, "b"), 300);
    const c = await writeSyntheticCorpus(SEEDS, path.join(tmp, "c"), 300, 7);
    const [ta, tb, tc] = await Promise.all([contents(a.dir), contents(b.dir), contents(c.dir)]);
    expect([...ta.entries()]).toEqual([...tb.entries()]);
    expect([...tc.values()]).not.toEqual([...ta.values()]);
    expect(ta.size).toBe(a.articles);
    let chunks = 0;
    for (const text of ta.values()) {
      expect(text).toMatch(/^Synthetic report \d+: /);
      chunks += (await chunkArticle(text, { size: 500, overlap: 100 })).length;
    }
    expect(chunks).toBeGreaterThanOrEqual(285);
    expect(chunks).toBeLessThanOrEqual(315);
    // Sentences are varied, so chunks are not copies of one another.
    const all = [...ta.values()].join("\n");
    const sentences = all.split(/(?<=[.!?])\s+/).filter((s) => s.length > 40);
    expect(new Set(sentences).size / sentences.length).toBeGreaterThan(0.8);
  });
});

describe("hashed stand-in embeddings", () => {
  it("are unit vectors of the offline model's dimension, deterministic, and closer for similar texts", async () => {
    const e = hashedEmbeddings();
    expect(e.dimensions).toBe(512);
    const [v1, v2, v3] = await e.embedDocuments([
      "Xi met von der Leyen in Beijing to discuss trade.",
      "In Beijing, von der Leyen and Xi discussed trade.",
      "The weather in Lisbon was mild for the festival.",
    ]);
    const dot = (x: number[] = [], y: number[] = []) => x.reduce((s, xi, i) => s + xi * (y[i] ?? 0), 0);
    expect(v1).toHaveLength(512);
    expect(dot(v1, v1)).toBeCloseTo(1, 9);
    expect(await hashedEmbeddings().embedQuery("Xi met von der Leyen in Beijing to discuss trade.")).toEqual(v1);
    expect(dot(v1, v2)).toBeGreaterThan(0.8);
    expect(dot(v1, v3)).toBeLessThan(0.3);
  });
});
