/*
 * A running app following the index (app.followIndex) while a real second
 * process (`node --import tsx src/cli/bin.ts ingest`) writes new builds into
 * the same data folder: the real tiny embedding model, real hnswlib and BM25
 * indexes on disk, fs.watch on a real folder. Each step waits for a log line,
 * a child's exit or a report, never for a fixed time. The tests share one
 * app and one data folder and run in order, each starting from where the
 * previous one left the index.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { cp, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createApp, type App } from "../../src/app.js";
import type { Config, Env } from "../../src/config.js";
import { newBuildId } from "../../src/index/store.js";
import { createEmbedder } from "../../src/ingest/embedders/create-embedder.js";
import type { EmbeddingProvider } from "../../src/ingest/embedders/provider.js";
import { memoryLogger, silentLogger } from "../../src/log.js";
import type { Answer } from "../../src/types.js";
import { cleanup, copySeeds, REPO, tempDir, testConfig, tinyModelEnv, within } from "../helpers.js";

const BIN = path.join(REPO, "src", "cli", "bin.ts");
const FOLLOWER = path.join(REPO, "test", "fixtures", "follow-and-stop.ts");

/** A made-up fact no seed article mentions. */
const SUMMIT_FILE = "900_tromso-polar-summit.txt";
const SUMMIT_ARTICLE =
  "EU and China plan a polar summit in Tromsø\n\n" +
  "Officials of the European Union and China agreed that their 2031 summit will be held in Tromsø, Norway. " +
  "Negotiators said the Tromsø summit would focus on icebreaker safety and Arctic shipping lanes.";
const SUMMIT_QUESTION = "What did negotiators say about icebreaker safety?";
/** Another wording of it (the app remembers query vectors, so the held question must be new to it). */
const HELD_QUESTION = "What did the negotiators say about icebreaker safety on Arctic shipping lanes?";
const SEED_QUESTION = "Which countries did Xi visit after France?";

let root: string;
let env: Env;
let config: Config;
let corpusDir: string;
let dataDir: string;
const log = memoryLogger("debug");
let app: App;
let stopFollowing: () => void;

/** While set, the next query embedding waits for `release` (so a question can be held mid-way). */
let hold: { reached: () => void; release: Promise<void> } | null = null;

beforeAll(async () => {
  root = await tempDir("live-reload-");
  corpusDir = path.join(root, "corpus");
  dataDir = path.join(root, "data");
  await copySeeds(corpusDir);
  env = { ...(await tinyModelEnv(path.join(root, "models"))), CORPUS_DIR: corpusDir, DATA_DIR: dataDir };
  config = testConfig(env);
  const real = await createEmbedder(config, silentLogger);
  // The real model, with a gate in front of query embeddings; the id is the real one, so builds match.
  const gated: EmbeddingProvider = {
    id: real.id,
    dimensions: real.dimensions,
    embedDocuments: (texts) => real.embedDocuments(texts),
    async embedQuery(text) {
      const h = hold;
      if (h) {
        hold = null;
        h.reached();
        await h.release;
      }
      return real.embedQuery(text);
    },
  };
  app = createApp(config, { log, embedder: gated });
  await app.ready();
  // fs.watch reports switches at once; the poll is only the fallback here (and slow enough not to split a burst).
  stopFollowing = app.followIndex({ debounceMs: 50, pollMs: 5_000 });
});
afterAll(async () => {
  stopFollowing?.();
  await cleanup(root);
});

const event = (line: string) => JSON.parse(line) as Record<string, unknown> & { event: string; level: string };
const lines = (name: string) => log.lines.map(event).filter((l) => l.event === name);
const current = async () => (await readFile(path.join(dataDir, "CURRENT"), "utf8")).trim();
const sources = (a: Answer) => ({ cited: a.citations.map((c) => c.source), retrieved: a.passages.map((p) => p.chunk.source) });

