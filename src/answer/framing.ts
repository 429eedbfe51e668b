import type { SummitEvent } from "../types.js";
import type { QuestionAnalysis, QuestionEntity } from "./analyse-question.js";
import type { CorpusView } from "./evidence.js";

/*
 * The words an answer writes around its quotes: "Yes —", "No —", "The
 * articles don't quote X on Y.", an event's name, place and date. Each is
 * built from the question's analysis, the gazetteer's names and the
 * metadata, never from nowhere; the quotes themselves stay verbatim.
 */

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "2023-12-07" -> "7 December 2023"; "2025-07" -> "July 2025". */
export function dateWords(iso: string): string {
  const [y, m, d] = iso.split("-");
  const month = MONTH_NAMES[Number(m) - 1];
  if (!month) return iso;
  return d ? `${Number(d)} ${month} ${y}` : `${month} ${y}`;
}

/** The event's name as the metadata writes it: "the EU–China summit in Beijing". */
export function eventName(e: SummitEvent): string {
  return `the ${e.name.replace(/^the\s+/i, "")}`;
}

/** "the EU–China summit in Beijing, Beijing, China, 7 December 2023 (date inferred)". */
export function eventPhrase(e: SummitEvent): string {
  return `${eventName(e)}, ${e.place.value}, ${dateWords(e.date.value)}${e.date.basis === "inferred" ? " (date inferred)" : ""}`;
}

/** "7 December 2023, the date the metadata infers for the EU–China summit in Beijing". */
export function eventDatePhrase(e: SummitEvent): string {
  return `${dateWords(e.date.value)}, ${e.date.basis === "inferred" ? "the date the metadata infers for" : "the date of"} ${eventName(e)}`;
}

/** A name as the gazetteer writes it ("Charles Michel" for "michel"), or as the question does. */
export function nameOf(e: QuestionEntity, corpus: CorpusView): string {
  const names = e.ids.map((id) => corpus.knowledge.gazetteer.entities[id]?.name).filter((n): n is string => Boolean(n));
  return names.length === 1 ? (names[0] as string) : titleCase(e.text);
}

export function entityName(id: number, corpus: CorpusView): string {
  return corpus.knowledge.gazetteer.entities[id]?.name ?? "someone";
}

/** A name typed in lower case gets capitals: "mark rutte" -> "Mark Rutte". */
export function titleCase(s: string): string {
  return s === s.toLowerCase() ? s.replace(/(^|[\s-])(\p{L})/gu, (_, pre: string, c: string) => pre + c.toUpperCase()) : s;
}

/** What the question asks about: the words after "about", "on", "regarding" (up to a time or place clause). */
export function topicOf(question: string): string | null {
  const m = /\b(?:about|on|regarding|concerning|over)\s+(.+?)(?:\s+(?:at|in|during|after|before|when|while|to)\s+(?:the\s+)?(?:\p{Lu}|\d|[\p{L}-]+\s+(?:summit|meeting|talks|dialogue|press|visit))|[?.!]*$)/iu.exec(question);
  const topic = m?.[1]?.trim().replace(/[?.!]+$/, "");
  // "on when it came to trade" is no topic to name.
  if (!topic || topic.split(/\s+/).length > 8 || /^(?:what|which|who|whom|when|where|why|how|whether|it|that|this)\b/i.test(topic)) return null;
  return topic;
}

export function unknownNamesText(names: readonly string[]): string {
  const list = names.map(titleCase);
  const joined = list.length <= 1 ? (list[0] ?? "") : `${list.slice(0, -1).join(", ")} or ${list.at(-1)}`;
  return `None of the articles mentions ${joined}.`;
}

/** "The articles don't quote Wang Yi on Gaza." / "The articles don't say what Antonio Costa told Wang Yi." */
export function notQuotedText(q: QuestionAnalysis, corpus: CorpusView): string {
  const speaker = q.speaker ? nameOf(q.speaker, corpus) : "anyone";
  if (q.addressee) return `The articles don't say what ${speaker} told ${nameOf(q.addressee, corpus)}${topicSuffix(q)}.`;
  return `The articles don't quote ${speaker}${topicSuffix(q) || " on that"}.`;
}

function topicSuffix(q: QuestionAnalysis): string {
  const topic = topicOf(q.text);
  return topic ? ` on ${topic}` : "";
}

/** Lead-in to the nearest fact, naming who speaks in it when someone does. */
export function nearestLeadIn(speakers: readonly number[], corpus: CorpusView): string {
  const person = speakers.find((id) => corpus.knowledge.gazetteer.entities[id]?.kind === "person") ?? speakers[0];
  return person === undefined ? "The closest they have:" : `${entityName(person, corpus)} did:`;
}
