import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { silentLogger, type Logger } from "../log.js";
import type { Answer } from "../types.js";
import { ensureDir } from "../util/fs.js";
import { appendLine, ifMissing, makePrivate, writeFileAtomically } from "../util/private-files.js";
import { isAnswerId } from "../render/button-ids.js";

/*
 * The answers the bot sent, so the Sources button under one can show its
 * evidence after a restart too. Kept in memory (at most `max`, least recently
 * used forgotten first) and appended, one JSON line each, to
 * <DATA_DIR>/recent-answers.jsonl:
 *
 *   {"id":"Ab-_9zXy","at":"2026-…Z","question":"…","text":"…","citations":[{…}]}
 *
 * The file is bounded too: once it holds more than 2 × max lines (when it is
 * loaded, or while the bot runs) it is compacted, rewritten with the answers
 * kept in memory only (least recently used first, so a reload keeps the same
 * ones), to a temporary file renamed over it, so a crash leaves the old or the
 * new file, never half of one. Lines that are not an answer (a line torn by a
 * crash, an edit) are skipped with one warning and dropped at that compaction;
 * the next answer starts on a line of its own.
 *
 * The questions members asked are in the file, so it is readable by its owner
 * only (0600; older files are made so when loaded).
 *
 * One bot process per data folder: the file is written from memory when
 * compacted, which would drop answers another process appended meanwhile.
 */

export type SentAnswer = Pick<Answer, "question" | "text" | "citations">;
type SentCitation = SentAnswer["citations"][number];

const basis = z.enum(["stated", "inferred", "unknown"]);

export const citationSchema = z.object({
  n: z.number().int(),
  source: z.string(),
  title: z.string(),
  outlet: z.string().nullable(),
  date: z.string().nullable(),
  // Lines written before citations had a web address lack it: they have none (null).
  url: z
    .string()
    .nullable()
    .optional()
    .transform((url) => url ?? null),
  basis: z.object({ title: basis, outlet: basis, date: basis }),
  quote: z.string(),
  start: z.number().int(),
  end: z.number().int(),
});

const lineSchema = z.object({
  id: z.string().refine(isAnswerId, "8 to 64 base64url characters"),
  at: z.iso.datetime(),
  question: z.string(),
  text: z.string(),
  citations: z.array(citationSchema),
});

export const DEFAULT_MAX = 2000;

/** A new answer id: 8 base64url characters (48 random bits), what the buttons carry. */
export const newAnswerId = (): string => randomBytes(6).toString("base64url");

/**
 * Where the answers the bot sent are kept for their buttons: this file (the
 * default) or, with DATABASE_URL, Postgres (PgAnswerStore), so any bot
 * process can show an answer's sources.
 */
export interface AnswerMemory {
  /** Where the answers are kept, for log lines (a file path, or the table). */
  readonly where: string;
  /** Reads what an earlier run kept; call once before use. */
  load(): Promise<void>;
  /** Keeps `answer` under a new id, returned once the answer can be read back by its id. */
  remember(answer: SentAnswer): string | Promise<string>;
  /** The answer kept under `id`, or undefined (too old, never stored, unknown). */
  get(id: string): SentAnswer | undefined | Promise<SentAnswer | undefined>;
  /** Waits for every write in progress. */
  flush(): Promise<void>;
}

interface Kept {
  readonly answer: SentAnswer;
  /** When it was remembered (ISO). */
  readonly at: string;
  /** On disk already (appended, or written by a compaction before its append ran). */
  written: boolean;
}

export class AnswerStore implements AnswerMemory {
  readonly file: string;
  readonly #log: Logger;
  readonly #max: number;
  /** Least recently used first. */
  readonly #kept = new Map<string, Kept>();
  /** Lines in the file (unreadable ones included), so it is compacted past 2 × max. */
  #lines = 0;
  /** Compaction waits until the file has more lines than this (raised after a failed one, so it is not retried at every answer). */
  #compactAbove: number;
  /** Writes run one after another, so lines never interleave and `flush` can wait for all. */
  #tail: Promise<void> = Promise.resolve();

