/*
 * The write lock and stopping, with real processes: several writers contending
 * at the same instant, a writer killed with -9 and restarted with the same pid,
 * Ctrl-C / SIGTERM to a running ingest, a data folder that cannot be made, stale
 * half-written builds, and a reader that closes the pipe. Nothing here sleeps to
 * wait: each step waits for a child's output line or its exit.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdir, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/config.js";
import { cleanup, copySeeds, REPO, tempDir, tinyModelEnv } from "../helpers.js";

const BIN = path.join(REPO, "src", "cli", "bin.ts");
const CONTENDER = path.join(REPO, "test", "fixtures", "lock-contender.ts");
const TSX = ["--import", "tsx"];

interface Proc {
  readonly child: ChildProcess;
  /** Resolves with the first stdout or stderr line matching `pattern` (rejects if the process exits first). */
  line(pattern: RegExp): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stdout(): string;
  stderr(): string;
}

function start(command: string, args: readonly string[], env: Env, options: { detached?: boolean } = {}): Proc {
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"], detached: options.detached ?? false });
  const out: string[] = [];
  const err: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  const seen: string[] = [];
  const feed = (sink: string[]) => (l: string) => {
    sink.push(l);
    seen.push(l);
    for (const w of waiters.filter((x) => x.pattern.test(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  };
  createInterface({ input: child.stdout! }).on("line", feed(out));
  createInterface({ input: child.stderr! }).on("line", feed(err));
  const exited = once(child, "exit").then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, at: Date.now() }));
  return {
    child,
    exited,
    stdout: () => out.join("\n"),
    stderr: () => err.join("\n"),
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const already = seen.find((l) => pattern.test(l));
        if (already) return resolve(already);
        waiters.push({ pattern, resolve });
        void exited.then(() => setImmediate(() => reject(new Error(`exited before printing ${pattern}:\n${out.join("\n")}\n${err.join("\n")}`))));
      }),
  };
}

/** The measured numbers, printed with the test output. */
const report = (line: string) => process.stdout.write(`${line}\n`);

