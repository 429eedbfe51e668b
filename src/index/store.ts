import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { errorDetail } from "../errors.js";
import type { Logger } from "../log.js";
import { deserializeKnowledge, serializeKnowledge, type CorpusKnowledge } from "../knowledge/build.js";
import type { Chunk } from "../types.js";
import { DenseIndex } from "./dense-index.js";
import { LexicalIndex } from "./lexical-index.js";
import { ensureDir } from "../util/fs.js";

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

/**
 * Version of the build layout; a build of another version is rebuilt, not read. 2: binary lexical index. 3: knowledge.json.
 * 4: checksums of every file in the manifest, and of the manifest itself.
 */
export const SCHEMA_VERSION = 4;

export const manifestSchema = z.object({
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

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const checksumSchema = z.string().regex(/^[0-9a-f]{64}$/);

/*
 * What manifest.json holds on disk: the manifest, the sha256 of every other
 * file of the build, and the sha256 of all that (`checksum`, over its
 * JSON.stringify without the field). A flipped byte anywhere in the build is
 * found before a file is parsed or handed to hnswlib, whose reader trusts its
 * input (a damaged graph can crash the process or return wrong neighbours);
 * the manifest's own checksum covers changes that still parse, such as a digit
 * of `nextLabel` or of an article's hash.
 */
const storedManifestSchema = manifestSchema.extend({
  files: z.object({ chunks: checksumSchema, dense: checksumSchema, lexical: checksumSchema, knowledge: checksumSchema }),
  checksum: checksumSchema,
});

type FileChecksums = z.infer<typeof storedManifestSchema>["files"];

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
    const manifest = await readManifest(dir);
    const version = (manifest as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === "number" && version !== SCHEMA_VERSION) {
      return { status: "outdated", reason: `it has layout version ${version}; this version of the bot reads ${SCHEMA_VERSION}` };
    }
    return { status: "ok", index: await readBuild(dir, manifest), dir };
  } catch (error) {
    // A damaged file is named in the reason: "builds/<id>/dense.hnsw: checksum mismatch".
    return { status: "corrupt", reason: `${path.relative(dataDir, dir)}${error instanceof DamagedFile ? "/" : ": "}${errorDetail(error)}` };
  }
}

/** A file of a build that is missing, unreadable, or not the bytes the manifest recorded. */
class DamagedFile extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

async function readManifest(dir: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path.join(dir, FILES.manifest), "utf8"));
  } catch (error) {
    throw new DamagedFile(FILES.manifest, errorDetail(error));
  }
}

/** sha256 of a file read in pieces: the HNSW graph (150 MB at 100k chunks) is never held whole just to hash it. */
async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const piece of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(piece as Buffer);
  return hash.digest("hex");
}

/** Checks a file that another reader (hnswlib) loads itself against the manifest. */
async function verifyStreamed(dir: string, file: string, expected: string): Promise<void> {
  const actual = await sha256OfFile(path.join(dir, file)).catch((error: unknown) => {
    throw new DamagedFile(file, errorDetail(error));
  });
  if (actual !== expected) throw new DamagedFile(file, "checksum mismatch");
}

/** The bytes of a build's file, checked against the manifest before anything parses them. */
async function readVerified(dir: string, file: string, expected: string): Promise<Buffer> {
  const bytes = await readFile(path.join(dir, file)).catch((error: unknown) => {
    throw new DamagedFile(file, errorDetail(error));
  });
  if (sha256(bytes) !== expected) throw new DamagedFile(file, "checksum mismatch");
  return bytes;
}

