/*
 * Fault injection against the index on disk (npm run test:faults).
 *
 * 1. Every file of a build (and CURRENT) is truncated, deleted, and has single
 *    bytes flipped (seeded) in its header and its body. After each, the app is
 *    started on the damaged folder in a child process (test/faults/ask-worker.ts)
 *    and asked fixed questions. It must rebuild with a log line naming the file,
 *    or refuse cleanly; never crash (a native crash ends the child with a signal
 *    and is counted, not lost), and never answer differently from the undamaged
 *    index.
 * 2. The real CLI (`summit ingest`) is killed with SIGKILL at seeded moments of a
 *    full build and of an incremental update; a restart must answer exactly as a
 *    clean build of the same corpus does.
 *
 * The fault matrix is printed, and written as JSON to $FAULT_MATRIX_FILE when set.
 */
import { spawn } from "node:child_process";
import { appendFile, cp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/config.js";
import { mulberry32 } from "../fixtures/prng.js";
import { cleanup, copySeeds, REPO, tempDir, tinyModelEnv } from "../helpers.js";
import type { AskResult, CaseReport, WorkerSpec } from "./ask-worker.js";

const SEED = 20261129;
/** Flipped bytes per file and region (header, body). */
const FLIPS = 20;
/** The first bytes of a file, where its lengths and offsets live (hnswlib's header is 96 bytes). */
const HEADER_BYTES = 96;
/** SIGKILLs per kind of ingest. */
const KILLS = 12;
/** A case that takes longer than this is counted as hung (and its worker killed). */
const CASE_TIMEOUT_MS = 120_000;

const QUESTIONS = [
  "Which countries did Xi visit after France?",
  "What did von der Leyen say about dual-use goods?",
  "What did Kallas say about China?",
  "Who attended the EU-China summit in Beijing?",
  "What did negotiators say about the cashew quota?",
];
const NEW_ARTICLE =
  "Zanzibar talks\n\nThe zanzibar delegation met officials in Lisbon to discuss cashew exports. " +
  "Negotiators said the cashew quota would double next year.";

const BUILD_FILES = ["manifest.json", "chunks.json", "dense.hnsw", "lexical.bin", "knowledge.json"] as const;
const FILES = [...BUILD_FILES, "CURRENT"] as const;
type FileName = (typeof FILES)[number];
type Fault = "truncate" | "delete" | "flip-header" | "flip-body";

/**
 * What happened to one damaged folder. "rebuilt": rebuilt from scratch; "as-is": used as it was (or
 * updated incrementally), answers unchanged; "refused": an AppError instead of an answer; "error":
 * any other exception; "crashed": the process died or hung; "wrong": an answer differs from the clean build's.
 */
type Outcome = "rebuilt" | "refused" | "as-is" | "crashed" | "error" | "wrong";
const OUTCOMES: readonly Outcome[] = ["rebuilt", "refused", "as-is", "crashed", "error", "wrong"];

interface Case {
  readonly id: string;
  readonly dataDir: string;
  readonly corpusDir?: string;
}
interface Crash {
  readonly id: string;
  readonly crash: string;
}
type Result = CaseReport | Crash;

let root: string;
let env: Env;
let corpusA: string;
let corpusB: string;
let baselineDir: string;
let answersA: AskResult[];
let answersB: AskResult[];
const matrix: Record<string, Record<string, number>> = {};
const examples: Record<string, string[]> = {};

/** The suite's report goes to the terminal, past vitest's console capture. */
const print = (text: string) => process.stdout.write(`${text}\n`);

const sameAnswers = (a: readonly AskResult[], b: readonly AskResult[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Runs `cases` in worker processes, one after another; when a worker dies
 * (a segfault, an abort, a hang past CASE_TIMEOUT_MS), the case it was on is
 * counted as crashed and a new worker goes on with the rest.
 */
async function runCases(cases: readonly Case[]): Promise<Map<string, Result>> {
  const results = new Map<string, Result>();
  let remaining = [...cases];
  let batch = 0;
  while (remaining.length) {
    const specFile = path.join(root, `worker-${batch++}.json`);
    await writeFile(specFile, JSON.stringify({ env, questions: QUESTIONS, cases: remaining } satisfies WorkerSpec));
    const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO, "test/faults/ask-worker.ts"), specFile], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let current: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    let stderr = "";
    let buffered = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as { id: string; event: "start" } | CaseReport;
        buffered = buffered.slice(nl + 1);
        clearTimeout(timer);
        if (line.event === "start") {
          current = line.id;
          timer = setTimeout(() => child.kill("SIGKILL"), CASE_TIMEOUT_MS);
        } else {
          results.set(line.id, line);
          current = null;
        }
      }
    });
    const [code, signal] = await exited(child);
    clearTimeout(timer);
    if (current) results.set(current, { id: current, crash: `exit ${code ?? ""}${signal ?? ""}: ${stderr.trim().split("\n").slice(-3).join(" | ")}` });
    else if (code !== 0) throw new Error(`worker failed outside a case (exit ${code ?? signal}): ${stderr}`);
    remaining = remaining.filter((c) => !results.has(c.id));
  }
  return results;
}

