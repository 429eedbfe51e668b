import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CorpusView } from "../../src/answer/evidence.js";
import { loadConfig } from "../../src/config.js";
import { LexicalIndex } from "../../src/index/lexical-index.js";
import { supportInText, verifyAnswer } from "../../src/llm/verify.js";
import type { Passage } from "../../src/types.js";
import { smallCorpus } from "../fixtures/corpus-view.js";
import { REPO, SEEDS } from "../helpers.js";

/*
 * The verification rule on its own: the calibration claims (test/eval/claims.jsonl,
 * supported and unsupported statements about the seed articles) and hand-made answers.
 */

const THRESHOLD = loadConfig({}).llm.supportThreshold;
const known = (t: string) => lexical.documentFrequency(t) > 0;
const texts = new Map(readdirSync(SEEDS).filter((f) => f.endsWith(".txt")).map((f) => [f, readFileSync(path.join(SEEDS, f), "utf8")]));
let lexical: LexicalIndex;
let view: CorpusView;
let chunks: Passage["chunk"][];

beforeAll(async () => {
  const small = await smallCorpus(Object.fromEntries(texts));
  chunks = [...small.chunks];
  lexical = LexicalIndex.build(chunks);
  view = small.view;
});

const claims = readFileSync(path.join(REPO, "test/eval/claims.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { id: string; claim: string; source: string; supported: boolean });

describe("support threshold (calibrated on test/eval/claims.jsonl)", () => {
  it("lets no unsupported claim through, from any article", () => {
    const leaked = claims.filter((c) => !c.supported && [...texts.values()].some((t) => supportInText(c.claim, t, (x) => lexical.idf(x), known, THRESHOLD) >= THRESHOLD));
    expect(leaked.map((c) => c.id)).toEqual([]);
  });

  it("keeps at least 80% of supported claims (close paraphrases; heavy ones fall back to quotes)", () => {
    const supported = claims.filter((c) => c.supported);
    const kept = supported.filter((c) => supportInText(c.claim, texts.get(c.source) ?? "", (x) => lexical.idf(x), known, THRESHOLD) >= THRESHOLD);
    expect(kept.length / supported.length).toBeGreaterThanOrEqual(0.8);
  });
});

const adversarial = readFileSync(path.join(REPO, "test/eval/claims-adversarial.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { id: string; kind: string; claim: string; source: string });

describe("claims that reuse an article's words with another meaning (held out: not used to set the threshold)", () => {
  it.each(adversarial.map((c) => [c.id, c.kind, c] as const))("rejects %s (%s)", (_id, _kind, c) => {
    expect(supportInText(c.claim, texts.get(c.source) ?? "", (x) => lexical.idf(x), known, THRESHOLD)).toBe(0);
  });
});

function passagesOf(...needles: string[]): Passage[] {
  return needles.map((needle) => {
    const chunk = chunks.find((c) => c.text.includes(needle));
    if (!chunk) throw new Error(needle);
    return { chunk, score: 1, lexical: 1, dense: 1, lexicalRank: 1, denseRank: 1 };
  });
}

describe("verifyAnswer", () => {
  it("quotes, for each kept citation, the exact sentence that supports it", () => {
    const passages = passagesOf("Serbia and Hungary", "400 billion euros");
    const v = verifyAnswer("The EU's trade deficit with China swelled to about 400 billion euros in 2022 [2]. Xi is scheduled to travel to Serbia and Hungary [1].", passages, view, { threshold: THRESHOLD });
    expect(v.text).toBe("The EU's trade deficit with China swelled to about 400 billion euros in 2022 [1]. Xi is scheduled to travel to Serbia and Hungary [2].");
    for (const c of v.citations) expect(texts.get(c.source)?.slice(c.start, c.end)).toBe(c.quote);
    expect(v.stats).toMatchObject({ claims: 2, claimsKept: 2, citationsKept: 2, citationsMoved: 0, citationsDropped: 0 });
  });

  it("understands [1, 2] and [1][2], keeps the supporting ones, drops the rest", () => {
    const passages = passagesOf("Serbia and Hungary", "400 billion euros");
    const v = verifyAnswer("Xi is scheduled to travel to Serbia and Hungary [1, 2][3].", passages, view, { threshold: THRESHOLD });
    expect(v.stats).toMatchObject({ citationsGiven: 3, citationsKept: 1, citationsDropped: 2 });
    expect(v.text).toBe("Xi is scheduled to travel to Serbia and Hungary [1].");
  });

  it("reads markers written after the full stop as the sentence's own", () => {
    const v = verifyAnswer("Xi is scheduled to travel to Serbia and Hungary. [1] The trip follows France. [1][2]", passagesOf("Serbia and Hungary"), view, {
      threshold: THRESHOLD,
    });
    expect(v.stats).toMatchObject({ claims: 2, citationsGiven: 3, citationsKept: 1 });
    expect(v.text).toBe("Xi is scheduled to travel to Serbia and Hungary [1].");
  });

  it("gives one number to one supporting sentence cited twice", () => {
    const passages = passagesOf("Serbia and Hungary");
    const v = verifyAnswer("Xi is scheduled to travel to Serbia and Hungary [1]. After France the Chinese president travels to Serbia and Hungary [1].", passages, view, {
      threshold: THRESHOLD,
    });
    expect(v.citations).toHaveLength(1);
    expect(v.text.match(/\[1\]/g)).toHaveLength(2);
  });

  it("removes a sentence that has someone say what another person said", () => {
    const passages = passagesOf("ceasefire in Gaza");
    const wrong = verifyAnswer("Wang Yi called for a ceasefire in Gaza and the release of hostages [1].", passages, view, { threshold: THRESHOLD });
    expect(wrong.stats).toMatchObject({ claims: 1, claimsKept: 0, claimsRemoved: 1 });
    const right = verifyAnswer("Kallas called for a ceasefire in Gaza and the release of hostages [1].", passages, view, { threshold: THRESHOLD });
    expect(right.stats).toMatchObject({ claims: 1, claimsKept: 1 });
    // A statement that names no speaker is checked on its words alone.
    const plain = verifyAnswer("The EU called for a ceasefire in Gaza and the release of hostages [1].", passages, view, { threshold: THRESHOLD });
    expect(plain.stats).toMatchObject({ claimsKept: 1 });
  });

  it("returns nothing when nothing is supported", () => {
    const v = verifyAnswer("The moon is made of cheese [1].", passagesOf("Serbia and Hungary"), view, { threshold: THRESHOLD });
    expect(v.text).toBe("");
    expect(v.citations).toEqual([]);
  });
});
