import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import type { RetrievalBackend, SearchQuery } from "../../src/index/backend.js";
import { embeddedBackend } from "../../src/index/embedded-backend.js";
import { createPool } from "../../src/index/postgres/pg-backend.js";
import { syncIndex } from "../../src/ingest/sync-index.js";
import { syncPostgres } from "../../src/ingest/sync-postgres.js";
import { createEmbedder } from "../../src/ingest/embedders/create-embedder.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { loadCorpus, type Corpus } from "../../src/corpus/load-corpus.js";
import { loadNlp } from "../../src/knowledge/nlp.js";
import { silentLogger } from "../../src/log.js";
import { startPgliteServer, type PgliteServer } from "../fakes/pglite-server.js";
import { cleanup, SEEDS, tempDir, testConfig } from "../helpers.js";

/*
 * What every retrieval backend must do (src/index/backend.ts), run against
 * the embedded one (hnswlib-node + BM25 in a data folder) and the Postgres one
 * (pgvector + full-text search, over the wire protocol to PGlite), both built
 * from the seeds with the offline embedder.
 */

let server: PgliteServer;
let pool: pg.Pool;
let dataDir: string;
let embedder: EmbeddingProvider;
let corpus: Corpus;
const backends: Record<string, RetrievalBackend> = {};
/** How many chunks the index holds of an article. */
let chunksOf: (source: string) => number = () => 0;

beforeAll(async () => {
  [server, dataDir] = await Promise.all([startPgliteServer(), tempDir()]);
  const config = testConfig({ EMBEDDER: "use", DATA_DIR: dataDir, CORPUS_DIR: SEEDS });
  [embedder, corpus] = await Promise.all([createEmbedder(config, silentLogger), loadCorpus(SEEDS, { metadata: config.metadataFile, aliases: config.aliasesFile }, silentLogger)]);
  const nlp = await loadNlp();
  const common = { nlp, corpus, embedder, chunking: config.chunking, hnsw: config.hnsw, log: silentLogger };
  const built = await syncIndex({ ...common, dataDir });
  backends.embedded = embeddedBackend(built.index);
  chunksOf = (source) => [...built.index.chunks.values()].filter((c) => c.source === source).length;
  pool = createPool({ url: server.url, max: 2, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000 }, silentLogger);
  backends.postgres = (await syncPostgres({ ...common, pool, searchTimeoutMs: 30_000 })).index.backend;
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  await cleanup(dataDir);
});

const base = { mode: "hybrid", candidates: 10, lexicalWeight: 0.5, denseWeight: 0.5, efSearch: 512, exactUpTo: 2_000 } as const;
const query = async (text: string, extra: Partial<SearchQuery> = {}): Promise<SearchQuery> => ({ ...base, text, vector: await embedder.embedQuery(text), ...extra });

