import MiniSearch, { type AsPlainObject } from "minisearch";
import { termOf, uniqueTerms, words } from "../text/terms.js";

export interface LexicalHit {
  readonly id: number;
  /** BM25+ score (MiniSearch); only comparable within one query. */
  readonly score: number;
}

interface Doc {
  id: number;
  text: string;
}

const OPTIONS = {
  idField: "id",
  fields: ["text"],
  tokenize: (text: string) => words(text).map((w) => w.word),
  processTerm: (term: string) => termOf(term) ?? null,
  searchOptions: { combineWith: "OR" as const, prefix: false, fuzzy: false },
};

/**
 * BM25 full-text index over chunks (MiniSearch), analysed with the shared
 * term pipeline, plus the document frequency of every term, which the answer
 * step uses to weigh how much of a question a sentence covers.
 */
export class LexicalIndex {
  readonly #search: MiniSearch<Doc>;
  readonly #df: Map<string, number>;

  private constructor(search: MiniSearch<Doc>, df: Map<string, number>) {
    this.#search = search;
    this.#df = df;
  }

  static build(chunks: readonly { id: number; text: string }[]): LexicalIndex {
    const search = new MiniSearch<Doc>(OPTIONS);
    search.addAll(chunks.map((c) => ({ id: c.id, text: c.text })));
    const df = new Map<string, number>();
    for (const c of chunks) for (const t of uniqueTerms(c.text)) df.set(t, (df.get(t) ?? 0) + 1);
    return new LexicalIndex(search, df);
  }

  static fromJSON(json: string): LexicalIndex {
    const data = JSON.parse(json) as { search: AsPlainObject; df: [string, number][] };
    if (!data || typeof data !== "object" || !Array.isArray(data.df)) throw new Error("lexical index file is malformed");
    return new LexicalIndex(MiniSearch.loadJS<Doc>(data.search, OPTIONS), new Map(data.df));
  }

  toJSON(): string {
    return JSON.stringify({ search: this.#search.toJSON(), df: [...this.#df] });
  }

  get size(): number {
    return this.#search.documentCount;
  }

  /** Number of chunks containing `term` (an index term from `terms()`). */
  documentFrequency(term: string): number {
    return this.#df.get(term) ?? 0;
  }

  /** Inverse document frequency; a term no chunk contains gets the highest value. */
  idf(term: string): number {
    const n = this.size;
    return Math.log(1 + (n + 1) / (this.documentFrequency(term) + 0.5));
  }

  search(query: string, k: number, filter?: (id: number) => boolean): LexicalHit[] {
    return this.#search
      .search(query, filter ? { filter: (r) => filter(r.id as number) } : {})
      .slice(0, k)
      .map((r) => ({ id: r.id as number, score: r.score }));
  }
}
