/*
 * Property test for `app.ask`: whatever text arrives (binary junk, control
 * and format characters, markdown, broken surrogates, very long input, or a
 * realistic question), it either yields a well-formed Answer whose citations
 * quote the articles exactly, or is refused with an AppError carrying a plain
 * user message. Any other outcome is a bug.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { AppError } from "../../src/errors.js";
import type { Answer } from "../../src/types.js";
import { cleanup, copySeeds, SEEDS, tempDir, testConfig, tinyModelEnv } from "../helpers.js";
import { blockedRequests } from "../setup-no-network.js";

// A declined answer says so first: the articles don't cover it, don't quote someone on it, or mention no such name.
const DECLINE = /^(?:The articles (?:I have )?don't |None of the articles mentions )/;
const STACK_FRAME = /^\s+at .+/m;

const SEED_FILES = readdirSync(SEEDS).filter((f) => f.endsWith(".txt"));

/** Distinct words of the seed articles, so generated questions hit the index. */
const ARTICLE_WORDS = [
  ...new Set(SEED_FILES.flatMap((f) => readFileSync(path.join(SEEDS, f), "utf8").match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [])),
].sort();

const CONTROL_AND_FORMAT = [
  "\u0000", "\u0001", "\u0007", "\b", "\t", "\n", "\v", "\f", "\r", "\u001b", "\u007f", "\u0085", "\u009f",
  "\u00ad", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029", "\u202e", "\u2060", "\u2066", "\ufeff",
];
const MARKDOWN = ["```", "```text\n", "`", "> ", ">> ", "# ", "### ", "**", "*", "__", "_", "~~", "- ", "1. ", "[", "](http://x)", "<br>", "|"];
const STARTS = ["What did", "Who", "When did", "Where did", "How many", "Which countries did", "Why did", "What is", ""];

const word = fc.constantFrom(...ARTICLE_WORDS);
const realistic = fc
  .tuple(fc.constantFrom(...STARTS), fc.array(word, { minLength: 1, maxLength: 12 }), fc.constantFrom("?", "", " ?", "??", "."))
  .map(([start, words, end]) => `${start} ${words.join(" ")}${end}`.trim());

const junkUnit = fc.oneof(
  fc.constantFrom(...CONTROL_AND_FORMAT),
  fc.constantFrom(...MARKDOWN),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  word.map((w) => ` ${w} `),
  fc.string({ unit: "grapheme", maxLength: 3 }),
);

const question: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: realistic },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 120 }) },
  { weight: 2, arbitrary: fc.string({ unit: junkUnit, maxLength: 40 }) },
  // A realistic question dressed in control/format characters, markdown, or lone surrogates.
  {
    weight: 2,
    arbitrary: fc
      .tuple(realistic, fc.array(fc.oneof(fc.constantFrom(...CONTROL_AND_FORMAT), fc.constantFrom(...MARKDOWN), fc.constant("\ud800"), fc.constant("\udc00")), { maxLength: 6 }), fc.nat())
      .map(([q, junk, seed]) => {
        const words = q.split(" ");
        junk.forEach((j, i) => words.splice((seed + i * 7) % (words.length + 1), 0, j));
        return words.join(seed % 2 ? " " : "");
      }),
  },
  { weight: 1, arbitrary: realistic.map((q) => `\`\`\`\n${q}\n\`\`\``) },
  // Long input: padding that cleaning removes, and text that stays long.
  {
    weight: 1,
    arbitrary: fc
      .tuple(realistic, fc.integer({ min: 0, max: 6000 }), fc.constantFrom(" ", "\u200b", "\n", "\t", "`"))
      .map(([q, n, pad]) => (pad.repeat(n) + q).slice(-6000)),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 900, maxLength: 6000 }) },
  { weight: 1, arbitrary: fc.array(word, { minLength: 150, maxLength: 900 }).map((ws) => ws.join(" ").slice(0, 6000)) },
);

