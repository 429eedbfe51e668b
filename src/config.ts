import { readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { z } from "zod";
import { AppError } from "./errors.js";

/*
 * The only module that reads the environment. Everything else receives the
 * frozen Config it returns. Every variable here is listed, with its default,
 * in .env.example; a test keeps the two in step.
 */

/** Comma-separated Discord ids (snowflakes); empty means none. */
function idList(what: string) {
  return z
    .string()
    .default("")
    .refine((v) => v.split(",").every((id) => id.trim() === "" || /^\d{15,22}$/.test(id.trim())), `expected numeric ${what} ids separated by commas`);
}

const ids = (v: string) => v.split(",").map((id) => id.trim()).filter(Boolean);

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ["true", "false", "1", "0", "yes", "no"].includes(v), {
    message: "expected true or false",
  })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);

/** LLM_PROVIDER values. "ollama" is "openai" with Ollama's OpenAI-compatible endpoint as the default base URL. */
const LLM_PROVIDERS = ["none", "openai", "ollama"] as const;
/** Where `ollama serve` listens by default (127.0.0.1 rather than localhost: Ollama does not listen on ::1). */
export const OLLAMA_BASE_URL = "http://127.0.0.1:11434/v1";

const envSchema = z.object({
  CORPUS_DIR: z.string().min(1).default("seeds"),
  METADATA_FILE: z.string().default(""),
  ALIASES_FILE: z.string().default(""),
  DATA_DIR: z.string().min(1).default(".data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(?:ql)?:\/\/\S+$/, "expected a postgres:// or postgresql:// connection URL")
    .optional(),
  DATABASE_POOL_MAX: int(1, 100).default(4),
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 120_000).default(5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(15_000),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["text", "json"]).default("text"),

  EMBEDDER: z.enum(["transformers", "use"]).default("transformers"),
  EMBEDDER_FALLBACK: bool.default(true),
  TRANSFORMERS_MODEL: z.string().min(1).default("Xenova/bge-small-en-v1.5"),
  TRANSFORMERS_POOLING: z.enum(["cls", "mean"]).default("cls"),
  TRANSFORMERS_NORMALIZE: bool.default(true),
  TRANSFORMERS_QUERY_PREFIX: z
    .string()
    .default("Represent this sentence for searching relevant passages: "),
  TRANSFORMERS_QUANTIZED: bool.default(true),
  TRANSFORMERS_LOCAL_MODEL_DIR: z.string().default("models"),
  TRANSFORMERS_CACHE_DIR: z.string().default(""),
  TRANSFORMERS_ALLOW_REMOTE: bool.default(true),
  EMBED_BATCH_SIZE: int(1, 1024).default(16),

  CHUNK_SIZE: int(100, 8000).default(500),
  CHUNK_OVERLAP: int(0, 4000).default(100),

  RETRIEVAL_MODE: z.enum(["hybrid", "lexical", "dense"]).default("hybrid"),
  RETRIEVAL_CANDIDATES: int(1, 1000).default(20),
  RETRIEVAL_PASSAGES: int(1, 50).default(8),
  FUSION_LEXICAL_WEIGHT: num(0, 1).default(0.5),
  FUSION_DENSE_WEIGHT: num(0, 1).default(0.5),
  HNSW_M: int(2, 128).default(16),
  HNSW_EF_CONSTRUCTION: int(10, 2000).default(200),
  HNSW_EF_SEARCH: int(1, 20_000).default(512),
  HNSW_EXACT_UP_TO: int(0, 100_000).default(4_000),

  ANSWER_MAX_SENTENCES: int(1, 10).default(3),
  ABSTAIN_THRESHOLD: num(0, 1).default(0.3),
  MAX_QUESTION_CHARS: int(10, 100_000).default(1000),

  LLM_PROVIDER: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(
      z.enum(LLM_PROVIDERS, {
        error: () =>
          "expected one of: none (quote the articles), openai (OpenAI, or any OpenAI-compatible server at LLM_BASE_URL), " +
          `ollama (Ollama at ${OLLAMA_BASE_URL} unless LLM_BASE_URL says otherwise)`,
      }),
    )
    .default("none"),
  LLM_MODEL: z.string().default(""),
  LLM_BASE_URL: z.union([z.url(), z.literal("")]).default(""),
  LLM_API_KEY: z.string().default(""),
  LLM_TEMPERATURE: num(0, 2).default(0.1),
  LLM_MAX_TOKENS: int(16, 32_000).default(400),
  LLM_TIMEOUT_MS: int(100, 600_000).default(30_000),
  LLM_MAX_RETRIES: int(0, 10).default(1),
  LLM_PASSAGES: int(1, 20).default(6),
  LLM_SUPPORT_THRESHOLD: num(0, 1).default(0.7),
  LLM_MIN_SUPPORTED: num(0, 1).default(0.5),
  PROMPTS_DIR: z.string().min(1).default("prompts"),

  DISCORD_TOKEN: z.string().default(""),
  DISCORD_APPLICATION_ID: z.string().regex(/^\d{15,22}$/, "expected the numeric application id").optional(),
  DISCORD_DEV_GUILD_ID: z.string().regex(/^\d{15,22}$/, "expected a numeric guild id").optional(),
  DISCORD_ALLOWED_GUILDS: idList("guild"),
  DISCORD_ALLOWED_CHANNELS: idList("channel"),
  DISCORD_AUTO_ANSWER_CHANNELS: idList("channel"),
  DISCORD_ANSWER_MESSAGES: bool.default(true),
  DISCORD_ANSWER_DMS: bool.default(false),
  DISCORD_RATE_LIMIT_PER_MINUTE: int(1, 10_000).default(6),
  DISCORD_RATE_LIMIT_BURST: int(1, 10_000).default(3),
  DISCORD_MAX_CONCURRENT: int(1, 256).default(4),
  DISCORD_MAX_QUEUED: int(0, 100_000).default(100),
  DISCORD_API_URL: z.url().default("https://discord.com/api"),
  DISCORD_SHARDS: z
    .string()
    .trim()
    .toLowerCase()
    .default("")
    .refine((v) => v === "" || v === "auto" || (/^\d{1,6}$/.test(v) && Number(v) >= 1), 'expected "auto" or the number of shards (1 or more)'),
  DISCORD_SHARD_IDS: z
    .string()
    .default("")
    .refine((v) => v.split(",").every((id) => id.trim() === "" || /^\d{1,6}$/.test(id.trim())), "expected shard numbers (0, 1, ...) separated by commas"),
});

