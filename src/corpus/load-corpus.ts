import { createHash } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { open, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { AppError, errorDetail } from "../errors.js";
import type { Logger } from "../log.js";
import type { Article, SummitEvent } from "../types.js";
import { NO_ALIASES, readAliases, type AliasData } from "./aliases.js";
import { inferMeta, readMetadata } from "./metadata.js";

const ARTICLE_EXTENSIONS = new Set([".txt", ".md"]);
/** Larger files are almost certainly not news articles (or not text). */
export const MAX_ARTICLE_BYTES = 2 * 1024 * 1024;

export interface SkippedFile {
  readonly source: string;
  readonly reason: string;
}

export interface Corpus {
  readonly articles: readonly Article[];
  readonly events: readonly SummitEvent[];
  readonly skipped: readonly SkippedFile[];
  /** The corpus folder's curated aliases and synonyms (empty without an alias file). */
  readonly aliases: AliasData;
}

/** Where a corpus' side files are: its metadata and its (optional) alias file. */
export interface CorpusFiles {
  readonly metadata: string;
  readonly aliases?: string;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Control characters other than tab, newline, carriage return and form feed
 * (which are layout): the rest of C0, DEL and C1. NUL is refused before this.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0001-\u0008\u000b\u000e-\u001f\u007f-\u009f]/g;
/**
 * Most control characters a text may have, as a share of its characters. A
 * real article has none or a stray one (a form feed, an old editor's ^Z):
 * far below one in a hundred even for a short piece. Bytes that are not text
 * but happen to be valid UTF-8 (a file of control bytes, a binary record
 * format) are mostly control characters. One in twenty sits between the two
 * with room on both sides.
 */
const MAX_CONTROL_SHARE = 1 / 20;

/** Why `bytes` cannot be an article, or the decoded text. */
function decodeArticle(bytes: Buffer): { text: string } | { reason: string } {
  if (bytes.length === 0) return { reason: "the file is empty" };
  if (bytes.includes(0)) return { reason: "the file contains NUL bytes (binary, or UTF-16): save it as UTF-8 text" };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { reason: "the file is not valid UTF-8: re-save it as UTF-8 text" };
  }
  const controls = text.match(CONTROL)?.length ?? 0;
  if (controls > text.length * MAX_CONTROL_SHARE) {
    return { reason: `the file is not text: ${controls} of its ${text.length} characters are control characters` };
  }
  if (text.trim().length === 0) return { reason: "the file holds only whitespace" };
  return { text };
}

/** Whether `real` (a resolved path) is the folder `realDir` (resolved too) or inside it. */
function inside(realDir: string, real: string): boolean {
  const rel = path.relative(realDir, real);
  return rel.split(path.sep)[0] !== ".." && !path.isAbsolute(rel);
}

/*
 * The last part of the path must not be a link (it was resolved already), and
 * opening must not wait: a FIFO swapped in after the check would block the read.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Reads every .txt/.md file of the corpus folder. Files that cannot be
 * articles are skipped with a logged reason; an empty or missing folder is
 * an error the user is told how to fix.
 *
 * A symbolic link is followed only when it leads to a file inside the corpus
 * folder (another name for an article, or a file in one of its subfolders):
 * one leading anywhere else (`passwd.txt -> /etc/passwd`) would index and
 * quote a file nobody put in the corpus, so it is skipped.
 */
