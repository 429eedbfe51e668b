import { performance } from "node:perf_hooks";
import { Client, Events, GatewayCloseCodes, GatewayIntentBits, Partials, type ClientOptions, type RepliableInteraction } from "discord.js";
import type { App } from "../app.js";
import { requireDiscord, type Config, type DiscordConfig } from "../config.js";
import { AppError, errorChain, errorDetail } from "../errors.js";
import type { Logger } from "../log.js";
import { notice } from "../render/discord.js";
import { settlesWithin } from "../util/deadline.js";
import { allCommands } from "./commands/index.js";
import type { BotContext, Turn } from "./context.js";
import { handleInteraction } from "./interactions.js";
import { LruMap } from "../util/lru.js";
import { ConcurrencyGate } from "./limits.js";
import { handleMessage } from "./messages.js";
import { editReplyOptions, messageEditOptions } from "./payload.js";
import { createSharedState } from "./shared-state.js";
import { BotStats } from "./stats.js";
import { MESSAGES } from "./texts.js";

export interface Bot {
  readonly client: Client;
  /** Loads the index, logs in, and resolves once Discord says the bot is ready. */
  start(): Promise<void>;
  /**
   * Stops taking questions, lets the ones in flight finish (up to `graceMs`;
   * those still running then are told the bot is restarting), disconnects,
   * and flushes feedback.
   */
  stop(graceMs?: number): Promise<void>;
  /** Questions being answered right now. */
  readonly inFlight: number;
  /** Settles when Discord closed the connection for good (bad token, refused intents); the process should stop. */
  readonly fatal: Promise<AppError>;
}

/** Longest a stop waits for votes and answers to be written. */
const FLUSH_MS = 2_000;

