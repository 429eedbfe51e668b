import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { memoryLogger } from "../../src/log.js";
import { cleanup, SEEDS, tempDir, testConfig } from "../helpers.js";

/*
 * App.warmUp (what the bot and the console run after loading): questions
 * through the answer path, never through a language model, never failing.
 */

let dataDir: string;
beforeAll(async () => {
  dataDir = await tempDir();
});
afterAll(() => cleanup(dataDir));

describe("warmUp", () => {
  it("runs the answer path once loaded, without a model even when one is configured", async () => {
    const log = memoryLogger("debug");
    // A model server nobody listens on: any request to it would be logged as a failure.
    const app = createApp(testConfig({ CORPUS_DIR: SEEDS, DATA_DIR: dataDir, EMBEDDER: "use", LLM_PROVIDER: "openai", LLM_MODEL: "m", LLM_BASE_URL: "http://127.0.0.1:9/v1", LLM_MAX_RETRIES: "0" }), { log });
    await app.ready();
    await app.warmUp();
    const events = log.lines.map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toContain("app.warmed_up");
    expect(events.filter((e) => e.startsWith("llm.") && e !== "llm.prompts_invalid")).toEqual([]);
    expect(events).not.toContain("app.warm_up_failed");
  });

  it("logs, and does not throw, when the app cannot load", async () => {
    const log = memoryLogger("debug");
    const app = createApp(testConfig({ CORPUS_DIR: `${dataDir}/no-such-folder`, DATA_DIR: dataDir, EMBEDDER: "use" }), { log });
    await app.warmUp();
    expect(log.lines.some((l) => l.includes("app.warm_up_failed"))).toBe(true);
  });
});
