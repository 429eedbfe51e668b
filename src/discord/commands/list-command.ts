import { SlashCommandBuilder, type LocalizationMap } from "discord.js";
import type { Config } from "../../config.js";
import type { DiscordMessage } from "../../render/discord.js";
import type { BotContext } from "../context.js";
import { LIGHT_CHECKS } from "../pipeline/checks.js";
import type { SlashCommand } from "./command.js";
import { INTEGRATION_TYPES, memberContexts } from "./contexts.js";

/**
 * A list command (/sources, /summits): shown only to the member unless they
 * set `public`, with the looser allowance of lists and buttons.
 */
export function listCommand(
  config: Config,
  spec: { name: string; description: string; localizations: LocalizationMap; render: (ctx: BotContext) => Promise<DiscordMessage[]> },
): SlashCommand {
  return {
    kind: "slash",
    data: new SlashCommandBuilder()
      .setName(spec.name)
      .setDescription(spec.description)
      .setDescriptionLocalizations(spec.localizations)
      .setContexts(...memberContexts(config.discord))
      .setIntegrationTypes(...INTEGRATION_TYPES)
      .addBooleanOption((o) =>
        o
          .setName("public")
          .setDescription("Show the list to everyone in the channel (default: only you)")
          .setDescriptionLocalizations({ fr: "Afficher la liste à tout le salon (par défaut : à vous seul)", de: "Die Liste allen im Kanal zeigen (Standard: nur dir)" })
          .setRequired(false),
      )
      .toJSON(),
    checks: LIGHT_CHECKS,
    defers: true,
    gated: false,
    ephemeral: (r) => !(r.source.options.getBoolean("public") ?? false),
    run: async (_r, ctx) => ({ messages: await spec.render(ctx) }),
  };
}
