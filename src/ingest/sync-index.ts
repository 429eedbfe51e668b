import { performance } from "node:perf_hooks";
import type { Corpus, SkippedFile } from "../corpus/load-corpus.js";
import { errorDetail, isAppError, throwIfStopped } from "../errors.js";
import { DenseIndex, type HnswParams } from "../index/dense-index.js";
import { LexicalIndex } from "../index/lexical-index.js";
import { ifUnlocked, withWriteLock, type WriteLease } from "../index/lock.js";
import { abandonedBuilds, currentBuildDir, loadCurrentIndex, newBuildId, removeAbandonedBuilds, SCHEMA_VERSION, writeIndex, type LoadResult, type Manifest, type SearchIndex } from "../index/store.js";
import type { Logger } from "../log.js";
import { buildKnowledge, knowledgeFingerprint } from "../knowledge/build.js";
import type { Nlp } from "../knowledge/nlp.js";
import { ANALYZER_ID } from "../text/terms.js";
import type { Chunk } from "../types.js";
import { CHUNKER_ID, chunkArticle, type ChunkingParams } from "./chunk.js";
import { batches, type EmbeddingProvider } from "./embedders/provider.js";

export interface IngestSummary {
  readonly articles: number;
  readonly chunks: number;
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
  /** Files of the corpus folder that are not articles, and why. */
  readonly skipped: readonly SkippedFile[];
  /** Chunks whose vectors were computed in this run. */
  readonly embedded: number;
  /** Why the whole index was rebuilt, or null when it was updated in place or already current. */
  readonly rebuilt: string | null;
  /** Whether a new build was written. */
  readonly wrote: boolean;
  /**
   * Why the new index could not be saved (it is still used, from memory), or
   * null. The next start will have to build it again.
   */
  readonly writeError: string | null;
  readonly embedder: string;
  /** indexMs is the HNSW graph (denseMs), the lexical index (lexicalMs) and the corpus knowledge (knowledgeMs) together. */
  readonly timings: {
    chunkMs: number;
    embedMs: number;
    indexMs: number;
    denseMs: number;
    lexicalMs: number;
    knowledgeMs: number;
    writeMs: number;
    totalMs: number;
  };
}

/** Where an index build is (see IngestProgress.phase). */
export type IngestPhase = "reading" | "embedding" | "analysing" | "writing";

/**
 * One step of an index build, reported to `SyncOptions.onProgress`: at the start
 * of each phase, after each article is read and split, after each slice of
 * chunks is embedded, and every ADD_SLICE vectors added to the HNSW graph. A
 * build starts with `reading` and 0 articles done; an index already current
 * reports nothing. The counts are of this build's new and changed articles
 * and their chunks only (an update of one article counts one).
 */
export interface IngestProgress {
  /** reading and splitting the articles, embedding their chunks, building the search indexes and analysing the corpus, writing the build. */
  readonly phase: IngestPhase;
  /** Articles done: read and split while reading, all of whose chunks are embedded from then on. */
  readonly articlesDone: number;
  readonly articlesTotal: number;
  /** Chunks embedded so far, of `chunksTotal` (known once reading is over; while reading, the chunks found so far). */
  readonly chunksDone: number;
  readonly chunksTotal: number;
}

export interface SyncOptions {
  readonly dataDir: string;
  readonly corpus: Corpus;
  readonly embedder: EmbeddingProvider;
  readonly chunking: ChunkingParams;
  readonly hnsw: HnswParams;
  readonly log: Logger;
  /** The NLP models the corpus knowledge is built with. */
  readonly nlp: Nlp;
  /** Rebuild everything even if the index is current. */
  readonly force?: boolean;
  /** Aborted to stop (Ctrl-C / SIGTERM): the work stops at the next stage with STOPPED, and CURRENT is not switched. */
  readonly signal?: AbortSignal;
  /** Called as the build goes on (see IngestProgress); not called when the index is already current. Must not block: it runs between embedding slices. */
  readonly onProgress?: (p: IngestProgress) => void;
}

