import type { Article, ArticleRef, Citation, Coverage, Passage } from "../types.js";
import type { QuestionAnalysis } from "./analyse-question.js";
import { candidatesFor, COMES_FROM, focusSequence, locative, SEPARATE_MEETING, type Candidate } from "./candidates.js";
import { tokens } from "../knowledge/names.js";
import { normName } from "../knowledge/gazetteer.js";
import { TITLE_WORDS } from "../knowledge/lexicon.js";
import { termOf } from "../text/terms.js";
import { articleRef, citationOf, type CorpusView } from "./evidence.js";
import { dateWords, entityName, eventDatePhrase, eventPhrase, nameOf, nearestLeadIn, notQuotedText, topicOf, unknownNamesText } from "./framing.js";
import { DATE, DAY, yearsIn } from "./answer-type.js";

/*
 * The extractive answer. The lead is the sentence (or two adjacent sentences
 * read together) that holds what the question asks: its focus, every entity
 * it names, the speaker it asks about, the kind of answer it wants, no
 * contradicting year. Around the quote go only words the analysis and the
 * metadata give: "Yes —"/"No —", the meeting's name, place and date. When
 * nothing holds it all, the answer says what is missing and shows the nearest
 * fact. A question in two parts is answered part by part.
 */

export interface ComposeParams {
  readonly maxSentences: number;
  /** Share of the question's focus the lead must hold; below it the articles do not answer. */
  readonly abstainThreshold: number;
}

export interface Composed {
  readonly text: string;
  readonly coverage: Coverage;
  readonly abstained: boolean;
  readonly citations: Citation[];
  readonly closest: ArticleRef[];
  readonly confidence: number;
}

export const ABSTAIN_TEXT = "The articles I have don't cover that.";
export const ADVICE_TEXT = "The articles are news reports; they don't give advice or recommendations.";

/** One part's answer: a line of text whose quotes are numbered later, and whether it answers. */
interface PartAnswer {
  readonly answered: boolean;
  /** Text before the quotes ("Yes —", "At the … :", "The articles don't quote …"). */
  readonly lead: string;
  readonly quotes: readonly Candidate[];
  readonly confidence: number;
}

/**
 * @param passages retrieval results for the question, or, for a question in
 *   parts, one list per part (in the order of `q.parts`)
 */
export function composeAnswer(q: QuestionAnalysis, passages: readonly (readonly Passage[])[], corpus: CorpusView, params: ComposeParams): Composed {
  const all = passages.flat();
  const closest = closestArticles(all, corpus);
  if (q.unknown.length > 0) return declined(`${unknownNamesText(q.unknown)}${closestText(closest)}`, closest);
  if (q.advice) return declined(`${ADVICE_TEXT}${closestText(closest)}`, closest);
  const parts = q.parts.length > 0 ? q.parts : [q];
  // In a comparison the question's words fit one side; the other side said its piece in its own words,
  // so its part needs only half the usual share of them.
  const answers: PartAnswer[] = [];
  parts.forEach((part, i) => {
    const own = q.comparison ? { ...params, abstainThreshold: params.abstainThreshold / 2 } : params;
    const earlier = answers[0]?.answered ? answers[0].quotes[0] : undefined;
    answers.push(answerPart(part, passages[i] ?? passages[0] ?? [], corpus, own, i > 0 && part.refersBack ? earlier : undefined, q.comparison));
  });
  const answered = answers.filter((a) => a.answered).length;
  if (answered === 0 && answers.every((a) => a.quotes.length === 0)) {
    const own = answers.map((a) => a.lead).filter(Boolean);
    return declined(own.length ? `${own.join(" ")}${closestText(closest)}` : `${ABSTAIN_TEXT}${closestText(closest)}`, closest);
  }
  // Number the quotes across the parts; a span quoted twice keeps its first number.
  const citations: Citation[] = [];
  const lines = answers.map((a) => {
    const marks = a.quotes.map((c) => {
      const article = corpus.article(c.source) as Article;
      let cited = citations.find((x) => x.source === c.source && x.start === c.span.start && x.end === c.span.end);
      if (!cited) {
        cited = citationOf(citations.length + 1, article, c.span);
        citations.push(cited);
      }
      return `“${cited.quote}” [${cited.n}]`;
    });
    return [a.lead, ...marks].filter(Boolean).join(" ");
  });
  const coverage: Coverage = answered === answers.length ? "full" : answered === 0 ? "none" : "partial";
  const confidence = Math.min(...answers.map((a) => a.confidence));
  return { text: lines.join("\n"), coverage, abstained: coverage === "none", citations, closest, confidence };
}

function declined(text: string, closest: ArticleRef[]): Composed {
  return { text, coverage: "none", abstained: true, citations: [], closest, confidence: 0 };
}

