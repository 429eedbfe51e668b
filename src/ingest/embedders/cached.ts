import { LruMap } from "../../util/lru.js";
import type { EmbeddingProvider } from "./provider.js";

/**
 * Remembers the vectors of recent questions: the same question asked again
 * (a popular one in a server, a follow-up rewritten to a question already
 * asked) skips the model, which is most of the time retrieval takes.
 */
export function withQueryCache(inner: EmbeddingProvider, capacity = 1000): EmbeddingProvider {
  const cache = new LruMap<string, Promise<number[]>>(capacity);
  return {
    id: inner.id,
    dimensions: inner.dimensions,
    embedDocuments: (texts) => inner.embedDocuments(texts),
    embedQuery(text) {
      let vector = cache.get(text);
      if (!vector) {
        vector = inner.embedQuery(text);
        cache.set(text, vector);
        // A failed embedding is not remembered.
        vector.catch(() => cache.delete(text));
      }
      return vector;
    },
  };
}
