import { readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { writeFile } from "node:fs/promises";
import { CONFIG_VARIABLES, loadConfig, readEnv, requireDiscord } from "../../src/config.js";
import { AppError } from "../../src/errors.js";
import { cleanup, REPO, tempDir } from "../helpers.js";

describe("config", () => {
  it(".env.example lists every variable the config reads, and only those", () => {
    const example = parseEnv(readFileSync(path.join(REPO, ".env.example"), "utf8"));
    expect(Object.keys(example).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it(".env.example values are the defaults", () => {
    const example = parseEnv(readFileSync(path.join(REPO, ".env.example"), "utf8"));
    expect(loadConfig(example, REPO)).toEqual(loadConfig({}, REPO));
  });

  it("defaults work with an empty environment and resolve paths against cwd", () => {
    const c = loadConfig({}, "/srv/bot");
    expect(c.corpusDir).toBe("/srv/bot/seeds");
    expect(c.metadataFile).toBe("/srv/bot/seeds/metadata.json");
    expect(c.dataDir).toBe("/srv/bot/.data");
    expect(c.embedder.transformers.cacheDir).toBe("/srv/bot/.data/models");
    expect(c.embedder.provider).toBe("transformers");
    expect(c.retrieval.mode).toBe("hybrid");
  });

  it("reports every invalid variable at once, by name", () => {
    const error = (() => {
      try {
        loadConfig({ CHUNK_SIZE: "abc", RETRIEVAL_MODE: "magic", TRANSFORMERS_ALLOW_REMOTE: "maybe" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    const message = (error as AppError).userMessage;
    expect(message).toContain("CHUNK_SIZE");
    expect(message).toContain("RETRIEVAL_MODE");
    expect(message).toContain("TRANSFORMERS_ALLOW_REMOTE");
  });

  it("rejects an overlap as large as the chunk", () => {
    expect(() => loadConfig({ CHUNK_SIZE: "200", CHUNK_OVERLAP: "200" })).toThrow(/CHUNK_OVERLAP/);
  });

  it("parses booleans and numbers from strings; empty strings mean default", () => {
    const c = loadConfig({ TRANSFORMERS_ALLOW_REMOTE: "no", EMBEDDER_FALLBACK: "0", HNSW_M: "32", CORPUS_DIR: "" }, "/x");
    expect(c.embedder.transformers.allowRemote).toBe(false);
    expect(c.embedder.fallback).toBe(false);
    expect(c.hnsw.m).toBe(32);
    expect(c.corpusDir).toBe("/x/seeds");
  });

  it("keeps an empty query prefix (models without an instruction) but treats other empty values as unset", () => {
    const c = loadConfig({ TRANSFORMERS_QUERY_PREFIX: "", HNSW_M: "" });
    expect(c.embedder.transformers.queryPrefix).toBe("");
    expect(c.hnsw.m).toBe(16);
    expect(loadConfig({}).embedder.transformers.queryPrefix).toMatch(/^Represent this sentence/);
  });

  it("reads .env under the shell environment, ignoring a byte-order mark", async () => {
    const dir = await tempDir();
    try {
      await writeFile(path.join(dir, ".env"), "\uFEFFCORPUS_DIR=articles\nLOG_LEVEL=warn\n");
      vi.stubEnv("LOG_LEVEL", "error");
      const env = readEnv(dir);
      expect(env.CORPUS_DIR).toBe("articles");
      // Set in both: the shell's value wins.
      expect(env.LOG_LEVEL).toBe("error");
      expect(loadConfig(env, dir).corpusDir).toBe(path.join(dir, "articles"));
    } finally {
      vi.unstubAllEnvs();
      await cleanup(dir);
    }
  });

  it("rejects fusion weights that are both zero", () => {
    expect(() => loadConfig({ FUSION_LEXICAL_WEIGHT: "0", FUSION_DENSE_WEIGHT: "0" })).toThrow(/both be 0/);
  });

  it("needs a token and an application id to run the bot, and says how to try it without", () => {
    expect(() => requireDiscord(loadConfig({}))).toThrow(/DISCORD_TOKEN.*DISCORD_APPLICATION_ID.*npm run console/s);
    expect(() => requireDiscord(loadConfig({ DISCORD_TOKEN: "t" }))).toThrow(/needs DISCORD_APPLICATION_ID/);
    const d = requireDiscord(loadConfig({ DISCORD_TOKEN: " t ", DISCORD_APPLICATION_ID: "123456789012345678", DISCORD_ALLOWED_GUILDS: "111111111111111111, 222222222222222222" }));
    expect(d).toMatchObject({ token: "t", applicationId: "123456789012345678", allowedGuilds: ["111111111111111111", "222222222222222222"] });
    expect(() => loadConfig({ DISCORD_ALLOWED_GUILDS: "abc" })).toThrow(/DISCORD_ALLOWED_GUILDS/);
    expect(() => loadConfig({ DISCORD_APPLICATION_ID: "my-app" })).toThrow(/DISCORD_APPLICATION_ID/);
  });

  it("reads channel scope, auto-answer channels and DMs; auto-answer channels are always allowed", () => {
    const c = loadConfig({ DISCORD_ALLOWED_CHANNELS: "111111111111111111", DISCORD_AUTO_ANSWER_CHANNELS: "222222222222222222", DISCORD_ANSWER_DMS: "true" }).discord;
    expect(c).toMatchObject({ allowedChannels: ["111111111111111111", "222222222222222222"], autoAnswerChannels: ["222222222222222222"], answerDms: true });
    // Without an allow-list every channel is served; auto-answer channels do not turn one on.
    expect(loadConfig({ DISCORD_AUTO_ANSWER_CHANNELS: "222222222222222222" }).discord.allowedChannels).toEqual([]);
    expect(loadConfig({}).discord.answerDms).toBe(false);
    expect(() => loadConfig({ DISCORD_ALLOWED_CHANNELS: "general" })).toThrow(/DISCORD_ALLOWED_CHANNELS.*channel ids/s);
  });

  it("reads the shards this process runs, and refuses splits the processes could not share state across", () => {
    const db = { DATABASE_URL: "postgres://u@127.0.0.1:5432/db" };
    expect(loadConfig({}).discord.shards).toBeNull();
    expect(loadConfig({ DISCORD_SHARDS: "Auto" }).discord.shards).toEqual({ count: "auto", ids: null });
    expect(loadConfig({ DISCORD_SHARDS: "4" }).discord.shards).toEqual({ count: 4, ids: null });
    expect(loadConfig({ DISCORD_SHARDS: "4", DISCORD_SHARD_IDS: "3, 1,1", ...db }).discord.shards).toEqual({ count: 4, ids: [1, 3] });
    // Every shard listed: one process, nothing to share.
    expect(loadConfig({ DISCORD_SHARDS: "2", DISCORD_SHARD_IDS: "0,1" }).discord.shards).toEqual({ count: 2, ids: [0, 1] });
    expect(() => loadConfig({ DISCORD_SHARDS: "4", DISCORD_SHARD_IDS: "1" })).toThrow(/runs 1 of 4 shards.*set DATABASE_URL/s);
    expect(() => loadConfig({ DISCORD_SHARDS: "2", DISCORD_SHARD_IDS: "2", ...db })).toThrow(/names shard 2, but DISCORD_SHARDS=2 numbers them 0 to 1/);
    expect(() => loadConfig({ DISCORD_SHARD_IDS: "0", ...db })).toThrow(/DISCORD_SHARD_IDS needs DISCORD_SHARDS/);
    expect(() => loadConfig({ DISCORD_SHARDS: "auto", DISCORD_SHARD_IDS: "0", ...db })).toThrow(/set to a number/);
    expect(() => loadConfig({ DISCORD_SHARDS: "0" })).toThrow(/DISCORD_SHARDS.*"auto" or the number of shards/s);
    expect(() => loadConfig({ DISCORD_SHARD_IDS: "a" })).toThrow(/DISCORD_SHARD_IDS.*shard numbers/s);
  });

  it("never puts the token in an error message", () => {
    let message = "";
    try {
      loadConfig({ DISCORD_TOKEN: "secret-token-value", HNSW_M: "x" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("HNSW_M");
    expect(message).not.toContain("secret-token-value");
  });

  it("is frozen all the way down", () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c.retrieval)).toBe(true);
    expect(() => {
      (c.retrieval as { mode: string }).mode = "dense";
    }).toThrow(TypeError);
  });
});
