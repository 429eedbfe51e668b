import { describe, expect, it } from "vitest";
import { withQueryCache } from "../../src/ingest/embedders/cached.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";

function counting(fail = false) {
  const calls: string[] = [];
  const inner: EmbeddingProvider = {
    id: "x",
    dimensions: 1,
    embedDocuments: async (texts) => texts.map(() => [1]),
    embedQuery: async (text) => {
      calls.push(text);
      if (fail) throw new Error("model down");
      return [text.length];
    },
  };
  return { inner, calls };
}

describe("query embedding cache", () => {
  it("embeds a repeated question once, keeping the most recent questions", async () => {
    const { inner, calls } = counting();
    const cached = withQueryCache(inner, 2);
    expect(await cached.embedQuery("a")).toEqual([1]);
    await cached.embedQuery("a");
    await cached.embedQuery("bb");
    await cached.embedQuery("ccc"); // evicts "a"
    await cached.embedQuery("a");
    expect(calls).toEqual(["a", "bb", "ccc", "a"]);
    expect(cached.id).toBe("x");
  });

  it("does not remember a failure", async () => {
    const { inner, calls } = counting(true);
    const cached = withQueryCache(inner);
    await expect(cached.embedQuery("a")).rejects.toThrow("model down");
    await expect(cached.embedQuery("a")).rejects.toThrow("model down");
    expect(calls).toEqual(["a", "a"]);
  });
});