export async function loadCorpus(dir: string, files: CorpusFiles, log: Logger, options: { readConcurrently?: number } = {}): Promise<Corpus> {
  let names: string[];
  let realDir: string;
  try {
    names = (await readdir(dir)).sort();
    // The folder itself may be reached through a link; what counts is where it really is.
    realDir = await realpath(dir);
  } catch (error) {
    throw new AppError(
      "EMPTY_CORPUS",
      `The corpus folder ${dir} cannot be read (${errorDetail(error)}). Set CORPUS_DIR to a folder of .txt or .md articles.`,
      { cause: error },
    );
  }
  // Files are opened and read READ_CONCURRENTLY at a time (with the metadata), then taken in name order (so
  // skips, duplicates and log lines come out as from one reader).
  const [metadata, aliases, reads] = await Promise.all([
    readMetadata(files.metadata, log),
    files.aliases ? readAliases(files.aliases, log) : NO_ALIASES,
    mapConcurrently(names, options.readConcurrently ?? READ_CONCURRENTLY, (name) => readArticleFile(dir, realDir, name)),
  ]);
  const articles: Article[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Map<string, string>();
  const skip = (source: string, reason: string, fields: Record<string, unknown> = {}) => {
    skipped.push({ source, reason });
    log.warn("corpus.skip", { source, reason, ...fields });
  };

  for (const [i, name] of names.entries()) {
    const read = reads[i];
    // Its bytes are not needed once it is decoded.
    reads[i] = null;
    if (!read) continue;
    if ("reason" in read) {
      skip(name, read.reason, read.fields);
      continue;
    }
    const { bytes, info } = read;
    const decoded = decodeArticle(bytes);
    if ("reason" in decoded) {
      skip(name, decoded.reason);
      continue;
    }
    const hash = sha256(bytes);
    const twin = seen.get(hash);
    if (twin) {
      skip(name, `same content as ${twin}`);
      continue;
    }
    seen.set(hash, name);
    articles.push({
      source: name,
      text: decoded.text,
      hash,
      modifiedMs: info.mtimeMs,
      size: info.size,
      meta: metadata.articles.get(name) ?? inferMeta(decoded.text, name),
    });
  }

  // An entry nothing reads is most likely a renamed or deleted article: say so once per entry.
  const considered = new Set([...articles.map((a) => a.source), ...skipped.map((s) => s.source)]);
  for (const source of metadata.articles.keys()) {
    if (considered.has(source)) continue;
    const reason = names.includes(source) ? "the file is not read as an article" : "no such file in the corpus folder";
    log.warn("metadata.article_unused", { file: files.metadata, source, reason });
  }

  if (articles.length === 0) {
    const why = skipped.length ? ` (${skipped.length} file(s) skipped: ${skipped.map((s) => `${s.source}: ${s.reason}`).join("; ")})` : "";
    throw new AppError(
      "EMPTY_CORPUS",
      `No articles found in ${dir}${why}. Put .txt or .md files there (UTF-8), or set CORPUS_DIR.`,
    );
  }
  return { articles, events: metadata.events, skipped, aliases };
}

/**
 * Files read at once. Measured with `npm run bench:read-corpus` on a synthetic corpus of 7,967 articles
 * (~100,000 chunks), files in the page cache, medians of 3: one at a time 2.26 s, 4 at a time 1.49 s, 16 at a
 * time 1.48 s, 64 at a time 1.55 s (an earlier run: 2.71 s one at a time, 1.70 s 16 at a time). What is left is
 * decoding, hashing and reading each article's metadata, on one thread. Every file's bytes are held until
 * all are read (the articles' text is kept anyway; about twice the corpus's size for a moment).
 */
const READ_CONCURRENTLY = 16;

type FileRead = { readonly bytes: Buffer; readonly info: Stats } | { readonly reason: string; readonly fields?: Record<string, unknown> };

/** One article file's bytes, or why it is skipped; null for a file that is not an article at all. */
async function readArticleFile(dir: string, realDir: string, name: string): Promise<FileRead | null> {
  if (name.startsWith(".") || !ARTICLE_EXTENSIONS.has(path.extname(name).toLowerCase())) return null;
  // A folder's README describes the folder; it is not one of its articles.
  if (/^readme\./i.test(name)) return { reason: "a README describes the folder; it is not read as an article" };
  try {
    const real = await realpath(path.join(dir, name));
    if (!inside(realDir, real)) return { reason: "it is a symbolic link to a file outside the corpus folder; only files inside the folder are read", fields: { target: real } };
    const handle = await open(real, OPEN_FLAGS);
    try {
      const info = await handle.stat();
      if (!info.isFile()) return { reason: "it is not a regular file (a folder, pipe or device)" };
      if (info.size > MAX_ARTICLE_BYTES) return { reason: `the file is ${info.size} bytes; articles are limited to ${MAX_ARTICLE_BYTES}` };
      return { bytes: await handle.readFile(), info };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { reason: `unreadable: ${errorDetail(error)}` };
  }
}

/** `fn` over `items`, at most `limit` running at once; results in the items' order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`at least one read at a time, not ${limit}`);
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
