import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { errorDetail } from "../errors.js";
import type { Logger } from "../log.js";
import type { Chunk } from "../types.js";
import { DenseIndex } from "./dense-index.js";
import { LexicalIndex } from "./lexical-index.js";

/*
 * On-disk layout of the data folder:
 *
 *   CURRENT              name of the build in use (replaced by rename, so atomic)
 *   builds/<id>/         one complete index: manifest.json, chunks.json, dense.hnsw, lexical.json
 *   builds/<id>.tmp/     a build being written; never read
 *
 * A new build is written into its .tmp folder, renamed into place, and only
 * then does CURRENT switch to it. A crash at any point leaves CURRENT naming
 * the previous complete build.
 */

export const SCHEMA_VERSION = 1;

const manifestSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  buildId: z.string().min(1),
  builtAt: z.string(),
  embedder: z.object({ id: z.string().min(1), dimensions: z.number().int().positive() }),
  chunking: z.object({ chunker: z.string(), size: z.number().int(), overlap: z.number().int() }),
  lexical: z.object({ analyzer: z.string() }),
  hnsw: z.object({ m: z.number().int(), efConstruction: z.number().int() }),
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
}

const FILES = { manifest: "manifest.json", chunks: "chunks.json", dense: "dense.hnsw", lexical: "lexical.json" };

export type LoadResult =
  | { readonly status: "ok"; readonly index: SearchIndex; readonly dir: string }
  | { readonly status: "missing" }
  | { readonly status: "corrupt"; readonly reason: string };

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
    return { status: "ok", index: await readBuild(dir), dir };
  } catch (error) {
    return { status: "corrupt", reason: `${path.relative(dataDir, dir)}: ${errorDetail(error)}` };
  }
}

async function readBuild(dir: string): Promise<SearchIndex> {
  const manifest = manifestSchema.parse(JSON.parse(await readFile(path.join(dir, FILES.manifest), "utf8")));
  const chunkList = chunksSchema.parse(JSON.parse(await readFile(path.join(dir, FILES.chunks), "utf8")));
  if (chunkList.length !== manifest.chunkCount) {
    throw new Error(`chunks.json holds ${chunkList.length} chunks, manifest says ${manifest.chunkCount}`);
  }
  const chunks = new Map(chunkList.map((c) => [c.id, c]));
  const lexical = LexicalIndex.fromJSON(await readFile(path.join(dir, FILES.lexical), "utf8"));
  if (lexical.size !== chunks.size) throw new Error(`lexical index holds ${lexical.size} chunks, expected ${chunks.size}`);
  const dense = await DenseIndex.read(path.join(dir, FILES.dense), manifest.embedder.dimensions, manifest.hnsw, [...chunks.keys()]);
  return { manifest, chunks, lexical, dense };
}

/** Writes `index` as a new build and makes it current. Returns the build's folder. */
export async function writeIndex(dataDir: string, index: SearchIndex, log: Logger): Promise<string> {
  const builds = path.join(dataDir, "builds");
  await mkdir(builds, { recursive: true });
  const id = index.manifest.buildId;
  const tmp = path.join(builds, `${id}.tmp`);
  const final = path.join(builds, id);
  await mkdir(tmp, { recursive: true });
  await writeFile(path.join(tmp, FILES.chunks), JSON.stringify([...index.chunks.values()]));
  await writeFile(path.join(tmp, FILES.lexical), index.lexical.toJSON());
  await index.dense.write(path.join(tmp, FILES.dense));
  // The manifest goes last: a folder with one is complete.
  await writeFile(path.join(tmp, FILES.manifest), JSON.stringify(index.manifest, null, 2));
  await rename(tmp, final);
  const pointer = path.join(dataDir, `CURRENT.${randomBytes(4).toString("hex")}.tmp`);
  await writeFile(pointer, `${id}\n`);
  await rename(pointer, path.join(dataDir, "CURRENT"));
  await removeOldBuilds(dataDir, id, log);
  return final;
}

/** A sortable, unique build id: time first, so `ls` shows builds in order. */
export function newBuildId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, "").replace("T", "-")}-${randomBytes(3).toString("hex")}`;
}

const STALE_TMP_MS = 60 * 60 * 1000;

/**
 * Deletes builds other than `keep` and whatever CURRENT names now (another
 * process may have switched it meanwhile), and abandoned .tmp folders.
 */
async function removeOldBuilds(dataDir: string, keep: string, log: Logger): Promise<void> {
  const builds = path.join(dataDir, "builds");
  const current = await readFile(path.join(dataDir, "CURRENT"), "utf8").then((s) => s.trim(), () => keep);
  for (const name of await readdir(builds)) {
    if (name === keep || name === current) continue;
    const dir = path.join(builds, name);
    try {
      if (name.endsWith(".tmp") && Date.now() - (await stat(dir)).mtimeMs < STALE_TMP_MS) continue;
      await rm(dir, { recursive: true, force: true });
    } catch (error) {
      log.warn("index.cleanup_failed", { dir, reason: errorDetail(error) });
    }
  }
  for (const name of await readdir(dataDir)) {
    if (/^CURRENT\..*\.tmp$/.test(name)) {
      const file = path.join(dataDir, name);
      if (Date.now() - (await stat(file).then((s) => s.mtimeMs, () => Date.now())) > STALE_TMP_MS) await rm(file, { force: true });
    }
  }
}
