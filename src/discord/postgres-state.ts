import { randomBytes } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import type { Logger } from "../log.js";
import { within } from "../util/deadline.js";
import { Pending } from "../util/pending.js";
import { citationSchema, newAnswerId, type AnswerMemory, type SentAnswer } from "./answer-store.js";
import { checkedVote, FeedbackRefused, MemberHasher, voteCitations, type FeedbackEntry, type FeedbackSink, type RecordOutcome } from "./feedback-store.js";
import { UserRateLimiter, type RateLimiter, type Take } from "./limits.js";

/*
 * What bot processes share when DATABASE_URL is set (several shards, or
 * several processes behind one token): members' allowances, their votes and
 * the answers sent (for the buttons under them), in the tables of migration 2
 * (src/index/postgres/schema.ts), so two processes behave as one. Each is one
 * statement, atomic on the server: two processes spending one member's last
 * question at once give it to one of them.
 *
 * The tables exist once the app is ready: the bot loads its index (which
 * migrates the database) before it takes a question.
 */

/** The shared pool, opened on first use. */
export type PoolSource = () => Promise<pg.Pool>;

/**
 * How long a check, a button or storing an answer waits for the database before doing without it: checks and
 * buttons run before Discord's 3-second deadline to acknowledge an interaction, which a slow or silent server must
 * not make the bot miss, and an answer is not held back for its buttons' sake.
 */
export const QUICK_MS = 1000;

/** After the database failed a rate-limit check, this long before the next one asks it again (meanwhile: memory). */
export const RETRY_DATABASE_AFTER_MS = 30_000;

/**
 * A token bucket per member in summit_rate_limits, refilled by the server's
 * clock (the processes' clocks need not agree). When the database cannot be
 * reached or does not answer within QUICK_MS, the process uses its own
 * in-memory bucket with the same allowance for RETRY_DATABASE_AFTER_MS (so
 * members are not made to wait a second each), says so once, and then asks
 * the database again: members keep being answered, limited per process,
 * rather than refused for the database's sake. (A statement that timed out
 * here may still commit: that member was charged twice, once.)
 */
export class PgRateLimiter implements RateLimiter {
  readonly #pool: PoolSource;
  readonly #bucket: string;
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #fallback: UserRateLimiter;
  readonly #log: Logger;
  readonly #clock: () => number;
  #takes = 0;
  #degraded = false;
  #skipUntil = 0;

  constructor(pool: PoolSource, bucket: string, options: { perMinute: number; burst: number }, log: Logger, clock: () => number = Date.now) {
    this.#pool = pool;
    this.#bucket = bucket;
    this.#burst = options.burst;
    this.#perSecond = options.perMinute / 60;
    this.#fallback = new UserRateLimiter(options);
    this.#log = log;
    this.#clock = clock;
  }

