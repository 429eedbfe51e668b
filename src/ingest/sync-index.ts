import { performance } from "node:perf_hooks";
import type { Corpus } from "../corpus/load-corpus.js";
import { AppError, errorDetail } from "../errors.js";
import { DenseIndex, type HnswParams } from "../index/dense-index.js";
import { LexicalIndex } from "../index/lexical-index.js";
import { loadCurrentIndex, newBuildId, SCHEMA_VERSION, writeIndex, type Manifest, type SearchIndex } from "../index/store.js";
import type { Logger } from "../log.js";
import { ANALYZER_ID } from "../text/terms.js";
import type { Chunk } from "../types.js";
import { CHUNKER_ID, chunkArticle, type ChunkingParams } from "./chunk.js";
import type { EmbeddingProvider } from "./embedders/provider.js";

export interface IngestSummary {
  readonly articles: number;
  readonly chunks: number;
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
  /** Chunks whose vectors were computed in this run. */
  readonly embedded: number;
  /** Why the whole index was rebuilt, or null when it was updated in place or already current. */
  readonly rebuilt: string | null;
  /** Whether a new build was written. */
  readonly wrote: boolean;
  readonly embedder: string;
  readonly timings: { chunkMs: number; embedMs: number; indexMs: number; writeMs: number; totalMs: number };
}

export interface SyncOptions {
  readonly dataDir: string;
  readonly corpus: Corpus;
  readonly embedder: EmbeddingProvider;
  readonly chunking: ChunkingParams;
  readonly hnsw: HnswParams;
  readonly log: Logger;
  /** Rebuild everything even if the index is current. */
  readonly force?: boolean;
}

/** Share of tombstoned vectors past which the HNSW graph is rebuilt from the live ones. */
const COMPACT_RATIO = 0.25;

/**
 * Brings the index in the data folder up to date with the corpus: re-embeds
 * only new or changed articles, drops deleted ones, and rebuilds from scratch
 * when the stored index is missing, damaged, or made by another embedder,
 * chunker or HNSW setting. Writes a new build atomically when anything changed.
 */
