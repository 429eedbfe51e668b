import { SlashCommandBuilder, type ChatInputCommandInteraction } from "discord.js";
import type { Config } from "../../config.js";
import { renderSearch } from "../../render/discord.js";
import { questionChecks } from "../pipeline/checks.js";
import type { Request } from "../pipeline/request.js";
import type { SlashCommand } from "./command.js";
import { INTEGRATION_TYPES, memberContexts } from "./contexts.js";
import { eventOption, suggestEvents } from "./event-option.js";

const query = (r: Request<ChatInputCommandInteraction>) => r.source.options.getString("query", true);

export function searchCommand(config: Config): SlashCommand {
  return {
    kind: "slash",
    data: new SlashCommandBuilder()
      .setName("search")
      .setDescription("Show the passages that best match a query, with their scores")
      .setDescriptionLocalizations({ fr: "Les passages qui correspondent le mieux à une requête, avec leur score", de: "Die am besten passenden Textstellen zu einer Suche, mit ihrer Bewertung" })
      .setContexts(...memberContexts(config.discord))
      .setIntegrationTypes(...INTEGRATION_TYPES)
      .addStringOption((o) => o.setName("query").setDescription("Words or a question").setRequired(true).setMaxLength(Math.min(6000, config.answer.maxQuestionChars)))
      .addStringOption(eventOption)
      .toJSON(),
    checks: questionChecks(query),
    defers: true,
    gated: true,
    ephemeral: () => false,
    async run(r, ctx) {
      const event = r.source.options.getString("event") ?? undefined;
      const passages = await ctx.app.search(query(r), { limit: 5, event });
      const articles = new Map((await ctx.app.articles()).map((a) => [a.source, a]));
      return { messages: renderSearch(query(r), passages, (s) => articles.get(s)) };
    },
    autocomplete: suggestEvents,
  };
}
