import { MessageType, ThreadAutoArchiveDuration, type Message } from "discord.js";
import { LIMITS, notice, truncate } from "../render/discord.js";
import { answerQuestion } from "./answering.js";
import type { BotContext, Turn } from "./context.js";
import { questionChecks } from "./pipeline/checks.js";
import type { Handler, Request } from "./pipeline/request.js";
import { messageResponder } from "./pipeline/responders.js";
import { runRequest } from "./pipeline/run.js";
import { MESSAGES } from "./texts.js";

/*
 * Questions asked in messages. A member addresses the bot by mentioning it
 * (or its managed role); by writing in a channel or forum set up for it
 * (DISCORD_AUTO_ANSWER_CHANNELS: every new message or post is answered); in
 * the bot's threads and in the threads of those channels (follow-ups, read
 * against the thread's previous question); or, when DISCORD_ANSWER_DMS is
 * on, in a direct message. A question in a channel is answered in reply and
 * the reply opens a thread. Everything else goes through the request
 * pipeline like a slash command.
 */

/** How a message reached the bot: the request's name in the log. */
export type Addressed = "mention" | "thread" | "auto" | "dm";

/** In its threads the bot answers questions, not "thanks!" or "ok". */
const LOOKS_LIKE_QUESTION = /\?\s*$|^\s*(?:what|who|whom|whose|when|where|why|how|which|did|does|do|is|are|was|were|can|could|would|will|has|have|tell|explain|list|show|give|and|also|but)\b/i;

interface Addressing {
  readonly how: Addressed;
  /** The question as typed, without the mentions that addressed the bot. */
  readonly text: string;
  /** Where follow-ups are remembered (a thread or DM), or null: the answer opens a thread. */
  readonly conversation: string | null;
  /** What a follow-up is read against when the bot has no turn in memory (after a restart: the thread's name). */
  readonly fallbackTurn: Turn | null;
}

/**
 * Whether and how `message` addresses the bot; null when it is not for the
 * bot, "not_a_question" for chat in its threads. `maxChars` is the question
 * limit: a forum post (title and text) longer than it is shortened to it.
 */
export function addressing(message: Message, botId: string, discord: BotContext["discord"], maxChars: number): Addressing | "not_a_question" | null {
  const channel = message.channel;
  const roleIds = message.mentions.roles.filter((r) => r.tags?.botId === botId).map((r) => r.id);
  const mentioned = message.mentions.users.has(botId) || roleIds.length > 0;
  const mentionsOfBot = new RegExp(`<@!?${botId}>${roleIds.map((id) => `|<@&${id}>`).join("")}`, "g");
  const text = message.content.replace(mentionsOfBot, "").trim();
  if (channel.isDMBased()) {
    if (!discord.answerDms) return null;
    return { how: "dm", text, conversation: channel.id, fallbackTurn: null };
  }
  if (!discord.answerMessages) return null;
  const autoChannel = (id: string | null) => id !== null && discord.autoAnswerChannels.includes(id);
  if (channel.isThread()) {
    const ownThread = channel.ownerId === botId;
    const autoThread = autoChannel(channel.parentId);
    // A forum post's first message has the thread's id: a new question, in the post's title and text.
    if (autoThread && message.id === channel.id) {
      return { how: "auto", text: truncate(postQuestion(channel.name, text), maxChars), conversation: channel.id, fallbackTurn: null };
    }
    if (!mentioned && !ownThread && !autoThread) return null;
    if (!mentioned && !LOOKS_LIKE_QUESTION.test(text)) return "not_a_question";
    return { how: mentioned ? "mention" : "thread", text, conversation: channel.id, fallbackTurn: ownThread || autoThread ? { question: channel.name } : null };
  }
  if (mentioned) return { how: "mention", text, conversation: null, fallbackTurn: null };
  if (autoChannel(channel.id) && text) return { how: "auto", text, conversation: null, fallbackTurn: null };
  return null;
}

/** A forum post's question: its text when that asks something, else its title, else both. */
function postQuestion(title: string, content: string): string {
  if (!title || content.includes("?")) return content || title;
  if (title.trim().endsWith("?") || !content) return title;
  return `${title}: ${content}`;
}

/** Why a message addressed to the bot is not answered at all, or null. */
function ignoreReason(message: Message): string | null {
  if (message.author.bot) return "from_a_bot";
  // Only what members type: not joins, pins, renames or other system messages.
  if (message.system || (message.type !== MessageType.Default && message.type !== MessageType.Reply)) return "system_message";
  return null;
}

export function messageRequest(message: Message, how: Addressed, ctx: BotContext): Request<Message> {
  const channel = message.channel;
  return {
    kind: "message",
    name: how,
    id: message.id,
    userId: message.author.id,
    guildId: message.guildId,
    channelId: channel.isThread() ? channel.parentId : channel.id,
    inDm: channel.isDMBased(),
    receivedAt: ctx.now(),
    source: message,
    responder: messageResponder(message, ctx.drafts),
  };
}

function messageHandler(a: Addressing): Handler<Message> {
  return {
    checks: questionChecks(() => a.text),
    defers: true,
    gated: true,
    ephemeral: () => false,
    async run(r, ctx) {
      if (!a.text) return { messages: [notice(MESSAGES.emptyMention)], outcome: "empty" };
      const previous = a.conversation ? (ctx.conversations.get(a.conversation) ?? a.fallbackTurn ?? undefined) : undefined;
      const question = previous ? await ctx.app.standaloneQuestion(previous.question, a.text) : a.text;
      const event = previous?.event;
      const { messages, answer } = await answerQuestion(r, ctx, { question, ...(event ? { event } : {}) });
      const turn: Turn = { question: answer.question, ...(event ? { event } : {}) };
      return {
        messages,
        async afterSend(sent) {
          if (a.conversation) {
            ctx.conversations.set(a.conversation, turn);
            return;
          }
          if (!sent.message) return;
          try {
            const thread = await sent.message.startThread({ name: truncate(turn.question, LIMITS.threadName), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
            ctx.conversations.set(thread.id, turn);
          } catch (error) {
            // The answer is delivered; without a thread, follow-ups just need a mention.
            ctx.log.warn("thread.create_failed", { req: r.id, error });
          }
        },
      };
    },
  };
}

export async function handleMessage(message: Message, ctx: BotContext): Promise<void> {
  const botId = ctx.botId();
  if (!botId) return;
  const a = addressing(message, botId, ctx.discord, ctx.config.answer.maxQuestionChars);
  if (!a) return;
  const ignored = ignoreReason(message) ?? (a === "not_a_question" ? a : null);
  if (ignored || typeof a === "string") {
    ctx.log.debug("message.ignored", { req: message.id, reason: ignored });
    return;
  }
  await runRequest(messageRequest(message, a.how, ctx), messageHandler(a), ctx);
}
