import type { AutocompleteInteraction, Interaction, RepliableInteraction } from "discord.js";
import { parseButtonId } from "../render/button-ids.js";
import { notice } from "../render/discord.js";
import { BUTTONS } from "./buttons/index.js";
import type { ButtonHandler } from "./buttons/button.js";
import type { Command } from "./commands/command.js";
import type { BotContext } from "./context.js";
import { placeAllowed, servesPlace } from "./pipeline/checks.js";
import type { EntryKind, Handler, Request } from "./pipeline/request.js";
import { interactionResponder } from "./pipeline/responders.js";
import { runRequest } from "./pipeline/run.js";
import { MESSAGES } from "./texts.js";

/*
 * Interactions into the request pipeline: slash commands, message
 * context-menu commands and buttons each find their handler and run through
 * src/discord/pipeline/run.ts. Autocomplete is not a request (it has no
 * reply message): it answers with suggestions, or none.
 */

export interface InteractionDeps extends BotContext {
  readonly commands: ReadonlyMap<string, Command>;
}

/** The request a repliable interaction makes (name: the command's name, or the button's action). */
export function interactionRequest<S>(interaction: RepliableInteraction, kind: EntryKind, name: string, source: S, ctx: BotContext): Request<S> {
  const channel = interaction.channel;
  return {
    kind,
    name,
    id: interaction.id,
    userId: interaction.user.id,
    guildId: interaction.guildId,
    channelId: channel?.isThread() ? channel.parentId : interaction.channelId,
    inDm: !interaction.inGuild(),
    receivedAt: ctx.now(),
    source,
    responder: interactionResponder(interaction),
  };
}

/** Answers what has no handler (an unknown or removed command, an old button, a modal) rather than leave it hanging. */
const UNKNOWN: Handler = {
  checks: [placeAllowed],
  defers: false,
  gated: false,
  ephemeral: () => true,
  run: async () => ({ messages: [notice(MESSAGES.unknownCommand)], outcome: "unknown_command" }),
};

export async function handleInteraction(interaction: Interaction, deps: InteractionDeps): Promise<void> {
  if (interaction.isAutocomplete()) return autocomplete(interaction, deps);
  if (!interaction.isRepliable()) return;
  // Channel scope needs a thread's parent: a thread the bot has not cached (a private one, say) is fetched once.
  if (deps.discord.allowedChannels.length && !interaction.channel && interaction.channelId && interaction.inGuild()) {
    await interaction.client.channels.fetch(interaction.channelId).catch(() => null);
  }
  if (interaction.isChatInputCommand() || interaction.isMessageContextMenuCommand()) {
    const slash = interaction.isChatInputCommand();
    const command = deps.commands.get(interaction.commandName);
    // A command of the other kind under this name (or none) is answered as unknown.
    const handler = command?.kind === (slash ? "slash" : "message_menu") ? (command as Handler) : UNKNOWN;
    return runRequest(interactionRequest(interaction, slash ? "command" : "context_menu", interaction.commandName, interaction, deps), handler, deps);
  }
  if (interaction.isButton()) {
    const action = parseButtonId(interaction.customId);
    if (!action) return runRequest(interactionRequest(interaction, "button", "unknown", interaction, deps), UNKNOWN, deps);
    const handler = BUTTONS[action.kind] as ButtonHandler;
    return runRequest(interactionRequest(interaction, "button", action.kind, { interaction, action }, deps), handler, deps);
  }
  // User context menus, modals, select menus: none are registered.
  return runRequest(interactionRequest(interaction, "command", "unknown", interaction, deps), UNKNOWN, deps);
}

async function autocomplete(interaction: AutocompleteInteraction, deps: InteractionDeps): Promise<void> {
  const cmd = deps.commands.get(interaction.commandName);
  try {
    const allowed = servesPlace({ inDm: !interaction.inGuild(), guildId: interaction.guildId }, deps.discord);
    if (cmd?.kind !== "slash" || !cmd.autocomplete || !allowed) await interaction.respond([]);
    else await cmd.autocomplete(interaction, deps);
  } catch (error) {
    deps.log.warn("autocomplete.failed", { req: interaction.id, command: interaction.commandName, error });
  }
}

