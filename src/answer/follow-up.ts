import { uniqueTerms } from "../text/terms.js";

/*
 * Turns a follow-up ("and what did Michel say?") into a question that stands
 * on its own ("What did Michel say about dual-use goods?"), using the previous
 * question of the conversation. A rule-based rewrite for retrieval, used when
 * no language model is configured. It handles a new person asking the same
 * thing, "what about X", pronouns for a person named before, and elliptical
 * follow-ups; a question that stands on its own passes through unchanged.
 * It only substitutes people it knows (the names quoted in the articles'
 * metadata), so places and organisations are never taken for who "he" is.
 */

// Runs of capitalised words, with the particles of names such as "von der Leyen".
const NAME = /\b(?:(?:von|der|van|de|la|du|bin|al)\s+)*[A-Z][\p{L}'’-]+(?:\s+(?:(?:von|der|van|de|la|du|bin|al)\s+)*[A-Z][\p{L}'’-]+)*/gu;
const QUESTION_WORDS = new Set(["What", "Which", "Who", "Whom", "When", "Where", "Why", "How", "Did", "Does", "Do", "Is", "Are", "Was", "Were", "Can", "Could", "And", "Also", "So", "But", "Then", "Ok", "Okay", "I", "The", "A", "An", "In", "On", "About", "Tell", "Explain"]);
const PERSON_PRONOUN = /\b(he|she|him)\b/i;
const POSSESSIVE_PRONOUN = /\b(his|her)\b/i;
const THEY = /\b(they|them|their)\b/i;
const THING_PRONOUN = /\b(it|that|this|those|these)\b/i;
const CONNECTOR = /^(?:and|also|so|but|ok(?:ay)?|then)[,\s]+/i;
const WHAT_ABOUT = /^(?:what|how)\s+about\s+(.+?)\s*\??$/i;

/** Names in `text`, in order, without leading question words. */
function names(text: string): string[] {
  return [...text.matchAll(NAME)]
    .map((m) => m[0].split(/\s+/).filter((w, i) => i > 0 || !QUESTION_WORDS.has(w)).join(" "))
    .filter((n) => n.length > 1 && !QUESTION_WORDS.has(n));
}

/**
 * Whether `name` is one of `people`: the full name or any of its words
 * ("Michel" for "Charles Michel", "Xi" for "Xi Jinping"). With no list, a
 * name of two words or more is taken for a person.
 */
function isPerson(name: string, people: readonly string[]): boolean {
  const n = name.toLowerCase();
  if (people.length === 0) return n.split(/\s+/).length >= 2;
  return people.some((p) => {
    const full = p.toLowerCase();
    return full === n || full.split(/\s+/).includes(n) || (n.includes(" ") && full.endsWith(n.split(/\s+/).at(-1) ?? ""));
  });
}

/** What the previous question was about: the words after "about"/"on"/"regarding", if any. */
function topicOf(question: string): string | null {
  const m = /\b(?:about|on|regarding|concerning)\s+(.+?)\s*\??$/i.exec(question);
  return m?.[1] ?? null;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const stripEnd = (s: string) => s.replace(/[?.!]*$/, "");
const withQuestionMark = (s: string) => (/[?.!]$/.test(s) ? s : `${s}?`);

/** True when `text` cannot be understood without what came before it. */
export function needsContext(text: string, people: readonly string[] = []): boolean {
  const t = text.trim();
  const terms = uniqueTerms(t).length;
  const namesAPerson = names(t).some((n) => isPerson(n, people));
  return (
    CONNECTOR.test(t) ||
    WHAT_ABOUT.test(t) ||
    ((PERSON_PRONOUN.test(t) || POSSESSIVE_PRONOUN.test(t) || THEY.test(t)) && !namesAPerson) ||
    (THING_PRONOUN.test(t) && terms <= 2) ||
    terms <= 1
  );
}

/**
 * @param people names known to be people (e.g. those quoted in the articles),
 *   to tell "what about Michel?" (same question, another person) from
 *   "what about Taiwan?" (same person, another topic)
 */
export function rewriteFollowUp(previous: string, followUp: string, people: readonly string[] = []): string {
  const current = followUp.trim();
  if (!previous.trim() || !needsContext(current, people)) return current;
  const body = current.replace(CONNECTOR, "").trim();
  const prevPerson = names(previous).find((n) => isPerson(n, people));
  const topic = topicOf(previous);

  // "what about Michel?" / "how about tariffs?"
  const about = WHAT_ABOUT.exec(body);
  if (about?.[1]) {
    const subject = about[1];
    if (prevPerson && isPerson(subject, people)) return withQuestionMark(stripEnd(previous.replace(prevPerson, subject)));
    if (topic) return withQuestionMark(stripEnd(previous.replace(topic, subject)));
    return withQuestionMark(`${stripEnd(previous)}: ${subject}`);
  }

  let result = body;
  const bodyPeople = names(body).filter((n) => isPerson(n, people));
  // A new person asked the same thing: "what did Michel say?" after "What did von der Leyen say about X?"
  const newPeople = bodyPeople.filter((n) => !names(previous).includes(n));
  if (newPeople.length > 0 && topic && !topicOf(body) && uniqueTerms(body).length <= uniqueTerms(newPeople.join(" ")).length + 2) {
    result = `${stripEnd(body)} about ${topic}`;
  }
  // "he"/"she" is the person named before, when the follow-up names nobody.
  if (prevPerson && bodyPeople.length === 0) {
    result = result.replace(POSSESSIVE_PRONOUN, `${prevPerson}'s`).replace(PERSON_PRONOUN, prevPerson);
  }
  // "it"/"that" is the previous topic, when the follow-up has hardly any words of its own.
  if (topic && uniqueTerms(result).length <= 2) result = result.replace(THING_PRONOUN, topic);
  // Still too short to search with: carry the previous question along.
  if (uniqueTerms(result).length <= 1) result = `${stripEnd(result)} (${stripEnd(previous)})`;
  return withQuestionMark(capitalise(result));
}