export type Env = Record<string, string | undefined>;

/** Variables for which an empty value is a setting of its own ("no query prefix"). */
const EMPTY_IS_A_VALUE = new Set(["TRANSFORMERS_QUERY_PREFIX"]);
/** Variables whose value an error message must not repeat. */
const HIDDEN_VALUES = new Set(["DATABASE_URL", "DISCORD_TOKEN", "LLM_API_KEY"]);

/**
 * The process environment over the values of `<cwd>/.env` (if present):
 * a variable set in the shell wins over the file.
 */
export function readEnv(cwd: string): Env {
  let fromFile: Env = {};
  try {
    // Editors on Windows may save a byte-order mark, which would become part of the first name.
    fromFile = parseEnv(readFileSync(path.join(cwd, ".env"), "utf8").replace(/^\uFEFF/, ""));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new AppError("CONFIG_INVALID", `Cannot read .env: ${String(error)}`);
  }
  return { ...fromFile, ...process.env };
}

export interface TransformersConfig {
  readonly model: string;
  readonly pooling: "cls" | "mean";
  readonly normalize: boolean;
  readonly queryPrefix: string;
  readonly quantized: boolean;
  /** Folder holding `<model id>/` folders, read before any download. */
  readonly localModelDir: string;
  /** Where downloaded models are cached. */
  readonly cacheDir: string;
  readonly allowRemote: boolean;
}

export interface DiscordConfig {
  /** Secret: never logged. Empty when not configured (the console needs none). */
  readonly token: string;
  readonly applicationId: string | null;
  /** Guild that `deploy-commands` registers to (for development); null registers globally. */
  readonly devGuildId: string | null;
  /** Guilds the bot answers in; empty means all. */
  readonly allowedGuilds: readonly string[];
  /** Channels (text channels, forums) the bot answers in, with their threads; empty means all. Includes autoAnswerChannels when set. */
  readonly allowedChannels: readonly string[];
  /** Channels or forums where every new message or post is answered without a mention (needs answerMessages). */
  readonly autoAnswerChannels: readonly string[];
  /** Answer mentions and follow-ups in bot threads (needs the Message Content intent). */
  readonly answerMessages: boolean;
  /** Answer direct messages (off by default; rate-limited like guilds). */
  readonly answerDms: boolean;
  /** Per user: a burst of `burst` questions, refilled at `perMinute` a minute. */
  readonly rateLimit: { readonly perMinute: number; readonly burst: number };
  /** Questions answered at once; more wait in a queue of `maxQueued`, beyond which the bot says it is busy. */
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  /** Discord's REST API base (a test points it at a local fake). */
  readonly apiUrl: string;
  /**
   * The gateway shards this process runs: null for one (Discord's default below 2,500 guilds); a count ("auto":
   * Discord's recommendation) with every shard here (ids null), or the ids of some of them (the others run elsewhere).
   */
  readonly shards: { readonly count: number | "auto"; readonly ids: readonly number[] | null } | null;
}

