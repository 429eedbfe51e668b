import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { silentLogger, type Logger } from "../log.js";
import { ensureDir } from "../util/fs.js";
import { appendLine, ifMissing, makePrivate, writeFileAtomically } from "../util/private-files.js";
import type { Citation } from "../types.js";
import { isAnswerId } from "../render/button-ids.js";

/*
 * 👍/👎 votes, one JSON line each, appended to <DATA_DIR>/feedback.jsonl.
 * Members are identified by a salted hash of their id (the salt stays in the
 * data folder), so votes can be grouped per member without storing who voted.
 *
 * A member's last vote on an answer is the one that counts, also across
 * restarts: a repeat of it is not stored, a change is appended (and wins when
 * the file is read), and the file is compacted to one line per member and
 * answer (rewritten and renamed over, so a crash leaves the old or the new
 * file, never half of one) when it is opened and, while it is open, once the
 * superseded lines are both a thousand and as many as the votes. A line torn
 * by a crash is skipped with a warning and dropped at the next compaction,
 * and the next vote starts on a line of its own. Discord ids are public, so the salt is what keeps the
 * hashes from being reversed: both files are readable by their owner only.
 *
 * One bot process per data folder: a compaction by one process would drop
 * lines another appended meanwhile.
 */

export interface FeedbackEntry {
  readonly at: string;
  readonly vote: "up" | "down";
  readonly userHash: string;
  readonly guildId: string | null;
  readonly answerId: string;
  readonly question: string;
  readonly answer: string;
  readonly citations: readonly Pick<Citation, "n" | "source" | "start" | "end" | "quote">[];
}

/** A Discord id: a 64-bit snowflake in decimal (17 digits for the oldest accounts, at most 20). */
export function isSnowflake(id: string): boolean {
  return /^[1-9]\d{16,19}$/.test(id) && BigInt(id) < 1n << 64n;
}

const entrySchema = z.object({
  at: z.iso.datetime(),
  vote: z.enum(["up", "down"]),
  userHash: z.string().regex(/^[0-9a-f]{32}$/, "a 32-character hex hash of the member id"),
  guildId: z.string().refine(isSnowflake, "a Discord snowflake").nullable(),
  answerId: z.string().refine(isAnswerId, "8 to 64 base64url characters"),
  question: z.string(),
  answer: z.string(),
  citations: z.array(
    z.object({ n: z.number().int(), source: z.string(), start: z.number().int(), end: z.number().int(), quote: z.string() }),
  ),
});

/** The member id as a salted hash (32 hex characters): votes can be grouped per member without storing who voted. */
function saltedHash(salt: string, userId: string): string {
  return createHash("sha256").update(`${salt}:${userId}`).digest("hex").slice(0, 32);
}

/** `entry` as stored (only the known fields), or, logged, the refusal to reject with when it is not a vote. */
export function checkedVote(entry: FeedbackEntry, log: Logger): FeedbackEntry | FeedbackRefused {
  const parsed = entrySchema.safeParse(entry);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  return refuseVote(log, `the vote is malformed (${reason})`, { answerId: String(entry.answerId).slice(0, 80) });
}

/** The parts of an answer's citations a vote keeps. */
export function voteCitations(citations: readonly Pick<Citation, "n" | "source" | "start" | "end" | "quote">[]): FeedbackEntry["citations"] {
  return citations.map(({ n, source, start, end, quote }) => ({ n, source, start, end, quote }));
}

/** Logs why a vote was not stored and returns the error to reject with. */
function refuseVote(log: Logger, reason: string, fields: Record<string, unknown>): FeedbackRefused {
  log.warn("feedback.refused", { reason, ...fields });
  return new FeedbackRefused(`Feedback not stored: ${reason}.`);
}

/**
 * The salted hash of a member id, refusing anything that is not a Discord id; the salt is loaded once by `load`
 * (a failed load is tried again next time rather than remembered).
 */
export class MemberHasher {
  readonly #load: () => Promise<string>;
  readonly #log: Logger;
  #salt: Promise<string> | null = null;

  constructor(load: () => Promise<string>, log: Logger) {
    this.#load = load;
    this.#log = log;
  }

