import type { Config } from "../../config.js";
import { askCommand } from "./ask.js";
import { commandRegistry, type Command } from "./command.js";
import { helpCommand, sourcesCommand, summitsCommand } from "./lists.js";
import { searchCommand } from "./search.js";

/** Every slash command, by name: what deploy-commands registers and what the bot runs. */
export function allCommands(config: Config): ReadonlyMap<string, Command> {
  const max = config.answer.maxQuestionChars;
  return commandRegistry([askCommand(max), searchCommand(max), sourcesCommand, summitsCommand, helpCommand]);
}
