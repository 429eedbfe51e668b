import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { errorDetail } from "../errors.js";
import type { Logger } from "../log.js";
import { deserializeKnowledge, serializeKnowledge, type CorpusKnowledge } from "../knowledge/build.js";
import type { Chunk } from "../types.js";
import { DenseIndex } from "./dense-index.js";
import { LexicalIndex } from "./lexical-index.js";

/*
 * On-disk layout of the data folder:
 *
 *   CURRENT              name of the build in use (replaced by rename, so atomic)
 *   builds/<id>/         one complete index: manifest.json, chunks.json, dense.hnsw, lexical.bin,
 *                        knowledge.json (sentence roles, entities, speakers; src/knowledge/)
 *   builds/<id>.tmp/     a build being written; never read
 *   write.lock           held by the one process writing (lock.ts)
 *
 * A new build is written into its .tmp folder, flushed to disk, renamed into
 * place, and only then does CURRENT switch to it. A crash at any point leaves
 * CURRENT naming a complete build. The build it replaced is kept until the
 * next write, for readers that had just started on it.
 */

/** Version of the build layout; a build of another version is rebuilt, not read. 2: binary lexical index. 3: knowledge.json. */
export const SCHEMA_VERSION = 3;

const manifestSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  buildId: z.string().min(1),
  builtAt: z.string(),
  embedder: z.object({ id: z.string().min(1), dimensions: z.number().int().positive() }),
  chunking: z.object({ chunker: z.string(), size: z.number().int(), overlap: z.number().int() }),
  lexical: z.object({ analyzer: z.string() }),
  hnsw: z.object({ m: z.number().int(), efConstruction: z.number().int() }),
  /** What the knowledge was built from (rules version, articles, metadata, alias file): see knowledgeFingerprint. */
  knowledge: z.object({ fingerprint: z.string().min(1) }),
  articles: z.array(z.object({ source: z.string(), hash: z.string(), chunks: z.number().int().nonnegative() })),
  chunkCount: z.number().int().nonnegative(),
  nextLabel: z.number().int().nonnegative(),
  buildMs: z.number().nonnegative(),
});

export type Manifest = z.infer<typeof manifestSchema>;

const chunksSchema = z.array(
  z.object({
    id: z.number().int().nonnegative(),
    source: z.string(),
    start: z.number().int().nonnegative(),
    end: z.number().int().nonnegative(),
    text: z.string(),
  }),
);

export interface SearchIndex {
  readonly manifest: Manifest;
  readonly chunks: ReadonlyMap<number, Chunk>;
  readonly lexical: LexicalIndex;
  readonly dense: DenseIndex;
  readonly knowledge: CorpusKnowledge;
}

const FILES = { manifest: "manifest.json", chunks: "chunks.json", dense: "dense.hnsw", lexical: "lexical.bin", knowledge: "knowledge.json" };

export type LoadResult =
  | { readonly status: "ok"; readonly index: SearchIndex; readonly dir: string }
  | { readonly status: "missing" }
  | { readonly status: "outdated"; readonly reason: string }
  | { readonly status: "corrupt"; readonly reason: string };

/** The folder of the build CURRENT names, or null when there is none (or CURRENT is unreadable). */
export async function currentBuildDir(dataDir: string): Promise<string | null> {
  try {
    const name = (await readFile(path.join(dataDir, "CURRENT"), "utf8")).trim();
    return /^[\w.-]+$/.test(name) ? path.join(dataDir, "builds", name) : null;
  } catch {
    return null;
  }
}

