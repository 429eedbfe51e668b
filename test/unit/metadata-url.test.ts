import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_URL_CHARS, parseArticleUrl, readMetadata } from "../../src/corpus/metadata.js";
import { loadCorpus } from "../../src/corpus/load-corpus.js";
import { memoryLogger } from "../../src/log.js";
import { renderAnswer } from "../../src/render/terminal.js";
import type { Citation } from "../../src/types.js";
import { answerOf } from "../fixtures/answers.js";
import { TERMINAL_CONTROL } from "../fixtures/hostile-article.js";
import { cleanup, tempDir } from "../helpers.js";

/*
 * An article's optional `url` in metadata.json: only an absolute http: or
 * https: address the file states is kept (as URL.href); anything else makes
 * the entry broken, which is logged and ignored like any other bad field.
 */

const ARTICLE = "Cashew talks\n\nThe delegation met officials in Lisbon to discuss cashew exports.\n";

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

const entry = (extra: Record<string, unknown> = {}) => ({
  title: { value: "Cashew talks in Lisbon", basis: "stated" },
  outlet: { value: "Lisbon Post", basis: "stated" },
  date: { value: "2024-03-03", basis: "stated", kind: "publication" },
  place: { value: "Lisbon", basis: "stated" },
  event: { value: null, basis: "unknown" },
  peopleQuoted: { value: [], basis: "unknown" },
  ...extra,
});

/** Reads a metadata file holding `entry(extra)` for a.txt; returns what was kept and the warnings. */
async function readWith(extra: Record<string, unknown>) {
  const dir = await tempDir("summit-meta-url-");
  dirs.push(dir);
  const file = path.join(dir, "metadata.json");
  await writeFile(file, JSON.stringify({ version: 1, articles: { "a.txt": entry(extra) } }));
  const log = memoryLogger("warn");
  const metadata = await readMetadata(file, log);
  const warnings = log.lines.map((l) => JSON.parse(l) as { event?: string; msg?: string; source?: string; reason?: string });
  return { meta: metadata.articles.get("a.txt"), warnings };
}

