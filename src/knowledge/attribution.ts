import { ADDRESSING_VERBS, PERSON_PRONOUNS, ROLE_WORDS, SPEECH_GAP_WORDS, SPEECH_VERBS } from "./lexicon.js";
import { tokens, type Token } from "./names.js";
import type { Entity, EntityMatch } from "./gazetteer.js";

/*
 * Who says what, sentence by sentence: "X said/warned/urged … (that)", "“…,”
 * said X", "according to X", and "she said" resolved to the person the text
 * last had speaking (or last named). A sentence inside a quotation, or a
 * paragraph that is a quotation without attribution, belongs to the last
 * speaker. Also the person addressed: "told X", "urged X to", "called on X".
 */

export interface Attribution {
  /** Entity ids mentioned in the sentence, pronouns resolved ("she" -> Kallas). */
  readonly entities: readonly number[];
  readonly speakers: readonly number[];
  readonly addressees: readonly number[];
}

export interface SentenceInput {
  readonly start: number;
  readonly end: number;
  /** Entity matches of the sentence (offsets in the article text). */
  readonly matches: readonly EntityMatch[];
  /** Only body text carries attributions the next sentences inherit. */
  readonly body: boolean;
  /** The sentence's words, when the caller has them already. */
  readonly tokens?: readonly Token[];
}

type Gender = "f" | "m";
/** Verbs that take "to say/comment": "X declined to say", "she refused to comment". */
const TO_SAY_VERBS = new Set(["declined", "refused", "wanted", "went", "hesitated", "sought", "decline", "refuse", "declines", "refuses"]);
// Words that do not describe a speaker named after the verb ("said state news agency Xinhua").
const NOT_DESCRIPTIVE = new Set(["a", "an", "the", "that", "this", "which", "who", "to", "of", "in", "on", "at", "for", "as", "with", "by", "and", "or", "it", "he", "she", "they", "was", "is"]);
/** Reporting verbs that take an apposition between subject and verb ("X, an analyst at Y, said"). */
const CORE_VERBS = new Set(["said", "says", "told", "added", "warned", "noted", "stressed", "argued", "urged", "called", "insisted", "cautioned", "wrote", "declared", "explained"]);

