import type { Config } from "../../config.js";
import { errorDetail, isAppError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { EmbeddingProvider } from "./provider.js";
import { TransformersEmbeddings } from "./transformers.js";
import { UseLiteEmbeddings } from "./use-lite.js";

/**
 * Loads the configured embedder. When the transformers model cannot be loaded
 * and fallback is on, says so in one short warning (and why at debug level)
 * and uses the offline embedder instead; the index manifest records which one
 * built it, so the two never mix.
 */
export async function createEmbedder(config: Config, log: Logger): Promise<EmbeddingProvider> {
  const { provider, batchSize, transformers, fallback } = config.embedder;
  if (provider === "use") return UseLiteEmbeddings.load(batchSize);
  try {
    return await TransformersEmbeddings.load(transformers, batchSize, log);
  } catch (error) {
    if (!fallback || !isAppError(error)) throw error;
    const offline = await UseLiteEmbeddings.load(batchSize);
    // One short line at every start of an offline machine; the long why (paths, hub error, how to
    // install the model) is for whoever sets LOG_LEVEL=debug to look into it.
    log.warn("embedder.fallback", { wanted: transformers.model, using: offline.id, hint: "EMBEDDER=use skips this; LOG_LEVEL=debug says why" });
    log.debug("embedder.fallback_reason", { wanted: transformers.model, reason: error.userMessage, cause: error.cause === undefined ? null : errorDetail(error.cause) });
    return offline;
  }
}