/** Vectors added to the HNSW graph between checks for a stop (about 0.2 s of work at 20k chunks, 0.5 s at 100k). */
const ADD_SLICE = 500;

/** Share of tombstoned vectors past which the HNSW graph is rebuilt from the live ones. */
const COMPACT_RATIO = 0.25;

/** Chunks embedded per call, between which a stop request is heard. */
const EMBED_SLICE = 16;

interface Plan {
  readonly base: SearchIndex | null;
  readonly rebuilt: string | null;
  /** What reading the stored index found. */
  readonly found: LoadResult["status"];
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
  /** The articles are unchanged, but what their knowledge is built from (rules, metadata, alias file) changed. */
  readonly knowledgeStale: boolean;
}

/**
 * Brings the index in the data folder up to date with the corpus: re-embeds
 * only new or changed articles, drops deleted ones, and rebuilds from scratch
 * when the stored index is missing, damaged, or made by another embedder,
 * chunker, analyser or HNSW setting. Reading a current index takes no lock;
 * updating it holds the data folder's write lock, and writes a new build
 * atomically.
 */
export async function syncIndex(opts: SyncOptions): Promise<{ index: SearchIndex; summary: IngestSummary }> {
  const t0 = performance.now();
  throwIfStopped(opts.signal);
  const loaded = await loadTwice(opts.dataDir);
  const first = plan(loaded, opts);
  if (first.base && isCurrent(first)) {
    // Half-written builds of a writer that died are removed here too, but only while no writer is at work.
    if ((await abandonedBuilds(opts.dataDir)).length > 0) await ifUnlocked(opts.dataDir, opts.log, () => removeAbandonedBuilds(opts.dataDir, opts.log));
    return { index: first.base, summary: unchangedSummary(first.base, first, opts, t0) };
  }

  return withWriteLock(
    opts.dataDir,
    opts.log,
    async (lease) => {
      // Holding the lock, every .tmp build is a dead writer's.
      await removeAbandonedBuilds(opts.dataDir, opts.log);
      // Another process may have written a new build while we waited; read the index again only then.
      const unchanged = loaded.status === "ok" && (await currentBuildDir(opts.dataDir)) === loaded.dir;
      const p = unchanged ? first : plan(await loadTwice(opts.dataDir), opts);
      if (p.base && isCurrent(p)) return { index: p.base, summary: unchangedSummary(p.base, p, opts, t0) };
      if (p.rebuilt) {
        opts.log[p.found === "corrupt" ? "warn" : "info"](p.found === "missing" ? "index.build" : "index.rebuild", { reason: p.rebuilt, dataDir: opts.dataDir });
      }
      return update(p, opts, t0, lease);
    },
    undefined,
    opts.signal,
  );
}

export type FollowedIndex =
  | { readonly status: "ok"; readonly index: SearchIndex; readonly summary: IngestSummary }
  /** No build, a damaged one, or one of another layout version. */
  | { readonly status: "unreadable"; readonly reason: string }
  /** Made with another embedder, chunking, analyser or HNSW setting than `opts` name. */
  | { readonly status: "incompatible"; readonly reason: string }
  /** Readable, but not of the articles in the corpus now (they changed after it was built). */
  | { readonly status: "stale"; readonly reason: string };

/**
 * Reads the build CURRENT names for a process that follows another writer
 * (app.followIndex): the same read as syncIndex's when the index is up to date
 * (every file checked against the manifest), but it never builds, writes,
 * cleans up or takes the write lock; anything syncIndex would rebuild is
 * reported instead, for the caller to keep what it has.
 */
