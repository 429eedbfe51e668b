import { performance } from "node:perf_hooks";
import type pg from "pg";
import { throwIfStopped } from "../errors.js";
import type { RetrievalBackend } from "../index/backend.js";
import { LexicalIndex } from "../index/lexical-index.js";
import { postgresBackend } from "../index/postgres/pg-backend.js";
import { addPostings, createChunksTable, createVectorIndex, LIVE, migrate, NEXT, swapInRebuilt, WRITE_LOCK_KEY } from "../index/postgres/schema.js";
import { manifestSchema, SCHEMA_VERSION, type Manifest } from "../index/store.js";
import { buildKnowledge, deserializeKnowledge, knowledgeFingerprint, serializeKnowledge, type CorpusKnowledge } from "../knowledge/build.js";
import type { Logger } from "../log.js";
import { incompatibility, newManifest, progressReporter, readAndEmbed, type IngestSummary, type SyncOptions } from "./sync-index.js";

/*
 * `ingest` for the Postgres backend: the same plan as the data folder's (by
 * each article's content hash; a rebuild when the embedder, chunking,
 * analyser or HNSW setting differ from the stored manifest), and the same
 * chunking and embedding. The chunks of new and changed articles are embedded
 * first, outside any transaction; then one transaction, under an advisory
 * lock, drops the changed and removed articles' chunks, inserts the new ones,
 * refreshes the term statistics and writes the knowledge and the manifest.
 * Readers see the build before or after, never half of it. A writer that finds
 * another build committed meanwhile plans again.
 */

export interface PgSyncOptions extends Omit<SyncOptions, "dataDir"> {
  readonly pool: pg.Pool;
  /** Longest a search may take (DATABASE_STATEMENT_TIMEOUT_MS). */
  readonly searchTimeoutMs: number;
}

/** What the answer layer reads from Postgres: the backend, and what the composer needs besides (as the data folder's index). */
export interface PgIndex {
  readonly manifest: Manifest;
  readonly knowledge: CorpusKnowledge;
  readonly lexical: LexicalIndex;
  readonly backend: RetrievalBackend;
}

/** Rows per INSERT: 200 rows of 512 dimensions is about 1 MB of SQL. */
const INSERT_ROWS = 200;
/** Plans made again when another writer committed between planning and writing. */
const ATTEMPTS = 3;

interface Stored {
  /** The build in the tables, whatever its manifest says (null when there is none): a writer checks it is still the one it planned from. */
  readonly buildId: string | null;
  readonly manifest: Manifest | null;
  /** Why the stored build cannot be updated in place, or null. */
  readonly rebuild: string | null;
}

export async function syncPostgres(opts: PgSyncOptions): Promise<{ index: PgIndex; summary: IngestSummary }> {
  const t0 = performance.now();
  throwIfStopped(opts.signal);
  await migrate(opts.pool);
  for (let attempt = 1; ; attempt++) {
    const stored = await readStored(opts);
    const base = stored.rebuild ? null : stored.manifest;
    const before = new Map(base?.articles.map((a) => [a.source, a.hash]) ?? []);
    const now = new Set(opts.corpus.articles.map((a) => a.source));
    const added = opts.corpus.articles.filter((a) => !before.has(a.source)).map((a) => a.source);
    const changed = opts.corpus.articles.filter((a) => before.has(a.source) && before.get(a.source) !== a.hash).map((a) => a.source);
    const removed = [...before.keys()].filter((s) => !now.has(s));
    const knowledgeStale = base !== null && base.knowledge.fingerprint !== knowledgeFingerprint(opts.corpus);
    const plan = { added, changed, removed, rebuilt: stored.rebuild };
    if (base && added.length + changed.length + removed.length === 0 && !knowledgeStale) {
      const index = await readIndex(opts.pool, base, opts.log, opts.searchTimeoutMs);
      return { index, summary: summaryOf(index.manifest, plan, opts, 0, zeroTimings(t0), true) };
    }
    if (stored.rebuild) opts.log.info(stored.manifest ? "index.rebuild" : "index.build", { reason: stored.rebuild, backend: "postgres" });
    const written = await write(opts, base, stored.buildId, plan, t0);
    if (written) return written;
    if (attempt >= ATTEMPTS) throw new Error("another process kept writing the Postgres index; try again");
    opts.log.info("index.replan", { reason: "another process wrote a build meanwhile", backend: "postgres" });
  }
}

