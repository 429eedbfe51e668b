import { createRequire } from "node:module";
import type { BruteforceSearch, HierarchicalNSW } from "hnswlib-node";
import { AppError, errorDetail } from "../errors.js";

const require = createRequire(import.meta.url);
let hnswlib: typeof import("hnswlib-node") | null = null;

/** Loads the native addon on first use, so a broken build is a clear message, not a crash at start-up. */
function native(): typeof import("hnswlib-node") {
  if (!hnswlib) {
    try {
      hnswlib = require("hnswlib-node") as typeof import("hnswlib-node");
    } catch (error) {
      throw new AppError(
        "DEPENDENCY_BROKEN",
        `The native module hnswlib-node could not be loaded (${errorDetail(error)}). Run "npm rebuild hnswlib-node" (it needs python3, make and a C++ compiler), or reinstall with "npm ci".`,
        { cause: error },
      );
    }
  }
  return hnswlib;
}

export interface HnswParams {
  readonly m: number;
  readonly efConstruction: number;
}

/** How a search is done: the graph's breadth, and the size up to which exact search is used instead. */
export interface DenseSearchParams {
  readonly efSearch: number;
  /** Up to this many live vectors, search exactly (brute force) instead of through the graph. */
  readonly exactUpTo: number;
}

export interface DenseHit {
  readonly label: number;
  /** Cosine similarity in [-1, 1]. */
  readonly similarity: number;
}

/**
 * Cosine-similarity HNSW index over chunk labels (hnswlib-node). Removal is a
 * tombstone (markDelete); the index keeps count so the builder can compact.
 */
export class DenseIndex {
  readonly dimensions: number;
  #hnsw: HierarchicalNSW;
  #live: Set<number>;
  readonly #params: HnswParams;
  /** The live vectors for exact search, copied from the graph on the first exact search after a change. */
  #exact: BruteforceSearch | null = null;

  private constructor(hnsw: HierarchicalNSW, dimensions: number, params: HnswParams, live: Iterable<number>) {
    this.#hnsw = hnsw;
    this.dimensions = dimensions;
    this.#params = params;
    this.#live = new Set(live);
  }

  static create(dimensions: number, params: HnswParams, capacity = 1024): DenseIndex {
    const hnsw = new (native().HierarchicalNSW)("cosine", dimensions);
    hnsw.initIndex({ maxElements: Math.max(16, capacity), m: params.m, efConstruction: params.efConstruction });
    return new DenseIndex(hnsw, dimensions, params, []);
  }

  /** Reads an index written by `write`; `live` are the labels not deleted. */
  static async read(file: string, dimensions: number, params: HnswParams, live: readonly number[]): Promise<DenseIndex> {
    const hnsw = new (native().HierarchicalNSW)("cosine", dimensions);
    await hnsw.readIndex(file);
    if (hnsw.getNumDimensions() !== dimensions) {
      throw new Error(`dense index has ${hnsw.getNumDimensions()} dimensions, manifest says ${dimensions}`);
    }
    const index = new DenseIndex(hnsw, dimensions, params, live);
    const stored = hnsw.getCurrentCount();
    if (stored < live.length) throw new Error(`dense index holds ${stored} vectors, manifest lists ${live.length} chunks`);
    return index;
  }

  get size(): number {
    return this.#live.size;
  }

  /** Tombstoned vectors still taking space in the graph. */
  get deleted(): number {
    return this.#hnsw.getCurrentCount() - this.#live.size;
  }

  add(label: number, vector: readonly number[]): void {
    if (vector.length !== this.dimensions) {
      throw new Error(`vector has ${vector.length} dimensions, index has ${this.dimensions}`);
    }
    if (this.#hnsw.getCurrentCount() >= this.#hnsw.getMaxElements()) {
      this.#hnsw.resizeIndex(Math.max(16, this.#hnsw.getMaxElements() * 2));
    }
    this.#hnsw.addPoint(vector as number[], label);
    this.#live.add(label);
    this.#exact = null;
  }

  remove(label: number): void {
    if (!this.#live.delete(label)) return;
    this.#hnsw.markDelete(label);
    this.#exact = null;
  }

  /** A new index holding only the live vectors, without tombstones. */
  compacted(): DenseIndex {
    const fresh = DenseIndex.create(this.dimensions, this.#params, this.#live.size);
    for (const label of [...this.#live].sort((a, b) => a - b)) fresh.add(label, this.#hnsw.getPoint(label));
    return fresh;
  }

  /**
   * The `k` nearest live vectors. Up to `exactUpTo` live vectors the search is
   * exact (native brute force over a copy of the vectors): below that size it
   * is faster than the graph at our efSearch and never misses a neighbour (see
   * README, Benchmarks, for the measured crossover); above it, HNSW with
   * `efSearch`.
   */
  search(vector: readonly number[], k: number, params: DenseSearchParams, filter?: (label: number) => boolean): DenseHit[] {
    const n = Math.min(k, this.#live.size);
    if (n === 0) return [];
    let result: { neighbors: number[]; distances: number[] };
    if (this.#live.size <= params.exactUpTo) {
      const exact = this.#exactSearch();
      if (!filter) result = exact.searchKnn(vector as number[], n);
      else {
        // Not hnswlib's own filter here: its brute force keeps only vectors closer than the worst of the first k
        // it reads, allowed or not, so a narrow filter (one event's articles) loses neighbours. Every vector,
        // nearest first, then the allowed ones (at most exactUpTo of them, so this stays cheap).
        const all = exact.searchKnn(vector as number[], this.#live.size);
        const neighbors: number[] = [];
        const distances: number[] = [];
        all.neighbors.forEach((label, i) => {
          if (neighbors.length < n && filter(label)) {
            neighbors.push(label);
            distances.push(all.distances[i] ?? 1);
          }
        });
        result = { neighbors, distances };
      }
    } else {
      this.#hnsw.setEf(Math.max(params.efSearch, n));
      result = filter ? this.#hnsw.searchKnn(vector as number[], n, filter) : this.#hnsw.searchKnn(vector as number[], n);
    }
    return result.neighbors.map((label, i) => ({ label, similarity: 1 - (result.distances[i] ?? 1) }));
  }

  #exactSearch(): BruteforceSearch {
    if (!this.#exact) {
      const exact = new (native().BruteforceSearch)("cosine", this.dimensions);
      exact.initIndex(Math.max(1, this.#live.size));
      for (const label of this.#live) exact.addPoint(this.#hnsw.getPoint(label), label);
      this.#exact = exact;
    }
    return this.#exact;
  }

  /** Labels of the live vectors. */
  labels(): number[] {
    return [...this.#live];
  }

  /** The stored (normalised) vector of `label`. */
  vector(label: number): number[] {
    return this.#hnsw.getPoint(label);
  }

  /** Exact cosine similarity between `vector` and the stored vector `label` (0 if absent). */
  similarity(vector: readonly number[], label: number): number {
    if (!this.#live.has(label)) return 0;
    const point = this.#hnsw.getPoint(label);
    let dot = 0;
    let nv = 0;
    let np = 0;
    for (let i = 0; i < point.length; i++) {
      const a = vector[i] ?? 0;
      const b = point[i] ?? 0;
      dot += a * b;
      nv += a * a;
      np += b * b;
    }
    return nv > 0 && np > 0 ? dot / Math.sqrt(nv * np) : 0;
  }

  async write(file: string): Promise<void> {
    await this.#hnsw.writeIndex(file);
  }
}
