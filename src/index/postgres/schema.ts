import type pg from "pg";
import { AppError } from "../../errors.js";

/*
 * The tables of the Postgres backend, as plain versioned SQL: `ingest` applies
 * the versions a database lacks, in order, in one transaction, under an
 * advisory lock so two processes starting together do not both apply one.
 *
 *   summit_schema     versions applied
 *   summit_build      the manifest of the build in the tables (one row), as the data folder's manifest.json
 *   summit_artifacts  what the composer reads besides chunks: the corpus knowledge and our analyser's term statistics
 *   summit_terms, summit_lexical_stats
 *                     document frequency of every lexeme, and the chunk count and mean length, for BM25 in SQL
 *   summit_chunks     passages: text, offsets, vector (pgvector, HNSW, cosine), tsvector (Postgres's English analysis)
 *   summit_postings   each chunk's lexemes and their counts: the inverted index of BM25
 *
 * and what bot processes share (src/discord/postgres-state.ts):
 *
 *   summit_settings    named values (the salt of the members' hashes)
 *   summit_feedback    each member's last vote on each answer
 *   summit_rate_limits each member's allowance (a token bucket per kind of request)
 *   summit_answers     the answers sent, for their Sources and feedback buttons (bounded, least recently used dropped)
 *
 * summit_chunks and summit_postings are created by `ingest` (createChunksTable), not by a migration: its vector column has the
 * embedder's dimensions, which pgvector's HNSW index needs and which change with the embedder (a rebuild).
 */