export async function readCurrentIfUpToDate(opts: Omit<SyncOptions, "force" | "signal">): Promise<FollowedIndex> {
  const t0 = performance.now();
  const loaded = await loadTwice(opts.dataDir);
  if (loaded.status === "missing") return { status: "unreadable", reason: "there is no index (no CURRENT)" };
  if (loaded.status !== "ok") return { status: "unreadable", reason: loaded.reason };
  const p = plan(loaded, opts);
  if (!p.base) return { status: "incompatible", reason: p.rebuilt ?? "unknown" };
  if (!isCurrent(p)) {
    const parts = [
      ...(p.added.length ? [`added since: ${p.added.join(", ")}`] : []),
      ...(p.changed.length ? [`changed since: ${p.changed.join(", ")}`] : []),
      ...(p.removed.length ? [`removed since: ${p.removed.join(", ")}`] : []),
      ...(p.knowledgeStale ? ["the metadata or alias file changed since"] : []),
    ];
    return { status: "stale", reason: `it does not match the articles on disk (${parts.join("; ")})` };
  }
  return { status: "ok", index: p.base, summary: unchangedSummary(p.base, p, opts, t0) };
}

/**
 * Reads the current build; when that fails, reads once more before calling it
 * damaged, since a writer may have switched builds under the first read.
 */
async function loadTwice(dataDir: string): Promise<LoadResult> {
  const first = await loadCurrentIndex(dataDir);
  return first.status === "corrupt" ? loadCurrentIndex(dataDir) : first;
}

function plan(loaded: LoadResult, opts: SyncOptions): Plan {
  let base: SearchIndex | null = null;
  let rebuilt: string | null;
  if (loaded.status === "missing") rebuilt = "no index yet";
  else if (loaded.status === "corrupt") rebuilt = `the stored index is damaged (${loaded.reason})`;
  else if (loaded.status === "outdated") rebuilt = `the stored index was written by another version (${loaded.reason})`;
  else {
    rebuilt = opts.force ? "a rebuild was requested" : incompatibility(loaded.index.manifest, opts);
    if (!rebuilt) base = loaded.index;
  }
  const before = new Map(base?.manifest.articles.map((a) => [a.source, a.hash]) ?? []);
  const now = new Set(opts.corpus.articles.map((a) => a.source));
  return {
    base,
    rebuilt,
    found: loaded.status,
    added: opts.corpus.articles.filter((a) => !before.has(a.source)).map((a) => a.source),
    changed: opts.corpus.articles.filter((a) => before.has(a.source) && before.get(a.source) !== a.hash).map((a) => a.source),
    removed: [...before.keys()].filter((s) => !now.has(s)),
    knowledgeStale: base !== null && base.manifest.knowledge.fingerprint !== knowledgeFingerprint(opts.corpus),
  };
}

const isCurrent = (p: Plan) => p.added.length + p.changed.length + p.removed.length === 0 && !p.knowledgeStale;

