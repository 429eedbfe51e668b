import { performance } from "node:perf_hooks";
import { Client, Events, GatewayIntentBits, type ClientOptions } from "discord.js";
import type { App } from "../app.js";
import { requireDiscord, type Config } from "../config.js";
import type { Logger } from "../log.js";
import { allCommands } from "./commands/index.js";
import type { BotContext, SentAnswer, Turn } from "./context.js";
import { FeedbackStore } from "./feedback-store.js";
import { handleInteraction } from "./interactions.js";
import { ConcurrencyGate, LruMap, UserRateLimiter } from "./limits.js";
import { handleMessage } from "./messages.js";

export interface Bot {
  readonly client: Client;
  /** Loads the index, logs in, and resolves once Discord says the bot is ready. */
  start(): Promise<void>;
  /** Stops taking questions, lets the ones in flight finish (up to `graceMs`), disconnects, flushes feedback. */
  stop(graceMs?: number): Promise<void>;
  /** Questions being answered right now. */
  readonly inFlight: number;
}

export interface BotOptions {
  readonly app: App;
  readonly config: Config;
  readonly log: Logger;
  /** Extra discord.js client options (tests tune timeouts); intents and REST base come from the config. */
  readonly clientOptions?: Partial<ClientOptions>;
}

/** Gateway intents: message content only when the bot answers messages (a privileged intent). */
export function intentsFor(answerMessages: boolean): GatewayIntentBits[] {
  return answerMessages
    ? [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent]
    : [GatewayIntentBits.Guilds];
}

export function createBot({ app, config, log, clientOptions = {} }: BotOptions): Bot {
  const discord = requireDiscord(config);
  const client = new Client({
    ...clientOptions,
    intents: intentsFor(discord.answerMessages),
    rest: { ...clientOptions.rest, api: discord.apiUrl },
    // A default for everything the client sends; each payload also sets it.
    allowedMentions: { parse: [], repliedUser: false },
  });
  let people: Promise<string[]> | null = null;
  const ctx: BotContext = {
    app,
    config,
    discord,
    log,
    limiter: new UserRateLimiter(discord.rateLimit),
    gate: new ConcurrencyGate({ max: discord.maxConcurrent, queue: discord.maxQueued }),
    answers: new LruMap<string, SentAnswer>(2000),
    conversations: new LruMap<string, Turn>(5000),
    feedback: new FeedbackStore(config.dataDir),
    people: () =>
      (people ??= Promise.all([app.articles(), app.events()]).then(([articles, events]) => [
        ...new Set([...articles.flatMap((a) => a.meta.peopleQuoted.value), ...events.flatMap((e) => e.participants)]),
      ])),
    now: () => performance.now(),
  };
  const commands = allCommands(config);
  let stopping = false;
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    const p = work.catch((error: unknown) => log.error("handler.crashed", { error }));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  client.on(Events.InteractionCreate, (interaction) => track(handleInteraction(interaction, { ...ctx, commands, shuttingDown: () => stopping })));
  client.on(Events.MessageCreate, (message) =>
    track(handleMessage(message, { ...ctx, botId: () => client.user?.id ?? null, shuttingDown: () => stopping })),
  );
  client.on(Events.Error, (error) => log.error("discord.error", { error }));
  client.on(Events.Warn, (message) => log.warn("discord.warn", { message }));
  client.on(Events.ShardDisconnect, (event, shard) => log.warn("discord.disconnected", { shard, code: event.code }));

  return {
    client,
    get inFlight() {
      return pending.size;
    },
    async start() {
      const t0 = performance.now();
      // The index is loaded (or built) once, before the bot takes its first question.
      const summary = await app.ready();
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(discord.token);
      await ready;
      log.info("bot.ready", {
        user: client.user?.tag,
        guilds: client.guilds.cache.size,
        articles: summary.articles,
        chunks: summary.chunks,
        embedder: summary.embedder,
        answersMessages: discord.answerMessages,
        ms: Math.round(performance.now() - t0),
      });
    },
    async stop(graceMs = 10_000) {
      stopping = true;
      const inFlight = pending.size;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled([...pending]).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      await client.destroy();
      await ctx.feedback.flush();
      log.info("bot.stopped", { inFlight, abandoned: timedOut ? pending.size : 0 });
    },
  };
}
