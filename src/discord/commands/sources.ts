import type { Config } from "../../config.js";
import { renderArticleList } from "../../render/discord.js";
import type { SlashCommand } from "./command.js";
import { listCommand } from "./list-command.js";

export function sourcesCommand(config: Config): SlashCommand {
  return listCommand(config, {
    name: "sources",
    description: "List the articles the bot answers from",
    localizations: { fr: "La liste des articles dont le bot tire ses réponses", de: "Die Artikel, aus denen der Bot antwortet" },
    render: async (ctx) => renderArticleList(await ctx.app.articles()),
  });
}
