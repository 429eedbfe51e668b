/*
 * CLI contracts, exercised through `runMain` with in-memory streams: exit
 * codes, what goes to stdout vs stderr, the `--json` shapes, the console REPL,
 * and how bad input and bad corpora are reported. Uses the tiny offline BERT.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import type { Env } from "../../src/config.js";
import { runMain } from "../../src/cli/main.js";
import { EXIT, type CliIo } from "../../src/cli/io.js";
import { cleanup, copySeeds, SEEDS, tempDir, testConfig, tinyModelEnv, within } from "../helpers.js";
import { blockedRequests } from "../setup-no-network.js";

interface Sink {
  readonly chunks: string[];
  write(s: string): boolean;
  text(): string;
}

function sink(onWrite?: (s: string) => void): Sink {
  return {
    chunks: [],
    write(s: string) {
      this.chunks.push(s);
      onWrite?.(s);
      return true;
    },
    text() {
      return this.chunks.join("");
    },
  };
}

const PROMPT = "summit> ";

/**
 * Stdin for the console that types like a person: the next line is sent only
 * once the console has printed its prompt; after the last line, end of input.
 */
function typist(lines: readonly string[]): { stdin: PassThrough; onWrite: (s: string) => void } {
  const stdin = new PassThrough();
  let next = 0;
  const onWrite = (s: string) => {
    if (!s.includes(PROMPT)) return;
    // Let the console reach its `for await` before the line arrives.
    setImmediate(() => {
      if (next < lines.length) stdin.write(`${lines[next++]}\n`);
      else stdin.end();
    });
  };
  return { stdin, onWrite };
}


interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunOptions {
  readonly env?: Env;
  /** Piped input, all available at once. */
  readonly stdin?: Readable;
  /** Lines typed one per prompt (console). */
  readonly typed?: readonly string[];
  readonly cwd?: string;
}

/** A line of a stack trace as Node prints it. */
const STACK_LINE = "    at ";

const SEED_SOURCES = seedSources();
function seedSources(): string[] {
  const meta = JSON.parse(readFileSync(path.join(SEEDS, "metadata.json"), "utf8")) as { articles: Record<string, unknown> };
  return Object.keys(meta.articles).sort();
}

interface MetaFile {
  articles: Record<string, { title: { value: string } }>;
}

interface CitationJson {
  n: number;
  source: string;
  title: string;
  url: string | null;
  quote: string;
  start: number;
  end: number;
}

interface AnswerJson {
  question: string;
  answer: string;
  coverage: "full" | "partial" | "none";
  abstained: boolean;
  citations: CitationJson[];
  passages: { source: string; score: number; text: string }[];
  timings_ms: Record<string, number>;
}

interface ErrorJson {
  question: string;
  error: { code: string; message: string };
}

/** Parses stdout that must be exactly one line of JSON. */
function oneJsonLine<T>(stdout: string): T {
  expect(stdout.endsWith("\n")).toBe(true);
  const lines = stdout.slice(0, -1).split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? "") as T;
}

