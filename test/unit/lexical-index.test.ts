import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import MiniSearch from "minisearch";
import { describe, expect, it } from "vitest";
import { chunkArticle } from "../../src/ingest/chunk.js";
import { LexicalIndex } from "../../src/index/lexical-index.js";
import { parseQaFile } from "../../src/eval/qa-file.js";
import { termOf, words } from "../../src/text/terms.js";

/*
 * The BM25 index must score exactly as MiniSearch did (the retrieval weights
 * were tuned on those scores), so MiniSearch, configured as the product used
 * it, is the oracle here.
 */

const REPO = path.resolve(import.meta.dirname, "../..");
const seeds = readdirSync(path.join(REPO, "seeds")).filter((f) => f.endsWith(".txt"));
// Ids with gaps, as labels have after deletions.
const chunks = (
  await Promise.all(seeds.map((source) => chunkArticle(readFileSync(path.join(REPO, "seeds", source), "utf8"), { size: 500, overlap: 100 })))
)
  .flat()
  .map((c, i) => ({ id: i * 3 + 7, text: c.text }));
const questions = [
  ...parseQaFile(readFileSync(path.join(REPO, "test/eval/dev-qa.jsonl"), "utf8")),
  ...parseQaFile(readFileSync(path.join(REPO, "test/eval/holdout-qa.jsonl"), "utf8")),
].map((q) => q.question);

function oracle(docs: { id: number; text: string }[]): MiniSearch<{ id: number; text: string }> {
  const mini = new MiniSearch<{ id: number; text: string }>({
    idField: "id",
    fields: ["text"],
    tokenize: (text) => words(text).map((w) => w.word),
    processTerm: (term) => termOf(term) ?? null,
    searchOptions: { combineWith: "OR", prefix: false, fuzzy: false },
  });
  mini.addAll(docs);
  return mini;
}