/** Gateway close codes after which reconnecting cannot help. */
const FATAL_CLOSE_CODES = new Set<number>([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

/** Login failures a person can fix, as messages saying how. */
function explainLoginFailure(error: unknown, answerMessages: boolean, apiUrl: string): AppError | null {
  const text = `${errorDetail(error)} ${errorChain(error).map((e) => `${String(e.code ?? "")} ${String(e.message ?? "")}`).join(" ")}`;
  if (/TokenInvalid|\b401\b|\b4004\b|Authentication failed/i.test(text)) {
    return new AppError("CONFIG_INVALID", "Discord rejected DISCORD_TOKEN (wrong, or reset since). Copy the bot's current token from the Developer Portal (Bot > Reset Token) into .env.", { cause: error });
  }
  if (/disallowed intents|\b4014\b/i.test(text) && answerMessages) {
    return new AppError(
      "CONFIG_INVALID",
      "Discord refused the Message Content intent. Switch on Message Content Intent in the Developer Portal (Bot > Privileged Gateway Intents), or set DISCORD_ANSWER_MESSAGES=false to use slash commands only.",
      { cause: error },
    );
  }
  if (NETWORK_FAILURE.test(text)) {
    return new AppError(
      "DISCORD_UNREACHABLE",
      `Could not reach Discord at ${apiUrl} (${networkCause(error)}). Check this machine's network, proxy or firewall, and DISCORD_API_URL; the bot was not started.`,
      { cause: error },
    );
  }
  return null;
}

/** What undici and Node report when the connection itself failed (no answer from Discord at all). */
const NETWORK_FAILURE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET|fetch failed/i;

/** The innermost cause's code or message ("getaddrinfo ENOTFOUND discord.com" -> ENOTFOUND). */
function networkCause(error: unknown): string {
  const inner = errorChain(error).at(-1);
  return typeof inner?.code === "string" ? inner.code : errorDetail(inner);
}

export interface BotOptions {
  readonly app: App;
  readonly config: Config;
  readonly log: Logger;
  /** Extra discord.js client options (tests tune timeouts); intents and REST base come from the config. */
  readonly clientOptions?: Partial<ClientOptions>;
}

/** Gateway intents: message content only when the bot answers messages (a privileged intent); DMs only when it answers them. */
export function intentsFor(discord: { answerMessages: boolean; answerDms: boolean }): GatewayIntentBits[] {
  return [
    GatewayIntentBits.Guilds,
    ...(discord.answerMessages ? [GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent] : []),
    ...(discord.answerDms ? [GatewayIntentBits.DirectMessages] : []),
  ];
}

/** The discord.js client's shard options for DISCORD_SHARDS / DISCORD_SHARD_IDS (none: one shard). */
export function shardOptions(shards: DiscordConfig["shards"]): Pick<ClientOptions, "shards" | "shardCount"> {
  if (!shards) return {};
  if (shards.count === "auto") return { shards: "auto" };
  return { shards: shards.ids ? [...shards.ids] : Array.from({ length: shards.count }, (_, i) => i), shardCount: shards.count };
}

export function createBot({ app, config, log, clientOptions = {} }: BotOptions): Bot {
  const discord = requireDiscord(config);
  const client = new Client({
    ...clientOptions,
    ...shardOptions(discord.shards),
    intents: intentsFor(discord),
    // A DM channel is not cached before its first message: without this partial its messages are dropped.
    partials: discord.answerDms ? [Partials.Channel] : [],
    rest: { ...clientOptions.rest, api: discord.apiUrl },
    // A default for everything the client sends; each payload also sets it.
    allowedMentions: { parse: [], repliedUser: false },
  });
  let stopping = false;
  let indexLoadedAt: Date | null = null;
  let reloading: Promise<unknown> | null = null;
  const shared = createSharedState(config, discord, log);
  const ctx: BotContext = {
    app,
    config,
    discord,
    log,
    limiter: shared.limiter,
    lightLimiter: shared.lightLimiter,
    votes: new LruMap<string, "up" | "down">(20_000),
    gate: new ConcurrencyGate({ max: discord.maxConcurrent, queue: discord.maxQueued }),
    answers: shared.answers,
    conversations: new LruMap<string, Turn>(5000),
    drafts: new Set(),
    feedback: shared.feedback,
    stats: new BotStats(),
    botId: () => client.user?.id ?? null,
    now: () => performance.now(),
    shuttingDown: () => stopping,
    indexLoadedAt: () => indexLoadedAt,
    async exclusiveReload(work) {
      if (reloading) return null;
      const run = work();
      reloading = run;
      try {
        const result = await run;
        indexLoadedAt = new Date();
        return result;
      } finally {
        reloading = null;
      }
    },
  };
  const commands = allCommands(config);
  const pending = new Set<Promise<void>>();
  const deferredInteractions = new Set<RepliableInteraction>();
  const track = (work: Promise<void>) => {
    const p = work.catch((error: unknown) => log.error("handler.crashed", { error }));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  let reportFatal: (error: AppError) => void = () => {};
  const fatal = new Promise<AppError>((resolve) => (reportFatal = resolve));

  client.on(Events.InteractionCreate, (interaction) => {
    const repliable = interaction.isRepliable() ? interaction : null;
    if (repliable) deferredInteractions.add(repliable);
    track(handleInteraction(interaction, { ...ctx, commands }).finally(() => repliable && deferredInteractions.delete(repliable)));
  });
  client.on(Events.MessageCreate, (message) => track(handleMessage(message, ctx)));
  client.on(Events.Error, (error) => log.error("discord.error", { error }));
  client.on(Events.Warn, (message) => log.warn("discord.warn", { message }));
  client.on(Events.ShardDisconnect, (event, shard) => {
    if (!FATAL_CLOSE_CODES.has(event.code)) {
      log.warn("discord.disconnected", { shard, code: event.code });
      return;
    }
    const error = explainLoginFailure(new Error(`gateway closed with code ${event.code}`), discord.answerMessages, discord.apiUrl) ??
      new AppError("CONFIG_INVALID", `Discord closed the connection for good (code ${event.code}); see the README, "Running the Discord bot".`);
    log.error("discord.closed", { shard, code: event.code, message: error.userMessage });
    reportFatal(error);
  });

  return {
    client,
    get inFlight() {
      return pending.size;
    },
    fatal,
    async start() {
      const t0 = performance.now();
      // The index is loaded (or built) once, before the bot takes its first question.
      const [summary] = await Promise.all([
        app.ready(),
        // Without its history the bot still answers; only older answers' Sources buttons say they are forgotten.
        ctx.answers.load().catch((error: unknown) => log.warn("answers.load_failed", { where: ctx.answers.where, error })),
      ]);
      indexLoadedAt = new Date();
      // The first member's question should not pay for first calls: the answer path's, and the shared state's connection.
      await Promise.all([app.warmUp(), shared.warm()]);
      if (discord.autoAnswerChannels.length && !discord.answerMessages) {
        log.warn("discord.auto_answer_off", { message: "DISCORD_AUTO_ANSWER_CHANNELS is set but DISCORD_ANSWER_MESSAGES=false: those channels are not answered." });
      }
      // Stopped while the index was loading: do not connect at all.
      if (stopping) return;
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      try {
        await client.login(discord.token);
      } catch (error) {
        throw explainLoginFailure(error, discord.answerMessages, discord.apiUrl) ?? error;
      }
      await ready;
      log.info("bot.ready", {
        user: client.user?.tag,
        guilds: client.guilds.cache.size,
        articles: summary.articles,
        chunks: summary.chunks,
        embedder: summary.embedder,
        answersMessages: discord.answerMessages,
        answersDms: discord.answerDms,
        shards: client.ws.shards.map((shard) => shard.id),
        shardCount: client.options.shardCount ?? 1,
        sharedState: shared.kind,
        ms: Math.round(performance.now() - t0),
      });
    },
    // Under the 10 s most process managers wait before SIGKILL.
    async stop(graceMs = 8_000) {
      stopping = true;
      const inFlight = pending.size;
      const timedOut = !(await settlesWithin(graceMs, Promise.allSettled([...pending])));
      const abandoned = timedOut ? [...deferredInteractions].filter((i) => i.deferred) : [];
      // Answers that could not finish in time: say so rather than leave "thinking…".
      await Promise.allSettled([
        ...abandoned.map((i) => i.editReply(editReplyOptions(notice(MESSAGES.restarting)))),
        // A reply to a member's message still showing a model's unchecked draft is replaced too.
        ...(timedOut ? [...ctx.drafts].map((m) => m.edit(messageEditOptions(notice(MESSAGES.restarting)))) : []),
      ]);
      await client.destroy();
      // Votes and answers still being written get what is left of a short grace; a database that does not answer cannot hold the stop.
      const flushed = await settlesWithin(FLUSH_MS, (async () => {
        await Promise.all([ctx.feedback.flush(), ctx.answers.flush()]);
        await shared.close().catch((error: unknown) => log.warn("bot.close_failed", { error }));
      })());
      if (!flushed) log.warn("bot.flush_timed_out", { waitedMs: FLUSH_MS });
      log.info("bot.stopped", { inFlight, abandoned: abandoned.length + (timedOut ? ctx.drafts.size : 0) });
    },
  };
}
