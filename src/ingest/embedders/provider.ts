import type { EmbeddingsInterface } from "@langchain/core/embeddings";

/**
 * An embedder in LangChain's `Embeddings` shape, so it also plugs into
 * LangChain vector stores, plus what the index needs to know about it.
 */
export interface EmbeddingProvider extends EmbeddingsInterface<number[]> {
  /**
   * Everything that changes the vectors (model, pooling, prefix, quantization),
   * as one string. The manifest records it; a different id means a rebuild.
   */
  readonly id: string;
  readonly dimensions: number;
}

/** Splits `items` into batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
