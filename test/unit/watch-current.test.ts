/*
 * The CURRENT watcher (src/index/watch-current.ts) on real temporary folders:
 * switches made the way store.ts makes them (write CURRENT.<x>.tmp, rename it
 * over CURRENT), noticed by fs.watch or by the poll. Every step waits for a
 * report, never for a fixed time.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { watchCurrent, type CurrentWatcher, type WatchCurrentOptions } from "../../src/index/watch-current.js";
import { memoryLogger } from "../../src/log.js";
import { cleanup, tempDir, within } from "../helpers.js";

let root: string;
let n = 0;
const open: CurrentWatcher[] = [];

beforeAll(async () => {
  root = await tempDir("watch-current-");
});
afterEach(() => {
  for (const w of open.splice(0)) w.close();
});
afterAll(() => cleanup(root));

async function dataDir(initial: string | null = "a"): Promise<string> {
  const dir = path.join(root, `data-${++n}`);
  await mkdir(dir, { recursive: true });
  if (initial !== null) await writeFile(path.join(dir, "CURRENT"), `${initial}\n`);
  return dir;
}

/** Makes `name` current as writeIndex does: a temporary file renamed over CURRENT. */
async function switchTo(dir: string, name: string): Promise<void> {
  const tmp = path.join(dir, `CURRENT.${randomBytes(4).toString("hex")}.tmp`);
  await writeFile(tmp, `${name}\n`);
  await rename(tmp, path.join(dir, "CURRENT"));
}

/** The names reported, and a promise of the next one. */
function recorder() {
  const calls: string[] = [];
  const waiting: ((name: string) => void)[] = [];
  return {
    calls,
    onChange: (name: string) => {
      calls.push(name);
      for (const w of waiting.splice(0)) w(name);
    },
    next: (ms = 5_000) => within(ms, new Promise<string>((resolve) => waiting.push(resolve))),
  };
}

function start(dir: string, onChange: (name: string) => void, options: WatchCurrentOptions = {}): CurrentWatcher {
  const w = watchCurrent(dir, onChange, options);
  open.push(w);
  return w;
}

/**
 * Resolves once the event loop has run its close phase: a closed handle leaves
 * the list of active resources only there, after the check phase setImmediate runs in.
 */
const closePhasePassed = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;

