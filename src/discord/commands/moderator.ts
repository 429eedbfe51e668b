import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type LocalizationMap } from "discord.js";
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from "discord-api-types/v10";
import { INTEGRATION_TYPES } from "./contexts.js";

/**
 * A moderator command's registration: default_member_permissions Manage
 * Server, so Discord shows it only to members who have it (server admins can
 * change who sees it under Server Settings > Integrations); servers only.
 */
export function moderatorCommandData(name: string, description: string, localizations: LocalizationMap): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return new SlashCommandBuilder()
    .setName(name)
    .setDescription(description)
    .setDescriptionLocalizations(localizations)
    .setContexts(InteractionContextType.Guild)
    .setIntegrationTypes(...INTEGRATION_TYPES)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .toJSON();
}
