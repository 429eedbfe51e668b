import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { AppError, errorDetail } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { Chunk, Passage } from "../../types.js";
import { BuildChanged, weightsOf, type BuildInfo, type RetrievalBackend, type SearchQuery, type SearchResult } from "../backend.js";
import type { Manifest } from "../store.js";
import { TEXT_SEARCH_CONFIG } from "./schema.js";

/*
 * Retrieval from Postgres: pgvector's HNSW index for the vectors, and for the
 * words Postgres's full-text analysis (to_tsvector, English) with an inverted
 * index of its lexemes (summit_postings), fused in one statement the way the
 * embedded backend fuses (RetrievalBackend.search). The lexical score is BM25+
 * with the embedded index's constants (k 1.2, b 0.7, d 0.5; repeated question
 * words count each time; the sum times the number of distinct words matched),
 * with document frequencies kept in summit_terms by ingest: ts_rank has no
 * inverse document frequency, and the fusion weights were tuned on BM25.
 * Lexemes differ from our analyser's terms (its stemmer, its stop words), so
 * rankings are close to the embedded backend's, not equal.
 */

let statements = 0;
const PROCESS_TAG = randomBytes(4).toString("hex");

/** pgvector's upper bound of hnsw.ef_search. */
export const MAX_EF_SEARCH = 1000;

export interface PoolOptions {
  readonly url: string;
  readonly max: number;
  /** Time to open a connection before giving up. */
  readonly connectTimeoutMs: number;
  /** Longest a statement may run on the server (statement_timeout). */
  readonly statementTimeoutMs: number;
  /** Longest the client waits for any query's answer (a dead connection the server's timeout cannot end); none by default. */
  readonly queryTimeoutMs?: number;
}

/** A connection pool with the timeouts of `opts`; searches set up each connection (prepareSearch). */
export function createPool(opts: PoolOptions, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A one-shot command (ask, ingest) exits when its work is done, without waiting for idle connections to time out.
    allowExitOnIdle: true,
    // On the server; ingest lifts it for its transaction (building the HNSW index of 10,000 chunks takes longer).
    statement_timeout: opts.statementTimeoutMs,
    ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
  });
  // An idle connection the server drops must not crash the process.
  pool.on("error", (error) => log.warn("postgres.connection_lost", { reason: errorDetail(error) }));
  return pool;
}

/** A failure to connect (refused, unknown host, timed out) rather than a failure of a statement. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET", "28P01", "28000", "3D000"].includes(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated/i.test((error as Error | null)?.message ?? "");
}

/** Turns a failure to reach the server into what an operator can act on. */
export function unreachable(url: string, error: unknown): AppError {
  let where = "the server";
  try {
    const u = new URL(url);
    where = `${u.hostname}:${u.port || "5432"}`;
  } catch {
    // not a URL: keep the generic wording
  }
  return new AppError("DATABASE_UNAVAILABLE", `Cannot use Postgres at ${where} (DATABASE_URL): ${errorDetail(error)}. Is the server running, and do DATABASE_URL's host, port, database, user and password name it?`, {
    cause: error,
  });
}

const SEARCH_SQL = `
WITH
stats AS (SELECT n, avgdl FROM summit_lexical_stats WHERE id = 1),
qterms AS (
  SELECT u.lexeme AS term, coalesce(array_length(u.positions, 1), 1) AS times
  FROM unnest(to_tsvector('${TEXT_SEARCH_CONFIG}', coalesce($1::text, ''))) AS u
),
qidf AS (
  SELECT q.term, q.times::float8 AS times, ln(1 + (s.n - t.df + 0.5::float8) / (t.df + 0.5::float8)) AS idf
  FROM qterms q JOIN summit_terms t ON t.term = q.term CROSS JOIN stats s
),
lex_all AS (
  SELECT p.chunk_id AS id, sum(qi.times * qi.idf * (0.5::float8 + (p.tf * 2.2::float8) / (p.tf + 1.2::float8 * (0.3::float8 + 0.7::float8 * p.len / s.avgdl)))) * count(*) AS score
  FROM qidf qi
  JOIN summit_postings p ON p.term = qi.term
  CROSS JOIN stats s
  WHERE $4::text[] IS NULL OR p.chunk_id IN (SELECT id FROM summit_chunks WHERE source = ANY($4::text[]))
  GROUP BY p.chunk_id
),
lex_top AS (SELECT id, score, row_number() OVER (ORDER BY score DESC, id) AS rank FROM lex_all ORDER BY score DESC, id LIMIT $3),
lex_max AS (SELECT max(score) AS m FROM lex_top),
dense_top AS (
  SELECT id, row_number() OVER (ORDER BY d, id) AS rank FROM (
    SELECT id, embedding <=> $2::vector AS d FROM summit_chunks
    WHERE $2::vector IS NOT NULL AND ($4::text[] IS NULL OR source = ANY($4::text[]))
    ORDER BY embedding <=> $2::vector LIMIT $3
  ) x
),
cand AS (SELECT id FROM lex_top UNION SELECT id FROM dense_top),
found AS (
  SELECT c.id, c.source, c.start_offset, c.end_offset, c.text,
    coalesce(la.score / nullif(lm.m, 0), 0)::float8 AS lexical,
    CASE WHEN $2::vector IS NULL THEN 0 ELSE 1 - (c.embedding <=> $2::vector) END::float8 AS dense,
    lt.rank::int AS lexical_rank, dt.rank::int AS dense_rank
  FROM cand JOIN summit_chunks c USING (id)
  LEFT JOIN lex_all la USING (id)
  LEFT JOIN lex_top lt USING (id)
  LEFT JOIN dense_top dt USING (id)
  CROSS JOIN lex_max lm
)
-- The build these rows come from (one snapshot): at least one row, with no chunk when nothing was found.
SELECT b.manifest->>'buildId' AS build, f.* FROM summit_build b LEFT JOIN found f ON true WHERE b.id = 1`;

