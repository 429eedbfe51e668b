import { execFile } from "node:child_process";
import { appendFile, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import net from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { readQaFile } from "../../src/eval/qa-file.js";
import { SEQUENCES, TABLES } from "../../src/index/postgres/schema.js";
import { runEval } from "../../src/eval/run-eval.js";
import { startPgliteServer, type PgliteServer } from "../fakes/pglite-server.js";
import { cleanup, copySeeds, REPO, tempDir, testConfig } from "../helpers.js";

/*
 * The Postgres backend through the app, as DATABASE_URL selects it: a real
 * `pg` pool over the wire protocol to PGlite (Postgres with pgvector, in
 * WebAssembly) on loopback.
 */

let server: PgliteServer;
let dir: string;
const apps: App[] = [];

beforeAll(async () => {
  server = await startPgliteServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  // The next test starts from an empty database.
  await server.db.exec(`DROP TABLE IF EXISTS ${TABLES.join(", ")}; DROP SEQUENCE IF EXISTS ${SEQUENCES.join(", ")}`);
  if (dir) await cleanup(dir);
});

async function appOn(corpus: string, env: Record<string, string> = {}): Promise<App> {
  const app = createApp(testConfig({ EMBEDDER: "use", CORPUS_DIR: corpus, DATA_DIR: path.join(dir, "data"), DATABASE_URL: server.url, ...env }));
  apps.push(app);
  return app;
}

async function seedsCopy(): Promise<string> {
  dir = await tempDir();
  const corpus = path.join(dir, "corpus");
  await copySeeds(corpus);
  return corpus;
}

describe("DATABASE_URL: the Postgres backend", () => {
  it("answers the dev set as well as the embedded backend does, every citation verified", async () => {
    const app = await appOn(await seedsCopy());
    const summary = await app.ingest();
    expect(summary).toMatchObject({ articles: 5, chunks: 42, embedded: 42, rebuilt: "no index yet", wrote: true });
    const report = await runEval(app, await readQaFile(path.join(REPO, "test/eval/dev-qa.jsonl")));
    const t = report.totals;
    expect(t.errors).toBe(0);
    expect(t.citationsUnverified).toBe(0);
    // Measured: strict 92.0 %, abstention precision / recall 95.6 / 96.4 %, 5 answerable declined (embedded: 91.5 %, 95.6 / 97.3 %, 5).
    expect(t.strictRate).toBeGreaterThanOrEqual(0.91);
    expect(t.abstentionPrecision).toBeGreaterThanOrEqual(0.95);
    expect(t.abstentionRecall).toBeGreaterThanOrEqual(0.96);
    expect(t.falseAbstentions / t.answerable).toBeLessThanOrEqual(0.025);
    // Nothing was written to the data folder.
    await expect(rm(path.join(dir, "data", "CURRENT"))).rejects.toThrow(/ENOENT/);
  }, 180_000);

  it("updates by content hash: only new and changed articles are embedded, removed ones disappear, an unchanged corpus writes nothing", async () => {
    const corpus = await seedsCopy();
    const first = await appOn(corpus);
    await first.ingest();
    const [a0, a1] = ["000_10e720cce02f15cd.txt", "001_3170a22eac640a98.txt"];
    const [a0Before, a1Before] = [await chunksIn(a0), await chunksIn(a1)];
    expect(a1Before).toBeGreaterThan(0);
    await appendFile(path.join(corpus, a0), "\n\nThe quokka delegation arrived by zeppelin on Tuesday.\n");
    await rm(path.join(corpus, a1));
    await writeFile(path.join(corpus, "new-article.txt"), "Brussels hosted a quiet meeting about walrus tariffs on Friday.\n");
    const summary = await first.ingest();
    expect(summary.changed).toEqual([a0]);
    expect(summary.removed).toEqual([a1]);
    expect(summary.added).toEqual(["new-article.txt"]);
    expect(summary.rebuilt).toBeNull();
    expect((await first.search("quokka zeppelin"))[0]?.chunk.text).toContain("quokka delegation");
    expect((await first.search("walrus tariffs"))[0]?.chunk.source).toBe("new-article.txt");
    expect(await chunksIn(a1)).toBe(0);
    // Chunks embedded: those of the changed and the new article only; the other three articles' were kept.
    const [a0After, added] = [await chunksIn(a0), await chunksIn("new-article.txt")];
    expect(summary.embedded).toBe(a0After + added);
    expect(summary.chunks).toBe(42 - a0Before - a1Before + a0After + added);

    // A second process on the same database finds it current.
    const second = await appOn(corpus);
    const again = await second.ingest();
    expect(again).toMatchObject({ wrote: false, embedded: 0, rebuilt: null, chunks: summary.chunks });
    const answer = await second.ask("What arrived by zeppelin?");
    expect(answer.citations[0]?.quote).toContain("zeppelin");
  }, 120_000);

  it("serves several processes: `ingest` in one, `ask --json` in two others, each exiting when done", async () => {
    const corpus = await seedsCopy();
    const env = { ...process.env, LOG_LEVEL: "warn", EMBEDDER: "use", CORPUS_DIR: corpus, DATA_DIR: path.join(dir, "data"), DATABASE_URL: server.url };
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ["--import", "tsx", path.join(REPO, "src/cli/bin.ts"), ...args], { cwd: REPO, env, timeout: 60_000 });
    expect((await run("ingest")).stdout).toContain("Index: 5 articles, 42 chunks");
    for (const question of ["Which countries did Xi visit after France?", "What did von der Leyen say about dual-use goods?"]) {
      const answer = JSON.parse((await run("ask", "--json", question)).stdout) as { coverage: string; citations: { quote: string }[] };
      expect(answer.coverage).toBe("full");
      expect(answer.citations.length).toBeGreaterThan(0);
    }
  }, 120_000);

  it("rebuilds when the stored build was made with other settings, saying why", async () => {
    const corpus = await seedsCopy();
    await (await appOn(corpus)).ingest();
    const summary = await (await appOn(corpus, { CHUNK_SIZE: "600", CHUNK_OVERLAP: "60" })).ingest();
    expect(summary.rebuilt).toMatch(/the chunking changed \(index: \d+\/\d+, now: 600\/60\)/);
    expect(summary.embedded).toBe(summary.chunks);
    // A manifest of another layout version, or a damaged one, is rebuilt too.
    await server.db.exec("UPDATE summit_build SET manifest = jsonb_set(manifest, '{schemaVersion}', '999')");
    const again = await (await appOn(corpus)).ingest();
    expect(again.rebuilt).toMatch(/written by another version \(layout 999/);
    expect(again.wrote).toBe(true);
    await server.db.exec("UPDATE summit_build SET manifest = jsonb_set(manifest, '{chunkCount}', '\"many\"')");
    expect((await (await appOn(corpus)).ingest()).rebuilt).toMatch(/the stored manifest is damaged/);
  }, 120_000);

  it("readers see the build before an update or after it, never half of it", async () => {
    const corpus = await seedsCopy();
    const writer = await appOn(corpus);
    await writer.ingest();
    const reader = await appOn(corpus);
    await reader.ready();
    const a0 = "000_10e720cce02f15cd.txt";
    const before = await reader.search("Xi Jinping", { limit: 200 });
    const countBefore = before.filter((p) => p.chunk.source === a0).length;
    // Rewrite the article so that every chunk of it changes, and search while the update is written.
    await writeFile(path.join(corpus, a0), "Short replacement text about a summit in Brussels and Xi Jinping.\n");
    const update = writer.ingest();
    const seen = new Set<number>();
    let done = false;
    void update.finally(() => (done = true));
    while (!done) seen.add((await reader.search("Xi Jinping summit", { limit: 200 })).filter((p) => p.chunk.source === a0).length);
    await update;
    seen.add((await reader.search("Xi Jinping summit", { limit: 200 })).filter((p) => p.chunk.source === a0).length);
    expect(countBefore).toBeGreaterThan(1);
    for (const n of seen) expect([countBefore, 1]).toContain(n);
    expect(seen.has(1)).toBe(true);
    // The reader found the build changed under it and loaded the new one (its corpus and knowledge too).
    expect(reader.indexSummary()?.chunks).toBe((await update).chunks);
    expect((await reader.articles()).find((a) => a.source === a0)?.text).toContain("Short replacement text");
  }, 120_000);

  it("says plainly when the server has no pgvector", async () => {
    const bare = await startPgliteServer({ vector: false });
    try {
      const app = createApp(testConfig({ EMBEDDER: "use", CORPUS_DIR: await seedsCopy(), DATA_DIR: path.join(dir, "data"), DATABASE_URL: bare.url }));
      apps.push(app);
      await expect(app.ingest()).rejects.toMatchObject({ code: "DATABASE_UNAVAILABLE", userMessage: expect.stringMatching(/no pgvector extension.*CREATE EXTENSION vector/) });
    } finally {
      await Promise.all(apps.splice(0).map((a) => a.close()));
      await bare.stop();
    }
  }, 60_000);

  it("says plainly when the server cannot be reached, naming where it looked", async () => {
    const port = await closedPort();
    const app = createApp(testConfig({ EMBEDDER: "use", CORPUS_DIR: await seedsCopy(), DATA_DIR: path.join(dir, "data"), DATABASE_URL: `postgres://bot:s3cret@127.0.0.1:${port}/summits`, DATABASE_CONNECT_TIMEOUT_MS: "2000" }));
    apps.push(app);
    const error = await app.ingest().then(
      () => null,
      (e: unknown) => e as { code: string; userMessage: string },
    );
    expect(error?.code).toBe("DATABASE_UNAVAILABLE");
    expect(error?.userMessage).toContain(`Cannot use Postgres at 127.0.0.1:${port} (DATABASE_URL)`);
    expect(error?.userMessage).not.toContain("s3cret");
  }, 60_000);

  it("refuses a DATABASE_URL that is not a Postgres URL, without repeating it", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://root:hunter2@db/x" }, REPO)).toThrow(/DATABASE_URL=\(value not shown\): expected a postgres:\/\/ or postgresql:\/\/ connection URL/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://root:hunter2@db/x" }, REPO)).not.toThrow(/hunter2/);
  });
});

/** Chunks of `source` in the database now. */
async function chunksIn(source: string): Promise<number> {
  const { rows } = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM summit_chunks WHERE source = $1", [source]);
  return rows[0]?.n ?? 0;
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

