import { describe, expect, it } from "vitest";
import { DenseIndex } from "../../src/index/dense-index.js";
import { mulberry32 } from "../fixtures/prng.js";

/*
 * Exact search below a size, the graph above it: both give the nearest live
 * vectors, honour a filter, and see vectors added or removed after an
 * earlier search (the exact copy is rebuilt, not stale).
 */

const DIMS = 16;
const PARAMS = { m: 16, efConstruction: 200 };
const EXACT = { efSearch: 1, exactUpTo: 1_000_000 };
const GRAPH = { efSearch: 1, exactUpTo: 0 };

function randomVectors(n: number, seed: number): number[][] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: DIMS }, () => next() * 2 - 1));
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return dot / Math.sqrt(na * nb);
}

/** Labels of the k nearest by brute force in plain JS: the oracle. */
function nearest(vectors: readonly number[][], query: readonly number[], k: number, keep: (label: number) => boolean = () => true): number[] {
  return vectors
    .map((v, label) => ({ label, s: cosine(v, query) }))
    .filter((x) => keep(x.label))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.label);
}

describe("DenseIndex search", () => {
  const vectors = randomVectors(400, 7);
  const queries = randomVectors(40, 8);

  it("exact mode returns exactly the nearest vectors, where a narrow graph search misses some", () => {
    const index = DenseIndex.create(DIMS, PARAMS, vectors.length);
    vectors.forEach((v, label) => index.add(label, v));
    let graphMisses = 0;
    for (const q of queries) {
      const truth = nearest(vectors, q, 10);
      expect(index.search(q, 10, EXACT).map((h) => h.label)).toEqual(truth);
      const graph = index.search(q, 10, GRAPH).map((h) => h.label);
      graphMisses += graph.filter((l) => !truth.includes(l)).length;
    }
    // With efSearch 1 the graph is approximate: the two modes are really different paths.
    expect(graphMisses).toBeGreaterThan(0);
  });

  it("the similarity it reports is the cosine", () => {
    const index = DenseIndex.create(DIMS, PARAMS, vectors.length);
    vectors.forEach((v, label) => index.add(label, v));
    const q = queries[0] ?? [];
    for (const hit of index.search(q, 5, EXACT)) expect(hit.similarity).toBeCloseTo(cosine(vectors[hit.label] ?? [], q), 5);
  });

  it("honours a filter in exact mode, a narrow one too (one event's few chunks, stored last or scattered)", () => {
    const index = DenseIndex.create(DIMS, PARAMS, vectors.length);
    vectors.forEach((v, label) => index.add(label, v));
    const filters = [(label: number) => label % 2 === 0, (label: number) => label >= 390, (label: number) => label % 37 === 0, (label: number) => label === 123];
    for (const keep of filters) {
      const matches = vectors.filter((_, label) => keep(label)).length;
      for (const q of queries.slice(0, 10)) {
        const hits = index.search(q, 10, EXACT, keep);
        expect(hits).toHaveLength(Math.min(10, matches));
        expect(hits.map((h) => h.label)).toEqual(nearest(vectors, q, 10, keep));
      }
    }
  });

  it("sees a vector added and one removed after an earlier exact search", () => {
    const index = DenseIndex.create(DIMS, PARAMS, vectors.length + 1);
    vectors.forEach((v, label) => index.add(label, v));
    const q = queries[1] ?? [];
    const before = index.search(q, 3, EXACT).map((h) => h.label);
    // The query itself, added: now the nearest.
    index.add(9999, q);
    expect(index.search(q, 1, EXACT)[0]?.label).toBe(9999);
    index.remove(9999);
    const first = before[0] ?? -1;
    index.remove(first);
    const after = index.search(q, 3, EXACT).map((h) => h.label);
    expect(after).not.toContain(9999);
    expect(after).not.toContain(first);
    expect(after).toEqual(nearest(vectors, q, 4).filter((l) => l !== first).slice(0, 3));
  });

  it("chooses by the number of live vectors: exact up to exactUpTo, the graph above", () => {
    const index = DenseIndex.create(DIMS, PARAMS, vectors.length);
    vectors.forEach((v, label) => index.add(label, v));
    let differs = 0;
    for (const q of queries) {
      const atLimit = index.search(q, 10, { efSearch: 1, exactUpTo: vectors.length }).map((h) => h.label);
      expect(atLimit).toEqual(nearest(vectors, q, 10));
      const above = index.search(q, 10, { efSearch: 1, exactUpTo: vectors.length - 1 }).map((h) => h.label);
      expect(above).toEqual(index.search(q, 10, GRAPH).map((h) => h.label));
      if (above.join() !== atLimit.join()) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });
});
