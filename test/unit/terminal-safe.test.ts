import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderArticles, renderIngestSummary } from "../../src/render/terminal.js";
import { forTerminal, jsonForTerminal, printableLength } from "../../src/text/terminal-safe.js";
import type { Article } from "../../src/types.js";
import { TERMINAL_CONTROL } from "../fixtures/hostile-article.js";

describe("forTerminal", () => {
  it("removes escape sequences whole: ESC c, CSI, OSC 8 hyperlinks and titles, 8-bit CSI", () => {
    expect(forTerminal("before\x1bcafter")).toBe("beforeafter");
    expect(forTerminal("\x1b[2J\x1b[1;31mred\x1b[0m \x1b[?25l")).toBe("red ");
    expect(forTerminal("see \x1b]8;;https://evil.example\x1b\\this page\x1b]8;;\x1b\\.")).toBe("see this page.");
    expect(forTerminal("\x1b]0;new title\x07text")).toBe("text");
    expect(forTerminal("a\u009b2Jb\u009d0;t\u009cc")).toBe("abc");
  });

  it("removes bidi overrides and isolates, the other controls, DEL and C1; a lone ESC too", () => {
    expect(forTerminal("abc\u202edef\u202c \u2066x\u2069")).toBe("abcdef x");
    expect(forTerminal("a\x00b\x07c\x7fd\x85e\x1b")).toBe("abcde");
  });

  it("keeps newlines, tabs, accents, emoji (ZWJ sequences, flags, skin tones) and right-to-left text", () => {
    const text = "Élysée, Zürich, e\u0301\n\t👨‍👩‍👧 🇫🇷 👍🏽 ❤️ שלום \u200fمرحبا";
    expect(forTerminal(text)).toBe(text);
  });

  it("turns CR, CR LF and other line breaks into newlines, so text cannot overwrite a line", () => {
    expect(forTerminal("a\r\nb\rc\vd\fe\u2028f")).toBe("a\nb\nc\nd\ne\nf");
  });

  it("never lets a control through and is idempotent, whatever the input", () => {
    const controlHeavy = fc.string({ unit: fc.constantFrom("\x1b", "[", "]", "\\", "\x07", "\x9b", "\x9c", "\x9d", "8", ";", "2", "J", "c", "a", " ", "\u202e", "\ud83d", "\ude00", "\r", "\n") });
    fc.assert(
      fc.property(fc.oneof(controlHeavy, fc.string({ unit: "binary" })), (s) => {
        const out = forTerminal(s);
        expect(out).not.toMatch(TERMINAL_CONTROL);
        expect(out.isWellFormed()).toBe(true);
        expect(forTerminal(out)).toBe(out);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("printableLength (a draft still being written)", () => {
  it("holds back an escape sequence that has begun but not ended, and half a surrogate pair", () => {
    expect(printableLength("ab\x1b]8;;https://evil.example")).toBe(2);
    expect(printableLength("ab\x1b]8;;https://evil.example\x1b")).toBe(2);
    expect(printableLength("ab\x1b[3")).toBe(2);
    expect(printableLength("ab\ud83d")).toBe(2);
    expect(printableLength("ab\x1b[31mc")).toBe(8);
    expect(printableLength("ab\x1b]8;;u\x1b\\cd")).toBe(12);
  });

  it("printed piece by piece as it grows, a draft shows what forTerminal shows for the whole", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("\x1b", "]", "[", "8", ";", "u", "\\", "\x07", "m", "x", " ", "😀") }), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        let shown = 0;
        let printed = "";
        for (const end of [...cuts.map((c) => c % (text.length + 1)).sort((a, b) => a - b), text.length]) {
          const upTo = Math.max(shown, printableLength(text.slice(0, end)));
          printed += forTerminal(text.slice(shown, upTo));
          shown = upTo;
        }
        printed += forTerminal(text.slice(shown));
        expect(printed).toBe(forTerminal(text));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("jsonForTerminal", () => {
  it("is the same JSON data, with DEL, C1 and bidi controls written as \\u escapes (JSON.stringify leaves them raw)", () => {
    const value = { quote: "a\x1bc\x7f\x9b2J\u202eb\u2028", n: 1 };
    expect(JSON.stringify(value)).toMatch(TERMINAL_CONTROL);
    const line = jsonForTerminal(value);
    expect(line).not.toMatch(TERMINAL_CONTROL);
    expect(JSON.parse(line)).toEqual(value);
  });
});

describe("terminal renderings", () => {
  it("/articles prints titles, outlets and file names from metadata without their control sequences", () => {
    const article = {
      source: "005_\x1b]0;x\x07.txt",
      meta: {
        title: { value: "Title\x1bc \x1b[2J**bold**", basis: "stated" },
        outlet: { value: "Out\u202elet", basis: "stated" },
        date: { value: "2024-03-03", basis: "stated" },
        place: { value: "Vil\x9b2Jnius", basis: "stated" },
      },
    } as unknown as Article;
    expect(renderArticles([article])).toBe("1. Title **bold**\n   Outlet · 2024-03-03 · Vilnius · 005_.txt");
  });

  it("the ingest summary names added and skipped files without theirs", () => {
    const out = renderIngestSummary({
      articles: 1,
      chunks: 1,
      embedder: "e",
      rebuilt: null,
      wrote: true,
      embedded: 1,
      added: ["a\x1bc.txt"],
      changed: [],
      removed: [],
      unchanged: 0,
      skipped: [{ source: "b\x1b]0;t\x07.txt", reason: "it holds \x1b[2J" }],
      timings: { totalMs: 1, chunkMs: 0, embedMs: 0, indexMs: 0, writeMs: 0 },
    } as unknown as Parameters<typeof renderIngestSummary>[0]);
    expect(out).toContain("(a.txt)");
    expect(out).toContain("Skipped b.txt: it holds .");
    expect(out).not.toMatch(TERMINAL_CONTROL);
  });
});
