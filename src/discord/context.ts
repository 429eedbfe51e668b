import type { Message } from "discord.js";
import type { App } from "../app.js";
import type { Config, DiscordConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { AnswerMemory } from "./answer-store.js";
import type { FeedbackSink } from "./feedback-store.js";
import type { LruMap } from "../util/lru.js";
import type { ConcurrencyGate, RateLimiter } from "./limits.js";
import type { BotStats } from "./stats.js";

/** One turn of a conversation in a thread or DM: what the follow-up is read against. */
export interface Turn {
  /** The question as answered (follow-ups already rewritten to stand alone). */
  readonly question: string;
  readonly event?: string;
}

/** Everything a command, button or message handler may use; built once in createBot. */
export interface BotContext {
  readonly app: App;
  readonly config: Config;
  readonly discord: DiscordConfig;
  readonly log: Logger;
  /** Questions (answers, searches) per member. */
  readonly limiter: RateLimiter;
  /** A separate, looser allowance per member for lists and button clicks. */
  readonly lightLimiter: RateLimiter;
  /** The last vote of each member on each answer ("answerId:userId"), so repeats are not stored twice. */
  readonly votes: LruMap<string, "up" | "down">;
  readonly gate: ConcurrencyGate;
  /** Recent answers by id, kept in the data folder (or Postgres) so their Sources buttons work after a restart. */
  readonly answers: AnswerMemory;
  /** Replies to members' messages that show a model's unchecked draft right now (a shutdown replaces them). */
  readonly drafts: Set<Message>;
  /** The last turn per thread or DM channel. */
  readonly conversations: LruMap<string, Turn>;
  readonly feedback: FeedbackSink;
  /** Questions answered since start, for /stats. */
  readonly stats: BotStats;
  /** The bot's user id once logged in. */
  botId(): string | null;
  /** Milliseconds since an arbitrary origin (performance.now in production). */
  now(): number;
  /** True once the bot has started shutting down. */
  shuttingDown(): boolean;
  /** When the index answering now was loaded or built (start-up or /reload). */
  indexLoadedAt(): Date | null;
  /** Runs `work` unless a reload is already running (then returns null): /reload runs one at a time. */
  exclusiveReload<T>(work: () => Promise<T>): Promise<T | null>;
}