// Every check but the topic's: a side of a comparison says its piece in its own words, not necessarily in
// those the question shares out, so for it what the question is about is preferred, not required.
const passesBesidesTopic = (c: Candidate) => c.checks.entities && c.checks.speaker && c.checks.addressee && c.checks.type && c.checks.time;
const passes = (c: Candidate) => passesBesidesTopic(c) && c.checks.topic;
// Hedged statements do not settle a yes/no question ("may", but not the month: "May 7"), nor do
// demands ("more effort is needed to curtail …") that the question does not ask about.
// Aims and plans do not settle whether it happened ("aiming to conclude the agreement by the end of the year").
// ("could not agree", "would not say" deny, they do not hedge.)
const HEDGE = /\b(?:may|might|could(?!\s+not\b|n['’]t)|reportedly|allegedly|possibly|perhaps|likely|expected to|would(?!\s+not\b|n['’]t)|(?:aim|aims|aiming|aimed|plan|plans|planning|intend|intends|intending|seek|seeks|seeking) to|if|unless)\b/i;
const DEMAND = /\b(?:should|must|needs? to|is needed|are needed|urged?|urging|called (?:on|for)|calls (?:on|for)|calling (?:on|for)|hopes?|hoped|wants? to|count on)\b/i;
// "said Norway would send two frigates" reports a plan as a fact, not a guess.
const REPORTED_WOULD = /\b((?:said|says|announced|confirmed|promised|pledged|told [^,.;]{1,40}?)(?: that)? [^,.;]{1,60}?) would\b/gi;
// Asking something of someone: what they were asked to do, not what they did.
const ASKED_OF = /\b(?:urged?|urging|call(?:ed|s|ing)? (?:on|for)|demand(?:ed|s|ing)? (?:that|an?|the)|ask(?:ed|s|ing)? (?:\w+ )?to|press(?:ed|es|ing) for)\b/i;
/** The sentence of a quote (which may hold two) that holds the clause. */
const sentenceHolding = (text: string, clause: string) => text.split(/(?<=[.!?]["”]?)\s+/).find((x) => x.includes(clause)) ?? text;
// A hedge the question itself makes ("Is construction expected to start in 2028?") is what it asks about.
const hedges = (text: string, question = "") => {
  const asked = [...question.matchAll(new RegExp(HEDGE.source, "gi"))].map((m) => m[0]);
  const own = asked.reduce((t, h) => t.replace(new RegExp(`\\b${escape(h)}\\b`, "gi"), " "), text);
  return HEDGE.test(own.replace(/\bMay\s+\d|\d\s+May\b/g, "").replace(REPORTED_WOULD, "$1 will"));
};
const hedged = (text: string, question = "") => hedges(text, question) || (DEMAND.test(text) && !DEMAND.test(question) && !/\b(?:urge|call|ask|want|hope|demand|need)/i.test(question));
// Opposites that answer a yes/no question with "no" although nothing is negated ("big benefits" / "very limited").
const OPPOSITES: readonly [RegExp, RegExp][] = [
  [/\b(?:big|large|major|huge|significant|substantial)\b/i, /\b(?:small|limited|minor|modest|little|negligible)\b/i],
  [/\b(?:increase[sd]?|rise|rose|grow|grew|higher)\b/i, /\b(?:decrease[sd]?|fall|fell|shrink|shrank|lower|decline[sd]?)\b/i],
  [/\b(?:agree[sd]?|accept(?:ed)?|approve[sd]?|support(?:ed)?)\b/i, /\b(?:disagree[sd]?|reject(?:ed)?|oppose[sd]?|refuse[sd]?)\b/i],
  [/\b(?:join(?:ed)?|enter(?:ed)?)\b/i, /\b(?:leave|left|withdr[ae]w|exit(?:ed)?|quit)\b/i],
  [/\b(?:success(?:ful)?|succeed(?:ed)?)\b/i, /\b(?:fail(?:ed|ure)?)\b/i],
];
/** Whether the evidence answers the question's words with their opposite. */
const opposes = (question: string, evidence: string) =>
  OPPOSITES.some(([a, b]) => (a.test(question) && !a.test(evidence) && b.test(evidence)) || (b.test(question) && !b.test(evidence) && a.test(evidence)));
const NEGATION = /\b(?:not|no|never|none|nor|neither|nobody|nothing|without|cannot)\b|n't\b/i;

/**
 * @param earlier the first part's lead, when this part leans on it ("… and which year is that figure
 *   for?"): the same evidence answers it if it holds the kind of answer this part asks for
 * @param side whether the part is one side of a comparison
 */
function answerPart(q: QuestionAnalysis, passages: readonly Passage[], corpus: CorpusView, params: ComposeParams, earlier?: Candidate, side = false): PartAnswer {
  if (q.unknown.length > 0) return refusal(unknownNamesText(q.unknown));
  const candidates = candidatesFor(q, passages, corpus);
  // (Not when this part asks about something the first part's lead does not hold: "…, and by how much did it
  // shrink in 2023?")
  const same = earlier && candidates.find((c) => overlaps(c, earlier) && c.checks.type && c.checks.time && c.focus >= params.abstainThreshold);
  if (same) return { answered: true, lead: framing(q, same, corpus), quotes: [same], confidence: earlier.focus };
  const relevant = candidates.filter((c) => c.focus >= params.abstainThreshold);
  const good = side ? [...relevant.filter(passes), ...relevant.filter((c) => passesBesidesTopic(c) && !c.checks.topic)] : relevant.filter(passes);
  // Headlines and captions only when nothing in the body says it: not when the body's best holds far less
  // of the question ("leaving the Élysée together" is only in the caption; the body says where they met).
  const body = good.filter((c) => c.role === "body");
  const summary = good.find((c) => c.role !== "body");
  const bodySaysIt = body[0] !== undefined && (summary === undefined || summary.focus < body[0].focus + SUMMARY_MARGIN);
  const lead = ownWords(q, body) ?? (bodySaysIt ? body[0] : (summary ?? body[0]));

  if (q.type === "yes-no") return yesNo(q, relevant, corpus);
  // "Which specific hybrid threats did Kallas mention?" — "She also noted ongoing hybrid threats …" names the
  // kind, not which ones.
  if (lead && q.specificKind && namesOnlyTheKind(q.specificKind, lead.text)) {
    return { answered: false, lead: "The articles don't say which; they say:", quotes: [lead], confidence: 0 };
  }
  const withheld = q.type !== "statement" ? notGiven(q, relevant, lead) : undefined;
  if (withheld) return { answered: false, lead: "The articles don't give that; they say:", quotes: [withheld], confidence: 0 };
  // (Not for a side of a comparison: it says its piece in its own words, and the other side's are closer to the question.)
  const swapped = lead && q.speaker && !side && q.focus.length >= 2 && lead.focus <= SWAPPED_LEAD ? someoneElseSaidIt(lead, relevant) : undefined;
  if (swapped) return nearest(notQuotedText(q, corpus), swapped, corpus);
  // "How many Chinese electric cars are sold in the EU?": the sentence about them has no figure, and the one
  // with a figure ("his first visit in five years") is about something else. A lead of the kind asked for
  // that is far less about the question than a sentence without it answers nothing.
  const onTopic = relevant.filter((c) => c.role === "body" && c.checks.entities && c.checks.speaker && c.checks.time);
  // (So for a list of a kind: "Which EU commissioners visited …" against leaders who met in Beijing.)
  const typed = TYPED.has(q.type) || (q.type === "list" && q.wants !== null);
  const closer = lead && typed ? onTopic.find((c) => !c.checks.type && lead.focus < TYPE_MARGIN * c.focus) : undefined;
  if (closer) return explainMissing(q, relevant, corpus);
  if (lead) {
    const quotes = [lead, ...moreQuotes(q, lead, body.length ? body : good, corpus, params)];
    const listed = q.type === "list" ? listFraming(q, quotes, corpus) : "";
    return { answered: true, lead: listed || framing(q, lead, corpus), quotes, confidence: lead.focus };
  }
  return explainMissing(q, relevant, corpus);
}

/** The candidate's text names a person the question does not. */
function namesSomeone(q: QuestionAnalysis, c: Candidate, corpus: CorpusView): boolean {
  const g = corpus.knowledge.gazetteer;
  const asked = new Set(q.entities.flatMap((e) => e.ids));
  const text = ` ${normName(c.text)} `;
  return [...c.entities].some((id) => !asked.has(id) && g.entities[id]?.kind === "person" && (g.entities[id]?.aliases ?? []).some((a) => text.includes(` ${a} `)));
}
const WHO_SAID = /^\W*who\s+(?:said|told|called|described|warned|declared|argued|wrote|stressed|insisted|remarked|quipped|put it)\b/i;

// How much more of the question a caption or headline must hold than the body's best to lead instead.
const SUMMARY_MARGIN = 0.4;
const TYPED = new Set(["quantity", "date", "place", "person", "organisation"]);
const TYPE_MARGIN = 0.65;
// "What did Tamm-Laas say about her colleague?" — "Tamm-Laas praised her Finnish colleague." tells of words
// without giving them; the quotation beside it, as close to the question, does.
const QUOTED = /["“”]/;
const OWN_WORDS_MARGIN = 0.02;
/** For "what did X say", the best candidate that quotes X's own words, when it is about as close to the question as the best. */
function ownWords(q: QuestionAnalysis, body: readonly Candidate[]): Candidate | undefined {
  const best = body[0];
  if (!best || q.type !== "statement" || !q.speaker || QUOTED.test(best.text)) return undefined;
  return body.find((c) => QUOTED.test(c.text) && c.focus >= best.focus - OWN_WORDS_MARGIN && c.score >= best.score - 0.05);
}

// A list or an example after the kind named: "threats such as …", "restrictions on: …", "A, B and C".
const ENUMERATES = /\b(?:such as|including|like|namely|for example|for instance|in particular)\b|:\s|,[^,]+,[^,]*\band\b/i;
/** The text names the kind asked for (its words in a row) and nothing that says which ones. */
function namesOnlyTheKind(kind: string, text: string): boolean {
  const words = focusSequence(text);
  // "which rare earth elements, specifically" against "restrictions on rare earth exports": the kind without
  // its head noun, when the text does not use that noun.
  const head = kind.split(" ");
  const named = words.includes(` ${kind} `) || (head.length >= 2 && !words.includes(` ${head.at(-1)} `) && words.includes(` ${head.slice(0, -1).join(" ")} `));
  // A list counts when it follows the kind ("threats such as …"), not when the kind is one of its items
  // ("practices, including restrictions on rare earth exports").
  const first = head[0] ?? "";
  const at = text.search(new RegExp(`\\b${escape(first.slice(0, Math.max(3, first.length - 1)))}`, "i"));
  return named && !ENUMERATES.test(at >= 0 ? text.slice(at) : text);
}

// "She did not say what level of imports would trigger the safeguard": the article says the detail was withheld.
const NOT_GIVEN =
  /\b(?:did not|didn't|does not|doesn't|would not|wouldn't|could not|couldn't|declined to|refused to)\s+(?:say|specify|disclose|give|reveal|detail|name|elaborate|comment|put a figure)\b|\bno (?:further )?details\b|\b(?:(?:was|were)\s+not|(?:has|have|had)\s+not\s+been)\s+(?:disclosed|specified|made public|given|released)\b|\b(?:not|un)(?:\s+yet)?\s*(?:clear|known)\b|\bremains? unclear\b/i;
// It must say so about most of what is asked, at least as fully as the lead does.
const NOT_GIVEN_FOCUS = 0.5;
/** A sentence, at least as close to the question as the lead, saying the detail asked for was not given. */
function notGiven(q: QuestionAnalysis, relevant: readonly Candidate[], lead: Candidate | undefined): Candidate | undefined {
  return relevant.find(
    (c) =>
      q.focus.length > 0 &&
      // "Why did Wang decline to comment?" asks about the refusal itself.
      !NOT_GIVEN.test(q.text) &&
      c.role === "body" &&
      c.checks.entities &&
      c.checks.speaker &&
      c.focus >= NOT_GIVEN_FOCUS &&
      c.focus >= (lead?.focus ?? 0) &&
      focusClauses(q, c.text).some((clause) => NOT_GIVEN.test(clause)),
  );
}

// "What did Raghunathan say about chips being the new oil?" when Pillai said "Chips are the new oil" and
// Raghunathan only mentioned a "bargaining chip": the question is about the other speaker's words (when
// it asks about more than one word, the lead holds at most SWAPPED_LEAD of them, and the other quote nearly all).
const SWAPPED_FOCUS = 0.9;
const SWAPPED_LEAD = 0.65;
const SWAPPED_MARGIN = 0.35;
/** Whether someone other than the speaker asked about says what the question asks, far better than the lead does. */
function someoneElseSaidIt(lead: Candidate, relevant: readonly Candidate[]): Candidate | undefined {
  return relevant.find(
    (c) => !c.checks.speaker && c.speakers.size > 0 && c.checks.type && c.checks.time && c.role === "body" && c.focus >= SWAPPED_FOCUS && c.focus - lead.focus >= SWAPPED_MARGIN,
  );
}

/**
 * The members of the list a quote names: entities of the kind asked for, not the question's own, not the
 * corpus' background (China and the EU in every article), and for places, places something goes to or is in.
 */
function listed(q: QuestionAnalysis, c: Candidate, corpus: CorpusView): number[] {
  const asked = new Set(q.entities.flatMap((e) => e.ids));
  const g = corpus.knowledge.gazetteer;
  const members = [...c.entities].filter((id) => {
    const e = g.entities[id];
    if (!e || asked.has(id) || q.wants === null || e.kind !== q.wants || corpus.lexicon.entityShare(id) > 0.5) return false;
    if (e.kind === "person") return !/\b(?:president|minister|secretary|official)\b/i.test(e.name);
    if (e.kind === "place") return locative(e.name, c.text);
    return true;
  });
  // "After concluding his visit to Norway, he is scheduled to travel to Sweden and Finland": where he travels
  // next are the places of the clause that holds the question's words.
  const clause = focusClause(q, c.text);
  const inClause = members.filter((id) => {
    const name = g.entities[id]?.name;
    return name !== undefined && clause.includes(name);
  });
  return inClause.length > 0 && clause !== c.text ? inClause : members;
}

/** Further quotes only for a list: each must add members of the list the earlier ones lack. */
function moreQuotes(q: QuestionAnalysis, lead: Candidate, good: readonly Candidate[], corpus: CorpusView, params: ComposeParams): Candidate[] {
  if (q.type !== "list" || q.wants === null) return [];
  const out: Candidate[] = [];
  const seen = new Set(listed(q, lead, corpus));
  for (const c of good) {
    if (out.length + 1 >= params.maxSentences) break;
    if (c === lead || overlaps(c, lead) || out.some((o) => overlaps(o, c)) || c.focus < 0.9 * lead.focus) continue;
    const adds = listed(q, c, corpus).filter((id) => !seen.has(id));
    if (adds.length === 0) continue;
    out.push(c);
    for (const id of adds) seen.add(id);
  }
  return out;
}

/** "Serbia and Hungary:" — the members of the list the quotes name, by their names in the gazetteer. */
function listFraming(q: QuestionAnalysis, quotes: readonly Candidate[], corpus: CorpusView): string {
  const ids = [...new Set(quotes.flatMap((c) => listed(q, c, corpus)))];
  const names = ids.map((id) => corpus.knowledge.gazetteer.entities[id]?.name).filter((n): n is string => Boolean(n));
  if (names.length < 2) return "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}:`;
}

const overlaps = (a: Candidate, b: Candidate) => a.source === b.source && a.span.start < b.span.end && b.span.start < a.span.end;

/** Words before the quote: the meeting for "which meeting", its date or place when the sentence lacks one. */
function framing(q: QuestionAnalysis, lead: Candidate, corpus: CorpusView): string {
  // "Who said …?" answered by a quote that does not name its speaker: the speaker the analysis gives it.
  // (Their name rather than their title: "Ndapewa Shikongo", not "Minister of Mines and Energy".)
  const people = [...lead.speakers].filter((id) => corpus.knowledge.gazetteer.entities[id]?.kind === "person");
  const isTitle = (id: number) => (corpus.knowledge.gazetteer.entities[id]?.name ?? "").toLowerCase().split(/\s+/).some((w) => TITLE_WORDS.has(w));
  const speaker = q.type === "person" && WHO_SAID.test(q.text) && !namesSomeone(q, lead, corpus) ? (people.find((id) => !isTitle(id)) ?? people[0]) : undefined;
  if (speaker !== undefined) return `${entityName(speaker, corpus)}:`;
  const event = corpus.eventOf(lead.source);
  if (!event) return "";
  // "during a separate meeting with …": the sentence names its own meeting.
  const separate = SEPARATE_MEETING.test(lead.text);
  if (q.type === "event") return separate ? `Not at ${eventPhrase(event)} itself:` : `At ${eventPhrase(event)}:`;
  if (q.type === "date" && !separate) {
    // The sentence gives no date, or only another year ("the first summit since 2019") while the question
    // asks when the meeting was: the metadata's date of the article's event says when.
    const own = (q.exactDate ? DAY : DATE).test(lead.text);
    const years = yearsIn(lead.text);
    const otherYear = years.length > 0 && !years.includes(event.date.value.slice(0, 4)) && MEETING_WORDS.test(q.text);
    if (!own || otherYear) {
      return `${capitalise(eventDatePhrase(event))}:`;
    }
    if (WEEKDAY_ONLY.test(lead.text) && years.length === 0) return `${capitalise(dateWords(event.date.value))}${event.date.basis === "inferred" ? " (date inferred)" : ""}:`;
  }
  // The sentence puts nothing in a place ("China and Europe should …" names places but no "where"): the meeting's place says where.
  const located = [...lead.entities].some((id) => {
    const e = corpus.knowledge.gazetteer.entities[id];
    return e?.kind === "place" && !q.entities.some((x) => x.ids.includes(id)) && locative(e.name, lead.text);
  });
  // (Not where something comes from: "from desalination plants" is the answer, the meeting's city is not.)
  if (q.type === "place" && !separate && !located && !COMES_FROM.test(q.text)) {
    return `In ${event.place.value}:`;
  }
  return "";
}

/**
 * Yes or no only when the quoted evidence settles it: a statement of the same
 * polarity as the question (yes) or the opposite (no), without hedging; or a
 * complete list of the kind asked about that leaves out what was asked ("Did Xi
 * visit Italy?" against an itinerary of France, Serbia and Hungary).
 */
// "Did she specify what volume would set it off?" asks whether something was disclosed: "She did not say what
// level …" answers no.
const ASKS_DISCLOSED = /\b(?:specify|say|disclose|reveal|give|name|detail|confirm|put a figure on)\b[^?]*?\b(?:what|which|how|when|where|who|whether)\b/i;
function yesNo(q: QuestionAnalysis, relevant: readonly Candidate[], corpus: CorpusView): PartAnswer {
  const withheld = ASKS_DISCLOSED.test(q.text) && !q.negated ? notGiven(q, relevant, undefined) : undefined;
  if (withheld) return { answered: true, lead: "No —", quotes: [withheld], confidence: withheld.focus };
  // "Did Xi agree …": the evidence must have Xi acting — speaking, or named in a sentence where no one
  // else speaks — not someone else hoping he would. A body or a place is also satisfied where it is named.
  const subject = q.subject;
  const g = corpus.knowledge.gazetteer;
  const institutional = subject?.ids.every((id) => g.entities[id]?.kind !== "person") ?? false;
  const named = (c: Candidate, id: number) => [id, ...(g.related.get(id) ?? [])].some((x) => c.entities.has(x));
  // A body or a place is there wherever the candidate counts it present (named, at its meeting, in the headline).
  const acts = (c: Candidate) =>
    !subject || subject.ids.some((id) => c.speakers.has(id) || ((institutional || c.speakers.size === 0) && named(c, id))) || (institutional && c.checks.entities);
  // "Did Benítez Rolón talk to the press?" — "…, who did not speak to reporters": the one asked about need not be speaking.
  const checked = (c: Candidate) => passes(c) || (q.speaker !== null && c.speakers.size === 0 && c.checks.entities && c.checks.addressee && c.checks.type && c.checks.time);
  // The sentence itself, not only its surroundings, must say most of what is asked; and what it leaves out must
  // not be what another sentence says ("legally binding" is the Philippines' wish, not what China agreed to).
  const settled = relevant
    .filter(checked)
    // (What another sentence adds matters to a yes, not to a no: "will not buy ammunition itself" says no to
    // buying air-defence ammunition under the joint purchase as well.)
    .filter((c) => c.role === "body" && acts(c) && ownFocus(q, c) >= YES_NO_OWN_FOCUS && (saidElsewhere(q, c, relevant) < YES_NO_ELSEWHERE || NEGATION.test(focusClause(q, c.text)) !== q.negated));
  const best = settled[0];
  const clauseOf = best ? focusClause(q, best.text) : "";
  // Someone else's demand anywhere in the sentence ("calling for … an end to … restrictions on rare earth
  // exports") says what was asked of the one asked about, not what they did.
  const demanded =
    best !== undefined &&
    subject !== null &&
    !subject.ids.some((id) => best.speakers.has(id)) &&
    ASKED_OF.test(sentenceHolding(best.text, clauseOf)) &&
    !ASKED_OF.test(q.text);
  if (best && !demanded && !hedged(clauseOf, q.text) && !focusClauses(q, sentenceHolding(best.text, clauseOf)).some((c) => hedges(c, q.text))) {
    const clause = clauseOf;
    // "adopted a joint communiqué on energy but not on migration": a negated clause that alone holds a word
    // asked about negates the answer.
    const clauses = focusClauses(q, best.text);
    const negatedAlone = clauses.some((c) => NEGATION.test(c) && q.focus.some((f) => heldBy(f, c) && !clauses.some((o) => o !== c && !NEGATION.test(o) && heldBy(f, o))));
    const same = (NEGATION.test(clause) || negatedAlone) === q.negated && !best.opposed && !opposes(q.text, best.text);
    // A yes confirms what was asked, not something else in its place ("wants quotas set by scientists" for
    // "set by politicians?").
    if (!same || !putsOtherInPlace(q, best.text)) return { answered: true, lead: same ? "Yes —" : "No —", quotes: [best], confidence: best.focus };
  }
  // One place or person asked about is missing, and the evidence lists others of its kind instead
  // ("Did Xi visit Italy?" against "… travel to Serbia and Hungary"): a complete list that leaves it out.
  const lists = relevant.filter((c) => c.checks.missing.length === 1 && c.checks.speaker && c.checks.time && c.role === "body" && c.focus >= LIST_FOCUS);
  for (const c of lists) {
    const missingId = c.checks.missing[0] as number;
    const kind = g.entities[missingId]?.kind;
    if (kind !== "place" && kind !== "person") continue;
    const asked = new Set(q.entities.flatMap((e) => e.ids));
    const others = [...c.entities].filter((id) => !asked.has(id) && g.entities[id]?.kind === kind);
    const names = others.map((id) => g.entities[id]?.name ?? "").filter((n) => n && c.text.includes(n));
    const listed = names.some((a) => names.some((b) => a !== b && new RegExp(`${escape(a)}(?:,\\s*[^,.]+)*,?\\s+and\\s+${escape(b)}`).test(c.text)));
    const namedInArticle = corpus.analysis(c.source).facts.some((f) => f.entities.includes(missingId));
    if (listed && !namedInArticle && !hedged(c.text)) return { answered: true, lead: "No —", quotes: [c], confidence: c.focus };
  }
  const nearest = best ?? relevant.find((c) => c.checks.entities);
  const lead = `The articles don't say${q.speaker ? ` whether ${nameOf(q.speaker, corpus)} did` : ""}.`;
  return nearest ? { answered: false, lead: `${lead} The closest they have:`, quotes: [nearest], confidence: 0 } : refusal(lead);
}

const YES_NO_OWN_FOCUS = 0.4;
const SLOT_PREPOSITIONS = new Set(["by", "from", "with", "for", "in", "at", "on", "against"]);
const AMOUNT = /^(?:\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|half|dozen|dozens|several|few|many|hundreds?|thousands?|millions?|billions?)$/i;

/**
 * Whether the evidence puts another word where the question has one it lacks: "set by politicians" against
 * "set by scientists" — the same word and preposition, then something else.
 */
function putsOtherInPlace(q: QuestionAnalysis, evidence: string): boolean {
  const asked = tokens(q.text);
  const said = tokens(evidence);
  const saidTerms = said.map((t) => termOf(t.word));
  return q.focus.some((f) => {
    if (heldBy(f, evidence)) return false;
    const i = asked.findIndex((t) => termOf(t.word) === f.term);
    const prep = asked[i - 1];
    const anchor = termOf(asked[i - 2]?.word ?? "");
    // Prepositions of a noun ("to" leads to verbs, "agreed to co-finance … and to link"); not amounts ("in
    // half a decade" is "in five years").
    if (i < 2 || !prep || !SLOT_PREPOSITIONS.has(prep.norm) || !anchor || AMOUNT.test(asked[i]?.word ?? "")) return false;
    return said.some((t, j) => {
      if (t.norm !== prep.norm || !saidTerms.slice(Math.max(0, j - 3), j).includes(anchor)) return false;
      const k = saidTerms.findIndex((x, n) => n > j && x !== null);
      const next = saidTerms[k];
      return next !== undefined && next !== null && !AMOUNT.test(said[k]?.word ?? "") && next !== f.term && !f.alternatives.includes(next);
    });
  });
}
const YES_NO_ELSEWHERE = 0.3;
/** Whether the candidate's own words hold the focus word (its context not counted). */
function holds(f: QuestionAnalysis["focus"][number], c: Candidate): boolean {
  return heldBy(f, c.text) || (f.opposites?.some((t) => c.terms.has(t)) ?? false) || (f.speech === true && c.speakers.size > 0);
}
/** Share of the question's focus weight the candidate's own words hold. */
function ownFocus(q: QuestionAnalysis, c: Candidate): number {
  const total = q.focus.reduce((a, f) => a + f.weight, 0);
  const hit = q.focus.filter((f) => holds(f, c)).reduce((a, f) => a + f.weight, 0);
  return total > 0 ? hit / total : 1;
}
// The meeting a sentence belongs to is its setting, which the sentences around it give ("Did Kallas reaffirm …
// during the talks with Wang Yi?" — "On Taiwan, Kallas reaffirmed …", after the sentence naming the dialogue).
const SETTING_TERMS: ReadonlySet<string> = new Set(
  ["summit", "meeting", "talks", "dialogue", "visit", "trip", "conference", "session"].map(termOf).filter((t): t is string => t !== null),
);
/** Share of the question's focus weight the candidate lacks and another sentence of the same article holds. */
function saidElsewhere(q: QuestionAnalysis, c: Candidate, relevant: readonly Candidate[]): number {
  const total = q.focus.reduce((a, f) => a + f.weight, 0);
  // (Another sentence about the same thing, holding a word of the question the candidate holds too: "new" in a
  // sentence about something else says nothing.)
  const others = relevant.filter((o) => o.source === c.source && !overlaps(o, c) && q.focus.some((f) => holds(f, c) && holds(f, o)));
  const hit = q.focus.filter((f) => !SETTING_TERMS.has(f.term) && !holds(f, c) && others.some((o) => holds(f, o))).reduce((a, f) => a + f.weight, 0);
  return total > 0 ? hit / total : 0;
}

/** The clauses that hold a focus word of the question: a plan or a condition in any of them leaves it open. */
function focusClauses(q: QuestionAnalysis, text: string): string[] {
  const forms = q.focus.flatMap((f) => [f.term, ...f.alternatives]);
  return text.split(/[.!?]["”]?\s+|[,;:]\s+|\s+(?=but\s)/).filter((c) => {
    const seq = focusSequence(c);
    return forms.some((t) => seq.includes(` ${t} `));
  });
}

/** Whether a text (a candidate or a clause of one) holds the focus word, in any of its forms. */
function heldBy(f: QuestionAnalysis["focus"][number], text: string): boolean {
  const words = focusSequence(text);
  return [f.term, ...f.alternatives].some((t) => words.includes(` ${t} `));
}

function focusClause(q: QuestionAnalysis, text: string): string {
  const clauses = text.split(/[.!?]["”]?\s+|[,;:]\s+|\s+(?=but\s)/);
  const forms = q.focus.flatMap((f) => [f.term, ...f.alternatives]);
  const names = q.entities.map((e) => e.text.toLowerCase());
  const score = (c: string) => {
    const seq = focusSequence(c);
    // What the question asks about weighs more than the names it gives: in "ministers agreed to hold talks
    // on a Code of Conduct, aiming to conclude it by the end of the year", "by the end of" is the clause asked about.
    return 2 * forms.filter((t) => seq.includes(` ${t} `)).length + names.filter((n) => c.toLowerCase().includes(n)).length;
  };
  const best = clauses.reduce((a, b) => (score(b) > score(a) ? b : a), clauses[0] ?? text);
  return score(best) > 0 ? best : text;
}

/** No sentence holds everything: say what the articles lack, and show the nearest fact when there is one. */
function explainMissing(q: QuestionAnalysis, relevant: readonly Candidate[], corpus: CorpusView): PartAnswer {
  const aboutIt = relevant.filter((c) => c.checks.entities || (q.speaker && c.checks.missing.length === 0));
  const wrongSpeaker = aboutIt.find((c) => !c.checks.speaker || !c.checks.addressee);
  if (q.speaker && wrongSpeaker && (aboutIt[0] === wrongSpeaker || !aboutIt.some((c) => c.checks.speaker))) {
    return nearest(notQuotedText(q, corpus), wrongSpeaker, corpus);
  }
  const wrongTime = aboutIt.find((c) => !c.checks.time);
  if (wrongTime && q.years.length > 0) return nearest(`The articles don't report that for ${q.years.join(" or ")}.`, wrongTime, corpus, false);
  const wrongType = aboutIt.find((c) => !c.checks.type);
  if (wrongType) {
    const what = q.type === "date" ? "a date" : q.type === "quantity" ? "a figure" : q.type === "place" ? "a place" : q.type === "person" ? "who" : null;
    if (what) {
      const topic = topicOf(q.text);
      return nearest(`The articles don't give ${what}${topic ? ` for ${topic}` : " for that"}.`, wrongType, corpus, false);
    }
  }
  if (q.speaker && !aboutIt.some((c) => c.checks.speaker)) return refusal(notQuotedText(q, corpus));
  return refusal(q.parts.length === 0 ? ABSTAIN_TEXT : `The articles don't say ${q.text.replace(/[?]+$/, "").replace(/^\w/, (c) => c.toLowerCase())}.`);
}

function nearest(text: string, c: Candidate, corpus: CorpusView, bySpeaker = true): PartAnswer {
  const leadIn = bySpeaker ? nearestLeadIn([...c.speakers], corpus) : "The closest they have:";
  return { answered: false, lead: `${text} ${leadIn}`, quotes: [c], confidence: 0 };
}

function refusal(text: string): PartAnswer {
  return { answered: false, lead: text, quotes: [], confidence: 0 };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// A list that leaves out what was asked answers "no" only when the rest of the question is well covered.
const LIST_FOCUS = 0.6;
const MEETING_WORDS = /\b(?:summit|meeting|meetings|talks|dialogue|visit|trip|met|meet|conference|session|round)\b/i;
const WEEKDAY_ONLY = /\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|this week|the eve)\b/i;

function closestArticles(passages: readonly Passage[], corpus: CorpusView): ArticleRef[] {
  const refs: ArticleRef[] = [];
  for (const p of passages) {
    if (refs.length >= 2 || refs.some((r) => r.source === p.chunk.source)) continue;
    const a = corpus.article(p.chunk.source);
    if (a) refs.push(articleRef(a));
  }
  return refs;
}

function closestText(closest: readonly ArticleRef[]): string {
  if (closest.length === 0) return "";
  const names = closest.map((r) => `“${r.title}”${r.outlet ? ` (${r.outlet}${r.basis.outlet === "inferred" ? ", inferred" : ""})` : ""}`);
  return ` The closest I have ${closest.length === 1 ? "is" : "are"} ${names.join(" and ")}.`;
}
