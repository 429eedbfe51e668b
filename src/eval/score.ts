/*
 * How one answer is scored against a question's keywords (test/eval/README.md).
 * The strict score reads the answer as a reader does: what comes before the
 * first citation marker is the answer; quotes after it only support it.
 */

const MARKER = /\[\d+\]/;

/**
 * The lead of an answer: its first line up to the first citation marker; with
 * `parts` > 1, the leads of its first `parts` lines, joined by newlines.
 */
export function leadOf(text: string, parts = 1): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines
    .slice(0, Math.max(1, parts))
    .map((line) => {
      const m = MARKER.exec(line);
      return m ? line.slice(0, m.index) : line;
    })
    .join("\n");
}

/**
 * Keyword groups of `keywords` that `text` lacks. A group is met by any of its
 * strings (case-insensitive); a string starting with "^" must open the text
 * as a whole word (of any line, for answers in parts), ignoring leading
 * quotation marks and spaces: "^No" is met by "No — …", not by "Nothing".
 */
export function missingGroups(text: string, keywords: readonly (readonly string[])[]): (readonly string[])[] {
  const lower = text.toLowerCase();
  const openings = lower.split("\n").map((l) => l.replace(/^[\s"“”'‘’*_>-]+/u, ""));
  const opens = (o: string, k: string) => o.startsWith(k) && !/[\p{L}\p{N}]/u.test(o.charAt(k.length));
  const has = (k: string) => (k.startsWith("^") ? openings.some((o) => opens(o, k.slice(1).toLowerCase())) : lower.includes(k.toLowerCase()));
  return keywords.filter((group) => !group.some(has));
}
