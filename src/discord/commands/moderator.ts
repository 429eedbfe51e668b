import { InteractionContextType, PermissionFlagsBits } from "discord.js";
import { INTEGRATION_TYPES } from "./contexts.js";

/**
 * Moderator commands are registered with default_member_permissions Manage
 * Server: Discord shows them only to members who have it (server admins can
 * change who sees them under Server Settings > Integrations). Servers only.
 */
export const MODERATOR = {
  permissions: PermissionFlagsBits.ManageGuild,
  contexts: [InteractionContextType.Guild],
  integrationTypes: INTEGRATION_TYPES,
} as const;
