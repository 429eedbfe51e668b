import { ApplicationIntegrationType, InteractionContextType } from "discord.js";
import type { DiscordConfig } from "../../config.js";

/** Where a member's command can be used: servers, and the bot's DMs when DISCORD_ANSWER_DMS is on. */
export function memberContexts(discord: Pick<DiscordConfig, "answerDms">): InteractionContextType[] {
  return discord.answerDms ? [InteractionContextType.Guild, InteractionContextType.BotDM] : [InteractionContextType.Guild];
}

/** The bot is installed to servers (not to members' accounts). */
export const INTEGRATION_TYPES = [ApplicationIntegrationType.GuildInstall];
