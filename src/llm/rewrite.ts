import { rewriteFollowUp, needsContext } from "../answer/follow-up.js";
import { errorDetail } from "../errors.js";
import { uniqueTerms } from "../text/terms.js";
import { breakerOf, withoutReasoning, type LlmDeps } from "./answer.js";
import { unavailability } from "./breaker.js";
import { asData, chatPrompt } from "./prompts.js";

/** The question in a reply that may add chatter ("Sure! Here is the question:"): its last line, unlabelled. */
function questionIn(reply: string): string | null {
  const line = reply
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1)
    ?.replace(/^(?:rewritten|standalone)?\s*question\s*:\s*/i, "")
    .replace(/^["“'*]+|["”'*]+$/g, "")
    .trim();
  return line && line.length <= 300 && /\?$/.test(line) ? line : null;
}

/**
 * The rewrite may only rephrase: every word it uses must come from the previous
 * question, the follow-up or the names of the people in the articles. Anything
 * else (an instruction smuggled in by either message) sends it back to the rules.
 */
function onlyKnownWords(rewrite: string, previous: string, followUp: string, people: readonly string[]): boolean {
  const allowed = new Set([...uniqueTerms(previous), ...uniqueTerms(followUp), ...people.flatMap((p) => uniqueTerms(p))]);
  return uniqueTerms(rewrite).every((t) => allowed.has(t));
}

/**
 * A follow-up as a standalone question, written by the model with the
 * rewriting prompt; the rule-based rewrite is used when the model is not
 * configured, fails, or returns something that is not one short question.
 */
export async function standaloneQuestion(
  previous: string,
  followUp: string,
  people: readonly string[],
  deps: LlmDeps | null,
): Promise<string> {
  const rules = () => rewriteFollowUp(previous, followUp, people);
  if (!deps || !previous.trim() || !needsContext(followUp, people)) return rules();
  // The answer and the rewrite share the breaker: while the server is unavailable, the rules rewrite at once.
  const admission = breakerOf(deps).admit();
  if (!admission.allowed) {
    deps.log.debug("llm.rewrite_skipped", { reason: admission.reason });
    return rules();
  }
  const { permit } = admission;
  let sent = false;
  try {
    const prompt = await chatPrompt(deps.config.promptsDir, "rewrite-follow-up", ["previous", "followUp"]);
    const messages = await prompt.formatMessages({ previous: asData(previous), followUp: asData(followUp) });
    const model = await deps.model();
    sent = true;
    const reply = await model.invoke(messages, { signal: AbortSignal.timeout(deps.config.timeoutMs) });
    permit.reached();
    const text = questionIn(withoutReasoning(reply.text));
    return text && onlyKnownWords(text, previous, followUp, people) ? text : rules();
  } catch (error) {
    const cause = sent ? unavailability(error) : null;
    deps.log.warn("llm.rewrite_failed", { reason: errorDetail(error), ...(cause ? { unavailable: cause } : {}) });
    if (cause) permit.unavailable(cause);
    else if (sent) permit.reached();
    else permit.release();
    return rules();
  }
}
