/*
 * What reaches the index from a corpus folder, through the real CLI (ingest,
 * ask) and app on temporary folders with the tiny offline BERT: a link out of
 * the folder and a file of control bytes are skipped, listed in the ingest
 * summary, and never quoted. Also: a rebuild says which part of the embedder
 * changed.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { runMain } from "../../src/cli/main.js";
import { EXIT, type CliIo } from "../../src/cli/io.js";
import type { Env } from "../../src/config.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { memoryLogger } from "../../src/log.js";
import { cleanup, copySeeds, tempDir, testConfig, tinyModelEnv } from "../helpers.js";

const SECRET = "root:x:0:0:root:/root:/bin/bash\nThe zanzibar delegation passphrase is swordfish, officials said.\n";

let root: string;
let modelEnv: Env;
beforeAll(async () => {
  root = await tempDir("summit-corpus-safety-");
  modelEnv = await tinyModelEnv(path.join(root, "models"));
});
afterAll(() => cleanup(root));

async function cli(argv: string[], env: Env): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = new PassThrough();
  stdin.end();
  const io: CliIo = {
    stdin,
    stdout: { write: (s: string) => out.push(s) > 0 },
    stderr: { write: (s: string) => err.push(s) > 0 },
    env,
    cwd: root,
  };
  const code = await runMain(argv, io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("a corpus folder with a link out of it and a file of control bytes", () => {
  let corpus: string;
  let env: Env;
  beforeAll(async () => {
    corpus = path.join(root, "corpus");
    const etc = path.join(root, "etc");
    await copySeeds(corpus);
    await mkdir(etc);
    // Stands for /etc/passwd: a file nobody put in the corpus, with words a question could match.
    await writeFile(path.join(etc, "passwd"), SECRET);
    await symlink(path.join(etc, "passwd"), path.join(corpus, "passwd.txt"));
    await writeFile(path.join(corpus, "control.txt"), Buffer.from(Array.from({ length: 300 }, (_, i) => 1 + (i % 30))));
    env = { ...modelEnv, CORPUS_DIR: corpus, DATA_DIR: path.join(root, "data"), LOG_LEVEL: "warn" };
  });

  it("skips both in `ingest`, with reasons in its summary and the log, and indexes the articles", async () => {
    const r = await cli(["ingest", "--json"], env);
    expect(r.code).toBe(EXIT.ok);
    const summary = JSON.parse(r.stdout) as { articles: number; added: string[]; skipped: { source: string; reason: string }[] };
    expect(summary.articles).toBe(5);
    expect(summary.added).not.toContain("passwd.txt");
    expect(summary.skipped).toEqual(
      expect.arrayContaining([
        { source: "passwd.txt", reason: expect.stringContaining("outside the corpus folder") },
        { source: "control.txt", reason: expect.stringContaining("not text") },
      ]),
    );
    const warnings = r.stderr.split("\n").filter((l) => l.includes("corpus.skip"));
    expect(warnings.some((l) => l.includes("passwd.txt") && l.includes("outside the corpus folder"))).toBe(true);
    expect(warnings.some((l) => l.includes("control.txt") && l.includes("not text"))).toBe(true);

    const data = path.join(root, "data");
    const build = path.join(data, "builds", (await readFile(path.join(data, "CURRENT"), "utf8")).trim());
    const chunks = await readFile(path.join(build, "chunks.json"), "utf8");
    expect(chunks).not.toContain("swordfish");
    expect(chunks).not.toContain("passwd.txt");
  });

  it("never quotes the linked file in `ask`, nor finds it in a search", async () => {
    const r = await cli(["ask", "--json", "What is the zanzibar delegation passphrase?"], env);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).not.toContain("swordfish");
    expect(r.stdout).not.toContain("passwd.txt");
    expect(r.stdout).not.toContain("root:x:0:0");

    const app = createApp(testConfig({ ...env, LOG_LEVEL: "silent" }));
    const passages = await app.search("zanzibar delegation passphrase swordfish root", { limit: 50 });
    expect(passages.length).toBeGreaterThan(0);
    expect(passages.some((p) => p.chunk.source === "passwd.txt" || p.chunk.text.includes("swordfish"))).toBe(false);
    expect((await app.articles()).map((a) => a.source)).not.toContain("passwd.txt");
  });
});

/** Vectors of `dimensions` numbers from the text's bytes, under one id whatever the size (a model swapped under the same name). */
function fixedIdEmbedder(dimensions: number): EmbeddingProvider {
  const vector = (text: string) => {
    const h = createHash("sha256").update(text).digest();
    const v = Array.from({ length: dimensions }, (_, i) => (h[i % h.length] ?? 0) / 255 - 0.5);
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  };
  return {
    id: "test:same-name",
    dimensions,
    embedDocuments: async (texts) => texts.map(vector),
    embedQuery: async (text) => vector(text),
  };
}

describe("a rebuild after the embedder's vectors changed size under the same id", () => {
  it("names the dimensions, not the unchanged id twice", async () => {
    const corpus = path.join(root, "corpus-dims");
    await copySeeds(corpus);
    const env: Env = { CORPUS_DIR: corpus, DATA_DIR: path.join(root, "data-dims") };
    await createApp(testConfig(env), { embedder: fixedIdEmbedder(8) }).ingest();
    const log = memoryLogger("info");
    const summary = await createApp(testConfig(env), { embedder: fixedIdEmbedder(16), log }).ingest();
    expect(summary.rebuilt).toBe("the embedder's dimensions changed (test:same-name; index: 8, now: 16)");
    expect(log.lines.some((l) => l.includes("index.rebuild") && l.includes("dimensions changed"))).toBe(true);
  });
});
