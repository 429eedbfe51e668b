/*
 * npm run bench:first [-- --runs 5] [--embedder use|bge-small]
 *
 * The first member's question after start: in fresh processes on the seeds
 * (index built; the offline embedder, or with --embedder bge-small a random-weight model of the default model's
 * exact shape, test/bench/real-shape-bert.ts), the time of the first and the second
 * question, with and without app.warmUp() after ready() (what the bot and the
 * console do), alternately; medians. Also the time warmUp itself adds to
 * start-up.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs, promisify } from "node:util";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, child: { type: "string" }, warm: { type: "boolean", default: false }, embedder: { type: "string", default: "use" }, env: { type: "string" } },
});
if (values.embedder !== "use" && values.embedder !== "bge-small") {
  process.stderr.write(`--embedder: expected use or bge-small, got ${JSON.stringify(values.embedder)}\n`);
  process.exit(2);
}
const QUESTIONS = ["What did von der Leyen say about dual-use goods?", "Which countries did Xi visit after France?"];
/** Asked after the first two: the steady state, for comparison. */
const LATER = ["Who hosted the trilateral meeting in Paris?", "What did Kallas say about rare earth exports?", "When did the 2023 summit take place?", "Did the EU and China agree on climate?", "What did Charles Michel say about China's responsibility?", "Which companies were mentioned?"];

if (values.child) {
  const embedderEnv = values.env ? (JSON.parse(values.env) as Record<string, string>) : { EMBEDDER: "use" };
  const app = createApp(loadConfig({ CORPUS_DIR: path.join(REPO, "seeds"), DATA_DIR: values.child, LOG_LEVEL: "silent", ...embedderEnv }, REPO));
  const t0 = performance.now();
  await app.ready();
  const readyMs = performance.now() - t0;
  const t1 = performance.now();
  if (values.warm) await app.warmUp();
  const warmUpMs = performance.now() - t1;
  const ms: number[] = [];
  for (const q of QUESTIONS) {
    const t = performance.now();
    await app.ask(q);
    ms.push(performance.now() - t);
  }
  const later: number[] = [];
  for (const q of LATER) {
    const t = performance.now();
    await app.ask(q);
    later.push(performance.now() - t);
  }
  later.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ readyMs, warmUpMs, firstMs: ms[0], secondMs: ms[1], laterMs: ((later[2] ?? 0) + (later[3] ?? 0)) / 2 }));
  process.exit(0);
}

const runs = Number(values.runs);
const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-first-"));
const embedderEnv: Record<string, string> = { EMBEDDER: "use" };
let embedderLabel = "offline embedder (USE lite)";
if (values.embedder === "bge-small") {
  const { benchModel } = await import("./real-shape-bert.js");
  const model = await benchModel(loadConfig({}, REPO).dataDir, path.join(REPO, "seeds"), "bge-small");
  Object.assign(embedderEnv, model.env);
  embedderLabel = model.label;
}
try {
  await createApp(loadConfig({ CORPUS_DIR: path.join(REPO, "seeds"), DATA_DIR: dataDir, LOG_LEVEL: "silent", ...embedderEnv }, REPO)).ingest();
  type Run = { readyMs: number; warmUpMs: number; firstMs: number; secondMs: number; laterMs: number };
  const results: Record<"cold" | "warm", Run[]> = { cold: [], warm: [] };
  for (let i = 0; i < runs; i++) {
    for (const way of i % 2 === 0 ? (["cold", "warm"] as const) : (["warm", "cold"] as const)) {
      const args = ["--import", "tsx", path.join(REPO, "test/bench/first-question.ts"), "--child", dataDir, "--env", JSON.stringify(embedderEnv), ...(way === "warm" ? ["--warm"] : [])];
      const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: REPO });
      results[way].push(JSON.parse(stdout) as Run);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
  const f = (runs: Run[], key: keyof Run) => `${Math.round(median(runs.map((r) => r[key])))}`;
  process.stdout.write(`First questions on the seeds, ${embedderLabel}, ${os.cpus().length} CPUs, ${runs} fresh processes each (medians, ms):\n\n`);
  process.stdout.write("| start-up | ready | warm-up | first question | second question | six later questions (median) |\n| --- | --- | --- | --- | --- | --- |\n");
  for (const way of ["cold", "warm"] as const) process.stdout.write(`| ${way === "cold" ? "ready() only" : "ready() then warmUp()"} | ${f(results[way], "readyMs")} | ${f(results[way], "warmUpMs")} | ${f(results[way], "firstMs")} | ${f(results[way], "secondMs")} | ${f(results[way], "laterMs")} |\n`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