describe("metadata url", () => {
  it.each([
    ["https://example.com/news/cashew-talks", "https://example.com/news/cashew-talks"],
    ["http://example.com", "http://example.com/"],
    ["HTTPS://Example.COM/a b?q=1#top", "https://example.com/a%20b?q=1#top"],
    ["  https://example.com/x  ", "https://example.com/x"],
    ["https://пример.рф/статья", "https://xn--e1afmkfd.xn--p1ai/%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F"],
  ])("keeps %j as %j", async (url, href) => {
    const { meta, warnings } = await readWith({ url });
    expect(warnings).toEqual([]);
    expect(meta?.url).toBe(href);
    expect(meta?.title.value).toBe("Cashew talks in Lisbon");
  });

  it("is null when the entry has none (or says null)", async () => {
    for (const extra of [{}, { url: null }]) {
      const { meta, warnings } = await readWith(extra);
      expect(warnings).toEqual([]);
      expect(meta?.url).toBeNull();
    }
  });

  const tooLong = `https://example.com/${"a".repeat(MAX_URL_CHARS)}`;
  it.each([
    ["javascript:", "javascript:alert(1)", 'the scheme "javascript:" is not accepted'],
    ["ftp:", "ftp://example.com/article.txt", 'the scheme "ftp:" is not accepted'],
    ["data:", "data:text/html,<b>hi</b>", 'the scheme "data:" is not accepted'],
    ["file:", "file:///etc/passwd", 'the scheme "file:" is not accepted'],
    ["relative", "/news/cashew-talks", "relative or malformed"],
    ["scheme-relative", "//example.com/news", "relative or malformed"],
    ["malformed", "https://exa mple.com/", "relative or malformed"],
    ["host-less", "https://", "relative or malformed"],
    ["empty", "", "relative or malformed"],
    ["too long", tooLong, `at most ${MAX_URL_CHARS} characters; this one has ${tooLong.length}`],
  ])("refuses a %s url: the entry is logged with the reason and ignored", async (_label, url, reason) => {
    const { meta, warnings } = await readWith({ url });
    expect(meta).toBeUndefined();
    expect(warnings).toHaveLength(1);
    const [w] = warnings;
    expect(JSON.stringify(w)).toContain("metadata.article_invalid");
    expect(w?.source).toBe("a.txt");
    expect(w?.reason).toContain("url must be an absolute http: or https: address");
    expect(w?.reason).toContain(reason);
    expect(w?.reason).toContain("url");
    // The reason never repeats a long address whole.
    expect(w?.reason?.length).toBeLessThan(400);
  });

  it("refuses a url that is not a string, or given as {value, basis}", async () => {
    for (const url of [42, { value: "https://example.com/", basis: "stated" }]) {
      const { meta, warnings } = await readWith({ url });
      expect(meta).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.reason).toContain("url");
    }
  });

  it("refuses an address that only grows past the limit when normalised", () => {
    const spaces = `https://example.com/${" x".repeat(MAX_URL_CHARS / 2 - 20)}`;
    expect(spaces.length).toBeLessThanOrEqual(MAX_URL_CHARS);
    expect(parseArticleUrl(spaces)).toEqual({ reason: expect.stringContaining("once normalised") });
    expect(parseArticleUrl(`https://example.com/${"a".repeat(MAX_URL_CHARS - 20)}`)).toEqual({ url: expect.any(String) });
  });

  it("falls back to what the text says, with no url, when the entry is refused; the article still loads", async () => {
    const dir = await tempDir("summit-meta-url-corpus-");
    dirs.push(dir);
    await writeFile(path.join(dir, "a.txt"), ARTICLE);
    await writeFile(path.join(dir, "b.txt"), ARTICLE.replace("Lisbon", "Porto"));
    await writeFile(
      path.join(dir, "metadata.json"),
      JSON.stringify({ version: 1, articles: { "a.txt": entry({ url: "javascript:alert(1)" }), "b.txt": entry({ url: "https://example.com/b" }) } }),
    );
    const log = memoryLogger("warn");
    const corpus = await loadCorpus(dir, { metadata: path.join(dir, "metadata.json") }, log);
    const [a, b] = corpus.articles;
    expect(a?.meta.url).toBeNull();
    expect(a?.meta.title).toEqual({ value: "Cashew talks", basis: "inferred", note: "first line of the file" });
    expect(b?.meta.url).toBe("https://example.com/b");
    expect(log.lines.filter((l) => l.includes("metadata.article_invalid"))).toHaveLength(1);
  });
});

describe("terminal citations with a url", () => {
  const basis = { title: "stated", outlet: "stated", date: "stated" } as const;
  const citation = (n: number, url: string | null): Citation => ({
    n,
    source: `00${n}_x.txt`,
    title: `Title ${n}`,
    outlet: "Kyodo News",
    date: "2023-12-07",
    url,
    basis,
    quote: "Short quote.",
    start: 0,
    end: 12,
  });

  it("shows the url at the end of the source line when there is one, and nothing when there is none", () => {
    const out = renderAnswer(answerOf([citation(1, "https://example.com/news/1"), citation(2, null)]));
    const sources = out.slice(out.indexOf("Sources:")).split(/\n(?=\[)/);
    // Long lines wrap (a word, like the url, is never cut).
    expect(sources[1]?.replace(/\s+/g, " ")).toBe("[1] Title 1 — Kyodo News, 2023-12-07 (001_x.txt), characters 0–12 <https://example.com/news/1>");
    expect(sources[2]).toBe("[2] Title 2 — Kyodo News, 2023-12-07 (002_x.txt), characters 0–12");
    expect(out).not.toContain("null");
  });

  it("passes the url through the terminal sanitiser", () => {
    // A URL.href never holds these, but the rendering does not rely on it.
    const out = renderAnswer(answerOf([citation(1, "https://example.com/\x1b]8;;https://evil.example\x1b\\x\u202e")]));
    expect(out).not.toMatch(TERMINAL_CONTROL);
    expect(out).toContain("<https://example.com/x>");
  });
});