/** Reads the build CURRENT names. Never throws: a damaged index is reported, to be rebuilt. */
export async function loadCurrentIndex(dataDir: string): Promise<LoadResult> {
  let name: string;
  try {
    name = (await readFile(path.join(dataDir, "CURRENT"), "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing" };
    return { status: "corrupt", reason: `CURRENT is unreadable: ${errorDetail(error)}` };
  }
  if (!/^[\w.-]+$/.test(name)) return { status: "corrupt", reason: "CURRENT does not name a build" };
  const dir = path.join(dataDir, "builds", name);
  try {
    const manifest: unknown = JSON.parse(await readFile(path.join(dir, FILES.manifest), "utf8"));
    const version = (manifest as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === "number" && version !== SCHEMA_VERSION) {
      return { status: "outdated", reason: `it has layout version ${version}; this version of the bot reads ${SCHEMA_VERSION}` };
    }
    return { status: "ok", index: await readBuild(dir, manifest), dir };
  } catch (error) {
    return { status: "corrupt", reason: `${path.relative(dataDir, dir)}: ${errorDetail(error)}` };
  }
}

async function readBuild(dir: string, manifestJson: unknown): Promise<SearchIndex> {
  const manifest = manifestSchema.parse(manifestJson);
  const chunkList = chunksSchema.parse(JSON.parse(await readFile(path.join(dir, FILES.chunks), "utf8")));
  if (chunkList.length !== manifest.chunkCount) {
    throw new Error(`chunks.json holds ${chunkList.length} chunks, manifest says ${manifest.chunkCount}`);
  }
  const chunks = new Map(chunkList.map((c) => [c.id, c]));
  const lexical = LexicalIndex.deserialize(await readFile(path.join(dir, FILES.lexical)));
  if (lexical.size !== chunks.size) throw new Error(`lexical index holds ${lexical.size} chunks, expected ${chunks.size}`);
  for (const id of chunks.keys()) if (!lexical.has(id)) throw new Error(`lexical index lacks chunk ${id}`);
  const dense = await DenseIndex.read(path.join(dir, FILES.dense), manifest.embedder.dimensions, manifest.hnsw, [...chunks.keys()]);
  const knowledge = deserializeKnowledge(await readFile(path.join(dir, FILES.knowledge), "utf8"));
  if (knowledge.fingerprint !== manifest.knowledge.fingerprint) throw new Error("knowledge.json does not match the manifest");
  return { manifest, chunks, lexical, dense, knowledge };
}

/** Flushes a file or folder to the disk, so a rename that follows cannot overtake its contents. */
async function flush(target: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(target, "r");
    await handle.sync();
  } catch (error) {
    // Some platforms cannot open or sync a folder; the data itself was synced.
    if (!(await stat(target)).isDirectory()) throw error;
  } finally {
    await handle?.close();
  }
}

async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(file, data);
  await flush(file);
}

/**
 * Writes `index` as a new build and makes it current. Returns the build's
 * folder. Callers hold the write lock (see lock.ts).
 */
export async function writeIndex(dataDir: string, index: SearchIndex, log: Logger): Promise<string> {
  const builds = path.join(dataDir, "builds");
  await mkdir(builds, { recursive: true });
  const id = index.manifest.buildId;
  const tmp = path.join(builds, `${id}.tmp`);
  const final = path.join(builds, id);
  await mkdir(tmp, { recursive: true });
  await writeDurably(path.join(tmp, FILES.chunks), JSON.stringify([...index.chunks.values()]));
  await writeDurably(path.join(tmp, FILES.lexical), index.lexical.serialize());
  await writeDurably(path.join(tmp, FILES.knowledge), serializeKnowledge(index.knowledge));
  await index.dense.write(path.join(tmp, FILES.dense));
  await flush(path.join(tmp, FILES.dense));
  // The manifest goes last: a folder with one is complete.
  await writeDurably(path.join(tmp, FILES.manifest), JSON.stringify(index.manifest, null, 2));
  await flush(tmp);
  await rename(tmp, final);
  await flush(builds);
  const previous = await readFile(path.join(dataDir, "CURRENT"), "utf8").then((s) => s.trim(), () => null);
  const pointer = path.join(dataDir, `CURRENT.${randomBytes(4).toString("hex")}.tmp`);
  await writeDurably(pointer, `${id}\n`);
  await rename(pointer, path.join(dataDir, "CURRENT"));
  await flush(dataDir);
  await removeOldBuilds(dataDir, [id, previous], log);
  return final;
}

/** A sortable, unique build id: time first, so `ls` shows builds in order. */
export function newBuildId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, "").replace("T", "-")}-${randomBytes(3).toString("hex")}`;
}

const STALE_TMP_MS = 60 * 60 * 1000;

/**
 * Deletes builds other than the new one and the one it replaced (a process
 * that started reading that one a moment ago can still finish), and abandoned
 * .tmp files. Failing to delete is logged, never an error: the new index is in place.
 */
async function removeOldBuilds(dataDir: string, keep: (string | null)[], log: Logger): Promise<void> {
  const builds = path.join(dataDir, "builds");
  const stale = async (p: string) => Date.now() - (await stat(p)).mtimeMs > STALE_TMP_MS;
  const remove = async (p: string) => {
    try {
      await rm(p, { recursive: true, force: true });
    } catch (error) {
      log.warn("index.cleanup_failed", { path: p, reason: errorDetail(error) });
    }
  };
  try {
    for (const name of await readdir(builds)) {
      const dir = path.join(builds, name);
      if (keep.includes(name)) continue;
      if (name.endsWith(".tmp") && !(await stale(dir))) continue;
      await remove(dir);
    }
    for (const name of await readdir(dataDir)) {
      const file = path.join(dataDir, name);
      if (/^CURRENT\..*\.tmp$/.test(name) && (await stale(file))) await remove(file);
    }
  } catch (error) {
    log.warn("index.cleanup_failed", { path: dataDir, reason: errorDetail(error) });
  }
}
