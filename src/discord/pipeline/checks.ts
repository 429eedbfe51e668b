import { isAppError } from "../../errors.js";
import { notice } from "../../render/discord.js";
import { cleanQuestion } from "../../text/question.js";
import type { DiscordConfig } from "../../config.js";
import type { BotContext } from "../context.js";
import { MESSAGES } from "../texts.js";
import type { Check, Refusal, Request } from "./request.js";

/*
 * The checks a request passes before the bot works on it, composed once
 * (QUESTION_CHECKS, LIST_CHECKS, ...) and shared by every entry point. Each
 * is a plain function of the request and the bot's context. A refusal of a
 * message in a place the bot does not serve says nothing (members talk there
 * to each other); an interaction is always answered.
 */

const refuse = (outcome: string, text: string | null): Refusal => ({ outcome, message: text === null ? null : notice(text) });

/** Whether the bot serves this place: DMs only when enabled; guilds only those allowed (no allow-list: every guild). */
export function servesPlace(where: Pick<Request, "inDm" | "guildId">, discord: Pick<DiscordConfig, "answerDms" | "allowedGuilds">): boolean {
  if (where.inDm) return discord.answerDms;
  return discord.allowedGuilds.length === 0 || (where.guildId !== null && discord.allowedGuilds.includes(where.guildId));
}

export const placeAllowed: Check = (req, ctx) => {
  if (servesPlace(req, ctx.discord)) return null;
  const quiet = req.kind === "message";
  return req.inDm ? refuse("dm_not_enabled", quiet ? null : MESSAGES.dmsOff) : refuse("guild_not_allowed", quiet ? null : MESSAGES.notAllowedHere);
};

/** With DISCORD_ALLOWED_CHANNELS, only those channels (and their threads). */
export const channelAllowed: Check = (req, ctx) => {
  const { allowedChannels } = ctx.discord;
  if (req.inDm || allowedChannels.length === 0 || (req.channelId !== null && allowedChannels.includes(req.channelId))) return null;
  return refuse("channel_not_allowed", req.kind === "message" ? null : MESSAGES.notAllowedInChannel);
};

export const notShuttingDown: Check = (_req, ctx) => (ctx.shuttingDown() ? refuse("shutting_down", MESSAGES.restarting) : null);

/**
 * The question the request carries is one the bot would answer (not blank
 * after cleaning, not too long, ...). `text` returns null or "" when there is
 * nothing to check (a bare mention; the handler says how to ask).
 */
export function validQuestion<S>(text: (req: Request<S>) => string | null): Check<S> {
  return (req, ctx) => {
    const q = text(req);
    if (!q) return null;
    try {
      cleanQuestion(q, ctx.config.answer.maxQuestionChars);
      return null;
    } catch (error) {
      if (isAppError(error)) return refuse(`refused:${error.code}`, error.userMessage);
      throw error;
    }
  };
}

/** Spends one of the member's questions (answers, searches) or one light action (lists, buttons). */
export function rateLimit(which: "questions" | "light"): Check {
  return async (req, ctx: BotContext) => {
    const limiter = which === "questions" ? ctx.limiter : ctx.lightLimiter;
    const take = await limiter.take(req.userId, ctx.now());
    return take.ok ? null : refuse("rate_limited", MESSAGES.rateLimited(take.retryAfterMs));
  };
}

/** A question: where the bot serves, while it runs, valid, within the member's allowance (in that order: refusals cost no allowance). */
export function questionChecks<S>(text: (req: Request<S>) => string | null): readonly Check<S>[] {
  return [placeAllowed, channelAllowed, notShuttingDown, validQuestion(text), rateLimit("questions")];
}

/** Lists (/sources, /summits, /search's cousins) and buttons: a looser allowance. */
export const LIGHT_CHECKS: readonly Check[] = [placeAllowed, channelAllowed, notShuttingDown, rateLimit("light")];

/** /help: anywhere the bot serves, no allowance spent. */
export const HELP_CHECKS: readonly Check[] = [placeAllowed];

/** Moderator commands (Discord shows them only to members with Manage Server): in allowed guilds, any channel. */
export const MODERATOR_CHECKS: readonly Check[] = [placeAllowed, notShuttingDown];
