import type { AutocompleteInteraction, ChatInputCommandInteraction, MessageContextMenuCommandInteraction } from "discord.js";
import type { RESTPostAPIChatInputApplicationCommandsJSONBody, RESTPostAPIContextMenuApplicationCommandsJSONBody } from "discord-api-types/v10";
import type { BotContext } from "../context.js";
import type { Handler } from "../pipeline/request.js";

/**
 * A slash command: what Discord registers (built with discord.js's
 * SlashCommandBuilder, which checks names, lengths and option counts) and the
 * handler the request pipeline runs (src/discord/pipeline/run.ts does the
 * checks, deferral, errors, sending and logging).
 */
export interface SlashCommand extends Handler<ChatInputCommandInteraction> {
  readonly kind: "slash";
  readonly data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
}

/** A message context-menu command (right-click a message > Apps). */
export interface MessageMenuCommand extends Handler<MessageContextMenuCommandInteraction> {
  readonly kind: "message_menu";
  readonly data: RESTPostAPIContextMenuApplicationCommandsJSONBody;
}

export type Command = SlashCommand | MessageMenuCommand;

/**
 * A command as deploy-commands sends it. Discord's OpenAPI description types
 * default_member_permissions in a request as an integer (a permission bit
 * set below 2^54), while discord.js's builders (and discord-api-types) give
 * the string form Discord sends back; the request uses the integer.
 */
export function registrationBody(command: Command): Omit<Command["data"], "default_member_permissions"> & { default_member_permissions?: number | null } {
  const { default_member_permissions: permissions, ...rest } = command.data;
  return permissions === undefined ? rest : { ...rest, default_member_permissions: permissions === null ? null : Number(permissions) };
}

/** Indexes the commands by name; a duplicate name is a programming error. */
export function commandRegistry(commands: readonly Command[]): ReadonlyMap<string, Command> {
  const map = new Map<string, Command>();
  for (const command of commands) {
    if (map.has(command.data.name)) throw new Error(`two commands are named ${command.data.name}`);
    map.set(command.data.name, command);
  }
  return map;
}
