import { createHash } from "node:crypto";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { terms } from "../../src/text/terms.js";

/*
 * Vectors "produced another way" for corpora too large to embed with the
 * offline model in a benchmark run: each index term is hashed to one of 512
 * dimensions with a sign (feature hashing), counts are log-scaled and the
 * vector normalised. Same dimension as the offline embedder, text-dependent
 * (similar texts get similar vectors), and fast. The HNSW index and the
 * queries are real; only the vectors' source differs, and the report says so.
 */

const DIMENSIONS = 512;

function slot(term: string): { index: number; sign: number } {
  const h = createHash("md5").update(term).digest();
  return { index: h.readUInt32LE(0) % DIMENSIONS, sign: (h[4] ?? 0) & 1 ? 1 : -1 };
}

export function hashedVector(text: string, cache: Map<string, { index: number; sign: number }>): number[] {
  const counts = new Map<string, number>();
  for (const t of terms(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const v = new Array<number>(DIMENSIONS).fill(0);
  for (const [t, c] of counts) {
    let s = cache.get(t);
    if (!s) {
      s = slot(t);
      cache.set(t, s);
    }
    v[s.index] = (v[s.index] ?? 0) + s.sign * (1 + Math.log(c));
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export function hashedEmbeddings(): EmbeddingProvider {
  const cache = new Map<string, { index: number; sign: number }>();
  return {
    id: `hashed-terms-${DIMENSIONS}:v1`,
    dimensions: DIMENSIONS,
    embedDocuments: async (texts) => texts.map((t) => hashedVector(t, cache)),
    embedQuery: async (text) => hashedVector(text, cache),
  };
}
