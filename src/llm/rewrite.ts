import { rewriteFollowUp, needsContext } from "../answer/follow-up.js";
import { errorDetail } from "../errors.js";
import type { LlmDeps } from "./answer.js";
import { asData, chatPrompt } from "./prompts.js";

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
  try {
    const prompt = await chatPrompt(deps.config.promptsDir, "rewrite-follow-up", ["previous", "followUp"]);
    const messages = await prompt.formatMessages({ previous: asData(previous), followUp: asData(followUp) });
    const model = await deps.model();
    const reply = await model.invoke(messages, { signal: AbortSignal.timeout(deps.config.timeoutMs) });
    const text = (typeof reply.content === "string" ? reply.content : "").split("\n")[0]?.trim().replace(/^["“']|["”']$/g, "") ?? "";
    if (!text || text.length > Math.max(300, followUp.length * 3) || /NOT_IN_PASSAGES/.test(text)) return rules();
    return text;
  } catch (error) {
    deps.log.warn("llm.rewrite_failed", { reason: errorDetail(error) });
    return rules();
  }
}
