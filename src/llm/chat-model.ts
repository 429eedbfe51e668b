import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AsyncCaller, type FailedAttemptHandler } from "@langchain/core/utils/async_caller";
import type { LlmConfig } from "../config.js";
import { AppError, errorDetail } from "../errors.js";
import { isNothingListening } from "./breaker.js";

/**
 * LangChain's retry policy (no retry on a 4xx or an abort, waits for a 429's
 * Retry-After, ...), except that a connection nobody could have made (refused:
 * nothing listens on the port; unknown host) is not retried: LangChain retries
 * every connection error after 1-2 s of back-off (p-retry, randomised), which
 * with LLM_MAX_RETRIES=1 made every question to a dead server wait that long
 * for a second refusal before quoting.
 */
const defaultOnFailedAttempt: FailedAttemptHandler = (new AsyncCaller({}) as unknown as { onFailedAttempt: FailedAttemptHandler }).onFailedAttempt;

export const onFailedAttempt: FailedAttemptHandler = (error: unknown) => {
  if (isNothingListening(error)) throw error;
  return defaultOnFailedAttempt(error);
};

/**
 * The configured chat model, through LangChain's provider-neutral
 * `initChatModel`. "openai" covers every OpenAI-compatible server (OpenAI,
 * Ollama's /v1, LM Studio, vLLM, llama.cpp server) by its base URL.
 */
export async function createChatModel(cfg: LlmConfig): Promise<BaseChatModel> {
  try {
    const { initChatModel } = await import("langchain/chat_models/universal");
    const model = await initChatModel(cfg.model, {
      modelProvider: cfg.provider,
      // The OpenAI client insists on a key; local servers ignore it.
      apiKey: cfg.apiKey || "not-needed",
      configuration: { ...(cfg.baseUrl ? { baseURL: cfg.baseUrl } : {}), logLevel: "off" },
      temperature: cfg.temperature,
      maxTokens: cfg.maxTokens,
      // Bounds waiting for the first byte; the whole stream is bounded by a signal per call.
      timeout: cfg.timeoutMs,
      // Retries are LangChain's (the openai client it wraps is given maxRetries 0).
      maxRetries: cfg.maxRetries,
      onFailedAttempt,
    });
    return model as unknown as BaseChatModel;
  } catch (error) {
    throw new AppError("LLM_UNAVAILABLE", `The chat model ${cfg.model} could not be set up (${errorDetail(error)}). Check LLM_PROVIDER and LLM_MODEL.`, {
      cause: error,
    });
  }
}
