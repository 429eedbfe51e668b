import { CAPITALS, DEMONYMS, REGION_BLOCS, NAME_PARTICLES, ORGANISATION_WORDS, PLACE_WORDS, ROLE_WORDS, TITLE_WORDS } from "./lexicon.js";
import { initialsOf, isAcronym, tokens, type AcronymDefinition, type NameMention, type Token } from "./names.js";
import { isKnownFirstName, type Nlp } from "./nlp.js";

/*
 * The people, organisations and places of the corpus, each with the names it
 * goes by, worked out from the articles themselves so that it works for
 * articles users add: full names and the parts of them used alone ("Xi" for
 * "Xi Jinping", "von der Leyen"), titles written before a name ("the Chinese
 * president", "Commission President"), acronyms defined in brackets or
 * matching initials ("EEAS", "EU"), demonyms ("Chinese" for China); plus the
 * people and places of the metadata and a curated alias file.
 */

export type EntityKind = "person" | "organisation" | "place" | "other";

export interface Entity {
  readonly id: number;
  readonly name: string;
  readonly kind: EntityKind;
  /** Normalised forms (lower case, accents removed, words joined by one space) the entity is found by. */
  readonly aliases: readonly string[];
}

export interface Gazetteer {
  readonly entities: readonly Entity[];
  /** A capital and its country, both named in the articles ("Beijing said" speaks for China): each id to the other. */
  readonly related: ReadonlyMap<number, readonly number[]>;
  /** A capital's id to its country's id. */
  readonly countryOf: ReadonlyMap<number, number>;
  /** Entities known by a normalised alias (several when it is ambiguous, as "wang" for two Wangs). */
  readonly byAlias: ReadonlyMap<string, readonly number[]>;
  /** Longest alias, in words. */
  readonly maxAliasWords: number;
  /** The lengths, in words, of the aliases that start with a word (the matcher tries only these). */
  readonly lengthsByFirstWord: ReadonlyMap<string, readonly number[]>;
}

/** What the gazetteer is built from. */
export interface GazetteerInput {
  /** Every name mention of the articles' body text and headlines, with its article. */
  readonly mentions: readonly { readonly source: string; readonly mention: NameMention }[];
  readonly acronyms: readonly AcronymDefinition[];
  /** Names that speak in the articles ("X said"), which makes a two-word name a person. */
  readonly speakerNames: ReadonlySet<string>;
  /** People and places named by the metadata (and people and bodies credited for photos). */
  readonly people: readonly string[];
  readonly places: readonly string[];
  readonly organisations?: readonly string[];
  /** Curated aliases: canonical name -> other names (alias file). */
  readonly aliases: Readonly<Record<string, readonly string[]>>;
}

/** Normalised form of a name: "Ursula von der Leyen" -> "ursula von der leyen", "U.S." -> "us". */
export function normName(name: string): string {
  return tokens(name)
    .map((t) => t.norm)
    .filter(Boolean)
    .join(" ");
}

/** Alias forms a title gives its holder: "president of the european commission" -> also "european commission president", "commission president". */
export function titleAliases(title: string): string[] {
  const words = title.split(" ").filter((w) => w !== "the");
  const out = new Set<string>();
  const add = (ws: readonly string[]) => {
    // One role word alone ("president") names too many people to be an alias; a connector does not start one.
    if (ws.length >= 2 && !["and", "of", "for", "the"].includes(ws[0] ?? "")) out.add(ws.join(" "));
  };
  add(words);
  const of = words.indexOf("of");
  if (of > 0) {
    // "president of the european commission" <-> "european commission president"
    const role = words.slice(0, of);
    const org = words.slice(of + 1);
    const swapped = [...org, ...role];
    add(swapped);
    for (let i = 1; i < org.length; i++) add([...org.slice(i), ...role]);
  }
  // Tails that end in a role word: "european commission president" -> "commission president";
  // "chinese foreign ministry spokesman" -> "foreign ministry spokesman", "ministry spokesman".
  const lastRole = words.findLastIndex((w) => ROLE_WORDS.has(w));
  if (lastRole > 0 && of === -1) {
    const upToRole = words.slice(0, lastRole + 1);
    for (let i = 1; i < upToRole.length - 1; i++) add(upToRole.slice(i));
    // "european union high representative for foreign affairs" -> "high representative"
    const firstTitle = upToRole.findIndex((w) => TITLE_WORDS.has(w));
    if (firstTitle > 0) add(upToRole.slice(firstTitle));
  }
  // "high representative for foreign affairs and security policy" -> "high representative"
  const forAt = words.indexOf("for");
  if (forAt > 1) {
    const head = words.slice(0, forAt);
    const firstTitle = head.findIndex((w) => TITLE_WORDS.has(w));
    if (firstTitle >= 0) add(head.slice(firstTitle));
    add(head);
  }
  return [...out];
}

