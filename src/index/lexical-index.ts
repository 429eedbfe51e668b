import { createHash } from "node:crypto";
import os from "node:os";
import { termOf, terms, words } from "../text/terms.js";

export interface LexicalHit {
  readonly id: number;
  /** BM25+ score; only comparable within one query. */
  readonly score: number;
}

/** One question scored against every chunk that shares a term with it; readable until the index's next query. */
export interface LexicalQuery {
  /** Chunks that match at least one term (and pass the filter). */
  readonly matched: number;
  /** The best `k` hits, best first; ties in chunk order. */
  top(k: number): LexicalHit[];
  /** The score of chunk `id` (0 when it matches no term or is filtered out). */
  scoreOf(id: number): number;
}

/*
 * Scoring is BM25+ as MiniSearch computes it, to floating-point rounding (k 1.2, b 0.7, d 0.5; a
 * document's length is its number of distinct surface words; a repeated
 * query term counts each time; the sum is multiplied by the number of
 * distinct query terms matched), the scoring the retrieval weights were tuned
 * with; equal scores are ranked in chunk order. test/unit/lexical-index.test.ts
 * checks the scores against MiniSearch.
 * The storage and search are ours: postings in typed arrays, about 6 bytes
 * per (term, chunk) pair, and a bounded heap for the top k. Measured with
 * `npm run bench:lexical` at 120,681 synthetic chunks: MiniSearch took 176 MB
 * and answered a top-50 query in 264 ms p50 / 535 ms p95 (it scores and
 * sorts every match through maps of objects); this index takes 27 MB and
 * 6 ms / 9 ms.
 */
const K1 = 1.2;
const B = 0.7;
const D = 0.5;

const MAGIC = "summit-bm25/1";


/**
 * BM25 full-text index over chunks, analysed with the shared term pipeline,
 * plus the document frequency of every term, which the answer step uses to
 * weigh how much of a question a sentence covers. Built whole from the
 * chunks: ingest rebuilds it with every change (3 s at 120,681 chunks,
 * `npm run bench:lexical`).
 */
export class LexicalIndex {
  /** Chunk id of each document (documents are numbered 0..n-1 internally). */
  readonly #ids: Int32Array;
  readonly #docOf: Map<number, number>;
  /** Per document: K1 * (1 - B + B * length / average length), the BM25 length norm. */
  readonly #norm: Float64Array;
  readonly #lengths: Uint32Array;
  readonly #termIds: Map<string, number>;
  readonly #terms: string[];
  /** Postings of term t are #docs/#freqs[#start[t] .. #start[t + 1]), documents ascending. */
  readonly #start: Uint32Array;
  readonly #docs: Uint32Array;
  readonly #freqs: Uint16Array;
  /**
   * Score buffers of the last query, reused by the next (allocating two arrays of the corpus's size for every
   * question cost time and garbage at 100,000 chunks): each query clears only the documents the previous one
   * touched. A query's results can therefore be read until the next query only (#generation checks it).
   */
  #sums: Float64Array | null = null;
  #matchedTerms: Uint32Array | null = null;
  #touched: number[] = [];
  #generation = 0;