  async take(user: string, now: number): Promise<Take> {
    if (this.#clock() < this.#skipUntil) return this.#fallback.take(user, now);
    let row: { granted: boolean; tokens: number } | undefined;
    try {
      row = await within(QUICK_MS, "rate limit: the database", this.#spend(user));
    } catch (error) {
      if (!this.#degraded) this.#log.warn("rate_limit.local", { bucket: this.#bucket, reason: "the database does not answer; allowances are kept per process until it does", error });
      this.#degraded = true;
      this.#skipUntil = this.#clock() + RETRY_DATABASE_AFTER_MS;
      return this.#fallback.take(user, now);
    }
    if (this.#degraded) this.#log.info("rate_limit.shared", { bucket: this.#bucket });
    this.#degraded = false;
    if (++this.#takes % 500 === 0) void this.#forgetIdle();
    if (!row) throw new Error("summit_rate_limits returned no row");
    return row.granted ? { ok: true } : { ok: false, retryAfterMs: Math.ceil(((1 - row.tokens) / this.#perSecond) * 1000) };
  }

  async #spend(user: string): Promise<{ granted: boolean; tokens: number } | undefined> {
    // SET expressions read the row as it was. now() is when this statement's transaction began, which can be before
    // the time a statement that held the row's lock wrote: never a negative refill, never moving `at` back.
    const refill = "LEAST($3::float8, r.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - r.at))::float8 * $4::float8)";
    const pool = await this.#pool();
    const result = await pool.query<{ granted: boolean; tokens: number }>(
      `INSERT INTO summit_rate_limits AS r (bucket, user_id, tokens, at, granted) VALUES ($1, $2, $3::float8 - 1, now(), true)
       ON CONFLICT (bucket, user_id) DO UPDATE SET
         granted = ${refill} >= 1,
         tokens = ${refill} - CASE WHEN ${refill} >= 1 THEN 1 ELSE 0 END,
         at = GREATEST(r.at, now())
       RETURNING granted, tokens`,
      [this.#bucket, user, this.#burst, this.#perSecond],
    );
    return result.rows[0];
  }

  /** Buckets that have refilled are indistinguishable from new ones: deleted, so the table stays the size of the active members. */
  async #forgetIdle(): Promise<void> {
    try {
      const pool = await this.#pool();
      await pool.query("DELETE FROM summit_rate_limits WHERE bucket = $1 AND at < now() - make_interval(secs => $2)", [this.#bucket, this.#burst / this.#perSecond]);
    } catch (error) {
      this.#log.warn("rate_limit.cleanup_failed", { bucket: this.#bucket, error });
    }
  }
}

const storedCitations = z.array(citationSchema);

/**
 * The answers sent, in summit_answers, for the Sources and feedback buttons
 * under them, whichever process the click reaches. About `max` are kept:
 * reading one marks it used, and after every 100 answers a process deletes
 * those least recently used beyond `max` (so the table holds at most
 * `max` + 99 per process).
 */
export class PgAnswerStore implements AnswerMemory {
  readonly where = "postgres:summit_answers";
  readonly #pool: PoolSource;
  readonly #log: Logger;
  readonly #max: number;
  readonly #pending = new Pending();
  #remembered = 0;

  constructor(pool: PoolSource, log: Logger, options: { max: number }) {
    this.#pool = pool;
    this.#log = log;
    this.#max = options.max;
  }

  /** Nothing to read: the table is the memory. */
  async load(): Promise<void> {}

  /**
   * Stores `answer` and returns its id once stored (within QUICK_MS; a slower write goes on in the background), so
   * a click on any process finds it. A failure is logged and the id returned all the same: the answer is sent;
   * only its Sources button says it is forgotten.
   */
  async remember(answer: SentAnswer): Promise<string> {
    const id = newAnswerId();
    let settled = false;
    const write = this.#pending.track(this.#insert(id, answer)).finally(() => (settled = true));
    write.catch((error: unknown) => this.#log.warn("answers.store_failed", { where: this.where, id, error }));
    try {
      return await within(QUICK_MS, "storing an answer", write);
    } catch {
      // Failed (logged above), or still writing: the answer goes out with this id all the same.
      if (!settled) this.#log.warn("answers.store_slow", { where: this.where, id, waitedMs: QUICK_MS });
      return id;
    }
  }

  /** Inserts under `id` (or, should that id be taken, under a new one: the id the buttons must carry). */
  async #insert(id: string, answer: SentAnswer): Promise<string> {
    const pool = await this.#pool();
    for (let tries = 0; ; tries++) {
      const stored = await pool.query(
        "INSERT INTO summit_answers (id, at, used_at, question, text, citations) VALUES ($1, now(), now(), $2, $3, $4::jsonb) ON CONFLICT (id) DO NOTHING",
        [id, answer.question, answer.text, JSON.stringify(answer.citations)],
      );
      if (stored.rowCount === 1) break;
      if (tries >= 3) throw new Error(`answer id ${id} taken ${tries + 1} times`);
      id = newAnswerId();
    }
    if (++this.#remembered % 100 === 0) void this.#pending.track(this.#trim());
    return id;
  }

  async #trim(): Promise<void> {
    try {
      const pool = await this.#pool();
      await pool.query("DELETE FROM summit_answers WHERE id IN (SELECT id FROM summit_answers ORDER BY use DESC OFFSET $1)", [this.#max]);
    } catch (error) {
      this.#log.warn("answers.trim_failed", { where: this.where, error });
    }
  }

  /** The answer, or undefined (also when the database does not answer within QUICK_MS: the button says it is forgotten). */
  async get(id: string): Promise<SentAnswer | undefined> {
    try {
      const row = await within(
        QUICK_MS,
        "reading an answer",
        this.#pool().then(async (pool) => {
          const result = await pool.query<{ question: string; text: string; citations: unknown }>("UPDATE summit_answers SET used_at = now(), use = nextval('summit_answers_use') WHERE id = $1 RETURNING question, text, citations", [id]);
          return result.rows[0];
        }),
      );
      if (!row) return undefined;
      const citations = storedCitations.safeParse(row.citations);
      if (!citations.success) {
        this.#log.warn("answers.unreadable", { where: this.where, id, reason: citations.error.issues[0]?.message ?? "invalid citations" });
        return undefined;
      }
      return { question: row.question, text: row.text, citations: citations.data };
    } catch (error) {
      this.#log.warn("answers.read_failed", { where: this.where, id, error });
      return undefined;
    }
  }

  flush(): Promise<void> {
    return this.#pending.settled();
  }
}

/**
 * Members' votes in summit_feedback, one row per member and answer (the last
 * vote wins; repeating it stores nothing), hashed with one salt kept in
 * summit_settings, so a member's votes group together whichever process took
 * them. The table holds hashes, never member ids.
 */
export class PgFeedbackStore implements FeedbackSink {
  readonly where = "postgres:summit_feedback";
  readonly #pool: PoolSource;
  readonly #log: Logger;
  readonly #pending = new Pending();
  readonly #hasher: MemberHasher;

  constructor(pool: PoolSource, log: Logger) {
    this.#pool = pool;
    this.#log = log;
    this.#hasher = new MemberHasher(() => this.#loadSalt(), log);
  }

  hashUser(userId: string): Promise<string> {
    return this.#hasher.hash(userId);
  }

  record(entry: FeedbackEntry): Promise<RecordOutcome> {
    const vote = checkedVote(entry, this.#log);
    if (vote instanceof FeedbackRefused) return Promise.reject(vote);
    return this.#pending.track(
      (async (): Promise<RecordOutcome> => {
        const pool = await this.#pool();
        const stored = await pool.query(
          `INSERT INTO summit_feedback AS f (answer_id, user_hash, vote, at, guild_id, question, answer, citations)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
           ON CONFLICT (answer_id, user_hash) DO UPDATE SET
             vote = EXCLUDED.vote, at = EXCLUDED.at, guild_id = EXCLUDED.guild_id,
             question = EXCLUDED.question, answer = EXCLUDED.answer, citations = EXCLUDED.citations
           WHERE f.vote <> EXCLUDED.vote`,
          [vote.answerId, vote.userHash, vote.vote, vote.at, vote.guildId, vote.question, vote.answer, JSON.stringify(voteCitations(vote.citations))],
        );
        return stored.rowCount === 0 ? "unchanged" : "recorded";
      })(),
    );
  }

  flush(): Promise<void> {
    return this.#pending.settled();
  }

  /** Whoever stores a salt first wins; every process then reads that one. */
  async #loadSalt(): Promise<string> {
    const pool = await this.#pool();
    await pool.query("INSERT INTO summit_settings (name, value) VALUES ('feedback_salt', $1) ON CONFLICT (name) DO NOTHING", [randomBytes(16).toString("hex")]);
    const salt = (await pool.query<{ value: string }>("SELECT value FROM summit_settings WHERE name = 'feedback_salt'")).rows[0]?.value;
    if (!salt || !/^[0-9a-f]{32}$/.test(salt)) throw new Error("summit_settings holds no valid feedback salt");
    return salt;
  }
}
