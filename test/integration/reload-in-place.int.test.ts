/*
 * app.ingest() on a running app (what /reload does): the new index is built
 * beside the one answering, which keeps answering meanwhile and stays in
 * place when the build fails. Real tiny model, real indexes on disk.
 */
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { cleanup, copySeeds, tempDir, testConfig, tinyModelEnv } from "../helpers.js";

let root: string;
let corpusDir: string;
let app: App;

beforeAll(async () => {
  root = await tempDir("reload-in-place-");
  corpusDir = path.join(root, "corpus");
  await copySeeds(corpusDir);
  app = createApp(testConfig({ ...(await tinyModelEnv(path.join(root, "models"))), CORPUS_DIR: corpusDir, DATA_DIR: path.join(root, "data") }));
  await app.ready();
}, 120_000);
afterAll(() => cleanup(root));

describe("ingest on a running app", () => {
  it("keeps answering from the index it has when the new build fails", async () => {
    const before = app.indexSummary();
    await rename(corpusDir, `${corpusDir}.away`);
    try {
      await expect(app.ingest()).rejects.toThrow(/corpus folder/);
    } finally {
      await rename(`${corpusDir}.away`, corpusDir);
    }
    // The index from before is still the one answering: no load started again.
    const answer = await app.ask("Which countries did Xi visit after France?");
    expect(answer.text).toContain("Serbia");
    expect(app.indexSummary()).toBe(before);
  });

  it("swaps in the new index once it is built", async () => {
    await writeFile(
      path.join(corpusDir, "900_new.txt"),
      "Zanzibar trade talks\n\nOn June 3, 2025, the European Union and China opened talks on zanzibarite ore in Brussels. The talks were led by trade commissioner Ana Ortiz.\n",
    );
    const asking = app.ask("Which countries did Xi visit after France?");
    const summary = await app.ingest();
    expect(summary.articles).toBe(6);
    expect((await asking).text).toContain("Serbia");
    expect(app.indexSummary()).toBe(summary);
    expect((await app.ask("Who led the talks on zanzibarite ore?")).text).toContain("Ana Ortiz");
  });
});