/** A query that fails here after `ms` (pg reads `query_timeout` of a query's config; its types do not list it). */
const withTimeout = (query: pg.QueryConfig, ms: number): pg.QueryConfig => Object.assign(query, { query_timeout: ms });

interface Row {
  build: string;
  id: number;
  source: string;
  start_offset: number;
  end_offset: number;
  text: string;
  lexical: number;
  dense: number;
  lexical_rank: number | null;
  dense_rank: number | null;
}

/** The backend over the tables `ingest` wrote (sync-postgres.ts), for the build `manifest` describes. */
/**
 * @param timeoutMs how long a search may take before it fails here, whatever the server does (a server that
 *   stopped answering must not hold a member's question forever)
 */
export function postgresBackend(pool: pg.Pool, manifest: Manifest, log: Logger, timeoutMs: number): RetrievalBackend {
  // Each connection's name for the prepared search statement.
  const prepared = new WeakMap<pg.PoolClient, string>();
  /**
   * Sets a connection up for searching, once: the HNSW search breadth (efSearch, at most pgvector's 1000), and
   * iterative scans (pgvector 0.8 on) so that a search filtered to some articles still finds k chunks. On an older
   * pgvector the second fails; a filtered search may then return fewer chunks, which is logged, not fatal.
   */
  const prepare = async (client: pg.PoolClient, efSearch: number): Promise<string> => {
    const known = prepared.get(client);
    if (known) return known;
    // Unique per connection (and process), not one fixed name: PGlite serves every connection of every process from
    // one session, where a second PREPARE of a name fails.
    const name = `summit-search-${PROCESS_TAG}-${++statements}`;
    prepared.set(client, name);
    await client.query(`SET hnsw.ef_search = ${Math.min(MAX_EF_SEARCH, Math.max(1, Math.trunc(efSearch)))}`);
    await client.query("SET hnsw.iterative_scan = relaxed_order").catch((error: unknown) => log.warn("postgres.setting_failed", { setting: "hnsw.iterative_scan", reason: errorDetail(error) }));
    return name;
  };
  const info: BuildInfo = {
    backend: "postgres",
    buildId: manifest.buildId,
    builtAt: manifest.builtAt,
    embedder: manifest.embedder,
    chunking: manifest.chunking,
    articles: manifest.articles.length,
    chunks: manifest.chunkCount,
  };
  return {
    info,
    async search(q: SearchQuery): Promise<SearchResult> {
      const w = weightsOf(q);
      const t0 = performance.now();
      const text = q.mode !== "dense" ? q.text : null;
      const vector = q.mode !== "lexical" && q.vector ? `[${q.vector.join(",")}]` : null;
      const sources = q.sources ? [...q.sources] : null;
      const client = await pool.connect();
      let rows: Row[];
      try {
        const name = await prepare(client, q.efSearch);
        // Prepared once per connection: planning this statement took 4-12 ms of each search on PGlite.
        rows = (await client.query<Row>(withTimeout({ name, text: SEARCH_SQL, values: [text, vector, q.candidates, sources] }, timeoutMs))).rows;
        client.release();
      } catch (error) {
        // A connection whose query timed out here may still be running it: not back into the pool.
        client.release(true);
        throw error;
      }
      const build = rows[0]?.build ?? null;
      if (build !== manifest.buildId) throw new BuildChanged(manifest.buildId, build);
      rows = rows.filter((r) => r.id !== null);
      const passages: Passage[] = rows.map((r) => ({
        chunk: { id: r.id, source: r.source, start: r.start_offset, end: r.end_offset, text: r.text },
        score: w.lexical * r.lexical + w.dense * Math.max(0, r.dense),
        lexical: r.lexical,
        dense: r.dense,
        lexicalRank: r.lexical_rank,
        denseRank: r.dense_rank,
      }));
      passages.sort((a, b) => b.score - a.score || a.chunk.id - b.chunk.id);
      // One statement does both sides: its time is reported as the lexical side's.
      return { passages, lexicalMs: performance.now() - t0, denseMs: 0 };
    },
    async chunks(ids: readonly number[]): Promise<Chunk[]> {
      if (ids.length === 0) return [];
      const { rows } = await pool.query<Omit<Row, "lexical" | "dense" | "lexical_rank" | "dense_rank">>(
        withTimeout({ text: "SELECT id, source, start_offset, end_offset, text FROM summit_chunks WHERE id = ANY($1::int[])", values: [ids] }, timeoutMs),
      );
      const byId = new Map(rows.map((r) => [r.id, { id: r.id, source: r.source, start: r.start_offset, end: r.end_offset, text: r.text }]));
      return ids.map((id) => byId.get(id)).filter((c): c is Chunk => c !== undefined);
    },
  };
}