const COUNTRY_DEMONYM = new Map(Object.entries(DEMONYMS).map(([d, c]) => [c, d]));
/**
 * A title qualified by a country in one form, in the other: "uruguayan foreign minister" is also
 * "uruguay foreign minister" (how "Uruguay's foreign minister" reads), and the other way round.
 */
export function countryForms(title: string): string[] {
  const words = title.split(" ");
  for (const n of [2, 1]) {
    const head = words.slice(0, n).join(" ");
    if (words.length <= n) continue;
    const rest = words.slice(n).join(" ");
    const country = Object.hasOwn(DEMONYMS, head) ? DEMONYMS[head] : undefined;
    if (country && country !== head) return [`${country} ${rest}`];
    const demonym = COUNTRY_DEMONYM.get(head);
    if (demonym && demonym !== head) return [`${demonym} ${rest}`];
  }
  return [];
}

const isParticle = (w: string) => NAME_PARTICLES.has(w);

/**
 * Forms of a person's name used alone: the first word ("xi"), the surname with
 * its particles ("von der leyen"), the last word. A role without a name ("U.S.
 * Secretary of State") has none.
 */
function nameParts(full: string): string[] {
  const words = full.split(" ");
  if (words.length < 2 || words.some((w) => TITLE_WORDS.has(w) || ORGANISATION_WORDS.has(w))) return [];
  const out = new Set<string>();
  const firstParticle = words.findIndex((w, i) => i > 0 && isParticle(w));
  if (firstParticle > 0) out.add(words.slice(firstParticle).join(" "));
  // Any one word of it: "Xi" (family name first), "Kallas", "Betancor" of "Lucía Betancor Ríos".
  for (const w of words) out.add(w);
  if (words.length >= 3 && firstParticle === -1) out.add(words.slice(1).join(" "));
  return [...out].filter((p) => p !== full && !isParticle(p));
}

function kindOf(name: string, norm: string, nlp: Nlp): EntityKind {
  const words = norm.split(" ");
  const last = words.at(-1) ?? "";
  if (nlp.isKnownPlace(name) || PLACE_WORDS.has(last)) return "place";
  if (words.some((w) => ORGANISATION_WORDS.has(w)) || (words.length === 1 && isAcronym(name))) return "organisation";
  if (words.some((w) => ROLE_WORDS.has(w))) return "person";
  return "other";
}

/** The initials of a capitalised name, a dotted abbreviation counting all its letters ("U.N. Security Council" -> "unsc"). */
function lettersOfInitials(name: string): string {
  return name
    .split(/[\s-]+/)
    .filter((w) => /^\p{Lu}/u.test(w))
    .map((w) => (/^(?:\p{Lu}\.)+$/u.test(w) ? w.replace(/\./g, "") : (w[0] ?? "")).toLowerCase())
    .join("");
}

