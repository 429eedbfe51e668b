import { createHash } from "node:crypto";
import { stemmer } from "stemmer";

/*
 * One analyser for everything lexical: the BM25 index, the sentence scorer
 * and the evidence check all see the same terms, so a word that matches in
 * one matches in all.
 */

// Function words and the vocabulary of asking ("what did X say about"), which
// carry no evidence about which passage answers.
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a about above again against all also am an and any are as at be because been being below between both but by " +
    "can could did do does doing down each few for from further had has have having he her here hers herself him himself " +
    "his how i if in into is it its itself just me more most my myself no nor not of off on once only or other our ours " +
    "ourselves out over own same she should so some such than that the their theirs them themselves then there these they this " +
    "those through to too under up very was we were what when where which while who whom why will with would you your " +
    "yours yourself yourselves s t don now tell told say said says saying according article articles anything something " +
    "there's what's who's it's let's please thing things get got give " +
    // Negated auxiliaries as normaliseWord leaves them ("didn't" -> "didnt"); negation is read from the question itself.
    "didnt doesnt dont isnt wasnt werent arent havent hasnt hadnt wont cant couldnt wouldnt shouldnt"
  ).split(" "),
);

/**
 * Identifies this analyser in the index manifest: changing the stopwords, the
 * word pattern or the stemming rules changes what the lexical index holds, so
 * the index must be rebuilt (bump the version for rule changes).
 */
export const ANALYZER_ID = `en-porter-v3:${createHash("sha256")
  .update([...STOPWORDS].sort().join(" "))
  .digest("hex")
  .slice(0, 12)}`;

// Dotted abbreviations ("U.N.", "U.S.") are one word, as their undotted forms are.
const WORD = /(?:\p{L}\.){2,}|[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

/**
 * `compute` (which never returns undefined) remembered per word: words repeat, so reading text is mostly looking
 * them up. Bounded: past 200,000 distinct words (a large corpus read at ingest) it starts over rather than growing.
 */
function perWord<T extends string | null>(compute: (word: string) => T): (word: string) => T {
  const known = new Map<string, T>();
  return (word) => {
    const remembered = known.get(word);
    if (remembered !== undefined) return remembered;
    const value = compute(word);
    if (known.size >= 200_000) known.clear();
    known.set(word, value);
    return value;
  };
}

/** Lower-cases, strips accents and possessives: "Élysée's" -> "elysee". Normalising (NFKD above all) is the costliest step of reading text. */
export const normaliseWord: (word: string) => string = perWord((word) =>
  word
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    // Possessives and contractions: "Xi's", "he'd", "they'll", "we've", "they're", "I'm".
    .replace(/['’](?:s|d|ll|ve|re|m)$/u, "")
    .replace(/['’.]/gu, ""),
);

/** Surface words of `text` with their offsets, before stemming. */
export function words(text: string): { word: string; start: number; end: number }[] {
  const out: { word: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(WORD)) out.push({ word: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

// Irregular verb forms the stemmer cannot relate to their lemma ("met" is "meet", "held" is "hold").
const IRREGULAR: Readonly<Record<string, string>> = {
  met: "meet",
  held: "hold",
  left: "leave",
  went: "go",
  gone: "go",
  took: "take",
  taken: "take",
  gave: "give",
  given: "give",
  made: "make",
  brought: "bring",
  began: "begin",
  begun: "begin",
  sought: "seek",
  thought: "think",
  bought: "buy",
  sold: "sell",
  paid: "pay",
  led: "lead",
  fell: "fall",
  fallen: "fall",
  rose: "rise",
  risen: "rise",
  grew: "grow",
  grown: "grow",
  spoke: "speak",
  spoken: "speak",
  wrote: "write",
  written: "write",
  chose: "choose",
  chosen: "choose",
  won: "win",
  lost: "lose",
  struck: "strike",
  withdrew: "withdraw",
  withdrawn: "withdraw",
  flew: "fly",
  flown: "fly",
  drew: "draw",
  drawn: "draw",
  broke: "break",
  broken: "break",
  kept: "keep",
  sent: "send",
  spent: "spend",
  built: "build",
  meant: "mean",
  felt: "feel",
  stood: "stand",
  understood: "understand",
  saw: "see",
  seen: "see",
  knew: "know",
  known: "know",
  ran: "run",
  came: "come",
  became: "become",
  hit: "hit",
  set: "set",
  put: "put",
  cut: "cut",
  quit: "quit",
};

/**
 * A word's index term, or null for stopwords. Remembered per word: stemming costs more than reading the word
 * (analysing an article's sentences at answer time went from 2.9 to 0.9 ms per article).
 */
export const termOf: (word: string) => string | null = perWord(computeTerm);

function computeTerm(word: string): string | null {
  const normal = normaliseWord(word);
  // Own keys only: "constructor" is a word, not Object's constructor.
  const w = Object.hasOwn(IRREGULAR, normal) ? (IRREGULAR[normal] ?? normal) : normal;
  if (w.length === 0 || STOPWORDS.has(w)) return null;
  // Porter mangles numbers and very short tokens ("eu", "us"); keep those whole.
  if (w.length <= 3 || /\d/.test(w)) return w;
  return stemmer(w);
}

/** Index terms of `text`, in order, with repeats. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) {
    const t = termOf(m[0]);
    if (t) out.push(t);
  }
  return out;
}

export function uniqueTerms(text: string): string[] {
  return [...new Set(terms(text))];
}