async function readStored(opts: PgSyncOptions): Promise<Stored> {
  const { rows } = await opts.pool.query<{ manifest: unknown }>("SELECT manifest FROM summit_build WHERE id = 1");
  if (rows.length === 0) return { buildId: null, manifest: null, rebuild: "no index yet" };
  const raw = rows[0]?.manifest as { schemaVersion?: unknown; buildId?: unknown } | undefined;
  const buildId = typeof raw?.buildId === "string" ? raw.buildId : null;
  if (raw?.schemaVersion !== SCHEMA_VERSION) {
    return { buildId, manifest: null, rebuild: `the stored index was written by another version (layout ${String(raw?.schemaVersion)}; this version writes ${SCHEMA_VERSION})` };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) return { buildId, manifest: null, rebuild: `the stored manifest is damaged (${parsed.error.issues[0]?.message ?? "invalid"})` };
  const manifest = parsed.data;
  if (opts.force) return { buildId, manifest, rebuild: "a rebuild was requested" };
  return { buildId, manifest, rebuild: incompatibility(manifest, opts) };
}

async function readIndex(pool: pg.Pool, manifest: Manifest, log: Logger, timeoutMs: number): Promise<PgIndex> {
  const { rows } = await pool.query<{ name: string; data: Buffer }>("SELECT name, data FROM summit_artifacts WHERE name IN ('knowledge', 'lexical')");
  const data = new Map(rows.map((r) => [r.name, r.data]));
  const knowledge = data.get("knowledge");
  const lexical = data.get("lexical");
  if (!knowledge || !lexical) throw new Error("the Postgres index has no knowledge or lexical statistics; run `npm run ingest -- --force`");
  return { manifest, knowledge: deserializeKnowledge(knowledge.toString("utf8")), lexical: LexicalIndex.deserialize(lexical), backend: postgresBackend(pool, manifest, log, timeoutMs) };
}

interface PlanCounts {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly rebuilt: string | null;
}