/** Largest number of processes inside the lock at once, from the journal's enter/exit lines (appended in order). */
function maxHolders(journal: string): number {
  let now = 0;
  let max = 0;
  for (const line of journal.split("\n").filter(Boolean)) {
    now += line.startsWith("enter") ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

const unshareWorks = spawnSync("unshare", ["--pid", "--fork", "--map-root-user", "true"]).status === 0;
// A private mount namespace in which a folder can be made read-only without privileges.
const roMountWorks = spawnSync("unshare", ["--mount", "--map-root-user", "bash", "-c", "mount --bind -o ro /tmp /tmp && mount -o remount,bind,ro /tmp /tmp"]).status === 0;

let root: string;
let modelEnv: Env;
let corpusDir: string;

beforeAll(async () => {
  root = await tempDir("write-lock-");
  modelEnv = { ...(await tinyModelEnv(path.join(root, "model"))), LOG_LEVEL: "info" };
  corpusDir = path.join(root, "corpus");
  await copySeeds(corpusDir);
});
afterAll(() => cleanup(root));

describe("write lock between real processes", () => {
  it("lets exactly one of several processes starting at once hold the lock, in every trial", async () => {
    const PROCESSES = 4;
    const TRIALS = 8;
    const peaks: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const dataDir = path.join(root, `contend-${trial}`);
      const journal = path.join(root, `contend-${trial}.log`);
      await writeFile(journal, "");
      const procs = Array.from({ length: PROCESSES }, () => start(process.execPath, [...TSX, CONTENDER, dataDir, journal, "30"], {}));
      await Promise.all(procs.map((p) => p.line(/^ready$/)));
      for (const p of procs) p.child.stdin!.write("go\n");
      const exits = await Promise.all(procs.map((p) => p.exited));
      expect(exits.map((e) => e.code)).toEqual(procs.map(() => 0));
      const text = await readFile(journal, "utf8");
      expect(text.split("\n").filter((l) => l.startsWith("enter"))).toHaveLength(PROCESSES);
      peaks.push(maxHolders(text));
    }
    report(`write lock: most holders at once per trial (${PROCESSES} processes): ${peaks.join(" ")}`);
    expect(peaks).toEqual(peaks.map(() => 1));
  });

  it.skipIf(!unshareWorks)(
    "is taken over promptly after its holder was killed with -9, by a restarted process with the same pid (pid 1 in a fresh pid namespace)",
    async () => {
      const dataDir = path.join(root, "killed");
      const journal = path.join(root, "killed.log");
      await writeFile(journal, "");
      const inNamespace = (hold: string) =>
        start("unshare", ["--pid", "--fork", "--map-root-user", process.execPath, ...TSX, CONTENDER, dataDir, journal, hold, "60000"], {}, { detached: true });
      const first = inNamespace("forever");
      await first.line(/^ready$/);
      first.child.stdin!.write("go\n");
      await first.line(/^locked/);
      // Killing the process group kills unshare and the node inside it, as `kill -9` of a container does.
      process.kill(-first.child.pid!, "SIGKILL");
      const killedAt = (await first.exited).at;
      const second = inNamespace("0");
      await second.line(/^ready$/);
      second.child.stdin!.write("go\n");
      const outcome = await Promise.race([second.line(/^locked/), second.line(/^failed/)]);
      const { code } = await second.exited;
      report(`write lock: restarted pid-1 process after kill -9: "${outcome}", ${Date.now() - killedAt} ms after the kill`);
      expect(outcome).toMatch(/^locked/);
      expect(code).toBe(0);
      // Both were pid 1; the journal shows the second one inside.
      expect((await readFile(journal, "utf8")).split("\n").filter(Boolean)).toEqual(["enter 1", "enter 1", "exit 1"]);
    },
    60_000,
  );
});

describe("write lock on a folder gone read-only", () => {
  it.skipIf(!roMountWorks)("runs the work without the lock, with a warning, when a stale lock sits in a read-only folder (not a crash)", async () => {
    const dataDir = path.join(root, "ro-data");
    const journal = path.join(root, "ro-journal");
    await mkdir(path.join(dataDir, "write.lock"), { recursive: true });
    // A lock its holder left behind when the disk went read-only: long stale.
    const old = new Date(Date.now() - 60_000);
    await utimes(path.join(dataDir, "write.lock"), old, old);
    const ro = `mount --bind -o ro ${dataDir} ${dataDir} && mount -o remount,bind,ro ${dataDir} ${dataDir} && exec "$0" "$@"`;
    const p = start("unshare", ["--mount", "--map-root-user", "bash", "-c", ro, process.execPath, ...TSX, CONTENDER, dataDir, journal, "0", "10000"], {});
    await p.line(/^ready$/);
    p.child.stdin!.write("go\n");
    const outcome = await Promise.race([p.line(/^locked/), p.line(/^failed/)]);
    expect(outcome).toMatch(/^locked/);
    expect((await p.exited).code).toBe(0);
    expect(await readFile(journal, "utf8")).toMatch(/^enter \d+\nexit \d+\n$/);
  });
});

describe("stopping and odd paths (real CLI processes)", () => {
  let dataDir: string;
  const env = (extra: Env = {}): Env => ({ ...modelEnv, CORPUS_DIR: corpusDir, DATA_DIR: dataDir, ...extra });
  const cli = (args: string[], extra: Env = {}) => start(process.execPath, [...TSX, BIN, ...args], env(extra));
  const QUESTION = "Which countries did Xi visit after France?";

  beforeAll(async () => {
    dataDir = path.join(root, "data");
    const first = cli(["ingest"]);
    expect((await first.exited).code).toBe(0);
  });

  async function answerNow(): Promise<string> {
    const ask = cli(["ask", "--json", QUESTION], { LOG_LEVEL: "silent" });
    expect((await ask.exited).code).toBe(0);
    return (JSON.parse(ask.stdout()) as { answer: string }).answer;
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`stops a running ingest on the first ${signal}: says so, exits 130, keeps the previous index current and releases the lock`, async () => {
      const before = await readFile(path.join(dataDir, "CURRENT"), "utf8");
      const answerBefore = await answerNow();
      const ingest = cli(["ingest", "--force"]);
      // Sent once the rebuild has started, holding the lock.
      await ingest.line(/index\.rebuild/);
      const sentAt = Date.now();
      ingest.child.kill(signal);
      const { code, at } = await ingest.exited;
      report(`ingest: ${signal} to exit ${at - sentAt} ms, exit code ${code}`);
      expect(code).toBe(130);
      expect(ingest.stderr()).toMatch(/Stopped \(Ctrl-C or SIGTERM\); the index in the data folder was left as it was\./);
      expect(ingest.stderr()).not.toContain("    at ");
      expect(at - sentAt).toBeLessThan(5_000);
      expect(await readFile(path.join(dataDir, "CURRENT"), "utf8")).toBe(before);
      await expect(stat(path.join(dataDir, "write.lock"))).rejects.toThrow();
      expect(await answerNow()).toBe(answerBefore);
    });
  }

  it("Ctrl-C on `npm run ingest` (the terminal signals npm and node, and npm forwards its copy) is one request: a graceful stop", async () => {
    const before = await readFile(path.join(dataDir, "CURRENT"), "utf8");
    // In a process group of its own, as a terminal's foreground job: the signal goes to npm, sh and node.
    const ingest = start("npm", ["run", "-s", "ingest", "--", "--force"], env(), { detached: true });
    await ingest.line(/index\.rebuild/);
    process.kill(-(ingest.child.pid ?? 0), "SIGINT");
    const { code } = await ingest.exited;
    expect(code).toBe(130);
    expect(ingest.stderr()).toMatch(/Stopped \(Ctrl-C or SIGTERM\); the index in the data folder was left as it was\./);
    expect(await readFile(path.join(dataDir, "CURRENT"), "utf8")).toBe(before);
    await expect(stat(path.join(dataDir, "write.lock"))).rejects.toThrow();
  });

  it("reports a data folder that cannot be created (under /proc) at once instead of spinning, and still answers from memory", async () => {
    const nope = "/proc/1/nope";
    const ingest = cli(["ingest"], { DATA_DIR: nope });
    const timer = setTimeout(() => ingest.child.kill("SIGKILL"), 60_000);
    const { code } = await ingest.exited;
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(ingest.stdout()).toContain(`Cannot write the index to ${nope}`);
    const ask = cli(["ask", QUESTION], { DATA_DIR: nope });
    expect((await ask.exited).code).toBe(0);
    expect(ask.stdout()).toContain("Serbia and Hungary");
  });

  it("removes half-written .tmp builds at start when no writer holds the lock, and not while one does", async () => {
    const tmp = path.join(dataDir, "builds", "20250101-000000000Z-dead00.tmp");
    await mkdir(tmp, { recursive: true });
    await writeFile(path.join(tmp, "chunks.json"), "[");
    // A writer holds the lock: the .tmp may be its own, so it stays.
    const holder = start(process.execPath, [...TSX, CONTENDER, dataDir, path.join(root, "holder.log"), "line"], {});
    await holder.line(/^ready$/);
    holder.child.stdin!.write("go\n");
    await holder.line(/^locked/);
    expect(await answerNow()).toContain("Serbia");
    expect((await stat(tmp)).isDirectory()).toBe(true);
    holder.child.stdin!.write("release\n");
    expect((await holder.exited).code).toBe(0);
    // Without a holder it goes.
    const later = cli(["ask", QUESTION]);
    expect((await later.exited).code).toBe(0);
    const names = await readdir(path.join(dataDir, "builds"));
    expect(names.filter((n) => n.endsWith(".tmp"))).toEqual([]);
  }, 60_000);

  it("exits quietly when the reader of its output has gone (`ask … | head`)", async () => {
    const ask = cli(["ask", QUESTION], { LOG_LEVEL: "silent" });
    // The reading end is closed before the answer is written: the write fails with EPIPE.
    ask.child.stdout!.destroy();
    const { code } = await ask.exited;
    expect(ask.stderr()).not.toMatch(/EPIPE| {4}at /);
    expect(code).toBe(0);
  });
});
