import type { AutocompleteInteraction, ChatInputCommandInteraction } from "discord.js";
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from "discord-api-types/v10";
import { z } from "zod";
import type { DiscordMessage } from "../../render/discord.js";
import type { BotContext } from "../context.js";

/**
 * A slash command: plain data (what Discord registers) and what runs when a
 * member uses it. `run` returns the messages to send; deferring, limits,
 * errors and sending are handled once, in src/discord/interactions.ts.
 */
export interface Command {
  readonly data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** Counts against the member's rate limit and the concurrency cap (it searches or answers). */
  readonly limited: boolean;
  /**
   * Refuses bad input at once (throwing AppError), before deferring, so the
   * refusal is shown only to the member and costs no rate-limit allowance.
   */
  check?(interaction: ChatInputCommandInteraction, ctx: BotContext): void;
  /** Whether the reply is shown only to the member; decided before deferring. */
  ephemeral(interaction: ChatInputCommandInteraction): boolean;
  run(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<DiscordMessage[]>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
}

const commandSchema = z.object({
  data: z.object({
    name: z.string().regex(/^[-_\p{L}\p{N}]{1,32}$/u),
    description: z.string().min(1).max(100),
  }),
  limited: z.boolean(),
  ephemeral: z.function(),
  run: z.function(),
});

/** Checks the commands and indexes them by name; a malformed or duplicate command is a programming error. */
export function commandRegistry(commands: readonly Command[]): ReadonlyMap<string, Command> {
  const map = new Map<string, Command>();
  for (const command of commands) {
    const parsed = commandSchema.safeParse(command);
    if (!parsed.success) throw new Error(`invalid command ${command.data?.name ?? "?"}: ${z.prettifyError(parsed.error)}`);
    if (map.has(command.data.name)) throw new Error(`two commands are named ${command.data.name}`);
    map.set(command.data.name, command);
  }
  return map;
}