function outcome(r: Result | undefined, expected: readonly AskResult[]): Outcome {
  if (!r) return "crashed";
  if ("crash" in r) return "crashed";
  const errors = r.answers.filter((a) => "error" in a);
  if (errors.length) return errors.every((a) => "appError" in a && a.appError) ? "refused" : "error";
  if (!sameAnswers(r.answers, expected)) return "wrong";
  return r.rebuilt ? "rebuilt" : "as-is";
}

/** Columns of the matrix: "named" counts the rebuilds whose reason names the damaged file. */
const COLUMNS = ["injected", ...OUTCOMES, "named"];

function record(row: string, o: Outcome, detail: string, named = false): void {
  matrix[row] ??= Object.fromEntries(COLUMNS.map((k) => [k, 0]));
  const cells = matrix[row] as Record<string, number>;
  cells.injected = (cells.injected ?? 0) + 1;
  cells[o] = (cells[o] ?? 0) + 1;
  if (named) cells.named = (cells.named ?? 0) + 1;
  if (o !== "rebuilt" && o !== "as-is") (examples[row] ??= []).push(`${o}: ${detail}`.slice(0, 300));
}

/** Spawns the real CLI. */
function cli(args: string[], extra: Env) {
  return spawn(process.execPath, ["--import", "tsx", path.join(REPO, "src/cli/bin.ts"), ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, LOG_LEVEL: "info", LOG_FORMAT: "json", ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));

/** Resolves when the child's stderr has a line containing `text` (or the child ends). */
function stderrLine(child: ReturnType<typeof spawn>, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = "";
    child.stderr?.on("data", (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) resolve(true);
    });
    child.on("close", () => resolve(false));
  });
}

beforeAll(async () => {
  root = await tempDir("summit-faults-");
  env = await tinyModelEnv(path.join(root, "models"));
  corpusA = path.join(root, "corpus-a");
  corpusB = path.join(root, "corpus-b");
  await copySeeds(corpusA);
  await copySeeds(corpusB);
  await appendFile(path.join(corpusB, "003_641cc9c7e352f1a3.txt"), "\nKallas also discussed quinoa tariffs with Wang Yi.\n");
  await writeFile(path.join(corpusB, "zanzibar.txt"), NEW_ARTICLE);
  baselineDir = path.join(root, "baseline");
  const clean = await runCases([
    { id: "clean-a", dataDir: baselineDir, corpusDir: corpusA },
    { id: "clean-b", dataDir: path.join(root, "clean-b"), corpusDir: corpusB },
  ]);
  const a = clean.get("clean-a");
  const b = clean.get("clean-b");
  if (!a || "crash" in a || !b || "crash" in b) throw new Error(`clean builds failed: ${JSON.stringify([...clean.values()])}`);
  answersA = a.answers;
  answersB = b.answers;
  // The questions must exercise the index: real answers, and the two corpora answer differently.
  expect(answersA.filter((x) => "text" in x && x.citations.length > 0).length).toBeGreaterThanOrEqual(3);
  expect(sameAnswers(answersA, answersB)).toBe(false);
});

