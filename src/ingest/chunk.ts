import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";

export interface ChunkSpan {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface ChunkingParams {
  readonly size: number;
  readonly overlap: number;
}

/** Paragraphs first, then lines, then sentences, then words. */
const SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", " ", ""];

/** Recorded in the manifest: a change here must rebuild every index. */
export const CHUNKER_ID = `langchain-recursive:${JSON.stringify(SEPARATORS)}:v1`;

/**
 * Splits an article with LangChain's recursive splitter and locates every
 * chunk in the article, so each one carries exact character offsets.
 */
export async function chunkArticle(text: string, params: ChunkingParams): Promise<ChunkSpan[]> {
  const splitter = new RecursiveCharacterTextSplitter({
    chunkSize: params.size,
    chunkOverlap: params.overlap,
    separators: SEPARATORS,
    keepSeparator: true,
  });
  const pieces = await splitter.splitText(text);
  const spans: ChunkSpan[] = [];
  let cursor = 0;
  for (const piece of pieces) {
    // The splitter keeps a separator at the front of the piece that follows it (". Next sentence").
    const body = piece.replace(/^[\s.?!;]+/u, "").trimEnd();
    if (!/[\p{L}\p{N}]/u.test(body)) continue;
    // Pieces come in order and overlap, so each starts at or after the previous one's start.
    let start = text.indexOf(body, cursor);
    if (start < 0) start = text.indexOf(body);
    if (start < 0) throw new Error(`chunker produced text that is not in the article: ${JSON.stringify(body.slice(0, 60))}`);
    spans.push({ start, end: start + body.length, text: body });
    cursor = start + 1;
  }
  return spans;
}
