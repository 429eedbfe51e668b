import { createRequire } from "node:module";
import type { WinkMethods } from "wink-nlp";

/*
 * The NLP models that ship inside npm packages and work offline. wink-nlp's
 * English lexicon tells a common English word from a name or a rare term
 * ("population" from "Rutte"); compromise's lexicon of places tells "Serbia"
 * and "tokyo" from other names. Both are loaded once, lazily (wink's model
 * takes about 150 ms and 57 MB), and only these two questions are asked of
 * them: measured on our articles, wink's sentence splitter and date and number
 * entities did no better than our own (src/text/sentences.ts,
 * src/answer/answer-type.ts) — see the commit that added this file.
 */

export interface Nlp {
  /** Whether `word` (one word, any case) is in the English lexicon: "the", "population", "tariff" but not "Rutte", "Beijing". */
  isCommonWord(word: string): boolean;
  /** Whether `name` names a place compromise knows: countries, capitals, large cities and regions. */
  isKnownPlace(name: string): boolean;
  /** Whether `name` reads as a person's name to compromise (a known first name, an honorific). */
  isKnownPerson(name: string): boolean;
  /** The English word `word` is one letter away from ("finsh" -> "finish"), or null (a name such as "Rutte"). */
  correctSpelling(word: string): string | null;
}

let loading: Promise<Nlp> | null = null;

export function loadNlp(): Promise<Nlp> {
  loading ??= create();
  return loading;
}

async function create(): Promise<Nlp> {
  const [{ default: winkNLP }, { default: model }] = await Promise.all([import("wink-nlp"), import("wink-eng-lite-web-model")]);
  // compromise's single-file CommonJS build (what `require` resolves to) rather than its ESM
  // source, which is 527 modules: the same version and code, loaded in about half the time
  // (`node -e "require('compromise')"` against `await import('compromise')`, run in turn).
  const compromise = createRequire(import.meta.url)("compromise") as typeof import("compromise").default;
  const wink: WinkMethods = winkNLP(model, []);
  const its = wink.its;
  const idOf = (word: string) => wink.readDoc(word).tokens().out(its.uniqueId)[0] as unknown as number;
  // Words outside the lexicon get ids after its last entry, in the order they are first seen;
  // the first such id, read before any other text, is the size of the lexicon.
  const lexiconSize = idOf("qzqxjvkw");
  const common = new Map<string, boolean>();
  const places = new Map<string, boolean>();
  const people = new Map<string, boolean>();
  const memo = (cache: Map<string, boolean>, key: string, compute: () => boolean) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = compute();
      if (cache.size > 100_000) cache.clear();
      cache.set(key, v);
    }
    return v;
  };
  // Symmetric-delete index of compromise's lexicon: each word and its one-letter deletions, to the
  // words they come from (built on first use); a shared key is then checked to be one edit apart.
  let nearby: Map<string, string[]> | null = null;
  const deletions = (w: string) => Array.from({ length: w.length }, (_, i) => w.slice(0, i) + w.slice(i + 1));
  const near = (w: string): string | null => {
    if (!nearby) {
      const index = new Map<string, string[]>();
      const model = compromise.model() as { one?: { lexicon?: Record<string, unknown> } };
      for (const [word, tag] of Object.entries(model.one?.lexicon ?? {})) {
        // Names are in the lexicon too ("schulz"): "Scholz" is not their misspelling.
        if (!/^[a-z]{4,}$/.test(word) || /Name|Person|Place|Country|City|Region|Organization|Demonym|Honorific|ProperNoun|Possessive/.test(String(tag))) continue;
        for (const key of [word, ...deletions(word)]) index.set(key, [...(index.get(key) ?? []), word]);
      }
      nearby = index;
    }
    const index = nearby;
    for (const key of [w, ...deletions(w)]) for (const word of index.get(key) ?? []) if (oneEditApart(w, word)) return word;
    return null;
  };
  const spelled = new Map<string, string | null>();
  return {
    correctSpelling: (word) => {
      const w = word.toLowerCase();
      let v = spelled.get(w);
      if (v === undefined) {
        // Four letters or fewer are as likely a name ("Olaf", "Merz") as a slip ("lern").
        v = /^[a-z]{5,}$/.test(w) ? near(w) : null;
        if (spelled.size > 100_000) spelled.clear();
        spelled.set(w, v);
      }
      return v;
    },
    isCommonWord: (word) => {
      const w = word.toLowerCase();
      return memo(common, w, () => /^[a-z][a-z'-]*$/.test(w) && idOf(w) < lexiconSize);
    },
    // The whole name must be the place: "One-China Policy" holds "China" but is not a place.
    isKnownPlace: (name) =>
      memo(places, name, () => {
        const norm = (x: string) => x.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
        return (compromise(name).places().out("array") as string[]).some((p) => norm(p) === norm(name));
      }),
    isKnownPerson: (name) => memo(people, name, () => compromise(name).people().length > 0),
  };
}

/** Damerau-Levenshtein distance of exactly one (one insertion, deletion, substitution or swap of neighbours). */
/** Whether a lower-case word is a first name compromise knows ("lucia", "grace"), even where it is also a word. */
export function isKnownFirstName(nlp: Nlp, word: string): boolean {
  return word.length > 0 && nlp.isKnownPerson(word.charAt(0).toUpperCase() + word.slice(1));
}

export function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
