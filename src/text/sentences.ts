/** A sentence as a span of its article's text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });

// ICU breaks after any period followed by a capital ("the U.N. Security
// Council", "Mr. Smith"); a segment ending in one of these continues.
const ABBREVIATION = /(?:\b(?:\p{Lu}\.){2,}|\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov|Lt|Col|Capt|St|Jr|Sr|No|Inc|Ltd|Co|Corp|Jan|Feb|Aug|Sept|Oct|Nov|Dec)\.)\s*$/u;

/**
 * Sentence spans of `text`, trimmed of surrounding whitespace. Line breaks
 * always end a sentence: in these articles a line is a paragraph, a
 * headline or a caption, never half a sentence.
 */
export function sentenceSpans(text: string): Span[] {
  const spans: Span[] = [];
  const lines = /[^\r\n]+/g;
  for (const line of text.matchAll(lines)) {
    let pending: Span | null = null;
    for (const seg of segmenter.segment(line[0])) {
      const raw = seg.segment;
      const lead = raw.length - raw.trimStart().length;
      const trimmed = raw.trim();
      if (!trimmed) continue;
      const start = line.index + seg.index + lead;
      const span: Span = pending ? { start: pending.start, end: start + trimmed.length } : { start, end: start + trimmed.length };
      pending = null;
      if (ABBREVIATION.test(raw)) pending = span;
      else spans.push(span);
    }
    if (pending) spans.push(pending);
  }
  return spans;
}

const QUOTE_CHARS = /["“”]/g;

/** True when `s` opens or closes a quotation it does not finish. */
export function hasOpenQuote(s: string): boolean {
  return (s.match(QUOTE_CHARS)?.length ?? 0) % 2 === 1;
}
