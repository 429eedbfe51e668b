import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig, type Config, type Env } from "../src/config.js";
import { writeTinyBertModel } from "./fixtures/tiny-bert.js";

export const REPO = path.resolve(import.meta.dirname, "..");
export const SEEDS = path.join(REPO, "seeds");

/** A fresh temporary folder; remove it with `rm(dir, { recursive: true })` or `cleanup`. */
export function tempDir(prefix = "summit-test-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function cleanup(...dirs: string[]): Promise<void> {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 3 })));
}

/** Copies the seed articles (and metadata) into `dir`. */
export async function copySeeds(dir: string): Promise<void> {
  await cp(SEEDS, dir, { recursive: true });
}

/**
 * Environment that makes the transformers provider load a tiny BERT model
 * written to `root` (no download possible: remote off, no fallback).
 */
export async function tinyModelEnv(root: string): Promise<Env> {
  const model = await writeTinyBertModel(root);
  return {
    EMBEDDER: "transformers",
    EMBEDDER_FALLBACK: "false",
    TRANSFORMERS_MODEL: model.modelId,
    TRANSFORMERS_LOCAL_MODEL_DIR: model.rootDir,
    TRANSFORMERS_ALLOW_REMOTE: "false",
    TRANSFORMERS_POOLING: "mean",
    TRANSFORMERS_QUERY_PREFIX: "query: ",
  };
}

/**
 * The environment of an app that answers with the fake model server at
 * `baseUrl`: the tiny test embedder, a copy of the prompts in `promptsDir`,
 * no retries, and its index in `<root>/data`.
 */
export async function fakeLlmEnv(root: string, baseUrl: string, corpus: string, promptsDir: string): Promise<Env> {
  return {
    ...(await tinyModelEnv(path.join(root, "models"))),
    CORPUS_DIR: corpus,
    DATA_DIR: path.join(root, "data"),
    LLM_PROVIDER: "openai",
    LLM_MODEL: "fake-model",
    LLM_BASE_URL: baseUrl,
    LLM_API_KEY: "test-key",
    LLM_MAX_RETRIES: "0",
    LLM_TIMEOUT_MS: "5000",
    PROMPTS_DIR: promptsDir,
  };
}

/**
 * The seeds and a copy of the prompts in `root`, the env of an app answering with the
 * fake model server at `baseUrl` (fakeLlmEnv), and its index already built.
 */
export async function fakeLlmWorld(root: string, baseUrl: string): Promise<{ env: Env; promptsDir: string }> {
  await copySeeds(path.join(root, "corpus"));
  const promptsDir = path.join(root, "prompts");
  await cp(path.join(REPO, "prompts"), promptsDir, { recursive: true });
  const env = await fakeLlmEnv(root, baseUrl, path.join(root, "corpus"), promptsDir);
  const { createApp } = await import("../src/app.js");
  await createApp(testConfig(env)).ingest();
  return { env, promptsDir };
}

/** A config for tests: quiet logs, the given folders, anything else from `env`. */
export function testConfig(env: Env): Config {
  return loadConfig({ LOG_LEVEL: "silent", ...env }, REPO);
}

/** Rejects if `promise` has not settled within `ms` (fails fast instead of vitest's generic timeout). */
export async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
