import { performance } from "node:perf_hooks";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Composed } from "../answer/compose.js";
import type { CorpusView } from "../answer/evidence.js";
import type { LlmConfig } from "../config.js";
import { errorDetail } from "../errors.js";
import type { Logger } from "../log.js";
import type { GenerationTrace, Passage } from "../types.js";
import { CircuitBreaker, unavailability } from "./breaker.js";
import { asData, chatPrompt, textPrompt } from "./prompts.js";
import { verifyAnswer } from "./verify.js";

/*
 * A generated answer: the model writes from numbered passages, then every
 * claim is checked against what it cites (verify.ts) before anyone sees it.
 * Whenever the model cannot give a verified answer — it fails, times out,
 * abstains, loses most of its claims in verification, or follows something
 * other than the question (an order planted in an article, a link no passage
 * states) — the extractive answer is used instead, and the trace says why.
 */

export interface LlmDeps {
  readonly config: LlmConfig;
  readonly model: () => Promise<BaseChatModel>;
  readonly log: Logger;
  /** Skips the model while its server is unavailable; one is made per deps when not given. */
  readonly breaker?: CircuitBreaker;
}

const breakers = new WeakMap<LlmDeps, CircuitBreaker>();

/** The breaker of the model server `deps` call: theirs, or one kept for them (the answer and the follow-up rewrite share it). */
export function breakerOf(deps: LlmDeps): CircuitBreaker {
  if (deps.breaker) return deps.breaker;
  let breaker = breakers.get(deps);
  if (!breaker) {
    breaker = new CircuitBreaker({ log: deps.log, server: deps.config.baseUrl || "OpenAI" });
    breakers.set(deps, breaker);
  }
  return breaker;
}

/** The model's word for "the passages do not answer this" (see prompts/answer.system.md): the whole reply. */
const ABSTAIN_TOKEN = /^\W*NOT_IN_PASSAGES\W*$/;

/**
 * Reasoning models think aloud in <think> blocks before they answer; that is not the answer.
 * A closing tag with no opening one (chat templates that put "<think>" in the prompt) ends reasoning too.
 */
export function withoutReasoning(text: string): string {
  const rest = text.replace(/<think>[\s\S]*?(<\/think>|$)/gi, "");
  const close = rest.toLowerCase().lastIndexOf("</think>");
  return close < 0 ? rest : rest.slice(close + "</think>".length);
}

const THINK_TAG = "<think>";

/**
 * What may be shown of a reply still being written: no reasoning, and not the
 * beginning of a <think> tag that the next chunk may complete ("<th" would be
 * shown, then vanish into the block and make the draft shorter than what the
 * reader already saw).
 */
export function visibleDraft(raw: string): string {
  // Models put blank lines after their reasoning; the answer, like the checked one, starts at its first word.
  const text = withoutReasoning(raw).trimStart();
  for (let n = Math.min(THINK_TAG.length - 1, text.length); n > 0; n--) {
    if (text.slice(-n).toLowerCase() === THINK_TAG.slice(0, n)) return text.slice(0, -n);
  }
  return text;
}

/** Fills the prompt with the first `config.passages` passages, numbered from 1. */
async function buildMessages(question: string, shown: readonly Passage[], corpus: CorpusView, config: LlmConfig) {
  const passageTemplate = await textPrompt(config.promptsDir, "passage.md", ["n", "text"]);
  const blocks = await Promise.all(
    shown.map((p, i) => {
      const meta = corpus.article(p.chunk.source)?.meta;
      const values: Record<string, string> = {
        n: String(i + 1),
        title: asData(meta?.title.value ?? p.chunk.source),
        outlet: asData(meta?.outlet.value ?? "outlet unknown"),
        date: asData(meta?.date.value ?? "date unknown"),
        source: asData(p.chunk.source),
        text: asData(p.chunk.text),
      };
      return passageTemplate.format(Object.fromEntries(passageTemplate.inputVariables.map((v) => [v, values[v] ?? ""])));
    }),
  );
  const prompt = await chatPrompt(config.promptsDir, "answer", ["passages", "question"]);
  return prompt.formatMessages({ passages: blocks.join("\n\n"), question: asData(question) });
}

/** Reads and checks every prompt template a generated answer needs. */
export async function checkPrompts(config: LlmConfig): Promise<void> {
  await textPrompt(config.promptsDir, "passage.md", ["n", "text"]);
  await chatPrompt(config.promptsDir, "answer", ["passages", "question"]);
  await chatPrompt(config.promptsDir, "rewrite-follow-up", ["previous", "followUp"]);
}

