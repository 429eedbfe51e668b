import type { Span } from "../text/sentences.js";
import { BOILERPLATE_LINE, CAPTION_CREDIT } from "./lexicon.js";

/*
 * What each sentence of an article is: its headline or a subheading, a photo
 * caption, web-page furniture (newsletter prompts, "Read also:" links, comment
 * forms, lists of related links), or body text. Only body text answers; a
 * headline or caption is quoted when nothing in the body says the same.
 */

export type SentenceRole = "headline" | "caption" | "body" | "boilerplate";

/** Lines without final punctuation: headlines, subheadings, link titles. */
const UNFINISHED = /[\p{L}\p{N})]$/u;
// "Related coverage:" and similar announce a list of links, one per line, that runs to the end of the block.
const LINK_LIST_HEADER = /^(?:related|more|recommended|read (?:also|more)|see also|trending|most read)\b[^.!?]*:\s*$/i;

export function sentenceRoles(text: string, sentences: readonly Span[]): SentenceRole[] {
  const lineOf = (s: Span) => {
    const start = text.lastIndexOf("\n", s.start - 1) + 1;
    const nl = text.indexOf("\n", s.end);
    const end = nl === -1 ? text.length : nl;
    return { start, end, text: text.slice(start, end).trim() };
  };
  let inLinkList = false;
  let lastLineStart = -1;
  let firstLine = true;
  return sentences.map((s) => {
    const line = lineOf(s);
    const newLine = line.start !== lastLineStart;
    const isFirstLine = firstLine;
    if (newLine) {
      if (lastLineStart !== -1) firstLine = false;
      lastLineStart = line.start;
      if (LINK_LIST_HEADER.test(line.text)) {
        inLinkList = true;
        return "boilerplate";
      }
      // A link list ends at the first line that reads as text.
      if (inLinkList && !UNFINISHED.test(line.text)) inLinkList = false;
    }
    if (inLinkList) return "boilerplate";
    if (BOILERPLATE_LINE.test(line.text)) return "boilerplate";
    if (CAPTION_CREDIT.test(line.text)) return "caption";
    const sentence = text.slice(s.start, s.end);
    const wholeLine = sentence.trim() === line.text;
    if (wholeLine && UNFINISHED.test(sentence)) {
      // One or two words alone on a line ("World") are page sections, not headlines.
      if (!isFirstLine && sentence.split(/\s+/).length <= 2) return "boilerplate";
      return "headline";
    }
    return "body";
  });
}
