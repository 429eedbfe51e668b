import {
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type RepliableInteraction,
} from "discord.js";
import { INPUT_ERRORS, isAppError, newErrorId } from "../errors.js";
import { notice, renderEvidence, type DiscordMessage } from "../render/discord.js";
import type { Command } from "./commands/command.js";
import { guildAllowed, type BotContext } from "./context.js";
import { isAnswerId, type FeedbackEntry } from "./feedback-store.js";
import { BusyError } from "./limits.js";

/*
 * The one place where interactions are acknowledged, limited, run, answered
 * and logged. Every interaction is answered: within Discord's 3 seconds by an
 * immediate reply (refusals, buttons) or a deferral, then by an edit.
 */

export interface InteractionDeps extends BotContext {
  readonly commands: ReadonlyMap<string, Command>;
}

export const MESSAGES = {
  notAllowedHere: "I'm not enabled on this server.",
  restarting: "I'm restarting right now. Please ask again in a minute.",
  busy: "I'm answering a lot of questions right now. Please try again in a minute.",
  unknownCommand: "I don't know that command. Type /help to see what I can do.",
  forgottenAnswer: "I no longer have that answer in memory (it is too old, or I restarted). Ask the question again to see its sources.",
  alreadyVoted: "You already gave this answer that vote.",
  rateLimited: (ms: number) => `You're asking faster than I can keep up. Please wait ${Math.max(1, Math.ceil(ms / 1000))} s before your next question.`,
  failed: (id: string) => `Sorry, something went wrong on my side (error id ${id}). Please try again later.`,
  thanks: (vote: "up" | "down") => `Thanks, your ${vote === "up" ? "👍" : "👎"} is recorded.`,
};

const EPHEMERAL = MessageFlags.Ephemeral;

/** The payload as discord.js options for a reply, a follow-up or an edit. */
function options(m: DiscordMessage, flags = 0) {
  return {
    content: m.content ?? "",
    embeds: m.embeds,
    components: m.components ?? [],
    allowedMentions: m.allowedMentions,
    ...(m.flags || flags ? { flags: (m.flags ?? 0) | flags } : {}),
  };
}

/** Sends `messages` as the interaction's reply (editing the deferral when there is one) and follow-ups. */
export async function respond(interaction: RepliableInteraction, messages: readonly DiscordMessage[], ephemeral: boolean): Promise<void> {
  const [first, ...rest] = messages;
  if (!first) return;
  const flags = ephemeral ? EPHEMERAL : 0;
  if (interaction.deferred) {
    const { flags: messageFlags, ...edit } = options(first);
    // An edit cannot make a message ephemeral; only link-preview suppression carries over.
    await interaction.editReply(messageFlags ? { ...edit, flags: messageFlags & MessageFlags.SuppressEmbeds } : edit);
  } else if (interaction.replied) {
    await interaction.followUp(options(first, flags));
  } else {
    await interaction.reply(options(first, flags));
  }
  for (const m of rest) await interaction.followUp(options(m, flags));
}

/**
 * What a failure becomes for the member. A refusal of their input is shown
 * as it is; any other failure is logged with an id the member can quote.
 */
export function failureMessage(error: unknown, ctx: BotContext, fields: Record<string, unknown>): DiscordMessage {
  if (isAppError(error) && INPUT_ERRORS.has(error.code)) return notice(error.userMessage);
  if (error instanceof BusyError) return notice(MESSAGES.busy);
  const errorId = newErrorId();
  if (isAppError(error)) {
    ctx.log.error("interaction.failed", { ...fields, errorId, code: error.code, error, cause: error.cause ?? null });
    return notice(`${error.userMessage} (error id ${errorId})`);
  }
  ctx.log.error("interaction.failed", { ...fields, errorId, error });
  return notice(MESSAGES.failed(errorId));
}

/**
 * Sending the answer failed after the deferral: try once to replace the
 * "thinking…" message, so the member is not left waiting, and log the id.
 */
async function reportSendFailure(interaction: RepliableInteraction, error: unknown, log: BotContext["log"]): Promise<void> {
  const errorId = newErrorId();
  log.error("interaction.send_failed", { errorId, error });
  if (!interaction.deferred && !interaction.replied) return;
  try {
    await interaction.editReply(options(notice(MESSAGES.failed(errorId))));
  } catch (again) {
    log.error("interaction.send_failed", { errorId, error: again, retry: true });
  }
}


export async function handleInteraction(interaction: Interaction, deps: InteractionDeps): Promise<void> {
  if (interaction.isAutocomplete()) return autocomplete(interaction, deps);
  if (!interaction.isRepliable()) return;
  if (!guildAllowed(deps, interaction.guildId)) {
    await interaction.reply(options(notice(MESSAGES.notAllowedHere), EPHEMERAL));
    return;
  }
  if (interaction.isChatInputCommand()) return command(interaction, deps);
  if (interaction.isButton()) return button(interaction, deps);
  // Context menus, modals, select menus: none are registered, but answer rather than leave them hanging.
  await interaction.reply(options(notice(MESSAGES.unknownCommand), EPHEMERAL));
}