export async function answerWithLlm(
  question: string,
  passages: readonly Passage[],
  corpus: CorpusView,
  extractive: Composed,
  deps: LlmDeps,
  onPartial?: (text: string) => void,
): Promise<{ composed: Composed; trace: GenerationTrace }> {
  const { config, log } = deps;
  // The deadline covers everything from here: prompts, loading the model, and the whole stream.
  const t0 = performance.now();
  const signal = AbortSignal.timeout(config.timeoutMs);
  const base = { model: config.model, generateMs: 0, verifyMs: 0, stats: null, raw: null };
  // The question's analysis gates the call: a question about a name no article mentions, a speaker who did
  // not say it, a year or a part the articles do not cover is answered (declined) without the model.
  if (extractive.coverage !== "full") {
    const reason = extractive.abstained ? "the articles do not cover the question" : "the articles cover only part of the question";
    return { composed: extractive, trace: { ...base, outcome: "skipped", reason } };
  }
  const fallback = (reason: string, extra: Partial<GenerationTrace> = {}) => {
    log.info("llm.fallback", { reason });
    return { composed: extractive, trace: { ...base, ...extra, outcome: "fallback" as const, reason } };
  };
  // While the server is unavailable, quote at once (the breaker warns once per outage, not per question).
  const admission = breakerOf(deps).admit();
  if (!admission.allowed) {
    log.debug("llm.skipped", { reason: admission.reason });
    return { composed: extractive, trace: { ...base, outcome: "fallback", reason: admission.reason } };
  }
  const { permit } = admission;

  const shown = passages.slice(0, config.passages);
  let raw = "";
  let draft = "";
  let sent = false;
  let replied = false;
  try {
    const messages = await buildMessages(question, shown, corpus, config);
    const model = await deps.model();
    // The signal bounds the whole answer; the client's own timeout only covers the wait for the first byte.
    signal.throwIfAborted();
    sent = true;
    const stream = await model.stream(messages, { signal });
    for await (const chunk of stream) {
      replied = true;
      raw += chunk.text;
      // Only text the reader may see, and only when there is more of it: a <think> block streams nothing.
      const next = visibleDraft(raw);
      if (next !== draft) onPartial?.(next);
      draft = next;
    }
  } catch (error) {
    const timedOut = (error as Error)?.name === "TimeoutError" || /timed out|aborted due to timeout/i.test(errorDetail(error));
    // Only a failure before the server said anything means it is unavailable; a stream cut midway does not.
    const cause = sent && !replied ? unavailability(error) : null;
    log.warn("llm.failed", { error, timedOut, ...(cause ? { unavailable: cause } : {}) });
    if (cause) permit.unavailable(cause);
    else if (sent) permit.reached();
    else permit.release();
    const detail = errorDetail(error).split("\n")[0]?.trim();
    const failed = `the model failed: ${detail}${cause && !timedOut ? ` (${cause})` : ""}`;
    return fallback(timedOut ? `the model took longer than ${config.timeoutMs} ms` : failed, {
      generateMs: performance.now() - t0,
      raw: raw || null,
    });
  }
  permit.reached();
  const generateMs = performance.now() - t0;
  const written = withoutReasoning(raw).trim();
  if (written === "" || ABSTAIN_TOKEN.test(written)) {
    return fallback(written === "" ? "the model wrote nothing" : "the model found no answer in the passages", { generateMs, raw });
  }

  const t1 = performance.now();
  const verified = verifyAnswer(written, shown, corpus, { threshold: config.supportThreshold });
  const verifyMs = performance.now() - t1;
  const { stats } = verified;
  const trace = { generateMs, verifyMs, stats, raw };
  // An answer that follows something other than the question is not trusted in any part.
  if (verified.rejected) return fallback(`the answer ${verified.rejected}`, trace);
  if (stats.claims === 0 || stats.claimsKept / stats.claims < config.minSupported) {
    return fallback(`verification kept ${stats.claimsKept} of ${stats.claims} claims`, trace);
  }
  return {
    composed: { ...extractive, text: verified.text, citations: verified.citations, coverage: "full", abstained: false },
    trace: { ...base, ...trace, outcome: "used", reason: null },
  };
}
