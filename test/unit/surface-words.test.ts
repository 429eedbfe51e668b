import { describe, expect, it } from "vitest";
import { surfaceWords } from "../../src/answer/evidence.js";
import { oneEditApart } from "../../src/knowledge/nlp.js";

/*
 * The corpus' words a misspelling is corrected to: the first word in corpus
 * order one edit away, whatever its length (kept by length to look up fast).
 */

describe("surfaceWords", () => {
  it("corrects to the word one edit away that the corpus names first, across lengths", () => {
    const tariffsFirst = surfaceWords([{ text: "New TARIFFS were set." }, { text: "One tariff stays." }]);
    const tariffFirst = surfaceWords([{ text: "One tariff stays." }, { text: "New tariffs were set." }]);
    // "tarifs" is one edit from both "tariff" (a letter changed) and "tariffs" (one added).
    expect(tariffsFirst.oneEditFrom("tarifs")).toBe("tariffs");
    expect(tariffFirst.oneEditFrom("tarifs")).toBe("tariff");
  });

  it("finds swaps, insertions and deletions; not the word itself, short words or two edits", () => {
    const words = surfaceWords([{ text: "The leaders met in Brussels; sanctions followed." }]);
    expect(words.oneEditFrom("laeders")).toBe("leaders");
    expect(words.oneEditFrom("brussls")).toBe("brussels");
    expect(words.oneEditFrom("sanctionss")).toBe("sanctions");
    expect(words.oneEditFrom("leaders")).toBeNull();
    expect(words.oneEditFrom("lidars")).toBeNull();
    // Words under five letters are not kept: "met" never corrects "mat".
    expect(words.oneEditFrom("mat")).toBeNull();
  });

  it("gives what a scan of every word in corpus order gives", () => {
    const texts = ["Summit leaders agreed on climate targets and trade rules.", "Leaders traded barbs; the summits ended.", "Trader, traders and trading: climates change."];
    const words = surfaceWords(texts.map((text) => ({ text })));
    const all = [...new Set(texts.flatMap((t) => t.toLowerCase().match(/\p{L}{5,}/gu) ?? []))];
    const queries = ["sumit", "summts", "leadres", "trde", "trades", "tradin", "climat", "climatse", "agred", "rulse", "nothing"];
    for (const q of queries) expect(words.oneEditFrom(q)).toBe(all.find((v) => Math.abs(v.length - q.length) <= 1 && oneEditApart(v, q)) ?? null);
  });
});