describe("watchCurrent", () => {
  it("reports a rename over CURRENT through fs.watch, long before the poll would", async () => {
    const dir = await dataDir();
    const rec = recorder();
    const w = start(dir, rec.onChange, { debounceMs: 20, pollMs: 60_000 });
    await w.ready;
    expect(w.usingFsWatch).toBe(true);
    const next = rec.next();
    await switchTo(dir, "b");
    expect(await next).toBe("b");
    // And again: the watch is on the folder, so it survives CURRENT being replaced.
    const again = rec.next();
    await switchTo(dir, "c");
    expect(await again).toBe("c");
    expect(rec.calls).toEqual(["b", "c"]);
  });

  it("collapses several switches in a row into one report of the latest", async () => {
    const dir = await dataDir();
    const rec = recorder();
    const w = start(dir, rec.onChange, { debounceMs: 300, pollMs: 60_000 });
    await w.ready;
    const next = rec.next();
    for (const name of ["b", "c", "d", "e"]) await switchTo(dir, name);
    expect(await next).toBe("e");
    const after = rec.next();
    await switchTo(dir, "f");
    expect(await after).toBe("f");
    // Reports are made in order, one check at a time: nothing for b, c or d came before or between.
    expect(rec.calls).toEqual(["e", "f"]);
  });

  it("does not report the name it started with, nor CURRENT rewritten with the same name", async () => {
    const dir = await dataDir("a");
    const rec = recorder();
    const w = start(dir, rec.onChange, { debounceMs: 20, pollMs: 60_000 });
    await w.ready;
    const next = rec.next();
    await switchTo(dir, "a");
    await switchTo(dir, "b");
    expect(await next).toBe("b");
    expect(rec.calls).toEqual(["b"]);
  });

  it("finds switches by polling alone when fs.watch is not used", async () => {
    const dir = await dataDir();
    const rec = recorder();
    const w = start(dir, rec.onChange, { useFsWatch: false, pollMs: 50 });
    await w.ready;
    expect(w.usingFsWatch).toBe(false);
    const next = rec.next();
    await switchTo(dir, "b");
    expect(await next).toBe("b");
    const again = rec.next();
    await switchTo(dir, "c");
    await switchTo(dir, "d");
    // Two switches between polls are one report, of the latest (the poll is 50 ms; the renames take well under that).
    expect(await again).toBe("d");
  });

  it("polls a data folder that does not exist yet, reports its first CURRENT, and watches it from then on", async () => {
    const dir = path.join(root, `later-${++n}`);
    const log = memoryLogger();
    const rec = recorder();
    const w = start(dir, rec.onChange, { debounceMs: 20, pollMs: 50, log });
    await w.ready;
    expect(w.usingFsWatch).toBe(false);
    await log.waitFor((l) => l.includes('"event":"index.watch_unavailable"') && l.includes('"level":"debug"'));
    const first = rec.next();
    await mkdir(dir);
    await switchTo(dir, "a");
    expect(await first).toBe("a");
    const second = rec.next();
    await switchTo(dir, "b");
    expect(await second).toBe("b");
    // The poll that ran after the folder appeared started fs.watch on it.
    expect(w.usingFsWatch).toBe(true);
    // Missing folders are normal before the first build: nothing above debug.
    expect(log.lines.filter((l) => !l.includes('"level":"debug"'))).toEqual([]);
  });

  it("goes on after a listener throws, and logs it", async () => {
    const dir = await dataDir();
    const log = memoryLogger();
    const calls: string[] = [];
    const rec = recorder();
    const w = start(
      dir,
      (name) => {
        calls.push(name);
        if (name === "b") throw new Error("listener broke");
        rec.onChange(name);
      },
      { debounceMs: 20, pollMs: 60_000, log },
    );
    await w.ready;
    await switchTo(dir, "b");
    expect(await log.waitFor((l) => l.includes("index.watch_listener_failed"))).toContain("listener broke");
    const next = rec.next();
    await switchTo(dir, "c");
    expect(await next).toBe("c");
    expect(calls).toEqual(["b", "c"]);
  });

  it("close() releases the folder watch and every timer (also a pending debounce), and nothing is reported after it", async () => {
    const dir = await dataDir();
    const watches = count("FSEventWrap");
    const timers = count("Timeout");
    const closedRec = recorder();
    const w = start(dir, closedRec.onChange, { debounceMs: 200, pollMs: 60_000 });
    await w.ready;
    expect(count("FSEventWrap")).toBe(watches + 1);
    expect(count("Timeout")).toBe(timers + 1);

    // A second watcher on the same folder sees what the closed one would have.
    const control = recorder();
    const c = start(dir, control.onChange, { debounceMs: 20, pollMs: 60_000 });
    await c.ready;
    await switchTo(dir, "b");
    expect(await control.next()).toBe("b");
    // The first watcher's debounce for that switch is pending (200 ms) when it is closed.
    w.close();
    w.close();
    c.close();
    await closePhasePassed();
    expect(count("FSEventWrap")).toBe(watches);
    // At most as many as before: a timer of an earlier test (a log wait, say) may have ended meanwhile (CI saw 0 for 1).
    expect(count("Timeout")).toBeLessThanOrEqual(timers);
    expect(w.usingFsWatch).toBe(false);

    const late = recorder();
    const d = start(dir, late.onChange, { debounceMs: 20, pollMs: 60_000 });
    await d.ready;
    const next = late.next();
    await switchTo(dir, "c");
    expect(await next).toBe("c");
    expect(closedRec.calls).toEqual([]);
  });
});