/** [start, end] offsets of the quotations in a sentence (an unclosed one runs to its end). */
function quotedRanges(sentence: string, offset: number): [number, number][] {
  const out: [number, number][] = [];
  let open: number | null = null;
  let first = true;
  for (const m of sentence.matchAll(/["“”]/g)) {
    const at = offset + m.index;
    // A sentence that goes on with a quotation opened before it starts with its close ("It is a
    // partnership …," X told reporters): what comes before the mark is quoted, what follows is not.
    const closes = first && (m[0] === "”" || (m[0] === '"' && /[,.!?]$/.test(sentence.slice(0, m.index)) && !/\S/.test(sentence.slice(m.index + 1, m.index + 2))));
    if (closes) {
      first = false;
      out.push([offset, at]);
      continue;
    }
    first = false;
    if (open === null) open = at;
    else {
      out.push([open, at]);
      open = null;
    }
  }
  if (open !== null) out.push([open, offset + sentence.length]);
  return out;
}
const QUOTE_OPEN = /^["“]/;

/** Resolves matches of ambiguous aliases to the entity the article named last, and attributes each sentence. */
export function attributeArticle(text: string, sentences: readonly SentenceInput[], entities: readonly Entity[]): Attribution[] {
  const lastMention = new Map<number, number>(); // entity id -> order of its last mention
  let order = 0;
  const gender = new Map<number, Gender>();
  const recentSpeakers: number[] = []; // most recent first
  const kind = (id: number) => entities[id]?.kind;

  const resolve = (ids: readonly number[]): number[] => {
    if (ids.length <= 1) return [...ids];
    const known = ids.filter((id) => lastMention.has(id));
    if (known.length === 0) return [...ids];
    return [known.reduce((a, b) => ((lastMention.get(a) ?? 0) >= (lastMention.get(b) ?? 0) ? a : b))];
  };
  // People named outside quotations in each sentence so far, in order: a pronoun most likely stands
  // for the subject (the first named) of the closest sentence that names someone.
  const namedOutside: number[][] = [];
  const resolvePronoun = (pronoun: string, sameSentence: readonly number[] = []): number | null => {
    const g: Gender = pronoun === "she" ? "f" : "m";
    const fits = (id: number) => kind(id) === "person" && (gender.get(id) ?? g) === g;
    // "Lindqvist did not rule out a higher offer, but he said …": a person named earlier in the same sentence.
    const local = sameSentence.find(fits);
    if (local !== undefined) return local;
    for (let k = namedOutside.length - 1; k >= Math.max(0, namedOutside.length - 3); k--) {
      const subject = namedOutside[k]?.find(fits);
      if (subject !== undefined) return subject;
    }
    const speaker = recentSpeakers.find(fits);
    if (speaker !== undefined) return speaker;
    const named = [...lastMention.entries()].filter(([id]) => fits(id)).sort((a, b) => b[1] - a[1])[0];
    return named ? named[0] : null;
  };

  /** "the commissioner": the person last named who holds that role (a title alias with the word). */
  const resolveRole = (role: string): number | null => {
    const holders = [...lastMention.entries()]
      .filter(([id]) => kind(id) === "person" && (entities[id]?.aliases ?? []).some((a) => a.split(" ").includes(role) && a.includes(" ")))
      .sort((a, b) => b[1] - a[1]);
    return holders[0]?.[0] ?? null;
  };

  const own = sentences.map((s) => {
    const sentence = text.slice(s.start, s.end);
    const words = s.tokens ?? tokens(sentence, s.start);
    const matched = [...s.matches];
    words.forEach((t, i) => {
      if (!ROLE_WORDS.has(t.norm) || words[i - 1]?.norm !== "the" || matched.some((m) => t.start >= m.start && t.end <= m.end)) return;
      const id = resolveRole(t.norm);
      if (id !== null) matched.push({ ids: [id], start: words[i - 1]?.start ?? t.start, end: t.end, alias: `the ${t.norm}` });
    });
    matched.sort((a, b) => a.start - b.start);
    const resolved = matched.map((m) => ({ ...m, ids: resolve(m.ids) }));
    // Quoted stretches of the sentence: names inside a quotation are not who speaks it.
    const quoted = quotedRanges(sentence, s.start);
    const inQuote = (pos: number) => quoted.some(([a, b]) => pos > a && pos < b);
    const mentioned = new Set<number>(resolved.flatMap((m) => m.ids));
    const speakers = new Set<number>();
    const addressees = new Set<number>();
    const entityEndingAt = (tokenIndex: number) => resolved.find((m) => m.end === words[tokenIndex]?.end);
    const entityStartingAt = (tokenIndex: number) => resolved.find((m) => m.start === words[tokenIndex]?.start);
    const pronounAt = (i: number): number | null => {
      const w = words[i]?.norm ?? "";
      if (!PERSON_PRONOUNS.has(w)) return null;
      const before = resolved.filter((m) => m.end <= (words[i]?.start ?? 0) && !inQuote(m.start)).flatMap((m) => m.ids);
      const id = resolvePronoun(w, before);
      if (id !== null) gender.set(id, w === "she" ? "f" : "m");
      return id;
    };

    words.forEach((t, i) => {
      if (t.norm === "according" && words[i + 1]?.norm === "to") {
        const j = words[i + 2]?.norm === "the" ? i + 3 : i + 2;
        const m = entityStartingAt(j);
        if (m) m.ids.forEach((id) => speakers.add(id));
        return;
      }
      const lemma = SPEECH_VERBS.get(t.word.toLowerCase());
      if (!lemma) return;
      // Subject to the left, over words such as "also", "has once again", "on Wednesday",
      // and over a verb that takes "to say" ("He declined to say").
      let j = i - 1;
      if (words[j]?.norm === "to" && TO_SAY_VERBS.has(words[j - 1]?.norm ?? "")) j -= 2;
      while (j >= 0 && j >= i - 5 && (SPEECH_GAP_WORDS.has(words[j]?.norm ?? "") || /ly$/.test(words[j]?.norm ?? "")) && !entityEndingAt(j)) j--;
      const gapText = j >= 0 ? text.slice(words[j]?.end ?? 0, t.start) : "";
      // Only people and bodies speak (and places standing for their governments: "Beijing said").
      const speakerMatch = entityEndingAt(j);
      const canSpeak = speakerMatch?.ids.some((id) => kind(id) !== "other") ?? false;
      const subject = j >= 0 && canSpeak && !/[.,;“”"]/.test(gapText) ? (speakerMatch ?? null) : null;
      const pronoun = j >= 0 && !/[.,;]/.test(gapText) ? pronounAt(j) : null;
      let who: number[] = [];
      if (subject) who = [...subject.ids];
      else if (pronoun !== null) who = [pronoun];
      else if (CORE_VERBS.has(t.word.toLowerCase()) && /,\s*$/.test(text.slice(words[i - 1]?.end ?? s.start, t.start))) {
        // "Claire Dumoulin, secretary-general of the federation, said": the person the clause opens with.
        const opener = resolved.find((m) => m.end < t.start && !inQuote(m.start) && m.ids.some((id) => kind(id) === "person") && !/[;“”"]/.test(text.slice(m.end, t.start)));
        if (opener && tokens(text.slice(opener.end, t.start)).length <= 16) who = opener.ids.filter((id) => kind(id) === "person");
      }
      if (who.length === 0 && /ing$/.test(t.norm) && /,\s*$/.test(text.slice(words[i - 1]?.end ?? s.start, t.start))) {
        // "He declined to comment, saying only that …": the subject the sentence opens with.
        const opener = entityStartingAt(0);
        const first = opener && !inQuote(opener.start) ? opener.ids.filter((id) => kind(id) === "person") : [];
        const pronoun0 = first.length === 0 ? pronounAt(0) : null;
        who = first.length > 0 ? first : pronoun0 !== null ? [pronoun0] : [];
      }
      if (who.length === 0) {
        // "“…,” said Grzegorz Stec" / "said Stec, an analyst" / "reported state news agency Xinhua" (a
        // description of up to four lower-case words before the name)
        // (not "…, voicing a belief that the Chinese president …": a saying verb, then words that describe)
        let k = i + 1;
        const describes = CORE_VERBS.has(t.word.toLowerCase()) || t.word.toLowerCase() === "reported";
        while (describes && k <= i + 4 && !entityStartingAt(k) && /^\p{Ll}[\p{Ll}-]*$/u.test(words[k]?.word ?? "") && !NOT_DESCRIPTIVE.has(words[k]?.norm ?? "") && !/[,.;:“”"]/.test(text.slice(words[k - 1]?.end ?? 0, words[k]?.start ?? 0))) k++;
        const described = entityStartingAt(k);
        const after = described && !/[,.;:“”"]/.test(text.slice(words[i]?.end ?? 0, words[k]?.start ?? 0)) ? described : entityStartingAt(i + 1);
        if (after && /[,”"]\s*$/.test(text.slice(words[i - 1]?.end ?? s.start, t.start))) who = [...after.ids];
      }
      for (const id of who) speakers.add(id);
      if (ADDRESSING_VERBS.has(lemma)) {
        let k = i + 1;
        while (["on", "the", "upon"].includes(words[k]?.norm ?? "")) k++;
        const object = entityStartingAt(k);
        if (object) object.ids.forEach((id) => addressees.add(id));
      }
    });
    // Other "he"/"she" in the sentence are mentions of the person they stand for.
    words.forEach((t: Token, i) => {
      if (PERSON_PRONOUNS.has(t.norm)) {
        const id = pronounAt(i);
        if (id !== null) mentioned.add(id);
      }
    });

    for (const m of resolved) for (const id of m.ids) lastMention.set(id, order++);
    const outside = resolved.filter((m) => !inQuote(m.start)).flatMap((m) => m.ids).filter((id) => kind(id) === "person");
    namedOutside.push([...new Set([...outside, ...[...speakers].filter((id) => kind(id) === "person")])]);
    for (const id of speakers) {
      if (kind(id) !== "person") continue;
      const at = recentSpeakers.indexOf(id);
      if (at >= 0) recentSpeakers.splice(at, 1);
      recentSpeakers.unshift(id);
      lastMention.set(id, order++);
    }
    return { entities: mentioned, speakers, addressees };
  });
  inheritQuotedSpeakers(text, sentences, own, (id) => kind(id) === "person");
  return own.map((a) => {
    for (const id of a.speakers) a.entities.add(id);
    return { entities: [...a.entities], speakers: [...a.speakers], addressees: [...a.addressees] };
  });
}

/**
 * A quotation that runs over several sentences is the words of whoever its
 * attribution names, wherever that sentence is ("“We agreed… We count on
 * China…,” von der Leyen said"); a paragraph that only quotes, without saying
 * who, continues the speaker of the paragraph before.
 */
function inheritQuotedSpeakers(text: string, sentences: readonly SentenceInput[], own: readonly { speakers: Set<number>; entities: Set<number> }[], isPerson: (id: number) => boolean): void {
  // Twice: a paragraph that continues a speaker may open a quotation that runs on.
  quotations(text, sentences, own);
  quotingParagraphs(text, sentences, own, isPerson);
  quotations(text, sentences, own);
}

function quotations(text: string, sentences: readonly SentenceInput[], own: readonly { speakers: Set<number> }[]): void {
  let group: number[] = [];
  let open = false;
  const close = () => {
    const all = new Set(group.flatMap((i) => [...(own[i]?.speakers ?? [])]));
    for (const i of group) if (own[i]?.speakers.size === 0) for (const id of all) own[i]?.speakers.add(id);
    group = [];
  };
  sentences.forEach((s, i) => {
    if (!s.body) {
      if (open) close();
      open = false;
      return;
    }
    const sentence = text.slice(s.start, s.end);
    const odd = (sentence.match(/["“”]/g) ?? []).length % 2 === 1;
    if (open || odd) group.push(i);
    if (odd) {
      if (open) close();
      open = !open;
    }
  });
  if (group.length) close();
}

// "That line, from Namibia's minister, Ndapewa Shikongo, drew applause": the sentence after a quote says whose it is.
const ABOUT_THE_QUOTE = /^\s*(?:that|this|those|these)\s+(?:line|lines|remark|remarks|comment|comments|quote|words|warning|statement|phrase)\b/i;

function quotingParagraphs(text: string, sentences: readonly SentenceInput[], own: readonly { speakers: Set<number>; entities: Set<number> }[], isPerson: (id: number) => boolean): void {
  let previous: Set<number> = new Set();
  sentences.forEach((s, i) => {
    const a = own[i];
    if (!a || !s.body) return;
    const sentence = text.slice(s.start, s.end);
    const startsParagraph = i === 0 || /\n\s*$/.test(text.slice(sentences[i - 1]?.end ?? 0, s.start));
    const next = sentences[i + 1];
    const named = next && ABOUT_THE_QUOTE.test(text.slice(next.start, next.end)) ? [...(own[i + 1]?.entities ?? [])].filter(isPerson) : [];
    if (a.speakers.size === 0 && QUOTE_OPEN.test(sentence) && named.length > 0) for (const id of named) a.speakers.add(id);
    else if (a.speakers.size === 0 && startsParagraph && QUOTE_OPEN.test(sentence)) for (const id of previous) a.speakers.add(id);
    previous = a.speakers;
  });
}
