import { mkdir, realpath, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCorpus } from "../../src/corpus/load-corpus.js";
import { memoryLogger } from "../../src/log.js";
import { cleanup, tempDir } from "../helpers.js";

/*
 * The corpus loader on real folders: which files become articles, and that
 * every file or metadata entry left out is logged with a reason.
 */

const ARTICLE = "Cashew talks\n\nThe delegation met officials in Lisbon to discuss cashew exports.\n";
const SECRET = "root:x:0:0:root:/root:/bin/bash\nThe secret passphrase is swordfish.\n";

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));
async function folder(): Promise<string> {
  const dir = await tempDir("summit-corpus-");
  dirs.push(dir);
  return dir;
}

/** A corpus folder with one ordinary article, and a file outside it standing for /etc/passwd. */
async function corpusWithOutside(): Promise<{ corpus: string; outside: string }> {
  const root = await folder();
  const corpus = path.join(root, "corpus");
  const outside = path.join(root, "etc");
  await mkdir(corpus);
  await mkdir(outside);
  await writeFile(path.join(corpus, "article.txt"), ARTICLE);
  await writeFile(path.join(outside, "passwd"), SECRET);
  return { corpus, outside };
}

async function load(corpus: string, metadata = path.join(corpus, "metadata.json")) {
  const log = memoryLogger("warn");
  const loaded = await loadCorpus(corpus, { metadata }, log);
  return { ...loaded, log, sources: loaded.articles.map((a) => a.source) };
}

describe("loadCorpus", () => {
  it("skips a link to a file outside the corpus folder, with a logged reason, and reads nothing of it", async () => {
    const { corpus, outside } = await corpusWithOutside();
    await symlink(path.join(outside, "passwd"), path.join(corpus, "passwd.txt"));
    // A subfolder that is a link outside, and a file reached through it.
    await symlink(outside, path.join(corpus, "linked"));
    await symlink(path.join("linked", "passwd"), path.join(corpus, "through-folder.txt"));
    const { sources, skipped, articles, log } = await load(corpus);
    expect(sources).toEqual(["article.txt"]);
    expect(articles.some((a) => a.text.includes("swordfish"))).toBe(false);
    expect(skipped).toEqual([
      { source: "passwd.txt", reason: expect.stringContaining("outside the corpus folder") },
      { source: "through-folder.txt", reason: expect.stringContaining("outside the corpus folder") },
    ]);
    // The log (for whoever runs the bot, unlike the summary) says where the link leads.
    const warnings = log.lines.filter((l) => l.includes("corpus.skip") && l.includes("outside the corpus folder"));
    expect(warnings.map((l) => (JSON.parse(l) as { target: string }).target)).toEqual([await realpath(path.join(outside, "passwd")), await realpath(path.join(outside, "passwd"))]);
  });

  it("reads a link to a file inside the corpus folder, also in a subfolder, under the link's name", async () => {
    const { corpus } = await corpusWithOutside();
    await mkdir(path.join(corpus, "archive"));
    await writeFile(path.join(corpus, "archive", "lisbon.text"), `${ARTICLE}Negotiators said the quota would double.\n`);
    await symlink(path.join("archive", "lisbon.text"), path.join(corpus, "latest.txt"));
    // Another name for an article already read is a duplicate, like a copy.
    await symlink("article.txt", path.join(corpus, "same.txt"));
    // The corpus folder itself reached through a link.
    const viaLink = path.join(path.dirname(corpus), "corpus-link");
    await symlink(corpus, viaLink);
    const { sources, skipped } = await load(viaLink, path.join(corpus, "metadata.json"));
    expect(sources).toEqual(["article.txt", "latest.txt"]);
    expect(skipped).toEqual([{ source: "same.txt", reason: "same content as article.txt" }]);
  });

  it("skips a file of control characters, and keeps an article with a stray one", async () => {
    const corpus = await folder();
    await writeFile(path.join(corpus, "article.txt"), ARTICLE);
    // Valid UTF-8 without a NUL, so only its content says it is not text.
    await writeFile(path.join(corpus, "control.txt"), Buffer.from(Array.from({ length: 200 }, (_, i) => 1 + (i % 8))));
    await writeFile(path.join(corpus, "mostly.md"), `\x1b[31m\x07\x01\x02\x03 hi \x1b\x1b\x1b\x7f\x7f\x02\x03\x04`);
    await writeFile(path.join(corpus, "form-feed.txt"), `Page one of the report.\f\nPage two, saved by an old editor.\x1a\n`);
    const { sources, skipped, log } = await load(corpus);
    expect(sources).toEqual(["article.txt", "form-feed.txt"]);
    expect(skipped).toEqual([
      { source: "control.txt", reason: "the file is not text: 200 of its 200 characters are control characters" },
      { source: "mostly.md", reason: expect.stringMatching(/^the file is not text: \d+ of its \d+ characters are control characters$/) },
    ]);
    expect(log.lines.filter((l) => l.includes("corpus.skip"))).toHaveLength(2);
  });

  it("skips, with a logged reason, a folder named like an article", async () => {
    const corpus = await folder();
    await writeFile(path.join(corpus, "article.txt"), ARTICLE);
    await mkdir(path.join(corpus, "notes.txt"));
    const { sources, skipped, log } = await load(corpus);
    expect(sources).toEqual(["article.txt"]);
    expect(skipped).toEqual([{ source: "notes.txt", reason: "it is not a regular file (a folder, pipe or device)" }]);
    expect(log.lines.filter((l) => l.includes("corpus.skip"))).toHaveLength(1);
  });

  it("logs each metadata entry whose article is not there, naming the file", async () => {
    const corpus = await folder();
    await writeFile(path.join(corpus, "article.txt"), ARTICLE);
    await writeFile(path.join(corpus, "notes.json"), "{}");
    const meta = (title: string) => ({
      title: { value: title, basis: "stated" },
      outlet: { value: null, basis: "unknown" },
      date: { value: null, basis: "unknown", kind: "publication" },
      place: { value: null, basis: "unknown" },
      event: { value: null, basis: "unknown" },
      peopleQuoted: { value: [], basis: "unknown" },
    });
    await writeFile(
      path.join(corpus, "metadata.json"),
      JSON.stringify({ version: 1, articles: { "article.txt": meta("Cashew talks"), "renamed.txt": meta("Gone"), "notes.json": meta("Notes") } }),
    );
    const { sources, log } = await load(corpus);
    expect(sources).toEqual(["article.txt"]);
    const unused = log.lines.filter((l) => l.includes("metadata.article_unused")).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(unused).toEqual([
      expect.objectContaining({ level: "warn", source: "renamed.txt", reason: "no such file in the corpus folder" }),
      expect.objectContaining({ level: "warn", source: "notes.json", reason: "the file is not read as an article" }),
    ]);
    expect(unused[0]?.file).toBe(path.join(corpus, "metadata.json"));
  });
});
