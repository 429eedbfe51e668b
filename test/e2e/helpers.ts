import { appendFile } from "node:fs/promises";
import path from "node:path";
import { createApp } from "../../src/app.js";
import type { Env } from "../../src/config.js";
import { createBot, type Bot } from "../../src/discord/bot.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { TransformersEmbeddings } from "../../src/ingest/embedders/transformers.js";
import { memoryLogger, silentLogger } from "../../src/log.js";
import { findOperation } from "../fakes/discord-spec.js";
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from "../fakes/fake-discord.js";
import { copySeeds, testConfig, tinyModelEnv } from "../helpers.js";

/*
 * The real bot (createBot, real discord.js Client, real app with the tiny
 * model and the seed articles) against the local fake Discord.
 */

export interface BotUnderTest {
  readonly fake: FakeDiscord;
  readonly corpusDir: string;
  readonly bot: Bot;
  readonly log: ReturnType<typeof memoryLogger>;
  readonly dataDir: string;
  /** Resolve to let a question containing "slowly" finish (it waits until then). */
  release(): void;
  stop(): Promise<void>;
}

/**
 * The tiny model, plus two test hooks on questions: one containing "explode"
 * fails like a crashed model, one containing "slowly" waits for `release()`.
 */
function hookedEmbedder(real: EmbeddingProvider, hold: { promise: Promise<void> }): EmbeddingProvider {
  return {
    id: real.id,
    dimensions: real.dimensions,
    embedDocuments: (texts) => real.embedDocuments(texts),
    async embedQuery(text) {
      if (text.includes("explode")) throw new Error("model crashed on purpose");
      if (text.includes("slowly")) await hold.promise;
      return real.embedQuery(text);
    },
  };
}

export interface StartBotOptions {
  /** Articles a test adds to the seeds (or metadata it changes), before the index is built. */
  prepareCorpus?: (dir: string) => Promise<void>;
  /** The data folder (default: a new one per fake): a restart passes the previous bot's. */
  dataDir?: string;
  /** A fake Discord several bots share (shards); the caller closes it. Default: a new one, closed by stop(). */
  fake?: FakeDiscord;
}

/** `env` may depend on the fake (its channel ids). */
export async function startBot(root: string, env: Env | ((fake: FakeDiscord) => Env) = {}, options: StartBotOptions = {}): Promise<BotUnderTest> {
  const fake = options.fake ?? (await startFakeDiscord());
  const corpusDir = path.join(root, "corpus");
  await copySeeds(corpusDir).catch(() => undefined);
  await options.prepareCorpus?.(corpusDir);
  const dataDir = options.dataDir ?? path.join(root, `data-${fake.applicationId}`);
  const config = testConfig({
    ...(await tinyModelEnv(path.join(root, "models"))),
    CORPUS_DIR: corpusDir,
    DATA_DIR: dataDir,
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.restApi,
    ...(typeof env === "function" ? env(fake) : env),
  });
  let release = () => {};
  const hold = { promise: new Promise<void>((resolve) => (release = resolve)) };
  const real = await TransformersEmbeddings.load(config.embedder.transformers, 16, silentLogger);
  const log = memoryLogger("debug");
  const app = createApp(config, { log, embedder: hookedEmbedder(real, hold) });
  const bot = createBot({ app, config, log });
  await bot.start();
  return {
    fake,
    corpusDir,
    bot,
    log,
    dataDir,
    release: () => release(),
    async stop() {
      await bot.stop(2_000);
      await app.close();
      if (!options.fake) await fake.close();
      // Every REST request the bot sent must match Discord's OpenAPI description (each mismatch was
      // also answered 400, but the bot may have caught that error).
      fake.assertNoSpecViolations();
      // SPEC_SHAPES_FILE=path: appends which spec operations (and, for callbacks, callback types) the bot's requests used, to count them.
      if (process.env.SPEC_SHAPES_FILE) await appendFile(process.env.SPEC_SHAPES_FILE, requestShapes(fake.requests).map((s) => `${s}\n`).join(""));
    },
  };
}

/** Each request's operation in Discord's OpenAPI description, with the callback type for interaction callbacks. */
export function requestShapes(requests: readonly RecordedRequest[]): string[] {
  return requests.map((r) => {
    const op = findOperation(r.method, r.path)?.operationId ?? `${r.method} (not in the spec)`;
    const type = (r.body as { type?: unknown } | null)?.type;
    return op === "create_interaction_response" && typeof type === "number" ? `${op} type ${type}` : op;
  });
}

/** Requests that create or edit a message the bot sends, with their payload. */
export function sentMessages(fake: FakeDiscord): { request: RecordedRequest; payload: Record<string, unknown> }[] {
  return fake.requests
    .filter((r) => r.status < 400)
    .flatMap((r) => {
      const body = r.body as Record<string, unknown> | null;
      if (!body || typeof body !== "object") return [];
      if (r.method === "POST" && /^\/interactions\/\d+\/[^/]+\/callback$/.test(r.path)) {
        const data = body.data as Record<string, unknown> | undefined;
        // Deferrals (type 5) and autocomplete results (type 8) carry no message.
        return body.type === 4 && data ? [{ request: r, payload: data }] : [];
      }
      const sends = /^\/webhooks\/\d+\/[^/]+(\/messages\/@original)?$/.test(r.path) || /^\/channels\/\d+\/messages(\/\d+)?$/.test(r.path);
      return sends && (r.method === "POST" || r.method === "PATCH") ? [{ request: r, payload: body }] : [];
    });
}

export const callbackFor = (id: string) => (r: RecordedRequest) => r.method === "POST" && r.path.startsWith(`/interactions/${id}/`);
export const originalEditFor = (token: string) => (r: RecordedRequest) =>
  r.method === "PATCH" && r.path.endsWith(`/${token}/messages/@original`) && r.status < 400;

interface EmbedJson {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
}

export const embedsOf = (payload: unknown): EmbedJson[] => ((payload as { embeds?: EmbedJson[] }).embeds ?? []);
export const contentOf = (payload: unknown): string => (payload as { content?: string }).content ?? "";
export const customIdsOf = (payload: unknown): string[] =>
  ((payload as { components?: { components: { custom_id: string }[] }[] }).components ?? []).flatMap((row) => row.components.map((c) => c.custom_id));