  constructor(dataDir: string, log: Logger = silentLogger, options: { max?: number } = {}) {
    const max = options.max ?? DEFAULT_MAX;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`AnswerStore max must be a positive integer, not ${max}`);
    this.file = path.join(dataDir, "recent-answers.jsonl");
    this.#log = log;
    this.#max = max;
    this.#compactAbove = 2 * max;
  }

  /**
   * Reads <dataDir>/recent-answers.jsonl (a missing file or folder is an empty
   * store) and keeps the newest `max` answers. Call once before use. Rejects
   * when the file exists but cannot be read (permissions, say).
   */
  load(): Promise<void> {
    return this.#queue(async () => {
      const text = await readFile(this.file, "utf8").catch(ifMissing(null));
      if (text === null) return;
      await makePrivate(this.file);
      const read = new Map<string, Kept>();
      let lines = 0;
      let unreadable = 0;
      for (const raw of text.split("\n")) {
        if (raw.trim() === "") continue;
        lines++;
        const answer = parseLine(raw);
        if (!answer) {
          unreadable++;
          continue;
        }
        read.delete(answer.id);
        read.set(answer.id, { answer: answer.sent, at: answer.at, written: true });
      }
      if (unreadable > 0) {
        this.#log.warn("answers.unreadable_lines", {
          file: this.file,
          count: unreadable,
          reason: "not an answer (torn by a crash, edited, or malformed); skipped, and dropped when the file is compacted",
        });
      }
      // Answers remembered before the file was read are newer than any in it.
      const before = [...this.#kept];
      this.#kept.clear();
      for (const [id, kept] of [...read, ...before]) {
        this.#kept.delete(id);
        this.#kept.set(id, kept);
      }
      this.#evict();
      this.#lines = lines;
      if (lines > 2 * this.#max || unreadable > 0) await this.#compact(unreadable > 0 ? "unreadable lines" : "too many lines");
    });
  }

  /** Keeps `answer` under a new id and appends it to the file in the background (failures are logged); returns the id at once. */
  remember(answer: SentAnswer): string {
    let id = newAnswerId();
    while (this.#kept.has(id)) id = newAnswerId();
    const sent: SentAnswer = { question: answer.question, text: answer.text, citations: answer.citations };
    const kept: Kept = { answer: sent, at: new Date().toISOString(), written: false };
    this.#kept.set(id, kept);
    this.#evict();
    void this.#queue(async () => {
      if (kept.written) return;
      try {
        await this.#append(lineOf(id, kept));
        kept.written = true;
        this.#lines++;
      } catch (error) {
        this.#log.warn("answers.append_failed", { file: this.file, id, error });
        return;
      }
      if (this.#lines > this.#compactAbove) await this.#compact("too many lines");
    });
    return id;
  }

  /** The answer kept under `id` (and now the most recently used), or undefined: too old, never stored, unknown. */
  get(id: string): SentAnswer | undefined {
    const kept = this.#kept.get(id);
    if (!kept) return undefined;
    this.#kept.delete(id);
    this.#kept.set(id, kept);
    return kept.answer;
  }

  get where(): string {
    return this.file;
  }

  /** How many answers are kept. */
  get size(): number {
    return this.#kept.size;
  }

  /** Waits for every queued write (call on shutdown). */
  flush(): Promise<void> {
    return this.#tail;
  }

  #queue(work: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #evict(): void {
    for (const id of this.#kept.keys()) {
      if (this.#kept.size <= this.#max) break;
      this.#kept.delete(id);
    }
  }

  /** Appends one line (see appendLine: a torn last line is ended first). */
  async #append(line: string): Promise<void> {
    await appendLine(this.file, line);
  }


  /**
   * Rewrites the file with the answers kept in memory, least recently used
   * first. A failure is logged, not thrown: the answers are still kept, the
   * file is only larger than it needs to be until the next try.
   */
  async #compact(why: string): Promise<void> {
    const kept = [...this.#kept];
    try {
      await ensureDir(path.dirname(this.file));
      await writeFileAtomically(this.file, kept.map(([id, k]) => `${lineOf(id, k)}\n`).join(""), "replace");
      for (const [, k] of kept) k.written = true;
      this.#lines = kept.length;
      this.#compactAbove = 2 * this.#max;
      this.#log.info("answers.compacted", { file: this.file, answers: kept.length, why });
    } catch (error) {
      this.#compactAbove = this.#lines + this.#max;
      this.#log.warn("answers.compact_failed", { file: this.file, error });
    }
  }
}

/** An answer's line in the file (without the newline), its keys always in this order. */
function lineOf(id: string, { at, answer }: Kept): string {
  return JSON.stringify({ id, at, question: answer.question, text: answer.text, citations: answer.citations });
}

function parseLine(raw: string): { id: string; at: string; sent: SentAnswer } | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = lineSchema.safeParse(json);
  if (!parsed.success) return null;
  const { id, at, question, text } = parsed.data;
  // Every citation has a url here (null when it has none); typed so this compiles with or without Citation.url.
  const citations: readonly SentCitation[] = parsed.data.citations;
  return { id, at, sent: { question, text, citations } };
}



