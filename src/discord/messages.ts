import type { Message, ThreadChannel } from "discord.js";
import { rewriteFollowUp } from "../answer/follow-up.js";
import { LIMITS, notice, renderAnswer, truncate, type DiscordMessage } from "../render/discord.js";
import { newAnswerId } from "./commands/ask.js";
import type { BotContext, Turn } from "./context.js";
import { failureMessage, MESSAGES } from "./interactions.js";

/*
 * Questions asked in messages: a mention in a channel is answered in reply,
 * and the reply opens a thread; in the bot's threads every message is a
 * follow-up, read against the thread's previous question.
 */

export interface MessageDeps extends BotContext {
  readonly botId: () => string | null;
  readonly shuttingDown: () => boolean;
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

export async function handleMessage(message: Message, deps: MessageDeps): Promise<void> {
  const botId = deps.botId();
  if (!botId || message.author.bot || !message.inGuild() || !deps.discord.answerMessages) return;
  if (deps.discord.allowedGuilds.length && !deps.discord.allowedGuilds.includes(message.guildId)) return;
  const inThread = isBotThread(message, botId);
  const mentioned = message.mentions.users.has(botId);
  if (!inThread && !mentioned) return;

  const t0 = deps.now();
  const log = deps.log.child({ req: message.id, guild: message.guildId });
  let outcome = "answered";
  const reply = (m: DiscordMessage) => message.reply(asReply(m));
  try {
    const text = message.content.replace(new RegExp(`<@!?${botId}>`, "g"), "").trim();
    if (!text) {
      outcome = "empty";
      await reply(notice("Ask me a question about the EU–China summits, e.g. “@me What did von der Leyen say about dual-use goods?” Type /help for more."));
      return;
    }
    if (deps.shuttingDown()) {
      outcome = "shutting_down";
      await reply(notice(MESSAGES.restarting));
      return;
    }
    const take = deps.limiter.take(message.author.id, deps.now());
    if (!take.ok) {
      outcome = "rate_limited";
      await reply(notice(MESSAGES.rateLimited(take.retryAfterMs)));
      return;
    }
    message.channel.sendTyping().catch(() => undefined);

    const previous: Turn | undefined = inThread ? (deps.conversations.get(message.channel.id) ?? { question: message.channel.name }) : undefined;
    const question = previous ? rewriteFollowUp(previous.question, text, await deps.people()) : text;
    const event = previous?.event;
    let messages: DiscordMessage[];
    let turn: Turn | null = null;
    try {
      const answer = await deps.gate.run(() => deps.app.ask(question, { requestId: message.id, event }));
      const answerId = newAnswerId();
      deps.answers.set(answerId, { answer, guildId: message.guildId });
      messages = renderAnswer(answer, { answerId });
      turn = { question: answer.question, ...(event ? { event } : {}) };
    } catch (error) {
      outcome = "refused";
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
    log.error("message.send_failed", { error });
  } finally {
    log.info("message", { kind: inThread ? "thread" : "mention", outcome, ms: Math.round(deps.now() - t0) });
  }
}