export function buildGazetteer(input: GazetteerInput, nlp: Nlp): Gazetteer {
  interface Draft {
    name: string;
    norm: string;
    kind: EntityKind;
    aliases: Set<string>;
  }
  const drafts = new Map<string, Draft>();
  // Words in front of a name that are all common English words ("international partnerships") end a title; a first name does not.
  // A first name compromise knows ("Lucía" of "Uruguayan Foreign Minister Lucía Ferreyra Olmos") is a name, even where it is also a word.
  const firstName = (w: string) => !TITLE_WORDS.has(w) && !ORGANISATION_WORDS.has(w) && isKnownFirstName(nlp, w);
  const titleLike = (prefix: string) => {
    const words = prefix.trim().split(" ");
    return words.every((w) => nlp.isCommonWord(w) || TITLE_WORDS.has(w) || ORGANISATION_WORDS.has(w)) && !firstName(words.at(-1) ?? "");
  };
  const draft = (name: string, kind: EntityKind): Draft => {
    const norm = normName(name);
    let d = drafts.get(norm);
    if (!d) {
      d = { name, norm, kind, aliases: new Set([norm]) };
      drafts.set(norm, d);
    } else if (d.kind === "other" && kind !== "other") d.kind = kind;
    return d;
  };

  // 1. People: names written after a title, named by the metadata, or speaking with a full name.
  const titled = input.mentions.filter((m) => m.mention.title !== null);
  for (const p of input.people) draft(p, "person");
  for (const o of input.organisations ?? []) draft(o, "organisation");
  for (const { mention } of titled) if (mention.tokens.length >= 1) draft(mention.name, "person");
  // "Ravi Menon" met someone, "Menon said" later: a name whose last word speaks alone speaks too.
  const speakingSurnames = new Set([...input.speakerNames].filter((n) => !n.includes(" ")));
  for (const { mention } of input.mentions) {
    const norm = normName(mention.name);
    const speaks = input.speakerNames.has(norm) || speakingSurnames.has(norm.split(" ").at(-1) ?? "");
    if (speaks && mention.tokens.length >= 2 && !mention.tokens.some((t) => ORGANISATION_WORDS.has(t.norm)) && !nlp.isKnownPlace(mention.name)) {
      draft(mention.name, "person");
    }
  }
  // A "person" that is part of a longer person's name is that person ("Li" of "Li Qiang", "Von der Leyen");
  // one whose name ends with another person's full name carries the end of a title in front of it
  // ("International Partnerships Annelies van der Wal" of "Commissioner for International Partnerships").
  const people = () => [...drafts.values()].filter((d) => d.kind === "person");
  for (const d of people()) {
    const longer = people().filter((o) => o !== d && nameParts(o.norm).includes(d.norm));
    const shorter = people().filter((o) => o !== d && o.norm.includes(" ") && d.norm.endsWith(` ${o.norm}`) && titleLike(d.norm.slice(0, -o.norm.length)));
    if (longer.length > 0 || shorter.length > 0) drafts.delete(d.norm);
  }
  const partOwners = new Map<string, Draft[]>();
  for (const d of people()) for (const part of nameParts(d.norm)) partOwners.set(part, [...(partOwners.get(part) ?? []), d]);

  /** The person a longer mention stands for: "minerals development chanda mwale phiri" is Chanda Mwale Phiri. */
  const endsWithPerson = (norm: string) => people().find((p) => p.norm.includes(" ") && norm.endsWith(` ${p.norm}`) && titleLike(norm.slice(0, -p.norm.length)));
  // 2. Every other name: an alias of a person when it is part of exactly that person's name, else an entity of its own.
  for (const { mention } of input.mentions) {
    const norm = normName(mention.name);
    if (!norm || norm.length < 2 || drafts.has(norm) || endsWithPerson(norm)) continue;
    const owners = partOwners.get(norm);
    if (owners && owners.length > 0) continue; // resolved through the aliases below
    draft(mention.name, kindOf(mention.name, norm, nlp));
  }
  for (const place of input.places) {
    for (const part of place.split(",").map((s) => s.trim()).filter(Boolean)) draft(part, "place");
  }

  // 3. Aliases: parts of people's names, titles, acronyms, initials, demonyms, the curated file.
  for (const d of people()) for (const part of nameParts(d.norm)) d.aliases.add(part);
  const titleHolders = new Map<string, Set<Draft>>();
  for (const { mention } of titled) {
    const norm = normName(mention.name);
    const holder = drafts.get(norm) ?? partOwners.get(norm)?.[0] ?? endsWithPerson(norm);
    if (!holder || !mention.title) continue;
    // Words between the title and the name belong to the title ("… for" + "international partnerships").
    const between = norm !== holder.norm && norm.endsWith(` ${holder.norm}`) ? norm.slice(0, -holder.norm.length).trim() : "";
    const title = between ? `${mention.title} ${between}` : mention.title;
    for (const alias of titleAliases(title)) titleHolders.set(alias, (titleHolders.get(alias) ?? new Set()).add(holder));
  }
  for (const [alias, holders] of titleHolders) for (const h of holders) for (const a of [alias, ...countryForms(alias)]) h.aliases.add(a);
  for (const { full, acronym } of input.acronyms) {
    const d = drafts.get(normName(full)) ?? draft(full, "organisation");
    d.aliases.add(normName(acronym));
    drafts.delete(normName(acronym));
  }
  // "EU" and "European Union" are one entity when no other name of the corpus has those initials.
  const acronyms = [...drafts.values()].filter((d) => !d.norm.includes(" ") && isAcronym(d.name));
  for (const a of acronyms) {
    const fulls = [...drafts.values()].filter((d) => d !== a && d.norm.includes(" ") && initialsOf(d.name) === a.norm);
    if (fulls.length !== 1) continue;
    const full = fulls[0] as Draft;
    for (const alias of a.aliases) full.aliases.add(alias);
    if (full.kind === "other") full.kind = a.kind;
    drafts.delete(a.norm);
  }
  // An organisation's initials find it ("UNSC" for "U.N. Security Council", "EEAS" for "European External
  // Action Service"), also when the articles never write them: only when no other name of the corpus has
  // the same initials and they are not an English word.
  const byInitials = new Map<string, Draft[]>();
  for (const d of drafts.values()) {
    if (d.kind === "person" || d.kind === "place" || !d.norm.includes(" ")) continue;
    const initials = lettersOfInitials(d.name);
    if (initials.length >= 2 && initials.length <= 6) byInitials.set(initials, [...(byInitials.get(initials) ?? []), d]);
  }
  // Every alias in use, gathered once (a scan of all drafts per candidate would be quadratic at ingest).
  const taken = new Set([...drafts.values()].flatMap((d) => [...d.aliases]));
  for (const [initials, holders] of byInitials) {
    const [only] = holders;
    if (holders.length !== 1 || !only || taken.has(initials) || nlp.isCommonWord(initials)) continue;
    only.aliases.add(initials);
  }
  for (const [demonym, place] of Object.entries(DEMONYMS)) drafts.get(place)?.aliases.add(demonym);
  // A region the articles never name alone stands for its bloc ("Europe's AI law" for the European Union's).
  for (const [region, bloc] of Object.entries(REGION_BLOCS)) {
    const b = drafts.get(bloc) ?? [...drafts.values()].find((d) => d.kind !== "person" && d.aliases.has(bloc));
    if (b && !drafts.has(region)) b.aliases.add(region);
  }
  // A capital the articles never name stands for its country ("Washington" for the United States).
  for (const [capital, country] of Object.entries(CAPITALS)) {
    const c = drafts.get(country) ?? [...drafts.values()].find((d) => d.kind === "place" && d.aliases.has(country));
    if (c && !drafts.has(capital)) c.aliases.add(capital);
  }
  for (const [canonical, others] of Object.entries(input.aliases)) {
    const norm = normName(canonical);
    const d = drafts.get(norm) ?? [...drafts.values()].find((x) => x.aliases.has(norm)) ?? draft(canonical, kindOf(canonical, norm, nlp));
    for (const o of others) d.aliases.add(normName(o));
  }

  const entities: Entity[] = [...drafts.values()]
    .sort((a, b) => a.norm.localeCompare(b.norm))
    .map((d, id) => ({ id, name: d.name, kind: d.kind, aliases: [...d.aliases].filter(Boolean).sort() }));
  return indexEntities(entities);
}

