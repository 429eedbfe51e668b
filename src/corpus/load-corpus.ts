import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
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
  if (text.trim().length === 0) return { reason: "the file holds only whitespace" };
  return { text };
}

/**
 * Reads every .txt/.md file of the corpus folder. Files that cannot be
 * articles are skipped with a logged reason; an empty or missing folder is
 * an error the user is told how to fix.
 */
export async function loadCorpus(dir: string, files: CorpusFiles, log: Logger): Promise<Corpus> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new AppError(
      "EMPTY_CORPUS",
      `The corpus folder ${dir} cannot be read (${errorDetail(error)}). Set CORPUS_DIR to a folder of .txt or .md articles.`,
      { cause: error },
    );
  }
  const metadata = await readMetadata(files.metadata, log);
  const aliases = files.aliases ? await readAliases(files.aliases, log) : NO_ALIASES;
  const articles: Article[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Map<string, string>();
  const skip = (source: string, reason: string) => {
    skipped.push({ source, reason });
    log.warn("corpus.skip", { source, reason });
  };

  for (const name of names) {
    if (name.startsWith(".") || !ARTICLE_EXTENSIONS.has(path.extname(name).toLowerCase())) continue;
    // A folder's README describes the folder; it is not one of its articles.
    if (/^readme\./i.test(name)) {
      skip(name, "a README describes the folder; it is not read as an article");
      continue;
    }
    const file = path.join(dir, name);
    let bytes: Buffer;
    let info: Stats;
    try {
      info = await stat(file);
      if (!info.isFile()) continue;
      if (info.size > MAX_ARTICLE_BYTES) {
        skip(name, `the file is ${info.size} bytes; articles are limited to ${MAX_ARTICLE_BYTES}`);
        continue;
      }
      bytes = await readFile(file);
    } catch (error) {
      skip(name, `unreadable: ${errorDetail(error)}`);
      continue;
    }
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

  if (articles.length === 0) {
    const why = skipped.length ? ` (${skipped.length} file(s) skipped: ${skipped.map((s) => `${s.source}: ${s.reason}`).join("; ")})` : "";
    throw new AppError(
      "EMPTY_CORPUS",
      `No articles found in ${dir}${why}. Put .txt or .md files there (UTF-8), or set CORPUS_DIR.`,
    );
  }
  return { articles, events: metadata.events, skipped, aliases };
}
