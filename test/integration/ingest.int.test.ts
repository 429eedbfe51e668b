import { createHash } from "node:crypto";
import { readdir, readFile, rm, stat, utimes, writeFile, mkdir, appendFile, truncate } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import type { Env } from "../../src/config.js";
import { loadNlp } from "../../src/knowledge/nlp.js";
import { loadCorpus } from "../../src/corpus/load-corpus.js";
import { LexicalIndex } from "../../src/index/lexical-index.js";
import { withWriteLock } from "../../src/index/lock.js";
import { loadCurrentIndex, newBuildId, SCHEMA_VERSION, writeIndex, type SearchIndex } from "../../src/index/store.js";
import { createEmbedder } from "../../src/ingest/embedders/create-embedder.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { syncIndex } from "../../src/ingest/sync-index.js";
import { memoryLogger, silentLogger } from "../../src/log.js";
import { ANALYZER_ID } from "../../src/text/terms.js";
import { cleanup, copySeeds, tempDir, testConfig, tinyModelEnv } from "../helpers.js";

/*
 * Ingest against a real hnswlib index and BM25 index on disk, with the
 * real transformers provider running a tiny local model.
 */

let root: string;
let modelEnv: Env;
let corpusDir: string;
let dataDir: string;

beforeAll(async () => {
  root = await tempDir();
  modelEnv = await tinyModelEnv(path.join(root, "models"));
});
afterAll(() => cleanup(root));

let n = 0;
beforeEach(async () => {
  n++;
  corpusDir = path.join(root, `corpus-${n}`);
  dataDir = path.join(root, `data-${n}`, "nested", "index");
  await copySeeds(corpusDir);
});

const env = (extra: Env = {}): Env => ({ ...modelEnv, CORPUS_DIR: corpusDir, DATA_DIR: dataDir, ...extra });

async function currentBuild(): Promise<string> {
  return path.join(dataDir, "builds", (await readFile(path.join(dataDir, "CURRENT"), "utf8")).trim());
}

const NEW_ARTICLE =
  "Zanzibar talks\n\nThe zanzibar delegation met officials in Lisbon to discuss cashew exports. " +
  "Negotiators said the cashew quota would double next year.";

