import path from "node:path";
import { parseArgs } from "node:util";
import type { App } from "../app.js";
import { withConfig, type Config } from "../config.js";
import { AppError } from "../errors.js";
import { readQaFile } from "../eval/qa-file.js";
import { runEval, type CategoryTotals, type EvalTotals, type GenerationTotals, type QuestionResult } from "../eval/run-eval.js";
import { forTerminal, jsonForTerminal } from "../text/terminal-safe.js";
import { EXIT, type CliIo } from "./io.js";

export const EVAL_USAGE = "Usage: npm run eval -- --qa FILE.jsonl [--json] [--retrieval hybrid|lexical|dense] [--mode extractive|llm]";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function resultLine(r: QuestionResult): string {
  const rank = r.answerable ? `rank ${r.firstRelevantRank ?? "-"}`.padEnd(7) : "".padEnd(7);
  let verdict: string;
  if (r.error) verdict = `ERROR ${r.error}`;
  else if (!r.answerable) verdict = r.declined ? "ok   declined (unanswerable)" : "FAIL answered an unanswerable question";
  else if (r.declined) verdict = r.abstained ? "FAIL declined" : "FAIL declined in part";
  else if (!r.strictHit) verdict = `MISS lead lacks ${r.missingFromLead.map((g) => g.join("|")).join(", ")}${r.keywordHit ? " (found later in the answer)" : ""}`;
  else verdict = "ok";
  if (r.generation) verdict += ` [model ${r.generation.outcome}${r.generation.reason ? `: ${r.generation.reason}` : ""}]`;
  const cites = r.citedSources.length ? ` cites ${r.citationsCorrect}/${r.citedSources.length}` : "";
  const category = r.category ? ` [${r.category}]` : "";
  return `${r.id.padEnd(5)} ${rank} conf ${r.confidence.toFixed(2)} ${verdict}${cites} ${Math.round(r.latencyMs)} ms — ${r.question}${category}`;
}

/** Strict and keyword scores by category, answerable first. */
export function renderCategories(rows: readonly CategoryTotals[]): string {
  const lines = ["category                answerable  questions  strict (declined)  keyword"];
  for (const c of rows) {
    const score = `${c.correct}/${c.questions} ${pct(c.correct / c.questions)}`;
    lines.push(
      `${c.category.padEnd(24)}${(c.answerable ? "yes" : "no").padEnd(12)}${String(c.questions).padEnd(11)}${score.padEnd(19)}${c.answerable ? `${c.keywordHits}/${c.questions}` : "-"}`,
    );
  }
  return lines.join("\n");
}

export function renderTotals(t: EvalTotals): string {
  return [
    `Questions: ${t.questions} (${t.answerable} answerable, ${t.unanswerable} unanswerable), errors: ${t.errors}`,
    `Retrieval (articles): recall@1 ${pct(t.recallAt1)}  recall@3 ${pct(t.recallAt3)}  recall@5 ${pct(t.recallAt5)}  MRR ${t.mrr.toFixed(3)}`,
    `Retrieval (passages): answer-bearing passage in top 3 ${pct(t.answerPassageAt3)}`,
    `Answers: strict (lead) ${pct(t.strictRate)}  keyword hit rate ${pct(t.keywordHitRate)}  citation precision ${pct(t.citationPrecision)} (${t.citations} citations on answerable questions; ${t.citationsUnverified} in all not matching their file)`,
    `Abstention: precision ${pct(t.abstentionPrecision)}  recall ${pct(t.abstentionRecall)}  false abstentions ${t.falseAbstentions} (${pct(t.answerable ? t.falseAbstentions / t.answerable : 0)} of answerable)`,
    `Latency: p50 ${t.latencyP50Ms.toFixed(1)} ms  p95 ${t.latencyP95Ms.toFixed(1)} ms`,
    ...(t.generation ? generationLines(t.generation) : []),
  ].join("\n");
}

function generationLines(g: GenerationTotals): string[] {
  const reasons = Object.entries(g.fallbackReasons).map(([r, n]) => `${n}× ${r}`).join("; ");
  return [
    `Model answers: ${g.used} used, ${g.fallback} fell back to quotes${reasons ? ` (${reasons})` : ""}, ${g.skipped} not asked (evidence too weak)`,
    `Verification: ${g.claims - g.claimsRemoved}/${g.claims} claims kept; citations given ${g.citationsGiven}: kept ${g.citationsKept}, moved ${g.citationsMoved}, dropped ${g.citationsDropped}; added ${g.citationsAdded}`,
    `Verification time: p50 ${g.verifyP50Ms.toFixed(2)} ms  p95 ${g.verifyP95Ms.toFixed(2)} ms (generation p50 ${g.generateP50Ms.toFixed(0)} ms)`,
  ];
}

export async function evalCommand(args: string[], io: CliIo, config: Config, makeApp: (c: Config) => App): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      qa: { type: "string" },
      json: { type: "boolean", default: false },
      retrieval: { type: "string" },
      mode: { type: "string" },
    },
  });
  if (!values.qa) throw new AppError("BAD_USAGE", `--qa is required.\n${EVAL_USAGE}`);
  const mode = values.retrieval ?? config.retrieval.mode;
  if (mode !== "hybrid" && mode !== "lexical" && mode !== "dense") {
    throw new AppError("BAD_USAGE", `--retrieval must be hybrid, lexical or dense (got ${mode}).`);
  }
  const answerMode = values.mode ?? (config.llm.provider === "none" ? "extractive" : "llm");
  if (answerMode !== "extractive" && answerMode !== "llm") throw new AppError("BAD_USAGE", `--mode must be extractive or llm (got ${answerMode}).`);
  if (answerMode === "llm" && config.llm.provider === "none") {
    throw new AppError("BAD_USAGE", "--mode llm needs a language model: set LLM_PROVIDER and LLM_MODEL (see .env.example).");
  }
  const items = await readQaFile(path.resolve(io.cwd, values.qa));
  const app = makeApp(
    withConfig(config, (c) => ({
      ...c,
      retrieval: { ...c.retrieval, mode },
      llm: answerMode === "extractive" ? { ...c.llm, provider: "none" } : c.llm,
    })),
  );
  const report = await runEval(app, items, values.json ? undefined : (r) => io.stdout.write(`${forTerminal(resultLine(r))}\n`));
  if (values.json) {
    io.stdout.write(`${jsonForTerminal({ retrieval: mode, mode: answerMode, embedder: app.embedderId(), ...report.totals })}\n`);
  } else {
    io.stdout.write(
      `\nRetrieval mode: ${mode}; answers: ${answerMode}; embedder: ${app.embedderId()}\n${renderTotals(report.totals)}\n\n${renderCategories(report.totals.byCategory)}\n`,
    );
  }
  return EXIT.ok;
}
