import { describe, expect, it } from "vitest";
import { loadConfig, OLLAMA_BASE_URL } from "../../src/config.js";
import { AppError } from "../../src/errors.js";

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, "/x");
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).userMessage;
  }
  throw new Error("expected the configuration to be refused");
}

describe("LLM_PROVIDER", () => {
  it("ollama is the OpenAI-compatible client at Ollama's local endpoint, with no key needed", () => {
    const { llm } = loadConfig({ LLM_PROVIDER: "ollama", LLM_MODEL: "llama3.1" }, "/x");
    expect(llm).toMatchObject({ provider: "openai", model: "llama3.1", baseUrl: "http://127.0.0.1:11434/v1", apiKey: "" });
    expect(OLLAMA_BASE_URL).toBe("http://127.0.0.1:11434/v1");
  });

  it("ollama takes LLM_BASE_URL when it is set (Ollama on another host), and model names with tags", () => {
    const { llm } = loadConfig({ LLM_PROVIDER: "ollama", LLM_MODEL: "qwen2.5:7b-instruct", LLM_BASE_URL: "http://gpu-box:11434/v1" }, "/x");
    expect(llm).toMatchObject({ provider: "openai", model: "qwen2.5:7b-instruct", baseUrl: "http://gpu-box:11434/v1" });
  });

  it("is read without regard to case or surrounding spaces", () => {
    expect(loadConfig({ LLM_PROVIDER: " Ollama ", LLM_MODEL: "llama3.1" }, "/x").llm.provider).toBe("openai");
    expect(loadConfig({ LLM_PROVIDER: "OpenAI", LLM_MODEL: "gpt-4o-mini" }, "/x").llm).toMatchObject({ provider: "openai", baseUrl: "" });
  });

  it("ollama without LLM_MODEL says which variable to set, with an example", () => {
    const message = configError({ LLM_PROVIDER: "ollama" });
    expect(message).toContain("LLM_PROVIDER=ollama needs LLM_MODEL");
    expect(message).toContain("LLM_MODEL=llama3.1");
  });

  it("an unknown value is refused with the accepted values listed", () => {
    const message = configError({ LLM_PROVIDER: "olama" });
    expect(message).toMatch(/LLM_PROVIDER="olama": expected one of: none .*, openai .*, ollama /);
  });

  it("openai and none are unchanged: no default base URL, none needs no model", () => {
    expect(loadConfig({ LLM_PROVIDER: "openai", LLM_MODEL: "gpt-4o-mini" }, "/x").llm).toMatchObject({ provider: "openai", baseUrl: "" });
    expect(loadConfig({}, "/x").llm).toMatchObject({ provider: "none", baseUrl: "" });
    expect(configError({ LLM_PROVIDER: "openai" })).toContain("LLM_MODEL is empty");
  });
});
