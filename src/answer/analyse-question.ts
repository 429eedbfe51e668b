import { findEntities, type EntityKind, type EntityMatch, type Gazetteer } from "../knowledge/gazetteer.js";
import { DEMONYMS, OPPOSITES, ORGANISATION_WORDS, ROLE_WORDS, SPEECH_VERBS, TITLE_WORDS } from "../knowledge/lexicon.js";
import { isAcronym, isCapitalised, tokens, type Token } from "../knowledge/names.js";
import { oneEditApart, type Nlp } from "../knowledge/nlp.js";
import { wordForm } from "../knowledge/build.js";
import { normaliseWord, STOPWORDS, termOf } from "../text/terms.js";
import { datedYears } from "./answer-type.js";

/*
 * What a question asks, read once and used by every answer path (quotes, the
 * model's gate, the eval): the kind of answer it wants, its focus words, the
 * people, organisations and places it names (and names no article has), its
 * years, who it asks about as speaker and addressee, and its parts when it
 * asks two things. Pure: everything it knows of the corpus comes in `lexicon`.
 */

export type AnswerType =
  | "person"
  | "organisation"
  | "place"
  | "date"
  | "quantity"
  | "event"
  | "yes-no"
  | "statement"
  | "reason"
  | "list"
  | "description";

export interface QuestionEntity {
  /** As written in the question. */
  readonly text: string;
  /** Gazetteer ids (more than one when the name is ambiguous). */
  readonly ids: readonly number[];
  readonly start: number;
  readonly end: number;
  /** Named by a title ("the Chinese president"), not by a name. */
  readonly byTitle: boolean;
  /** Named as where something is ("in Brussels", "to Paris"), not as an actor ("Beijing's pledge"). */
  readonly locative: boolean;
  /** What naming it says about the answer: the IDF of its rarest word. */
  readonly weight: number;
  /**
   * Named in most articles (in a corpus about EU–China summits, "China" and
   * "the EU"): an answer need not name it again, though naming it counts.
   */
  readonly background: boolean;
}

export interface FocusTerm {
  /** Index term (stemmed). */
  readonly term: string;
  /** A verb of saying ("warn", "bring up", "discuss"): met by anyone speaking in the sentence. */
  readonly speech?: boolean;
  /** For a yes/no question, terms of the opposite ("deficit" for "surplus"): they hold the question's word, and answer no. */
  readonly opposites?: readonly string[];
  /** IDF weight: rarer words say more about what is asked. */
  readonly weight: number;
  /** Terms that may stand for it (synonym groups, a corrected misspelling). */
  readonly alternatives: readonly string[];
}

export interface QuestionAnalysis {
  readonly text: string;
  readonly type: AnswerType;
  /** What a "which …" or list question asks for, when it says: "which countries" -> place. */
  readonly wants: EntityKind | null;
  readonly focus: readonly FocusTerm[];
  /** Names the question uses that the corpus knows. */
  readonly entities: readonly QuestionEntity[];
  /** Names the question uses that no article mentions ("Mark Rutte", "tokyo"). */
  readonly unknown: readonly string[];
  readonly years: readonly string[];
  /** Years the question gives a meeting ("the 2022 EU–China summit", "the talks in 2023"). */
  readonly meetingYears: readonly string[];
  /** "What did X say/tell …", "according to X", "how did X describe …": X. */
  readonly speaker: QuestionEntity | null;
  /** "What did X tell Y": Y. */
  readonly addressee: QuestionEntity | null;
  /** Who a yes/no question asks about ("Did Xi agree …": Xi), or null. */
  readonly subject: QuestionEntity | null;
  /** The question itself is negative ("What did China not agree to?", "Didn't Xi …?"). */
  readonly negated: boolean;
  /** Asks for the exact day ("on what day", "exact date"), not just a month or year. */
  readonly exactDate: boolean;
  /** A plain "who …?" (not "which minister …?"): a role ("its commissioners") answers it as well as a name. */
  readonly bareWho: boolean;
  /** Asks a person's title or job ("What's Kallas's official title?", "whats wang wenbin's job"). */
  readonly asksRole: boolean;
  /**
   * The kind of thing asked for by name, when the question wants the particular ones ("which specific hybrid
   * threats", "which rare earth elements, specifically"), as index terms ("hybrid threat"); null otherwise.
   */
  readonly specificKind: string | null;
  /** Speaks of a meeting, summit, visit or talks: the article's event (its place, its people) is what it asks about. */
  readonly aboutMeeting: boolean;
  /** Asks which building or venue ("In which building …"), not just which city. */
  readonly wantsVenue: boolean;
  /** A part that leans on the part before ("… and which year is that figure for?"): answered from the same evidence. */
  readonly refersBack: boolean;
  /** The noun a "how many" question counts ("how many EU leaders" -> "leader"), or null. */
  readonly countNoun: string | null;
  /** Asks what came later than the articles ("next", "eventually", "end up"): the answer must report it. */
  readonly later: boolean;
  /** Asks about something done or past ("did", "happened", "was"), not planned. */
  readonly past: boolean;
  /**
   * Focus terms of what the question is about, where it says so: "what did X say about human rights" (human
   * right), "what's the typical range of …" (typic, rang). An answer holds a good share of their weight.
   */
  readonly topic: readonly string[];
  /** The text to search for, when it differs from `text` (a part that leans on the question's other part). */
  readonly retrievalText?: string;
  /** The questions asked in one (two-part and comparison questions); empty for a single question. */
  readonly parts: readonly QuestionAnalysis[];
  readonly comparison: boolean;
  /** Asks for advice or a recommendation ("how do I recycle …", "what's the best time to visit …"), which news reports do not give. */
  readonly advice: boolean;
}

/** What the analysis knows of the corpus. */
export interface QuestionLexicon {
  readonly gazetteer: Gazetteer;
  readonly nlp: Nlp;
  /** Whether any article uses the index term. */
  readonly known: (term: string) => boolean;
  /** IDF weight of an index term. */
  readonly idf: (term: string) => number;
  /** The term of the article word a misspelt word most likely is ("projcet" -> "project"), or null. */
  readonly correct: (word: string) => string | null;
  /** Share of the articles that mention the entity (0 when the corpus is too small to tell). */
  readonly entityShare: (id: number) => number;
  /** Whether any article mentions the entity (an alias file may name some no article does). */
  readonly mentioned: (id: number) => boolean;
  readonly synonyms: ReadonlyMap<string, readonly string[]>;
  /** Phrases of synonym groups by their words' forms ("see eye to eye") -> the group's other terms. */
  readonly phrases: ReadonlyMap<string, readonly string[]>;
  /** The outlets of the articles, lower case ("wion", "the kyiv independent"): names of articles, not of what they report. */
  readonly outlets: readonly string[];
}

/** Named in more than this share of the articles, an entity is the corpus' background. */
const BACKGROUND_SHARE = 0.5;

// Asks for advice or a recommendation: "how do I …", "what's the best time of year to visit …", "a good car to buy".
const ADVICE =
  /\b(?:how (?:do|can|should|could) i|should i|where (?:can|should|do) i|(?:do|would|can|could) you recommend|(?:best|easiest|cheapest|quickest|safest|good|nice)\s+(?:[\p{L}-]+\s+){0,3}?to\s+(?:buy|visit|get|go|travel|learn|invest|apply|recycle|find|try|use|start)|(?:goes|go|pairs?|works?)\s+(?:best|well)\s+with)\b/u;
