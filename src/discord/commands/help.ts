import { SlashCommandBuilder } from "discord.js";
import type { Config } from "../../config.js";
import { renderHelp } from "../../render/discord.js";
import { HELP_CHECKS } from "../pipeline/checks.js";
import type { SlashCommand } from "./command.js";
import { INTEGRATION_TYPES, memberContexts } from "./contexts.js";

export function helpCommand(config: Config): SlashCommand {
  return {
    kind: "slash",
    data: new SlashCommandBuilder()
      .setName("help")
      .setDescription("What this bot can do")
      .setDescriptionLocalizations({ fr: "Ce que ce bot sait faire", de: "Was dieser Bot kann" })
      .setContexts(...memberContexts(config.discord))
      .setIntegrationTypes(...INTEGRATION_TYPES)
      .toJSON(),
    checks: HELP_CHECKS,
    defers: false,
    gated: false,
    ephemeral: () => true,
    run: async (_r, ctx) => ({
      messages: renderHelp({ answerMessages: ctx.discord.answerMessages, answerDms: ctx.discord.answerDms, maxQuestionChars: ctx.config.answer.maxQuestionChars }),
    }),
  };
}
