import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { AppError, errorDetail, throwIfStopped } from "../errors.js";
import type { Logger } from "../log.js";
import { ensureDir } from "../util/fs.js";

/*
 * One writer at a time per data folder, across processes (a console, the bot
 * and `npm run ingest` may share one).
 *
 * The lock is the folder DATA_DIR/write.lock, made with mkdir: the kernel lets
 * exactly one process create it, and it is never "empty but taken" the way a
 * file is between its creation and its first write. owner.json inside names the
 * holder for messages and carries a random token; whether the lock is stale
 * depends only on the folder's modification time, which the holder refreshes
 * every HEARTBEAT_MS. Process ids are not used: in a container the restarted
 * process is pid 1 again, exactly like the one killed, so "is that pid alive?"
 * answers yes for a dead holder.
 *
 * The heartbeat runs in a worker thread, so long synchronous stages on the
 * main thread cannot let the lock go stale. Measured on this 2-core VM with
 * `ingest --force` and the hashed test embedder: the longest event-loop block
 * was 0.25 s with the seeds, 17 s at 20,000 chunks and 161 s at 100,000
 * (HNSW inserts 106 s, knowledge 42 s), while the lock's mtime was never more
 * than 1.1 s old. With the HNSW inserts now in slices (sync-index.ts) the
 * longest block is the knowledge build: 5.9 s at 20,000 chunks. A heartbeat on the main thread (proper-lockfile's) would
 * need a stale time above the largest such block, and a writer killed with -9
 * would then hold up the next one for minutes; with the worker it can be short.
 * STALE_MS is ten heartbeats, so a disk hiccup or a busy machine costs several
 * beats before anyone takes over: after kill -9 the next writer gets in after
 * about 10 s.
 */

const HEARTBEAT_MS = 1_000;
const STALE_MS = 10_000;
const POLL_MS = 200;
const OWNER = "owner.json";

interface Owner {
  pid: number;
  host: string;
  since: string;
  token: string;
}

/** What the code holding the lock checks before making its work visible. */
export interface WriteLease {
  /** Throws if the lock was lost (taken over after this process looked stale, or removed by hand). */
  assertHeld(): void;
}

/*
 * The worker's code, as plain JavaScript (it runs outside tsx's loader). It
 * refreshes the folder's mtime while owner.json still holds our token, and
 * raises `lost` (shared memory, visible to the main thread even while that is
 * busy) once it does not, or after STALE_MS/2 without a successful beat.
 */
