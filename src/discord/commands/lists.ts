import { renderArticleList, renderEvents, renderHelp } from "../../render/discord.js";
import type { Command } from "./command.js";

export const sourcesCommand: Command = {
  data: { name: "sources", description: "List the articles the bot answers from", contexts: [0] },
  limited: false,
  ephemeral: () => false,
  run: async (_interaction, ctx) => renderArticleList(await ctx.app.articles()),
};

export const summitsCommand: Command = {
  data: { name: "summits", description: "List the summits the articles cover, and which articles cover each", contexts: [0] },
  limited: false,
  ephemeral: () => false,
  run: async (_interaction, ctx) => renderEvents(await ctx.app.events(), await ctx.app.articles()),
};

export const helpCommand: Command = {
  data: { name: "help", description: "What this bot can do", contexts: [0] },
  limited: false,
  ephemeral: () => true,
  run: async (_interaction, ctx) =>
    renderHelp({ answerMessages: ctx.discord.answerMessages, maxQuestionChars: ctx.config.answer.maxQuestionChars }),
};
