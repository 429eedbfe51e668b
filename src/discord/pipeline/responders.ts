import { MessageFlags, type Message, type RepliableInteraction } from "discord.js";
import type { DiscordMessage } from "../../render/discord.js";
import { editReplyOptions, messageEditOptions, messageOptions, replyOptions } from "../payload.js";
import type { Responder, SentReply } from "./request.js";

/** Answers an interaction: its reply (or the edit of its deferral), then follow-ups. */
export function interactionResponder(interaction: RepliableInteraction): Responder {
  let delivered = false;
  return {
    get acknowledged() {
      return interaction.deferred || interaction.replied;
    },
    get delivered() {
      return delivered;
    },
    async acknowledge(ephemeral) {
      if (!interaction.deferred && !interaction.replied) await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    },
    async preview(m) {
      // discord.js marks the interaction replied after the first edit; later previews edit it again.
      if (interaction.deferred) await interaction.editReply(editReplyOptions(m));
    },
    async send(messages, ephemeral): Promise<SentReply> {
      const [first, ...rest] = messages;
      if (!first) return { message: null };
      if (interaction.deferred) await interaction.editReply(editReplyOptions(first));
      else if (interaction.replied) await interaction.followUp(replyOptions(first, ephemeral));
      else await interaction.reply(replyOptions(first, ephemeral));
      delivered = true;
      for (const m of rest) await interaction.followUp(replyOptions(m, ephemeral));
      return { message: null };
    },
    async recover(m) {
      if (interaction.deferred || interaction.replied) await interaction.editReply(editReplyOptions(m));
    },
  };
}

/**
 * Answers a member's message with a reply in its channel. A preview is that
 * reply, edited as the model writes; the answer then replaces it, so the
 * member sees one message grow rather than a draft and an answer.
 */
export function messageResponder(message: Message, drafts?: Set<Message>): Responder {
  let reply: Message | null = null;
  let delivered = false;
  return {
    get acknowledged() {
      return reply !== null;
    },
    get delivered() {
      return delivered;
    },
    async acknowledge() {
      // Typing lasts ~10 s or until the bot's message; it is not waited for (Discord may rate-limit it), and failing to show it is no reason to stop.
      if ("sendTyping" in message.channel) void message.channel.sendTyping().catch(() => undefined);
    },
    async preview(m) {
      if (reply) drafts?.delete(reply);
      reply = reply ? await reply.edit(messageEditOptions(m)) : await message.reply(messageOptions(m));
      // Until the answer replaces it, the reply shows unchecked text: a shutdown must not leave it so.
      if (!delivered) drafts?.add(reply);
    },
    async send(messages: readonly DiscordMessage[]): Promise<SentReply> {
      const [first, ...rest] = messages;
      if (!first) return { message: reply };
      if (reply) drafts?.delete(reply);
      reply = reply ? await reply.edit(messageEditOptions(first)) : await message.reply(messageOptions(first));
      delivered = true;
      const sent = reply;
      for (const m of rest) if ("send" in sent.channel) await sent.channel.send(messageOptions(m));
      return { message: sent };
    },
    async recover(m) {
      if (!reply) return;
      drafts?.delete(reply);
      await reply.edit(messageEditOptions(m));
    },
  };
}
