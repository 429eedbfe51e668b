/*
 * Some questions say what kind of answer they want: "when" wants a date,
 * "how many" a number. A sentence without one does not answer them, however
 * many of the question's words it shares ("What tariff rate did the EU
 * impose?" is not answered by "the EU launched a probe that may lead to
 * tariffs"). Years named in a question work the same way: evidence about
 * another year does not answer it.
 */

export type AnswerType = "date" | "quantity";

// "May" and "March" are also words of other kinds; as dates they need a day, a year
// or a preposition beside them ("May 6", "March 2024", "in March").
const MONTHS =
  "january|february|april|june|july|august|september|october|november|december|jan|feb|apr|jun|jul|aug|sep|sept|oct|nov|dec";
const AMBIGUOUS_MONTH =
  "(?:may|march)(?: \\d{1,2}\\b|,? (?:19|20)\\d\\d)|\\d{1,2} (?:may|march)|(?:in|since|until|by|from|early|late|mid|last|next|this) (?:may|march)";
const WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
// "two sides" is not an amount; "five years", "hundreds" and "a billion" are.
const SMALL_NUMBERS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a few|several";
const UNITS = "years?|months?|weeks?|days?|hours?|times|percent|per cent|decades?";
const LARGE_NUMBERS = "hundreds?|thousands?|millions?|billions?|trillions?|dozens?|twice|once(?! (?:again|more))";

export const DATE = new RegExp(
  `\\b(${MONTHS}|${AMBIGUOUS_MONTH}|${WEEKDAYS}|yesterday|today|tomorrow|(?:19|20)\\d\\d|(?:this|last|next) (?:week|month|year))\\b`,
  "i",
);
const YEAR = /\b(?:19|20)\d\d\b/g;
/** A day of a month: "May 6", "6 May", "May 06, 2024". */
export const DAY = new RegExp(`\\b(?:${MONTHS}|may|march)\\.? \\d{1,2}\\b|\\b\\d{1,2} (?:${MONTHS}|may|march)\\b`, "i");
// A number that is not a year and not the day in "May 6".
export const QUANTITY = new RegExp(
  `(?<!\\b(?:${MONTHS}|may|march)\\.? )\\b(?!(?:19|20)\\d\\d\\b)\\d[\\d,.]*\\b(?! (?:${MONTHS}|may|march)\\b)|[$€£%]|\\b(?:${LARGE_NUMBERS})\\b|\\b(?:${SMALL_NUMBERS}) (?:${UNITS})\\b|\\bper ?cent\\b`,
  "i",
);

/** The kind of answer `question` asks for, when it asks for one. */
export function expectedAnswerType(question: string): AnswerType | null {
  const q = question.toLowerCase();
  if (/^(when)\b|\b(when (did|was|were|is|will|does|do|are)|(what|which) (date|day|year|month|time)|how long ago)\b/.test(q)) return "date";
  if (/\b(how (much|many|big|large|long|high|far)|what (?:\w+ ){0,3}(rate|percentage|share|amount|number|figure|sum|cost|price|level))\b/.test(q)) {
    return "quantity";
  }
  return null;
}

export function satisfiesAnswerType(text: string, type: AnswerType | null): boolean {
  if (type === "date") return DATE.test(text);
  if (type === "quantity") return QUANTITY.test(text);
  return true;
}

/** Four-digit years mentioned in `text`. */
export function yearsIn(text: string): string[] {
  return [...new Set(text.match(YEAR) ?? [])];
}

/**
 * The years a text dates something to: "the first summit since 2019" dates nothing to 2019, a year after
 * "since", "until" or "before" is a reference point.
 */
export function datedYears(text: string): string[] {
  return yearsIn(text.replace(/\b(?:since|until|till|before|prior to)\s+(?:\p{L}+\s+)?(?:19|20)\d\d\b/giu, " "));
}

/**
 * The text without the amounts the question itself gives: "How many missiles will the €1.2 billion
 * purchase buy?" is not answered by "ammunition worth €1.2 billion". An amount is its number with its
 * scale word or percent sign, as the question writes it ("5 countries" leaves "5%" standing).
 */
export function withoutAmountsOf(question: string, text: string): string {
  let out = text;
  const amount = new RegExp(`(?<![\\d.,])(\\d(?:[\\d,.]*\\d)?)(\\s*(?:${LARGE_NUMBERS}|%|per ?cent|percent)\\b|\\s*%)?`, "gi");
  for (const m of question.matchAll(amount)) {
    const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const suffix = m[2] ? `\\s*${escape(m[2].trim())}` : `(?!\\s*(?:${LARGE_NUMBERS}|%|per ?cent|percent))`;
    out = out.replace(new RegExp(`[$€£]?(?<![\\d.,])${escape(m[1] ?? "")}(?![\\d]|[.,]\\d)${suffix}`, "gi"), " ");
  }
  return out;
}