export interface LlmConfig {
  /**
   * "none": extractive answers only. "openai": any OpenAI-compatible chat-completions server
   * (LLM_PROVIDER=ollama is read as "openai" with Ollama's address as the default base URL).
   */
  readonly provider: "none" | "openai";
  readonly model: string;
  /** Empty for OpenAI itself; http://127.0.0.1:11434/v1 for Ollama (the default with LLM_PROVIDER=ollama). */
  readonly baseUrl: string;
  /** Secret: never logged. */
  readonly apiKey: string;
  readonly temperature: number;
  readonly maxTokens: number;
  /** For the whole generation, streaming included. */
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Passages shown to the model, best first. */
  readonly passages: number;
  /** Share of a sentence's term weight the cited passage must contain to support it. */
  readonly supportThreshold: number;
  /** Below this share of claims surviving verification, the extractive answer is used instead. */
  readonly minSupported: number;
  readonly promptsDir: string;
}

export interface Config {
  readonly corpusDir: string;
  readonly metadataFile: string;
  /** Optional curated names and synonyms (src/corpus/aliases.ts). */
  readonly aliasesFile: string;
  readonly dataDir: string;
  /** Postgres (pgvector + full-text search) instead of the data folder's index, when DATABASE_URL is set. */
  readonly database: { readonly url: string; readonly poolMax: number; readonly connectTimeoutMs: number; readonly statementTimeoutMs: number } | null;
  readonly log: { readonly level: "debug" | "info" | "warn" | "error" | "silent"; readonly format: "text" | "json" };
  readonly embedder: {
    readonly provider: "transformers" | "use";
    /** Use the offline provider when the configured one cannot load. */
    readonly fallback: boolean;
    readonly batchSize: number;
    readonly transformers: TransformersConfig;
  };
  readonly chunking: { readonly size: number; readonly overlap: number };
  readonly retrieval: {
    readonly mode: "hybrid" | "lexical" | "dense";
    /** Candidates taken from each of the lexical and dense searches. */
    readonly candidates: number;
    /** Passages kept after fusion, from which answer sentences are picked. */
    readonly passages: number;
    readonly lexicalWeight: number;
    readonly denseWeight: number;
  };
  readonly hnsw: { readonly m: number; readonly efConstruction: number; readonly efSearch: number; readonly exactUpTo: number };
  readonly answer: {
    readonly maxSentences: number;
    /** Below this evidence score the bot says the articles do not cover the question. */
    readonly abstainThreshold: number;
    readonly maxQuestionChars: number;
  };
  readonly llm: LlmConfig;
  readonly discord: DiscordConfig;
}

