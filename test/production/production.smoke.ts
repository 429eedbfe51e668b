import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { cp, readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbackFor, customIdsOf, embedsOf, originalEditFor } from "../e2e/helpers.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/fake-discord.js";
import { startFakeLlm, type FakeLlm } from "../fakes/fake-llm.js";
import { cleanup, REPO, tempDir, tinyModelEnv } from "../helpers.js";

/*
 * The production path, as a release would run it, in a clean folder (npm run test:production;
 * CI runs it). No Docker engine runs on our machines, so this reads the Dockerfile and performs
 * its steps itself: the build stage's COPY and RUN (npm ci, build, prune) in one folder, the
 * runtime stage's COPY into another, then the image's CMD and HEALTHCHECK, and the README's
 * plain-node command `npm start`, each against the local fake Discord. What it cannot check:
 * the base images, USER and VOLUME.
 */

interface Instruction {
  readonly stage: number;
  readonly op: string;
  readonly args: string;
}

/** The Dockerfile's instructions, one per line (the file promises no continuations). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    if (line.endsWith("\\")) throw new Error(`Dockerfile line continues onto the next one; the smoke test reads one instruction per line: ${line}`);
    const [op = "", ...rest] = line.split(/\s+/);
    if (op === "FROM") stage++;
    out.push({ stage, op, args: rest.join(" ") });
  }
  return out;
}

/** `CMD ["node", "x"]` or `HEALTHCHECK --interval=… CMD ["node", "x"]` → ["node", "x"]. */
function execForm(args: string): string[] {
  const json = args.slice(args.indexOf("["));
  return JSON.parse(json) as string[];
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, out }));
  });
}

/** A process whose stderr is kept, with a way to await a line in it. */
interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  stderr(): string;
  waitFor(text: string | RegExp): Promise<void>;
}

function start(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): Running {
  const [command = "", ...args] = argv;
  const child = spawn(command === "node" ? process.execPath : command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: options.detached ?? false });
  let err = "";
  const waiters = new Set<() => void>();
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
    for (const w of [...waiters]) w();
  });
  return {
    child,
    exited,
    stderr: () => err,
    waitFor(text) {
      const seen = () => (typeof text === "string" ? err.includes(text) : text.test(err));
      if (seen()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (seen()) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        void exited.then(([code]) => {
          if (!seen()) reject(new Error(`exited (${code}) before printing ${String(text)}:\n${err}`));
        });
      });
    },
  };
}

let root: string;
let buildDir: string;
let appDir: string;
let image: { env: Record<string, string>; cmd: string[]; healthcheck: string[] };
let fake: FakeDiscord;
let llm: FakeLlm;
let baseEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  // SMOKE_REUSE=<folder kept by SMOKE_KEEP=1>: skip the install and build, to iterate on the checks.
  const reuse = process.env.SMOKE_REUSE;
  root = reuse ?? (await tempDir("summit-production-"));
  buildDir = path.join(root, "build");
  appDir = path.join(root, "app");
  const steps = parseDockerfile(await readFile(path.join(REPO, "Dockerfile"), "utf8"));
  const installEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? root, npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? root, ".npm") };
  image = { env: {}, cmd: [], healthcheck: [] };
  for (const step of steps) {
    const dir = step.stage === 0 ? buildDir : appDir;
    if (reuse && (step.op === "COPY" || step.op === "RUN")) continue;
    if (step.op === "COPY") {
      const from = /^--from=build\s+/.test(step.args);
      const parts = step.args.replace(/^--from=\S+\s+/, "").split(/\s+/);
      const dest = parts.pop() ?? ".";
      for (const src of parts) {
        const source = from ? path.join(buildDir, path.relative("/app", src)) : path.join(REPO, src);
        const target = dest.endsWith("/") ? path.join(dir, dest, path.basename(src)) : path.join(dir, dest);
        await cp(source, target, { recursive: true });
      }
    } else if (step.op === "RUN" && step.stage === 0) {
      const { code, out } = await run(step.args, buildDir, installEnv);
      if (code !== 0) throw new Error(`Dockerfile step "RUN ${step.args}" failed (${code}):\n${out}`);
    } else if (step.op === "ENV") {
      const [key = "", ...value] = step.args.split("=");
      image.env[key] = value.join("=");
    } else if (step.op === "CMD") {
      image.cmd = execForm(step.args);
    } else if (step.op === "HEALTHCHECK") {
      image.healthcheck = execForm(step.args);
    }
  }
  fake = await startFakeDiscord();
  llm = await startFakeLlm(() => ({ kind: "text", content: "Xi arrived in France on May 5 [1].", delayMs: 1_500 }));
  baseEnv = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? root,
    ...image.env,
    // The image's /data is a volume; here a folder of our own.
    DATA_DIR: path.join(root, "data"),
    ...(await tinyModelEnv(path.join(root, "models"))),
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.restApi,
  };
}, 600_000);

afterAll(async () => {
  await llm?.close();
  await fake?.close();
  if (process.env.SMOKE_KEEP || process.env.SMOKE_REUSE) process.stderr.write(`kept ${root}\n`);
  else await cleanup(root);
});

const ASK = (value: string) => ({ name: "ask", options: [{ name: "question", type: 3, value }] });

