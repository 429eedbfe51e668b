import { SlashCommandBuilder, type ChatInputCommandInteraction } from "discord.js";
import type { Config } from "../../config.js";
import { answerQuestion } from "../answering.js";
import { questionChecks } from "../pipeline/checks.js";
import type { Request } from "../pipeline/request.js";
import type { SlashCommand } from "./command.js";
import { INTEGRATION_TYPES, memberContexts } from "./contexts.js";
import { eventOption, suggestEvents } from "./event-option.js";

const question = (r: Request<ChatInputCommandInteraction>) => r.source.options.getString("question", true);

export function askCommand(config: Config): SlashCommand {
  return {
    kind: "slash",
    data: new SlashCommandBuilder()
      .setName("ask")
      .setDescription("Ask about the EU–China summits; the answer quotes the articles")
      .setDescriptionLocalizations({ fr: "Une question sur les sommets UE–Chine ; la réponse cite les articles", de: "Eine Frage zu den EU–China-Gipfeln; die Antwort zitiert die Artikel" })
      .setContexts(...memberContexts(config.discord))
      .setIntegrationTypes(...INTEGRATION_TYPES)
      // Discord lets an option hold up to 6000 characters; the bot's own limit applies too.
      .addStringOption((o) => o.setName("question").setDescription("Your question").setRequired(true).setMaxLength(Math.min(6000, config.answer.maxQuestionChars)))
      .addBooleanOption((o) => o.setName("private").setDescription("Show the answer only to you").setRequired(false))
      .addStringOption(eventOption)
      .toJSON(),
    checks: questionChecks(question),
    defers: true,
    gated: true,
    ephemeral: (r) => r.source.options.getBoolean("private") ?? false,
    async run(r, ctx) {
      const event = r.source.options.getString("event") ?? undefined;
      const { messages } = await answerQuestion(r, ctx, { question: question(r), ...(event ? { event } : {}) });
      return { messages };
    },
    autocomplete: suggestEvents,
  };
}