describe.each(["embedded", "postgres"])("retrieval backend contract: %s", (name) => {
  const backend = () => backends[name] as RetrievalBackend;

  it("says what built it", () => {
    const info = backend().info;
    expect(info.backend).toBe(name);
    expect(info.embedder).toEqual({ id: embedder.id, dimensions: embedder.dimensions });
    expect(info.articles).toBe(corpus.articles.length);
    expect(info.chunks).toBe(backends.embedded?.info.chunks);
    expect(info.buildId).toMatch(/\S/);
  });

  it("fuses both searches into one ranking: weighted scores, best first, ranks within each search's candidates", async () => {
    const { passages } = await backend().search(await query("What did von der Leyen say about dual-use goods?"));
    expect(passages.length).toBeGreaterThanOrEqual(10);
    expect(passages.length).toBeLessThanOrEqual(20);
    for (const p of passages) expect(p.score).toBeCloseTo(0.5 * p.lexical + 0.5 * Math.max(0, p.dense), 9);
    for (let i = 1; i < passages.length; i++) {
      const [a, b] = [passages[i - 1]!, passages[i]!];
      expect(a.score > b.score || (a.score === b.score && a.chunk.id < b.chunk.id)).toBe(true);
    }
    const lexicalRanks = passages.map((p) => p.lexicalRank).filter((r): r is number => r !== null);
    const denseRanks = passages.map((p) => p.denseRank).filter((r): r is number => r !== null);
    expect(lexicalRanks.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(denseRanks.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    // The lexical score is relative to the best lexical candidate.
    expect(Math.max(...passages.map((p) => p.lexical))).toBeCloseTo(1, 9);
    expect(passages[0]?.chunk.text).toContain("dual-use");
  });

  it("quotes chunks exactly as they stand in their article", async () => {
    const { passages } = await backend().search(await query("Which countries did Xi visit after France?"));
    for (const p of passages) {
      const article = corpus.articles.find((a) => a.source === p.chunk.source);
      expect(article?.text.slice(p.chunk.start, p.chunk.end)).toBe(p.chunk.text);
    }
  });

  it("dense mode: cosine only, the same neighbours in every backend", async () => {
    const q = await query("tariffs on Chinese electric vehicles", { mode: "dense" });
    const mine = (await backend().search(q)).passages;
    const reference = (await backends.embedded!.search(q)).passages;
    expect(mine.every((p) => p.lexical === 0 && p.lexicalRank === null)).toBe(true);
    expect(mine.map((p) => p.chunk.id)).toEqual(reference.map((p) => p.chunk.id));
    mine.forEach((p, i) => expect(p.dense).toBeCloseTo(reference[i]!.dense, 5));
  });

  it("lexical mode: words only; a question with no word of the articles finds nothing", async () => {
    const { passages } = await backend().search(await query("dual-use goods battlefield", { mode: "lexical" }));
    expect(passages.length).toBeGreaterThan(0);
    expect(passages.every((p) => p.dense === 0 && p.denseRank === null)).toBe(true);
    expect(passages[0]?.chunk.text).toMatch(/dual-use/i);
    expect((await backend().search(await query("zqxj vbnmw", { mode: "lexical" }))).passages).toEqual([]);
  });

  it("keeps to the articles asked for", async () => {
    const source = corpus.articles[2]!.source;
    const { passages } = await backend().search(await query("What did Xi say?", { sources: new Set([source]) }));
    expect(passages.length).toBeGreaterThan(0);
    expect(passages.every((p) => p.chunk.source === source)).toBe(true);
    const chunksOfSource = (await backends.embedded!.search(await query("What did Xi say?", { sources: new Set([source]), candidates: 1000 }))).passages.length;
    // Fewer chunks than candidates in that article: every one of them, from both searches.
    if (chunksOfSource < 10) expect(passages.length).toBe(chunksOfSource);
    expect((await backend().search(await query("What did Xi say?", { sources: new Set(["no-such-article.txt"]) }))).passages).toEqual([]);
  });

  it("finds the nearest passages of the articles asked for by vector alone, however few and wherever stored", async () => {
    // The last article's chunks are stored last, one article's are few: a search that filters only what it met
    // among the first vectors (hnswlib's brute force does) returns some of them, not all.
    for (const article of [corpus.articles.at(-1)!, corpus.articles[0]!]) {
      const count = chunksOf(article.source);
      expect(count).toBeGreaterThan(0);
      const { passages } = await backend().search(await query("What did Xi say?", { mode: "dense", candidates: 1000, sources: new Set([article.source]) }));
      expect(passages).toHaveLength(count);
      expect(passages.every((p) => p.chunk.source === article.source)).toBe(true);
      const few = await backend().search(await query("What did Xi say?", { mode: "dense", candidates: 3, sources: new Set([article.source]) }));
      expect(few.passages.map((p) => p.chunk.id)).toEqual(passages.slice(0, Math.min(3, count)).map((p) => p.chunk.id));
    }
  });

  it("fetches chunks by id, in the order asked, skipping ids it does not have", async () => {
    const { passages } = await backend().search(await query("Serbia Hungary"));
    const ids = passages.slice(0, 3).map((p) => p.chunk.id);
    const chunks = await backend().chunks([ids[2]!, 999_999, ids[0]!, ids[1]!]);
    expect(chunks.map((c) => c.id)).toEqual([ids[2], ids[0], ids[1]]);
    expect(chunks[1]).toEqual(passages[0]?.chunk);
    expect(await backend().chunks([])).toEqual([]);
  });
});

describe("Postgres lexical scores", () => {
  it("are BM25+ as the embedded index computes it (k 1.2, b 0.7, d 0.5, repeated words, times the words matched), over the stored lexemes", async () => {
    const text = "What did von der Leyen say about dual-use goods and goods trade?";
    const { passages } = await backends.postgres!.search(await query(text, { mode: "lexical", candidates: 1000 }));
    const db = server.db;
    const words = (await db.query<{ term: string; times: number }>("SELECT lexeme AS term, array_length(positions, 1) AS times FROM unnest(to_tsvector('english', $1))", [text])).rows;
    const { n, avgdl } = (await db.query<{ n: number; avgdl: number }>("SELECT n, avgdl FROM summit_lexical_stats")).rows[0]!;
    const scores = new Map<number, { sum: number; matched: number }>();
    for (const w of words) {
      const postings = (await db.query<{ chunk_id: number; tf: number; len: number }>("SELECT chunk_id, tf, len FROM summit_postings WHERE term = $1", [w.term])).rows;
      const df = postings.length;
      if (df === 0) continue;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (const p of postings) {
        const s = scores.get(p.chunk_id) ?? { sum: 0, matched: 0 };
        s.sum += w.times * idf * (0.5 + (p.tf * 2.2) / (p.tf + 1.2 * (1 - 0.7 + (0.7 * p.len) / avgdl)));
        s.matched += 1;
        scores.set(p.chunk_id, s);
      }
    }
    const bm25 = new Map([...scores].map(([id, s]) => [id, s.sum * s.matched]));
    const best = Math.max(...bm25.values());
    expect(words.find((w) => w.term === "good")?.times).toBe(2);
    expect(passages.length).toBe(bm25.size);
    for (const p of passages) expect(p.lexical).toBeCloseTo((bm25.get(p.chunk.id) ?? NaN) / best, 9);
  });
});