describe("ingest", () => {
  it("builds the index on first use into a data folder that did not exist, with a complete manifest", async () => {
    const app = createApp(testConfig(env()));
    const answer = await app.ask("What did von der Leyen say about dual-use goods?");
    expect(answer.abstained).toBe(false);

    const build = await currentBuild();
    expect((await readdir(build)).sort()).toEqual(["chunks.json", "dense.hnsw", "knowledge.json", "lexical.bin", "manifest.json"]);
    const manifest = JSON.parse(await readFile(path.join(build, "manifest.json"), "utf8"));
    expect(manifest.embedder).toEqual({ id: expect.stringMatching(/^transformers:test\/tiny-bert:mean:norm:q8$/), dimensions: 32 });
    expect(manifest.chunking).toMatchObject({ size: 500, overlap: 100 });
    expect(manifest.lexical).toEqual({ analyzer: ANALYZER_ID });
    expect(new Date(manifest.builtAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(manifest.articles).toHaveLength(5);
    for (const a of manifest.articles) {
      const bytes = await readFile(path.join(corpusDir, a.source));
      expect(a.hash).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(a.chunks).toBeGreaterThan(0);
    }
    const chunks = JSON.parse(await readFile(path.join(build, "chunks.json"), "utf8"));
    expect(chunks).toHaveLength(manifest.chunkCount);
    for (const c of chunks) {
      const text = await readFile(path.join(corpusDir, c.source), "utf8");
      expect(text.slice(c.start, c.end)).toBe(c.text);
    }
  });

  it("re-embeds only new or changed articles, drops deleted ones, and does nothing when current", async () => {
    const app = createApp(testConfig(env()));
    const first = await app.ingest();
    expect(first).toMatchObject({ articles: 5, rebuilt: "no index yet", wrote: true });
    expect(first.embedded).toBe(first.chunks);

    const again = await app.ingest();
    expect(again).toMatchObject({ embedded: 0, wrote: false, rebuilt: null, unchanged: 5 });

    await writeFile(path.join(corpusDir, "zanzibar.txt"), NEW_ARTICLE);
    const added = await app.ingest();
    expect(added).toMatchObject({ added: ["zanzibar.txt"], changed: [], removed: [], unchanged: 5, rebuilt: null, articles: 6 });
    expect(added.embedded).toBe(added.chunks - first.chunks);
    expect((await app.search("cashew quota zanzibar"))[0]?.chunk.source).toBe("zanzibar.txt");

    await appendFile(path.join(corpusDir, "003_641cc9c7e352f1a3.txt"), "\nKallas also discussed quinoa tariffs with Wang Yi.\n");
    const changed = await app.ingest();
    expect(changed).toMatchObject({ added: [], changed: ["003_641cc9c7e352f1a3.txt"], removed: [], unchanged: 5 });
    const chunks003 = JSON.parse(await readFile(path.join(await currentBuild(), "manifest.json"), "utf8")).articles.find(
      (a: { source: string }) => a.source === "003_641cc9c7e352f1a3.txt",
    ).chunks;
    expect(changed.embedded).toBe(chunks003);
    const quinoa = await app.ask("What did Kallas discuss about quinoa tariffs?");
    expect(quinoa.citations[0]?.quote).toContain("quinoa");

    await rm(path.join(corpusDir, "zanzibar.txt"));
    const removed = await app.ingest();
    expect(removed).toMatchObject({ removed: ["zanzibar.txt"], embedded: 0, articles: 5, chunks: changed.chunks - (added.chunks - first.chunks) });
    const hits = await app.search("cashew quota zanzibar", { limit: 50 });
    expect(hits.some((p) => p.chunk.source === "zanzibar.txt")).toBe(false);
    // The newest build and the one it replaced (for readers that had just opened it) are kept.
    expect(await readdir(path.join(dataDir, "builds"))).toHaveLength(2);
  });

  it("rebuilds everything when the embedder or the chunking changes, and says why", async () => {
    await createApp(testConfig(env())).ingest();
    const log = memoryLogger();
    const cls = await createApp(testConfig(env({ TRANSFORMERS_POOLING: "cls" })), { log }).ingest();
    expect(cls.rebuilt).toMatch(/embedder changed/);
    expect(cls.embedded).toBe(cls.chunks);
    expect(log.lines.some((l) => l.includes("index.rebuild") && l.includes("embedder changed"))).toBe(true);

    const smaller = await createApp(testConfig(env({ TRANSFORMERS_POOLING: "cls", CHUNK_SIZE: "300", CHUNK_OVERLAP: "50" }))).ingest();
    expect(smaller.rebuilt).toMatch(/chunking changed/);
    expect(smaller.chunks).toBeGreaterThan(cls.chunks);

    const hnswEnv = env({ TRANSFORMERS_POOLING: "cls", CHUNK_SIZE: "300", CHUNK_OVERLAP: "50", HNSW_M: "8" });
    const hnsw = await createApp(testConfig(hnswEnv)).ingest();
    expect(hnsw.rebuilt).toMatch(/HNSW/);

    // An index whose lexical part was analysed by other rules (e.g. other stopwords) is rebuilt too.
    // (The manifest is rewritten as that version would have written it: with its checksum.)
    const manifestFile = path.join(await currentBuild(), "manifest.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
    delete manifest.checksum;
    const older = { ...manifest, lexical: { analyzer: "en-porter-v0:old" } };
    await writeFile(manifestFile, JSON.stringify({ ...older, checksum: createHash("sha256").update(JSON.stringify(older)).digest("hex") }));
    const analyser = await createApp(testConfig(hnswEnv)).ingest();
    expect(analyser.rebuilt).toMatch(/text analyser changed/);
  });

  it("rebuilds a damaged index with a clear log line instead of crashing", async () => {
    const app = createApp(testConfig(env()));
    await app.ingest();
    const damage: [string, (build: string) => Promise<void>][] = [
      ["truncated HNSW file", (b) => truncate(path.join(b, "dense.hnsw"), 100)],
      ["garbage manifest", (b) => writeFile(path.join(b, "manifest.json"), "{not json")],
      ["lexical index of another corpus", (b) => writeFile(path.join(b, "lexical.bin"), LexicalIndex.build([{ id: 0, text: "other words" }]).serialize())],
      ["truncated lexical index", (b) => truncate(path.join(b, "lexical.bin"), 200)],
      ["missing chunks file", (b) => rm(path.join(b, "chunks.json"))],
      ["CURRENT naming a build that is gone", () => writeFile(path.join(dataDir, "CURRENT"), "20990101-000000000Z-abcdef\n")],
      ["CURRENT with a path in it", () => writeFile(path.join(dataDir, "CURRENT"), "../../etc\n")],
    ];
    for (const [what, harm] of damage) {
      await harm(await currentBuild());
      const log = memoryLogger();
      const summary = await createApp(testConfig(env()), { log }).ingest();
      expect(summary.rebuilt, what).toMatch(/damaged/);
      expect(log.lines.some((l) => l.includes('"level":"warn"') && l.includes("index.rebuild")), what).toBe(true);
      const reloaded = await loadCurrentIndex(dataDir);
      expect(reloaded.status, what).toBe("ok");
    }
  });

  it("finds a flipped byte in any file of a build before parsing it, names the file, and rebuilds", async () => {
    const app = createApp(testConfig(env()));
    await app.ingest();
    const flip = async (file: string, at: (size: number) => number) => {
      const bytes = await readFile(file);
      const i = at(bytes.length);
      bytes[i] = (bytes[i] ?? 0) ^ 0x10;
      await writeFile(file, bytes);
    };
    const damage: [string, string, (build: string) => Promise<void>][] = [
      // In the vectors: hnswlib reads it without complaint and answers with wrong neighbours.
      ["a byte of a vector in the HNSW file", "dense.hnsw", (b) => flip(path.join(b, "dense.hnsw"), (n) => n - 200)],
      // In the header: hnswlib trusts its sizes and offsets, and can crash the process.
      ["a byte of the HNSW header", "dense.hnsw", (b) => flip(path.join(b, "dense.hnsw"), () => 17)],
      ["a byte of a chunk's text", "chunks.json", (b) => flip(path.join(b, "chunks.json"), (n) => Math.floor(n / 2))],
      ["a byte of the lexical index", "lexical.bin", (b) => flip(path.join(b, "lexical.bin"), (n) => n - 3)],
      ["a byte of the knowledge", "knowledge.json", (b) => flip(path.join(b, "knowledge.json"), (n) => Math.floor(n / 2))],
      // Still valid JSON with the schema's types: only the manifest's own checksum sees it.
      [
        "a digit of nextLabel in the manifest",
        "manifest.json",
        async (b) => {
          const file = path.join(b, "manifest.json");
          await writeFile(file, (await readFile(file, "utf8")).replace(/"nextLabel": (\d)/, (_, d: string) => `"nextLabel": ${(Number(d) + 1) % 10}`));
        },
      ],
    ];
    for (const [what, file, harm] of damage) {
      await harm(await currentBuild());
      const log = memoryLogger();
      // What `npm run ingest` does: it must not call a damaged index up to date.
      const summary = await createApp(testConfig(env()), { log }).ingest();
      expect(summary.rebuilt, what).toMatch(new RegExp(`^the stored index is damaged \\(builds/[\\w-]+/${file.replace(".", "\\.")}: checksum mismatch\\)$`));
      expect(summary.wrote, what).toBe(true);
      expect(log.lines.some((l) => l.includes('"level":"warn"') && l.includes("index.rebuild") && l.includes(`${file}: checksum mismatch`)), what).toBe(true);
      expect((await loadCurrentIndex(dataDir)).status, what).toBe("ok");
    }
    const answer = await app.ask("Which countries did Xi visit after France?");
    expect(answer.text).toContain("Serbia");
  });

  it("rebuilds an index written in an older layout and says so", async () => {
    await createApp(testConfig(env())).ingest();
    const manifestFile = path.join(await currentBuild(), "manifest.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { schemaVersion: number };
    await writeFile(manifestFile, JSON.stringify({ ...manifest, schemaVersion: SCHEMA_VERSION - 1 }));
    expect((await loadCurrentIndex(dataDir)).status).toBe("outdated");
    const log = memoryLogger();
    const summary = await createApp(testConfig(env()), { log }).ingest();
    expect(summary.rebuilt).toBe(`the stored index was written by another version (it has layout version ${SCHEMA_VERSION - 1}; this version of the bot reads ${SCHEMA_VERSION})`);
    expect((await loadCurrentIndex(dataDir)).status).toBe("ok");
  });

  it("keeps the previous index usable when a write fails midway", async () => {
    const config = testConfig(env());
    const app = createApp(config);
    await app.ingest();
    const before = await readFile(path.join(dataDir, "CURRENT"), "utf8");
    const loaded = await loadCurrentIndex(dataDir);
    if (loaded.status !== "ok") throw new Error("no index");
    const failing: SearchIndex = {
      ...loaded.index,
      manifest: { ...loaded.index.manifest, buildId: "20990101-000000000Z-broken" },
      dense: Object.assign(Object.create(Object.getPrototypeOf(loaded.index.dense)), loaded.index.dense, {
        write: () => Promise.reject(new Error("disk full")),
      }),
    };
    await expect(writeIndex(dataDir, failing, silentLogger)).rejects.toThrow("disk full");
    expect(await readFile(path.join(dataDir, "CURRENT"), "utf8")).toBe(before);
    const after = await loadCurrentIndex(dataDir);
    expect(after.status).toBe("ok");
    // The half-written build is left as .tmp, never read, and removed once stale.
    const tmp = path.join(dataDir, "builds", "20990101-000000000Z-broken.tmp");
    expect((await stat(tmp)).isDirectory()).toBe(true);
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(tmp, old, old);
    await appendFile(path.join(corpusDir, "000_10e720cce02f15cd.txt"), "\nOne more line.\n");
    await app.ingest();
    await expect(stat(tmp)).rejects.toThrow();
  });

  it("keeps the old index when embedding fails halfway through an update", async () => {
    const config = testConfig(env());
    await createApp(config).ingest();
    const before = await readFile(path.join(dataDir, "CURRENT"), "utf8");
    const real = await createEmbedder(config, silentLogger);
    const flaky: EmbeddingProvider = {
      id: real.id,
      dimensions: real.dimensions,
      embedQuery: (t) => real.embedQuery(t),
      embedDocuments: () => Promise.reject(new Error("model crashed")),
    };
    await writeFile(path.join(corpusDir, "zanzibar.txt"), NEW_ARTICLE);
    const corpus = await loadCorpus(corpusDir, { metadata: config.metadataFile }, silentLogger);
    await expect(
      syncIndex({ dataDir, corpus, embedder: flaky, chunking: config.chunking, hnsw: config.hnsw, log: silentLogger, nlp: await loadNlp() }),
    ).rejects.toThrow("model crashed");
    expect(await readFile(path.join(dataDir, "CURRENT"), "utf8")).toBe(before);
    expect((await loadCurrentIndex(dataDir)).status).toBe("ok");
  });

  it("refuses vectors of the wrong size or with NaN instead of writing a broken index", async () => {
    const config = testConfig(env());
    const corpus = await loadCorpus(corpusDir, { metadata: config.metadataFile }, silentLogger);
    const bad: EmbeddingProvider = {
      id: "bad",
      dimensions: 4,
      embedQuery: async () => [0, 0, 0, 1],
      embedDocuments: async (texts) => texts.map(() => [NaN, 0, 0, 1]),
    };
    await expect(syncIndex({ dataDir, corpus, embedder: bad, chunking: config.chunking, hnsw: config.hnsw, log: silentLogger, nlp: await loadNlp() })).rejects.toThrow(
      /invalid vector/,
    );
    expect((await loadCurrentIndex(dataDir)).status).toBe("missing");
  });

  it("answers from memory when the data folder is not writable, and says the index was not saved", async () => {
    const file = path.join(root, `not-a-folder-${n}`);
    await writeFile(file, "x");
    const log = memoryLogger();
    const app = createApp(testConfig(env({ DATA_DIR: path.join(file, "index") })), { log });
    const summary = await app.ingest();
    expect(summary.wrote).toBe(false);
    expect(summary.writeError).toMatch(/Cannot write the index .*DATA_DIR/);
    expect(log.lines.some((l) => l.includes('"level":"error"') && l.includes("index.write_failed"))).toBe(true);
    const answer = await app.ask("Which countries did Xi visit after France?");
    expect(answer.text).toContain("Serbia");
  });

  it("lets one process build while another waits, then reuses its build", async () => {
    const [a, b] = await Promise.all([createApp(testConfig(env())).ingest(), createApp(testConfig(env())).ingest()]);
    expect(a.embedded + b.embedded).toBe(a.chunks);
    expect([a.wrote, b.wrote].sort()).toEqual([false, true]);
    expect(await readdir(path.join(dataDir, "builds"))).toHaveLength(1);
    expect((await loadCurrentIndex(dataDir)).status).toBe("ok");
    await expect(stat(path.join(dataDir, "write.lock"))).rejects.toThrow();
  });

  it("takes over a lock its holder stopped refreshing, whatever pid it names", async () => {
    const lock = path.join(dataDir, "write.lock");
    await mkdir(lock, { recursive: true });
    // pid 1 is alive (init, or in a container the restarted process itself): staleness must not depend on it.
    await writeFile(path.join(lock, "owner.json"), JSON.stringify({ pid: 1, host: hostname(), since: "2020-01-01", token: "dead" }));
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const log = memoryLogger();
    const summary = await createApp(testConfig(env()), { log }).ingest();
    expect(summary.wrote).toBe(true);
    expect(log.lines.some((l) => l.includes("index.lock_stale"))).toBe(true);
    await expect(stat(lock)).rejects.toThrow();
  });

  it("waits a bounded time for a live holder, then says who holds the lock and what to do", async () => {
    const lock = path.join(dataDir, "write.lock");
    await mkdir(lock, { recursive: true });
    await writeFile(path.join(lock, "owner.json"), JSON.stringify({ pid: 4242, host: "builder", since: "2026-01-01T00:00:00Z", token: "live" }));
    let ran = false;
    const waiting = withWriteLock(dataDir, silentLogger, async () => (ran = true), 300);
    await expect(waiting).rejects.toMatchObject({ code: "INDEX_BUSY", userMessage: expect.stringMatching(/pid 4242 on builder.*Try again when it finishes/) });
    expect(ran).toBe(false);
  });

  it("never makes its build current after losing the lock, and leaves the new holder's lock alone", async () => {
    await createApp(testConfig(env())).ingest();
    const before = await readFile(path.join(dataDir, "CURRENT"), "utf8");
    const loaded = await loadCurrentIndex(dataDir);
    if (loaded.status !== "ok") throw new Error(loaded.status);
    const owner = path.join(dataDir, "write.lock", "owner.json");
    const attempt = withWriteLock(dataDir, silentLogger, async (lease) => {
      // What another process does when it took this one for dead: the lock now names it.
      await writeFile(owner, JSON.stringify({ pid: 1, host: "elsewhere", since: "", token: "theirs" }));
      await vi.waitFor(() => expect(() => lease.assertHeld()).toThrow(), { timeout: 10_000, interval: 50 });
      const index = { ...loaded.index, manifest: { ...loaded.index.manifest, buildId: newBuildId() } };
      return writeIndex(dataDir, index, silentLogger, () => lease.assertHeld());
    });
    await expect(attempt).rejects.toMatchObject({ code: "INDEX_BUSY", userMessage: expect.stringContaining("lost the write lock") });
    expect(await readFile(path.join(dataDir, "CURRENT"), "utf8")).toBe(before);
    expect(JSON.parse(await readFile(owner, "utf8")).token).toBe("theirs");
  });

  it("keeps tombstones across reloads and compacts the graph when a quarter is dead", async () => {
    const app = createApp(testConfig(env()));
    await app.ingest();
    await appendFile(path.join(corpusDir, "003_641cc9c7e352f1a3.txt"), "\nA small change.\n");
    await app.ingest();
    let loaded = await loadCurrentIndex(dataDir);
    if (loaded.status !== "ok") throw new Error(loaded.status);
    const tombstones = loaded.index.dense.deleted;
    expect(tombstones).toBeGreaterThan(0);
    expect(tombstones).toBeLessThan(0.25 * (loaded.index.dense.size + tombstones));
    // A removed chunk never comes back from a search, even with the graph reloaded.
    const live = new Set(loaded.index.chunks.keys());
    const any = [...loaded.index.chunks.values()][0];
    if (!any) throw new Error("no chunks");
    const query = await (await createEmbedder(testConfig(env()), silentLogger)).embedQuery(any.text);
    // Through the graph and by exact search alike.
    for (const params of [{ efSearch: 200, exactUpTo: 0 }, { efSearch: 200, exactUpTo: 1_000_000 }]) {
      const hits = loaded.index.dense.search(query, 1000, params);
      expect(hits.length).toBe(live.size);
      for (const hit of hits) expect(live.has(hit.label)).toBe(true);
    }

    for (const f of ["000_10e720cce02f15cd.txt", "001_3170a22eac640a98.txt", "002_9f168db54b5031c7.txt"]) {
      await appendFile(path.join(corpusDir, f), "\nAnother change.\n");
    }
    await app.ingest();
    loaded = await loadCurrentIndex(dataDir);
    if (loaded.status !== "ok") throw new Error(loaded.status);
    expect(loaded.index.dense.deleted).toBe(0);
    expect(loaded.index.dense.size).toBe(loaded.index.chunks.size);
  });

  it("narrows answers and searches to one event's articles", async () => {
    const app = createApp(testConfig(env()));
    const paris = new Set(["000_10e720cce02f15cd.txt"]);
    const beijing = new Set(["001_3170a22eac640a98.txt", "002_9f168db54b5031c7.txt", "004_af1a51321b2926cb.txt"]);
    const a = await app.ask("What did von der Leyen say?", { event: "eu-china-summit-beijing-2023" });
    expect(a.passages.length).toBeGreaterThan(0);
    expect(a.passages.every((p) => beijing.has(p.chunk.source))).toBe(true);
    expect(a.citations.every((c) => beijing.has(c.source))).toBe(true);
    const s = await app.search("von der Leyen", { event: "paris-trilateral-2024", limit: 20 });
    expect(s.length).toBeGreaterThan(0);
    expect(s.every((p) => paris.has(p.chunk.source))).toBe(true);
    await expect(app.ask("What did Xi say?", { event: "no-such-event" })).rejects.toMatchObject({ code: "UNKNOWN_EVENT" });
  });

  it("notices a cited file edited after start-up and quotes the file as it is now", async () => {
    const app = createApp(testConfig(env()));
    const source = "000_10e720cce02f15cd.txt";
    const before = await app.ask("Which countries did Xi visit after France?");
    expect(before.citations[0]?.source).toBe(source);
    const file = path.join(corpusDir, source);
    await writeFile(file, `Editor's note: updated.\n${await readFile(file, "utf8")}`);
    const after = await app.ask("Which countries did Xi visit after France?");
    const c = after.citations[0];
    expect(c?.start).toBe((before.citations[0]?.start ?? 0) + "Editor's note: updated.\n".length);
    expect((await readFile(file, "utf8")).slice(c?.start, c?.end)).toBe(c?.quote);
  });

  it("reports an empty or missing corpus folder clearly, and recovers when articles appear", async () => {
    const empty = path.join(root, `empty-${n}`);
    await mkdir(empty);
    await writeFile(path.join(empty, "notes.json"), "{}");
    const app = createApp(testConfig(env({ CORPUS_DIR: empty })));
    await expect(app.ask("What did Xi say?")).rejects.toMatchObject({ code: "EMPTY_CORPUS", userMessage: expect.stringContaining(".txt") });
    const missing = createApp(testConfig(env({ CORPUS_DIR: path.join(root, "nope") })));
    await expect(missing.ingest()).rejects.toMatchObject({ code: "EMPTY_CORPUS", userMessage: expect.stringContaining("CORPUS_DIR") });

    await writeFile(path.join(empty, "zanzibar.md"), NEW_ARTICLE);
    const answer = await app.ask("What did negotiators say about the cashew quota?");
    expect(answer.citations[0]?.source).toBe("zanzibar.md");
  });

  it("skips unusable files with a logged reason and indexes the rest", async () => {
    await writeFile(path.join(corpusDir, "latin1.txt"), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0xff]));
    await writeFile(path.join(corpusDir, "utf16.txt"), Buffer.from("\ufeffhello", "utf16le"));
    await writeFile(path.join(corpusDir, "blank.md"), "  \n\t\n");
    await writeFile(path.join(corpusDir, "copy.txt"), await readFile(path.join(corpusDir, "001_3170a22eac640a98.txt")));
    await mkdir(path.join(corpusDir, "folder.txt"));
    const log = memoryLogger("warn");
    const app = createApp(testConfig(env()), { log });
    const summary = await app.ingest();
    expect(summary.articles).toBe(5);
    const skips = log.lines.filter((l) => l.includes("corpus.skip")).join("\n");
    expect(skips).toMatch(/latin1\.txt.*not valid UTF-8/);
    expect(skips).toMatch(/utf16\.txt.*NUL bytes/);
    expect(skips).toMatch(/blank\.md.*whitespace/);
    expect(skips).toMatch(/copy\.txt.*same content as 001_3170a22eac640a98\.txt/);
  });
});