/** Embeds and writes; null when another writer committed a build since `planned` was read (plan again). */
async function write(opts: PgSyncOptions, base: Manifest | null, planned: string | null, plan: PlanCounts, t0: number): Promise<{ index: PgIndex; summary: IngestSummary } | null> {
  const { pool, corpus, embedder, signal } = opts;
  const toRead = [...plan.added, ...plan.changed];
  const progress = progressReporter(opts, toRead.length);
  const { fresh, vectors, nextLabel, chunkMs, embedMs } = await readAndEmbed(toRead, base?.nextLabel ?? 0, opts, progress);
  throwIfStopped(signal);
  progress("analysing", toRead.length, fresh.length, fresh.length);
  const dropped = [...plan.changed, ...plan.removed];
  const tLexical = performance.now();
  // Our analyser's term statistics (the composer weighs question words by them) over every chunk of the new build.
  const kept = base ? (await pool.query<{ id: number; text: string }>("SELECT id, text FROM summit_chunks WHERE NOT (source = ANY($1::text[]))", [dropped])).rows : [];
  const all = [...kept, ...fresh];
  const lexical = LexicalIndex.build(all);
  const lexicalMs = performance.now() - tLexical;
  const tKnowledge = performance.now();
  const knowledge = buildKnowledge(corpus, opts.nlp);
  const knowledgeMs = performance.now() - tKnowledge;
  throwIfStopped(signal);

  const perArticle = new Map<string, number>();
  for (const a of base?.articles ?? []) if (!dropped.includes(a.source)) perArticle.set(a.source, a.chunks);
  for (const c of fresh) perArticle.set(c.source, (perArticle.get(c.source) ?? 0) + 1);
  const manifest = newManifest(opts, knowledge.fingerprint, perArticle, all.length, nextLabel);

  progress("writing", toRead.length, fresh.length, fresh.length);
  const tWrite = performance.now();
  let denseMs: number;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    try {
      // Building the vector index of a large corpus takes minutes; searches keep the pool's limit.
      await client.query("SET LOCAL statement_timeout = 0");
      await client.query("SELECT pg_advisory_xact_lock($1)", [WRITE_LOCK_KEY]);
      const current = (await client.query<{ id: string | null }>("SELECT manifest->>'buildId' AS id FROM summit_build WHERE id = 1")).rows[0]?.id ?? null;
      if (current !== planned) {
        await client.query("ROLLBACK");
        return null;
      }
      // A rebuild fills tables of its own and swaps them in at the end: searches go on meanwhile (an update changes
      // rows, which readers do not wait for).
      const t = base ? LIVE : NEXT;
      if (!base) await createChunksTable(client, embedder.dimensions, t);
      else if (dropped.length > 0) await client.query(`DELETE FROM ${t.chunks} WHERE source = ANY($1::text[])`, [dropped]);
      for (let i = 0; i < fresh.length; i += INSERT_ROWS) {
        const rows = fresh.slice(i, i + INSERT_ROWS);
        const params: unknown[] = [];
        const values = rows.map((c, j) => {
          params.push(c.id, c.source, c.start, c.end, c.text, `[${(vectors[i + j] as number[]).join(",")}]`);
          const p = j * 6;
          return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}::vector)`;
        });
        await client.query(`INSERT INTO ${t.chunks} (id, source, start_offset, end_offset, text, embedding) VALUES ${values.join(", ")}`, params);
      }
      await addPostings(client, base?.nextLabel ?? 0, t);
      const tDense = performance.now();
      // Built once the rows are in on a rebuild; kept up to date row by row on an update.
      if (!base) await createVectorIndex(client, opts.hnsw.m, Math.max(2 * opts.hnsw.m, Math.min(1000, opts.hnsw.efConstruction)), t);
      denseMs = performance.now() - tDense;
      await client.query("DELETE FROM summit_terms");
      await client.query(`INSERT INTO summit_terms (term, df) SELECT term, count(*) FROM ${t.postings} GROUP BY term`);
      await client.query(
        `INSERT INTO summit_lexical_stats (id, n, avgdl) SELECT 1, count(*), coalesce(avg(len), 0) FROM ${t.chunks} ON CONFLICT (id) DO UPDATE SET n = excluded.n, avgdl = excluded.avgdl`,
      );
      const artifact = "INSERT INTO summit_artifacts (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = excluded.data";
      await client.query(artifact, ["knowledge", Buffer.from(serializeKnowledge(knowledge), "utf8")]);
      await client.query(artifact, ["lexical", lexical.serialize()]);
      manifest.buildMs = Math.round(performance.now() - t0);
      await client.query("INSERT INTO summit_build (id, manifest) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET manifest = excluded.manifest", [JSON.stringify(manifest)]);
      if (!base) await swapInRebuilt(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
  const writeMs = performance.now() - tWrite;
  opts.log.info("index.written", { backend: "postgres", build: manifest.buildId, chunks: all.length, embedded: fresh.length, added: plan.added.length, changed: plan.changed.length, removed: plan.removed.length });
  const index: PgIndex = { manifest, knowledge, lexical, backend: postgresBackend(pool, manifest, opts.log, opts.searchTimeoutMs) };
  const indexMs = denseMs + lexicalMs + knowledgeMs;
  return { index, summary: summaryOf(manifest, plan, opts, fresh.length, { chunkMs, embedMs, indexMs, denseMs, lexicalMs, knowledgeMs, writeMs, totalMs: performance.now() - t0 }, false) };
}

function zeroTimings(t0: number): IngestSummary["timings"] {
  return { chunkMs: 0, embedMs: 0, indexMs: 0, denseMs: 0, lexicalMs: 0, knowledgeMs: 0, writeMs: 0, totalMs: performance.now() - t0 };
}

function summaryOf(m: Manifest, plan: PlanCounts, opts: PgSyncOptions, embedded: number, timings: IngestSummary["timings"], current: boolean): IngestSummary {
  return {
    articles: m.articles.length,
    chunks: m.chunkCount,
    added: current ? [] : plan.added,
    changed: current ? [] : plan.changed,
    removed: current ? [] : plan.removed,
    unchanged: opts.corpus.articles.length - (current ? 0 : plan.added.length + plan.changed.length),
    skipped: opts.corpus.skipped,
    embedded,
    rebuilt: current ? null : plan.rebuilt,
    wrote: !current,
    writeError: null,
    embedder: opts.embedder.id,
    timings,
  };
}
