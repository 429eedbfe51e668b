import type { App } from "../app.js";
import type { Config } from "../config.js";
import { createBot } from "../discord/bot.js";
import type { Logger } from "../log.js";
import { forTerminal } from "../text/terminal-safe.js";
import { EXIT, type CliIo } from "./io.js";

/**
 * Runs the Discord bot until `io.signal` aborts (SIGINT/SIGTERM in the real
 * process), then shuts down gracefully.
 */
export async function botCommand(io: CliIo, app: App, config: Config, log: Logger): Promise<number> {
  const bot = createBot({ app, config, log });
  const stopped = new Promise<"stopped">((resolve) => {
    if (io.signal?.aborted) resolve("stopped");
    io.signal?.addEventListener("abort", () => resolve("stopped"), { once: true });
  });
  const starting = bot.start().then(() => "started" as const);
  // If a stop wins the race, a later start-up failure no longer matters.
  starting.catch(() => undefined);
  try {
    // start() checks for a stop request before it connects, so stopping during start-up is safe.
    if ((await Promise.race([starting, stopped])) === "stopped") {
      await bot.stop();
      return EXIT.ok;
    }
  } catch (error) {
    await bot.client.destroy();
    throw error;
  }
  io.stderr.write(`${forTerminal(`Bot running as ${bot.client.user?.tag ?? "?"}.`)} Press Ctrl-C to stop.\n`);
  const outcome = await Promise.race([stopped, bot.fatal]);
  log.info("bot.stopping", { inFlight: bot.inFlight });
  await bot.stop();
  if (outcome !== "stopped") {
    io.stderr.write(`${forTerminal(outcome.userMessage)}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
