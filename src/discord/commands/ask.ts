import { randomBytes } from "node:crypto";
import type { ChatInputCommandInteraction } from "discord.js";
import { renderAnswer } from "../../render/discord.js";
import { cleanQuestion } from "../../text/question.js";
import type { Command } from "./command.js";
import { EVENT_OPTION, eventName, suggestEvents } from "./event-option.js";

/** A short id for an answer, carried by its buttons. */
export function newAnswerId(): string {
  return randomBytes(6).toString("base64url");
}

export function askCommand(maxQuestionChars: number): Command {
  return {
    data: {
      name: "ask",
      description: "Ask about the EU–China summits; the answer quotes the articles",
      options: [
        // Discord lets an option hold up to 6000 characters; the bot's own limit applies too.
        { type: 3, name: "question", description: "Your question", required: true, max_length: Math.min(6000, maxQuestionChars) },
        { type: 5, name: "private", description: "Show the answer only to you", required: false },
        EVENT_OPTION,
      ],
      contexts: [0],
    },
    limited: true,
    check: (i, ctx) => void cleanQuestion(i.options.getString("question", true), ctx.config.answer.maxQuestionChars),
    ephemeral: (i: ChatInputCommandInteraction) => i.options.getBoolean("private") ?? false,
    async run(interaction, ctx) {
      const question = interaction.options.getString("question", true);
      const event = interaction.options.getString("event") ?? undefined;
      const answer = await ctx.app.ask(question, { requestId: interaction.id, event });
      const answerId = newAnswerId();
      ctx.answers.set(answerId, { answer, guildId: interaction.guildId });
      return renderAnswer(answer, { answerId, eventName: await eventName(ctx, event ?? null) });
    },
    autocomplete: suggestEvents,
  };
}
