import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Config, TransformersConfig } from "../../config.js";
import { errorDetail, isAppError } from "../../errors.js";
import type { Logger } from "../../log.js";
import { ensureDir } from "../../util/fs.js";
import { writeFileAtomically } from "../../util/private-files.js";
import type { EmbeddingProvider } from "./provider.js";
import { ModelUnavailable, TransformersEmbeddings } from "./transformers.js";
import { UseLiteEmbeddings } from "./use-lite.js";

/**
 * Loads the configured embedder. When the transformers model cannot be loaded
 * and fallback is on, says so in one short warning (and why at debug level)
 * and uses the offline embedder instead; the index manifest records which one
 * built it, so the two never mix.
 *
 * The fallback is remembered in the data folder (FALLBACK_FILE) until the
 * model's folders change (a model copied in, a download cached), and at most a
 * day when the failure will repeat (not on disk with downloads off, or the hub
 * has no such model), an hour when it may not (the hub unreachable, a broken
 * file or dependency): an offline machine then starts without trying the
 * model again, which cost 0.2-0.4 s and 30 MB each time (loading the ONNX
 * runtime to find nothing). Deleting the file makes the next start try again.
 */
export async function createEmbedder(config: Config, log: Logger): Promise<EmbeddingProvider> {
  const { provider, batchSize, transformers, fallback } = config.embedder;
  if (provider === "use") return UseLiteEmbeddings.load(batchSize);
  const remembered = fallback ? await rememberedFallback(config.dataDir, transformers) : null;
  if (remembered) {
    const offline = await UseLiteEmbeddings.load(batchSize);
    log.warn("embedder.fallback", { wanted: transformers.model, using: offline.id, since: remembered, hint: `EMBEDDER=use skips this; deleting ${path.join(config.dataDir, FALLBACK_FILE)} retries the model` });
    log.debug("embedder.fallback_reason", { wanted: transformers.model, reason: `the model could not be loaded at ${remembered} and its folders have not changed since (${path.join(config.dataDir, FALLBACK_FILE)}; delete it to try again)` });
    return offline;
  }
  try {
    return await TransformersEmbeddings.load(transformers, batchSize, log);
  } catch (error) {
    if (!fallback || !isAppError(error)) throw error;
    const offline = await UseLiteEmbeddings.load(batchSize);
    // One short line at every start of an offline machine; the long why (paths, hub error, how to
    // install the model) is for whoever sets LOG_LEVEL=debug to look into it.
    log.warn("embedder.fallback", { wanted: transformers.model, using: offline.id, hint: "EMBEDDER=use skips this; LOG_LEVEL=debug says why" });
    log.debug("embedder.fallback_reason", { wanted: transformers.model, reason: error.userMessage, cause: error.cause === undefined ? null : errorDetail(error.cause) });
    const lasts = error instanceof ModelUnavailable && error.lasts;
    await rememberFallback(config.dataDir, transformers, lasts ? REMEMBER_MS : REMEMBER_UNSURE_MS).catch((e: unknown) => log.debug("embedder.fallback_not_remembered", { error: e }));
    return offline;
  }
}

/** In the data folder: the model that could not be loaded, when, and the state of its folders then. */
export const FALLBACK_FILE = "embedder-fallback.json";
/** How long a fallback is remembered when the failure will repeat (a day), and when it may not (an hour). */
const REMEMBER_MS = 24 * 3600 * 1000;
const REMEMBER_UNSURE_MS = 3600 * 1000;

/** What must stay the same for a fallback to be remembered: the model settings and its folders' modification times. */
async function modelState(t: TransformersConfig): Promise<string> {
  const places = [path.join(t.localModelDir, t.model), path.join(t.cacheDir, t.model), t.localModelDir, t.cacheDir];
  const seen = await Promise.all(places.map(async (p) => `${p}@${(await stat(p).catch(() => null))?.mtimeMs ?? "none"}`));
  return JSON.stringify({ model: t.model, quantized: t.quantized, allowRemote: t.allowRemote, seen });
}

async function rememberFallback(dataDir: string, t: TransformersConfig, forMs: number): Promise<void> {
  await ensureDir(dataDir);
  const now = Date.now();
  const record = { at: new Date(now).toISOString(), until: new Date(now + forMs).toISOString(), state: await modelState(t) };
  await writeFileAtomically(path.join(dataDir, FALLBACK_FILE), `${JSON.stringify(record)}\n`, "replace");
}

/** When the fallback was remembered, if it still holds (same model and folders, not expired); else null. */
async function rememberedFallback(dataDir: string, t: TransformersConfig): Promise<string | null> {
  try {
    const saved = JSON.parse(await readFile(path.join(dataDir, FALLBACK_FILE), "utf8")) as { at?: unknown; until?: unknown; state?: unknown };
    if (typeof saved.at !== "string" || typeof saved.until !== "string") return null;
    const [at, until, now] = [Date.parse(saved.at), Date.parse(saved.until), Date.now()];
    // A clock set back (at in the future) or a record that promises more than a day is not trusted.
    if (!(at <= now && now < until && until - at <= REMEMBER_MS)) return null;
    return saved.state === (await modelState(t)) ? saved.at : null;
  } catch {
    return null;
  }
}
