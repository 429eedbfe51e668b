import type { Config } from "../../config.js";
import { isAppError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { EmbeddingProvider } from "./provider.js";
import { TransformersEmbeddings } from "./transformers.js";
import { UseLiteEmbeddings } from "./use-lite.js";

/**
 * Loads the configured embedder. When the transformers model cannot be loaded
 * and fallback is on, says why once and uses the offline embedder instead;
 * the index manifest records which one built it, so the two never mix.
 */
export async function createEmbedder(config: Config, log: Logger): Promise<EmbeddingProvider> {
  const { provider, batchSize, transformers, fallback } = config.embedder;
  if (provider === "use") return UseLiteEmbeddings.load(batchSize);
  try {
    return await TransformersEmbeddings.load(transformers, batchSize, log);
  } catch (error) {
    if (!fallback || !isAppError(error)) throw error;
    const offline = await UseLiteEmbeddings.load(batchSize);
    log.warn("embedder.fallback", {
      wanted: transformers.model,
      using: offline.id,
      reason: error.userMessage,
      hint: "set EMBEDDER=use to choose the offline embedder and skip this attempt",
    });
    return offline;
  }
}