/** Deep-freezes plain data so no part of the app can change the config it was given. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses and validates the environment. Relative paths resolve against `cwd`.
 * Throws AppError(CONFIG_INVALID) listing every bad variable at once.
 */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  // An empty value means "not set", except where empty is a meaningful value.
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => key in envSchema.shape && value !== undefined && (value !== "" || EMPTY_IS_A_VALUE.has(key)),
    ),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => {
        const key = String(issue.path[0]);
        // A connection URL may hold a password: never echoed.
        const shown = HIDDEN_VALUES.has(key) ? "(value not shown)" : JSON.stringify(present[key]);
        return `${issue.path.join(".")}=${shown}: ${issue.message}`;
      })
      .join("; ");
    throw new AppError("CONFIG_INVALID", `Invalid configuration: ${problems}. See .env.example.`);
  }
  const e = parsed.data;
  if (e.FUSION_LEXICAL_WEIGHT + e.FUSION_DENSE_WEIGHT === 0) {
    throw new AppError("CONFIG_INVALID", "Invalid configuration: FUSION_LEXICAL_WEIGHT and FUSION_DENSE_WEIGHT cannot both be 0.");
  }
  if (e.LLM_PROVIDER === "ollama" && !e.LLM_MODEL) {
    throw new AppError(
      "CONFIG_INVALID",
      "Invalid configuration: LLM_PROVIDER=ollama needs LLM_MODEL, the name of a model Ollama has pulled (`ollama list` shows them), e.g. LLM_MODEL=llama3.1.",
    );
  }
  if (e.LLM_PROVIDER !== "none" && !e.LLM_MODEL) {
    throw new AppError("CONFIG_INVALID", "Invalid configuration: LLM_PROVIDER is set but LLM_MODEL is empty. Name the model, e.g. LLM_MODEL=gpt-4o-mini or llama3.1.");
  }
  const shards = shardsOf(e.DISCORD_SHARDS, e.DISCORD_SHARD_IDS, Boolean(e.DATABASE_URL));
  if (e.CHUNK_OVERLAP >= e.CHUNK_SIZE) {
    throw new AppError(
      "CONFIG_INVALID",
      `Invalid configuration: CHUNK_OVERLAP (${e.CHUNK_OVERLAP}) must be smaller than CHUNK_SIZE (${e.CHUNK_SIZE}).`,
    );
  }
  const abs = (p: string) => path.resolve(cwd, p);
  const corpusDir = abs(e.CORPUS_DIR);
  const dataDir = abs(e.DATA_DIR);
  return deepFreeze<Config>({
    corpusDir,
    metadataFile: e.METADATA_FILE ? abs(e.METADATA_FILE) : path.join(corpusDir, "metadata.json"),
    aliasesFile: e.ALIASES_FILE ? abs(e.ALIASES_FILE) : path.join(corpusDir, "aliases.json"),
    dataDir,
    database: e.DATABASE_URL
      ? { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS, statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS }
      : null,
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    embedder: {
      provider: e.EMBEDDER,
      fallback: e.EMBEDDER_FALLBACK,
      batchSize: e.EMBED_BATCH_SIZE,
      transformers: {
        model: e.TRANSFORMERS_MODEL,
        pooling: e.TRANSFORMERS_POOLING,
        normalize: e.TRANSFORMERS_NORMALIZE,
        queryPrefix: e.TRANSFORMERS_QUERY_PREFIX,
        quantized: e.TRANSFORMERS_QUANTIZED,
        localModelDir: abs(e.TRANSFORMERS_LOCAL_MODEL_DIR),
        cacheDir: e.TRANSFORMERS_CACHE_DIR ? abs(e.TRANSFORMERS_CACHE_DIR) : path.join(dataDir, "models"),
        allowRemote: e.TRANSFORMERS_ALLOW_REMOTE,
      },
    },
    chunking: { size: e.CHUNK_SIZE, overlap: e.CHUNK_OVERLAP },
    retrieval: {
      mode: e.RETRIEVAL_MODE,
      candidates: e.RETRIEVAL_CANDIDATES,
      passages: e.RETRIEVAL_PASSAGES,
      lexicalWeight: e.FUSION_LEXICAL_WEIGHT,
      denseWeight: e.FUSION_DENSE_WEIGHT,
    },
    hnsw: { m: e.HNSW_M, efConstruction: e.HNSW_EF_CONSTRUCTION, efSearch: e.HNSW_EF_SEARCH, exactUpTo: e.HNSW_EXACT_UP_TO },
    answer: {
      maxSentences: e.ANSWER_MAX_SENTENCES,
      abstainThreshold: e.ABSTAIN_THRESHOLD,
      maxQuestionChars: e.MAX_QUESTION_CHARS,
    },
    llm: {
      // Ollama is an OpenAI-compatible server: the same client, its address by default, no key needed.
      provider: e.LLM_PROVIDER === "ollama" ? "openai" : e.LLM_PROVIDER,
      model: e.LLM_MODEL,
      baseUrl: e.LLM_BASE_URL || (e.LLM_PROVIDER === "ollama" ? OLLAMA_BASE_URL : ""),
      apiKey: e.LLM_API_KEY,
      temperature: e.LLM_TEMPERATURE,
      maxTokens: e.LLM_MAX_TOKENS,
      timeoutMs: e.LLM_TIMEOUT_MS,
      maxRetries: e.LLM_MAX_RETRIES,
      passages: e.LLM_PASSAGES,
      supportThreshold: e.LLM_SUPPORT_THRESHOLD,
      minSupported: e.LLM_MIN_SUPPORTED,
      promptsDir: abs(e.PROMPTS_DIR),
    },
    discord: {
      token: e.DISCORD_TOKEN.trim(),
      applicationId: e.DISCORD_APPLICATION_ID ?? null,
      devGuildId: e.DISCORD_DEV_GUILD_ID ?? null,
      allowedGuilds: ids(e.DISCORD_ALLOWED_GUILDS),
      // Channels set up for auto-answers are served even when not listed among the allowed ones.
      allowedChannels: ids(e.DISCORD_ALLOWED_CHANNELS).length ? [...new Set([...ids(e.DISCORD_ALLOWED_CHANNELS), ...ids(e.DISCORD_AUTO_ANSWER_CHANNELS)])] : [],
      autoAnswerChannels: ids(e.DISCORD_AUTO_ANSWER_CHANNELS),
      answerMessages: e.DISCORD_ANSWER_MESSAGES,
      answerDms: e.DISCORD_ANSWER_DMS,
      rateLimit: { perMinute: e.DISCORD_RATE_LIMIT_PER_MINUTE, burst: e.DISCORD_RATE_LIMIT_BURST },
      maxConcurrent: e.DISCORD_MAX_CONCURRENT,
      maxQueued: e.DISCORD_MAX_QUEUED,
      apiUrl: e.DISCORD_API_URL.replace(/\/+$/, ""),
      shards,
    },
  });
}

