import { performance } from "node:perf_hooks";
import type { App } from "../app.js";
import { findUnverifiedCitations } from "../answer/verify.js";
import { errorDetail, isAppError } from "../errors.js";
import type { Answer, GenerationTrace, VerificationStats } from "../types.js";
import type { QaItem } from "./qa-file.js";
import { leadOf, missingGroups } from "./score.js";

export interface QuestionResult {
  readonly id: string;
  readonly question: string;
  readonly answerable: boolean;
  readonly category: string | null;
  /** 1-based rank of the first article from `sources` in the retrieval ranking, or null. */
  readonly firstRelevantRank: number | null;
  readonly recallAt: { readonly 1: number; readonly 3: number; readonly 5: number };
  /** 1-based rank of the first passage that contains every keyword group, or null. */
  readonly answerPassageRank: number | null;
  readonly abstained: boolean;
  /** The answer says the articles do not answer the question, or part of it (coverage not "full"). */
  readonly declined: boolean;
  /** The answer's confidence (share of the question's term weight its evidence covers). */
  readonly confidence: number;
  /** Every keyword group matched (answerable questions only). */
  readonly keywordHit: boolean;
  readonly missingKeywords: readonly (readonly string[])[];
  /** Every keyword group matched in the lead (the answer up to its first citation; answerable questions only). */
  readonly strictHit: boolean;
  /** Groups the lead lacks. */
  readonly missingFromLead: readonly (readonly string[])[];
  readonly citedSources: readonly string[];
  readonly citationsCorrect: number;
  /** Citations whose quote is not the cited span of the file on disk. */
  readonly citationsUnverified: number;
  readonly latencyMs: number;
  readonly answer: string;
  readonly error: string | null;
  /** With a language model: whether its answer was used, and what verification did. */
  readonly generation: GenerationTrace | null;
}

export interface EvalTotals {
  readonly questions: number;
  readonly answerable: number;
  readonly unanswerable: number;
  /** Mean over answerable questions of |relevant in top k articles| / min(k, |relevant|). */
  readonly recallAt1: number;
  readonly recallAt3: number;
  readonly recallAt5: number;
  /** Mean reciprocal rank of the first relevant article. */
  readonly mrr: number;
  /** Share of answerable questions with a passage holding every keyword group among the top 3 passages. */
  readonly answerPassageAt3: number;
  /** Share of answerable questions whose answer contains every keyword group. */
  readonly keywordHitRate: number;
  /** Share of answerable questions whose lead contains every keyword group (the main score). */
  readonly strictRate: number;
  /** Share of citations (in answers to answerable questions) that cite one of the question's sources. */
  readonly citationPrecision: number;
  /** Citations in answers to answerable questions (the precision's denominator). */
  readonly citations: number;
  /** Citations, in any answer, whose quote is not the cited span of the file on disk. */
  readonly citationsUnverified: number;
  /** Of the answers that declined (all or part of the question), the share on unanswerable questions (1 when there were none). */
  readonly abstentionPrecision: number;
  /** Of the unanswerable questions, the share declined. */
  readonly abstentionRecall: number;
  /** Answerable questions the bot declined (all or in part). */
  readonly falseAbstentions: number;
  /** Per category (questions without one under "none"): count, and strict hits or correct declines. */
  readonly byCategory: readonly CategoryTotals[];
  readonly errors: number;
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
  /** With a language model: how often its answer was used, and the verification totals. */
  readonly generation: GenerationTotals | null;
}

export interface CategoryTotals {
  readonly category: string;
  readonly answerable: boolean;
  readonly questions: number;
  /** Answerable: strict hits. Unanswerable: declined. */
  readonly correct: number;
  /** Answerable: keyword hits anywhere in the answer. Unanswerable: same as correct. */
  readonly keywordHits: number;
}

/** Counts are the sums of every answer's VerificationStats. */
export interface GenerationTotals extends VerificationStats {
  readonly used: number;
  readonly fallback: number;
  readonly skipped: number;
  /** Why answers fell back, with counts. */
  readonly fallbackReasons: Readonly<Record<string, number>>;
  readonly verifyP50Ms: number;
  readonly verifyP95Ms: number;
  readonly generateP50Ms: number;
}

function generationTotals(results: readonly QuestionResult[]): GenerationTotals | null {
  const traces = results.map((r) => r.generation).filter((g): g is GenerationTrace => g !== null);
  if (traces.length === 0) return null;
  const sum = (key: keyof VerificationStats) => traces.reduce((a, g) => a + (g.stats?.[key] ?? 0), 0);
  const reasons: Record<string, number> = {};
  for (const g of traces) if (g.outcome === "fallback" && g.reason) reasons[g.reason.replace(/\d+/g, "N")] = (reasons[g.reason.replace(/\d+/g, "N")] ?? 0) + 1;
  const verified = traces.filter((g) => g.stats !== null);
  const generated = traces.filter((g) => g.outcome !== "skipped");
  return {
    used: traces.filter((g) => g.outcome === "used").length,
    fallback: traces.filter((g) => g.outcome === "fallback").length,
    skipped: traces.filter((g) => g.outcome === "skipped").length,
    fallbackReasons: reasons,
    claims: sum("claims"),
    claimsKept: sum("claimsKept"),
    claimsRemoved: sum("claimsRemoved"),
    citationsGiven: sum("citationsGiven"),
    citationsKept: sum("citationsKept"),
    citationsMoved: sum("citationsMoved"),
    citationsDropped: sum("citationsDropped"),
    citationsAdded: sum("citationsAdded"),
    verifyP50Ms: percentile(verified.map((g) => g.verifyMs), 50),
    verifyP95Ms: percentile(verified.map((g) => g.verifyMs), 95),
    generateP50Ms: percentile(generated.map((g) => g.generateMs), 50),
  };
}

