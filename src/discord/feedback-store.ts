import { createHash, randomBytes } from "node:crypto";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Citation } from "../types.js";

/*
 * 👍/👎 votes, one JSON line each, appended to <DATA_DIR>/feedback.jsonl.
 * Members are identified by a salted hash of their id (the salt stays in the
 * data folder), so votes can be grouped per member without storing who voted.
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

export class FeedbackStore {
  readonly file: string;
  readonly #saltFile: string;
  #salt: Promise<string> | null = null;
  /** Writes run one after another, so lines never interleave and `flush` can wait for all. */
  #tail: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, "feedback.jsonl");
    this.#saltFile = path.join(dataDir, "feedback-salt");
  }

  async hashUser(userId: string): Promise<string> {
    this.#salt ??= this.#loadSalt();
    return createHash("sha256").update(`${await this.#salt}:${userId}`).digest("hex").slice(0, 32);
  }

  async #loadSalt(): Promise<string> {
    try {
      return (await readFile(this.#saltFile, "utf8")).trim();
    } catch {
      const salt = randomBytes(16).toString("hex");
      await mkdir(path.dirname(this.#saltFile), { recursive: true });
      await writeFile(this.#saltFile, salt, { flag: "wx" }).catch(() => undefined);
      return (await readFile(this.#saltFile, "utf8")).trim();
    }
  }

  /** Queues `entry`; the returned promise settles when it is on disk. */
  record(entry: FeedbackEntry): Promise<void> {
    const write = this.#tail.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      await appendFile(this.file, `${JSON.stringify(entry)}\n`);
    });
    this.#tail = write.catch(() => undefined);
    return write;
  }

  /** Waits for every queued vote to be written. */
  flush(): Promise<void> {
    return this.#tail;
  }
}
