import { AppError } from "../errors.js";
import { graphemeCount } from "./graphemes.js";

/*
 * Questions arrive from chat clients and terminals: pasted markdown, zero-width
 * joiners, control characters, broken surrogates. They are cleaned into one
 * line of plain text, or refused with a message that says what to change.
 */

/** Past this many raw characters the text is refused before any further work. */
const HARD_LIMIT_FACTOR = 4;

/**
 * The limit applies to the cleaned text in UTF-16 code units, the unit of
 * every later limit (Discord's, the prompt's); `maxChars` is that limit.
 */
export function cleanQuestion(raw: string, maxChars: number): string {
  if (raw.length > maxChars * HARD_LIMIT_FACTOR) throw tooLong(raw, raw.length, maxChars);
  const text = raw
    .toWellFormed()
    .normalize("NFKC")
    // Format characters (zero-width spaces and joiners, bidi marks, BOM, soft hyphen) vanish.
    .replace(/\p{Cf}/gu, "")
    // Other control characters separate words.
    .replace(/[\p{Cc}\u2028\u2029]/gu, " ")
    // Markdown that chat clients add around a question: fences, inline code, emphasis, quotes, headings.
    .replace(/`+/g, " ")
    .replace(/(^|\s)[>#]+(?=\s)/g, " ")
    .replace(/[*~]+|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, "")
    .replace(/\s+/g, " ")
    .trim();

  if (!/[\p{L}\p{N}]/u.test(text)) {
    throw new AppError("EMPTY_QUESTION", "Please type a question, for example: What did von der Leyen say about dual-use goods?");
  }
  if (text.length > maxChars) throw tooLong(raw, text.length, maxChars);
  const letters = text.match(/\p{L}/gu) ?? [];
  const latin = text.match(/\p{Script=Latin}/gu) ?? [];
  if (letters.length > 0 && latin.length / letters.length < 0.5) {
    throw new AppError(
      "UNSUPPORTED_LANGUAGE",
      "I can only answer questions asked in English (the articles are in English). Please rephrase your question in English.",
    );
  }
  return text;
}

/**
 * The refusal states the length the member typed, in graphemes (a flag or
 * an accented letter is one), not the counted length: normalising can spell
 * one character out as many (NFKC turns "ﷺ" into 18 letters), and an emoji
 * counts as two code units. When only the counted length is over, it says why.
 */
function tooLong(raw: string, counted: number, maxChars: number): AppError {
  const typed = graphemeCount(raw);
  const n = (x: number) => x.toLocaleString("en");
  return new AppError(
    "QUESTION_TOO_LONG",
    typed > maxChars
      ? `Your question is ${n(typed)} characters long; the limit is ${n(maxChars)}. Please ask something shorter.`
      : `Your question is ${n(typed)} characters long, but it counts as ${n(counted)}: emoji, and symbols such as "ﷺ" that stand for several letters, count as more than one. The limit is ${n(maxChars)}. Please ask something shorter, or with plain letters.`,
  );
}
