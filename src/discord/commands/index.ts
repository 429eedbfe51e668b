import type { Config } from "../../config.js";
import { askAboutMessageCommand } from "./ask-about-message.js";
import { askCommand } from "./ask.js";
import { commandRegistry, type Command } from "./command.js";
import { helpCommand } from "./help.js";
import { reloadCommand } from "./reload.js";
import { searchCommand } from "./search.js";
import { sourcesCommand } from "./sources.js";
import { statsCommand } from "./stats.js";
import { summitsCommand } from "./summits.js";

/** Every application command, by name: what deploy-commands registers and what the bot runs. */
export function allCommands(config: Config): ReadonlyMap<string, Command> {
  return commandRegistry([
    askCommand(config),
    searchCommand(config),
    sourcesCommand(config),
    summitsCommand(config),
    helpCommand(config),
    askAboutMessageCommand(config),
    reloadCommand(),
    statsCommand(),
  ]);
}