  private constructor(ids: Int32Array, lengths: Uint32Array, termList: string[], start: Uint32Array, docs: Uint32Array, freqs: Uint16Array) {
    this.#ids = ids;
    this.#lengths = lengths;
    this.#terms = termList;
    this.#start = start;
    this.#docs = docs;
    this.#freqs = freqs;
    this.#docOf = new Map();
    ids.forEach((id, doc) => this.#docOf.set(id, doc));
    this.#termIds = new Map(termList.map((t, i) => [t, i]));
    let total = 0;
    for (const l of lengths) total += l;
    const avg = lengths.length ? total / lengths.length : 0;
    this.#norm = new Float64Array(lengths.length);
    for (let d = 0; d < lengths.length; d++) this.#norm[d] = K1 * (1 - B + (B * (lengths[d] ?? 0)) / (avg || 1));
  }

  static build(chunks: readonly { id: number; text: string }[]): LexicalIndex {
    const ids = new Int32Array(chunks.length);
    const lengths = new Uint32Array(chunks.length);
    const postings = new Map<string, number[]>();
    const seen = new Set<number>();
    chunks.forEach((c, doc) => {
      if (!Number.isInteger(c.id) || c.id < 0 || c.id > 0x7fffffff || seen.has(c.id)) throw new Error(`chunk id ${c.id} is not a distinct 31-bit label`);
      seen.add(c.id);
      ids[doc] = c.id;
      const surface = new Set<string>();
      const counts = new Map<string, number>();
      for (const { word } of words(c.text)) {
        // MiniSearch's field length: distinct surface words.
        surface.add(word);
        // termOf remembers each word's term: corpora repeat words.
        const t = termOf(word);
        if (t) counts.set(t, (counts.get(t) ?? 0) + 1);
      }
      lengths[doc] = surface.size;
      for (const [t, n] of counts) {
        let list = postings.get(t);
        if (!list) postings.set(t, (list = []));
        list.push(doc, Math.min(n, 0xffff));
      }
    });
    const termList = [...postings.keys()].sort();
    const start = new Uint32Array(termList.length + 1);
    let total = 0;
    termList.forEach((t, i) => {
      start[i] = total;
      total += (postings.get(t)?.length ?? 0) / 2;
    });
    start[termList.length] = total;
    const docs = new Uint32Array(total);
    const freqs = new Uint16Array(total);
    termList.forEach((t, i) => {
      const list = postings.get(t) ?? [];
      let at = start[i] ?? 0;
      for (let j = 0; j < list.length; j += 2) {
        docs[at] = list[j] ?? 0;
        freqs[at] = list[j + 1] ?? 0;
        at++;
      }
    });
    return new LexicalIndex(ids, lengths, termList, start, docs, freqs);
  }

  /**
   * The index as bytes: a magic line, a JSON header (counts, byte order,
   * terms), the typed arrays (each 4-byte aligned, in this machine's byte
   * order), then the SHA-256 of everything before it.
   */
  serialize(): Buffer {
    const header = Buffer.from(JSON.stringify({ docs: this.#ids.length, postings: this.#docs.length, endianness: os.endianness(), terms: this.#terms }));
    const parts: Buffer[] = [Buffer.from(`${MAGIC}\n`), u32(header.length), header];
    const pad = () => {
      const length = parts.reduce((n, p) => n + p.length, 0);
      if (length % 4) parts.push(Buffer.alloc(4 - (length % 4)));
    };
    for (const array of [this.#ids, this.#lengths, this.#start, this.#docs, this.#freqs]) {
      pad();
      parts.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    }
    const body = Buffer.concat(parts);
    return Buffer.concat([body, createHash("sha256").update(body).digest()]);
  }

  /**
   * Reads bytes written by `serialize`. A damaged file is an error, not wrong
   * answers: the checksum covers every byte, and the structure is checked
   * as well (offsets, order, counts).
   */
  static deserialize(file: Buffer): LexicalIndex {
    const magic = `${MAGIC}\n`;
    if (file.subarray(0, magic.length).toString("latin1") !== magic) throw new Error("lexical index file is not in the expected format");
    if (file.length < magic.length + 32) throw new Error("lexical index file is truncated");
    const bytes = file.subarray(0, file.length - 32);
    if (!createHash("sha256").update(bytes).digest().equals(file.subarray(file.length - 32))) {
      throw new Error("lexical index file is damaged (checksum mismatch) or truncated");
    }
    let at = magic.length;
    const need = (n: number) => {
      if (at + n > bytes.length) throw new Error("lexical index file is truncated");
    };
    need(4);
    const headerLength = bytes.readUInt32LE(at);
    at += 4;
    need(headerLength);
    let header: { docs?: unknown; postings?: unknown; endianness?: unknown; terms?: unknown };
    try {
      header = JSON.parse(bytes.subarray(at, at + headerLength).toString("utf8")) as typeof header;
    } catch {
      throw new Error("lexical index header is malformed");
    }
    at += headerLength;
    const { docs: n, postings: p, terms: termList } = header;
    const count = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 0xffffffff;
    if (!count(n) || !count(p) || !Array.isArray(termList) || !termList.every((t) => typeof t === "string")) {
      throw new Error("lexical index header is malformed");
    }
    if (header.endianness !== os.endianness()) throw new Error(`lexical index was written on a ${String(header.endianness)} machine; this one is ${os.endianness()}`);
    for (let t = 1; t < termList.length; t++) if (!((termList[t - 1] as string) < (termList[t] as string))) throw new Error("lexical index terms are not in order");
    const take = <T>(make: (buffer: ArrayBuffer) => T, count: number, size: number): T => {
      at += (4 - (at % 4)) % 4;
      need(count * size);
      // A copy: the file's buffer may not be aligned for typed arrays.
      const copy = bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + count * size) as ArrayBuffer;
      at += count * size;
      return make(copy);
    };
    const docCount = n as number;
    const postingCount = p as number;
    const ids = take((b) => new Int32Array(b), docCount, 4);
    const lengths = take((b) => new Uint32Array(b), docCount, 4);
    const start = take((b) => new Uint32Array(b), termList.length + 1, 4);
    const docs = take((b) => new Uint32Array(b), postingCount, 4);
    const freqs = take((b) => new Uint16Array(b), postingCount, 2);
    if (at !== bytes.length) throw new Error("lexical index file has trailing bytes");
    if (start[0] !== 0 || start[termList.length] !== postingCount) throw new Error("lexical index postings are inconsistent");
    for (let t = 0; t < termList.length; t++) {
      const from = start[t] ?? 0;
      const to = start[t + 1] ?? 0;
      if (from > to) throw new Error("lexical index postings are inconsistent");
      for (let i = from; i < to; i++) {
        if ((docs[i] ?? 0) >= docCount) throw new Error("lexical index refers to a missing chunk");
        if (i > from && (docs[i] ?? 0) <= (docs[i - 1] ?? 0)) throw new Error("lexical index postings are not in order");
        if (!freqs[i]) throw new Error("lexical index has an empty posting");
      }
    }
    if (new Set(ids).size !== ids.length || ids.some((id) => id < 0)) throw new Error("lexical index chunk ids are not distinct labels");
    return new LexicalIndex(ids, lengths, termList as string[], start, docs, freqs);
  }

  get size(): number {
    return this.#ids.length;
  }

  /** Whether `id` is one of the indexed chunks. */
  has(id: number): boolean {
    return this.#docOf.has(id);
  }

  /** Every index term, in no particular order. */
  vocabulary(): readonly string[] {
    return this.#terms;
  }

  /** Number of chunks containing `term` (an index term from `terms()`). */
  documentFrequency(term: string): number {
    const t = this.#termIds.get(term);
    return t === undefined ? 0 : (this.#start[t + 1] ?? 0) - (this.#start[t] ?? 0);
  }

  /** Inverse document frequency; a term no chunk contains gets the highest value. */
  idf(term: string): number {
    const n = this.size;
    return Math.log(1 + (n + 1) / (this.documentFrequency(term) + 0.5));
  }

  /** Scores every chunk sharing a term with `text`; `filter` limits the chunks (by id). */
  query(text: string, filter?: (id: number) => boolean): LexicalQuery {
    const n = this.size;
    const multiplicity = new Map<number, number>();
    for (const term of terms(text)) {
      const t = this.#termIds.get(term);
      if (t !== undefined) multiplicity.set(t, (multiplicity.get(t) ?? 0) + 1);
    }
    this.#sums ??= new Float64Array(n);
    this.#matchedTerms ??= new Uint32Array(n);
    const sums = this.#sums;
    const matchedTerms = this.#matchedTerms;
    for (const doc of this.#touched) {
      sums[doc] = 0;
      matchedTerms[doc] = 0;
    }
    const touched: number[] = [];
    this.#touched = touched;
    const generation = ++this.#generation;
    const current = () => {
      if (generation !== this.#generation) throw new Error("a lexical query's results were read after the next query (they share its buffers)");
    };
    for (const [t, times] of multiplicity) {
      const from = this.#start[t] ?? 0;
      const to = this.#start[t + 1] ?? 0;
      const df = to - from;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = from; i < to; i++) {
        const doc = this.#docs[i] ?? 0;
        const tf = this.#freqs[i] ?? 0;
        if (matchedTerms[doc] === 0) touched.push(doc);
        matchedTerms[doc] = (matchedTerms[doc] ?? 0) + 1;
        sums[doc] = (sums[doc] ?? 0) + times * idf * (D + (tf * (K1 + 1)) / (tf + (this.#norm[doc] ?? K1)));
      }
    }
    const ids = this.#ids;
    const allowed = filter ? touched.filter((doc) => filter(ids[doc] ?? -1)) : touched;
    const score = (doc: number) => (sums[doc] ?? 0) * (matchedTerms[doc] ?? 0);
    return {
      matched: allowed.length,
      top: (k) => {
        current();
        return topK(allowed, score, k).map((doc) => ({ id: ids[doc] ?? -1, score: score(doc) }));
      },
      scoreOf: (id) => {
        current();
        const doc = this.#docOf.get(id);
        if (doc === undefined || (filter && !filter(id))) return 0;
        return score(doc);
      },
    };
  }

  /** The best `k` chunks for `text`, best first. */
  search(text: string, k: number, filter?: (id: number) => boolean): LexicalHit[] {
    return this.query(text, filter).top(k);
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** The `k` best documents by score (ties: lower document first), best first, without sorting them all. */
function topK(docs: readonly number[], score: (doc: number) => number, wanted: number): number[] {
  const better = (a: number, b: number) => score(a) > score(b) || (score(a) === score(b) && a < b);
  const k = Math.floor(wanted);
  if (!(k > 0)) return [];
  if (docs.length <= k * 4) return [...docs].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).slice(0, k);
  // A min-heap of the best k so far: its root is the worst of them.
  const heap: number[] = [];
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!better(heap[parent] as number, heap[i] as number)) break;
      [heap[parent], heap[i]] = [heap[i] as number, heap[parent] as number];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && better(heap[worst] as number, heap[l] as number)) worst = l;
      if (r < heap.length && better(heap[worst] as number, heap[r] as number)) worst = r;
      if (worst === i) return;
      [heap[worst], heap[i]] = [heap[i] as number, heap[worst] as number];
      i = worst;
    }
  };
  for (const doc of docs) {
    if (heap.length < k) {
      heap.push(doc);
      up(heap.length - 1);
    } else if (better(doc, heap[0] as number)) {
      heap[0] = doc;
      down(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
}
