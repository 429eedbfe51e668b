import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { readQaFile } from "../../src/eval/qa-file.js";
import { runEval, type EvalReport } from "../../src/eval/run-eval.js";
import { cleanup, REPO, SEEDS, tempDir, testConfig } from "../helpers.js";

/*
 * The quality gate: the dev question set answered with the bundled offline
 * embedder (what CI and these machines have). Thresholds sit at or just under
 * the measured values (README, "Quality"), so a regression fails CI.
 */

let dataDir: string;
const reports: Record<string, EvalReport> = {};

beforeAll(async () => {
  dataDir = await tempDir();
  const base = { EMBEDDER: "use", DATA_DIR: dataDir, CORPUS_DIR: SEEDS };
  const dev = await readQaFile(path.join(REPO, "test/eval/dev-qa.jsonl"));
  const holdout = await readQaFile(path.join(REPO, "test/eval/holdout-qa.jsonl"));
  reports.hybrid = await runEval(createApp(testConfig(base)), dev);
  reports.lexical = await runEval(createApp(testConfig({ ...base, RETRIEVAL_MODE: "lexical" })), dev);
  reports.holdout = await runEval(createApp(testConfig(base)), holdout);
}, 300_000);
afterAll(() => cleanup(dataDir));

describe("dev set (default: hybrid retrieval, offline embedder)", () => {
  it("retrieves the right article", () => {
    const t = reports.hybrid!.totals;
    expect(t.errors).toBe(0);
    expect(t.recallAt1).toBeGreaterThanOrEqual(0.88);
    expect(t.recallAt3).toBeGreaterThanOrEqual(0.97);
    expect(t.recallAt5).toBe(1);
    expect(t.mrr).toBeGreaterThanOrEqual(0.93);
    expect(t.answerPassageAt3).toBeGreaterThanOrEqual(0.95);
  });

  it("answers with the expected facts and cites the right articles", () => {
    const t = reports.hybrid!.totals;
    expect(t.keywordHitRate).toBeGreaterThanOrEqual(0.86);
    expect(t.citationPrecision).toBeGreaterThanOrEqual(0.78);
  });

  it("never declines an answerable question, and declines some unanswerable ones", () => {
    const t = reports.hybrid!.totals;
    expect(t.falseAbstentions).toBe(0);
    expect(t.abstentionPrecision).toBe(1);
    expect(t.abstentionRecall).toBeGreaterThanOrEqual(0.3);
  });

  it("quotes every citation exactly as it stands in the cited file", async () => {
    let checked = 0;
    for (const r of reports.hybrid!.results) expect(r.citationsUnverified, r.id).toBe(0);
    // And independently of the eval's own check: re-derive each quote from the file.
    const app = createApp(testConfig({ EMBEDDER: "use", DATA_DIR: dataDir, CORPUS_DIR: SEEDS }));
    for (const r of reports.hybrid!.results) {
      const answer = await app.ask(r.question);
      for (const c of answer.citations) {
        const file = await readFile(path.join(SEEDS, c.source), "utf8");
        expect(file.slice(c.start, c.end), `${r.id} [${c.n}]`).toBe(c.quote);
        expect(answer.text).toContain(`[${c.n}]`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it("is not made worse by dense retrieval than lexical retrieval alone", () => {
    const h = reports.hybrid!.totals;
    const l = reports.lexical!.totals;
    expect(h.recallAt1).toBeGreaterThanOrEqual(l.recallAt1);
    expect(h.mrr).toBeGreaterThanOrEqual(l.mrr);
    expect(h.answerPassageAt3).toBeGreaterThanOrEqual(l.answerPassageAt3);
    expect(h.keywordHitRate).toBeGreaterThanOrEqual(l.keywordHitRate);
    expect(h.falseAbstentions).toBeLessThanOrEqual(l.falseAbstentions);
  });
});

describe("holdout set (written independently, never used for tuning)", () => {
  it("holds up on questions the tuning never saw", () => {
    const t = reports.holdout!.totals;
    expect(t.errors).toBe(0);
    expect(t.falseAbstentions).toBe(0);
    expect(t.recallAt1).toBeGreaterThanOrEqual(0.95);
    expect(t.keywordHitRate).toBeGreaterThanOrEqual(0.72);
    expect(t.citationPrecision).toBeGreaterThanOrEqual(0.9);
    expect(t.citationsUnverified).toBe(0);
  });
});