describe("summit CLI (runMain)", () => {
  let modelRoot: string;
  let corpusDir: string;
  let dataDir: string;
  let workDir: string;
  let env: Env;
  const extraDirs: string[] = [];

  async function run(argv: string[], options: RunOptions = {}): Promise<Run> {
    const typed = options.typed ? typist(options.typed) : undefined;
    const stdout = sink(typed?.onWrite);
    const stderr = sink();
    let stdin = typed?.stdin ?? options.stdin;
    if (!stdin) {
      const closed = new PassThrough();
      closed.end();
      stdin = closed;
    }
    const io: CliIo = { stdin, stdout, stderr, env: options.env ?? env, cwd: options.cwd ?? workDir };
    const code = await runMain(argv, io);
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  async function freshDir(prefix: string): Promise<string> {
    const dir = await tempDir(prefix);
    extraDirs.push(dir);
    return dir;
  }

  beforeAll(async () => {
    [modelRoot, corpusDir, dataDir, workDir] = await Promise.all([
      tempDir("cli-model-"),
      tempDir("cli-corpus-"),
      tempDir("cli-data-"),
      tempDir("cli-work-"),
    ]);
    await copySeeds(corpusDir);
    env = { ...(await tinyModelEnv(modelRoot)), CORPUS_DIR: corpusDir, DATA_DIR: dataDir, LOG_LEVEL: "silent" };
    const first = await run(["ingest"]);
    if (first.code !== EXIT.ok) throw new Error(`initial ingest failed (${first.code}): ${first.stderr}`);
  });

  afterAll(async () => {
    await cleanup(...[modelRoot, corpusDir, dataDir, workDir].filter(Boolean), ...extraDirs);
  });

  describe("ask", () => {
    it("--json prints one JSON line whose citations quote the article files exactly", async () => {
      const question = "What did von der Leyen say about dual-use goods?";
      const r = await run(["ask", "--json", question]);
      expect(r.code).toBe(EXIT.ok);
      const a = oneJsonLine<AnswerJson>(r.stdout);
      expect(Object.keys(a).sort()).toEqual(["abstained", "answer", "citations", "coverage", "passages", "question", "timings_ms"]);
      expect(a.question).toBe(question);
      expect(a.abstained).toBe(false);
      expect(a.answer).toContain("[1]");
      expect(a.citations.length).toBeGreaterThan(0);
      a.citations.forEach((c, i) => {
        expect(Object.keys(c).sort()).toEqual(["end", "n", "quote", "source", "start", "title", "url"]);
        // The seeds' metadata states no web address, and none is made up.
        expect(c.url).toBeNull();
        expect(c.n).toBe(i + 1);
        expect(a.answer).toContain(`[${c.n}]`);
        expect(SEED_SOURCES).toContain(c.source);
        expect(c.title).toEqual(expect.any(String));
        expect(Number.isInteger(c.start) && Number.isInteger(c.end) && c.start < c.end).toBe(true);
        const onDisk = readFileSync(path.join(corpusDir, c.source), "utf8");
        expect(onDisk.slice(c.start, c.end)).toBe(c.quote);
      });
      expect(a.passages.length).toBeGreaterThan(0);
      for (const p of a.passages) {
        expect(Object.keys(p).sort()).toEqual(["score", "source", "text"]);
        expect(SEED_SOURCES).toContain(p.source);
        expect(typeof p.score).toBe("number");
        expect(p.text.length).toBeGreaterThan(0);
      }
      for (const k of ["embed", "lexical", "dense", "compose", "total"]) expect(typeof a.timings_ms[k]).toBe("number");
      expect(r.stderr).toBe("");
    });

    it("without --json prints the answer and a Sources: section", async () => {
      const r = await run(["ask", "What did von der Leyen say about dual-use goods?"]);
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toContain("[1]");
      expect(r.stdout).toMatch(/\nSources:\n\[1\] /);
      expect(r.stdout).toContain("000_10e720cce02f15cd.txt");
      expect(r.stderr).toBe("");
    });

    it("--json abstains on a question the articles do not cover", async () => {
      const r = await run(["ask", "--json", "Who won the 1998 football World Cup final?"]);
      expect(r.code).toBe(EXIT.ok);
      const a = oneJsonLine<AnswerJson>(r.stdout);
      expect(a.abstained).toBe(true);
      expect(a.citations).toEqual([]);
      expect(a.answer.startsWith("The articles I have don't cover that")).toBe(true);
    });

    const refused: [string, string, string][] = [
      ["zero-width only", "\u200b\u200b\u200b", "EMPTY_QUESTION"],
      ["punctuation only", "?!… ```", "EMPTY_QUESTION"],
      ["20,000 characters", "why ".repeat(5000), "QUESTION_TOO_LONG"],
      ["Chinese script", "习近平在法国之后访问了哪些国家？", "UNSUPPORTED_LANGUAGE"],
    ];

    it.each(refused)("--json refuses a %s question with exit 1 and a JSON error", async (_label, question, code) => {
      const r = await run(["ask", "--json", question]);
      expect(r.code).toBe(EXIT.failed);
      const e = oneJsonLine<ErrorJson>(r.stdout);
      expect(Object.keys(e).sort()).toEqual(["error", "question"]);
      expect(e.question).toBe(question);
      expect(Object.keys(e.error).sort()).toEqual(["code", "message"]);
      expect(e.error.code).toBe(code);
      expect(e.error.message.length).toBeGreaterThan(0);
      expect(e.error.message).not.toContain(STACK_LINE);
      expect(r.stderr).not.toContain(STACK_LINE);
    });

    it("the EMPTY_QUESTION and QUESTION_TOO_LONG messages say what to do", async () => {
      const empty = oneJsonLine<ErrorJson>((await run(["ask", "--json", "\u200b"])).stdout);
      expect(empty.error.message).toMatch(/Please type a question/);
      const long = oneJsonLine<ErrorJson>((await run(["ask", "--json", "x".repeat(20_000)])).stdout);
      expect(long.error.message).toMatch(/20,000 characters/);
      expect(long.error.message).toMatch(/limit is 1,000/);
    });

    it.each(refused)("without --json a %s question goes to stderr only, with no stack trace", async (_label, question) => {
      const r = await run(["ask", question]);
      expect(r.code).toBe(EXIT.failed);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().length).toBeGreaterThan(0);
      expect(r.stderr).not.toContain(STACK_LINE);
    });

    it.each([
      ["empty", ""],
      ["whitespace", "   \t "],
    ])("--json with an %s question prints the EMPTY_QUESTION error as JSON (exit 1)", async (_label, question) => {
      const r = await run(["ask", "--json", question]);
      expect(r.code).toBe(EXIT.failed);
      const e = oneJsonLine<ErrorJson>(r.stdout);
      expect(e.error.code).toBe("EMPTY_QUESTION");
      expect(r.stderr).not.toContain(STACK_LINE);
    });

    it("with no question exits 2 with usage", async () => {
      const r = await run(["ask"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("Usage: npm run ask");
      expect(r.stderr).not.toContain(STACK_LINE);
    });

    it("with an unknown flag exits 2 with no stack trace", async () => {
      const r = await run(["ask", "--nope", "x"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/--nope/);
      expect(r.stderr).toContain("Usage:");
      expect(r.stderr).not.toContain(STACK_LINE);
    });
  });

  describe("top level", () => {
    it("an unknown command exits 2 with usage text", async () => {
      const r = await run(["frobnicate"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain('Unknown command "frobnicate"');
      expect(r.stderr).toContain("Usage: summit <command>");
      expect(r.stdout).toBe("");
    });

    it("no command prints usage and exits 2; help exits 0", async () => {
      const none = await run([]);
      expect(none.code).toBe(EXIT.usage);
      expect(none.stdout).toContain("Usage: summit <command>");
      const help = await run(["help"]);
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toContain("Usage: summit <command>");
    });

    it("an invalid config exits 2 and names the variable", async () => {
      const r = await run(["ask", "--json", "What did Kallas say?"], { env: { ...env, CHUNK_SIZE: "abc" } });
      expect(r.code).toBe(EXIT.usage);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("CHUNK_SIZE");
      expect(r.stderr).not.toContain(STACK_LINE);
    });
  });

  describe("ingest", () => {
    it("a second run is already up to date and re-embeds nothing", async () => {
      const r = await run(["ingest"]);
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toContain("Index: 5 articles");
      expect(r.stdout).toContain("Already up to date");
      expect(r.stdout).toContain("Re-embedded 0 chunks");
    });

    it("--json prints a JSON summary", async () => {
      const r = await run(["ingest", "--json"]);
      expect(r.code).toBe(EXIT.ok);
      const s = oneJsonLine<{ articles: number; chunks: number; embedded: number; wrote: boolean; embedder: string }>(r.stdout);
      expect(s.articles).toBe(5);
      expect(s.chunks).toBeGreaterThan(5);
      expect(s.embedded).toBe(0);
      expect(s.wrote).toBe(false);
      expect(s.embedder).toMatch(/^transformers:test\/tiny-bert:/);
    });
  });

  describe("eval", () => {
    const qa = [
      { id: "q1", question: "What did von der Leyen say about dual-use goods?", answerable: true, sources: ["000_10e720cce02f15cd.txt"], keywords: [["dual-use"]] },
      { id: "q2", question: "Which countries did Xi visit after France?", answerable: true, sources: ["000_10e720cce02f15cd.txt"], keywords: [["Serbia"]] },
      { id: "q3", question: "What did Kallas say about rare earth exports?", answerable: true, sources: ["003_641cc9c7e352f1a3.txt"], keywords: [["rare earth"]] },
      { id: "u1", question: "Who won the 1998 football World Cup final?", answerable: false, sources: [], keywords: [] },
    ];
    const qaText = qa.map((q) => JSON.stringify(q)).join("\n") + "\n";
    const NUMERIC_KEYS = [
      "recallAt1",
      "recallAt3",
      "recallAt5",
      "mrr",
      "keywordHitRate",
      "citationPrecision",
      "abstentionPrecision",
      "abstentionRecall",
      "latencyP50Ms",
      "latencyP95Ms",
    ];

    beforeAll(async () => {
      await writeFile(path.join(workDir, "qa.jsonl"), qaText);
      await writeFile(
        path.join(workDir, "broken.jsonl"),
        [JSON.stringify(qa[0]), "{ this is not json", JSON.stringify({ ...qa[1], extra: 1 })].join("\n") + "\n",
      );
    });

    it("prints one line per question and a totals block (QA path relative to cwd)", async () => {
      const r = await run(["eval", "--qa", "qa.jsonl"]);
      expect(r.code).toBe(EXIT.ok);
      const lines = r.stdout.split("\n");
      for (const q of qa) {
        expect(lines.filter((l) => l.startsWith(`${q.id} `) && l.endsWith(`— ${q.question}`))).toHaveLength(1);
      }
      for (const label of ["recall@1", "MRR", "keyword hit rate", "citation precision", "Abstention", "p50"]) {
        expect(r.stdout).toContain(label);
      }
      expect(r.stdout).toContain("Questions: 4 (3 answerable, 1 unanswerable)");
      expect(r.stdout).toContain("Retrieval mode: hybrid");
    });

    it("--json prints one JSON object with numeric totals", async () => {
      const r = await run(["eval", "--qa", path.join(workDir, "qa.jsonl"), "--json"]);
      expect(r.code).toBe(EXIT.ok);
      const t = oneJsonLine<Record<string, unknown>>(r.stdout);
      for (const k of NUMERIC_KEYS) {
        expect(typeof t[k], k).toBe("number");
        expect(Number.isFinite(t[k]), k).toBe(true);
      }
      for (const k of NUMERIC_KEYS.filter((x) => !x.startsWith("latency"))) {
        expect(t[k] as number, k).toBeGreaterThanOrEqual(0);
        expect(t[k] as number, k).toBeLessThanOrEqual(1);
      }
      expect(t.retrieval).toBe("hybrid");
      expect(t.questions).toBe(4);
    });

    it("--retrieval lexical works and is echoed", async () => {
      const json = await run(["eval", "--qa", "qa.jsonl", "--json", "--retrieval", "lexical"]);
      expect(json.code).toBe(EXIT.ok);
      expect(oneJsonLine<{ retrieval: string }>(json.stdout).retrieval).toBe("lexical");
      const text = await run(["eval", "--qa", "qa.jsonl", "--retrieval", "lexical"]);
      expect(text.code).toBe(EXIT.ok);
      expect(text.stdout).toContain("Retrieval mode: lexical");
    });

    it("--retrieval bogus exits 2", async () => {
      const r = await run(["eval", "--qa", "qa.jsonl", "--retrieval", "bogus"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain("bogus");
      expect(r.stderr).not.toContain(STACK_LINE);
    });

    it("a QA file with malformed lines exits 1 and names the line numbers", async () => {
      const r = await run(["eval", "--qa", "broken.jsonl"]);
      expect(r.code).toBe(EXIT.failed);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/line 2: not JSON/);
      expect(r.stderr).toMatch(/line 3: .*extra/);
      expect(r.stderr).not.toMatch(/line 1:/);
      expect(r.stderr).not.toContain(STACK_LINE);
    });

    it("a missing QA file exits 1 with a clear message", async () => {
      const r = await run(["eval", "--qa", "does-not-exist.jsonl"]);
      expect(r.code).toBe(EXIT.failed);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`Cannot read ${path.join(workDir, "does-not-exist.jsonl")}`);
      expect(r.stderr).toMatch(/ENOENT|no such file/);
      expect(r.stderr).not.toContain(STACK_LINE);
    });

    it("without --qa exits 2", async () => {
      const r = await run(["eval"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain("--qa is required");
    });
  });

  describe("console", () => {
    it("answers, lists articles, toggles the trace, and survives bad input", async () => {
      const lines = [
        "/help",
        "/articles",
        "What did Kallas say about rare earth exports?",
        "/debug",
        "Which countries did Xi visit after France?",
        "",
        "   ",
        "/bogus",
        "\u200b\u200b",
        "What did von der Leyen say about dual-use goods?",
        "and what did Michel say?",
        "/quit",
      ];
      const r = await within(30_000, run(["console"], { typed: lines }));
      expect(r.code).toBe(EXIT.ok);
      const out = r.stdout;
      expect(out).not.toContain(STACK_LINE);
      expect(r.stderr).not.toContain(STACK_LINE);
      expect(out).toContain("Ready: 5 articles");

      // /help
      expect(out).toContain("/articles");
      expect(out).toContain("/quit");

      // /articles: every title from the metadata, and an outlet.
      const meta = JSON.parse(await readFile(path.join(SEEDS, "metadata.json"), "utf8")) as MetaFile;
      const titles = Object.values(meta.articles).map((a) => a.title.value);
      expect(titles).toHaveLength(5);
      for (const t of titles) expect(out).toContain(t);
      expect(out).toContain("Kallas");
      expect(out).toContain("Kyiv Independent");

      // Answers come in order: Kallas (no trace), Xi (trace), error messages, von der Leyen (trace).
      const kallas = out.indexOf("Retrieval trace on.");
      expect(kallas).toBeGreaterThan(0);
      const beforeDebug = out.slice(out.lastIndexOf("/quit"), kallas);
      expect(beforeDebug).toContain("[1]");
      expect(beforeDebug).toContain("Sources:");
      expect(beforeDebug).not.toContain("Trace —");

      const unknown = out.indexOf("Unknown command /bogus");
      expect(unknown).toBeGreaterThan(kallas);
      const xi = out.slice(kallas, unknown);
      expect(xi).toContain("[1]");
      expect(xi).toContain("Trace");
      expect(xi).toContain("lexical");
      expect(xi).toContain("timings");

      const afterUnknown = out.slice(unknown);
      const pleaseType = afterUnknown.indexOf("Please type a question");
      expect(pleaseType).toBeGreaterThan(0);
      const lastAnswer = afterUnknown.slice(pleaseType);
      expect(lastAnswer).toContain("[1]");
      expect(lastAnswer).toContain("Sources:");
      expect(lastAnswer).toContain("Trace");
      expect(lastAnswer).toContain("dual-use");
      // The follow-up is read against the previous question, and Michel is not given von der Leyen's words.
      expect(lastAnswer.replace(/\s+/g, " ")).toContain("The articles don't quote Charles Michel on dual-use goods. Ursula von der Leyen did: “");

      // Four answers; blank lines produce nothing.
      expect(out.match(/Sources:/g)).toHaveLength(4);
    });

    it("starts with an empty corpus folder, says what to put there, and quits cleanly", async () => {
      const empty = await freshDir("cli-empty-corpus-");
      const data = await freshDir("cli-empty-data-");
      const r = await within(
        30_000,
        run(["console"], { env: { ...env, CORPUS_DIR: empty, DATA_DIR: data }, typed: ["What did Kallas say?", "/quit"] }),
      );
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toContain(empty);
      expect(r.stdout).toContain(".txt");
      expect(r.stdout).toContain("/ingest");
      expect(r.stdout).not.toContain(STACK_LINE);
      expect(r.stderr).not.toContain(STACK_LINE);
    });

    it("ends on end of input without /quit", async () => {
      const r = await within(30_000, run(["console"], { typed: ["/help"] }));
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toContain("/articles");
    });

    // Regression: the console once created its line iterator only after
    // `await app.ready()`, so input already waiting on stdin (piped, e.g.
    // `printf '/help\n/quit\n' | npm run console`) was emitted with nobody
    // listening: every line was lost and the loop hung waiting for a 'close'
    // that had already happened.
    it("answers piped input that arrives before the index is ready", async () => {
      const piped = Readable.from(["/help\nWhat did Kallas say about rare earth exports?\n/quit\n"]);
      const r = await within(10_000, run(["console"], { stdin: piped }));
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toContain("/articles");
      expect(r.stdout).toContain("[1]");
      expect(r.stdout).toContain("Sources:");
      expect(r.stdout).toContain("003_641cc9c7e352f1a3.txt");
    });

    it("reaches end of piped input without /quit and exits 0", async () => {
      const r = await within(10_000, run(["console"], { stdin: Readable.from(["/help\n"]) }));
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toContain("/articles");
    });
  });

  describe("article web addresses (metadata url)", () => {
    it("carries a url the metadata states to citations, ask --json and the Sources line; a metadata-only change needs no re-embedding", async () => {
      const corpus = await freshDir("cli-url-corpus-");
      const data = await freshDir("cli-url-data-");
      await copySeeds(corpus);
      const urlEnv = { ...env, CORPUS_DIR: corpus, DATA_DIR: data };
      const question = "What did von der Leyen say about dual-use goods?";

      const app = createApp(testConfig(urlEnv));
      const before = await app.ask(question);
      expect(before.citations.length).toBeGreaterThan(0);
      for (const c of before.citations) expect(c.url).toBeNull();
      const cited = before.citations[0]?.source ?? "";

      // Only the metadata changes: the cited article gets a url (written unnormalised).
      const file = path.join(corpus, "metadata.json");
      const meta = JSON.parse(await readFile(file, "utf8")) as { articles: Record<string, Record<string, unknown>> };
      const entry = meta.articles[cited];
      expect(entry).toBeDefined();
      meta.articles[cited] = { ...entry, url: "HTTPS://Example.com/news/dual-use goods" };
      await writeFile(file, JSON.stringify(meta, null, 2));
      const href = "https://example.com/news/dual-use%20goods";

      // The console's /ingest: the corpus is re-read, nothing is re-embedded or rebuilt.
      const summary = await app.ingest();
      expect(summary.embedded).toBe(0);
      expect(summary.wrote).toBe(false);
      const after = await app.ask(question);
      expect(after.citations.length).toBeGreaterThan(0);
      for (const c of after.citations) expect(c.url).toBe(c.source === cited ? href : null);
      expect(after.citations.some((c) => c.url === href)).toBe(true);

      // A new process (one-shot ask) reads it too.
      const fresh = await createApp(testConfig(urlEnv)).ask(question);
      expect(fresh.citations.find((c) => c.source === cited)?.url).toBe(href);

      const json = await run(["ask", "--json", question], { env: urlEnv });
      expect(json.code).toBe(EXIT.ok);
      const a = oneJsonLine<AnswerJson>(json.stdout);
      for (const c of a.citations) expect(c.url).toBe(c.source === cited ? href : null);

      const text = await run(["ask", question], { env: urlEnv });
      expect(text.code).toBe(EXIT.ok);
      const sources = text.stdout.slice(text.stdout.indexOf("Sources:")).replace(/\s+/g, " ");
      expect(sources).toContain(`(${cited}), characters`);
      expect(sources).toContain(`<${href}>`);
    });
  });

  describe("messy corpus folders", () => {
    it("skips a non-UTF-8 file and a duplicate article, with warnings naming them", async () => {
      const corpus = await freshDir("cli-messy-corpus-");
      const data = await freshDir("cli-messy-data-");
      await copySeeds(corpus);
      await writeFile(path.join(corpus, "bad.txt"), Buffer.from([0xff, 0xfe, 0x41]));
      // Sorts after the original, so the seed is the one kept.
      await copyFile(path.join(corpus, "000_10e720cce02f15cd.txt"), path.join(corpus, "zzz_copy_of_000.txt"));
      const r = await run(["ingest", "--json"], { env: { ...env, CORPUS_DIR: corpus, DATA_DIR: data, LOG_LEVEL: "warn" } });
      expect(r.code).toBe(EXIT.ok);
      const s = oneJsonLine<{ articles: number; added: string[] }>(r.stdout);
      expect(s.articles).toBe(5);
      expect([...s.added].sort()).toEqual(SEED_SOURCES);

      const warnings = r.stderr.split("\n").filter(Boolean);
      const bad = warnings.filter((l) => l.includes("bad.txt"));
      expect(bad).toHaveLength(1);
      expect(bad[0]).toContain("UTF-8");
      const dup = warnings.filter((l) => l.includes("zzz_copy_of_000.txt"));
      expect(dup).toHaveLength(1);
      expect(dup[0]).toContain("000_10e720cce02f15cd.txt");
      expect(r.stderr).not.toContain(STACK_LINE);
    });
  });

  it("never tried to reach the network", () => {
    expect(blockedRequests).toEqual([]);
  });
});

describe("exit codes", () => {
  it("are the numbers the README documents", () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, internal: 70, stopped: 130 });
  });
});
