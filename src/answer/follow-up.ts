import { uniqueTerms } from "../text/terms.js";

/*
 * Turns a follow-up ("and what did Michel say?") into a question that stands
 * on its own ("What did Michel say about dual-use goods?"), using the previous
 * question of the conversation. A rule-based rewrite for retrieval, used when
 * no language model is configured: it handles a new name for the same topic,
 * "what about X", pronouns, and elliptical follow-ups; anything else passes
 * through unchanged.
 */

// Runs of capitalised words, with the particles of names such as "von der Leyen".
const NAME = /\b(?:(?:von|der|van|de|la|du|bin|al)\s+)*[A-Z][\p{L}'’-]+(?:\s+(?:(?:von|der|van|de|la|du|bin|al)\s+)*[A-Z][\p{L}'’-]+)*/gu;
const QUESTION_WORDS = new Set(["What", "Which", "Who", "Whom", "When", "Where", "Why", "How", "Did", "Does", "Do", "Is", "Are", "Was", "Were", "Can", "Could", "And", "Also", "So", "But", "Then", "Ok", "Okay", "I", "The", "A", "An", "In", "On", "About"]);
const PERSON_PRONOUN = /\b(he|she|they|him|her|them)\b/i;
const POSSESSIVE_PRONOUN = /\b(his|her|their)\b/i;
const THING_PRONOUN = /\b(it|that|this|those|these)\b(?!\s+\w+\s*\?)/i;
const CONNECTOR = /^(?:and|also|so|but|ok(?:ay)?|then|what's more)[,\s]+/i;
const WHAT_ABOUT = /^(?:what|how)\s+about\s+(.+?)\s*\??$/i;

/** Names in `text`, longest first, ignoring capitalised question words. */
function names(text: string): string[] {
  const found = [...text.matchAll(NAME)]
    .map((m) => m[0].split(/\s+/).filter((w, i) => i > 0 || !QUESTION_WORDS.has(w)).join(" "))
    .filter((n) => n.length > 1 && !QUESTION_WORDS.has(n));
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}

/** What the previous question was about: the words after "about"/"on"/"regarding", if any. */
function topicOf(question: string): string | null {
  const m = /\b(?:about|on|regarding|concerning|over)\s+(.+?)\s*\??$/i.exec(question);
  return m?.[1] ?? null;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const withQuestionMark = (s: string) => (/[?.!]$/.test(s) ? s : `${s}?`);

/** True when `text` cannot be understood without what came before it. */
export function needsContext(text: string): boolean {
  const t = text.trim();
  return (
    CONNECTOR.test(t) ||
    WHAT_ABOUT.test(t) ||
    PERSON_PRONOUN.test(t) ||
    POSSESSIVE_PRONOUN.test(t) ||
    THING_PRONOUN.test(t) ||
    uniqueTerms(t).length <= 1
  );
}

/**
 * Whether `name` is a person: one of `people` (matching a full name or its
 * last word, "Michel" for "Charles Michel"), or, with no list, a name of two words or more.
 */
function isPerson(name: string, people: readonly string[]): boolean {
  if (people.length === 0) return name.trim().split(/\s+/).length >= 2;
  const n = name.toLowerCase();
  return people.some((p) => {
    const full = p.toLowerCase();
    return full === n || full.endsWith(` ${n}`) || n.endsWith(` ${full.split(" ").at(-1)}`);
  });
}

/**
 * @param people names known to be people (e.g. those quoted in the articles),
 *   to tell "what about Michel?" (same question, another person) from
 *   "what about Taiwan?" (same person, another topic)
 */
export function rewriteFollowUp(previous: string, followUp: string, people: readonly string[] = []): string {
  const current = followUp.trim();
  if (!previous.trim() || !needsContext(current)) return current;
  const body = current.replace(CONNECTOR, "").trim();
  const prevNames = names(previous);
  const prevName = prevNames.find((n) => isPerson(n, people)) ?? prevNames[0];
  const topic = topicOf(previous);

  // "what about Michel?" / "how about tariffs?"
  const about = WHAT_ABOUT.exec(body);
  if (about?.[1]) {
    const subject = about[1];
    if (prevName && isPerson(subject, people)) return withQuestionMark(previous.replace(prevName, subject).replace(/[?.!]*$/, ""));
    if (topic) return withQuestionMark(previous.replace(topic, subject));
    return withQuestionMark(`${previous.replace(/[?.!]*$/, "")} about ${subject}`);
  }

  let result = body;
  // A new name asking the same thing: "what did Michel say?" after "What did von der Leyen say about X?"
  const newNames = names(body).filter((n) => !prevNames.includes(n));
  if (newNames.length > 0 && topic && !topicOf(body) && uniqueTerms(body).length <= uniqueTerms(newNames.join(" ")).length + 2) {
    result = `${body.replace(/[?.!]*$/, "")} about ${topic}`;
  }
  if (prevName) {
    result = result.replace(POSSESSIVE_PRONOUN, `${prevName}'s`).replace(PERSON_PRONOUN, prevName);
  }
  if (topic) result = result.replace(THING_PRONOUN, topic);
  // Still too short to search with: carry the previous question's words along.
  if (uniqueTerms(result).length <= 1) result = `${result.replace(/[?.!]*$/, "")} (${previous.replace(/[?.!]*$/, "")})`;
  return withQuestionMark(capitalise(result));
}
