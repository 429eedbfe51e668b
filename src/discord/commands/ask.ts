import { MessageFlags, type ChatInputCommandInteraction } from "discord.js";
import { renderAnswer, renderPreview } from "../../render/discord.js";
import { rememberAnswer, type BotContext } from "../context.js";
import { cleanQuestion } from "../../text/question.js";
import type { Command } from "./command.js";
import { EVENT_OPTION, eventName, suggestEvents } from "./event-option.js";

/** Shortest time between two preview edits of a reply while a model writes (Discord rate-limits edits). */
export const PREVIEW_INTERVAL_MS = 1000;

/**
 * Shows a model's text in the deferred reply as it is written: at most one
 * edit at a time and about one a second, always the latest text, marked as
 * not yet checked. `done` waits for the edit in flight and stops further
 * ones, so the checked answer (or an error) is always the last word.
 */
function previewer(interaction: ChatInputCommandInteraction, ctx: BotContext) {
  let last = -Infinity;
  let latest: string | null = null;
  let inFlight: Promise<void> | null = null;
  let finished = false;
  const send = () => {
    if (finished || inFlight || latest === null || ctx.now() - last < PREVIEW_INTERVAL_MS || !interaction.deferred) return;
    const text = latest;
    latest = null;
    last = ctx.now();
    const preview = renderPreview(text);
    inFlight = interaction
      .editReply({ content: preview.content ?? "", embeds: [], components: [], allowedMentions: preview.allowedMentions, flags: MessageFlags.SuppressEmbeds })
      .then(
        () => undefined,
        (error: unknown) => ctx.log.warn("preview.failed", { error }),
      )
      .finally(() => {
        inFlight = null;
      });
  };
  return {
    show(text: string) {
      if (ctx.shuttingDown()) finished = true;
      latest = text;
      send();
    },
    async done() {
      finished = true;
      await inFlight;
    },
  };
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
      const previews = ctx.config.llm.provider === "none" ? null : previewer(interaction, ctx);
      let answer;
      try {
        answer = await ctx.app.ask(question, { requestId: interaction.id, event, ...(previews ? { onPartial: (t: string) => previews.show(t) } : {}) });
      } finally {
        // The answer (or the error) must land after the last preview, never under it.
        await previews?.done();
      }
      return renderAnswer(answer, { answerId: rememberAnswer(ctx, answer), eventName: await eventName(ctx, event ?? null) });
    },
    autocomplete: suggestEvents,
  };
}
