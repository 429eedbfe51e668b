import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHealth, startHeartbeat, type Heartbeat } from "../../src/cli/health.js";
import { runMain } from "../../src/cli/main.js";
import { memoryLogger } from "../../src/log.js";
import { cleanup, tempDir } from "../helpers.js";

let root: string;
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => cleanup(root));

const beat = (over: Partial<Heartbeat> = {}): Heartbeat => ({
  status: "ready",
  pid: process.pid,
  startedAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  index: { articles: 5, chunks: 38, embedder: "use-lite" },
  guilds: 2,
  inFlight: 1,
  ...over,
});

describe("checkHealth", () => {
  it("is healthy only for a fresh 'ready' heartbeat of a living process", async () => {
    const file = path.join(root, "ok.json");
    await writeFile(file, JSON.stringify(beat()));
    const ok = await checkHealth(file);
    expect(ok.healthy).toBe(true);
    expect(ok.message).toMatch(/^ok: connected to Discord, 2 server\(s\), 5 articles, 38 passages, 1 question\(s\) in flight/);
  });

  it("says why it is not healthy: missing, unreadable, stale, gone, or not ready", async () => {
    expect((await checkHealth(path.join(root, "none.json"))).message).toMatch(/No heartbeat .* not running/);
    const bad = path.join(root, "bad.json");
    await writeFile(bad, "{not json");
    expect(await checkHealth(bad)).toMatchObject({ healthy: false, message: expect.stringMatching(/unreadable/) });

    const stale = path.join(root, "stale.json");
    await writeFile(stale, JSON.stringify(beat({ updatedAt: new Date(Date.now() - 120_000).toISOString() })));
    expect(await checkHealth(stale)).toMatchObject({ healthy: false, message: expect.stringMatching(/not written a heartbeat for 120 s/) });
    expect((await checkHealth(stale, 300)).healthy).toBe(true);

    // A process that has exited: its id is free (a child we waited for).
    const child = spawn(process.execPath, ["-e", "0"]);
    await once(child, "exit");
    const gone = path.join(root, "gone.json");
    await writeFile(gone, JSON.stringify(beat({ pid: child.pid ?? 0 })));
    expect(await checkHealth(gone)).toMatchObject({ healthy: false, message: expect.stringMatching(/is gone/) });

    for (const status of ["starting", "reconnecting", "stopping"] as const) {
      const file = path.join(root, `${status}.json`);
      await writeFile(file, JSON.stringify(beat({ status })));
      expect(await checkHealth(file)).toMatchObject({ healthy: false, message: expect.stringContaining(`The bot is ${status}`) });
    }
  });
});

describe("startHeartbeat", () => {
  it("writes 'starting' at once, the status it is given, and removes the file when stopped", async () => {
    const file = path.join(root, "data", "health.json");
    const heartbeat = startHeartbeat(file, () => ({ index: null, guilds: 0, inFlight: 0 }), memoryLogger(), 60_000);
    await heartbeat.beat();
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ status: "starting", pid: process.pid, index: null });
    await heartbeat.beat("ready");
    expect((await checkHealth(file)).message).toMatch(/^ok: .*no index/);
    await heartbeat.stop();
    await expect(readFile(file)).rejects.toMatchObject({ code: "ENOENT" });
    // A beat after stop writes nothing back.
    await heartbeat.beat("ready");
    await expect(readFile(file)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("logs a failed write once and keeps going", async () => {
    const log = memoryLogger();
    await writeFile(path.join(root, "file-not-folder"), "");
    const heartbeat = startHeartbeat(path.join(root, "file-not-folder", "health.json"), () => ({ index: null, guilds: 0, inFlight: 0 }), log, 60_000);
    await heartbeat.beat();
    await heartbeat.beat("ready");
    await heartbeat.stop();
    expect(log.lines.filter((l) => l.includes("health.write_failed"))).toHaveLength(1);
  });
});

describe("summit health", () => {
  const io = (dataDir: string) => {
    let out = "";
    let err = "";
    return {
      io: { stdin: process.stdin, stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { DATA_DIR: dataDir }, cwd: root },
      out: () => out,
      err: () => err,
    };
  };

  it("exits 0 with the verdict for a healthy bot, 1 otherwise, 2 for a bad option", async () => {
    const dataDir = path.join(root, "cli-data");
    const healthy = io(dataDir);
    const heartbeat = startHeartbeat(path.join(dataDir, "health.json"), () => ({ index: null, guilds: 1, inFlight: 0 }), memoryLogger(), 60_000);
    await heartbeat.beat("ready");
    expect(await runMain(["health"], healthy.io)).toBe(0);
    expect(healthy.out()).toMatch(/^ok: connected to Discord, 1 server/);
    const json = io(dataDir);
    expect(await runMain(["health", "--json"], json.io)).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ healthy: true, heartbeat: { status: "ready", guilds: 1 } });
    await heartbeat.stop();
    const stopped = io(dataDir);
    expect(await runMain(["health"], stopped.io)).toBe(1);
    expect(stopped.out()).toMatch(/not running/);
    const usage = io(dataDir);
    expect(await runMain(["health", "--max-age", "soon"], usage.io)).toBe(2);
    expect(usage.err()).toMatch(/--max-age must be a number of seconds/);
  });
});