export async function syncIndex(opts: SyncOptions): Promise<{ index: SearchIndex; summary: IngestSummary }> {
  const t0 = performance.now();
  const { corpus, embedder, log } = opts;
  const loaded = await loadCurrentIndex(opts.dataDir);
  let base: SearchIndex | null = null;
  let rebuilt: string | null = null;
  if (loaded.status === "missing") {
    rebuilt = "no index yet";
    log.info("index.build", { reason: rebuilt, dataDir: opts.dataDir });
  } else if (loaded.status === "corrupt") {
    rebuilt = `the stored index is damaged (${loaded.reason})`;
    log.warn("index.rebuild", { reason: rebuilt, dataDir: opts.dataDir });
  } else {
    const mismatch = opts.force ? "a rebuild was requested" : incompatibility(loaded.index.manifest, opts);
    if (mismatch) {
      rebuilt = mismatch;
      log.info("index.rebuild", { reason: rebuilt, dataDir: opts.dataDir });
    } else {
      base = loaded.index;
    }
  }

  const before = new Map(base?.manifest.articles.map((a) => [a.source, a.hash]) ?? []);
  const now = new Map(corpus.articles.map((a) => [a.source, a]));
  const added = corpus.articles.filter((a) => !before.has(a.source)).map((a) => a.source);
  const changed = corpus.articles.filter((a) => before.has(a.source) && before.get(a.source) !== a.hash).map((a) => a.source);
  const removed = [...before.keys()].filter((s) => !now.has(s));
  const unchanged = corpus.articles.length - added.length - changed.length;

  if (base && added.length + changed.length + removed.length === 0) {
    const summary = summarise(base, { added, changed, removed, unchanged, embedded: 0, rebuilt, wrote: false, embedder: embedder.id });
    return { index: base, summary: { ...summary, timings: { chunkMs: 0, embedMs: 0, indexMs: 0, writeMs: 0, totalMs: performance.now() - t0 } } };
  }

  // Chunk what is new.
  const tChunk = performance.now();
  const dropped = new Set([...changed, ...removed]);
  const chunks = new Map<number, Chunk>();
  for (const [id, c] of base?.chunks ?? []) if (!dropped.has(c.source)) chunks.set(id, c);
  let nextLabel = base?.manifest.nextLabel ?? 0;
  const fresh: Chunk[] = [];
  for (const source of [...added, ...changed]) {
    const article = now.get(source);
    if (!article) continue;
    for (const span of await chunkArticle(article.text, opts.chunking)) {
      const chunk: Chunk = { id: nextLabel++, source, ...span };
      fresh.push(chunk);
      chunks.set(chunk.id, chunk);
    }
  }
  const chunkMs = performance.now() - tChunk;

  const tEmbed = performance.now();
  const vectors = fresh.length ? await opts.embedder.embedDocuments(fresh.map((c) => c.text)) : [];
  if (vectors.length !== fresh.length) throw new Error(`embedder returned ${vectors.length} vectors for ${fresh.length} chunks`);
  for (const v of vectors) {
    if (v.length !== embedder.dimensions || !v.every(Number.isFinite)) {
      throw new Error(`embedder ${embedder.id} returned an invalid vector (length ${v.length}, expected ${embedder.dimensions} finite numbers)`);
    }
  }
  const embedMs = performance.now() - tEmbed;

  const tIndex = performance.now();
  let dense = base?.dense ?? DenseIndex.create(embedder.dimensions, opts.hnsw, fresh.length);
  if (base) for (const [id, c] of base.chunks) if (dropped.has(c.source)) dense.remove(id);
  fresh.forEach((c, i) => dense.add(c.id, vectors[i] as number[]));
  if (dense.deleted > COMPACT_RATIO * (dense.size + dense.deleted)) dense = dense.compacted();
  const lexical = LexicalIndex.build([...chunks.values()]);
  const indexMs = performance.now() - tIndex;

  const perArticle = new Map<string, number>();
  for (const c of chunks.values()) perArticle.set(c.source, (perArticle.get(c.source) ?? 0) + 1);
  const manifest: Manifest = {
    schemaVersion: SCHEMA_VERSION,
    buildId: newBuildId(),
    builtAt: new Date().toISOString(),
    embedder: { id: embedder.id, dimensions: embedder.dimensions },
    chunking: { chunker: CHUNKER_ID, size: opts.chunking.size, overlap: opts.chunking.overlap },
    lexical: { analyzer: ANALYZER_ID },
    hnsw: { m: opts.hnsw.m, efConstruction: opts.hnsw.efConstruction },
    articles: corpus.articles.map((a) => ({
      source: a.source,
      hash: a.hash,
      chunks: perArticle.get(a.source) ?? 0,
    })),
    chunkCount: chunks.size,
    nextLabel,
    buildMs: 0,
  };
  const index: SearchIndex = { manifest, chunks, lexical, dense };
  const tWrite = performance.now();
  manifest.buildMs = Math.round(tWrite - t0);
  let dir: string;
  try {
    dir = await writeIndex(opts.dataDir, index, log);
  } catch (error) {
    throw new AppError(
      "INDEX_UNWRITABLE",
      `Cannot write the index to ${opts.dataDir} (${errorDetail(error)}). Set DATA_DIR to a writable folder.`,
      { cause: error },
    );
  }
  const writeMs = performance.now() - tWrite;
  log.info("index.written", { dir, chunks: chunks.size, embedded: fresh.length, added: added.length, changed: changed.length, removed: removed.length });
  const summary = summarise(index, { added, changed, removed, unchanged, embedded: fresh.length, rebuilt, wrote: true, embedder: embedder.id });
  return { index, summary: { ...summary, timings: { chunkMs, embedMs, indexMs, writeMs, totalMs: performance.now() - t0 } } };
}

function incompatibility(m: Manifest, opts: SyncOptions): string | null {
  if (m.embedder.id !== opts.embedder.id || m.embedder.dimensions !== opts.embedder.dimensions) {
    return `the embedder changed (index: ${m.embedder.id}, now: ${opts.embedder.id})`;
  }
  if (m.chunking.chunker !== CHUNKER_ID || m.chunking.size !== opts.chunking.size || m.chunking.overlap !== opts.chunking.overlap) {
    return `the chunking changed (index: ${m.chunking.size}/${m.chunking.overlap}, now: ${opts.chunking.size}/${opts.chunking.overlap})`;
  }
  if (m.lexical.analyzer !== ANALYZER_ID) {
    return `the text analyser changed (index: ${m.lexical.analyzer}, now: ${ANALYZER_ID})`;
  }
  if (m.hnsw.m !== opts.hnsw.m || m.hnsw.efConstruction !== opts.hnsw.efConstruction) {
    return `the HNSW parameters changed (index: M=${m.hnsw.m} efConstruction=${m.hnsw.efConstruction})`;
  }
  return null;
}

function summarise(
  index: SearchIndex,
  parts: Omit<IngestSummary, "articles" | "chunks" | "timings">,
): Omit<IngestSummary, "timings"> {
  return { articles: index.manifest.articles.length, chunks: index.chunks.size, ...parts };
}