export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE summit_build (id integer PRIMARY KEY CHECK (id = 1), manifest jsonb NOT NULL);
      CREATE TABLE summit_artifacts (name text PRIMARY KEY, data bytea NOT NULL);
      CREATE TABLE summit_terms (term text PRIMARY KEY, df integer NOT NULL);
      CREATE TABLE summit_lexical_stats (id integer PRIMARY KEY CHECK (id = 1), n integer NOT NULL, avgdl float8 NOT NULL);
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE summit_settings (name text PRIMARY KEY, value text NOT NULL);
      CREATE TABLE summit_feedback (
        answer_id text NOT NULL, user_hash text NOT NULL, vote text NOT NULL CHECK (vote IN ('up', 'down')),
        at timestamptz NOT NULL, guild_id text, question text NOT NULL, answer text NOT NULL, citations jsonb NOT NULL,
        PRIMARY KEY (answer_id, user_hash)
      );
      CREATE TABLE summit_rate_limits (
        bucket text NOT NULL, user_id text NOT NULL, tokens float8 NOT NULL, at timestamptz NOT NULL, granted boolean NOT NULL,
        PRIMARY KEY (bucket, user_id)
      );
      CREATE INDEX summit_rate_limits_at ON summit_rate_limits (at);
      CREATE TABLE summit_answers (
        id text PRIMARY KEY, at timestamptz NOT NULL, used_at timestamptz NOT NULL,
        question text NOT NULL, text text NOT NULL, citations jsonb NOT NULL
      );
      CREATE INDEX summit_answers_used_at ON summit_answers (used_at);
    `,
  },
  {
    // Least recently used by a counter, not a clock: two uses within the clock's resolution (a millisecond on
    // PGlite) tied, and the wrong answers were dropped (CI saw it).
    version: 3,
    sql: `
      CREATE SEQUENCE summit_answers_use;
      ALTER TABLE summit_answers ADD COLUMN use bigint NOT NULL DEFAULT nextval('summit_answers_use');
      CREATE INDEX summit_answers_by_use ON summit_answers (use);
      DROP INDEX summit_answers_used_at;
    `,
  },
];

/** Every table the migrations and ingest create (a test or benchmark that starts afresh drops them). */
export const TABLES: readonly string[] = [
  "summit_postings",
  "summit_chunks",
  "summit_postings_next",
  "summit_chunks_next",
  "summit_build",
  "summit_artifacts",
  "summit_terms",
  "summit_lexical_stats",
  "summit_settings",
  "summit_feedback",
  "summit_rate_limits",
  "summit_answers",
  "summit_schema",
];

/** Sequences the migrations create (dropped with the tables). */
export const SEQUENCES: readonly string[] = ["summit_answers_use"];

/** Key of the advisory lock held while migrating or writing a build. */
export const WRITE_LOCK_KEY = 7_340_101;

/** Postgres's text search configuration of the lexical side. */
export const TEXT_SEARCH_CONFIG = "english";

/**
 * Creates the vector extension and applies the migrations the database lacks, holding the advisory lock (so two
 * processes starting together take turns), and without any DDL when all is in place (a role that may only read and
 * write rows can start). Returns the versions applied.
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [WRITE_LOCK_KEY]);
    try {
      await ensureVectorExtension(client);
      // One transaction as well as the lock: a server that serves every connection in one session (PGlite) holds
      // the other connections back until it ends, where the session's advisory lock would not exclude them.
      await client.query("BEGIN");
      try {
        const exists = (await client.query<{ t: string | null }>("SELECT to_regclass('summit_schema')::text AS t")).rows[0]?.t;
        if (!exists) await client.query("CREATE TABLE summit_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
        const done = new Set((await client.query<{ version: number }>("SELECT version FROM summit_schema")).rows.map((r) => r.version));
        const applied: number[] = [];
        for (const m of MIGRATIONS) {
          if (done.has(m.version)) continue;
          await client.query(m.sql);
          await client.query("INSERT INTO summit_schema (version) VALUES ($1)", [m.version]);
          applied.push(m.version);
        }
        await client.query("COMMIT");
        return applied;
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [WRITE_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function ensureVectorExtension(client: pg.PoolClient): Promise<void> {
  const installed = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
  if (installed.rowCount) return;
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS vector");
  } catch (error) {
    throw new AppError(
      "DATABASE_UNAVAILABLE",
      `The database at DATABASE_URL has no pgvector extension (CREATE EXTENSION vector failed: ${(error as Error).message}). ` +
        "Install pgvector on the server (managed Postgres services offer it; or run the pgvector/pgvector image), " +
        "or have an administrator run CREATE EXTENSION vector in this database.",
      { cause: error },
    );
  }
}

/** The tables a build's chunks live in: the live ones, or those a rebuild fills before they replace them. */
export interface ChunkTables {
  readonly chunks: string;
  readonly postings: string;
}
export const LIVE: ChunkTables = { chunks: "summit_chunks", postings: "summit_postings" };
export const NEXT: ChunkTables = { chunks: "summit_chunks_next", postings: "summit_postings_next" };

/**
 * (Re)creates summit_chunks for vectors of `dimensions`, and summit_postings: one row per lexeme of each chunk's
 * tsvector with its count, the inverted index BM25 is computed from (a question's words are looked up by the
 * primary key). Scoring straight from the tsvectors (unnest of every matching chunk's) took 35-50 ms per question at
 * 1,005 chunks on PGlite, most chunks matching some word of a question; the postings take a few ms. The HNSW index
 * comes after the rows (createVectorIndex).
 */
export async function createChunksTable(client: pg.PoolClient, dimensions: number, t: ChunkTables): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${t.postings}, ${t.chunks}`);
  // Indexes and constraints unnamed: Postgres names them, and a rebuild's tables, renamed into place, keep names that
  // do not clash with the next rebuild's.
  await client.query(`
    CREATE TABLE ${t.chunks} (
      id integer PRIMARY KEY,
      source text NOT NULL,
      start_offset integer NOT NULL,
      end_offset integer NOT NULL,
      text text NOT NULL,
      embedding vector(${Math.trunc(dimensions)}) NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('${TEXT_SEARCH_CONFIG}', text)) STORED,
      len integer GENERATED ALWAYS AS (length(to_tsvector('${TEXT_SEARCH_CONFIG}', text))) STORED
    )`);
  await client.query(`CREATE INDEX ON ${t.chunks} (source)`);
  await client.query(`
    CREATE TABLE ${t.postings} (
      term text NOT NULL,
      chunk_id integer NOT NULL REFERENCES ${t.chunks} (id) ON DELETE CASCADE,
      tf integer NOT NULL,
      len integer NOT NULL,
      PRIMARY KEY (term, chunk_id) INCLUDE (tf, len)
    )`);
  await client.query(`CREATE INDEX ON ${t.postings} (chunk_id)`);
}

/** Puts a rebuild's tables in place of the live ones (at the end of its transaction: searches wait only for the commit). */
export async function swapInRebuilt(client: pg.PoolClient): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${LIVE.postings}, ${LIVE.chunks}`);
  await client.query(`ALTER TABLE ${NEXT.chunks} RENAME TO ${LIVE.chunks}`);
  await client.query(`ALTER TABLE ${NEXT.postings} RENAME TO ${LIVE.postings}`);
}

/** Adds the postings of the chunks with ids from `fromId` on (the rows just inserted). */
export async function addPostings(client: pg.PoolClient, fromId: number, t: ChunkTables): Promise<void> {
  await client.query(
    `INSERT INTO ${t.postings} (term, chunk_id, tf, len)
     SELECT u.lexeme, c.id, coalesce(array_length(u.positions, 1), 1), c.len FROM ${t.chunks} c, unnest(c.tsv) AS u WHERE c.id >= $1`,
    [fromId],
  );
}

/** The HNSW index on the vectors (built once the rows are in: faster than row by row). */
export async function createVectorIndex(client: pg.PoolClient, m: number, efConstruction: number, t: ChunkTables): Promise<void> {
  await client.query(`CREATE INDEX ON ${t.chunks} USING hnsw (embedding vector_cosine_ops) WITH (m = ${Math.trunc(m)}, ef_construction = ${Math.trunc(efConstruction)})`);
}