afterAll(async () => {
  const rows = Object.entries(matrix).map(([row, cells]) => `${row.padEnd(34)}${COLUMNS.map((k) => String(cells[k] ?? 0).padStart(10)).join("")}`);
  print([`${"file × fault".padEnd(34)}${COLUMNS.map((k) => k.padStart(10)).join("")}`, ...rows].join("\n"));
  for (const [row, list] of Object.entries(examples)) print(`${row}:\n  ${list.slice(0, 5).join("\n  ")}`);
  if (process.env.FAULT_MATRIX_FILE) await writeFile(process.env.FAULT_MATRIX_FILE, JSON.stringify({ matrix, examples }, null, 2));
  await cleanup(root);
});

describe("a damaged index", () => {
  it("is rebuilt with a log line naming the file, or refused; never a crash or a wrong answer", async () => {
    const build = (await readFile(path.join(baselineDir, "CURRENT"), "utf8")).trim();
    const fileOf = (dir: string, f: FileName) => (f === "CURRENT" ? path.join(dir, f) : path.join(dir, "builds", build, f));
    const random = mulberry32(SEED);
    const cases: (Case & { file: FileName; fault: Fault; what: string })[] = [];
    for (const file of FILES) {
      const size = (await readFile(fileOf(baselineDir, file))).length;
      const header = Math.min(HEADER_BYTES, Math.floor(size / 2));
      const plans: { fault: Fault; what: string; harm: (f: string) => Promise<void> }[] = [
        { fault: "truncate", what: `to ${Math.floor(size / 2)} of ${size} bytes`, harm: (f) => truncate(f, Math.floor(size / 2)) },
        { fault: "delete", what: "deleted", harm: (f) => rm(f) },
      ];
      for (const [fault, start, end] of [["flip-header", 0, header], ["flip-body", header, size]] as const) {
        for (let i = 0; i < FLIPS; i++) {
          const at = start + Math.floor(random() * (end - start));
          const xor = 1 + Math.floor(random() * 255);
          plans.push({
            fault,
            what: `byte ${at} ^ 0x${xor.toString(16)}`,
            harm: async (f) => {
              const bytes = await readFile(f);
              bytes[at] = (bytes[at] ?? 0) ^ xor;
              await writeFile(f, bytes);
            },
          });
        }
      }
      for (const [i, p] of plans.entries()) {
        const dataDir = path.join(root, "damaged", `${file}-${p.fault}-${i}`);
        await cp(baselineDir, dataDir, { recursive: true });
        await p.harm(fileOf(dataDir, file));
        cases.push({ id: `${file} ${p.fault} ${i}`, dataDir, corpusDir: corpusA, file, fault: p.fault, what: p.what });
      }
    }
    const results = await runCases(cases);
    const original = await readFile(fileOf(baselineDir, "manifest.json"), "utf8");
    const readsTheSame = async (file: FileName, dataDir: string) => {
      if (file !== "manifest.json") return false;
      try {
        return isDeepStrictEqual(JSON.parse(await readFile(fileOf(dataDir, file), "utf8")), JSON.parse(original));
      } catch {
        return false;
      }
    };
    const failures: string[] = [];
    for (const c of cases) {
      const r = results.get(c.id);
      const o = outcome(r, answersA);
      const differs = r && !("crash" in r) ? r.answers.findIndex((a, i) => !sameAnswers([a], [answersA[i] as AskResult])) : -1;
      const detail = `${c.what} → ${r && "crash" in r ? r.crash : JSON.stringify(r && { rebuilt: r.rebuilt, [`answer ${differs}`]: r.answers[differs] })}`;
      const named = !!r && !("crash" in r) && !!r.rebuilt?.includes(`/${c.file}:`);
      record(`${c.file} ${c.fault}`, o, detail, named);
      if (o === "crashed" || o === "error" || o === "wrong") failures.push(`${c.id}: ${o} (${detail})`);
      // Every file of a build is verified: no damage to one goes unnoticed, and the log says which file.
      // (A flip that turns one of the manifest's blanks into another is no damage: it reads the same.)
      if (r && !("crash" in r) && (BUILD_FILES as readonly string[]).includes(c.file) && o !== "refused" && !(await readsTheSame(c.file, c.dataDir))) {
        const named =
          (r.rebuilt?.includes(c.file) && r.logLines.some((l) => l.includes("index.rebuild") && l.includes(c.file))) ||
          // A flipped layout version is read as a build of another version, and rebuilt as one.
          (c.file === "manifest.json" && /another version/.test(r.rebuilt ?? ""));
        if (!named) failures.push(`${c.id}: ${o}, not reported as damage to ${c.file} (rebuilt: ${r.rebuilt})`);
      }
      if (r && !("crash" in r) && c.file === "CURRENT" && o === "rebuilt" && !r.logLines.length) failures.push(`${c.id}: rebuilt without a log line`);
    }
    expect(failures).toEqual([]);
  });
});

