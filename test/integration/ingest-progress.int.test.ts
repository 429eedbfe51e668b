/*
 * Progress of a long `ingest`, through runMain with in-memory streams and the
 * real index build (tiny offline BERT) over the seeds plus generated
 * articles: `ingest.progress` log lines when stderr is not a terminal, a
 * cli-progress bar when it is, and stdout holding the summary alone either way.
 * The throttle runs on a clock that moves one second per progress event, so
 * the lines do not depend on how fast this machine embeds.
 */
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXIT, type CliIo } from "../../src/cli/io.js";
import { createApp } from "../../src/app.js";
import { runMain } from "../../src/cli/main.js";
import type { Env } from "../../src/config.js";
import { progressTiming, type ProgressFields } from "../../src/ingest/progress.js";
import type { IngestProgress, IngestSummary } from "../../src/ingest/sync-index.js";
import { memoryLogger } from "../../src/log.js";
import { writeSyntheticCorpus } from "../bench/synthetic-corpus.js";
import { cleanup, copySeeds, SEEDS, tempDir, testConfig, tinyModelEnv } from "../helpers.js";

interface Sink {
  readonly chunks: string[];
  write(s: string): boolean;
  text(): string;
}

function sink(extra: { isTTY?: boolean; columns?: number } = {}): Sink {
  return {
    ...extra,
    chunks: [],
    write(s: string) {
      this.chunks.push(s);
      return true;
    },
    text() {
      return this.chunks.join("");
    },
  };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

type ProgressRecord = ProgressFields & { event: string };

const saved = { ...progressTiming };

describe("ingest progress (runMain)", () => {
  let root: string;
  let env: Env;
  let articles: number;

  async function run(argv: string[], stderr: Sink, extraEnv: Env = {}): Promise<Run> {
    const stdout = sink();
    const stdin = new PassThrough();
    stdin.end();
    const io: CliIo = { stdin, stdout, stderr, env: { ...env, ...extraEnv }, cwd: root };
    const code = await runMain(argv, io);
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  beforeAll(async () => {
    root = await tempDir("ingest-progress-");
    const corpus = path.join(root, "corpus");
    await copySeeds(corpus);
    // About 250 chunks with the seeds: 16 embedding slices.
    const synthetic = await writeSyntheticCorpus(SEEDS, corpus, 200);
    articles = synthetic.articles + 5;
    env = { ...(await tinyModelEnv(path.join(root, "models"))), CORPUS_DIR: corpus, DATA_DIR: path.join(root, "data"), LOG_LEVEL: "info", LOG_FORMAT: "json" };
  });

  afterEach(() => Object.assign(progressTiming, saved));
  afterAll(() => cleanup(root));

  /** A clock that moves 1 s each time it is read: one read per progress event. */
  const tickingClock = () => {
    let t = 0;
    return () => (t += 1_000);
  };

  it("the build reports reading, embedding slice by slice, analysing and writing, in that order; an up-to-date index reports nothing", async () => {
    const events: IngestProgress[] = [];
    const app = createApp(testConfig({ ...env, DATA_DIR: path.join(root, "app-data") }), { onProgress: (p) => events.push(p) });
    const summary = await app.ingest({ force: true });
    const phases = events.map((e) => e.phase).filter((phase, i, all) => phase !== all[i - 1]);
    expect(phases).toEqual(["reading", "embedding", "analysing", "writing"]);
    const reading = events.filter((e) => e.phase === "reading");
    expect(reading.map((e) => e.articlesDone)).toEqual(Array.from({ length: articles + 1 }, (_, i) => i));
    expect(reading.at(-1)?.chunksTotal).toBe(summary.embedded);
    const embedding = events.filter((e) => e.phase === "embedding");
    // At the start, then after each slice of EMBED_SLICE (16) chunks.
    expect(embedding.map((e) => e.chunksDone)).toEqual(Array.from({ length: Math.ceil(summary.embedded / 16) + 1 }, (_, i) => Math.min(i * 16, summary.embedded)));
    const articlesDone = embedding.map((e) => e.articlesDone);
    expect(articlesDone).toEqual([...articlesDone].sort((a, b) => a - b));
    expect(embedding.at(-1)).toEqual({ phase: "embedding", articlesDone: articles, articlesTotal: articles, chunksDone: summary.embedded, chunksTotal: summary.embedded });
    events.length = 0;
    await app.ingest();
    expect(events).toEqual([]);
  });

  it("a progress listener that throws is logged once and does not fail the build", async () => {
    const log = memoryLogger("debug");
    let calls = 0;
    const app = createApp(testConfig({ ...env, DATA_DIR: path.join(root, "app-data") }), {
      log,
      onProgress: () => {
        calls++;
        throw new Error("listener broke");
      },
    });
    const summary = await app.ingest({ force: true });
    expect(summary.wrote).toBe(true);
    expect(calls).toBe(1);
    expect(log.lines.filter((l) => l.includes("ingest.progress_failed"))).toEqual([expect.stringContaining("listener broke")]);
  });

  it("without a terminal logs ingest.progress every interval and at the end of embedding; stdout is the JSON summary alone", async () => {
    Object.assign(progressTiming, { now: tickingClock(), intervalMs: 5_000 });
    const r = await run(["ingest", "--force", "--json"], sink());
    expect(r.code).toBe(EXIT.ok);

    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0] ?? "") as IngestSummary;
    expect(summary.articles).toBe(articles);
    expect(summary.embedded).toBe(summary.chunks);
    expect(summary.chunks).toBeGreaterThan(160);

    const records = r.stderr
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as ProgressRecord);
    const progress = records.filter((x) => x.event === "ingest.progress");
    const embedding = progress.filter((x) => x.phase === "embedding");
    // One a 5 events (16-chunk slices): 80 chunks apart, and the last.
    expect(embedding.length).toBeGreaterThanOrEqual(3);
    const done = embedding.map((x) => x.chunksDone);
    for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThan(done[i - 1] ?? 0);
    expect(embedding.at(-1)).toMatchObject({ chunksDone: summary.embedded, chunksTotal: summary.embedded, articlesDone: articles, articlesTotal: articles, etaSeconds: 0 });
    for (const x of embedding) {
      expect(x.chunksTotal).toBe(summary.embedded);
      expect(x.articlesTotal).toBe(articles);
      expect(x.perSecond).toBeGreaterThan(0);
      expect(x.etaSeconds).toBeGreaterThanOrEqual(0);
    }
    // The build's own lines are still there, in order around the progress.
    const events = records.map((x) => x.event);
    expect(events.indexOf("index.rebuild")).toBeLessThan(events.indexOf("ingest.progress"));
    expect(events.lastIndexOf("ingest.progress")).toBeLessThan(events.indexOf("index.written"));
    expect(r.stdout).not.toContain("ingest.progress");
  });

  it("on a terminal draws a bar on stderr and clears it before the summary on stdout", async () => {
    Object.assign(progressTiming, { now: tickingClock(), intervalMs: 5_000, barDelayMs: 0 });
    const stderr = sink({ isTTY: true, columns: 120 });
    const r = await run(["ingest", "--force"], stderr);
    expect(r.code).toBe(EXIT.ok);

    const total = Number(/Index: \d+ articles, (\d+) chunks/.exec(r.stdout)?.[1]);
    expect(total).toBeGreaterThan(160);
    expect(r.stdout).toMatch(/^Index: /);
    expect(r.stdout).toContain(`Re-embedded ${total} chunks`);
    // stdout is the summary only: no bar, no escape sequences.
    expect(r.stdout).not.toContain("chunks/s");
    expect(r.stdout).not.toContain("\u001b");

    // The bar (rendered at least when it starts and when it stops), then a cleared line.
    const bars = [...r.stderr.matchAll(/(Reading|Embedding|Analysing) +\[[^\]]*\] (\d+)\/(\d+) chunks \| (\d+)\/(\d+) articles \| ([\d.]+|-) chunks\/s \| ETA ([\dhms]+|-)/g)];
    expect(bars.length).toBeGreaterThanOrEqual(2);
    const last = bars.at(-1);
    expect(last?.slice(2, 6).map(Number)).toEqual([total, total, articles, articles]);
    const afterLastBar = r.stderr.slice((last?.index ?? 0) + (last?.[0].length ?? 0));
    // readline's clearLine(stream, 0): the bar leaves no text behind for the summary or the next log line.
    expect(afterLastBar).toContain("\u001b[2K");
    // The bar replaces the progress log lines; the other log lines still come.
    expect(r.stderr).not.toContain("ingest.progress");
    expect(r.stderr).toContain('"event":"index.written"');
    const written = r.stderr.indexOf('"event":"index.written"');
    expect(written).toBeGreaterThan(r.stderr.lastIndexOf("\u001b[2K"));
  });

  it("a small build (the seeds) that ends within the bar delay draws nothing", async () => {
    Object.assign(progressTiming, { now: () => 0, barDelayMs: 1_000 });
    const seeds = path.join(root, "seeds");
    await copySeeds(seeds);
    const stderr = sink({ isTTY: true, columns: 120 });
    const r = await run(["ingest", "--force"], stderr, { LOG_LEVEL: "warn", CORPUS_DIR: seeds, DATA_DIR: path.join(root, "seeds-data") });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Index: /);
  });
});
