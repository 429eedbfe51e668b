import { ApplicationCommandType, REST, Routes } from "discord.js";
import { parseArgs } from "node:util";
import { requireDiscord, type Config } from "../config.js";
import { registrationBody } from "../discord/commands/command.js";
import { allCommands } from "../discord/commands/index.js";
import { EXIT, type CliIo } from "./io.js";

/**
 * Registers the slash commands with Discord: to DISCORD_DEV_GUILD_ID when set
 * (instant, for development), else globally (`--global` forces it). Start-up
 * never does this; run it when the commands change.
 */
export async function deployCommandsCommand(args: string[], io: CliIo, config: Config): Promise<number> {
  const { values } = parseArgs({ args, options: { global: { type: "boolean", default: false } } });
  const discord = requireDiscord(config);
  const body = [...allCommands(config).values()].map(registrationBody);
  const rest = new REST({ api: discord.apiUrl }).setToken(discord.token);
  const guild = values.global ? null : discord.devGuildId;
  const route = guild ? Routes.applicationGuildCommands(discord.applicationId, guild) : Routes.applicationCommands(discord.applicationId);
  const result = (await rest.put(route, { body })) as unknown[];
  io.stdout.write(
    `Registered ${result.length} commands (${body.map((c) => (c.type === ApplicationCommandType.Message ? `“${c.name}” (message menu)` : `/${c.name}`)).join(", ")}) ${guild ? `in guild ${guild}` : "globally (it can take up to an hour to show everywhere)"}.\n`,
  );
  return EXIT.ok;
}
