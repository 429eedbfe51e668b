import { INPUT_ERRORS, isAppError, newErrorId } from "../../errors.js";
import { notice, type DiscordMessage } from "../../render/discord.js";
import type { BotContext } from "../context.js";
import { BusyError } from "../limits.js";
import { MESSAGES } from "../texts.js";
import type { Handler, Refusal, Reply, Request } from "./request.js";

/**
 * The one wrapper every request goes through: checks, then acknowledgement
 * within Discord's deadline (a deferral, or typing for a message), the
 * handler (behind the concurrency gate when it answers), the reply, and one
 * log line with the outcome and timings. An error in the handler becomes
 * the member's message; a failure to send is logged and, once, shown in
 * place of the "thinking…" state.
 */
export async function runRequest<S>(req: Request<S>, handler: Handler<S>, ctx: BotContext): Promise<void> {
  const t0 = ctx.now();
  const fields = { req: req.id, kind: req.kind, name: req.name, guild: req.guildId };
  const log = ctx.log.child(fields);
  // The log's event names: "interaction" for slash, context-menu and button requests, "message" for messages.
  const event = req.kind === "message" ? "message" : "interaction";
  let outcome = "answered";
  let deferMs: number | null = null;
  try {
    let refusal: Refusal | null = null;
    try {
      for (const check of handler.checks) if ((refusal = await check(req, ctx))) break;
    } catch (error) {
      // A check that fails is the bot's failure: the member is told, privately, with an error id.
      refusal = { outcome: "failed", message: failureMessage(error, ctx, fields, event) };
    }
    if (refusal) {
      outcome = refusal.outcome;
      if (refusal.message) await req.responder.send([refusal.message], true);
      return;
    }
    const ephemeral = handler.ephemeral(req);
    if (handler.defers) {
      await req.responder.acknowledge(ephemeral);
      deferMs = ctx.now() - t0;
    }
    let reply: Reply;
    try {
      reply = handler.gated ? await ctx.gate.run(() => handler.run(req, ctx)) : await handler.run(req, ctx);
      outcome = reply.outcome ?? "answered";
    } catch (error) {
      outcome = outcomeOf(error);
      reply = { messages: [failureMessage(error, ctx, fields, event)] };
    }
    const sent = await req.responder.send(reply.messages, ephemeral);
    if (reply.afterSend) {
      // The member has the answer: a failure here (a thread not opened, a vote not stored) is logged, not shown.
      await reply.afterSend(sent).catch((error: unknown) => {
        outcome = `${outcome}+after_send_failed`;
        log.error(`${event}.after_send_failed`, { errorId: newErrorId(), error });
      });
    }
  } catch (error) {
    // Sending itself failed (Discord unreachable or refusing the payload, the interaction expired).
    outcome = "send_failed";
    const errorId = newErrorId();
    log.error(`${event}.send_failed`, { errorId, error });
    // Replace what the member sees ("thinking…", a draft) with the notice; never an answer already delivered.
    if (req.responder.acknowledged && !req.responder.delivered) {
      await req.responder.recover(notice(MESSAGES.failed(errorId))).catch((again: unknown) => log.error(`${event}.send_failed`, { errorId, error: again, retry: true }));
    }
  } finally {
    log.info(event, {
      outcome,
      deferMs: deferMs === null ? null : Math.round(deferMs),
      ms: Math.round(ctx.now() - t0),
    });
  }
}

/** How a request that threw ended, for the log line: refused (and why), busy, or failed. */
export function outcomeOf(error: unknown): string {
  return isAppError(error) ? `refused:${error.code}` : error instanceof BusyError ? "busy" : "failed";
}

/**
 * What a failure becomes for the member. A refusal of their input is shown
 * as it is; any other failure is logged with an id the member can quote.
 */
export function failureMessage(error: unknown, ctx: Pick<BotContext, "log">, fields: Record<string, unknown>, event = "interaction"): DiscordMessage {
  if (isAppError(error) && INPUT_ERRORS.has(error.code)) return notice(error.userMessage);
  if (error instanceof BusyError) return notice(MESSAGES.busy);
  const errorId = newErrorId();
  if (isAppError(error)) {
    ctx.log.error(`${event}.failed`, { ...fields, errorId, code: error.code, error, cause: error.cause ?? null });
    return notice(`${error.userMessage} (error id ${errorId})`);
  }
  ctx.log.error(`${event}.failed`, { ...fields, errorId, error });
  return notice(MESSAGES.failed(errorId));
}
