import { MessageType, type Message, type ThreadChannel } from "discord.js";
import { newErrorId } from "../errors.js";
import { cleanQuestion } from "../text/question.js";
import { LIMITS, notice, renderAnswer, truncate, type DiscordMessage } from "../render/discord.js";
import { guildAllowed, rememberAnswer, type BotContext, type Turn } from "./context.js";
import { failureMessage, MESSAGES, outcomeOf } from "./interactions.js";

/*
 * Questions asked in messages: a mention in a channel is answered in reply,
 * and the reply opens a thread; in the bot's threads every message is a
 * follow-up, read against the thread's previous question.
 */

export interface MessageDeps extends BotContext {
  readonly botId: () => string | null;
}

function asReply(m: DiscordMessage) {
  return {
    content: m.content ?? "",
    embeds: m.embeds,
    components: m.components ?? [],
    allowedMentions: m.allowedMentions,
    ...(m.flags ? { flags: m.flags } : {}),
  };
}

function isBotThread(message: Message, botId: string): message is Message & { channel: ThreadChannel } {
  return message.channel.isThread() && message.channel.ownerId === botId;
}

/** In its threads the bot answers questions, not "thanks!" or "ok". */
const LOOKS_LIKE_QUESTION = /\?\s*$|^\s*(?:what|who|whom|whose|when|where|why|how|which|did|does|do|is|are|was|were|can|could|would|will|has|have|tell|explain|list|show|give|and|also|but)\b/i;

/** Why a message addressed to the bot is not answered, or null when it is. */
function ignoreReason(message: Message, deps: MessageDeps): string | null {
  if (message.author.bot) return "from_a_bot";
  // Only what members type: not joins, pins, renames or other system messages.
  if (message.system || (message.type !== MessageType.Default && message.type !== MessageType.Reply)) return "system_message";
  if (!message.inGuild()) return "not_in_a_guild";
  if (!guildAllowed(deps, message.guildId)) return "guild_not_allowed";
  return null;
}

export async function handleMessage(message: Message, deps: MessageDeps): Promise<void> {
  const botId = deps.botId();
  if (!botId || !deps.discord.answerMessages) return;
  const inBotThread = isBotThread(message, botId);
  const mentioned = message.mentions.users.has(botId);
  if (!mentioned && !inBotThread) return;
  const ignored = ignoreReason(message, deps);
  if (ignored || !message.inGuild()) {
    deps.log.debug("message.ignored", { req: message.id, reason: ignored });
    return;
  }
  const text = message.content.replace(new RegExp(`<@!?${botId}>`, "g"), "").trim();
  if (!mentioned && !LOOKS_LIKE_QUESTION.test(text)) {
    deps.log.debug("message.ignored", { req: message.id, reason: "not_a_question" });
    return;
  }

  const t0 = deps.now();
  const log = deps.log.child({ req: message.id, guild: message.guildId });
  let outcome = "answered";
  const reply = (m: DiscordMessage) => message.reply(asReply(m));
  try {
    if (deps.shuttingDown()) {
      outcome = "shutting_down";
      await reply(notice(MESSAGES.restarting));
      return;
    }
    // Refusals come before the rate limit, so they cost no allowance; the empty-mention hint does cost one.
    try {
      if (text) cleanQuestion(text, deps.config.answer.maxQuestionChars);
    } catch (error) {
      outcome = outcomeOf(error);
      await reply(failureMessage(error, deps, { req: message.id }));
      return;
    }
    const take = deps.limiter.take(message.author.id, deps.now());
    if (!take.ok) {
      outcome = "rate_limited";
      await reply(notice(MESSAGES.rateLimited(take.retryAfterMs)));
      return;
    }
    if (!text) {
      outcome = "empty";
      await reply(notice("Ask me a question about the EU–China summits, e.g. “@me What did von der Leyen say about dual-use goods?” Type /help for more."));
      return;
    }
    message.channel.sendTyping().catch(() => undefined);

    // In a thread, the thread's last question is the context (after a restart, the thread's name is).
    const inThread = message.channel.isThread();
    const previous: Turn | undefined = inThread
      ? (deps.conversations.get(message.channel.id) ?? (inBotThread ? { question: message.channel.name } : undefined))
      : undefined;
    let messages: DiscordMessage[];
    let turn: Turn | null = null;
    try {
      const question = previous ? await deps.app.standaloneQuestion(previous.question, text) : text;
      const event = previous?.event;
      const answer = await deps.gate.run(() => deps.app.ask(question, { requestId: message.id, event }));
      messages = renderAnswer(answer, { answerId: rememberAnswer(deps, answer) });
      turn = { question: answer.question, ...(event ? { event } : {}) };
    } catch (error) {
      outcome = outcomeOf(error);
      messages = [failureMessage(error, deps, { req: message.id })];
    }
    const [first, ...rest] = messages;
    if (!first) return;
    const sent = await reply(first);
    for (const m of rest) await sent.channel.send(asReply(m));
    if (!turn) return;
    if (inThread) {
      deps.conversations.set(message.channel.id, turn);
    } else {
      try {
        const thread = await sent.startThread({ name: truncate(turn.question, LIMITS.threadName), autoArchiveDuration: 1440 });
        deps.conversations.set(thread.id, turn);
      } catch (error) {
        // The answer is delivered; without a thread, follow-ups just need a mention.
        log.warn("thread.create_failed", { error });
      }
    }
  } catch (error) {
    outcome = "send_failed";
    log.error("message.send_failed", { errorId: newErrorId(), error });
  } finally {
    log.info("message", { kind: inBotThread ? "thread" : "mention", outcome, ms: Math.round(deps.now() - t0) });
  }
}
