/*
 * npm run bench:discord [-- --asks 100] [--json]
 *
 * Runs the real bot (`dist/cli/bin.js bot`, in its own process, as `npm start`
 * does; `npm run build` first) against the local fake Discord, asks the dev-set questions one after
 * another, and measures, on the fake's clock, the time from INTERACTION_CREATE
 * to the deferral and to the final reply. Also reports the bot process's
 * resident memory after start-up and after the asks.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { percentile } from "../../src/eval/run-eval.js";
import { parseQaFile } from "../../src/eval/qa-file.js";
import { startFakeDiscord } from "../fakes/fake-discord.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const { values } = parseArgs({ options: { asks: { type: "string", default: "100" }, json: { type: "boolean", default: false } } });
const asks = Number(values.asks);

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

if (!existsSync(path.join(REPO, "dist/cli/bin.js"))) {
  process.stderr.write("dist/ is missing: run `npm run build` first (the benchmark runs the bot as `npm start` does).\n");
  process.exit(2);
}
const fake = await startFakeDiscord();
const dataDir = path.join(os.tmpdir(), `summit-bench-discord-${process.pid}`);

/** Starts the bot process; resolves when it says it is running. */
async function startBotProcess() {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(REPO, "dist/cli/bin.js"), "bot"], {
    cwd: REPO,
    env: {
      ...process.env,
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_URL: fake.restApi,
      DATA_DIR: dataDir,
      EMBEDDER: process.env.EMBEDDER ?? "use",
      // The benchmark asks as one member; it measures the bot, not its rate limit.
      DISCORD_RATE_LIMIT_BURST: "10000",
      DISCORD_RATE_LIMIT_PER_MINUTE: "10000",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "pipe"],
  });
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("Bot running as")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`bot exited with code ${code} before it was ready:\n${stderr}`)));
  });
  return { child, ms: performance.now() - t0 };
}

async function stopBotProcess(child: ReturnType<typeof spawn>): Promise<number | null> {
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  return code;
}

// First start: no index yet, so it is built. Second start: the index is on disk, as on every later start.
const first = await startBotProcess();
await stopBotProcess(first.child);
const { child, ms: startupMs } = await startBotProcess();
const coldStartupMs = first.ms;
const pid = child.pid ?? 0;
const rssAfterStart = await rssMb(pid);

const questions = parseQaFile(await readFile(path.join(REPO, "test/eval/dev-qa.jsonl"), "utf8")).map((q) => q.question);
const defer: number[] = [];
const final: number[] = [];
for (let i = 0; i < asks; i++) {
  const question = questions[i % questions.length] ?? "";
  const sent = fake.slashCommand({ name: "ask", options: [{ name: "question", type: 3, value: question }] });
  const callback = await fake.waitForRequest((r) => r.method === "POST" && r.path.startsWith(`/interactions/${sent.id}/`), 10_000);
  const edit = await fake.waitForRequest((r) => r.method === "PATCH" && r.path.endsWith(`/${sent.token}/messages/@original`), 30_000);
  defer.push(callback.receivedAt - sent.sentAt);
  final.push(edit.receivedAt - sent.sentAt);
}
const rssAfterAsks = await rssMb(pid);

const exitCode = await stopBotProcess(child);
await fake.close();
await rm(dataDir, { recursive: true, force: true });

const r = (x: number) => Math.round(x * 10) / 10;
const result = {
  asks,
  embedder: process.env.EMBEDDER ?? "use",
  startupMs: { firstWithIndexBuild: Math.round(coldStartupMs), withIndexOnDisk: Math.round(startupMs) },
  deferMs: { p50: r(percentile(defer, 50)), p95: r(percentile(defer, 95)), max: r(Math.max(...defer)) },
  finalReplyMs: { p50: r(percentile(final, 50)), p95: r(percentile(final, 95)), max: r(Math.max(...final)) },
  rssMb: { afterStartup: rssAfterStart, afterAsks: rssAfterAsks },
  exitCode,
};
if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(
    [
      `Bot process (npm start equivalent) against the local fake Discord, ${asks} /ask one after another, embedder ${result.embedder}`,
      `start-up (process start to ready):        ${result.startupMs.withIndexOnDisk} ms with the index on disk, ${result.startupMs.firstWithIndexBuild} ms the first time (index built)`,
      `INTERACTION_CREATE -> deferral:           p50 ${result.deferMs.p50} ms   p95 ${result.deferMs.p95} ms   max ${result.deferMs.max} ms`,
      `INTERACTION_CREATE -> final reply (edit): p50 ${result.finalReplyMs.p50} ms   p95 ${result.finalReplyMs.p95} ms   max ${result.finalReplyMs.max} ms`,
      `resident memory: ${result.rssMb.afterStartup} MB after start-up, ${result.rssMb.afterAsks} MB after the asks`,
      `graceful shutdown on SIGTERM: exit code ${exitCode}`,
    ].join("\n") + "\n",
  );
}