/** Runs `summit ingest` in a process of its own; resolves with its exit code and output. */
async function ingestInChild(extraEnv: Env = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", BIN, "ingest"], {
    cwd: REPO,
    env: { ...process.env, ...env, LOG_LEVEL: "info", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  createInterface({ input: child.stdout }).on("line", (l) => output.push(l));
  createInterface({ input: child.stderr }).on("line", (l) => output.push(l));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output: output.join("\n") };
}

/** Makes `build` current as writeIndex does (a temporary file renamed over CURRENT). */
async function pointCurrentAt(build: string): Promise<void> {
  const tmp = path.join(dataDir, `CURRENT.${randomBytes(4).toString("hex")}.tmp`);
  await writeFile(tmp, `${build}\n`);
  await rename(tmp, path.join(dataDir, "CURRENT"));
}

/** Log lines of writing or locking: a follower must never produce one. */
const WRITER_EVENTS = ["index.build", "index.rebuild", "index.written", "index.lock_wait", "index.lock_stale", "index.abandoned_removed", "index.write_failed"];

describe("following the index another process writes", () => {
  it("picks up a build another process made current: new questions cite the new article, a question already running finishes on the old index", async () => {
    const before = await app.ask(SUMMIT_QUESTION);
    expect(sources(before).cited).not.toContain(SUMMIT_FILE);
    const oldBuild = await current();
    const logged = log.lines.length;

    // A question that has started (its state taken) and waits in the middle of retrieval.
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    hold = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
    const held = app.ask(HELD_QUESTION);
    await within(10_000, atGate);

    await writeFile(path.join(corpusDir, SUMMIT_FILE), SUMMIT_ARTICLE);
    const child = await ingestInChild();
    expect(child.code, child.output).toBe(0);
    const build = await current();
    expect(build).not.toBe(oldBuild);
    const reloaded = event(await log.waitFor((l) => event(l).event === "index.reloaded" && event(l).build === build, 30_000));
    expect(reloaded).toMatchObject({ level: "info", build, previous: oldBuild, articles: 6 });
    expect(reloaded.chunks).toEqual(expect.any(Number));
    expect(reloaded.ms).toEqual(expect.any(Number));

    // The held question goes on with the index it started with.
    release();
    const heldAnswer = await held;
    expect(sources(heldAnswer).cited).not.toContain(SUMMIT_FILE);
    expect(sources(heldAnswer).retrieved).not.toContain(SUMMIT_FILE);

    // New questions use the new one.
    const after = await app.ask(SUMMIT_QUESTION);
    expect(after.abstained).toBe(false);
    expect(sources(after).cited[0]).toBe(SUMMIT_FILE);
    expect(after.citations[0]?.quote).toMatch(/icebreaker safety/);
    expect((await app.articles()).map((a) => a.source)).toContain(SUMMIT_FILE);
    expect(sources(await app.ask(SEED_QUESTION)).cited.length).toBeGreaterThan(0);

    // The follower only read: it neither built, nor wrote, nor took the lock.
    const mine = log.lines.slice(logged).map(event);
    expect(mine.filter((l) => WRITER_EVENTS.includes(l.event))).toEqual([]);
    expect(mine.filter((l) => l.event === "index.reloaded")).toHaveLength(1);
    expect(lines("index.reload_failed")).toEqual([]);
  });

  it("does not reload a build it wrote itself", async () => {
    await writeFile(path.join(corpusDir, "901_lisbon-cashew-talks.txt"), "Cashew talks in Lisbon\n\nNegotiators said the cashew quota would double next year.");
    const summary = await app.ingest();
    expect(summary.wrote).toBe(true);
    const build = await current();
    // The watcher saw the switch, and the reload found that build already loaded.
    const skipped = event(await log.waitFor((l) => event(l).event === "index.reload_skipped" && event(l).build === build, 30_000));
    expect(skipped.reason).toBe("already loaded");
    expect(lines("index.reloaded").filter((l) => l.build === build)).toEqual([]);
    expect(sources(await app.ask("What did negotiators say about the cashew quota?")).cited[0]).toBe("901_lisbon-cashew-talks.txt");
  });

  it("refuses a damaged or missing build with index.reload_failed and keeps answering from the index it has", async () => {
    const good = await current();
    const logged = log.lines.length;

    // A copy of the good build with one byte of chunks.json changed.
    const damaged = newBuildId();
    await cp(path.join(dataDir, "builds", good), path.join(dataDir, "builds", damaged), { recursive: true });
    const chunksFile = path.join(dataDir, "builds", damaged, "chunks.json");
    const bytes = await readFile(chunksFile);
    const at = bytes.indexOf("icebreaker");
    bytes[at] = "I".charCodeAt(0);
    await writeFile(chunksFile, bytes);
    await pointCurrentAt(damaged);
    const refused = event(await log.waitFor((l) => event(l).event === "index.reload_failed" && event(l).build === damaged, 30_000));
    expect(refused).toMatchObject({ level: "error", kind: "unreadable", keeping: good });
    expect(refused.reason).toMatch(/chunks\.json: checksum mismatch/);
    const still = await app.ask(SUMMIT_QUESTION);
    expect(sources(still).cited[0]).toBe(SUMMIT_FILE);
    expect(still.citations[0]?.quote).toMatch(/icebreaker safety/);

    // CURRENT naming a build that is not there, after several switches in a row: one reload, of the latest.
    const passing = [newBuildId(), newBuildId(), newBuildId()];
    for (const name of passing) await pointCurrentAt(name);
    const missing = newBuildId();
    await pointCurrentAt(missing);
    const gone = event(await log.waitFor((l) => event(l).event === "index.reload_failed" && event(l).build === missing, 30_000));
    expect(lines("index.reload_failed").filter((l) => passing.includes(l.build as string))).toEqual([]);
    expect(gone).toMatchObject({ level: "error", kind: "unreadable", keeping: good });
    expect(gone.reason).toMatch(/manifest\.json/);
    expect(sources(await app.ask(SEED_QUESTION)).cited.length).toBeGreaterThan(0);

    // Nothing was rebuilt or repaired by the follower: the damaged build and CURRENT are as the test left them.
    expect(log.lines.slice(logged).map(event).filter((l) => WRITER_EVENTS.includes(l.event))).toEqual([]);
    expect(await readdir(path.join(dataDir, "builds"))).toContain(damaged);
    expect(await current()).toBe(missing);

    // Back to the good build: it is the one loaded, so nothing is reloaded.
    await pointCurrentAt(good);
    await log.waitFor((l) => event(l).event === "index.reload_skipped" && event(l).build === good && log.lines.indexOf(l) > logged, 30_000);
  });

  it("keeps its index, with a warning, when another process makes current a build of another embedder", async () => {
    const good = await current();
    const child = await ingestInChild({ TRANSFORMERS_POOLING: "cls" });
    expect(child.code, child.output).toBe(0);
    const other = await current();
    expect(other).not.toBe(good);
    const refused = event(await log.waitFor((l) => event(l).event === "index.reload_failed" && event(l).build === other, 30_000));
    expect(refused).toMatchObject({ level: "warn", kind: "incompatible", keeping: good });
    expect(refused.reason).toMatch(/embedder changed \(index: transformers:test\/tiny-bert:cls.*now: transformers:test\/tiny-bert:mean/);
    expect(refused.hint).toMatch(/same embedder/);
    const still = await app.ask(SUMMIT_QUESTION);
    expect(sources(still).cited[0]).toBe(SUMMIT_FILE);
    expect(still.retrieval.embedder).toMatch(/:mean:/);
  });

  it("after stop, follows no more: the folder watch and the poll timer are released, nothing is reloaded", async () => {
    const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const closePhasePassed = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
    const watches = count("FSEventWrap");
    const timers = count("Timeout");
    const stop = app.followIndex({ pollMs: 60_000 });
    expect(count("FSEventWrap")).toBe(watches + 1);
    expect(count("Timeout")).toBe(timers + 1);
    stop();
    stop();
    await closePhasePassed();
    expect(count("FSEventWrap")).toBe(watches);
    expect(count("Timeout")).toBe(timers);

    // The follower started in beforeAll, stopped: a switch is no longer noticed. A second, running app on the same
    // folder proves the switch was there to see.
    stopFollowing();
    await closePhasePassed();
    expect(count("FSEventWrap")).toBe(watches - 1);
    const witnessLog = memoryLogger("debug");
    const witness = createApp(config, { log: witnessLog, embedder: await createEmbedder(config, silentLogger) });
    // CURRENT names the other embedder's build: the witness rebuilds with its own and makes that current.
    await witness.ready();
    const good = await current();
    const stopWitness = witness.followIndex({ debounceMs: 20, pollMs: 60_000 });
    try {
      const reloadsBefore = lines("index.reloaded").length + lines("index.reload_failed").length + lines("index.reload_skipped").length;
      const missing = newBuildId();
      await pointCurrentAt(missing);
      await witnessLog.waitFor((l) => event(l).event === "index.reload_failed" && event(l).build === missing, 30_000);
      expect(lines("index.reloaded").length + lines("index.reload_failed").length + lines("index.reload_skipped").length).toBe(reloadsBefore);
      await pointCurrentAt(good);
    } finally {
      stopWitness();
    }
  });

  it("lets a process that stopped following end by itself (and one that did not stop stays)", async () => {
    const run = (mode: "stop" | "keep") => {
      const child = spawn(process.execPath, ["--import", "tsx", FOLLOWER, mode], { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      const out: string[] = [];
      const waiters: [RegExp, (l: string) => void][] = [];
      createInterface({ input: child.stdout }).on("line", (l) => {
        out.push(l);
        for (const w of waiters.filter(([re]) => re.test(l))) w[1](l);
      });
      child.stderr.resume();
      const exited = once(child, "exit").then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
      const line = (re: RegExp) => new Promise<string>((resolve) => (out.some((l) => re.test(l)) ? resolve(out.find((l) => re.test(l))!) : waiters.push([re, resolve])));
      return { child, exited, line };
    };
    const resources = (line: string) => JSON.parse(line.slice(line.indexOf(" ") + 1)) as string[];

    const stopping = run("stop");
    const keeping = run("keep");
    try {
      const following = resources(await within(60_000, stopping.line(/^following /)));
      expect(following).toContain("FSEventWrap");
      const stopped = resources(await within(30_000, stopping.line(/^stopped /)));
      expect(stopped).not.toContain("FSEventWrap");
      expect(stopped).not.toContain("Timeout");
      // Nothing else to do: it ends because nothing holds the event loop.
      expect(await within(30_000, stopping.exited)).toEqual({ code: 0, signal: null });

      // The control: the same process without the stop holds the watch and its timer, and is still running when
      // killed (the signal ends it, not an exit of its own).
      const kept = resources(await within(60_000, keeping.line(/^following /)));
      expect(kept).toContain("FSEventWrap");
      expect(kept).toContain("Timeout");
      keeping.child.kill("SIGTERM");
      expect(await within(30_000, keeping.exited)).toEqual({ code: null, signal: "SIGTERM" });
    } finally {
      // A failed step leaves no process behind.
      for (const p of [stopping, keeping]) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    }
  });
  it("an article edited on disk is answered from the index in use: a follower does not rebuild or lock, the next ingest brings the edit in", async () => {
    // (The shared app stopped following in an earlier test.)
    const stop = app.followIndex({ debounceMs: 50, pollMs: 5_000 });
    onTestFinished(stop);
    const first = await app.ask(SEED_QUESTION);
    const cited = first.citations[0]?.source ?? "";
    expect(cited).not.toBe("");
    const build = await current();
    const logged = log.lines.length;
    const file = path.join(corpusDir, cited);
    await writeFile(file, `${await readFile(file, "utf8")}\nAn editor's note added after the index was built.\n`);
    const again = await app.ask(SEED_QUESTION);
    expect(again.citations[0]?.quote).toBe(first.citations[0]?.quote);
    const after = log.lines.slice(logged).map(event);
    expect(after.find((l) => l.event === "corpus.changed")).toMatchObject({ sources: cited, action: expect.stringMatching(/ingest/) });
    expect(after.filter((l) => WRITER_EVENTS.includes(l.event))).toEqual([]);
    expect(await current()).toBe(build);
  });
});
