import { performance } from "node:perf_hooks";
import type { RetrievalBackend, RetrievalParams } from "../index/backend.js";
import type { EmbeddingProvider } from "../ingest/embedders/provider.js";
import type { Passage } from "../types.js";

export type { RetrievalParams } from "../index/backend.js";

export interface Retrieval {
  /** Every candidate, best first. */
  readonly passages: Passage[];
  readonly timings: { embedMs: number; lexicalMs: number; denseMs: number };
}

/** Embeds the question (unless retrieval is lexical only) and asks the backend for its passages (RetrievalBackend.search). */
export async function retrieve(question: string, backend: RetrievalBackend, embedder: EmbeddingProvider, params: RetrievalParams): Promise<Retrieval> {
  const t0 = performance.now();
  const vector = params.mode !== "lexical" ? await embedder.embedQuery(question) : null;
  const embedMs = performance.now() - t0;
  const result = await backend.search({ ...params, text: question, vector });
  return { passages: result.passages, timings: { embedMs, lexicalMs: result.lexicalMs, denseMs: result.denseMs } };
}
