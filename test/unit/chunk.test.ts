import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkArticle } from "../../src/ingest/chunk.js";
import { SEEDS } from "../helpers.js";

/** Every word of `text` lies inside at least one chunk. */
function wordsCovered(text: string, spans: { start: number; end: number }[]): boolean {
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (!spans.some((s) => s.start <= m.index && m.index + m[0].length <= s.end)) return false;
  }
  return true;
}

describe("chunkArticle", () => {
  it("gives every seed chunk exact offsets, within the size, covering every word", async () => {
    for (const name of ["000_10e720cce02f15cd.txt", "001_3170a22eac640a98.txt", "002_9f168db54b5031c7.txt"]) {
      const text = readFileSync(path.join(SEEDS, name), "utf8");
      const spans = await chunkArticle(text, { size: 500, overlap: 100 });
      expect(spans.length).toBeGreaterThan(3);
      for (const s of spans) {
        expect(text.slice(s.start, s.end)).toBe(s.text);
        expect(s.text.length).toBeLessThanOrEqual(500);
        expect(s.text).toBe(s.text.trim());
      }
      expect(wordsCovered(text, spans)).toBe(true);
    }
  });

  it("chunks start at sentence starts, not on the separator", async () => {
    const text = "First sentence is here. Second sentence follows it. Third one ends the paragraph.";
    const spans = await chunkArticle(text, { size: 40, overlap: 0 });
    for (const s of spans) expect(s.text).toMatch(/^[A-Z]/);
  });

  it("holds for arbitrary text: offsets exact, words covered", async () => {
    const piece = fc.oneof(
      fc.constantFrom("\n", "\n\n", ". ", "? ", " ", "; ", "\r\n", "“", "é", "😀", "\u200b"),
      fc.stringMatching(/^[A-Za-z]{1,12}$/),
      fc.string({ maxLength: 20 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 200 }), fc.integer({ min: 100, max: 400 }), async (parts, size) => {
        const text = parts.join("");
        const spans = await chunkArticle(text, { size, overlap: Math.floor(size / 5) });
        for (const s of spans) expect(text.slice(s.start, s.end)).toBe(s.text);
        expect(wordsCovered(text, spans)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
