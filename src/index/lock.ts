import { hostname } from "node:os";
import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors.js";
import type { Logger } from "../log.js";

/*
 * One writer at a time per data folder, across processes (a console, the bot
 * and `npm run ingest` may share one). The lock is a file created with O_EXCL
 * holding the owner's pid; a lock whose owner is gone is taken over.
 */

const POLL_MS = 200;

interface Owner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(file: string): Promise<Owner | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Owner;
  } catch {
    return null;
  }
}

/** Runs `fn` holding the data folder's write lock; waits up to `timeoutMs` for another writer. */
export async function withWriteLock<T>(dataDir: string, log: Logger, fn: () => Promise<T>, timeoutMs = 5 * 60_000): Promise<T> {
  const file = path.join(dataDir, "write.lock");
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  for (;;) {
    try {
      await mkdir(dataDir, { recursive: true });
      const handle = await open(file, "wx");
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Owner));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        // A folder we cannot write to cannot be corrupted by a second writer either: go on,
        // and let the write itself report the problem.
        log.warn("index.lock_unavailable", { file, reason: (error as Error).message });
        return fn();
      }
    }
    const owner = await readOwner(file);
    // A lock from a process of this machine that no longer runs (or an unreadable one, e.g. torn by a crash) is stale.
    if (!owner || (owner.host === hostname() && !alive(owner.pid))) {
      log.warn("index.lock_stale", { file, owner: owner?.pid ?? "unknown" });
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new AppError(
        "INDEX_BUSY",
        `Another process (pid ${owner.pid} on ${owner.host}) has been updating the index in ${dataDir} since ${owner.since}. Try again when it finishes, or delete ${file} if that process is gone.`,
      );
    }
    if (!waited) log.info("index.lock_wait", { file, owner: owner.pid });
    waited = true;
    await sleep(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
