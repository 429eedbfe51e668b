import type pg from "pg";
import type { Config, DiscordConfig } from "../config.js";
import type { Logger } from "../log.js";
import { AnswerStore, DEFAULT_MAX, type AnswerMemory } from "./answer-store.js";
import { FeedbackStore, type FeedbackSink } from "./feedback-store.js";
import { UserRateLimiter, type RateLimiter } from "./limits.js";
import { PgAnswerStore, PgFeedbackStore, PgRateLimiter } from "./postgres-state.js";

/*
 * What a bot process keeps about members beyond one request: allowances,
 * votes, the answers sent. By default in memory and the data folder (one
 * process); with DATABASE_URL in Postgres (src/discord/postgres-state.ts), so
 * several processes (shards, or replicas behind one token) behave as one.
 */

export interface SharedState {
  /** Questions (answers, searches) per member. */
  readonly limiter: RateLimiter;
  /** A separate, looser allowance per member for lists and button clicks. */
  readonly lightLimiter: RateLimiter;
  /** Recent answers by id, for their buttons (after a restart too). */
  readonly answers: AnswerMemory;
  readonly feedback: FeedbackSink;
  /** Where it lives, for the ready log line. */
  readonly kind: "local" | "postgres";
  /** Opens what the first request would otherwise wait for (the database connection); failures are the requests' to handle. */
  warm(): Promise<void>;
  /** Releases what it holds (the database connections); call after flushing. */
  close(): Promise<void>;
}

/** Lists and buttons: looser than questions, the same for every deployment. */
export const LIGHT_LIMIT = { perMinute: 30, burst: 10 } as const;

/** The pool's size: each request makes at most three short statements here. */
const SHARED_POOL_MAX = 2;
/** No statement here should take long: a connection that stops answering is given up after this. */
const SHARED_QUERY_TIMEOUT_MS = 5_000;

export function createSharedState(config: Config, discord: Pick<DiscordConfig, "rateLimit">, log: Logger): SharedState {
  const db = config.database;
  if (!db) {
    return {
      kind: "local",
      limiter: new UserRateLimiter(discord.rateLimit),
      lightLimiter: new UserRateLimiter(LIGHT_LIMIT),
      answers: new AnswerStore(config.dataDir, log),
      feedback: new FeedbackStore(config.dataDir, log),
      warm: async () => {},
      close: async () => {},
    };
  }
  let pool: Promise<pg.Pool> | null = null;
  // Loaded on first use: `pg` is no start-up cost of the embedded default.
  const source = () =>
    (pool ??= import("../index/postgres/pg-backend.js").then(({ createPool }) =>
      createPool({ url: db.url, max: SHARED_POOL_MAX, connectTimeoutMs: db.connectTimeoutMs, statementTimeoutMs: db.statementTimeoutMs, queryTimeoutMs: SHARED_QUERY_TIMEOUT_MS }, log),
    ));
  return {
    kind: "postgres",
    limiter: new PgRateLimiter(source, "questions", discord.rateLimit, log),
    lightLimiter: new PgRateLimiter(source, "light", LIGHT_LIMIT, log),
    answers: new PgAnswerStore(source, log, { max: DEFAULT_MAX }),
    feedback: new PgFeedbackStore(source, log),
    async warm() {
      await (await source()).query("SELECT 1").catch((error: unknown) => log.warn("shared_state.unreachable", { error }));
    },
    async close() {
      const open = pool;
      pool = null;
      if (open) await (await open).end();
    },
  };
}