/** The lookup structures of a list of entities (also used when a gazetteer is read back from disk). */
export function indexEntities(entities: readonly Entity[]): Gazetteer {
  const byAlias = new Map<string, number[]>();
  const related = new Map<number, number[]>();
  const lengths = new Map<string, Set<number>>();
  const countryOf = new Map<number, number>();
  let maxAliasWords = 1;
  for (const e of entities) {
    for (const a of e.aliases) {
      const ids = byAlias.get(a) ?? [];
      if (!ids.includes(e.id)) ids.push(e.id);
      byAlias.set(a, ids);
      const words = a.split(" ");
      maxAliasWords = Math.max(maxAliasWords, words.length);
      const first = words[0] ?? "";
      lengths.set(first, (lengths.get(first) ?? new Set()).add(words.length));
    }
  }
  const lengthsByFirstWord = new Map([...lengths].map(([w, ls]) => [w, [...ls].sort((a, b) => b - a)]));
  /** The one place named `part` and the one body or place named `whole`, related both ways; the pair, or null. */
  const relate = (part: string, whole: string): [number, number] | null => {
    const a = (byAlias.get(part) ?? []).filter((id) => entities[id]?.kind === "place");
    const b = (byAlias.get(whole) ?? []).filter((id) => entities[id]?.kind === "place" || entities[id]?.kind === "organisation");
    if (a.length !== 1 || b.length !== 1 || a[0] === b[0]) return null;
    const [x, y] = [a[0] as number, b[0] as number];
    related.set(x, [...(related.get(x) ?? []), y]);
    related.set(y, [...(related.get(y) ?? []), x]);
    return [x, y];
  };
  // "Europe" and the European Union, when the articles name both.
  for (const [region, bloc] of Object.entries(REGION_BLOCS)) relate(region, bloc);
  for (const [capital, country] of Object.entries(CAPITALS)) {
    const pair = relate(capital, country);
    if (pair) countryOf.set(pair[0], pair[1]);
  }
  return { entities, byAlias, maxAliasWords, lengthsByFirstWord, related, countryOf };
}