/**
 * DISCORD_SHARDS and DISCORD_SHARD_IDS as the shards this process runs. Running only some of the shards means other
 * processes run the rest, and they share members' allowances, votes and answers only through Postgres.
 */
function shardsOf(count: string, idsText: string, hasDatabase: boolean): DiscordConfig["shards"] {
  const list = [...new Set(idsText.split(",").map((id) => id.trim()).filter(Boolean).map(Number))].sort((a, b) => a - b);
  const invalid = (why: string) => new AppError("CONFIG_INVALID", `Invalid configuration: ${why}`);
  if (count === "") {
    if (list.length) throw invalid("DISCORD_SHARD_IDS needs DISCORD_SHARDS, the total number of shards across all processes.");
    return null;
  }
  if (count === "auto") {
    if (list.length) throw invalid('DISCORD_SHARD_IDS needs DISCORD_SHARDS set to a number: with "auto" Discord picks the count, so this process runs every shard.');
    return { count: "auto", ids: null };
  }
  const total = Number(count);
  const outside = list.filter((id) => id >= total);
  if (outside.length) throw invalid(`DISCORD_SHARD_IDS names shard ${outside.join(", ")}, but DISCORD_SHARDS=${total} numbers them 0 to ${total - 1}.`);
  const ids = list.length ? list : null;
  if (ids && ids.length < total && !hasDatabase) {
    throw invalid(
      `DISCORD_SHARD_IDS runs ${ids.length} of ${total} shards here, so other processes run the rest; they share members' rate limits, votes and recent answers only through Postgres: set DATABASE_URL (see "Scaling out" in the README), or run every shard in this process (leave DISCORD_SHARD_IDS empty).`,
    );
  }
  return { count: total, ids };
}

/**
 * The Discord part of the config, checked for what the bot cannot run without.
 * The message also says how to try the bot without Discord.
 */
export function requireDiscord(config: Config): DiscordConfig & { readonly applicationId: string } {
  const { token, applicationId } = config.discord;
  if (!token || !applicationId) {
    const missing = [token ? null : "DISCORD_TOKEN (the bot's token)", applicationId ? null : "DISCORD_APPLICATION_ID (the application id)"];
    throw new AppError(
      "CONFIG_INVALID",
      `The Discord bot needs ${missing.filter(Boolean).join(" and ")}. Create an application in the Discord Developer Portal ` +
        `(see "Running the Discord bot" in the README) and put them in .env. ` +
        `To try the bot without Discord, run: npm run console`,
    );
  }
  return { ...config.discord, applicationId };
}

/** The variables the config understands, for .env.example checks and help text. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** Returns a copy of `config` with some sections replaced (for CLI flags and tests). */
export function withConfig(config: Config, patch: (draft: Config) => Config): Config {
  return deepFreeze(patch(structuredClone(config)));
}
