import type { App } from "../app.js";
import type { Config, DiscordConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { Answer } from "../types.js";
import type { FeedbackStore } from "./feedback-store.js";
import { randomBytes } from "node:crypto";
import type { LruMap } from "../util/lru.js";
import type { ConcurrencyGate, UserRateLimiter } from "./limits.js";

/** What the bot keeps of an answer it sent, so its buttons can show evidence and record feedback. */
export type SentAnswer = Pick<Answer, "question" | "text" | "citations">;

/** Keeps what the buttons of `answer` need under a new short id, which the buttons carry. */
export function rememberAnswer(ctx: Pick<BotContext, "answers">, answer: Answer): string {
  const id = randomBytes(6).toString("base64url");
  ctx.answers.set(id, { question: answer.question, text: answer.text, citations: answer.citations });
  return id;
}

/** Whether the bot answers in this guild (no allow-list: everywhere). */
export function guildAllowed(ctx: Pick<BotContext, "discord">, guildId: string | null): boolean {
  return ctx.discord.allowedGuilds.length === 0 || (guildId !== null && ctx.discord.allowedGuilds.includes(guildId));
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