/**
 * Places and bodies a longer name starts with: "Taiwan Strait" is also about Taiwan, "Chinese
 * Foreign Ministry" about China, "Andean Community commissioner" about the Andean Community.
 * Added as matches of the same span.
 */
export function withContainedPlaces(g: Gazetteer, matches: readonly EntityMatch[]): EntityMatch[] {
  const out: EntityMatch[] = [];
  for (const m of matches) {
    out.push(m);
    const words = m.alias.split(" ");
    for (let n = words.length - 1; n >= 1; n--) {
      const ids = (g.byAlias.get(words.slice(0, n).join(" ")) ?? []).filter((id) => (g.entities[id]?.kind === "place" || g.entities[id]?.kind === "organisation") && !m.ids.includes(id));
      if (ids.length) {
        out.push({ ids, start: m.start, end: m.end, alias: words.slice(0, n).join(" ") });
        break;
      }
    }
  }
  return out;
}

export interface EntityMatch {
  readonly ids: readonly number[];
  readonly start: number;
  readonly end: number;
  /** The alias matched, normalised. */
  readonly alias: string;
}

/**
 * Entity mentions in `text`, longest alias first, left to right. With
 * `caseSensitive`, a one-word alias that is also a common word must be
 * capitalised to count ("Costa" the person, not "costa").
 */
export function findEntities(g: Gazetteer, text: string, nlp: Nlp, options: { offset?: number; caseSensitive?: boolean; tokens?: readonly Token[] } = {}): EntityMatch[] {
  const ws = options.tokens ?? tokens(text, options.offset ?? 0);
  const out: EntityMatch[] = [];
  for (let i = 0; i < ws.length; ) {
    let matched = 0;
    for (const n of g.lengthsByFirstWord.get(ws[i]?.norm ?? "") ?? []) {
      if (i + n > ws.length) continue;
      const span = ws.slice(i, i + n);
      const alias = span.map((t) => t.norm).join(" ");
      const ids = g.byAlias.get(alias);
      if (!ids) continue;
      const first = span[0]?.word ?? "";
      if (options.caseSensitive && n === 1 && !/^\p{Lu}/u.test(first) && (nlp.isCommonWord(alias) || alias.length <= 2)) continue;
      out.push({ ids, start: span[0]?.start ?? 0, end: span.at(-1)?.end ?? 0, alias });
      matched = n;
      break;
    }
    i += Math.max(1, matched);
  }
  return out;
}

