import type { App } from "../app.js";
import type { Config, DiscordConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { Answer } from "../types.js";
import type { FeedbackStore } from "./feedback-store.js";
import type { ConcurrencyGate, LruMap, UserRateLimiter } from "./limits.js";

/** An answer the bot sent, kept so its buttons can show evidence and record feedback. */
export interface SentAnswer {
  readonly answer: Answer;
  readonly guildId: string | null;
}

/** One turn of a conversation in a bot thread: what the follow-up is read against. */
export interface Turn {
  /** The question as answered (follow-ups already rewritten to stand alone). */
  readonly question: string;
  readonly event?: string;
}

/** Everything a command or event handler may use; built once in createBot. */
export interface BotContext {
  readonly app: App;
  readonly config: Config;
  readonly discord: DiscordConfig;
  readonly log: Logger;
  readonly limiter: UserRateLimiter;
  /** A separate, looser allowance for button clicks. */
  readonly buttonLimiter: UserRateLimiter;
  /** The last vote of each member on each answer ("answerId:userId"), so repeats are not stored twice. */
  readonly votes: LruMap<string, "up" | "down">;
  readonly gate: ConcurrencyGate;
  readonly answers: LruMap<string, SentAnswer>;
  readonly conversations: LruMap<string, Turn>;
  readonly feedback: FeedbackStore;
  /** Milliseconds since an arbitrary origin (performance.now in production). */
  now(): number;
  /** True once the bot has started shutting down. */
  shuttingDown(): boolean;
}