const HEARTBEAT_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const { dir, token, every, giveUpAfter, flag } = workerData;
const lost = new Int32Array(flag);
let lastBeat = Date.now();
const timer = setInterval(() => {
  let owner = null;
  try {
    owner = JSON.parse(fs.readFileSync(path.join(dir, "owner.json"), "utf8"));
  } catch (error) {
    if (error.code !== "ENOENT" && Date.now() - lastBeat < giveUpAfter) return;
  }
  if (!owner || owner.token !== token) {
    Atomics.store(lost, 0, 1);
    clearInterval(timer);
    return;
  }
  try {
    const now = new Date();
    fs.utimesSync(dir, now, now);
    lastBeat = Date.now();
  } catch {
    if (Date.now() - lastBeat >= giveUpAfter) {
      Atomics.store(lost, 0, 1);
      clearInterval(timer);
    }
  }
}, every);
`;

/** Locks this process holds, released even on process.exit() (a second Ctrl-C). */
const held = new Map<string, string>();
process.on("exit", () => {
  for (const [dir, token] of held) if (ownerTokenSync(dir) === token) rmSync(dir, { recursive: true, force: true });
});

function ownerTokenSync(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(path.join(dir, OWNER), "utf8")) as Owner).token;
  } catch {
    return null;
  }
}

async function readOwner(dir: string): Promise<Owner | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, OWNER), "utf8")) as Owner;
  } catch {
    return null;
  }
}

interface Lock {
  readonly lease: WriteLease;
  release(): Promise<void>;
}

async function take(dir: string): Promise<Lock | null> {
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return null;
    throw error;
  }
  const token = randomBytes(12).toString("hex");
  held.set(dir, token);
  try {
    await writeFile(path.join(dir, OWNER), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), token } satisfies Owner));
  } catch (error) {
    held.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const flag = new SharedArrayBuffer(4);
  const lost = new Int32Array(flag);
  const worker = new Worker(HEARTBEAT_SOURCE, { eval: true, workerData: { dir, token, every: HEARTBEAT_MS, giveUpAfter: STALE_MS / 2, flag } });
  worker.unref();
  // A worker that cannot run cannot keep the lock fresh: treat the lock as lost rather than write unguarded.
  worker.on("error", () => Atomics.store(lost, 0, 1));
  return {
    lease: {
      assertHeld() {
        // The worker's flag, and the token itself: a process frozen past STALE_MS (SIGSTOP, a paused VM) may
        // resume here before its worker's next beat has noticed the takeover.
        if (Atomics.load(lost, 0) === 1 || ownerTokenSync(dir) !== token) {
          throw new AppError(
            "INDEX_BUSY",
            `This process lost the write lock on ${dir} (another process took it over, or it was removed), so the index it built was not made current. Run the ingest again.`,
          );
        }
      },
    },
    async release() {
      await worker.terminate();
      held.delete(dir);
      if ((await readOwner(dir))?.token === token) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Removes the lock at `dir` if it is stale: its mtime is older than STALE_MS.
 * Two processes may find the same stale lock at once; a guard folder (mkdir
 * again) lets one of them re-check and remove it, so the other cannot remove
 * the fresh lock the first one takes a moment later.
 */
async function breakIfStale(dir: string, log: Logger): Promise<void> {
  const seen = await stat(dir).catch(() => null);
  if (!seen || Date.now() - seen.mtimeMs <= STALE_MS) return;
  const guard = `${dir}.break`;
  try {
    await mkdir(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // A breaker that died between these few calls leaves its guard behind.
    const g = await stat(guard).catch(() => null);
    if (g && Date.now() - g.mtimeMs > STALE_MS) await rm(guard, { recursive: true, force: true });
    return;
  }
  try {
    const now = await stat(dir).catch(() => null);
    // Only the very lock found stale, still not refreshed, is removed.
    if (now && now.ino === seen.ino && now.mtimeMs === seen.mtimeMs) {
      const owner = await readOwner(dir);
      log.warn("index.lock_stale", { file: dir, owner: owner ? `pid ${owner.pid} on ${owner.host}` : "unknown", idleMs: Math.round(Date.now() - seen.mtimeMs) });
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await rm(guard, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` holding the data folder's write lock; waits up to `timeoutMs` for
 * another writer. `fn` checks its lease before it makes its work current.
 * Waiting stops when `signal` aborts.
 */
export async function withWriteLock<T>(dataDir: string, log: Logger, fn: (lease: WriteLease) => Promise<T>, timeoutMs = 5 * 60_000, signal?: AbortSignal): Promise<T> {
  const dir = path.join(dataDir, "write.lock");
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  let lock: Lock | null;
  for (;;) {
    throwIfStopped(signal);
    try {
      await ensureDir(dataDir);
      lock = await take(dir);
      if (!lock) await breakIfStale(dir, log);
    } catch (error) {
      // A folder we cannot write to cannot be corrupted by a second writer either: go on,
      // and let the write itself report the problem.
      log.warn("index.lock_unavailable", { file: dir, reason: errorDetail(error) });
      return fn({ assertHeld: () => undefined });
    }
    if (lock) break;
    const owner = await readOwner(dir);
    if (Date.now() > deadline) {
      const who = owner ? `pid ${owner.pid} on ${owner.host}, since ${owner.since}` : "owner unknown";
      throw new AppError(
        "INDEX_BUSY",
        `Another process (${who}) is updating the index in ${dataDir}; waited ${Math.round(timeoutMs / 1000)} s. Try again when it finishes. A lock whose holder has died is taken over by itself within ${STALE_MS / 1000} s.`,
      );
    }
    if (!waited) log.info("index.lock_wait", { file: dir, owner: owner?.pid ?? "unknown" });
    waited = true;
    await sleep(POLL_MS, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
  const mine = lock;
  try {
    return await fn(mine.lease);
  } finally {
    // The work is done (or failed on its own); failing to remove the lock (a disk gone read-only) must not
    // hide that. The lock goes stale and is taken over.
    await mine.release().catch((error: unknown) => log.warn("index.lock_release_failed", { file: dir, reason: errorDetail(error) }));
  }
}

/**
 * Runs `fn` holding the lock if nobody else holds it (a stale lock counts as
 * free), or returns null at once. For housekeeping that must not race a writer.
 */
export async function ifUnlocked<T>(dataDir: string, log: Logger, fn: () => Promise<T>): Promise<T | null> {
  const dir = path.join(dataDir, "write.lock");
  try {
    await breakIfStale(dir, log);
    const lock = await take(dir);
    if (!lock) return null;
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  } catch {
    // No folder, or not writable: nothing to clean that we could clean.
    return null;
  }
}
