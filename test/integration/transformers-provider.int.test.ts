import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { createEmbedder, FALLBACK_FILE } from "../../src/ingest/embedders/create-embedder.js";
import { explainLoadFailure, TransformersEmbeddings } from "../../src/ingest/embedders/transformers.js";
import { USE_LITE_ID } from "../../src/ingest/embedders/use-lite.js";
import { createLogger, memoryLogger, silentLogger, type Logger } from "../../src/log.js";
import { cleanup, tempDir, testConfig, tinyModelEnv } from "../helpers.js";
import { writeTinyBertModel } from "../fixtures/tiny-bert.js";
import { blockedRequests } from "../setup-no-network.js";

/*
 * The real @xenova/transformers loading path (tokenizer, ONNX session,
 * pooling, normalisation, batching) against a tiny BERT the test writes,
 * since no model hub is reachable here.
 */

let root: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  root = await tempDir();
  env = { ...(await tinyModelEnv(root)), DATA_DIR: `${root}/data` };
});
afterAll(() => cleanup(root));

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe("TransformersEmbeddings", () => {
  it("loads a local model and embeds documents in batches, normalised, deterministically", async () => {
    const config = testConfig({ ...env, EMBED_BATCH_SIZE: "2" });
    const e = await TransformersEmbeddings.load(config.embedder.transformers, config.embedder.batchSize, silentLogger);
    expect(e.dimensions).toBe(32);
    const texts = ["china trade deficit", "russia ukraine war", "china trade deficit", "summit in beijing", "tariffs"];
    const vectors = await e.embedDocuments(texts);
    expect(vectors).toHaveLength(5);
    for (const v of vectors) {
      expect(v).toHaveLength(32);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    // Batching must not change a text's vector (padding is masked).
    expect(vectors[2]).toEqual(vectors[0]);
    const [alone] = await e.embedDocuments(["china trade deficit"]);
    expect(alone?.map((x) => x.toFixed(5))).toEqual(vectors[0]?.map((x) => x.toFixed(5)));
    expect(cosine(vectors[0] ?? [], vectors[1] ?? [])).toBeLessThan(0.95);
  });

  it("adds the query prefix to questions only, and a prefix change needs no re-indexing", async () => {
    const config = testConfig(env);
    const e = await TransformersEmbeddings.load(config.embedder.transformers, 16, silentLogger);
    const [doc] = await e.embedDocuments(["china trade deficit"]);
    const query = await e.embedQuery("china trade deficit");
    const [prefixed] = await e.embedDocuments(["query: china trade deficit"]);
    expect(query).not.toEqual(doc);
    expect(query.map((x) => x.toFixed(5))).toEqual(prefixed?.map((x) => x.toFixed(5)));
    const other = await TransformersEmbeddings.load(testConfig({ ...env, TRANSFORMERS_QUERY_PREFIX: "" }).embedder.transformers, 16, silentLogger);
    expect(other.id).toBe(e.id);
    expect(await other.embedQuery("china trade deficit")).toEqual(doc);
  });

  it("honours pooling and normalisation settings and puts them in its id", async () => {
    const mean = testConfig(env).embedder.transformers;
    const cls = testConfig({ ...env, TRANSFORMERS_POOLING: "cls", TRANSFORMERS_NORMALIZE: "false" }).embedder.transformers;
    const a = await TransformersEmbeddings.load(mean, 16, silentLogger);
    const b = await TransformersEmbeddings.load(cls, 16, silentLogger);
    expect(a.id).not.toBe(b.id);
    expect(b.id).toContain(":cls:raw:");
    const [va] = await a.embedDocuments(["europe and china"]);
    const [vb] = await b.embedDocuments(["europe and china"]);
    expect(va).not.toEqual(vb);
    expect(Math.abs(Math.hypot(...(vb ?? [])) - 1)).toBeGreaterThan(1e-3);
  });

  it("loads the unquantized file when quantization is off", async () => {
    const config = testConfig({ ...env, TRANSFORMERS_QUANTIZED: "false" });
    const e = await TransformersEmbeddings.load(config.embedder.transformers, 16, silentLogger);
    expect(e.id).toMatch(/:fp32$/);
    const quantized = await TransformersEmbeddings.load(testConfig(env).embedder.transformers, 16, silentLogger);
    expect(quantized.id).not.toMatch(/:fp32$/);
    // The fixture's two files hold different weights: other vectors mean the other file was read.
    const v = await e.embedQuery("trade");
    expect(v).toHaveLength(32);
    expect(v).not.toEqual(await quantized.embedQuery("trade"));
  });

  it("says what to do when the model is missing and downloads are off", async () => {
    const config = testConfig({ ...env, TRANSFORMERS_MODEL: "nobody/missing-model" });
    const error = await TransformersEmbeddings.load(config.embedder.transformers, 16, silentLogger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    const message = (error as AppError).userMessage;
    expect(message).toContain("nobody/missing-model");
    expect(message).toContain("TRANSFORMERS_ALLOW_REMOTE=false");
    expect(message).toContain("EMBEDDER=use");
  });

  it("explains an unreachable hub, a missing remote model and other failures differently", () => {
    const cfg = testConfig(env).embedder.transformers;
    const offline = new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } });
    expect(explainLoadFailure(cfg, offline)).toMatch(/could not be reached.*ENOTFOUND/);
    expect(explainLoadFailure(cfg, new Error('Could not locate file: "https://huggingface.co/x" (404 Not Found)'))).toMatch(
      /Check TRANSFORMERS_MODEL/,
    );
    expect(explainLoadFailure(cfg, new Error("protobuf parsing failed"))).toMatch(/could not be loaded: protobuf parsing failed/);
  });
});

