import { renderSearch } from "../../render/discord.js";
import { cleanQuestion } from "../../text/question.js";
import type { Command } from "./command.js";
import { EVENT_OPTION, suggestEvents } from "./event-option.js";

export function searchCommand(maxQuestionChars: number): Command {
  return {
    data: {
      name: "search",
      description: "Show the passages that best match a query, with their scores",
      options: [
        { type: 3, name: "query", description: "Words or a question", required: true, max_length: Math.min(6000, maxQuestionChars) },
        EVENT_OPTION,
      ],
      contexts: [0],
    },
    limited: true,
    check: (i, ctx) => void cleanQuestion(i.options.getString("query", true), ctx.config.answer.maxQuestionChars),
    ephemeral: () => false,
    async run(interaction, ctx) {
      const query = interaction.options.getString("query", true);
      const event = interaction.options.getString("event") ?? undefined;
      const passages = await ctx.app.search(query, { limit: 5, event });
      const articles = new Map((await ctx.app.articles()).map((a) => [a.source, a]));
      return renderSearch(query, passages, (s) => articles.get(s));
    },
    autocomplete: suggestEvents,
  };
}