describe("LexicalIndex", () => {
  it("has chunks to test on", () => {
    expect(chunks.length).toBeGreaterThan(30);
    expect(questions.length).toBeGreaterThan(80);
  });

  it("scores every chunk for every dev and holdout question as MiniSearch does", () => {
    // Plus an empty chunk and one of stopwords only: they count in the average length.
    const docs = [{ id: 1, text: "" }, { id: 4, text: "the and of" }, ...chunks];
    const index = LexicalIndex.build(docs);
    const mini = oracle(docs);
    for (const q of [...questions, "EU EU EU China", "dual-use goods dual-use"]) {
      const expected = mini.search(q);
      const query = index.query(q);
      expect(query.matched, q).toBe(expected.length);
      for (const r of expected) expect(query.scoreOf(r.id as number), q).toBeCloseTo(r.score, 9);
      const top = query.top(10);
      expect(top.map((h) => h.score)).toEqual([...top.map((h) => h.score)].sort((a, b) => b - a));
      expect(top[0]?.score ?? 0, q).toBeCloseTo(expected[0]?.score ?? 0, 9);
    }
  });

  it("returns the same top k as sorting every score, for any k and any filter", () => {
    const index = LexicalIndex.build(chunks);
    fc.assert(
      fc.property(fc.constantFrom(...questions), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 4 }), (q, k, mod) => {
        const filter = (id: number) => ((id - 7) / 3) % mod === 0;
        // A query's results are read before the next query (they share the index's score buffers).
        const unfilteredQuery = index.query(q);
        const unfiltered = new Map(chunks.map((c) => [c.id, unfilteredQuery.scoreOf(c.id)]));
        const query = index.query(q, filter);
        const all = chunks
          .filter((c) => filter(c.id))
          .map((c) => ({ id: c.id, score: query.scoreOf(c.id) }))
          .filter((h) => h.score > 0)
          .sort((a, b) => b.score - a.score || a.id - b.id);
        expect(query.matched).toBe(all.length);
        expect(query.top(k)).toEqual(all.slice(0, k));
        // Filtering removes chunks; it does not change the others' scores.
        for (const c of chunks) expect(query.scoreOf(c.id)).toBe(filter(c.id) ? unfiltered.get(c.id) : 0);
      }),
      { numRuns: 200 },
    );
  });

  it("reuses its score buffers: a query scores as on a fresh index after others, and an earlier query's results cannot be read", () => {
    const index = LexicalIndex.build(chunks);
    const [first = "", second = ""] = questions;
    const fresh = LexicalIndex.build(chunks).query(first).top(20);
    const earlier = index.query(second);
    expect(index.query(first).top(20)).toEqual(fresh);
    expect(() => earlier.top(5)).toThrow(/after the next query/);
    expect(() => earlier.scoreOf(1)).toThrow(/after the next query/);
  });

  it("ranks equal scores in chunk order, whether it sorts or keeps a heap", () => {
    const copies = Array.from({ length: 50 }, (_, i) => ({ id: 1000 - i, text: "Xi met von der Leyen in Beijing." }));
    const index = LexicalIndex.build([{ id: 5, text: "Xi spoke." }, ...copies, { id: 2, text: "Beijing, Xi and von der Leyen met." }]);
    const mini = oracle([{ id: 5, text: "Xi spoke." }, ...copies, { id: 2, text: "Beijing, Xi and von der Leyen met." }]);
    const query = index.query("Xi von der Leyen Beijing");
    const expected = mini.search("Xi von der Leyen Beijing");
    for (const r of expected) expect(query.scoreOf(r.id as number)).toBeCloseTo(r.score, 9);
    // 52 matches: k 3 uses the heap, k 20 a sort. The copies tie, and come in chunk order.
    const tied = copies.map((c) => c.id);
    const copyScore = query.scoreOf(1000);
    for (const k of [3, 20]) {
      const top = query.top(k);
      expect(top).toHaveLength(k);
      expect(top.filter((h) => h.score === copyScore).map((h) => h.id)).toEqual(tied.slice(0, top.filter((h) => h.score === copyScore).length));
      expect(top.map((h) => h.score)).toEqual([...top.map((h) => h.score)].sort((a, b) => b - a));
    }
    expect(query.top(2.7)).toEqual(query.top(2));
    expect(query.top(Number.NaN)).toEqual([]);
  });

  it("counts document frequencies and gives unknown terms the highest idf", () => {
    const index = LexicalIndex.build([
      { id: 1, text: "China and the EU met." },
      { id: 2, text: "China's trade with China grew." },
      { id: 3, text: "Nothing here." },
    ]);
    expect(index.size).toBe(3);
    expect(index.documentFrequency("china")).toBe(2);
    expect(index.documentFrequency("eu")).toBe(1);
    expect(index.documentFrequency("absent")).toBe(0);
    expect(index.idf("absent")).toBeGreaterThan(index.idf("eu"));
    expect(index.idf("eu")).toBeGreaterThan(index.idf("china"));
    expect(index.search("the and with", 5)).toEqual([]);
    expect(index.search("China", 5).map((h) => h.id)).toEqual([2, 1]);
  });

  it("survives serialisation byte for byte, and is empty-safe", () => {
    const index = LexicalIndex.build(chunks);
    const bytes = index.serialize();
    const back = LexicalIndex.deserialize(bytes);
    expect(back.serialize().equals(bytes)).toBe(true);
    for (const q of questions.slice(0, 20)) expect(back.search(q, 8)).toEqual(index.search(q, 8));
    // Not aligned in its buffer, as a slice of a larger file read can be.
    const shifted = Buffer.concat([Buffer.from([1]), bytes]).subarray(1);
    expect(LexicalIndex.deserialize(shifted).search(questions[0] ?? "", 8)).toEqual(index.search(questions[0] ?? "", 8));
    const empty = LexicalIndex.deserialize(LexicalIndex.build([]).serialize());
    expect(empty.size).toBe(0);
    expect(empty.search("China", 5)).toEqual([]);
  });

  it("rejects damaged bytes with a message instead of answering from them", () => {
    const bytes = LexicalIndex.build(chunks).serialize();
    expect(() => LexicalIndex.deserialize(Buffer.from("{}"))).toThrow(/expected format/);
    expect(() => LexicalIndex.deserialize(bytes.subarray(0, bytes.length - 10))).toThrow(/damaged|truncated/);
    expect(() => LexicalIndex.deserialize(Buffer.concat([bytes, Buffer.alloc(4)]))).toThrow(/damaged|trailing/);
    // Any flipped bit past the magic line, header, arrays or checksum alike.
    const magicLength = "summit-bm25/1\n".length;
    for (let at = magicLength; at < bytes.length; at += 37) {
      const flipped = Buffer.from(bytes);
      flipped[at] = (flipped[at] ?? 0) ^ 0x10;
      expect(() => LexicalIndex.deserialize(flipped), `byte ${at}`).toThrow(/damaged/);
    }
    // With a valid checksum, the structure is still checked: a posting pointing past the
    // last chunk. The arrays end with the postings' documents (4 bytes each), then their
    // frequencies (2 bytes each), then the 32-byte checksum.
    const body = Buffer.from(bytes.subarray(0, bytes.length - 32));
    body.writeUInt32LE(0xffffff, body.length - 2 * postingCount(body) - 4);
    expect(() => LexicalIndex.deserialize(signed(body))).toThrow(/missing chunk/);
    const header = headerOf(body);
    expect(() => LexicalIndex.deserialize(signed(withHeader(body, { ...header, terms: [...header.terms].reverse() })))).toThrow(/terms are not in order/);
    expect(() => LexicalIndex.deserialize(signed(withHeader(body, { ...header, endianness: "BE" })))).toThrow(/BE machine/);
  });

  it("refuses chunk ids it cannot store", () => {
    expect(() => LexicalIndex.build([{ id: 1, text: "a" }, { id: 1, text: "b" }])).toThrow(/distinct/);
    expect(() => LexicalIndex.build([{ id: -1, text: "a" }])).toThrow(/distinct/);
    expect(() => LexicalIndex.build([{ id: 2 ** 31, text: "a" }])).toThrow(/distinct/);
  });
});

const MAGIC_LINE = "summit-bm25/1\n";
interface Header {
  docs: number;
  postings: number;
  endianness: string;
  terms: string[];
}

function headerOf(body: Buffer): Header {
  const headerLength = body.readUInt32LE(MAGIC_LINE.length);
  return JSON.parse(body.subarray(MAGIC_LINE.length + 4, MAGIC_LINE.length + 4 + headerLength).toString("utf8")) as Header;
}

function postingCount(body: Buffer): number {
  return headerOf(body).postings;
}

/** The body with another header of the same length (the arrays stay where they are). */
function withHeader(body: Buffer, header: Header): Buffer {
  const headerLength = body.readUInt32LE(MAGIC_LINE.length);
  const json = Buffer.from(JSON.stringify(header));
  if (json.length !== headerLength) throw new Error("test header must keep its length");
  return Buffer.concat([body.subarray(0, MAGIC_LINE.length + 4), json, body.subarray(MAGIC_LINE.length + 4 + headerLength)]);
}

function signed(body: Buffer): Buffer {
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}
