import type { App } from "../app.js";
import type { Config } from "../config.js";
import { createBot } from "../discord/bot.js";
import type { Logger } from "../log.js";
import { EXIT, type CliIo } from "./io.js";

/**
 * Runs the Discord bot until `io.signal` aborts (SIGINT/SIGTERM in the real
 * process), then shuts down gracefully.
 */
export async function botCommand(io: CliIo, app: App, config: Config, log: Logger): Promise<number> {
  const bot = createBot({ app, config, log });
  const stopped = new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await Promise.race([bot.start(), stopped]);
  } catch (error) {
    await bot.client.destroy();
    throw error;
  }
  io.stderr.write(`Bot running as ${bot.client.user?.tag ?? "?"}. Press Ctrl-C to stop.\n`);
  await stopped;
  log.info("bot.stopping", { inFlight: bot.inFlight });
  await bot.stop();
  return EXIT.ok;
}
