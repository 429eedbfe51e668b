import { createApp, type App, type AppOverrides } from "../app.js";
import { loadConfig, type Config } from "../config.js";
import { errorDetail, INPUT_ERRORS, isAppError, newErrorId } from "../errors.js";
import { createLogger, type Logger } from "../log.js";
import { forTerminal } from "../text/terminal-safe.js";
import { askCommand, ASK_USAGE } from "./ask.js";
import { consoleCommand } from "./console.js";
import { evalCommand, EVAL_USAGE } from "./eval.js";
import { healthCommand, HEALTH_USAGE } from "./health.js";
import { ingestCommand } from "./ingest.js";
import { EXIT, type CliIo } from "./io.js";

const USAGE = `Usage: summit <command> [options]
Commands:
  console                 interactive dev console (npm run console)
  ask [--json] QUESTION   answer one question (npm run ask -- "...")
  ingest [--force]        build or update the index (npm run ingest)
  eval --qa FILE          score the bot on a question file (npm run eval -- --qa FILE)
  bot                     run the Discord bot (npm start)
  deploy-commands         register the slash commands with Discord (npm run deploy-commands)
  ${HEALTH_USAGE}
${ASK_USAGE}
${EVAL_USAGE}`;

/**
 * Runs one CLI command with the given arguments and streams; returns the exit
 * code. Tests call this directly instead of spawning processes.
 */
export async function runMain(argv: readonly string[], io: CliIo, overrides: AppOverrides = {}): Promise<number> {
  const [command, ...args] = argv;
  let config: Config;
  try {
    config = loadConfig(io.env, io.cwd);
  } catch (error) {
    io.stderr.write(`${forTerminal(isAppError(error) ? error.userMessage : errorDetail(error))}\n`);
    return EXIT.usage;
  }
  const log: Logger = overrides.log ?? createLogger({ ...config.log, write: (line) => io.stderr.write(`${line}\n`) });
  const makeApp = (c: Config): App => createApp(c, { ...overrides, log, ...(io.signal ? { signal: io.signal } : {}) });

  /** A user-facing message for `error`; unexpected errors get an id that points to the logged stack. */
  const reportError = (error: unknown): string => {
    if (isAppError(error)) {
      // Refused input needs no log line; a failure of the system keeps its technical cause in the log.
      if (!INPUT_ERRORS.has(error.code)) log.warn("request_failed", { code: error.code, cause: error.cause ?? null });
      return error.userMessage;
    }
    const id = newErrorId();
    log.error("internal_error", { errorId: id, error });
    return `Something went wrong (error id ${id}). The details are in the log.`;
  };

  try {
    switch (command) {
      case "console":
        return await consoleCommand(io, makeApp(config), reportError);
      case "ask":
        return await askCommand(args, io, makeApp(config));
      case "ingest":
        return await ingestCommand(args, io, makeApp(config));
      case "eval":
        return await evalCommand(args, io, config, makeApp);
      case "bot":
        // discord.js is loaded only by the commands that talk to Discord (~0.6 s of every other start).
        return await (await import("./bot.js")).botCommand(io, makeApp(config), config, log);
      case "health":
        return await healthCommand(args, io, config);
      case "deploy-commands":
        return await (await import("./deploy-commands.js")).deployCommandsCommand(args, io, config);
      case undefined:
      case "help":
      case "--help":
        io.stdout.write(`${USAGE}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        io.stderr.write(`${forTerminal(`Unknown command "${command}".`)}\n${USAGE}\n`);
        return EXIT.usage;
    }
  } catch (error) {
    if ((error as { code?: unknown }).code?.toString().startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`${forTerminal(errorDetail(error))}\n${USAGE}\n`);
      return EXIT.usage;
    }
    // Stopping was asked for: say so, without an error line in the log.
    if (isAppError(error) && error.code === "STOPPED") {
      io.stderr.write(`${forTerminal(error.userMessage)}\n`);
      return EXIT.stopped;
    }
    io.stderr.write(`${forTerminal(reportError(error))}\n`);
    // Usage and configuration (a missing or rejected token, refused intents) are the operator's to fix: 2.
    if (isAppError(error)) return error.code === "BAD_USAGE" || error.code === "CONFIG_INVALID" ? EXIT.usage : EXIT.failed;
    return EXIT.internal;
  }
}
