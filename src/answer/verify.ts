import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Citation } from "../types.js";

/** True when `citation.quote` is exactly the cited span of `text`. */
export function citationMatches(text: string, citation: Pick<Citation, "quote" | "start" | "end">): boolean {
  return citation.start >= 0 && citation.end <= text.length && text.slice(citation.start, citation.end) === citation.quote;
}

/**
 * Checks citations against the article files as they are on disk now, not
 * against the copy the index was built from. Returns the ones that fail.
 */
export async function findUnverifiedCitations(citations: readonly Citation[], corpusDir: string): Promise<Citation[]> {
  const texts = new Map<string, string | null>();
  const failed: Citation[] = [];
  for (const c of citations) {
    if (!texts.has(c.source)) {
      texts.set(c.source, await readFile(path.join(corpusDir, c.source), "utf8").catch(() => null));
    }
    const text = texts.get(c.source);
    if (text == null || !citationMatches(text, c)) failed.push(c);
  }
  return failed;
}
