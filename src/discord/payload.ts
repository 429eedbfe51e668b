import { MessageFlags, type InteractionEditReplyOptions, type InteractionReplyOptions, type MessageCreateOptions, type MessageEditOptions } from "discord.js";
import type { DiscordMessage } from "../render/discord.js";

/*
 * The one conversion of our reply (src/render/discord.ts, plain API JSON) into
 * the options discord.js takes: for an interaction's reply or follow-up, an
 * edit of its deferral, a channel message, or an edit of a message.
 */

/** A reply or follow-up to an interaction; `ephemeral` adds Discord's private flag. */
export function replyOptions(m: DiscordMessage, ephemeral: boolean): InteractionReplyOptions & { withResponse?: false } {
  const flags = (m.flags ?? 0) | (ephemeral ? MessageFlags.Ephemeral : 0);
  return { ...common(m), ...(flags ? { flags } : {}) } as InteractionReplyOptions & { withResponse?: false };
}

/**
 * An edit of an interaction's deferral or earlier reply. An edit cannot make a
 * message private; link-preview suppression is always set, on or off, since an
 * edit leaves flags it does not name as they were (a text preview's
 * suppression would otherwise hide the answer's embeds).
 */
export function editReplyOptions(m: DiscordMessage): InteractionEditReplyOptions {
  return { ...common(m), flags: (m.flags ?? 0) & MessageFlags.SuppressEmbeds } as InteractionEditReplyOptions;
}

/** A message sent to a channel (a reply to a member's message, a continuation). */
export function messageOptions(m: DiscordMessage): MessageCreateOptions {
  const flags = (m.flags ?? 0) & MessageFlags.SuppressEmbeds;
  return { ...common(m), ...(flags ? { flags } : {}) } as MessageCreateOptions;
}

/** An edit of a message the bot sent (a preview replaced by the answer); flags as for editReplyOptions. */
export function messageEditOptions(m: DiscordMessage): MessageEditOptions {
  return { ...common(m), flags: (m.flags ?? 0) & MessageFlags.SuppressEmbeds } as MessageEditOptions;
}

function common(m: DiscordMessage) {
  return {
    content: m.content ?? "",
    embeds: m.embeds,
    components: m.components ?? [],
    allowedMentions: m.allowedMentions,
  };
}
