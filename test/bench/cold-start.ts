/*
 * npm run bench:start [-- --runs 7] [--before DIR] [--json]
 *
 * Start-up cost of each way of running the CLI, measured side by side in one run
 * (variants alternate within each round, so a busy machine slows them alike):
 *   - ask:     wall time of `ask "When did Xi arrive in France?"` with the index built;
 *   - console: from spawning `console` to its first `summit> ` prompt;
 *   - bot:     from spawning `bot` to "Bot running as" (connected to the local fake Discord).
 * Variants: `built` (`node dist/cli/bin.js`, what production runs; needs `npm run build`),
 * `dev` (`node --import tsx src/cli/bin.ts`, what the development scripts run) and, with
 * `--before DIR`, `before` (the dev form in another checkout, e.g. a git worktree of an
 * older commit). The offline embedder (EMBEDDER=use) is used throughout, so no variant
 * spends time trying to download a model. Reports medians and the range.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startFakeDiscord } from "../fakes/fake-discord.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "7" }, before: { type: "string" }, json: { type: "boolean", default: false } } });
const runs = Number(values.runs);

interface Variant {
  readonly name: string;
  readonly cwd: string;
  readonly argv: readonly string[];
  readonly dataDir: string;
}
const tmp = path.join(os.tmpdir(), `summit-bench-start-${process.pid}`);
const variants: Variant[] = [];
if (!existsSync(path.join(REPO, "dist/cli/bin.js"))) {
  process.stderr.write("dist/ is missing: run `npm run build` first.\n");
  process.exit(2);
}
variants.push({ name: "built", cwd: REPO, argv: ["dist/cli/bin.js"], dataDir: path.join(tmp, "built") });
variants.push({ name: "dev", cwd: REPO, argv: ["--import", "tsx", "src/cli/bin.ts"], dataDir: path.join(tmp, "dev") });
if (values.before) variants.push({ name: "before", cwd: path.resolve(values.before), argv: ["--import", "tsx", "src/cli/bin.ts"], dataDir: path.join(tmp, "before") });

const fake = await startFakeDiscord();
const envFor = (v: Variant): NodeJS.ProcessEnv => ({
  ...process.env,
  DATA_DIR: v.dataDir,
  CORPUS_DIR: path.join(REPO, "seeds"),
  EMBEDDER: "use",
  LOG_LEVEL: "warn",
  LLM_PROVIDER: "none",
  DISCORD_TOKEN: fake.token,
  DISCORD_APPLICATION_ID: fake.applicationId,
  DISCORD_API_URL: fake.restApi,
});

/** Spawns `command` of variant `v`; resolves with the ms until `done(stdout, stderr)` holds, then ends the process. */
async function timeUntil(v: Variant, command: readonly string[], done: (out: string, err: string) => boolean, end: (child: ReturnType<typeof spawn>) => void): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...v.argv, ...command], { cwd: v.cwd, env: envFor(v), stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = once(child, "exit");
  const ms = await new Promise<number>((resolve, reject) => {
    const check = () => {
      if (done(out, err)) resolve(performance.now() - t0);
    };
    child.stdout.on("data", (c: Buffer) => ((out += c.toString()), check()));
    child.stderr.on("data", (c: Buffer) => ((err += c.toString()), check()));
    child.once("exit", (code) => (done(out, err) ? resolve(performance.now() - t0) : reject(new Error(`${v.name} ${command[0]} exited with ${code}:\n${err}`))));
  });
  end(child);
  await exited;
  return ms;
}

/** `ask` exits by itself: timed to its exit. */
async function timeAsk(v: Variant): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...v.argv, "ask", "When did Xi arrive in France?"], { cwd: v.cwd, env: envFor(v), stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`${v.name} ask exited with ${code}:\n${err}`);
  return performance.now() - t0;
}

const measures: Record<string, (v: Variant) => Promise<number>> = {
  ask: timeAsk,
  console: (v) => timeUntil(v, ["console"], (out) => out.includes("summit> "), (c) => void c.stdin?.end("/quit\n")),
  bot: (v) => timeUntil(v, ["bot"], (_, err) => err.includes("Bot running as"), (c) => c.kill("SIGTERM")),
};

// Build each variant's index once, untimed: every timed start loads a built index.
for (const v of variants) await timeAsk(v);

const samples = new Map<string, number[]>();
for (let round = 0; round < runs; round++) {
  for (const [what, measure] of Object.entries(measures)) {
    // Alternate the order each round so no variant always runs right after another.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const key = `${what}/${v.name}`;
      samples.set(key, [...(samples.get(key) ?? []), await measure(v)]);
    }
  }
}
await fake.close();
await rm(tmp, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? NaN) : ((s[s.length / 2 - 1] ?? NaN) + (s[s.length / 2] ?? NaN)) / 2;
};
const rows = [...samples].map(([key, xs]) => {
  const [what, variant] = key.split("/");
  return { what, variant, medianMs: Math.round(median(xs)), minMs: Math.round(Math.min(...xs)), maxMs: Math.round(Math.max(...xs)), runs: xs.length };
});
if (values.json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  process.stdout.write(`Start-up, ${runs} runs each, medians (min–max), ms:\n`);
  for (const what of Object.keys(measures)) {
    const cells = rows.filter((r) => r.what === what).map((r) => `${r.variant} ${r.medianMs} (${r.minMs}–${r.maxMs})`);
    process.stdout.write(`  ${what.padEnd(8)} ${cells.join("   ")}\n`);
  }
}
