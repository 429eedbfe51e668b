import type { Config } from "../../config.js";
import { renderEvents } from "../../render/discord.js";
import type { SlashCommand } from "./command.js";
import { listCommand } from "./list-command.js";

export function summitsCommand(config: Config): SlashCommand {
  return listCommand(config, {
    name: "summits",
    description: "List the summits the articles cover, and which articles cover each",
    localizations: { fr: "Les sommets couverts par les articles, et quels articles en parlent", de: "Die Gipfel, über die die Artikel berichten, und welche Artikel welchen behandeln" },
    render: async (ctx) => renderEvents(await ctx.app.events(), await ctx.app.articles()),
  });
}