async function readBuild(dir: string, manifestJson: unknown): Promise<SearchIndex> {
  // Checked on the JSON as read (keys in file order), before the schema drops or reorders anything.
  const { checksum, ...content } = (manifestJson ?? {}) as Record<string, unknown>;
  if (typeof checksum !== "string" || sha256(JSON.stringify(content)) !== checksum) {
    throw new DamagedFile(FILES.manifest, "checksum mismatch");
  }
  const { files } = storedManifestSchema.parse(manifestJson);
  const manifest = manifestSchema.parse(manifestJson);
  // Every file is verified before any is parsed: a damaged one is named, whichever it is.
  const [chunkBytes, lexicalBytes, knowledgeBytes] = await Promise.all([
    readVerified(dir, FILES.chunks, files.chunks),
    readVerified(dir, FILES.lexical, files.lexical),
    readVerified(dir, FILES.knowledge, files.knowledge),
    verifyStreamed(dir, FILES.dense, files.dense),
  ]);
  const chunkList = chunksSchema.parse(JSON.parse(chunkBytes.toString("utf8")));
  if (chunkList.length !== manifest.chunkCount) {
    throw new Error(`chunks.json holds ${chunkList.length} chunks, manifest says ${manifest.chunkCount}`);
  }
  const chunks = new Map(chunkList.map((c) => [c.id, c]));
  const lexical = LexicalIndex.deserialize(lexicalBytes);
  if (lexical.size !== chunks.size) throw new Error(`lexical index holds ${lexical.size} chunks, expected ${chunks.size}`);
  for (const id of chunks.keys()) if (!lexical.has(id)) throw new Error(`lexical index lacks chunk ${id}`);
  // hnswlib reads the file itself; it was verified just above, and a build is never changed once written.
  const dense = await DenseIndex.read(path.join(dir, FILES.dense), manifest.embedder.dimensions, manifest.hnsw, [...chunks.keys()]);
  const knowledge = deserializeKnowledge(knowledgeBytes.toString("utf8"));
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

/** Writes `data` durably and returns its sha256, for the manifest. */
async function writeDurably(file: string, data: string | Uint8Array): Promise<string> {
  await writeFile(file, data);
  await flush(file);
  return sha256(data);
}

/**
 * Writes `index` as a new build and makes it current. Returns the build's
 * folder. Callers hold the write lock (see lock.ts); `beforeCommit` throws if
 * they no longer may make it current (lock lost, or stopped), and then CURRENT is left alone.
 */
export async function writeIndex(dataDir: string, index: SearchIndex, log: Logger, beforeCommit: () => void = () => undefined): Promise<string> {
  const builds = path.join(dataDir, "builds");
  await ensureDir(builds);
  const id = index.manifest.buildId;
  const tmp = path.join(builds, `${id}.tmp`);
  const final = path.join(builds, id);
  await mkdir(tmp);
  const chunks = await writeDurably(path.join(tmp, FILES.chunks), JSON.stringify([...index.chunks.values()]));
  const lexical = await writeDurably(path.join(tmp, FILES.lexical), index.lexical.serialize());
  const knowledge = await writeDurably(path.join(tmp, FILES.knowledge), serializeKnowledge(index.knowledge));
  await index.dense.write(path.join(tmp, FILES.dense));
  await flush(path.join(tmp, FILES.dense));
  // hnswlib writes the graph itself: its checksum is of the bytes as they landed on disk.
  const files: FileChecksums = { chunks, dense: await sha256OfFile(path.join(tmp, FILES.dense)), lexical, knowledge };
  const content = { ...index.manifest, files };
  // The manifest goes last: a folder with one is complete.
  await writeDurably(path.join(tmp, FILES.manifest), JSON.stringify({ ...content, checksum: sha256(JSON.stringify(content)) }, null, 2));
  await flush(tmp);
  await rename(tmp, final);
  await flush(builds);
  const previous = await readFile(path.join(dataDir, "CURRENT"), "utf8").then((s) => s.trim(), () => null);
  const pointer = path.join(dataDir, `CURRENT.${randomBytes(4).toString("hex")}.tmp`);
  await writeDurably(pointer, `${id}\n`);
  beforeCommit();
  await rename(pointer, path.join(dataDir, "CURRENT"));
  await flush(dataDir);
  await removeOldBuilds(dataDir, [id, previous], log);
  return final;
}

/** A sortable, unique build id: time first, so `ls` shows builds in order. */
export function newBuildId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, "").replace("T", "-")}-${randomBytes(3).toString("hex")}`;
}

/**
 * Deletes builds other than the new one and the one it replaced (a process
 * that started reading that one a moment ago can still finish), and abandoned
 * .tmp files. Failing to delete is logged, never an error: the new index is in place.
 */
async function removeOldBuilds(dataDir: string, keep: (string | null)[], log: Logger): Promise<void> {
  const builds = path.join(dataDir, "builds");
  try {
    for (const name of await readdir(builds)) {
      if (!keep.includes(name) && !name.endsWith(".tmp")) await removeLogged(path.join(builds, name), log);
    }
  } catch (error) {
    log.warn("index.cleanup_failed", { path: builds, reason: errorDetail(error) });
  }
  await removeAbandonedBuilds(dataDir, log);
}

/**
 * Deletes half-written builds (builds/<id>.tmp) and CURRENT.*.tmp files. Only
 * a writer makes them, and writers hold the write lock, so callers that hold it
 * know every one is left from a writer that died or was stopped. Never throws.
 */
export async function removeAbandonedBuilds(dataDir: string, log: Logger): Promise<number> {
  let removed = 0;
  for (const p of await abandonedBuilds(dataDir)) if (await removeLogged(p, log)) removed++;
  if (removed > 0) log.info("index.abandoned_removed", { dataDir, count: removed });
  return removed;
}

/** The paths removeAbandonedBuilds would remove (none when the folders cannot be read). */
export async function abandonedBuilds(dataDir: string): Promise<string[]> {
  const list = async (dir: string, abandoned: (name: string) => boolean) =>
    (await readdir(dir).catch(() => [] as string[])).filter(abandoned).map((name) => path.join(dir, name));
  return [...(await list(path.join(dataDir, "builds"), (name) => name.endsWith(".tmp"))), ...(await list(dataDir, (name) => /^CURRENT\..*\.tmp$/.test(name)))];
}

async function removeLogged(p: string, log: Logger): Promise<boolean> {
  try {
    await rm(p, { recursive: true, force: true });
    return true;
  } catch (error) {
    log.warn("index.cleanup_failed", { path: p, reason: errorDetail(error) });
    return false;
  }
}