export interface EvalReport {
  readonly results: readonly QuestionResult[];
  readonly totals: EvalTotals;
}

/** Asks every question and scores retrieval, answers, citations, abstention and latency. */
export async function runEval(app: App, items: readonly QaItem[], onResult?: (r: QuestionResult) => void): Promise<EvalReport> {
  await app.ready();
  const results: QuestionResult[] = [];
  for (const item of items) {
    const r = await evaluateOne(app, item);
    results.push(r);
    onResult?.(r);
  }
  return { results, totals: totalsOf(results) };
}

async function evaluateOne(app: App, item: QaItem): Promise<QuestionResult> {
  const relevant = new Set(item.sources);
  let ranking: string[] = [];
  let passageTexts: string[] = [];
  let answer: Answer | null = null;
  let error: string | null = null;
  let latencyMs = 0;
  try {
    const t0 = performance.now();
    answer = await app.ask(item.question);
    latencyMs = performance.now() - t0;
    ranking = [...answer.articles];
    passageTexts = answer.passages.map((p) => p.chunk.text.toLowerCase());
  } catch (e) {
    error = isAppError(e) ? e.userMessage : errorDetail(e);
  }
  const firstIndex = ranking.findIndex((s) => relevant.has(s));
  const recall = (k: number) =>
    relevant.size === 0 ? 0 : ranking.slice(0, k).filter((s) => relevant.has(s)).length / Math.min(k, relevant.size);
  const declined = answer !== null && answer.coverage !== "full";
  const text = answer && !declined ? answer.text : "";
  const missingKeywords = missingGroups(text, item.keywords);
  const missingFromLead = missingGroups(leadOf(text, item.parts), item.keywords);
  const containsKeywords = (t: string) => item.keywords.every((group) => group.some((k) => t.includes(k.toLowerCase())));
  const passageIndex = item.answerable ? passageTexts.findIndex(containsKeywords) : -1;
  const citations = answer?.citations ?? [];
  const unverified = answer ? await findUnverifiedCitations(citations, app.config.corpusDir) : [];
  return {
    id: item.id,
    question: item.question,
    answerable: item.answerable,
    category: item.category ?? null,
    firstRelevantRank: firstIndex >= 0 ? firstIndex + 1 : null,
    recallAt: { 1: recall(1), 3: recall(3), 5: recall(5) },
    answerPassageRank: passageIndex >= 0 ? passageIndex + 1 : null,
    abstained: answer?.abstained ?? false,
    declined,
    confidence: answer?.confidence ?? 0,
    keywordHit: answer !== null && !declined && missingKeywords.length === 0,
    missingKeywords,
    strictHit: answer !== null && !declined && missingFromLead.length === 0,
    missingFromLead,
    citedSources: citations.map((c) => c.source),
    citationsCorrect: citations.filter((c) => relevant.has(c.source)).length,
    citationsUnverified: unverified.length,
    latencyMs,
    answer: answer?.text ?? "",
    error,
    generation: answer?.generation ?? null,
  };
}

function categoryTotals(results: readonly QuestionResult[]): CategoryTotals[] {
  const groups = new Map<string, QuestionResult[]>();
  for (const r of results) {
    const key = `${r.answerable ? 1 : 0}\t${r.category ?? "none"}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()]
    .map(([key, rs]) => {
      const answerable = key.startsWith("1");
      const correct = rs.filter((r) => (answerable ? r.strictHit : r.declined)).length;
      return {
        category: key.split("\t")[1] ?? "none",
        answerable,
        questions: rs.length,
        correct,
        keywordHits: answerable ? rs.filter((r) => r.keywordHit).length : correct,
      };
    })
    .sort((a, b) => Number(b.answerable) - Number(a.answerable) || b.questions - a.questions || a.category.localeCompare(b.category));
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

export function totalsOf(results: readonly QuestionResult[]): EvalTotals {
  const answerable = results.filter((r) => r.answerable);
  const unanswerable = results.filter((r) => !r.answerable);
  const declined = results.filter((r) => r.declined);
  const citations = answerable.reduce((a, r) => a + r.citedSources.length, 0);
  const ok = results.filter((r) => r.error === null);
  return {
    questions: results.length,
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    recallAt1: mean(answerable.map((r) => r.recallAt[1])),
    recallAt3: mean(answerable.map((r) => r.recallAt[3])),
    recallAt5: mean(answerable.map((r) => r.recallAt[5])),
    mrr: mean(answerable.map((r) => (r.firstRelevantRank ? 1 / r.firstRelevantRank : 0))),
    answerPassageAt3: mean(answerable.map((r) => (r.answerPassageRank !== null && r.answerPassageRank <= 3 ? 1 : 0))),
    keywordHitRate: mean(answerable.map((r) => (r.keywordHit ? 1 : 0))),
    strictRate: mean(answerable.map((r) => (r.strictHit ? 1 : 0))),
    citationPrecision: citations ? answerable.reduce((a, r) => a + r.citationsCorrect, 0) / citations : 1,
    citations,
    citationsUnverified: results.reduce((a, r) => a + r.citationsUnverified, 0),
    abstentionPrecision: declined.length ? declined.filter((r) => !r.answerable).length / declined.length : 1,
    abstentionRecall: unanswerable.length ? unanswerable.filter((r) => r.declined).length / unanswerable.length : 1,
    falseAbstentions: answerable.filter((r) => r.declined).length,
    byCategory: categoryTotals(results),
    errors: results.length - ok.length,
    latencyP50Ms: percentile(ok.map((r) => r.latencyMs), 50),
    latencyP95Ms: percentile(ok.map((r) => r.latencyMs), 95),
    generation: generationTotals(results),
  };
}