async function update(p: Plan, opts: SyncOptions, t0: number, lease: WriteLease): Promise<{ index: SearchIndex; summary: IngestSummary }> {
  const { corpus, embedder, log, signal } = opts;
  // The stages between these checks run to their end once started; the longest, the knowledge build, took 0.15 s on the seeds and 5 s at 20,000 chunks.
  throwIfStopped(signal);
  const base = p.base;
  const dropped = new Set([...p.changed, ...p.removed]);
  const chunks = new Map<number, Chunk>();
  for (const [id, c] of base?.chunks ?? []) if (!dropped.has(c.source)) chunks.set(id, c);
  const toRead = [...p.added, ...p.changed];
  const progress = progressReporter(opts, toRead.length);
  const { fresh, vectors, nextLabel, chunkMs, embedMs } = await readAndEmbed(toRead, base?.manifest.nextLabel ?? 0, opts, progress);
  for (const c of fresh) chunks.set(c.id, c);

  throwIfStopped(signal);
  progress("analysing", toRead.length, fresh.length, fresh.length);
  const tIndex = performance.now();
  // `base` was read from disk by this call alone, so its HNSW graph can be changed in place.
  let dense = base?.dense ?? DenseIndex.create(embedder.dimensions, opts.hnsw, fresh.length);
  if (base) for (const [id, c] of base.chunks) if (dropped.has(c.source)) dense.remove(id);
  // In slices, letting Ctrl-C in between: adding 100k vectors takes minutes of synchronous work.
  for (let i = 0; i < fresh.length; i++) {
    if (i % ADD_SLICE === ADD_SLICE - 1) {
      await new Promise(setImmediate);
      throwIfStopped(signal);
      // Still analysing: lets a reporter say so during minutes of graph building.
      progress("analysing", toRead.length, fresh.length, fresh.length);
    }
    dense.add((fresh[i] as Chunk).id, vectors[i] as number[]);
  }
  if (dense.deleted > COMPACT_RATIO * (dense.size + dense.deleted)) dense = dense.compacted();
  const denseMs = performance.now() - tIndex;
  const tLexical = performance.now();
  const lexical = p.base && fresh.length === 0 && dropped.size === 0 ? p.base.lexical : LexicalIndex.build([...chunks.values()]);
  const lexicalMs = performance.now() - tLexical;
  throwIfStopped(signal);
  const tKnowledge = performance.now();
  const knowledge = buildKnowledge(corpus, opts.nlp);
  const knowledgeMs = performance.now() - tKnowledge;
  const indexMs = performance.now() - tIndex;

  const perArticle = new Map<string, number>();
  for (const c of chunks.values()) perArticle.set(c.source, (perArticle.get(c.source) ?? 0) + 1);
  const manifest = newManifest(opts, knowledge.fingerprint, perArticle, chunks.size, nextLabel);
  const index: SearchIndex = { manifest, chunks, lexical, dense, knowledge };
  throwIfStopped(signal);
  progress("writing", toRead.length, fresh.length, fresh.length);
  const tWrite = performance.now();
  manifest.buildMs = Math.round(tWrite - t0);
  let writeError: string | null = null;
  try {
    const dir = await writeIndex(opts.dataDir, index, log, () => {
      lease.assertHeld();
      throwIfStopped(signal);
    });
    log.info("index.written", { dir, chunks: chunks.size, embedded: fresh.length, added: p.added.length, changed: p.changed.length, removed: p.removed.length });
  } catch (error) {
    // Lost the lock or stopped: CURRENT was not switched, and the caller must hear it.
    if (isAppError(error)) throw error;
    // The index is complete in memory: answer from it, and say loudly that it was not saved.
    writeError = `Cannot write the index to ${opts.dataDir} (${errorDetail(error)}); answering from memory, and the next start will rebuild it. Set DATA_DIR to a writable folder.`;
    log.error("index.write_failed", { dataDir: opts.dataDir, reason: errorDetail(error), error });
  }
  const writeMs = performance.now() - tWrite;
  return {
    index,
    summary: {
      ...counts(index, p, opts),
      embedded: fresh.length,
      wrote: writeError === null,
      writeError,
      timings: { chunkMs, embedMs, indexMs, denseMs, lexicalMs, knowledgeMs, writeMs, totalMs: performance.now() - t0 },
    },
  };
}

/**
 * The order to embed `chunks` in: longest text first (ties in chunk order). A batch costs about
 * its size times its longest text (padding), so batches of like lengths compute less (measured
 * with `npm run bench:embed`); longest first, so the progress bar's rate starts slow rather than
 * promising too early an end.
 */
export function embeddingOrder(chunks: readonly Pick<Chunk, "text">[]): number[] {
  return chunks.map((_, i) => i).sort((a, b) => (chunks[b] as Chunk).text.length - (chunks[a] as Chunk).text.length || a - b);
}

