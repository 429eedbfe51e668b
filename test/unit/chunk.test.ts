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

  it("places a chunk whose text also appears earlier at its own position", async () => {
    const filler = (word: string, n: number) => `${`${word} `.repeat(n).trim()}.`;
    const a = `${filler("alpha", 64)} Read more.`;
    const text = [a, "Read more.", filler("gamma", 66)].join("\n\n");
    const spans = await chunkArticle(text, { size: 400, overlap: 100 });
    const lone = spans.find((s) => s.text === "Read more.");
    expect(lone).toBeDefined();
    expect(lone?.start).toBe(a.length + 2);
  });

  it("never cuts an emoji in half, and chunks advance through repeated text", async () => {
    const text = "a😀".repeat(200);
    const spans = await chunkArticle(text, { size: 100, overlap: 20 });
    for (const [i, s] of spans.entries()) {
      expect(s.text.isWellFormed()).toBe(true);
      expect(text.slice(s.start, s.end)).toBe(s.text);
      const prev = spans[i - 1];
      if (prev) expect(s.start).toBeGreaterThanOrEqual(prev.end - 20 - 2);
    }
    expect(spans.at(-1)?.end).toBe(text.length);
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
        spans.forEach((s, i) => {
          expect(text.slice(s.start, s.end)).toBe(s.text);
          const prev = spans[i - 1];
          if (prev) expect(s.start).toBeGreaterThan(prev.start);
        });
        expect(wordsCovered(text, spans)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
