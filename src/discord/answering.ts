import { INPUT_ERRORS, isAppError } from "../errors.js";
import { answerButtons } from "../render/button-ids.js";
import { renderAnswer, type DiscordMessage } from "../render/discord.js";
import type { Answer } from "../types.js";
import type { BotContext } from "./context.js";
import { previewer } from "./pipeline/previews.js";
import type { Request } from "./pipeline/request.js";

/*
 * Answering a question, the same for /ask, "Ask about this message" and
 * messages: previews while a model writes, the answer kept for its buttons,
 * counted for /stats, rendered with the event's name.
 */

export interface Asked {
  readonly question: string;
  /** Only articles about this event (an id from app.events()). */
  readonly event?: string;
}

export async function answerQuestion(req: Request, ctx: BotContext, asked: Asked): Promise<{ messages: DiscordMessage[]; answer: Answer }> {
  const previews = ctx.config.llm.provider === "none" ? null : previewer(req.responder, ctx);
  let answer: Answer;
  try {
    answer = await ctx.app.ask(asked.question, { requestId: req.id, event: asked.event, ...(previews ? { onPartial: (t: string) => previews.show(t) } : {}) });
  } catch (error) {
    // A refused question (too long, empty) is the member's input, not the bot failing.
    if (!(isAppError(error) && INPUT_ERRORS.has(error.code))) ctx.stats.record({ failed: true, ms: ctx.now() - req.receivedAt });
    throw error;
  } finally {
    // The answer (or the error) must land after the last preview, never under it.
    await previews?.done();
  }
  ctx.stats.record({ ms: ctx.now() - req.receivedAt, abstained: answer.abstained });
  const answerId = await ctx.answers.remember(answer);
  const eventName = await eventNameOf(ctx, asked.event ?? null);
  return { messages: renderAnswer(answer, { buttons: answerButtons(answerId, answer.citations.length > 0), eventName }), answer };
}

/** The name of event `id`, for footers. */
export async function eventNameOf(ctx: Pick<BotContext, "app">, id: string | null): Promise<string | undefined> {
  if (!id) return undefined;
  return (await ctx.app.events()).find((e) => e.id === id)?.name ?? id;
}