// "How did that person characterise …": a person named before, not a word to find.
const POINTS_BACK = /\b(?:that|this|these|those|the same)\s+(person|people|man|woman|individual|guy|figure)\b/dg;
// "What word did she use for …", "which term did they choose": the answer is a wording, not those words.
const WORD_USED = /\b(?:what|which)\s+(?:exact\s+)?(word|words|term|phrase|expression|label|language)\s+(?:did|does|do|has|have|had)\s+[^?]{1,60}?\s+(use|used|choose|chose|pick|picked)\b/dg;
// Words that name a stance ("what was her line on Taiwan"): what someone said, not a word to find.
const STANCE_BEFORE = /\b(line|position|stance|view|views|take|message)\s+(?:on|about|regarding|towards?)\b/g;
// "von der Leyen's line in Beijing", "her message to Xi": someone's stance is what they said.
// ("the French president's opening line": with a word between)
const STANCE_OF = /(?:['’]s|\b(?:her|his|their|its))\s+(?:[\p{L}-]+\s+)?(line|position|stance|view|views|take|message)\b/gu;
// "… or something softer?", "… or rather …": the question asks which, not whether (not "Did the EU or China …?").
const EITHER_OR = /\bor\s+(?:something|anything|somewhere|someone|rather|instead|just|only|merely|more|less|what|how|which|who|where|when)\b(?![^?]*\bor\s+(?:not|no)\b)[^?]*\??$/u;
// "What did X tell reporters about who …": the wh-word is the topic of X's words.
const EMBEDDED_WH = /^\W*(?:what|how)\s+(?:did|does|do|has|have|had|will|would|is|was)\b.*?\b(?:say|said|tell|told|describe|think|mean|add|warn|claim|explain)\b.*?\b(?:about|on|regarding)\s+(?:who|whom|where|when|why|how|whether|which|what)\b/;
// "Which think tank does X work for?": the organisation someone works for.
const AFFILIATION = /\b(?:work(?:s|ed|ing)?|employed|affiliated)\s+(?:for|at|with|in|by)\b/;
// Words of asking that say nothing about the answer ("what kind of", "exactly", "happened"), and light verbs.
const QUESTION_NOISE = new Set(
  "approximate approximately roughly coverage piece pieces article articles story stories write-up writeup beforehand afterwards afterward previously whether besides since because although stuff kind sort type exactly actually really specifically happen happened mention mentioned name named list everything anyth anything ask asked question something someone go goes going went gone get gets got make makes made take takes took do doing come came put keep kept let seem mean meant ie eg etc".split(
    " ",
  ),
);
// Their other forms are noise too ("keeps saying", "one piece mentions").
const NOISE_TERMS: ReadonlySet<string> = new Set([...QUESTION_NOISE].map(termOf).filter((t): t is string => t !== null));
const isNoise = (t: Token) => QUESTION_NOISE.has(t.norm) || NOISE_TERMS.has(termOf(t.word) ?? "");

const WANTING = new Set(["want", "wanted", "wants", "expect", "expected", "expects", "need", "needed", "needs"]);
/** Verbs of talking about something, beyond the reporting verbs ("Did Kallas bring up Gaza?"). */
// ("in his remarks", "her comments": when they spoke, whatever they said)
const TALKING = new Set(["discuss", "discussed", "talk", "talked", "bring", "brought", "mention", "mentioned", "raise", "raised", "remark", "remarks", "comments"]);

/** Index terms of a phrase, joined by a space ("lethal equipment" -> "lethal equip"). */
const termsOf = (phrase: string) =>
  tokens(phrase)
    .map((t) => termOf(t.word))
    .filter((t): t is string => t !== null)
    .join(" ");
// Verbs of saying: "what did X say/warn/urge …" asks for X's words, so the answer must be X speaking.
// ("Did China promise …", "does the EU want …" ask about a commitment or an aim, not about who said it.)
const SPEAKING = "flag|flags|flagged|highlight|highlighted|say|says|said|tell|tells|told|warn|warned|urge|urged|ask|asked|call|called|stress|stressed|note|noted|argue|argued|claim|claimed|describe|described|characteri[sz]e|characteri[sz]ed|react|reacted|respond|responded|comment|commented|add|added|reiterate|reiterated|emphasi[sz]e|emphasi[sz]ed|caution|cautioned|express|expressed|announce|announced|demand|demanded|credit|credited|raise|raised|press|pressed|complain|complained|reply|replied|suggest|suggested|mention|mentioned";
const AUX = "did|does|do|is|was|were|are|has|have|had|can|could|will|would|should|shall|may|might|must";
const YES_NO = new RegExp(`^(?:(?:and|so|but|ok|also)\\s+)?(?:${AUX})(?:n't|\\s+not)?\\b`, "i");
// Words that ask beyond what was reported at the time.
// ("What role did X play", "whose monitoring role did they underline" ask about a part played, not a title.)
const ROLE_QUESTION = /\b(?:title|job|post|office|what does \S+ do)\b|\b(?:role|position)\s*(?:\?|$|(?:at|in|within|with)\s+(?!(?:keeping|getting|making|bringing|ending|calming)\b))/;
// "Did they end up signing?" asks what came of it; "goods that end up on the battlefield" and "why could
// EVs end up with tariffs" do not.
const LATER = /\bonce (?:it|they|the [\w-]+(?: [\w-]+){0,2}) (?:(?:was|were|had|got|is|are) (?:under ?way|started|begun|running|launched|in place|concluded|ended|finished|completed|over|done)|(?:concluded|ended|finished|wrapped up|launched|started|began|opened))\b|\b(?:eventual|eventually|ended up|since then|subsequently|afterwards|ever since|in the end|finally|later on|so far|yet)\b|\b(?:did|has|have|will)\b[^,;]*\bend up\b/;
// "What did von der Leyen say afterwards?" of a meeting the question names: after that meeting, which the
// articles report.
// So is "what did X say afterwards": what X said after what the member has in mind.
const AFTER_THE_MEETING = new RegExp(
  `\\bafterwards?\\b(?=.*\\b(?:meeting|summit|talks|dialogue|visit|trip|conference)\\b)|(?<=\\b(?:meeting|summit|talks|dialogue|visit|trip|conference)\\b.*)\\bafterwards?\\b|(?<=\\b(?:${SPEAKING})\\s+)afterwards?\\b`,
  "g",
);
/** The topic's terms without its participles, unless nothing else is left. */
const withoutParticiples = (topic: string[], participles: ReadonlySet<string | null>) => {
  const nouns = topic.filter((t) => !participles.has(t));
  return nouns.length > 0 ? nouns : topic;
};
const HOW_IT_WORKS = /^\W*how\s+(?:do|does|did|would|will|can|could)\s+.+?\s+(?:actually\s+|really\s+|even\s+)?(work|function|operate)\b/;
// "the 2022 EU–China summit", "the summit in 2023", "its 2025 strategic dialogue"
const MEETING_YEAR = /\b((?:19|20)\d\d)\s+(?:[\p{L}–-]+\s+){0,3}?(?:summit|meeting|talks|dialogue|visit|trip|tour|conference|session|trilateral|consultations|round|retreat|ministerial|council|forum)\b|\b(?:summit|meeting|talks|dialogue|visit|trip|tour|conference|session|trilateral|consultations|round|retreat|ministerial|council|forum)\s+(?:(?:in|at)\s+\p{Lu}[\p{L}-]*\s+)?(?:in|of)\s+(?:\p{L}+\s+)?((?:19|20)\d\d)\b/giu;
// "What was agreed at the next summit after the dialogue?": a meeting after the one the articles report.
const NEXT_AFTER = /\bthe\s+(?:next|following|subsequent)\s+(?:[\p{L}–-]+\s+){0,3}?(?:summit|meeting|round|talks|dialogue|visit|session)\s+after\b/u;
// "Where was he scheduled to go afterwards?" asks what was planned, which the plan answers.
const ASKS_PLAN = /\b(?:scheduled|planned|planning|plans?|set|due|expected|supposed) to\b/;
const NEGATED = /\b(?:not|never|n't|no longer|refuse[sd]?|fail(?:ed)?\s+to)\b/i;

/** Head nouns after "which"/"what" and the kind of thing they ask for. */
const HEAD_KINDS: readonly [RegExp, EntityKind | "event" | "date" | "quantity"][] = [
  [/^(?:meeting|summit|talks?|dialogue|event|visit|trip|conference|occasion|session|tour|forum|round)s?$/, "event"],
  [/^(?:day|date|year|month|week|time|weekday)s?$/, "date"],
  [/^(?:country|countries|city|cities|place|places|capital|capitals|nation|nations|region|regions|location|venue|state|states|building|palace|port|ports|harbour|harbours|harbor|airport|airports)$/, "place"],
  [/^(?:agency|agencies|outlet|outlets|newspaper|newspapers|paper|body|bodies|organi[sz]ations?|institutions?|ministry|ministries|service|think|tank|company|companies|firm|firms|bloc|group|groups|media|broadcaster|wire|universit(?:y|ies)|institutes?|foundations?|centres?|banks?|news)$/, "organisation"],
  [/^(?:leaders?|officials?|ministers?|presidents?|premiers?|analysts?|spokes(?:man|woman|person)|persons?|people|politicians?|diplomats?|chiefs?|heads?|envoys?|commissioners?|secretar(?:y|ies)|prime|person|man|woman|representatives?|economists?|experts?|researchers?|journalists?|reporters?|photographers?|scholars?)$/, "person"],
  [/^(?:amount|number|figure|rate|percentage|share|sum|level|price|cost|total|value|size)s?$/, "quantity"],
];

// Contractions typed without the apostrophe, as chat is written ("whats", "didnt"); words of their own
// ("its", "well", "were", "wont" as a noun) are left alone.
const BARE_CONTRACTIONS = /\b(what|who|where|when|how|that|there)s\b|\b(is|was|were|did|does|do|has|have|had|could|would|should|are)nt\b|\b(can)t\b/gi;

/**
 * A focus word's weight: its IDF; a word no article uses weighs as much as the synonyms the articles
 * do use (IDF is highest for unknown words, which would otherwise outweigh everything), or half its own.
 */
function wordWeight(term: string, known: boolean, alternatives: readonly string[], lexicon: QuestionLexicon): number {
  if (known) return lexicon.idf(term);
  const used = alternatives.filter(lexicon.known);
  return used.length > 0 ? Math.max(...used.map(lexicon.idf)) : lexicon.idf(term) * 0.5;
}

/**
 * What members put before the question itself: "Two things: …", "hey quick
 * one: …", "Quick question - …", "So, …". It asks nothing and would hide the
 * question's opening word ("where", "did") from the rules that read it. A
 * lead-in is at most four such filler words ending in a colon or dash (not
 * "Beijing summit: …", which says what the question is about).
 */
// Words that open a question.
const WH = "what|which|who|whom|whose|when|where|why|how|did|does|do|is|was|were|are|has|have|had";
// A question word after a preposition: "with whom", "through what", "in which", "by how much".
const PREPOSITION_WH = "(?:in|at|on|for|from|with|by|to|since|through|via|under|during|after|before|about)\\s+(?:which|what|whom|how)\\b";
const GREETING = /^\s*(?:(?:hey|hi|hello|ok(?:ay)?|so|also|btw|right|well)\b[\s,!.]*)+/i;
const FILLER = "two|three|2|3|things|questions|question|qs|q|quick|one|a|couple|of|few|some|another|simple|random|follow-up|followup|last|parter|short|version|tldr|basically";
const LEAD_IN = new RegExp(`^\\s*((?:(?:${FILLER})\\b[\\s,-]*){1,4})(?::|-|–|—)\\s*`, "i");
// "Two things on the Beijing summit: …" says what both questions are about: "the Beijing summit: …".
const THINGS_ON = /^\s*(?:two|three|2|3|a\s+couple\s+of|a\s+few|some|quick)\s+(?:things|questions|qs)\s+(?:on|about|re|regarding)\s+(?=[^:?]{2,60}:)/i;
// What the member says of themselves in sentences before the question ("I'm writing up the Paris meeting
// with Xi. What did …?"): it asks nothing.
const OWN_CONTEXT = new RegExp(
  `^\\s*(?:[^.?!]*\\b(?:i|i'm|im|i've|i'd|my|me|we|we're|we've|our|us)\\b[^.?!]*[.!]\\s+)+(?=(?:${WH}|can|could|would|please|tell|remind|in|at|on|according)\\b)`,
  "i",
);
// What the member says of themselves before the question ("Checking a quote for a piece: …", "For my essay —
// …", "Retired diplomat here, trying to place a quote: …"): it asks nothing. Only before a question word, so "Beijing summit: …" keeps what it is about.
const ASKER = new RegExp(
  `^\\s*[^:?—–]{0,60}?\\b(?:i|i'm|im|i've|my|me|we|we're|our|here|trying|hoping|checking|writing|working|doing|revising|studying|researching|fact-checking)\\b[^:?—–]{0,60}(?::|\\s[-–—])\\s*(?=(?:${WH}|can|could|would|please|tell|remind|in|at|on|according)\\b)`,
  "i",
);
// "Can you tell me why …", "Remind me, who …", "Since X came up, can you tell me why …": the question is what follows.
const ASK_ME = /(^\s*|,\s*)(?:(?:can|could|would)\s+(?:you|u)\s+(?:please\s+)?(?:tell|remind|show)\s+me|(?:please\s+)?(?:tell|remind)\s+me|(?:please\s+)?explain)\b[\s,:]*(?=\p{L})/iu;
// "I read that X — is that right?", "I read that X — true?": whether X is so.
const HEARSAY = /^\s*(?:(?:i|we)\s+(?:read|heard|saw|was told|were told|understand|think)\s+(?:somewhere\s+)?(?:that\s+)?)(.+?)[\s,—–-]*(?:(?:is|was)\s+(?:that|this|it)\s+(?:really\s+)?)?(?:right|true|correct|accurate|so)(?:\s+or\s+(?:not|false))?\s*\??\s*$/i;
// Where the member read it ("In the Brussels article, …", "Per the WION piece: …", "…, according to the report on Xi's talks?"): it
// points at an article, it names no one who said it.
const ARTICLE_REFERENCE =
  /^\s*(?:in|per)\s+(?:the|this|that)\s+(?:[\p{L}-]+\s+){0,2}?(?:article|report|piece|story|coverage|write-?up|readout)\b[^,:?]{0,80}[,:]\s*|,?\s*according\s+to\s+(?:the|this|that)\s+(?:[\p{L}-]+\s+){0,3}?(?:article|report|piece|story|coverage|write-?up|readout)\b[^,?]{0,100}(?=,|\?|$)/giu;
// "What did the piece on Xi's meeting with Michel say China should deepen?": the article says it, no one named in it.
const PIECE_SAYS = /\b(?:did|does|do)\s+the\s+(?:[\p{L}-]+\s+){0,2}?(?:article|piece|report|story|coverage|write-?up|readout)(?:\s+(?:on|about)\s+[^?]{0,80}?)?\s+(?:say|report|write|claim)(?:\s+that)?\b\s*/iu;
// "Who is Grzegorz Stec, the man quoted in …?": the description after the name is how the member knows
// of them, not what the answer must say.
const WHO_IS_APPOSITIVE = /^(\W*[Ww]ho(?:'s|\s+is|\s+was)\s+\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*){0,3}),\s+(?:the|a|an|that|this)\s+[^?]*\?*\s*$/u;
// "Is it true that X?": whether X is so ("true" is no word to find).
// ("Am I right that …", "Is it correct to say that …", "Correct me if I'm wrong, but …")
const IS_IT_TRUE = /^\s*(?:(?:is|was)\s+it\s+(?:really\s+)?(?:true|correct|right|accurate|the case)(?:\s+to\s+say)?|am\s+i\s+(?:right|correct)(?:\s+in\s+(?:thinking|saying|understanding))?|correct\s+me\s+if\s+i['’]?m\s+wrong,?\s+but)\s+(?:that\s+)?/i;

function withoutLeadIn(question: string): string {
  const greeted = question.replace(GREETING, "").replace(OWN_CONTEXT, "").replace(THINGS_ON, "").replace(HEARSAY, (_, claim: string) => `Is it so that ${claim}?`);
  const lead = LEAD_IN.exec(greeted) ?? ASKER.exec(greeted);
  const stripped = (lead ? greeted.slice(lead[0].length) : greeted)
    .replace(ASK_ME, "$1")
    .replace(IS_IT_TRUE, "Is it so that ")
    .replace(ARTICLE_REFERENCE, "")
    .replace(PIECE_SAYS, "")
    .replace(/^[\s,;:]+/, "")
    .replace(WHO_IS_APPOSITIVE, "$1?");
  // "re Iran" is "about Iran"; chat words are the words they stand for.
  return withAuxiliary(stripped.replace(/(?<!['’])\bre:?\s+(?=\p{L})/giu, "about ").replace(CHAT_WORD, (w) => CHAT_WORDS[w.toLowerCase()] ?? w));
}

// A statement asked as a question, as chat types it: "kallas still support one china policy yes?", "china stop
// material support to russia after kallas ask?" — a name first, then what it did, and a question mark.
const QUESTION_WORD = /\b(?:what|which|who|whom|whose|when|where|why|how)\b/i;
const TAG = /[\s,—–-]+(?:yes|yes or no|right|or not|correct)\s*(?=\?+\s*$)/i;
// What follows the name must read as what it did — a tag ("yes?"), an adverb, a past form or a common verb —
// not as a noun ("EU trade deficit with China in 2023?" asks for the figure).
const DID_AFTER_NAME = /^\s+(?:(?:still|really|actually|ever|also|already|even|finally|eventually)\b|\p{L}+ed\b|(?:stop|support|back|agree|accept|reject|refuse|say|want|visit|meet|sign|join|leave|ask|attend|go|come|send|sell|buy|end|keep|drop|quit|pull|promise|pledge|confirm|deny)\b)/iu;
function asked(question: string, lexicon: QuestionLexicon): string {
  if (!/\?\s*$/.test(question) || QUESTION_WORD.test(question) || YES_NO.test(question) || tokens(question).length < 4) return question;
  const first = questionEntities(question, lexicon)[0];
  if (!first || !/^\W*(?:the\s+)?$/i.test(question.slice(0, first.start))) return question;
  if (!TAG.test(question) && !DID_AFTER_NAME.test(question.slice(first.end))) return question;
  return `Did ${question.replace(TAG, "").trim()}`;
}

// Questions typed without their auxiliary, as learners and phones write them: "what Kallas want from China?",
// "li qiang what he said about taiwan", "how xi visit in serbia go".
const NO_AUX_VERBS = "say|said|want|wanted|ask|asked|tell|told|think|thought|mean|meant|warn|warned|urge|urged|demand|demanded|propose|proposed|describe|described";
// (No auxiliary among the words before the verb: "how many times has kallas asked" has its own.)
const NO_AUX = new RegExp(`^(\\W*(?:what|how|why))\\s+((?:(?!(?:${AUX})\\b)[\\p{L}'’.-]+\\s+){0,3}?(?!(?:${AUX})\\b)[\\p{L}'’.-]+)\\s+(${NO_AUX_VERBS})\\b`, "iu");
const NAME_FIRST = new RegExp(`^(\\p{L}[\\p{L}'’.-]*(?:\\s+[\\p{L}'’.-]+){0,2}?)\\s+(what|how|why)\\s+(?:he|she|they|it)\\s+(${NO_AUX_VERBS})\\b`, "iu");
const HOW_GO = /^(\W*how)\s+(?!.*\b(?:did|does|do|is|was|were|are|has|have|had|will|would|can|could|far|long|much|many|often|well)\b)(.+?)\s+(go|went|end|ended|turn out|turned out)(\W*)$/i;
const BASE_FORM: Readonly<Record<string, string>> = { said: "say", wanted: "want", asked: "ask", told: "tell", thought: "think", meant: "mean", warned: "warn", urged: "urge", demanded: "demand", proposed: "propose", described: "describe", went: "go", ended: "end", "turned out": "turn out" };
const base = (verb: string) => BASE_FORM[verb.toLowerCase()] ?? verb;
function withAuxiliary(q: string): string {
  const nameFirst = q.replace(NAME_FIRST, (_, name: string, wh: string, verb: string) => `${wh} did ${name} ${base(verb)}`);
  return nameFirst
    .replace(NO_AUX, (_, wh: string, who: string, verb: string) => `${wh} did ${who} ${base(verb)}`)
    .replace(HOW_GO, (_, how: string, what: string, verb: string, end: string) => `${how} did ${what} ${base(verb)}${end}`);
}

/**
 * Words of chat that stand for words of the articles ("what did the council prez say", "what do they wanna
 * expand"). Without this they read as names no article mentions, and the question is declined.
 */
const CHAT_WORDS: Readonly<Record<string, string>> = {
  wanna: "want to",
  gonna: "going to",
  gotta: "have to",
  kinda: "kind of",
  sorta: "sort of",
  prez: "president",
  pres: "president",
  govt: "government",
  abt: "about",
  bout: "about",
  cuz: "because",
  coz: "because",
  bc: "because",
  ppl: "people",
  pls: "please",
  plz: "please",
  u: "you",
  ur: "your",
  tho: "though",
  rn: "right now",
  r: "are",
  fm: "foreign minister",
  fms: "foreign ministers",
};
// (Not a letter of "R&D".)
const CHAT_WORD = new RegExp(`(?<![\\p{L}.'’&])(?:${Object.keys(CHAT_WORDS).join("|")})(?![\\p{L}.'’&])`, "giu");

export function analyseQuestion(raw: string, lexicon: QuestionLexicon): QuestionAnalysis {
  const question = asked(
    withoutLeadIn(raw).replace(BARE_CONTRACTIONS, (m, wh?: string, aux?: string, can?: string) => (wh ? `${wh}'s` : aux ? `${aux}n't` : can ? `${can}'t` : m)),
    lexicon,
  );
  const parts = splitParts(question, lexicon);
  if (parts) {
    const analyses = parts.texts.map((t) => analyseSingle(t, lexicon));
    const first = analyses[0];
    // "…, and which year is that figure for?": a part that names nothing is about what the first part names,
    // and is searched for with the first part's words.
    const withContext = analyses.map((a, i): QuestionAnalysis => {
      if (i === 0 || !first) return { ...a, refersBack: false };
      // "…, and what was her line on Taiwan?": "her" is the first part's speaker.
      const theirs = !a.speaker && first.speaker !== null && /^\W*(?:and\s+)?(?:what|how|why|did|does|do|was|is|were|has|had)\s+(?:(?:was|is|did|does)\s+)?(?:he|she|his|her)\b/i.test(a.text);
      const own = theirs ? { ...a, speaker: first.speaker, type: a.type === "description" ? ("statement" as const) : a.type } : a;
      // "… in 2022, and what was it the year before?": a year relative to the first part's.
      const relative = a.years.length === 0 && first.years.length === 1 ? relativeYear(a.text, first.years[0] ?? "") : null;
      const dated = relative ? { ...own, years: [relative] } : own;
      if (a.entities.length > 0 || a.speaker) return { ...dated, refersBack: false };
      return {
        ...dated,
        entities: first.entities.filter((e) => e !== first.speaker),
        retrievalText: `${a.text} ${first.text}`,
        // "… and what was it in 2023?": "it" is what the first part asks about, so are its words and kind of answer.
        focus: a.focus.length === 0 && a.refersBack ? first.focus : a.focus,
        // "What was the probe looking at, and when is it expected to conclude?": the answer is about the probe.
        topic: a.refersBack && a.topic.length === 0 ? first.focus.filter((f) => !f.speech && !TOPIC_LIGHT.has(f.term)).map((f) => f.term) : a.topic,
        type: own.type === "description" && a.refersBack && a.focus.length === 0 ? first.type : own.type,
      };
    });
    const whole = analyseSingle(question, lexicon);
    return { ...whole, parts: withContext, comparison: parts.comparison };
  }
  return analyseSingle(question, lexicon);
}

function analyseSingle(question: string, lexicon: QuestionLexicon): QuestionAnalysis {
  const q = question.trim();
  const lower = q.toLowerCase();
  const words = tokens(q);
  const all = questionEntities(q, lexicon);
  // Names the gazetteer knows only from the alias file are names no article mentions.
  const matches = all.filter((m) => m.ids.some(lexicon.mentioned));
  // (Not a name whose every word the articles use: "6G" is in the text even where no article is counted as naming it.)
  const unmentioned = all
    .filter((m) => !matches.includes(m) && !tokens(q.slice(m.start, m.end)).every((t) => lexicon.known(termOf(t.word) ?? t.norm)))
    .map((m) => q.slice(m.start, m.end));
  // A demonym ("Chinese", "European") describes rather than names: it counts as a focus word.
  const named = matches.filter((m) => !(m.alias in DEMONYMS));
  const entities: QuestionEntity[] = named.map((m) => {
    const text = q.slice(m.start, m.end);
    const weight = Math.max(0, ...tokens(text).map((t) => termOf(t.word)).filter((t): t is string => t !== null).map(lexicon.idf));
    // Countries and bodies set the scene of a whole corpus; a person is always someone in particular.
    const background = m.ids.every((id) => lexicon.entityShare(id) > BACKGROUND_SHARE && lexicon.gazetteer.entities[id]?.kind !== "person");
    // "in Brussels" places something there; "to Moscow's war machine" is Moscow's, not a place.
    const locative = /\b(?:in|at|to|from|near|inside|outside|around|across|within)\s+(?:the\s+)?$/i.test(q.slice(Math.max(0, m.start - 12), m.start)) && !/^['’](?:s\b|(?!\w))/.test(q.slice(m.end));
    return { text, ids: m.ids, start: m.start, end: m.end, byTitle: isTitleMatch(m, lexicon), locative, weight, background };
  });
  const inEntity = (t: Token) => named.some((m) => t.start >= m.start && t.end <= m.end);

  // Type and what it wants, read from the main clause: in "When the Commission boss came out of the
  // talks, what did she say …?" the question is "what did she say".
  const sceneEnd = sceneSetting(q);
  const main = mainClause(lower.slice(sceneEnd));
  let type: AnswerType = "description";
  let wants: EntityKind | null = null;
  const which = /\b(?:which|what)\b/.exec(main);
  const head = which ? headKind(main, which.index) : null;
  if (/^(?:(?:and|so|but|ok|also)\s+)?(?:when)\b|\bwhen\s+(?:did|was|were|is|will|does|do|are)\b|\bhow long ago\b|\b(?:from|since|until|till|as of) when\b/.test(main)) type = "date";
  // "Is Brussels looking to cut ties with China or something softer?" asks which, not whether.
  else if (YES_NO.test(main) && !/^\W*(?:what|which|who|whom|whose|when|where|why|how)\b/.test(main) && !EITHER_OR.test(main)) type = "yes-no";
  else if (/^(?:(?:and|so|but|ok|also)\s+)?(?:why)\b|\bwhy\b|\bwhat (?:was|is|were) the reason\b|\bfor what reason\b|\bhow come\b/.test(main)) type = "reason";
  else if (/\b(?:how (?:many|much|big|large|long|high|far|often|fast|old|heavy|tall|deep|wide|quickly)|what (?!a number of\b)(?:[\w'’]+ ){0,4}(?:rate|percentage|share|amount|number|figure|sum|cost|price|level|total|value|deficit|surplus|population|gdp|budget|revenue|growth|volume|debt|turnover|size)s?)\b/.test(main)) type = "quantity";
  // "Where did the report of Li telling Brussels … come from?" asks for its source.
  else if (/^\W*where\s+(?:did|does|do)\s+(?:the|this|that)\s+(?:report|reports|story|news|claim|quote|information|account|readout)\b.*\bcome\s+from\b/.test(main)) {
    type = "organisation";
    wants = "organisation";
  }
  // "Which summit was it where Michel said …", "On what date was the summit where …": "where" is the summit,
  // not the question, when a question word comes before it.
  else if (/\bwhere\b/.test(main) && !/\b(?:what|which|who|whom|how)\b/.test(main.slice(0, main.search(/\bwhere\b/)))) type = "place";
  else if (head === "event") type = "event";
  else if (head === "date") type = "date";
  else if (head === "quantity") type = "quantity";
  else if (head === "place" || head === "organisation" || head === "person") {
    wants = head;
    type = plural(main, which?.index ?? 0) ? "list" : head;
  } else if (/^\W*(?:who|whom)\b|\bwho\b/.test(main)) type = /^\W*who(?:'s|\s+is|\s+was|\s+are)\s+[\p{L}\s.'’-]+(?:[,—–(][^?]*)?\??$/iu.test(main) && entities.length > 0 && !/\bwho(?:'s|\s+is|\s+was)\s+the\b/.test(main) ? "description" : "person";
  else if (/\b(?:what|which)\s+(?:topics|issues|areas|subjects|things|matters|fields|steps|measures|points|demands|countries|items)\b|\blist\b/.test(main)) type = "list";
  // "What is the name of the senior official …?" asks for that official.
  const nameOf = /^\W*what(?:'s|\s+is|\s+was|\s+are|\s+were)\s+the\s+names?\s+of\s+/.exec(main);
  if (nameOf && type === "description") {
    const kind = headKind(`which ${main.slice(nameOf[0].length).replace(/^(?:the|a|an)\s+/, "")}`, 0);
    if (kind === "person" || kind === "organisation" || kind === "place") {
      wants = kind;
      type = kind;
    }
  }
  // "What did Claesen tell reporters about who gets to set tariffs?" asks for his words; the "who" is their topic.
  if (type !== "yes-no" && EMBEDDED_WH.test(main)) {
    type = "description";
    wants = null;
  }
  // "What's Kallas's official title?" asks for a title, not for a person ("official" is not the head).
  const personNamed = entities.some((e) => e.ids.some((id) => lexicon.gazetteer.entities[id]?.kind === "person"));
  if (type === "person" && /^\W*what\b/.test(main) && ROLE_QUESTION.test(main) && personNamed) {
    type = "description";
    wants = null;
  }
  if (type === "person" || type === "list") wants ??= type === "person" ? "person" : null;
  // "Who is the Italian prime minister …", "Which European Council President …": a title asked about is the answer, not a given.
  const given = wants === "person" && !speakerPattern(q) ? entities.filter((e) => !e.byTitle) : entities;

  // Speaker and addressee.
  let speaker: QuestionEntity | null = null;
  let addressee: QuestionEntity | null = null;
  const speech =
    new RegExp(`\\b(?:did|does|do|has|have|had|was|is|will|would)\\s+(.+?)\\s+(?:(?:not|also|actually|really|ever|specifically|first|later|then)\\s+)?(?:${SPEAKING})\\b`, "i").exec(q) ??
    // "what von der Leyen asked of China" (in "Compare what … with what …")
    new RegExp(`^\\W*what\\s+(.+?)\\s+(?:said|told|asked|urged|warned|called|stressed|demanded|proposed|described)\\b`, "i").exec(q);
  const according = /\baccording to\s+(.+?)(?:,|$|\s+(?:what|which|who|how|did|does|is|was))/i.exec(q);
  const how = new RegExp(`\\bhow\\s+(?:did|does|do|has|have|had)\\s+(.+?)\\s+(?:${SPEAKING}|view|see|characteri[sz]e)\\b`, "i").exec(q);
  const possessive = /\b(?:what|how)\s+(?:was|is|were)\s+(.+?)['’]s?\s+(?:response|reaction|position|view|message|warning|stance|answer|reply|comment|comments|statement|verdict|assessment|point|remarks?|argument)\b/i.exec(q);
  const speakerSpan = [speech, according, how, possessive].find((m) => m && m[1]);
  if (speakerSpan && speakerSpan[1]) {
    const from = (speakerSpan.index ?? 0) + speakerSpan[0].indexOf(speakerSpan[1]);
    const to = from + speakerSpan[1].length;
    // The speaker heads the phrase ("the MERICS analyst", not "the meeting in Beijing"); a person in it
    // is the one speaking ("China's foreign ministry spokesman" is Wang Wenbin, not China).
    const found = entities.filter((e) => e.start >= from && e.end <= to);
    const isPerson = (e: QuestionEntity) => e.ids.some((id) => lexicon.gazetteer.entities[id]?.kind === "person");
    const heads = found.filter((e) => /^(?:the\s+)?$/i.test(q.slice(from, e.start)) || /['’]s?\s+$/.test(q.slice(from, e.start)));
    // "the EU's top diplomat": a person of the EU the gazetteer cannot name — no speaker to check.
    const tail = heads[0] ? q.slice(heads[0].end, to) : "";
    const ownedRole = /^['’]s?\s/.test(tail) && LOOSE_ROLES.has(tokens(tail).at(-1)?.norm ?? "");
    // "What did the EU and China say …": a joint statement is reported without naming one of them, so no one speaker to check.
    const joint = found.length >= 2 && /^\s*(?:and|&)\s+(?:the\s+)?$/i.test(q.slice(found[0]?.end ?? 0, found[1]?.start ?? 0));
    speaker = joint ? null : (found.find(isPerson) ?? (ownedRole ? null : (heads[0] ?? null)));
    // "When the Commission boss came out of the talks, what did she say …": "she" is the person named before.
    if (!speaker && /^(?:he|she)$/i.test(speakerSpan[1].trim())) speaker = entities.find((e) => e.start < from && isPerson(e)) ?? null;
    if (!joint && (type === "description" || type === "list")) type = speakerSpan === according || type === "description" ? "statement" : type;
    if (speaker) {
      const after = entities.filter((e) => e.start >= to);
      // "What did X tell Y" asks for words said to Y; "urge China to", "warn Beijing" only say whom they concern.
      const tellLike = /^\s*(?:(?:not|also)\s+)?(?:tell|tells|told)\s+(?:the\s+)?$/i;
      const next = after[0];
      if (next && tellLike.test(q.slice(to, next.start))) addressee = next;
    }
  }
  // "Whom did X tell", "What did X say to Y".
  if (speaker && !addressee) {
    const to = /\b(?:to|with)\s+(?:the\s+)?$/i;
    const candidate = entities.find((e) => e !== speaker && e.start > speaker.end && to.test(q.slice(Math.max(0, e.start - 10), e.start)) && /^\s+(?:say|said|speak|spoke)\s+(?:to|with)\s+(?:the\s+)?$/i.test(q.slice(speaker.end, e.start)));
    if (candidate) addressee = candidate;
  }

  // Unknown names, and focus words.
  // "the WION piece", "per Kyodo": the outlet an article comes from names the article, not a word to find in it.
  const outlets = outletMentions(q, lexicon.outlets);
  const unknown = [...unmentioned, ...unknownNames(q, words, [...all, ...outlets], lexicon)];
  // Words that only say what kind of answer is wanted: "how many", "on what day of the week".
  const quantityWords =
    type === "quantity"
      ? new Set(["long", "many", "much", "big", "large", "high", "far", "often"])
      : type === "date"
        ? new Set(["day", "days", "week", "weekday", "date", "year", "month", "time"])
        : // "What role should the agency play?" asks about that role, not someone's title.
          ROLE_QUESTION.test(main) && !/\brole\b.*\bplay\b/.test(main)
          ? new Set(["title", "official", "job", "role", "position", "post", "office", "exactly", "full"])
          : // "Which think tank does X work for?": whom someone works for is the organisation asked, not a topic.
            type === "organisation" && AFFILIATION.test(main)
            ? new Set(["work", "works", "worked", "working", "employed", "affiliated"])
            : new Set<string>();
  const typeWords = new Set(["when", "where", "why", "who", "whom", "whose", "how"]);
  const sceneWeight = POINTS_INTO_SCENE.test(q.slice(sceneEnd)) ? POINTED_SCENE_WEIGHT : SCENE_WEIGHT;
  const focus: FocusTerm[] = [];
  const seen = new Set<string>();
  // (main is the end of the question: its offsets shifted by what comes before it)
  const headWords = head !== null && which !== null ? headWordsAt(lower, lower.length - main.length + which.index) : [];
  // "what was her line on Taiwan": the stance asked for is what she said, not a word to find.
  const wanted = /^\W*what\s+(?:did|does|do|has|have)\s+(.+?)\s+(?:want|expect|need)\s+(?:from|of)\b/.exec(lower);
  // (someone named before the verb: "what did the EU want from China", not "what did the deal want")
  const asksWhatSomeoneWanted = wanted !== null && given.some((e) => e.start < (wanted[0]?.length ?? 0));
  const stances = new Set([...lower.matchAll(STANCE_BEFORE), ...lower.matchAll(STANCE_OF)].map((m) => m[1]));
  // "that person", "what word did she use": words that point back or ask for a wording, not words to find.
  const pointers = new Set([...lower.matchAll(POINTS_BACK), ...lower.matchAll(WORD_USED)].flatMap((m) => m.slice(1).map((w, i) => (w ? (m.indices?.[i + 1]?.[0] ?? -1) : -1))));
  const skip = (t: Token) =>
    inEntity(t) ||
    outlets.some((m) => t.start >= m.start && t.end <= m.end) ||
    pointers.has(t.start) ||
    typeWords.has(t.norm) ||
    isNoise(t) ||
    quantityWords.has(t.norm) ||
    unknown.some((u) => u.toLowerCase().split(/\s+/).includes(t.norm)) ||
    headWords.includes(t.norm) ||
    stances.has(t.norm) ||
    /^(?:19|20)\d\d$/.test(t.norm);
  for (let i = 0; i < words.length; i++) {
    const t = words[i] as Token;
    // "dual-use", "anti-subsidy", "de-risking": one compound, matched as a phrase (or written as one word).
    let j = i;
    while (j + 1 < words.length && q.slice(words[j]?.end, words[j + 1]?.start) === "-") j++;
    // ("German-Chinese consultations": two demonyms, each standing for its country, not one compound.)
    const demonymAt = (w: Token | undefined) => w !== undefined && matches.some((m) => m.alias in DEMONYMS && w.start >= m.start && w.end <= m.end);
    if (j > i && words.slice(i, j + 1).every(demonymAt)) j = i;
    if (j > i) {
      const parts = words.slice(i, j + 1);
      i = j;
      if (parts.some(skip)) continue;
      const phrase = termsOf(q.slice(t.start, parts.at(-1)?.end));
      const solid = termOf(parts.map((p) => p.word).join(""));
      if (!phrase || seen.has(phrase)) continue;
      seen.add(phrase);
      const alternatives = [...(lexicon.synonyms.get(phrase) ?? []), ...(solid ? [solid] : [])];
      const weight = Math.max(...phrase.split(" ").map(lexicon.idf)) * (phrase.split(" ").some(lexicon.known) || alternatives.some(lexicon.known) ? 1 : 0.5) * (t.start < sceneEnd ? sceneWeight : 1);
      focus.push({ term: phrase, weight, alternatives });
      continue;
    }
    if (skip(t)) continue;
    let term = termOf(t.word);
    if (!term || seen.has(term)) continue;
    seen.add(term);
    const alternatives = [...(lexicon.synonyms.get(term) ?? [])];
    // A demonym also matches the names of what it stands for ("Chinese": China).
    const demonym = matches.find((m) => m.alias in DEMONYMS && t.start >= m.start && t.end <= m.end);
    if (demonym) for (const id of demonym.ids) for (const a of lexicon.gazetteer.entities[id]?.aliases ?? []) alternatives.push(termsOf(a));
    // British and American spellings of one word ("characterise", "characterized"; "labour", "labor").
    const variant = spellingVariant(t.word);
    const variantTerm = variant ? termOf(variant) : null;
    if (variantTerm && variantTerm !== term && lexicon.known(variantTerm)) alternatives.push(variantTerm);
    let known = lexicon.known(term);
    if (!known && !lexicon.nlp.isCommonWord(t.norm)) {
      // A misspelling of an article's word, or of an English word ("finsh": finish, and its synonyms).
      const english = lexicon.nlp.correctSpelling(t.norm);
      const fixed = lexicon.correct(t.norm) ?? (english ? termOf(english) : null);
      if (fixed) {
        alternatives.push(term, ...(lexicon.synonyms.get(fixed) ?? []));
        term = fixed;
        known = lexicon.known(term);
      }
    }
    // Speaking verbs say how something was said, not what: they count for little. A word no
    // article uses cannot be matched, and is often just another way of saying it: it counts half.
    const speakingVerb = SPEECH_VERBS.has(t.norm) || SPEECH_VERBS.has(t.word.toLowerCase()) || TALKING.has(t.norm);
    focus.push({
      term,
      weight: wordWeight(term, known, alternatives, lexicon) * (speakingVerb ? 0.3 : 1) * (t.start < sceneEnd ? sceneWeight : 1),
      alternatives,
      // "bring up", "discuss": anyone speaking about it will do; "warn", "deny": that verb itself.
      // "What did Kallas want from China?": what she asked of it, in whatever words she asked.
      ...(TALKING.has(t.norm) || (WANTING.has(t.norm) && asksWhatSomeoneWanted) ? { speech: true } : {}),
    });
  }
  phraseSynonyms(words, focus, lexicon, skip);
  if (type === "yes-no") {
    for (let i = 0; i < focus.length; i++) {
      const f = focus[i] as FocusTerm;
      const opposites = OPPOSITES.flatMap(([a, b]) => {
        const as = a.map((w) => termOf(w) ?? w);
        const bs = b.map((w) => termOf(w) ?? w);
        return as.includes(f.term) ? bs : bs.includes(f.term) ? as : [];
      });
      if (opposites.length) focus[i] = { ...f, opposites };
    }
  }
  const topicTokens = tokens(topicPhrase(main, speaker !== null || speakerPattern(q)));
  const topicWords = new Set(topicTokens.map((t) => termOf(t.word)));
  // A participle after the topic's noun says what the noun did ("dual-use goods reaching Russia"): the topic
  // is the goods, and a sentence "reaching unsustainable levels" is not about them.
  const participles = new Set(topicTokens.filter((t, i) => i > 0 && i < topicTokens.length - 1 && /(?:ing|ed)$/.test(t.norm)).map((t) => termOf(t.word)));
  // "How do rare earth magnets work?" asks how something works: an answer says so, not only that it exists.
  const works = HOW_IT_WORKS.exec(main);
  const topic = works
    ? focus.filter((f) => f.term === termOf(works[1] ?? "")).map((f) => f.term)
    : withoutParticiples(
        focus.filter((f) => !f.speech && !TOPIC_LIGHT.has(f.term) && f.term.split(" ").every((w) => topicWords.has(w))).map((f) => f.term),
        participles,
      );
  // Searched for without the scene's other words, which would pull in passages about them.
  // (Its years are read from the whole question; as search words they pull in every passage of that year.)
  const scene = sceneEnd > 0 && sceneWeight === SCENE_WEIGHT ? all.filter((m) => m.start < sceneEnd).map((m) => q.slice(m.start, m.end)) : null;
  return {
    text: q,
    ...(scene ? { retrievalText: `${scene.join(" ")} ${q.slice(sceneEnd)}` } : {}),
    type,
    wants,
    focus,
    topic,
    entities: given,
    unknown,
    years: datedYears(q),
    meetingYears: [...q.matchAll(MEETING_YEAR)].map((m) => m[1] ?? m[2] ?? "").filter(Boolean),
    speaker,
    addressee,
    subject:
      type === "yes-no"
        ? (given.find((e) => new RegExp(`^\\W*(?:(?:and|so|but)\\s+)?(?:${AUX})(?:n't)?\\s+(?:the\\s+)?$`, "i").test(q.slice(0, e.start)) && !/^['’]/.test(q.slice(e.end))) ?? null)
        : null,
    negated: NEGATED.test(lower) && type !== "date",
    exactDate: /\b(?:exact|precise|specific)\s+(?:date|day)\b|\b(?:what|which) date\b/.test(lower),
    bareWho: type === "person" && /^\W*who\b/.test(main),
    specificKind: specificKind(main),
    asksRole: ROLE_QUESTION.test(main) && given.some((e) => e.ids.some((id) => lexicon.gazetteer.entities[id]?.kind === "person")),
    aboutMeeting: /\b(?:summit|summits|meeting|meetings|talks|dialogue|visit|visits|trip|tour|met|meet|conference|session|round|trilateral|bilateral)\b/.test(lower),
    wantsVenue: /\b(?:which|what)\s+(?:[\p{L}-]+\s+)?(?:building|palace|hall|venue|hotel|room|residence|headquarters)\b/u.test(lower),
    refersBack: given.length === 0 && /\b(?:that|this|those|these|it|the same)\b/.test(lower),
    countNoun: type === "quantity" ? countedNoun(lower) : null,
    // "Did China actually cut off deliveries?" asks what happened afterwards.
    later: (LATER.test(lower.replace(AFTER_THE_MEETING, "")) && !ASKS_PLAN.test(lower)) || NEXT_AFTER.test(lower) || (type === "yes-no" && /\bactually\b/.test(lower)) || (/\b(?:next|upcoming)\b/.test(lower) && /\b(?:will|shall|going to|is|are)\b/.test(lower) && !/\b(?:was|were|did)\b/.test(lower) && !ASKS_PLAN.test(lower)),
    // "Where was he scheduled to go?" asks what was planned, not what happened.
    past: /\b(?:did|didn't|happened|was|were|had|came|went|resulted|turned out)\b/.test(lower) && !ASKS_PLAN.test(lower),
    parts: [],
    comparison: false,
    // "What is the best way to end the war, according to von der Leyen?" asks what someone said, not for advice.
    advice: ADVICE.test(lower) && !/\b(?:according to|say|says|said|think|thinks|suggest|suggested|propose|proposed|want|wants|wanted|call(?:ed)? for|urge[sd]?|argue[sd]?)\b/.test(lower),
  };
}

// "which specific hybrid threats from China …", "which rare earth elements, specifically, …"
const SPECIFIC_BEFORE = /^\W*(?:which|what)\s+(?:specific|exact|particular|precise)\s+((?:[\p{L}-]+\s+){0,2}?[\p{L}-]+)\s+(?:from|of|in|on|by|did|does|do|has|have|had|was|were|is|are|that|which|originating)\b/u;
// ("which hybrid threats from China specifically": the kind, with where it comes from)
const SPECIFIC_AFTER = /^\W*(?:which|what)\s+((?:[\p{L}-]+\s+){0,2}?[\p{L}-]+)(?:\s+(?:from|of|in|on|by|against)\s+(?:the\s+)?[\p{L}-]+)?,?\s+(?:specifically|exactly|in particular|precisely)\b/u;
// "what hybrid threats from china kallas mention exactly": the marker at the end of the question.
const SPECIFIC_END = new RegExp(
  `^\\W*(?:which|what)\\s+(?!(?:${AUX})\\b)((?:[\\p{L}-]+\\s+){0,2}?[\\p{L}-]+)\\s+(?:from|of|in|on|at|by|for|to|with|against|that|${AUX})\\b.*\\b(?:specifically|exactly|in particular|precisely)\\W*$`,
  "u",
);
function specificKind(main: string): string | null {
  const phrase = (SPECIFIC_BEFORE.exec(main) ?? SPECIFIC_AFTER.exec(main) ?? SPECIFIC_END.exec(main))?.[1];
  return phrase ? termsOf(phrase) || null : null;
}

/** The word in the other spelling, British or American: -ise/-ize, -isation/-ization, -our/-or; or null. */
function spellingVariant(word: string): string | null {
  const w = word.toLowerCase();
  const ize = /^(.{4,})([sz])(e|ed|es|ing|ation|ations)$/.exec(w);
  if (ize?.[1] && ize[1].endsWith("i")) return `${ize[1]}${ize[2] === "s" ? "z" : "s"}${ize[3]}`;
  const our = /^(.{2,}[^aeiou])(our|or)(s|ed|ing|ful)?$/.exec(w);
  if (our?.[1] && our[2]) return `${our[1]}${our[2] === "our" ? "or" : "our"}${our[3] ?? ""}`;
  return null;
}

// What the member says before the question itself ("I'm cutting a segment on the Paris sit-down, and I want
// the Commission president in her own words: what did she say …?") sets the scene: its names count, its
// other words little — the question says what is asked. Unless the question points back into it ("The EU
// opened a probe into EVs. What could it end in?"): then the scene says what "it" is.
const SCENE_WEIGHT = 0.25;
const POINTED_SCENE_WEIGHT = 0.5;
const POINTS_INTO_SCENE = /\b(?:it|its|this|these|those|they|them|the same)\b/i;
const SCENE_BREAK = new RegExp(`(?:[.!:;]|\\s[—–-])\\s+(?=(?:(?:and|so|but)\\s+)?(?:${WH}|${PREPOSITION_WH}|can|could|would|will|should|please|tell)\\b)`, "gi");
/** Where the question itself begins after words setting the scene (0 when nothing comes before it). */
function sceneSetting(q: string): number {
  const breaks = [...q.matchAll(SCENE_BREAK)];
  const last = breaks.at(-1);
  if (!last) return 0;
  const at = last.index + last[0].length;
  return tokens(q.slice(0, at)).length >= 4 && tokens(q.slice(at)).length >= 3 ? at : 0;
}

/**
 * The question without a leading subordinate clause: "when the commission boss came out of the paris
 * talks, what did she say …" -> "what did she say …".
 */
function mainClause(lower: string): string {
  const m = /^\W*(?:when|while|after|before|back when|as|once|if|since|because|by the time|during|at|in|on|following|given)\b[^,?]{3,120},\s*(?=(?:and\s+)?(?:what|which|who|whom|whose|when|where|why|how|did|does|do|is|was|were|are|has|have|had|can|could|will|would)\b)/.exec(lower);
  return m ? lower.slice(m[0].length) : lower;
}

/** "how many EU leaders held talks" -> "leader": the last word of the phrase after "how many", before its verb. */
function countedNoun(lower: string): string | null {
  const m = /\bhow many\s+(.+)$/.exec(lower);
  if (!m?.[1]) return null;
  const phrase: string[] = [];
  for (const w of m[1].split(/[^\p{L}\p{N}'’-]+/u).filter(Boolean)) {
    if (new RegExp(`^(?:${AUX})$`).test(w) || /ed$/.test(w) || (termOf(w) !== null && termOf(w) !== normaliseWord(w) && /^(?:meet|hold|go|take|leave|make|send|give)$/.test(termOf(w) ?? ""))) break;
    if (phrase.length >= 5) break;
    phrase.push(w);
  }
  const content = phrase.filter((w) => !STOPWORDS.has(w));
  // The first plural is what is counted ("how many EU leaders sat down …": leaders, not "down").
  const noun = content.find((w) => w.length > 3 && /[^s]s$/.test(w)) ?? content.at(-1);
  return noun ? noun.replace(/(?:ies)$/, "y").replace(/s$/, "") : null;
}

/**
 * "saw eye to eye", "went over", "get to": a phrase of a synonym group, found by its words' forms, is one
 * focus term with the group's other members as alternatives, in place of its words.
 */
function phraseSynonyms(words: readonly Token[], focus: FocusTerm[], lexicon: QuestionLexicon, skip: (t: Token) => boolean): void {
  if (lexicon.phrases.size === 0) return;
  const forms = words.map((w) => wordForm(w.word));
  for (const [key, alternatives] of lexicon.phrases) {
    const n = key.split(" ").length;
    for (let i = 0; i + n <= forms.length; i++) {
      if (forms.slice(i, i + n).join(" ") !== key) continue;
      const span = words.slice(i, i + n);
      if (span.some((t) => skip(t) && !isNoise(t) && !STOPWORDS.has(t.norm))) continue;
      const own = new Set(span.map((t) => termOf(t.word)).filter((t): t is string => t !== null));
      for (let k = focus.length - 1; k >= 0; k--) if (own.has(focus[k]?.term ?? "")) focus.splice(k, 1);
      focus.push({ term: key, weight: Math.max(2, ...alternatives.map(lexicon.idf).filter((w) => w < 10)), alternatives: [...alternatives] });
      break;
    }
  }
}

/** Whether an entity was matched through one of its titles ("prime minister", "the EU foreign policy chief"). */
function isTitleMatch(m: EntityMatch, lexicon: QuestionLexicon): boolean {
  return m.alias.split(" ").some((w) => LOOSE_ROLES.has(w)) && m.ids.every((id) => lexicon.gazetteer.entities[id]?.kind === "person");
}

/** Whether the question asks what someone said ("what did X say", "according to X", "how did X describe"). */
function speakerPattern(q: string): boolean {
  // The question's own verb ("what did X say", "how has X described"), not one inside a clause it asks
  // about ("which spokesman would not confirm whether Rome had formally told Beijing …").
  return new RegExp(`^\\W*(?:(?:and|so|but)\\s+)?(?:(?:what|which|how|why|when|where|who|whom)\\b[^,]{0,40}?\\s)?(?:did|does|do|has|have|had)\\s+.+?\\s+(?:${SPEAKING})\\b|\\baccording to\\b`, "i").test(q);
}

const AUX_WORD = new RegExp(`^(?:${AUX})$`);

/** Every word of the head after "which"/"what" that names a kind ("which think tank": think, tank): the kind asked for, not the topic. */
function headWordsAt(lower: string, at: number): string[] {
  // "which agency's role" asks for the agency.
  const rest = lower.slice(at).split(/[^\p{L}\p{N}'’-]+/u).slice(1, 6).map((w) => w.replace(/['’]s$/, ""));
  const out: string[] = [];
  for (const w of rest) {
    if ((STOPWORDS.has(w) && !["state", "states"].includes(w)) || AUX_WORD.test(w) || /ed$/.test(w)) break;
    if (HEAD_KINDS.some(([re]) => re.test(w))) out.push(w);
  }
  return out;
}

/**
 * The head noun of the phrase after "which"/"what": the last word of it that
 * names a kind ("which state news agency" -> "agency"), or null.
 */
function headWordAt(lower: string, at: number): string | null {
  return headWordsAt(lower, at).at(-1) ?? null;
}

function headKind(lower: string, at: number): EntityKind | "event" | "date" | "quantity" | null {
  const w = headWordAt(lower, at);
  if (!w) return null;
  // "which senior EU figure" is someone; "which figure" is a number.
  if (/^figures?$/.test(w) && /^\W*\w+\s+(?:[\w'’-]+\s+){0,3}?(?:senior|key|leading|political|public|top|prominent|eu|european|chinese|western|government)\s+(?:[\w'’-]+\s+)?figures?\b/.test(lower.slice(at))) return "person";
  return HEAD_KINDS.find(([re]) => re.test(w))?.[1] ?? null;
}

function plural(lower: string, at: number): boolean {
  const w = headWordAt(lower, at) ?? "";
  return /(?:ies|[^s]s|people|leaders|officials)$/.test(w) && !["analysis", "press", "news", "bus", "status", "talks", "us"].includes(w);
}

/**
 * Entities the question names: its gazetteer aliases (case does not matter,
 * except that a one-word alias that is also a common word must be
 * capitalised: "US" but not "us"), and titles written loosely ("the EU
 * foreign policy chief" for the High Representative for Foreign Affairs and
 * Security Policy).
 */
function questionEntities(q: string, lexicon: QuestionLexicon): EntityMatch[] {
  const { gazetteer, nlp } = lexicon;
  const found = findEntities(gazetteer, q, nlp).filter((m) => {
    if (m.alias.includes(" ")) return true;
    const written = q.slice(m.start, m.end);
    // A surname typed in lower case is still the person ("macron"); a short common word is not ("us").
    const person = m.alias.length >= 4 && m.ids.every((id) => gazetteer.entities[id]?.kind === "person");
    const common = nlp.isCommonWord(m.alias) && !nlp.isKnownPlace(m.alias) && !(m.alias in DEMONYMS) && !person;
    return !common || isCapitalised(written);
  });
  // "the AU's energy commissioner": a title the gazetteer gives someone of another body is not theirs; the
  // loose reading below looks for the AU's.
  const owned = found.filter((m, i) => {
    const owner = found[i - 1];
    if (!owner || !/^['’]s?\s+$/.test(q.slice(owner.end, m.start)) || !m.alias.split(" ").some((w) => ROLE_WORDS.has(w))) return true;
    const people = m.ids.map((id) => gazetteer.entities[id]).filter((e) => e?.kind === "person");
    if (people.length === 0) return true;
    const ownerWords = new Set(
      owner.ids
        .flatMap((id) => [id, ...(gazetteer.related.get(id) ?? [])])
        .flatMap((id) => (gazetteer.entities[id]?.aliases ?? []).flatMap((a) => a.split(" ")))
        .filter((w) => !genericNameWord(w)),
    );
    return people.some((e) => e?.aliases.some((a) => a.split(" ").some((w) => ownerWords.has(w))));
  });
  const loose = looseTitles(q, owned, lexicon);
  // The loose reading, from the owner on, replaces the title it covers; when it finds no one, the title
  // stands ("Peru's deputy trade minister" is the deputy trade minister).
  const kept = found.filter((m) => owned.includes(m) || !loose.some((l) => l.start < m.end && m.start < l.end));
  return [...kept, ...loose, ...misspeltNames(q, kept, lexicon)].sort((a, b) => a.start - b.start);
}

// Aliases of five letters or more by their length, once per gazetteer: a slip is one letter longer or shorter at most.
/** Words every body's name may have ("union", "european"): they tie a title to no owner in particular. */
const genericNameWord = (w: string) => ORGANISATION_WORDS.has(w) || TITLE_WORDS.has(w) || Object.hasOwn(DEMONYMS, w) || STOPWORDS.has(w);

const ALIAS_LENGTHS = new WeakMap<Gazetteer, Map<number, string[]>>();
function aliasesByLength(gazetteer: Gazetteer): Map<number, string[]> {
  let index = ALIAS_LENGTHS.get(gazetteer);
  if (!index) {
    const built = new Map<number, string[]>();
    for (const a of gazetteer.byAlias.keys()) {
      if (a.replace(/ /g, "").length < 5) continue;
      const same = built.get(a.length);
      if (same) same.push(a);
      else built.set(a.length, [a]);
    }
    ALIAS_LENGTHS.set(gazetteer, built);
    index = built;
  }
  return index;
}

/**
 * A name typed one letter off ("von der Leyn", "Kalas"): the one name of the articles it is one edit
 * from. Only words no article uses and English does not know, of five letters or more, and only when
 * exactly one name is that close.
 */
function misspeltNames(q: string, found: readonly EntityMatch[], lexicon: QuestionLexicon): EntityMatch[] {
  const { gazetteer, nlp } = lexicon;
  const ws = tokens(q);
  const out: EntityMatch[] = [];
  const unknown = (t: Token) => {
    const term = termOf(t.word);
    return !nlp.isCommonWord(t.norm) && !(term && lexicon.known(term)) && !found.some((m) => t.start >= m.start && t.end <= m.end);
  };
  const byLength = aliasesByLength(gazetteer);
  ws.forEach((t, i) => {
    if (!unknown(t) || out.some((m) => t.start < m.end && m.start < t.end)) return;
    // The unknown word with up to two words before it ("von der Leyn").
    for (let n = 3; n >= 1; n--) {
      const span = ws.slice(Math.max(0, i - n + 1), i + 1);
      if (span.length < n) continue;
      const written = span.map((w) => w.norm).join(" ");
      if (written.replace(/ /g, "").length < 5) continue;
      const near = [-1, 0, 1].flatMap((d) => byLength.get(written.length + d) ?? []);
      const close = near.filter((a) => a.split(" ").length === n && oneEditApart(a, written));
      const ids = [...new Set(close.flatMap((a) => gazetteer.byAlias.get(a) ?? []))];
      if (ids.length === 1) {
        out.push({ ids, start: span[0]?.start ?? t.start, end: t.end, alias: close[0] as string });
        return;
      }
    }
  });
  return out;
}

const LOOSE_ROLES = new Set([...ROLE_WORDS, "chief", "boss", "head", "leader", "top"]);
/** Roles news writes for one another: a "top diplomat" is a foreign minister or a high representative. */
const ROLE_EQUIVALENTS: Readonly<Record<string, readonly string[]>> = {
  diplomat: ["minister", "representative", "envoy", "ambassador", "secretary"],
  // Every member of the European Commission is a commissioner, its (vice) presidents too.
  commissioner: ["commission"],
  premier: ["prime"],
  pm: ["prime", "premier"],
  spokesperson: ["spokesman", "spokeswoman"],
  spokeswoman: ["spokesman", "spokesperson"],
  spokesman: ["spokeswoman", "spokesperson"],
};
const ROLE_SYNONYMS = new Set(["chief", "boss", "head", "leader", "president", "top"]);

/** "the EU foreign policy chief", "the Commission chief": a role word with qualifiers that all belong to one person's titles. */
function looseTitles(q: string, found: readonly EntityMatch[], lexicon: QuestionLexicon): EntityMatch[] {
  const { gazetteer } = lexicon;
  const ws = tokens(q);
  const out: EntityMatch[] = [];
  ws.forEach((t, i) => {
    if (!LOOSE_ROLES.has(t.norm) || found.some((m) => t.start >= m.start && t.end <= m.end)) return;
    // Each qualifier is a word, or all the names of a place or body ("EU": eu, european union).
    const qualifiers: string[][] = [];
    let start = t.start;
    for (let j = i - 1; j >= 0 && j >= i - 4; j--) {
      const w = ws[j] as Token;
      if (STOPWORDS.has(w.norm) || /^(?:what|which|who|did|does)$/.test(w.norm)) break;
      const entity = found.find((m) => w.start >= m.start && w.end <= m.end);
      if (entity && entity.start < w.start) continue; // a later word of the same name
      // "Beijing's top diplomat": the capital's country names the title too ("chinese foreign minister").
      const ids = entity ? entity.ids.flatMap((id) => [id, ...(gazetteer.related.get(id) ?? [])]) : [];
      qualifiers.unshift(entity ? ids.flatMap((id) => (gazetteer.entities[id]?.aliases ?? []).flatMap((a) => a.split(" "))) : [w.norm]);
      start = entity ? entity.start : w.start;
    }
    const groups = qualifiers.filter((g) => !(g.length === 1 && (ROLE_WORDS.has(g[0] ?? "") || g[0] === "top")));
    if (groups.length === 0) return;
    const role = ROLE_SYNONYMS.has(t.norm) ? null : t.norm;
    const roles = role ? [role, ...(ROLE_EQUIVALENTS[role] ?? [])] : null;
    const holders = gazetteer.entities.filter((e) => {
      if (e.kind !== "person") return false;
      const titleWords = new Set(e.aliases.filter((a) => a.split(" ").some((w) => ROLE_WORDS.has(w))).flatMap((a) => a.split(" ")));
      if (titleWords.size === 0 || (roles && !roles.some((r) => titleWords.has(r)))) return false;
      return groups.every((g) => g.some((w) => titleWords.has(w)));
    });
    if (holders.length > 0 && holders.length <= 2) out.push({ ids: holders.map((h) => h.id), start, end: t.end, alias: q.slice(start, t.end).toLowerCase() });
  });
  return out;
}

// One pattern for all the outlets, built once per corpus: questions are read on the hot path.
const OUTLET_PATTERNS = new WeakMap<readonly string[], RegExp | null>();
/** Where the question names an outlet of the articles (whole words, any case). */
function outletMentions(q: string, outlets: readonly string[]): EntityMatch[] {
  let pattern = OUTLET_PATTERNS.get(outlets);
  if (pattern === undefined) {
    const names = [...outlets].sort((a, b) => b.length - a.length).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    pattern = names.length > 0 ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${names.join("|")})(?![\\p{L}\\p{N}])`, "gu") : null;
    OUTLET_PATTERNS.set(outlets, pattern);
  }
  if (!pattern) return [];
  return [...q.toLowerCase().matchAll(pattern)].map((m) => ({ ids: [], start: m.index, end: m.index + m[0].length, alias: m[0] }));
}

/**
 * Names in the question that no article mentions: capitalised phrases the
 * gazetteer does not know ("Mark Rutte", "NATO"), and words in no article
 * and in no English dictionary that are not a misspelling of an article's
 * word ("zelensky", "tokyo", but not "projcet").
 */
function unknownNames(q: string, words: readonly Token[], matches: readonly EntityMatch[], lexicon: QuestionLexicon): string[] {
  const { nlp } = lexicon;
  const out: string[] = [];
  const covered = (t: Token) => matches.some((m) => t.start >= m.start && t.end <= m.end);
  const unknownWord = (t: Token) => {
    if (covered(t) || STOPWORDS.has(t.norm) || QUESTION_NOISE.has(t.norm) || t.norm.length < 3 || /\d/.test(t.norm)) return false;
    const term = termOf(t.word);
    if (term && (lexicon.known(term) || lexicon.correct(t.norm) !== null)) return false;
    // A word the alias file relates to the articles' words ("EVs": "electric vehicles") is not unknown.
    if (term && (lexicon.synonyms.get(term) ?? []).some((alt) => alt.split(" ").every(lexicon.known))) return false;
    if (isAcronym(t.word)) return true;
    if (nlp.isKnownPlace(t.word)) return true;
    // A misspelt English word ("finsh") is not a name; a capitalised one may be. Nor is the plural of a word
    // ("returnees"), nor a word built on an article's word ("returnees" on "return").
    if (!isCapitalised(t.word) && (nlp.isCommonWord(t.norm.replace(/e?s$/, "")) || builtOnKnown(term, lexicon))) return false;
    return !nlp.isCommonWord(t.norm) && (isCapitalised(t.word) || nlp.correctSpelling(t.norm) === null);
  };
  // A capitalised word next to an unknown one is part of the same name ("Mark Rutte", though "mark" is a word).
  const capital = (t: Token | undefined, i: number) => t !== undefined && i > 0 && isCapitalised(t.word) && !STOPWORDS.has(t.norm) && !covered(t);
  const unknown = words.map(unknownWord);
  for (let pass = 0; pass < 2; pass++) {
    words.forEach((t, i) => {
      if (unknown[i]) return;
      const joined = (j: number) => unknown[j] === true && /^[\s-]*$/.test(q.slice(Math.min(t.end, words[j]?.end ?? 0), Math.max(t.start, words[j]?.start ?? 0)));
      if (capital(t, i) && (joined(i - 1) || joined(i + 1))) unknown[i] = true;
    });
  }
  // "the Rhodium Group's analysts": capitalised words ending in the word for a body name one, though each is
  // an English word.
  words.forEach((t, i) => {
    if (!ORG_HEAD.test(t.word) || covered(t) || i === 0) return;
    let j = i - 1;
    while (j >= 0 && j >= i - 3 && capital(words[j], j) && !covered(words[j] as Token) && /^[\s-]*$/.test(q.slice(words[j]?.end, words[j + 1]?.start))) j--;
    if (j === i - 1) return;
    for (let k = j + 1; k <= i; k++) unknown[k] = true;
  });
  let run: Token[] = [];
  const flush = () => {
    if (run.length) out.push(q.slice(run[0]?.start, run.at(-1)?.end));
    run = [];
  };
  words.forEach((t, i) => {
    const prev = words[i - 1];
    const adjacent = prev !== undefined && /^[\s-]*$/.test(q.slice(prev.end, t.start));
    if (!adjacent) flush();
    if (unknown[i]) run.push(t);
    else flush();
  });
  flush();
  return out;
}

// What a topic phrase runs up to: a time, a clause of its own, the end of the question.
const TOPIC_END = /\s+(?:when|while|after|before|during|since|according|and what|and how|and why|and did)\b|\s*[,;:?!.]/;
// Words of a topic phrase that say nothing of the topic itself: where and how it was said, light nouns and verbs.
const TOPIC_LIGHT = new Set(
  "size amount level figure exact approximate rough summit summits meeting meetings talks dialogue visit trip conference press presser news sidelines part role issue issues matter matters question questions subject topic topics thing things way ways side sides view views stance line take position idea plan plans trying try tried want wanted wanting need needed".split(" ").map((w) => termOf(w) ?? w),
);
const TIME_WORD = /^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the eve|the day|the sidelines|(?:the )?(?:19|20)\d\d)\b/;

/**
 * The phrase a question says it is about: after "about/regarding" (or "on") in a question about someone's
 * words, or the head of "what's the N of …". Empty when it says none ("what did she say about it").
 */
function topicPhrase(main: string, spoken: boolean): string {
  const of = /^\W*what(?:'s|\s+is|\s+was|\s+are|\s+were)\s+the\s+((?:[\p{L}-]+\s+){0,2}?[\p{L}-]+)\s+of\b/u.exec(main);
  if (of?.[1]) return of[1];
  if (!spoken) return "";
  const about = /\b(?:about|regarding|concerning)\s+(.+)$/.exec(main) ?? /\bon\s+(?!(?:the\s+)?(?:sidelines|eve|day|occasion)\b)(.+)$/.exec(main);
  const rest = about?.[1] ?? "";
  // "about how Europe should deal with China" asks for the manner, which the words may not name.
  if (TIME_WORD.test(rest) || /^(?:how|what|whether|who|whom|why|which|where|when|if)\b/.test(rest)) return "";
  const end = TOPIC_END.exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}

/** A word (in lower case) that adds an ending to a word the articles use: "returne" (returnees) on "return". */
function builtOnKnown(term: string | null, lexicon: QuestionLexicon): boolean {
  if (!term) return false;
  for (let n = term.length - 1; n >= 5; n--) if (lexicon.known(term.slice(0, n))) return true;
  return false;
}

// Words that end the name of a body ("Rhodium Group", "Kiel Institute").
const ORG_HEAD = /^(?:Group|Institute|Foundation|Centre|Center|Agency|Bank|University|Fund|Forum|Council|Committee|Commission|Party|Association|Organi[sz]ation|Corporation|Company|Holdings|Ministry|Office|Network|Alliance|Society|Trust)$/;

// ---- Parts -----------------------------------------------------------------


/**
 * Splits "When did Xi get to France, and where was he going next?" into its
 * questions, and comparisons ("How did A and B differ on X?", "Compare what A
 * said with what B said") into one question per side. Null for one question.
 */
export function splitParts(question: string, lexicon: QuestionLexicon): { texts: string[]; comparison: boolean } | null {
  const q = question.trim().replace(/[?.!]+$/, "");
  // "At the Beijing presser, how did A's point differ from what B said?": the setting belongs to every part.
  const setting = /^((?:at|in|during|after|before|on)\s+[^,?]{3,60}),\s+(.+)$/i.exec(q);
  if (setting?.[1] && setting[2]) {
    const inner = splitParts(setting[2], lexicon);
    if (inner) return { ...inner, texts: inner.texts.map((t) => `${t.replace(/[?]+$/, "")} ${setting[1]?.replace(/^\w/, (c) => c.toLowerCase())}?`) };
  }
  // "Taiwan: how does Kallas's line compare to what vdl said?": the topic belongs to every part.
  // ("Kallas and Wang Yi on the Middle East — what did they welcome, and …?"; "On Taiwan: …" is about Taiwan.)
  const topic = /^([\p{L}\p{N}\s'’-]{2,60}?)(?::|\s[—–-])\s+(.+)$/u.exec(q);
  if (topic?.[1] && topic[2]) {
    const inner = splitParts(topic[2], lexicon);
    const about = topic[1].trim().replace(/^(?:on|about|re|regarding)\s+/i, "");
    if (inner) return { ...inner, texts: inner.texts.map((t) => `${t.replace(/[?]+$/, "")} about ${about}?`) };
  }
  // Comparisons that name both sides first: "VDL vs Li Qiang on trade — what did each want?", "what's the
  // difference between what A and B said about X", "did A and B agree on X / see X the same way".
  const sides = comparedSides(q, lexicon);
  if (sides) return { texts: sides, comparison: true };
  // "compare what A asked … with what B asked …", "how does what A said … compare with what B said …"
  const compare =
    /^(?:please\s+)?compare\s+(what\s+.+?)\s+(?:with|to|and)\s+(what\s+.+)$/i.exec(q) ??
    /^how\s+(?:does|did|do)\s+(what\s+.+?)\s+compare\s+(?:with|to)\s+(what\s+.+)$/i.exec(q);
  if (compare?.[1] && compare[2]) return { texts: [`${capitalise(asQuestion(compare[1]))}?`, `${capitalise(asQuestion(compare[2]))}?`], comparison: true };
  // "How did the EU's ask of China change between the 2023 summit and the Kallas–Wang dialogue?"
  const between = /^how\s+(?:did|has|have|had|does|do)\s+(.+?)\s+(?:change|shift|evolve|develop)\s+between\s+(.+?)\s+and\s+(.+)$/i.exec(q);
  if (between?.[1] && between[2] && between[3] && tokens(between[1]).length >= 2) {
    return { texts: [`What was ${between[1]} at ${between[2]}?`, `What was ${between[1]} at ${between[3]}?`], comparison: true };
  }
  // "How did the EU's trade message differ between von der Leyen at the 2023 summit and Kallas at the 2025
  // dialogue?": what each side said about it, where they said it.
  const differBetween = /^how\s+(?:did|does|do|has|have)\s+(.+?)\s+(?:differ|vary|compare)\s+between\s+(.+?)\s+and\s+(.+)$/i.exec(q);
  if (differBetween?.[1] && differBetween[2] && differBetween[3]) {
    const isName = nameTest(q, lexicon);
    const side = (s: string) => /^(.+?)(\s+(?:at|in|during|on)\s+.+)?$/i.exec(s) ?? [s, s, ""];
    const [, a = "", whereA = ""] = side(differBetween[2]);
    const [, b = "", whereB = ""] = side(differBetween[3]);
    if (isName(a) && isName(b)) {
      const about = differBetween[1].replace(/^(?:the\s+)?(?:[\p{L}-]+['’]s\s+)?/u, "").replace(/\b(?:message|line|position|stance|view|take|approach|tone)s?\b/giu, "").trim();
      const topic = about ? ` about ${about}` : "";
      return { texts: [`What did ${a} say${topic}${whereA}?`, `What did ${b} say${topic}${whereB}?`], comparison: true };
    }
  }
  // "How did Xi describe X in 2023 compared with what he said in Paris in 2024?"
  const versus = /^(.+?),?\s+(?:compared (?:with|to)|as opposed to|versus|vs\.?|unlike)\s+(what\s+.+)$/i.exec(q);
  if (versus?.[1] && versus[2] && /^(?:how|what)\b/i.test(versus[1])) {
    const firstPart = versus[1];
    const person = questionEntities(firstPart, lexicon).find((e) => e.ids.some((id) => lexicon.gazetteer.entities[id]?.kind === "person"));
    let second = versus[2].replace(/^what\s+(?:he|she)\s+(said|told|did)/i, (_, v: string) => `what did ${person ? firstPart.slice(person.start, person.end) : "they"} ${v === "said" ? "say" : v === "told" ? "tell" : "do"}`);
    second = second.replace(/^what\s+(.+?)\s+said\b/i, "what did $1 say");
    return { texts: [`${capitalise(firstPart)}?`, `${capitalise(second)}?`], comparison: true };
  }
  // "How did Michel's point about China differ from what von der Leyen said about the war?"
  const differFrom = /^how\s+(?:did|does|do)\s+(.+?)['’]s?\s+(point|remarks?|comments?|position|view|message|statement|warning|argument|line|take|stance|demands?|ask|call|request|proposal)\s+(.*?)\s*(?:differ\s+from|compare\s+(?:to|with)|contrast\s+with)\s+(what\s+.+|the\s+(?:position|view|line|stance|case|argument|message|demand)\s+.+)$/i.exec(q);
  if (differFrom?.[1] && differFrom[4]) {
    // "the position Wang Yi stated on the war" is what Wang Yi said on the war.
    const second = asQuestion(differFrom[4].replace(/^the\s+\w+\s+(.+?)\s+(?:stated|took|set out|expressed|gave|made|put forward|laid out|voiced)\b/i, "what $1 said"));
    return { texts: [`What was ${differFrom[1]}'s ${differFrom[2]} ${differFrom[3]}`.trim().concat("?"), `${capitalise(second)}?`], comparison: true };
  }
  // "compare what A and B each said about X"
  const compareEach = new RegExp(`^(?:please\\s+)?compare\\s+what\\s+(.+?)\\s+and\\s+(.+?)\\s+(?:each\\s+|both\\s+)?(${Object.keys(REPORTING_PAST).join("|")})\\b(.*)$`, "i").exec(q);
  if (compareEach?.[1] && compareEach[2] && compareEach[3]) {
    const verb = REPORTING_PAST[compareEach[3].toLowerCase()] ?? "say";
    return { texts: [`What did ${compareEach[1]} ${verb}${compareEach[4]}?`, `What did ${compareEach[2]} ${verb}${compareEach[4]}?`], comparison: true };
  }
  // "How did Xi's take on trade differ from von der Leyen's (at the summit)?"
  // ("How did von der Leyen's demand on Russia at the Paris meeting differ from Kallas's demand in Brussels?":
  // each side said it where it was.)
  const possessives = /^how\s+(?:did|does|do)\s+(.+?)['’]s?\s+(.+?)\s+(?:differ\s+from|compare\s+(?:to|with)|contrast\s+with)\s+(.+?)['’]s?(\s+(?:point|remarks?|comments?|position|view|message|statement|warning|argument|line|take|stance|demands?|ask|call|request|proposal|approach|tone))?(\s+(?:at|in|during|on)\s+.+)?$/i.exec(q);
  if (possessives?.[1] && possessives[2] && possessives[3] && possessives[4] && possessives[5]) {
    const own = /^(.+?)\s+(?:at|in|during)\s+.+$/i.exec(possessives[2])?.[1] ?? possessives[2];
    return { texts: [`What was ${possessives[1]}'s ${possessives[2]}?`, `What was ${possessives[3]}'s ${own}${possessives[5]}?`], comparison: true };
  }
  if (possessives?.[1] && possessives[2] && possessives[3] && !/^what\b/i.test(possessives[3])) {
    const where = (possessives[4] ?? "") + (possessives[5] ?? "");
    // "Xi's take on trade" is what Xi said about trade.
    const opinion = /^(?:take|view|views|position|stance|line|thoughts?|opinion|comments?|remarks?|message)\s+(?:on|about|over|regarding)\s+(.+)$/i.exec(possessives[2]);
    if (opinion?.[1]) return { texts: [`What did ${possessives[1]} say about ${opinion[1]}${where}?`, `What did ${possessives[3]} say about ${opinion[1]}${where}?`], comparison: true };
    return { texts: [`What was ${possessives[1]}'s ${possessives[2]}${where}?`, `What was ${possessives[3]}'s ${possessives[2]}${where}?`], comparison: true };
  }
  // "How did the EU's ask of China at the summit differ from what Kallas demanded in Brussels?"
  const differFromWhat = new RegExp(`^how\\s+(?:did|does|do)\\s+(.+?)\\s+(?:${COMPARE_VERB})\\s+(what\\s+.+)$`, "i").exec(q);
  if (differFromWhat?.[1] && differFromWhat[2] && tokens(differFromWhat[1]).length >= 2) {
    return { texts: [`What was ${differFromWhat[1]}?`, `${capitalise(asQuestion(differFromWhat[2]))}?`], comparison: true };
  }
  // "How does what vdl said in Beijing line up with Kallas's line in the 2025 dialogue?": what each said.
  const whatWithStance = new RegExp(`^how\\s+(?:did|does|do)\\s+(what\\s+.+?)\\s+(?:${COMPARE_VERB})\\s+(.+?)['’]s?\\s+(?:${STANCE_WORDS})(\\s+(?:at|in|during|on)\\s+.+)?$`, "i").exec(q);
  if (whatWithStance?.[1] && whatWithStance[2] && nameTest(q, lexicon)(whatWithStance[2])) {
    return { texts: [`${capitalise(asQuestion(whatWithStance[1]))}?`, `What did ${whatWithStance[2]} say${whatWithStance[3] ?? ""}?`], comparison: true };
  }
  // "how did A and B differ on X", "how did A and B each describe X", "what did A and B each say about X"
  // ("How did Xi and von der Leyen frame the relationship differently at the summit?")
  const differ = /^(how|what)\s+(did|do|does|have|had)\s+(.+?)\s+and\s+(.+?)\s+(?:(each)\s+)?(differ|compare|agree|disagree|describe|say|see|view|characteri[sz]e|frame|portray|present|approach)\b(.*)$/i.exec(q);
  if (differ && /\s(?:differently|in\s+different\s+ways)\b/i.test(differ[7] ?? "")) differ[7] = (differ[7] ?? "").replace(/\s(?:differently|in\s+different\s+ways)\b/i, "");
  else if (differ && !differ[5] && !/differ|compare|agree|disagree/i.test(differ[6] ?? "")) differ[6] = "";
  if (differ && differ[6]) {
    const a = differ[3] ?? "";
    const b = differ[4] ?? "";
    const isName = nameTest(q, lexicon);
    if (isName(a) && isName(b)) {
      if (/differ|compare|agree|disagree/i.test(differ[6] ?? "")) {
        const rest = (differ[7] ?? "").replace(/^\s*(?:on|about|over|regarding|in)\s+/i, " about ");
        return { texts: [`What did ${a} say${rest}?`, `What did ${b} say${rest}?`], comparison: true };
      }
      const lead = `${capitalise(differ[1] ?? "how")} ${differ[2]}`;
      return { texts: [`${lead} ${a} ${differ[6]}${differ[7]}?`, `${lead} ${b} ${differ[6]}${differ[7]}?`], comparison: true };
    }
  }
  // "how big was the deficit in 2022 and in 2023"
  const years = /^(.+?)\s+in\s+((?:19|20)\d\d)\s+(?:and|or|versus|vs\.?)\s+(?:in\s+)?((?:19|20)\d\d)$/i.exec(q);
  if (years?.[1]) return { texts: [`${capitalise(years[1])} in ${years[2]}?`, `${capitalise(years[1])} in ${years[3]}?`], comparison: false };
  // "X, and where …?", "X and what did she say …?"
  const m = new RegExp(`^(.+?)(?:,\\s*|\\s+)and\\s+((?:${PREPOSITION_WH}|(?:${WH})\\b).+)$`, "i").exec(q);
  if (!m?.[1] || !m[2]) return null;
  const first = m[1].trim();
  let second = m[2].trim();
  // Both halves must read as questions with content of their own.
  if (tokens(first).length < 3 || tokens(second).length < 2) return null;
  // "With whom did Wang Yi …, and whom did he meet …?": a preposition may open the question.
  const opens = new RegExp(`^(?:(?:and|so|but)\\s+)?(?:${PREPOSITION_WH}|(?:${WH})\\b)`, "i");
  // ("Once Xi finishes in France, which countries …": a clause may set the scene first.)
  if (!opens.test(first) && !/^(?:according|in|at|after|before|during|once|while|as|following|since|if)\b/i.test(first)) return null;
  // A pronoun in the second part stands for the first part's person.
  const firstEntities = questionEntities(first, lexicon);
  const person = firstEntities.find((e) => e.ids.some((id) => lexicon.gazetteer.entities[id]?.kind === "person"));
  if (person && /\b(?:he|she|him|her|his)\b/i.test(second)) {
    const name = first.slice(person.start, person.end);
    second = second
      .replace(/\b(?:he|she)['’]d\b/i, `${name} had`)
      .replace(/\b(?:he|she)['’]s\b/i, `${name} is`)
      .replace(/\b(?:he|she)\b/i, name)
      .replace(/\b(?:him|her)\b(?=\s*$|\s+(?:to|about|on|in|at)\b)/i, name)
      .replace(/\bhis\b/i, `${name}'s`);
  }
  // "and which year is that figure for": the second part continues the first's subject.
  return { texts: [`${capitalise(first)}?`, `${capitalise(second)}?`], comparison: false };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
// Ways of setting two things side by side ("line up with", "square with").
const COMPARE_VERB = "differ\\s+from|compare\\s+(?:to|with)|contrast\\s+with|line\\s+up\\s+with|square\\s+with|stack\\s+up\\s+(?:against|with)|match\\s+up\\s+with";
// Nouns for what someone said ("Kallas's line", "her remarks").
const STANCE_WORDS = "line|position|stance|view|views|take|remarks?|comments?|message|statement|words|point";

/**
 * Whether a piece of the question holds one of the names it uses. The names are read on the first call
 * only: most questions match no pattern that asks.
 */
function nameTest(q: string, lexicon: QuestionLexicon): (piece: string) => boolean {
  let entities: EntityMatch[] | null = null;
  return (piece) => (entities ??= questionEntities(q, lexicon)).some((e) => piece.toLowerCase().includes(q.slice(e.start, e.end).toLowerCase()));
}

const SIDE_SETTING = /^(.+?)(\s+(?:at|in|during)\s+(?:the\s+)?(?:(?:19|20)\d\d\s+)?[\p{L}\p{N}\s'’–-]+)$/u;
const SAME_WAY = /\s+(?:the\s+same\s+way|in\s+the\s+same\s+way|alike|similarly|differently)$/i;

/** The two questions of a comparison that names both sides first, or null. */
function comparedSides(q: string, lexicon: QuestionLexicon): [string, string] | null {
  const isName = nameTest(q, lexicon);
  // A side may say where it spoke: "von der Leyen at the 2023 summit".
  const named = (side: string) => SIDE_SETTING.exec(side)?.[1] ?? side;
  const both = (a: string | undefined, b: string | undefined): a is string =>
    a !== undefined && b !== undefined && isName(named(a)) && isName(named(b)) && tokens(named(a)).length <= 6 && tokens(named(b)).length <= 6;
  const said = (a: string, b: string, about: string) => {
    const topic = about.trim() ? ` about ${about.trim()}` : "";
    const ask = (side: string) => `What did ${named(side)} say${topic}${SIDE_SETTING.exec(side)?.[2] ?? ""}?`;
    return [ask(a), ask(b)] as [string, string];
  };
  // "A vs B on T: …", "A vs B — what did each want on T?"
  // ("vdl in 2023 vs kallas in 2025 on taiwan, same or different?")
  const vs = /^(.+?)\s+(?:vs\.?|versus|v\.)\s+(.+?)(?:\s+(?:on|about|over|regarding)\s+([^:—–?,]+?))?\s*(?::|—|–|\s-\s|\?|,)\s*(.*)$/i.exec(q);
  if (vs && both(vs[1], vs[2])) {
    // The topic after "on", or in the question that follows ("who should set the quotas?"), unless that only
    // asks for each side's words ("what did each want?").
    const rest = (vs[4] ?? "").replace(/\?+$/, "");
    const asksEach = /^(?:so\s+)?(?:what|how)\s+(?:did|do|does)\s+(?:each|they|both|the two)\b/i.test(rest);
    const about = vs[3] ?? /\b(?:on|about|over|regarding)\s+(.+?)$/i.exec(rest)?.[1] ?? (asksEach ? "" : rest);
    return said(vs[1], vs[2] as string, about);
  }
  // "What's the difference between what A and B said about X?"
  const verbs = Object.keys(REPORTING_PAST).join("|");
  const between = new RegExp(`^what(?:'s|\\s+is|\\s+was|\\s+were)\\s+the\\s+differences?\\s+between\\s+(?:what\\s+)?(.+?)\\s+and\\s+(?:what\\s+)?(.+?)\\s+(?:each\\s+|both\\s+)?(${verbs})\\b(.*)$`, "i").exec(q);
  if (between && both(between[1], between[2])) {
    const verb = REPORTING_PAST[(between[3] ?? "").toLowerCase()] ?? "say";
    return [`What did ${between[1]} ${verb}${between[4]}?`, `What did ${between[2]} ${verb}${between[4]}?`];
  }
  // "Did A and B agree on X?", "Did A and B take the same line on X?"
  const agree =
    /^(?:(?:to\s+what\s+extent|how\s+far|how\s+closely|how\s+much)\s+)?(?:did|do|does|have|had|were|are)\s+(.+?)\s+and\s+(.+?)\s+(?:(?:agree|disagree|concur)\s+(?:on|about|over)|(?:take|have|hold|share)\s+the\s+same\s+(?:line|view|position|stance|approach|take)\s+(?:on|about|over|regarding)|(?:(?:see|be)\s+)?(?:on\s+the\s+same\s+page|in\s+agreement|aligned)\s+(?:on|about|over))\s+(.+)$/i.exec(q);
  if (agree && both(agree[1], agree[2])) return said(agree[1], agree[2] as string, agree[3] ?? "");
  // "Did A and B describe X the same way?"
  const alike = /^(?:did|do|does|have|had)\s+(.+?)\s+and\s+(.+?)\s+(describe|see|view|frame|characteri[sz]e|approach|treat|present|portray)\s+(.+)$/i.exec(q);
  if (alike && SAME_WAY.test(alike[4] ?? "") && both(alike[1], alike[2])) {
    const what = (alike[4] ?? "").replace(SAME_WAY, "");
    return [`How did ${alike[1]} ${alike[3]} ${what}?`, `How did ${alike[2]} ${alike[3]} ${what}?`];
  }
  return null;
}

/** "the year before", "a year later", "the following year" (relative to `year`) as a year; null when the text names none. */
function relativeYear(text: string, year: string): string | null {
  const y = Number(year);
  if (!Number.isInteger(y)) return null;
  if (/\b(?:the\s+(?:year|twelve\s+months)\s+before|the\s+previous\s+year|the\s+prior\s+year|a\s+year\s+(?:earlier|before)|the\s+year\s+prior)\b/i.test(text)) return String(y - 1);
  if (/\b(?:the\s+year\s+after|the\s+following\s+year|the\s+next\s+year|a\s+year\s+later)\b/i.test(text)) return String(y + 1);
  return null;
}

/** Past forms of reporting verbs and their base form, for "what A asked" -> "what did A ask". */
const REPORTING_PAST: Record<string, string> = {
  said: "say",
  asked: "ask",
  told: "tell",
  wanted: "want",
  demanded: "demand",
  urged: "urge",
  proposed: "propose",
  promised: "promise",
  warned: "warn",
  argued: "argue",
  stressed: "stress",
  called: "call",
};

/** A comparison's side "what the EU asked of China …" as a question: "what did the EU ask of China …". */
function asQuestion(side: string): string {
  const verbs = Object.keys(REPORTING_PAST).join("|");
  return side.replace(new RegExp(`^what\\s+(?!did\\b|do\\b|does\\b)(.+?)\\s+(${verbs})\\b`, "i"), (_, who: string, verb: string) => `what did ${who} ${REPORTING_PAST[verb.toLowerCase()] ?? verb}`);
}
