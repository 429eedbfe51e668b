import type { QaItem } from "../../src/eval/qa-file.js";

export interface RetrievalQuality {
  readonly recallAt1: number;
  readonly recallAt3: number;
  /** Share of answerable questions with a chunk holding every keyword group among the first 3. */
  readonly answerChunkTop3: number;
}

/** Same definitions as `npm run eval` (src/eval/run-eval.ts), for ours and the stock pipeline alike. */
export function quality(items: readonly QaItem[], ranked: readonly { source: string; text: string }[][]): RetrievalQuality {
  const answerable = items.map((item, i) => ({ item, ranked: ranked[i] ?? [] })).filter(({ item }) => item.answerable);
  const recall = (k: number) =>
    answerable.reduce((sum, { item, ranked: r }) => {
      const articles = [...new Set(r.map((p) => p.source))].slice(0, k);
      return sum + articles.filter((s) => item.sources.includes(s)).length / Math.min(k, item.sources.length);
    }, 0) / answerable.length;
  const answerChunkTop3 =
    answerable.filter(({ item, ranked: r }) =>
      r.slice(0, 3).some((p) => item.keywords.every((group) => group.some((k) => p.text.toLowerCase().includes(k.toLowerCase())))),
    ).length / answerable.length;
  return { recallAt1: recall(1), recallAt3: recall(3), answerChunkTop3 };
}