describe("the release, built and started as the Dockerfile says", () => {
  it("keeps no development dependency and runs on the compiled JavaScript", async () => {
    const modules = new Set(await readdir(path.join(appDir, "node_modules")));
    for (const dev of ["tsx", "typescript", "vitest", "eslint", "fast-check"]) expect(modules.has(dev), dev).toBe(false);
    for (const runtime of ["discord.js", "hnswlib-node", "@xenova/transformers", "wink-nlp"]) expect(modules.has(runtime.split("/")[0] ?? ""), runtime).toBe(true);
    expect((await stat(path.join(appDir, "dist/cli/bin.js"))).isFile()).toBe(true);
    expect(image.cmd).toEqual(["node", "dist/cli/bin.js", "bot"]);
    expect(image.healthcheck).toEqual(["node", "dist/cli/bin.js", "health"]);
  });

  it("starts with the image's CMD, is healthy, answers /ask, and stops on SIGTERM with exit 0", async () => {
    const health = () => run(image.healthcheck.join(" ").replace(/^node /, `"${process.execPath}" `), appDir, baseEnv);
    const bot = start(image.cmd, appDir, { ...baseEnv, LOG_LEVEL: "info" });
    await bot.waitFor("Bot running as");
    const healthy = await health();
    expect(healthy.code, healthy.out).toBe(0);
    expect(healthy.out).toMatch(/^ok: connected to Discord/);
    const sent = fake.slashCommand(ASK("When did Xi arrive in France?"));
    const edit = await fake.waitForRequest(originalEditFor(sent.token), 15_000);
    expect(embedsOf(edit.body)[0]?.description).toContain("May 5");
    bot.child.kill("SIGTERM");
    const [code, signal] = await bot.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(bot.stderr()).toContain("bot.stopped");
    const after = await health();
    expect(after.code).toBe(1);
    expect(after.out).toMatch(/not running/);
  });

  it("`npm start` passes SIGTERM to the bot: the answer in flight finishes, votes are flushed, nothing is left running", async () => {
    const env = { ...baseEnv, LOG_LEVEL: "info", LLM_PROVIDER: "openai", LLM_MODEL: "fake-model", LLM_BASE_URL: llm.baseUrl, LLM_MAX_RETRIES: "0" };
    const npm = start(["npm", "start"], appDir, env);
    await npm.waitFor("Bot running as");
    const heartbeat = JSON.parse(await readFile(path.join(baseEnv.DATA_DIR ?? "", "health.json"), "utf8")) as { pid: number };
    expect(heartbeat.pid).not.toBe(npm.child.pid);

    // A vote, so there is feedback to flush.
    const first = fake.slashCommand(ASK("What did Charles Michel say about China's responsibility?"));
    // With a model, the reply is edited more than once; the final edit carries the vote buttons.
    const answered = await fake.waitForRequest((r) => originalEditFor(first.token)(r) && customIdsOf(r.body).some((id) => id.startsWith("feedback:up:")), 15_000);
    const up = customIdsOf(answered.body).find((id) => id.startsWith("feedback:up:")) ?? "";
    const message = answered.response as { id: string; channel_id: string };
    const vote = fake.buttonClick({ customId: up, message: { id: message.id, channel_id: message.channel_id } });
    const thanks = await fake.waitForRequest(callbackFor(vote.id));
    expect(JSON.stringify(thanks.body)).toContain("Thanks, your 👍 is recorded.");

    // A question still being answered (the model takes 1.5 s) when SIGTERM reaches npm.
    const requestsBefore = llm.requests.length;
    const slow = fake.slashCommand(ASK("When did Xi arrive in France?"));
    await llm.waitForRequest((r) => llm.requests.indexOf(r) >= requestsBefore && JSON.stringify(r.body.messages).includes("When did Xi arrive in France?"), 15_000);
    npm.child.kill("SIGTERM");
    await npm.waitFor("bot.stopping");
    const edit = await fake.waitForRequest((r) => originalEditFor(slow.token)(r) && customIdsOf(r.body).some((id) => id.startsWith("feedback:up:")), 15_000);
    expect(embedsOf(edit.body)[0]?.description).toContain("May 5");
    const [code, signal] = await npm.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(npm.stderr()).toMatch(/bot\.stopped.*"?abandoned"?[=:]0/);

    // The bot process itself is gone (npm did not leave it running), and left nothing behind.
    expect(() => process.kill(heartbeat.pid, 0)).toThrow(/ESRCH/);
    const dataDir = baseEnv.DATA_DIR ?? "";
    const files = await readdir(dataDir);
    expect(files).not.toContain("health.json");
    expect(files).not.toContain("write.lock");
    const feedback = await readFile(path.join(dataDir, "feedback.jsonl"), "utf8");
    expect(feedback).toContain(up.split(":")[2]);
  });
  it("Ctrl-C on `npm start` in a terminal (SIGINT to npm and the bot, then npm's forwarded copy) is one graceful stop, exit 0", async () => {
    // A process group of its own, as a terminal's foreground job: Ctrl-C signals every process in it.
    const npm = start(["npm", "start"], appDir, { ...baseEnv, LOG_LEVEL: "info" }, { detached: true });
    await npm.waitFor("Bot running as");
    process.kill(-(npm.child.pid ?? 0), "SIGINT");
    const [code, signal] = await npm.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(npm.stderr()).toMatch(/bot\.stopped/);
  });
});
