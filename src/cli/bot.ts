import type { App } from "../app.js";
import type { Config } from "../config.js";
import { Events } from "discord.js";
import { createBot } from "../discord/bot.js";
import type { Logger } from "../log.js";
import { forTerminal } from "../text/terminal-safe.js";
import { heartbeatFile, startHeartbeat } from "./health.js";
import { EXIT, type CliIo } from "./io.js";

/**
 * Runs the Discord bot until `io.signal` aborts (SIGINT/SIGTERM in the real
 * process), then shuts down gracefully.
 */
export async function botCommand(io: CliIo, app: App, config: Config, log: Logger): Promise<number> {
  const bot = createBot({ app, config, log });
  // For supervisors: `summit health` reads this file (see README, "Deploying").
  let started = false;
  const heartbeat = startHeartbeat(
    heartbeatFile(config),
    () => {
      // The index answering now: a reload (followIndex, below) replaces it.
      const summary = started ? app.indexSummary() : null;
      return { index: summary && { articles: summary.articles, chunks: summary.chunks, embedder: summary.embedder }, guilds: bot.client.guilds.cache.size, inFlight: bot.inFlight };
    },
    log,
  );
  bot.client.on(Events.ShardReconnecting, () => void heartbeat.beat("reconnecting"));
  bot.client.on(Events.ShardDisconnect, () => void heartbeat.beat("reconnecting"));
  // Back after a reconnect; the first "ready" is written once the bot has started (below).
  let stopping = false;
  const back = () => void (started && !stopping && heartbeat.beat("ready"));
  bot.client.on(Events.ShardResume, back);
  bot.client.on(Events.ShardReady, back);
  try {
    return await run();
  } finally {
    await heartbeat.stop();
  }

  async function run(): Promise<number> {
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
    started = true;
    await heartbeat.beat("ready");
    io.stderr.write(`${forTerminal(`Bot running as ${bot.client.user?.tag ?? "?"}.`)} Press Ctrl-C to stop.\n`);
    // Builds another process (`npm run ingest`) makes current are picked up between questions.
    const stopFollowing = app.followIndex();
    const outcome = await Promise.race([stopped, bot.fatal]);
    stopFollowing();
    log.info("bot.stopping", { inFlight: bot.inFlight });
    stopping = true;
    // Not awaited: a slow data volume must not hold up the drain.
    void heartbeat.beat("stopping");
    try {
      await bot.stop();
    } finally {
      await app.close();
    }
    if (outcome !== "stopped") {
      io.stderr.write(`${forTerminal(outcome.userMessage)}\n`);
      // A rejected token or refused intent is configuration, as when it is found at login.
      return outcome.code === "CONFIG_INVALID" ? EXIT.usage : EXIT.failed;
    }
    return EXIT.ok;
  }
}
