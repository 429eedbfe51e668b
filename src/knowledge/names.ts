import { normaliseWord, STOPWORDS } from "../text/terms.js";
import { CALENDAR_WORDS, DEMONYMS, HONORIFICS, NAME_PARTICLES, ORGANISATION_WORDS, PLACE_WORDS, PORTFOLIO_WORDS, ROLE_WORDS, TITLE_WORDS } from "./lexicon.js";
import { isKnownFirstName, type Nlp } from "./nlp.js";

/*
 * Proper names as news text writes them: runs of capitalised words ("Ursula
 * von der Leyen", "European External Action Service", "Group of Seven"), split
 * into the title in front and the name it qualifies ("Chinese Foreign
 * Minister" + "Wang Yi"; "President of the European Commission" + "Ursula von
 * der Leyen"). Acronyms defined in brackets ("European External Action Service
 * (EEAS)") are recorded too.
 */

export interface Token {
  /** As written, without a possessive 's. */
  readonly word: string;
  /** Lower case, accents and dots removed ("Élysée" -> "elysee", "U.S." -> "us"). */
  readonly norm: string;
  readonly start: number;
  readonly end: number;
}

// Words, with inner apostrophes and dotted abbreviations ("Xi's", "U.S."); a hyphen separates words.
const WORD = /(?:\p{L}\.){2,}|[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

export function tokens(text: string, offset = 0): Token[] {
  const out: Token[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const raw = m[0];
    const word = raw.length > 2 && (raw.endsWith("'s") || raw.endsWith("’s")) ? raw.slice(0, -2) : raw;
    out.push({ word, norm: normaliseWord(word), start: offset + m.index, end: offset + m.index + word.length });
  }
  return out;
}

export interface NameMention {
  /** The name, without its title: "Ursula von der Leyen". */
  readonly name: string;
  readonly tokens: readonly Token[];
  /**
   * The title in front of it, lower case ("president of the european
   * commission"), including a lower-case role word just before a capitalised
   * phrase ("chinese leader" in "Chinese leader Xi Jinping"); null when none.
   */
  readonly title: string | null;
  readonly start: number;
  readonly end: number;
}

/** What the corpus as a whole says about words, to read one sentence. */
export interface NameContext {
  readonly nlp: Nlp;
  /** Words written with a capital inside a sentence somewhere in the corpus: names, even when the lexicon has them ("Macron", "China"). */
  readonly midCaps: ReadonlySet<string>;
}

export const isCapitalised = (w: string) => /^\p{Lu}/u.test(w) || /^\p{N}+\p{Lu}/u.test(w);
export const isAcronym = (w: string) => /^(?:\p{Lu}\.?){2,}$|^\p{Lu}+\p{N}+$/u.test(w);
const CONNECTORS = new Set(["of", "for", "and", "the"]);
/** Words of titles and institutions, which a person's name never contains. */
const institutional = (norm: string) => TITLE_WORDS.has(norm) || ORGANISATION_WORDS.has(norm) || PORTFOLIO_WORDS.has(norm);

/** Words that may start a capitalised run at the start of a sentence although the lexicon knows them. */
function strongWord(norm: string): boolean {
  return norm in DEMONYMS || institutional(norm) || PLACE_WORDS.has(norm) || NAME_PARTICLES.has(norm);
}

/** Whether the sentence starts at token `i` (or after an opening quote, colon, bracket or dash). */
function startsSentence(sentence: readonly Token[], text: string, i: number): boolean {
  const prev = sentence[i - 1];
  return !prev || /[“"‘:(–—]\s*$/u.test(text.slice(prev.end, sentence[i]?.start ?? prev.end));
}

/**
 * Capitalised runs of a sentence. `titleCase` marks a headline written in
 * Title Case, where common words are capitalised too.
 */
function runs(sentence: readonly Token[], text: string, ctx: NameContext, titleCase: boolean): Token[][] {
  const out: Token[][] = [];
  let run: Token[] = [];
  const flush = () => {
    // Connectors and particles never end a run.
    while (run.length && !isCapitalised(run.at(-1)?.word ?? "")) run.pop();
    const only = run.length === 1 ? run[0] : undefined;
    // Alone, a weekday, a month or a demonym ("Chinese") is not a name.
    if (run.length && !(only && (CALENDAR_WORDS.has(only.norm) || only.norm in DEMONYMS || `${only.norm.replace(/s$/, "")}` in DEMONYMS))) out.push(run);
    run = [];
  };
  const spaceBetween = (a: Token, b: Token | undefined) => b !== undefined && /^[ \t]+$/.test(text.slice(a.end, b.start));
  // "One-China Policy", "Diallo-Mensah": capitalised words joined by a hyphen are one name, unless
  // each side is a name of its own ("EU-China", "Israel-Hamas", "AU-EU").
  const standsAlone = (t: Token) => isAcronym(t.word) || ctx.nlp.isKnownPlace(t.word) || t.norm in DEMONYMS;
  const joined = (a: Token, b: Token) =>
    spaceBetween(a, b) ||
    (text.slice(a.end, b.start) === "-" &&
      isCapitalised(a.word) &&
      isCapitalised(b.word) &&
      (!(standsAlone(a) || standsAlone(b)) || (ctx.nlp.isCommonWord(a.norm) && !standsAlone(a))));
  /** Whether a capitalised word follows token `i` after only particles. */
  const capAfterParticles = (i: number) => {
    let j = i + 1;
    while (j < sentence.length && NAME_PARTICLES.has(sentence[j]?.norm ?? "") && !isCapitalised(sentence[j]?.word ?? "") && spaceBetween(sentence[j - 1] as Token, sentence[j])) j++;
    return spaceBetween(sentence[j - 1] as Token, sentence[j]) && isCapitalised(sentence[j]?.word ?? "");
  };
  const nameWorthy = (t: Token, i: number) => {
    if (isAcronym(t.word)) return true;
    if (STOPWORDS.has(t.norm) && !NAME_PARTICLES.has(t.norm)) return false;
    if (!(titleCase || startsSentence(sentence, text, i))) return true;
    return !ctx.nlp.isCommonWord(t.norm) || strongWord(t.norm) || ctx.midCaps.has(t.norm) || ctx.nlp.isKnownPlace(t.word);
  };
  sentence.forEach((t, i) => {
    const prev = run.at(-1);
    if (prev && !joined(prev, t)) flush();
    if (isCapitalised(t.word)) {
      if (nameWorthy(t, i)) run.push(t);
      else flush();
      return;
    }
    if (NAME_PARTICLES.has(t.norm) && capAfterParticles(i)) {
      run.push(t);
      return;
    }
    const next = sentence[i + 1];
    const nextCap = spaceBetween(t, next) && isCapitalised(next?.word ?? "");
    // "Group of Seven", "President of the European Commission", "Representative for Foreign Affairs and Security Policy".
    if (run.length && CONNECTORS.has(t.norm) && !titleCase) {
      const official = run.some((r) => institutional(r.norm));
      // "… Charles Michel and President …" joins two people; "Minister of Mines and Minerals Development …"
      // and "Foreign Affairs and Security Policy" are one title: "and" after a name, or before a role, ends the phrase.
      const last = run.at(-1) as Token;
      const afterName = isCapitalised(last.word) && !institutional(last.norm) && !ctx.nlp.isCommonWord(last.norm);
      // "The European Union and China": a name of its own after "and" is another phrase.
      const nextStandsAlone = next !== undefined && (isAcronym(next.word) || ctx.nlp.isKnownPlace(next.word));
      if (t.norm === "and" && (afterName || ROLE_WORDS.has(next?.norm ?? "") || !official || nextStandsAlone)) {
        flush();
        return;
      }
      if (official && t.norm !== "the" && (nextCap || (t.norm === "of" && next?.norm === "the"))) {
        run.push(t);
        return;
      }
      if (t.norm === "the" && run.at(-1)?.norm === "of" && nextCap) {
        run.push(t);
        return;
      }
    }
    flush();
  });
  flush();
  return out;
}

/** Splits a run into its title and the name after it; a run without a role word is all name. */
function splitTitle(run: readonly Token[], common: (word: string) => boolean): { title: Token[]; name: Token[] } {
  // The name is the longest tail of capitalised words that are no title or institution word (particles inside).
  let i = run.length;
  while (i > 0) {
    const t = run[i - 1] as Token;
    const inName = NAME_PARTICLES.has(t.norm) && !isCapitalised(t.word) ? i < run.length : isCapitalised(t.word) && !institutional(t.norm) && !(t.norm in DEMONYMS);
    if (!inName) break;
    i--;
  }
  // "Minister for Digital Transformation Haruka Tsujimoto": a portfolio ("for …", "of …") runs on through
  // common English words; a name keeps at least two words.
  if (run.slice(0, i).some((t) => t.norm === "for" || t.norm === "of")) {
    while (run.length - i > 2 && common((run[i] as Token).norm)) i++;
  }
  const title = run.slice(0, i);
  const name = run.slice(i);
  if (name.length === 0 || !title.some((t) => ROLE_WORDS.has(t.norm))) return { title: [], name: [...run] };
  return { title: title.filter((t) => !HONORIFICS.has(t.norm)), name };
}

/** "Timor-Leste's …": the capitalised possessor written before a run, as words. */
function possessorOf(sentence: readonly Token[], text: string, run: readonly Token[]): string[] {
  const at = sentence.indexOf(run[0] as Token);
  const owner = sentence[at - 1];
  if (!owner || !isCapitalised(owner.word) || !/^['’]s[ \t]+$/.test(text.slice(owner.end, run[0]?.start))) return [];
  const words = [owner.norm];
  for (let j = at - 2; j >= 0; j--) {
    const w = sentence[j] as Token;
    if (!isCapitalised(w.word) || !/^[ \t-]$/.test(text.slice(w.end, sentence[j + 1]?.start))) break;
    words.unshift(w.norm);
  }
  return words;
}

const APPOSITIVE = /^,[ \t]+(?:the|a|an)[ \t]+((?:[\p{L}'’-]+[ \t]+){0,5}?)([\p{Ll}-]+)((?:[ \t]+(?:for|of)[ \t]+[\p{L} \t'’-]{3,60}?)?)[ \t]*,/u;
/** "…, the AU's commissioner for infrastructure and energy, …" after a name: its title words, or none. */
function appositiveTitle(after: string): string[] {
  const m = APPOSITIVE.exec(after);
  if (!m || !ROLE_WORDS.has((m[2] ?? "").toLowerCase())) return [];
  const words = `${m[1] ?? ""}${m[2] ?? ""}${m[3] ?? ""}`.trim().split(/[ \t]+/).map((w) => w.replace(/['’]s$/, ""));
  // "the country's finance minister": a possessor that names no one says nothing.
  const named = words.filter((w) => !/^(?:country|nation|government|bloc|union|state|city|region|company|group|party|organisation|organization)$/i.test(w));
  return named.map((w) => normaliseWord(w)).filter(Boolean);
}

/** Name mentions of the sentence at `start`..`end` of `text` (offsets in `text`). */
export function nameMentions(text: string, start: number, end: number, ctx: NameContext, titleCase: boolean): NameMention[] {
  const sentence = tokens(text.slice(start, end), start);
  const out: NameMention[] = [];
  const all = runs(sentence, text, ctx, titleCase);
  // "Senegal's Minister of Foreign Affairs, Aminata Ndiaye-Faye, told …": a title alone, then the name in commas.
  const titleOnly = (run: readonly Token[]) =>
    run.some((t) => ROLE_WORDS.has(t.norm)) && run.every((t) => institutional(t.norm) || t.norm in DEMONYMS || ["of", "for", "and", "the"].includes(t.norm));
  let heldTitle: string[] | null = null;
  for (const [k, run] of all.entries()) {
    const next = all[k + 1];
    if (titleOnly(run) && next && /^,[ \t]+$/.test(text.slice(run.at(-1)?.end, next[0]?.start)) && /^,/.test(text.slice(next.at(-1)?.end).trimStart())) {
      heldTitle = [...possessorOf(sentence, text, run), ...run.map((t) => t.norm)];
      continue;
    }
    // A known first name ("Grace" of "Minister for Trade Grace Ama Boateng") is never a portfolio word.
    const { title, name } = splitTitle(run, (w) => ctx.nlp.isCommonWord(w) && !isKnownFirstName(ctx.nlp, w));
    let titleWords = title.map((t) => t.norm);
    if (heldTitle && title.length === 0) titleWords = heldTitle;
    heldTitle = null;
    // "Kwabena Asante-Mensah, the AU's commissioner for infrastructure and energy, told …": the title after the name.
    if (titleWords.length === 0 && name.length >= 2) titleWords = appositiveTitle(text.slice(name.at(-1)?.end ?? 0, (name.at(-1)?.end ?? 0) + 120));
    const at = sentence.indexOf(run[0] as Token);
    const before = sentence[at - 1];
    // "Chinese leader Xi Jinping", "Chinese Foreign Ministry spokesman Wang Wenbin".
    if (titleWords.length === 0 && before && ROLE_WORDS.has(before.norm) && !isCapitalised(before.word) && /^[ \t]+$/.test(text.slice(before.end, run[0]?.start))) {
      const qualifiers: string[] = [];
      for (let j = at - 2; j >= 0; j--) {
        const q = sentence[j] as Token;
        if (!isCapitalised(q.word) || !/^[ \t]+$/.test(text.slice(q.end, sentence[j + 1]?.start)) || STOPWORDS.has(q.norm)) break;
        qualifiers.unshift(q.norm);
      }
      titleWords = [...qualifiers, before.norm];
    }
    // "Timor-Leste's Foreign Minister Aurélio dos Reis": the possessor qualifies the title.
    if (titleWords.length > 0 && title.length > 0) titleWords = [...possessorOf(sentence, text, run), ...titleWords];
    out.push({
      name: text.slice(name[0]?.start ?? 0, name.at(-1)?.end ?? 0),
      tokens: name,
      title: titleWords.length ? titleWords.join(" ") : null,
      start: name[0]?.start ?? 0,
      end: name.at(-1)?.end ?? 0,
    });
  }
  return out;
}

/** Words of `text` written with a capital inside a sentence (not first, not after a quote or colon). */
export function midSentenceCapitals(text: string, start: number, end: number): string[] {
  const sentence = tokens(text.slice(start, end), start);
  return sentence.filter((t, i) => isCapitalised(t.word) && !isAcronym(t.word) && !startsSentence(sentence, text, i)).map((t) => t.norm);
}

export interface AcronymDefinition {
  readonly full: string;
  readonly acronym: string;
}

/** "European External Action Service (EEAS)": the acronym and what it stands for (its initials must match). */
export function acronymDefinitions(text: string): AcronymDefinition[] {
  const out: AcronymDefinition[] = [];
  for (const m of text.matchAll(/((?:\p{Lu}[\p{L}'’-]*\s+(?:(?:of|for|and|the|on)\s+)*){1,8})\(((?:\p{Lu}\.?){2,8})\)/gu)) {
    const words = (m[1] ?? "").trim().split(/\s+/);
    const acronym = (m[2] ?? "").replace(/\./g, "");
    for (let i = 0; i < words.length; i++) {
      const full = words.slice(i).join(" ");
      if (/^\p{Lu}/u.test(full) && initialsOf(full) === acronym.toLowerCase()) {
        out.push({ full, acronym });
        break;
      }
    }
  }
  return out;
}

/** Initials of a name's capitalised words: "European Union" -> "eu". */
export function initialsOf(name: string): string {
  return name
    .split(/[\s-]+/)
    .filter((w) => /^\p{Lu}/u.test(w))
    .map((w) => w[0]?.toLowerCase() ?? "")
    .join("");
}