describe("app.ask on arbitrary input", () => {
  let dirs: string[] = [];
  let app: App;
  let articleText: Map<string, string>;

  beforeAll(async () => {
    const [modelRoot, corpusDir, dataDir] = await Promise.all([tempDir("fuzz-model-"), tempDir("fuzz-corpus-"), tempDir("fuzz-data-")]);
    dirs = [modelRoot, corpusDir, dataDir];
    await copySeeds(corpusDir);
    const env = { ...(await tinyModelEnv(modelRoot)), CORPUS_DIR: corpusDir, DATA_DIR: dataDir, LOG_LEVEL: "silent" };
    app = createApp(testConfig(env));
    await app.ready();
    articleText = new Map((await app.articles()).map((a) => [a.source, a.text]));
    // Offsets are into the decoded file text, so the files on disk are the reference.
    expect([...articleText.keys()].sort()).toEqual([...SEED_FILES].sort());
    for (const [source, text] of articleText) expect(text).toBe(readFileSync(path.join(corpusDir, source), "utf8"));
  });

  afterAll(async () => {
    await cleanup(...dirs);
  });

  function checkAnswer(a: Answer): void {
    expect(typeof a.text).toBe("string");
    expect(a.text.trim().length).toBeGreaterThan(0);
    expect(typeof a.abstained).toBe("boolean");
    expect(typeof a.question).toBe("string");
    expect(a.question.isWellFormed()).toBe(true);
    expect(a.question).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(a.question.length).toBeLessThanOrEqual(app.config.answer.maxQuestionChars);

    expect(Number.isFinite(a.confidence)).toBe(true);
    expect(a.confidence).toBeGreaterThanOrEqual(0);
    expect(a.confidence).toBeLessThanOrEqual(1);

    expect(a.passages.length).toBeLessThanOrEqual(app.config.retrieval.passages);
    for (const p of a.passages) {
      expect(articleText.has(p.chunk.source)).toBe(true);
      expect(p.score).toBeGreaterThanOrEqual(0);
      expect(p.score).toBeLessThanOrEqual(1);
    }

    expect(a.abstained).toBe(a.coverage === "none");
    if (a.abstained) {
      // It may show the nearest fact the articles have, cited like any quote.
      expect(a.text).toMatch(DECLINE);
    } else {
      expect(a.citations.length).toBeGreaterThanOrEqual(1);
    }
    a.citations.forEach((c, i) => {
      expect(c.n).toBe(i + 1);
      expect(a.text).toContain(`[${c.n}]`);
      const text = articleText.get(c.source);
      expect(text, `unknown source ${c.source}`).toBeDefined();
      expect(Number.isInteger(c.start) && Number.isInteger(c.end)).toBe(true);
      expect(0 <= c.start && c.start < c.end && c.end <= (text ?? "").length).toBe(true);
      expect(c.quote).toBe((text ?? "").slice(c.start, c.end));
    });
  }

  function checkRefusal(q: string, error: unknown): void {
    if (!(error instanceof AppError)) {
      throw new Error(`ask(${JSON.stringify(q.slice(0, 200))}) rejected with a non-AppError: ${String(error)}`, { cause: error });
    }
    expect(typeof error.userMessage).toBe("string");
    expect(error.userMessage.trim().length).toBeGreaterThan(0);
    expect(error.userMessage).not.toMatch(STACK_FRAME);
    expect(["EMPTY_QUESTION", "QUESTION_TOO_LONG", "UNSUPPORTED_LANGUAGE"]).toContain(error.code);
  }

  it("answers well-formed or refuses with an AppError, for 300 generated questions", async () => {
    const outcomes = { answered: 0, abstained: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(question, async (q) => {
        let answer: Answer;
        try {
          answer = await app.ask(q);
        } catch (error) {
          checkRefusal(q, error);
          outcomes.refused++;
          return;
        }
        checkAnswer(answer);
        outcomes[answer.abstained ? "abstained" : "answered"]++;
      }),
      {
        numRuns: 300,
        examples: [
          [""],
          ["\ud800"],
          ["\udfff What did Kallas say?"],
          ["What did Kallas say\ud800 about rare earth exports?"],
          ["\u200b\u200b\u200b"],
          ["```\nWhat did von der Leyen say about dual-use goods?\n```"],
          ["> **Which countries did Xi visit after France?**"],
          ["\u0000\u0007What\u001bdid\u007fXi\u2028say?"],
          ["x".repeat(6000)],
          [" ".repeat(3990) + "What did Xi say?"],
          ["习近平说了什么？"],
          ["What did 习近平 say about Europe?"],
          ["Who won the 1998 football World Cup final?"],
          // Two parts whose passages together are more than the limit (found by this property).
          ["What did 06 and where 06?"],
          ["What did von der Leyen say about dual-use goods, and which countries did Xi visit after France?"],
        ],
      },
    );
    // The generator must reach every branch, or the property proves little.
    expect(outcomes.answered).toBeGreaterThan(0);
    expect(outcomes.abstained).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(blockedRequests).toEqual([]);
  });
});