async function command(interaction: ChatInputCommandInteraction, deps: InteractionDeps): Promise<void> {
  const t0 = deps.now();
  const req = interaction.id;
  const cmd = deps.commands.get(interaction.commandName);
  const log = deps.log.child({ req, command: interaction.commandName, guild: interaction.guildId });
  let outcome = "answered";
  let deferMs: number | null = null;
  try {
    if (!cmd) {
      outcome = "unknown_command";
      await respond(interaction, [notice(MESSAGES.unknownCommand)], true);
      return;
    }
    if (deps.shuttingDown()) {
      outcome = "shutting_down";
      await respond(interaction, [notice(MESSAGES.restarting)], true);
      return;
    }
    try {
      cmd.check?.(interaction, deps);
    } catch (error) {
      outcome = isAppError(error) ? `refused:${error.code}` : "failed";
      await respond(interaction, [failureMessage(error, deps, { req, command: interaction.commandName })], true);
      return;
    }
    if (cmd.limited) {
      const take = deps.limiter.take(interaction.user.id, deps.now());
      if (!take.ok) {
        outcome = "rate_limited";
        await respond(interaction, [notice(MESSAGES.rateLimited(take.retryAfterMs))], true);
        return;
      }
    }
    const ephemeral = cmd.ephemeral(interaction);
    await interaction.deferReply(ephemeral ? { flags: EPHEMERAL } : {});
    deferMs = deps.now() - t0;
    let messages: DiscordMessage[];
    try {
      messages = cmd.limited ? await deps.gate.run(() => cmd.run(interaction, deps)) : await cmd.run(interaction, deps);
    } catch (error) {
      outcome = outcomeOf(error);
      messages = [failureMessage(error, deps, { req, command: interaction.commandName })];
    }
    await respond(interaction, messages, ephemeral);
  } catch (error) {
    // Sending itself failed (Discord unreachable or refusing the payload, the interaction expired).
    outcome = "send_failed";
    await reportSendFailure(interaction, error, log);
  } finally {
    log.info("interaction", { kind: "command", outcome, deferMs: deferMs === null ? null : Math.round(deferMs), ms: Math.round(deps.now() - t0) });
  }
}

async function autocomplete(interaction: AutocompleteInteraction, deps: InteractionDeps): Promise<void> {
  const cmd = deps.commands.get(interaction.commandName);
  try {
    if (!cmd?.autocomplete || !guildAllowed(deps, interaction.guildId)) await interaction.respond([]);
    else await cmd.autocomplete(interaction, deps);
  } catch (error) {
    deps.log.warn("autocomplete.failed", { req: interaction.id, command: interaction.commandName, error });
  }
}

async function button(interaction: ButtonInteraction, deps: InteractionDeps): Promise<void> {
  const t0 = deps.now();
  const [kind, ...rest] = interaction.customId.split(":");
  const log = deps.log.child({ req: interaction.id, button: kind, guild: interaction.guildId });
  let outcome = "ok";
  try {
    const take = deps.buttonLimiter.take(interaction.user.id, deps.now());
    if (!take.ok) {
      outcome = "rate_limited";
      await respond(interaction, [notice(MESSAGES.rateLimited(take.retryAfterMs))], true);
      return;
    }
    if (kind === "sources") {
      const sent = deps.answers.get(rest[0] ?? "");
      if (!sent) outcome = "forgotten";
      await respond(interaction, sent ? renderEvidence(sent) : [notice(MESSAGES.forgottenAnswer)], true);
    } else if (kind === "feedback" && (rest[0] === "up" || rest[0] === "down") && isAnswerId(rest[1] ?? "")) {
      const vote = rest[0];
      const answerId = rest[1] ?? "";
      // Answered at once from memory; the store keeps the last vote per member and answer across restarts.
      const voteKey = `${answerId}:${interaction.user.id}`;
      if (deps.votes.get(voteKey) === vote) {
        outcome = "repeated_vote";
        await respond(interaction, [notice(MESSAGES.alreadyVoted)], true);
        return;
      }
      deps.votes.set(voteKey, vote);
      // Acknowledge first: the disk write must not hold the member past Discord's deadline.
      await respond(interaction, [notice(MESSAGES.thanks(vote))], true);
      const sent = deps.answers.get(answerId);
      // After a restart the answer is gone from memory; the message itself still shows it.
      const shown = interaction.message.embeds[0];
      const entry: FeedbackEntry = {
        at: new Date().toISOString(),
        vote,
        userHash: await deps.feedback.hashUser(interaction.user.id),
        guildId: interaction.guildId,
        answerId,
        question: sent?.question ?? shown?.title ?? "",
        answer: sent?.text ?? shown?.description ?? "",
        citations: (sent?.citations ?? []).map(({ n, source, start, end, quote }) => ({ n, source, start, end, quote })),
      };
      await deps.feedback.record(entry);
      log.debug("feedback.recorded", { answerId, vote });
    } else {
      outcome = "unknown_button";
      await respond(interaction, [notice(MESSAGES.unknownCommand)], true);
    }
  } catch (error) {
    outcome = "failed";
    if (interaction.replied || interaction.deferred) {
      await reportSendFailure(interaction, error, log);
    } else {
      const message = failureMessage(error, deps, { req: interaction.id, button: kind });
      await respond(interaction, [message], true).catch((e: unknown) => log.error("interaction.send_failed", { error: e }));
    }
  } finally {
    log.info("interaction", { kind: "button", outcome, ms: Math.round(deps.now() - t0) });
  }
}

/** How a request that threw ended, for the log line: refused (and why), busy, or failed. */
export function outcomeOf(error: unknown): string {
  return isAppError(error) ? `refused:${error.code}` : error instanceof BusyError ? "busy" : "failed";
}