  async hash(userId: string): Promise<string> {
    if (!isSnowflake(userId)) throw refuseVote(this.#log, "the member id is not a Discord snowflake", {});
    if (!this.#salt) {
      const loading = this.#load();
      this.#salt = loading;
      loading.catch(() => {
        if (this.#salt === loading) this.#salt = null;
      });
    }
    return saltedHash(await this.#salt, userId);
  }
}

/** Where votes are stored: this file (the default) or, with DATABASE_URL, Postgres (PgFeedbackStore). */
export interface FeedbackSink {
  /** Where the votes go, for log lines (a file path, or the table). */
  readonly where: string;
  /** The member's id as a salted hash. Refuses (FeedbackRefused) anything that is not a Discord id. */
  hashUser(userId: string): Promise<string>;
  /** Stores `entry` unless it is already the member's last vote on that answer; rejects with FeedbackRefused when malformed. */
  record(entry: FeedbackEntry): Promise<RecordOutcome>;
  /** Waits for every vote in progress to be stored. */
  flush(): Promise<void>;
}

/** Why a vote was not stored. */
export class FeedbackRefused extends Error {
  override readonly name = "FeedbackRefused";
}

/** What `record` did: stored the vote, or found it already the member's last vote on that answer. */
export type RecordOutcome = "recorded" | "unchanged";

/** Compaction waits for at least this many superseded lines, so a few changed votes do not rewrite the file. */
const COMPACT_AT_LEAST = 1000;
const SALT = /^[0-9a-f]{32}$/;

const keyOf = (e: Pick<FeedbackEntry, "answerId" | "userHash">) => `${e.answerId}:${e.userHash}`;

interface ParsedLog {
  /** The last entry of each member on each answer, as its original line, in the order they were last voted. */
  readonly live: Map<string, { vote: FeedbackEntry["vote"]; line: string }>;
  /** Lines a later vote replaced. */
  readonly superseded: number;
  /** 1-based numbers of the lines that are not an entry (torn by a crash, edited, or invalid). */
  readonly unreadable: number[];
}

/**
 * Reads the log, last vote wins. A line a crash glued to the next vote
 * (written by versions that did not start each vote on a new line) still
 * holds that vote whole at its end, so it is read from there.
 */
function parseLog(text: string): ParsedLog {
  const live: ParsedLog["live"] = new Map();
  const unreadable: number[] = [];
  let entries = 0;
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    const line = readLine(raw);
    if (!line) {
      unreadable.push(i + 1);
      return;
    }
    entries++;
    const key = keyOf(line.entry);
    live.delete(key);
    live.set(key, { vote: line.entry.vote, line: line.text });
  });
  return { live, superseded: entries - live.size, unreadable };
}

function readLine(raw: string): { entry: FeedbackEntry; text: string } | null {
  for (let at = 0; at >= 0; at = raw.indexOf('{"at":', at + 1)) {
    const text = raw.slice(at);
    try {
      const parsed = entrySchema.safeParse(JSON.parse(text));
      if (parsed.success) return { entry: parsed.data, text };
    } catch {
      // Not JSON from here; try the next entry start.
    }
  }
  return null;
}

export class FeedbackStore implements FeedbackSink {
  readonly file: string;
  readonly #saltFile: string;
  readonly #log: Logger;
  readonly #hasher: MemberHasher;
  /** Each member's last vote on each answer ("answerId:userHash"); null until the file was read. */
  #votes: Map<string, FeedbackEntry["vote"]> | null = null;
  #superseded = 0;
  /** Writes run one after another, so lines never interleave and `flush` can wait for all. */
  #tail: Promise<void> = Promise.resolve();

  constructor(dataDir: string, log: Logger = silentLogger) {
    this.file = path.join(dataDir, "feedback.jsonl");
    this.#saltFile = path.join(dataDir, "feedback-salt");
    this.#log = log;
    this.#hasher = new MemberHasher(() => this.#loadSalt(), log);
  }

  /** The member's id as a salted hash. Refuses (FeedbackRefused) anything that is not a Discord id. */
  hashUser(userId: string): Promise<string> {
    return this.#hasher.hash(userId);
  }

