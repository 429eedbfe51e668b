import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { errorDetail } from "../errors.js";
import { silentLogger, type Logger } from "../log.js";

/*
 * Tells a long-running process (the bot, the console) that DATA_DIR/CURRENT
 * names another build, so it can pick up an index another process wrote
 * (`npm run ingest`; see store.ts for the layout).
 *
 * Two sources, because neither is enough on its own:
 *
 * - fs.watch on the data *folder*, not on CURRENT itself: CURRENT is replaced
 *   by a rename, and a watch on the file follows the old inode, which goes
 *   quiet after the first switch. Events arrive at once but in bursts (a writer
 *   creates CURRENT.<random>.tmp, then renames it, and one rename can show as
 *   several events), so they are debounced.
 * - a slow poll that reads CURRENT every `pollMs`: fs.watch misses events or
 *   is unavailable on some volumes (network file systems, folders shared into
 *   a VM or container, a full inotify watch table), and a data folder that is
 *   removed and made again leaves the watch on a folder that no longer exists.
 *   Reading a one-line file every few seconds costs nothing and bounds the
 *   delay when events are lost.
 *
 * Both only compare CURRENT's contents with the last value seen, so a switch is
 * reported once, whichever notices it first, and several switches within one
 * debounce (or between two polls) are reported once, with the latest value.
 */

export interface WatchCurrentOptions {
  /** Quiet time after the last folder event before CURRENT is read (default 200 ms). */
  readonly debounceMs?: number;
  /** How often CURRENT is read anyway (default 5 s). */
  readonly pollMs?: number;
  /** Use fs.watch (default true); false polls only. */
  readonly useFsWatch?: boolean;
  readonly log?: Logger;
}

export interface CurrentWatcher {
  /** Settles once the first value of CURRENT has been read (later changes are reported against it). */
  readonly ready: Promise<void>;
  /** Whether fs.watch is in use; false when only the poll is (unavailable, failed, or turned off). */
  readonly usingFsWatch: boolean;
  /** Stops watching and polling; no callback follows. Idempotent. */
  close(): void;
}

const FILE = "CURRENT";

/**
 * Calls `onChange` with the new contents of `dataDir/CURRENT` (trimmed)
 * whenever they differ from the last value seen. A missing or unreadable
 * CURRENT counts as "no value" and is not reported.
 */
export function watchCurrent(dataDir: string, onChange: (name: string) => void, options: WatchCurrentOptions = {}): CurrentWatcher {
  const { debounceMs = 200, pollMs = 5_000, useFsWatch = true, log = silentLogger } = options;
  const file = path.join(dataDir, FILE);
  let closed = false;
  /** Last contents seen; undefined until the first read. */
  let seen: string | null | undefined;
  let checking = false;
  let again = false;
  let debounce: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;

  const read = () => readFile(file, "utf8").then((s) => s.trim() || null, () => null);

  // One read at a time, so two sources noticing one switch cannot both report it.
  const check = async (): Promise<void> => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        const now = await read();
        if (closed) return;
        const first = seen === undefined;
        if (now === seen) continue;
        seen = now;
        if (first || now === null) continue;
        try {
          onChange(now);
        } catch (error) {
          log.error("index.watch_listener_failed", { dataDir, reason: errorDetail(error) });
        }
      } while (again && !closed);
    } finally {
      checking = false;
    }
  };

  const schedule = () => {
    if (closed) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      void check();
    }, debounceMs);
  };

  const stopFsWatch = () => {
    watcher?.close();
    watcher = null;
  };

  let warned = false;
  /** Starts fs.watch; when it cannot (no folder yet, a full watch table), the poll goes on alone and tries again. */
  const startFsWatch = () => {
    if (!useFsWatch || watcher || closed) return;
    try {
      watcher = watch(dataDir, (_event, filename) => {
        // Some platforms do not say which file changed: read CURRENT anyway.
        if (filename === null || filename === FILE) schedule();
      });
      watcher.on("error", (error) => {
        log.warn("index.watch_failed", { dataDir, reason: errorDetail(error), pollMs });
        stopFsWatch();
      });
    } catch (error) {
      watcher = null;
      // Said once. A data folder not made yet is normal before the first build.
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      if (!warned) log[missing ? "debug" : "warn"]("index.watch_unavailable", { dataDir, reason: errorDetail(error), pollMs });
      warned = true;
    }
  };

  const ready = check();
  const poll = setInterval(() => {
    startFsWatch();
    void check();
  }, pollMs);
  startFsWatch();

  return {
    ready,
    get usingFsWatch() {
      return watcher !== null;
    },
    close() {
      if (closed) return;
      closed = true;
      stopFsWatch();
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      debounce = null;
    },
  };
}
