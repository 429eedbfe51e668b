import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cutGraphemes, graphemeCount, truncate } from "../../src/text/graphemes.js";

const FAMILY = "👨‍👩‍👧"; // 8 code units joined by ZWJs
const FLAG = "🇫🇷"; // two regional indicators, 4 units
const E_ACUTE = "e\u0301"; // e + combining acute

describe("cutGraphemes", () => {
  it("never splits an emoji ZWJ sequence, a flag or a letter and its accent", () => {
    expect(cutGraphemes(`ab${FAMILY}c`, 9)).toBe("ab");
    expect(cutGraphemes(`ab${FAMILY}c`, 10)).toBe(`ab${FAMILY}`);
    expect(cutGraphemes(`a${FLAG}${FLAG}`, 7)).toBe(`a${FLAG}`);
    expect(cutGraphemes(`caf${E_ACUTE}s`, 4)).toBe("caf");
    expect(cutGraphemes("abc", 5)).toBe("abc");
  });

  it("cuts a single grapheme longer than the room between code points, never in a pair", () => {
    const zalgo = `😀${"\u0301".repeat(50)}`;
    expect(cutGraphemes(zalgo, 1)).toBe("");
    expect(cutGraphemes(zalgo, 3)).toBe("😀\u0301");
  });
});

describe("truncate", () => {
  it("cut in the middle of an emoji run, ends on a whole emoji and the ellipsis", () => {
    const q = `What${"😀".repeat(60)}`;
    const out = truncate(q, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.isWellFormed()).toBe(true);
    expect(out).toBe(`What${"😀".repeat(47)}…`);
    expect(truncate(`${FLAG.repeat(30)}`, 11)).toBe(`${FLAG}${FLAG}…`);
  });

  it("still prefers a sentence end, then a word end", () => {
    expect(truncate("First sentence is here. Second sentence is a good deal longer than the first one.", 40)).toBe("First sentence is here. …");
    expect(truncate("alpha beta gamma delta", 15)).toBe("alpha beta…");
  });

  it("property: within the limit, a prefix of the text cut between graphemes, never a lone surrogate", () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom(FAMILY, FLAG, E_ACUTE, "👍🏽", " ", ". ", "x"), fc.string({ unit: "grapheme", maxLength: 1 })) });
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 120 }), (s, max) => {
        const out = truncate(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out.isWellFormed()).toBe(true);
        if (out === s) return;
        const kept = out.replace(/ ?…$/, "");
        expect(s.startsWith(kept)).toBe(true);
        // The cut falls on a grapheme boundary of the original text, unless its first grapheme alone is over the room.
        const first = new Intl.Segmenter("en", { granularity: "grapheme" }).segment(s).containing(0)?.segment ?? "";
        if (first.length > max - 1) return;
        expect(graphemeCount(kept) + graphemeCount(s.slice(kept.length))).toBe(graphemeCount(s));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("graphemeCount", () => {
  it("counts what a reader counts", () => {
    expect(graphemeCount(`${FAMILY}${FLAG}${E_ACUTE}a`)).toBe(4);
    expect(graphemeCount("x".repeat(1000) + FAMILY.repeat(10))).toBe(1010);
  });

  it("matches ICU's count on text with ASCII between the other characters", () => {
    const seg = new Intl.Segmenter("en", { granularity: "grapheme" });
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(FAMILY, FLAG, E_ACUTE, "ab", "c", " ", "\r\n") , maxLength: 400 }), (s) => {
        expect(graphemeCount(s)).toBe([...seg.segment(s)].length);
      }),
      { numRuns: 300 },
    );
  });

  it("counts 50,000 characters quickly (ICU alone takes most of a second)", () => {
    const t0 = performance.now();
    expect(graphemeCount("why ".repeat(12_500))).toBe(50_000);
    expect(performance.now() - t0).toBeLessThan(300);
  });
});