/** New and changed articles, split into chunks (ids from `firstLabel` on) and embedded, with progress and stops between slices. */
export async function readAndEmbed(
  sources: readonly string[],
  firstLabel: number,
  opts: Pick<SyncOptions, "corpus" | "embedder" | "chunking" | "signal">,
  progress: Progress,
): Promise<{ fresh: Chunk[]; vectors: number[][]; nextLabel: number; chunkMs: number; embedMs: number }> {
  const { corpus, embedder, signal } = opts;
  const tChunk = performance.now();
  let nextLabel = firstLabel;
  const fresh: Chunk[] = [];
  const bySource = new Map(corpus.articles.map((a) => [a.source, a]));
  const toRead = sources.filter((source) => bySource.has(source));
  progress("reading", 0, 0, 0);
  // The number of fresh chunks once each article is split: an article is done when that many are embedded.
  const articleEnds: number[] = [];
  for (const source of toRead) {
    const article = bySource.get(source);
    if (!article) continue;
    throwIfStopped(signal);
    for (const span of await chunkArticle(article.text, opts.chunking)) {
      const chunk: Chunk = { id: nextLabel++, source, ...span };
      fresh.push(chunk);
    }
    articleEnds.push(fresh.length);
    progress("reading", articleEnds.length, 0, fresh.length);
  }
  const chunkMs = performance.now() - tChunk;

  throwIfStopped(signal);
  const tEmbed = performance.now();
  // Embedded a slice at a time so Ctrl-C is heard between slices; a slice is one batch at the
  // default EMBED_BATCH_SIZE. Measured on the seeds (42 chunks, USE-lite): a stop took 3.1 s with
  // one call for all, 2.3–2.5 s in slices (the first batch also warms the model up).
  // Longest first, so each batch holds texts of about one length: a batch is padded to its
  // longest text (see embeddingOrder). The vectors go back to the chunks' order.
  const order = embeddingOrder(fresh);
  // Chunks of each article still to embed: an article is done when none is left.
  const left = articleEnds.map((end, k) => end - (articleEnds[k - 1] ?? 0));
  const articleOf = articleEnds.flatMap((_, k) => Array<number>(left[k] ?? 0).fill(k));
  // An article without a chunk (no words) is done already.
  let articlesDone = left.filter((n) => n === 0).length;
  let done = 0;
  const vectors: number[][] = new Array<number[]>(fresh.length);
  progress("embedding", 0, 0, fresh.length);
  for (const slice of batches(order, EMBED_SLICE)) {
    const got = await embedder.embedDocuments(slice.map((i) => (fresh[i] as Chunk).text));
    if (got.length !== slice.length) throw new Error(`embedder returned ${got.length} vectors for ${slice.length} chunks`);
    slice.forEach((i, k) => {
      vectors[i] = got[k] as number[];
      const article = articleOf[i] as number;
      left[article] = (left[article] as number) - 1;
      if (left[article] === 0) articlesDone++;
    });
    done += slice.length;
    progress("embedding", articlesDone, done, fresh.length);
    // TF.js on the CPU computes synchronously, so its promises resolve without the event loop
    // turning, and a signal is delivered only when it turns.
    await new Promise(setImmediate);
    throwIfStopped(signal);
  }
  for (const v of vectors) {
    if (v.length !== embedder.dimensions || !v.every(Number.isFinite)) {
      throw new Error(`embedder ${embedder.id} returned an invalid vector (length ${v.length}, expected ${embedder.dimensions} finite numbers)`);
    }
  }
  const embedMs = performance.now() - tEmbed;
  return { fresh, vectors, nextLabel, chunkMs, embedMs };
}