describe("an ingest killed with SIGKILL", () => {
  /**
   * Kills `summit ingest` at KILLS seeded moments: when its log has a line
   * containing `after`, plus a seeded fraction of the time a clean run takes from there until its
   * new build is in place.
   * Then restarts the app on the folder and compares its answers with a clean build's.
   */
  async function killAndRestart(kind: string, prepare: (dataDir: string) => Promise<void>, corpusDir: string, expected: AskResult[], after: string, seed: number) {
    const timed = path.join(root, `${kind}-timed`);
    await prepare(timed);
    // Debug level: the incremental case's moment is the model's file being read (`embedder.file`, a debug line).
    const run = cli(["ingest"], { DATA_DIR: timed, CORPUS_DIR: corpusDir, LOG_LEVEL: "debug" });
    const written = stderrLine(run, '"index.written"');
    expect(await stderrLine(run, after)).toBe(true);
    const tMark = performance.now();
    // Past "index.written" the new build is in place: the window ends there.
    expect(await written).toBe(true);
    const span = performance.now() - tMark;
    expect((await exited(run))[0]).toBe(0);
    const random = mulberry32(seed);
    const cases: Case[] = [];
    const moments: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const dataDir = path.join(root, `${kind}-${i}`);
      await prepare(dataDir);
      const child = cli(["ingest"], { DATA_DIR: dataDir, CORPUS_DIR: corpusDir, LOG_LEVEL: "debug" });
      const done = exited(child);
      await stderrLine(child, after);
      // Half the moments fall in the last quarter, where the build is written and CURRENT switched.
      const delay = span * (i % 2 ? random() : 0.75 + 0.25 * random());
      // The random moment is the point of the test: a timer picks it, the exit is awaited.
      const timer = setTimeout(() => child.kill("SIGKILL"), delay);
      const [, signal] = await done;
      clearTimeout(timer);
      moments.push(`${Math.round(delay)} ms${signal === "SIGKILL" ? "" : " (finished first)"}`);
      cases.push({ id: `${kind} kill ${i}`, dataDir, corpusDir });
    }
    const results = await runCases(cases);
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const r = results.get(c.id);
      const o = outcome(r, expected);
      record(`kill -9 during ${kind}`, o, `${moments[i]} → ${JSON.stringify(r)}`);
      if (o !== "rebuilt" && o !== "as-is") failures.push(`${c.id} at ${moments[i]}: ${o}`);
    }
    print(`kill -9 during ${kind} (${Math.round(span)} ms after ${after}): ${moments.join(", ")}`);
    expect(failures).toEqual([]);
    // Run times vary with the machine's load; most moments must still have hit a running ingest.
    expect(moments.filter((m) => !m.includes("finished")).length).toBeGreaterThanOrEqual(KILLS / 3);
  }

  it("of a full build leaves a folder a restart answers from exactly as a clean build does", async () => {
    await killAndRestart("full build", async () => {}, corpusA, answersA, '"index.build"', SEED + 1);
  });

  it("of an incremental update leaves a folder a restart answers from exactly as a clean build does", async () => {
    await killAndRestart("incremental update", (dir) => cp(baselineDir, dir, { recursive: true }), corpusB, answersB, "model_quantized.onnx", SEED + 2);
  });
});
