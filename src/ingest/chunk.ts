
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
  // Loaded on first use: answering from a built index never chunks, and the import costs ~0.35 s
  // of every start (measured: `node -e "import('@langchain/textsplitters')"` 0.47–0.53 s vs 0.12 s empty).
  const { RecursiveCharacterTextSplitter } = await import("@langchain/textsplitters");
  const splitter = new RecursiveCharacterTextSplitter({
    chunkSize: params.size,
    chunkOverlap: params.overlap,
    separators: SEPARATORS,
    keepSeparator: true,
  });
  const pieces = await splitter.splitText(text);
  const spans: ChunkSpan[] = [];
  let prev: { start: number; end: number } | null = null;
  for (const piece of pieces) {
    // The splitter keeps a separator at the front of the piece that follows it (". Next sentence").
    const body = piece.replace(/^[\s.?!;]+/u, "").trimEnd();
    if (!/[\p{L}\p{N}]/u.test(body)) continue;
    // Pieces come in order; each shares at most `overlap` characters with the one before and
    // reaches past its end. The first match that does so is the piece, not an earlier copy
    // of the same words ("Read more." at the end of the paragraph before).
    let start = -1;
    if (prev) {
      for (let i = text.indexOf(body, Math.max(prev.start + 1, prev.end - params.overlap - 2)); i >= 0; i = text.indexOf(body, i + 1)) {
        if (i + body.length > prev.end) {
          start = i;
          break;
        }
      }
    }
    if (start < 0) start = text.indexOf(body, prev ? prev.start + 1 : 0);
    if (start < 0) throw new Error(`chunker produced text that is not in the article: ${JSON.stringify(body.slice(0, 60))}`);
    let end = start + body.length;
    // Splitting on "" can cut between the halves of a surrogate pair (emoji); keep pairs whole.
    if (isLowSurrogate(text.charCodeAt(start)) && start > 0) start--;
    if (isHighSurrogate(text.charCodeAt(end - 1)) && end < text.length) end++;
    spans.push({ start, end, text: text.slice(start, end) });
    prev = { start, end };
  }
  return spans;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