/** The manifest of a new build of `opts.corpus` (buildMs filled in when it is written). */
export function newManifest(
  opts: Pick<SyncOptions, "corpus" | "embedder" | "chunking" | "hnsw">,
  knowledgeFingerprint: string,
  chunksPerArticle: ReadonlyMap<string, number>,
  chunkCount: number,
  nextLabel: number,
): Manifest {
  return {
    schemaVersion: SCHEMA_VERSION,
    buildId: newBuildId(),
    builtAt: new Date().toISOString(),
    embedder: { id: opts.embedder.id, dimensions: opts.embedder.dimensions },
    chunking: { chunker: CHUNKER_ID, size: opts.chunking.size, overlap: opts.chunking.overlap },
    lexical: { analyzer: ANALYZER_ID },
    hnsw: { m: opts.hnsw.m, efConstruction: opts.hnsw.efConstruction },
    knowledge: { fingerprint: knowledgeFingerprint },
    articles: opts.corpus.articles.map((a) => ({ source: a.source, hash: a.hash, chunks: chunksPerArticle.get(a.source) ?? 0 })),
    chunkCount,
    nextLabel,
    buildMs: 0,
  };
}

/**
 * Sends progress to `opts.onProgress`, if any. A listener that throws is
 * logged once and not called again: progress must never fail a build.
 */
export type Progress = (phase: IngestPhase, articlesDone: number, chunksDone: number, chunksTotal: number) => void;

export function progressReporter(opts: Pick<SyncOptions, "onProgress" | "log">, articlesTotal: number): Progress {
  let listener = opts.onProgress;
  return (phase, articlesDone, chunksDone, chunksTotal) => {
    if (!listener) return;
    try {
      listener({ phase, articlesDone, articlesTotal, chunksDone, chunksTotal });
    } catch (error) {
      listener = undefined;
      opts.log.warn("ingest.progress_failed", { reason: errorDetail(error) });
    }
  };
}

function counts(index: SearchIndex, p: Plan, opts: SyncOptions) {
  return {
    articles: index.manifest.articles.length,
    chunks: index.chunks.size,
    added: p.added,
    changed: p.changed,
    removed: p.removed,
    unchanged: opts.corpus.articles.length - p.added.length - p.changed.length,
    skipped: opts.corpus.skipped,
    rebuilt: p.rebuilt,
    embedder: opts.embedder.id,
  };
}

function unchangedSummary(index: SearchIndex, p: Plan, opts: SyncOptions, t0: number): IngestSummary {
  return {
    ...counts(index, p, opts),
    embedded: 0,
    wrote: false,
    writeError: null,
    timings: { chunkMs: 0, embedMs: 0, indexMs: 0, denseMs: 0, lexicalMs: 0, knowledgeMs: 0, writeMs: 0, totalMs: performance.now() - t0 },
  };
}

/** Why the stored index cannot be updated in place, naming what differs (index vs now), or null. */
export function incompatibility(m: Manifest, opts: Pick<SyncOptions, "embedder" | "chunking" | "hnsw">): string | null {
  if (m.embedder.id !== opts.embedder.id) {
    return `the embedder changed (index: ${m.embedder.id}, now: ${opts.embedder.id})`;
  }
  if (m.embedder.dimensions !== opts.embedder.dimensions) {
    return `the embedder's dimensions changed (${opts.embedder.id}; index: ${m.embedder.dimensions}, now: ${opts.embedder.dimensions})`;
  }
  if (m.chunking.chunker !== CHUNKER_ID) {
    return `the chunker changed (index: ${m.chunking.chunker}, now: ${CHUNKER_ID})`;
  }
  if (m.chunking.size !== opts.chunking.size || m.chunking.overlap !== opts.chunking.overlap) {
    return `the chunking changed (index: ${m.chunking.size}/${m.chunking.overlap}, now: ${opts.chunking.size}/${opts.chunking.overlap})`;
  }
  if (m.lexical.analyzer !== ANALYZER_ID) {
    return `the text analyser changed (index: ${m.lexical.analyzer}, now: ${ANALYZER_ID})`;
  }
  if (m.hnsw.m !== opts.hnsw.m || m.hnsw.efConstruction !== opts.hnsw.efConstruction) {
    return `the HNSW parameters changed (index: M=${m.hnsw.m} efConstruction=${m.hnsw.efConstruction}, now: M=${opts.hnsw.m} efConstruction=${opts.hnsw.efConstruction})`;
  }
  return null;
}