describe("createEmbedder", () => {
  it("falls back to the bundled offline embedder with one short warning, and why at debug level", async () => {
    // What an operator sees at the default LOG_LEVEL=info, and what LOG_LEVEL=debug adds.
    const info: string[] = [];
    const text = createLogger({ level: "info", format: "text", write: (l) => info.push(l) });
    const debug = memoryLogger("debug");
    const both: Logger = {
      debug: (e, f) => (text.debug(e, f), debug.debug(e, f)),
      info: (e, f) => (text.info(e, f), debug.info(e, f)),
      warn: (e, f) => (text.warn(e, f), debug.warn(e, f)),
      error: (e, f) => (text.error(e, f), debug.error(e, f)),
      child: () => both,
    };
    const before = blockedRequests.length;
    const config = testConfig({
      ...env,
      TRANSFORMERS_MODEL: "nobody/missing-model",
      TRANSFORMERS_ALLOW_REMOTE: "true",
      EMBEDDER_FALLBACK: "true",
    });
    const e = await createEmbedder(config, both);
    expect(e.id).toBe(USE_LITE_ID);
    expect(e.dimensions).toBe(512);
    // One line, short: what was wanted, what is used, how to skip the attempt and how to see why.
    expect(info).toHaveLength(1);
    const [line = ""] = info;
    expect(line).toMatch(/^\S+ WARN embedder\.fallback /);
    expect(line).not.toContain("\n");
    expect(line.length).toBeLessThan(200);
    expect(line).toContain("wanted=nobody/missing-model");
    expect(line).toContain(`using=${USE_LITE_ID}`);
    expect(line).toContain("EMBEDDER=use");
    expect(line).toContain("LOG_LEVEL=debug");
    expect(line).not.toContain("could not be reached");
    // The full reason, at debug level only.
    const reason = debug.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.event === "embedder.fallback_reason");
    expect(reason).toMatchObject({ level: "debug", wanted: "nobody/missing-model" });
    expect(String(reason?.reason)).toContain("could not be reached");
    expect(String(reason?.reason)).toContain("EMBEDDER=use");
    // It did try the hub (and the test harness refused it).
    expect(blockedRequests.slice(before).some((u) => u.includes("huggingface.co"))).toBe(true);
  });

  it("remembers a fallback in the data folder until the model's folders change, so the next start does not try the model again", async () => {
    const config = testConfig({ ...env, DATA_DIR: path.join(root, "data-remember"), TRANSFORMERS_MODEL: "test/arrives-later", EMBEDDER_FALLBACK: "true" });
    const events = (log: ReturnType<typeof memoryLogger>) => log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = memoryLogger("debug");
    expect((await createEmbedder(config, first)).id).toBe(USE_LITE_ID);
    expect(events(first).find((e) => e.event === "embedder.fallback_reason")?.reason).toMatch(/not in .*downloads are off/);
    // Not on disk with downloads off: that repeats until the folders change, so a day.
    const marker = async (dir: string) => JSON.parse(await readFile(path.join(dir, FALLBACK_FILE), "utf8")) as { at: string; until: string };
    const kept = await marker(config.dataDir);
    expect(Date.parse(kept.until) - Date.parse(kept.at)).toBe(24 * 3600 * 1000);
    const second = memoryLogger("debug");
    expect((await createEmbedder(config, second)).id).toBe(USE_LITE_ID);
    expect(events(second).find((e) => e.event === "embedder.fallback")).toMatchObject({ level: "warn", since: expect.stringMatching(/^\d{4}-/) });
    expect(String(events(second).find((e) => e.event === "embedder.fallback_reason")?.reason)).toContain("folders have not changed");
    expect(String(events(second).find((e) => e.event === "embedder.fallback")?.hint)).toContain(FALLBACK_FILE);
    // The hub unreachable may not last: an hour.
    const online = testConfig({ ...env, DATA_DIR: path.join(root, "data-remember-online"), TRANSFORMERS_MODEL: "nobody/missing-model", TRANSFORMERS_ALLOW_REMOTE: "true", EMBEDDER_FALLBACK: "true" });
    expect((await createEmbedder(online, memoryLogger("debug"))).id).toBe(USE_LITE_ID);
    const brief = await marker(online.dataDir);
    expect(Date.parse(brief.until) - Date.parse(brief.at)).toBe(3600 * 1000);
    // The model arrives in the local model folder: the next start loads it.
    await writeTinyBertModel(String(env.TRANSFORMERS_LOCAL_MODEL_DIR), { modelId: "test/arrives-later" });
    expect((await createEmbedder(config, memoryLogger("debug"))).id).toMatch(/^transformers:test\/arrives-later:/);
  });

  it("stops with the reason when fallback is off", async () => {
    const config = testConfig({ ...env, TRANSFORMERS_MODEL: "nobody/missing-model", EMBEDDER_FALLBACK: "false" });
    await expect(createEmbedder(config, silentLogger)).rejects.toMatchObject({ code: "EMBEDDER_UNAVAILABLE" });
  });

  it("loads the configured local model without falling back, and does not call reading its files a download", async () => {
    const log = memoryLogger("debug");
    const e = await createEmbedder(testConfig({ ...env, EMBEDDER_FALLBACK: "true" }), log);
    expect(e.id).toMatch(/^transformers:test\/tiny-bert:/);
    const events = log.lines.map((l) => JSON.parse(l) as { event: string; level: string });
    expect(events.filter((l) => l.event === "embedder.download")).toEqual([]);
    expect(events.filter((l) => l.event === "embedder.file").length).toBeGreaterThan(0);
  });
});
