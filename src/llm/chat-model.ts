import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { LlmConfig } from "../config.js";
import { AppError, errorDetail } from "../errors.js";

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
      maxRetries: cfg.maxRetries,
    });
    return model as unknown as BaseChatModel;
  } catch (error) {
    throw new AppError("LLM_UNAVAILABLE", `The chat model ${cfg.model} could not be set up (${errorDetail(error)}). Check LLM_PROVIDER and LLM_MODEL.`, {
      cause: error,
    });
  }
}