  /**
   * Queues `entry`; the returned promise settles when it is on disk. A vote
   * that is already the member's last one on that answer is not stored again.
   * Rejects with FeedbackRefused, and logs why, when the entry is malformed
   * (an empty or foreign answer id, a user hash that is not one).
   */
  record(entry: FeedbackEntry): Promise<RecordOutcome> {
    const valid = checkedVote(entry, this.#log);
    if (valid instanceof FeedbackRefused) return Promise.reject(valid);
    return this.#queue(async () => {
      const votes = await this.#open();
      const key = keyOf(valid);
      const last = votes.get(key);
      if (last === valid.vote) return "unchanged";
      // A fixed key order, so every line starts with {"at": (which is how a glued line is read back).
      const { at, vote, userHash, guildId, answerId, question, answer, citations } = valid;
      await this.#append(JSON.stringify({ at, vote, userHash, guildId, answerId, question, answer, citations }));
      votes.set(key, valid.vote);
      if (last !== undefined) this.#superseded++;
      if (this.#superseded >= Math.max(COMPACT_AT_LEAST, votes.size)) await this.#compact("superseded lines outnumber the votes");
      return "recorded";
    });
  }

  get where(): string {
    return this.file;
  }

  /** Waits for every queued vote to be written. */
  flush(): Promise<void> {
    return this.#tail;
  }

  #queue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Reads the file once (votes stored before a restart count), makes it private and compacts what it can. */
  async #open(): Promise<Map<string, FeedbackEntry["vote"]>> {
    if (this.#votes) return this.#votes;
    await ensureDir(path.dirname(this.file));
    const text = await readFile(this.file, "utf8").catch(ifMissing(null));
    if (text === null) {
      this.#votes = new Map();
      return this.#votes;
    }
    await makePrivate(this.file);
    const parsed = parseLog(text);
    if (parsed.unreadable.length > 0) {
      this.#log.warn("feedback.unreadable_lines", {
        file: this.file,
        lines: parsed.unreadable.slice(0, 20),
        count: parsed.unreadable.length,
        reason: "not a vote (torn by a crash, edited, or malformed); dropped when the file is compacted",
      });
    }
    this.#votes = new Map([...parsed.live].map(([key, v]) => [key, v.vote]));
    this.#superseded = parsed.superseded;
    if (parsed.superseded > 0 || parsed.unreadable.length > 0 || (text !== "" && !text.endsWith("\n"))) {
      await this.#compact("opened with superseded or unreadable lines");
    }
    return this.#votes;
  }

  /** Appends one line (see appendLine: a torn last line is ended first). */
  async #append(line: string): Promise<void> {
    await appendLine(this.file, line);
  }


  /**
   * Rewrites the file with each member's last vote on each answer only. A
   * failure is logged, not thrown: the votes are stored either way (last wins
   * on reading), the file is only larger than it needs to be.
   */
  async #compact(why: string): Promise<void> {
    try {
      const { live } = parseLog(await readFile(this.file, "utf8").catch(ifMissing("")));
      await writeFileAtomically(this.file, [...live.values()].map((v) => `${v.line}\n`).join(""), "replace");
      this.#superseded = 0;
      this.#log.info("feedback.compacted", { file: this.file, votes: live.size, why });
    } catch (error) {
      this.#log.warn("feedback.compact_failed", { file: this.file, error });
    }
  }

  async #loadSalt(): Promise<string> {
    const existing = await readFile(this.#saltFile, "utf8").catch(ifMissing(null));
    if (existing !== null && SALT.test(existing.trim())) {
      await makePrivate(this.#saltFile);
      return existing.trim();
    }
    await ensureDir(path.dirname(this.#saltFile));
    const salt = randomBytes(16).toString("hex");
    if (existing !== null) {
      // Empty or cut short (older versions could leave it so): hashes under it would be unsalted.
      this.#log.warn("feedback.salt_replaced", { file: this.#saltFile, reason: "the salt file does not hold a salt" });
      await writeFileAtomically(this.#saltFile, salt, "replace");
      return salt;
    }
    // Whoever creates it first wins; everyone then uses that one salt.
    await writeFileAtomically(this.#saltFile, salt, "create");
    const winner = (await readFile(this.#saltFile, "utf8")).trim();
    if (!SALT.test(winner)) throw new Error(`${this.#saltFile} does not hold a salt`);
    return winner;
  }
}




