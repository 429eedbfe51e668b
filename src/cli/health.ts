import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Config } from "../config.js";
import { errorDetail } from "../errors.js";
import type { Logger } from "../log.js";
import { forTerminal, jsonForTerminal } from "../text/terminal-safe.js";
import { ensureDir } from "../util/fs.js";
import { EXIT, type CliIo } from "./io.js";

/*
 * A heartbeat file for supervisors (Docker's HEALTHCHECK, systemd, a cron probe):
 * the running bot rewrites it every few seconds with what it is doing, and
 * `summit health` reads it and exits 0 only when the bot is connected, its index
 * loaded, and the heartbeat fresh. A file rather than an HTTP port: nothing to
 * open, secure or keep off the network, and the check works with the bot's own
 * data volume in a container. One bot process per data folder (the folder's write
 * lock and feedback file assume that already).
 */

export type HealthStatus = "starting" | "ready" | "reconnecting" | "stopping";

export interface Heartbeat {
  readonly status: HealthStatus;
  readonly pid: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly index: { readonly articles: number; readonly chunks: number; readonly embedder: string } | null;
  readonly guilds: number;
  readonly inFlight: number;
}

/** How often a running bot rewrites the file. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** A heartbeat older than this is a bot that hung or died without cleaning up. */
export const HEARTBEAT_MAX_AGE_S = 60;

export function heartbeatFile(config: Config): string {
  return path.join(config.dataDir, "health.json");
}

export interface HeartbeatWriter {
  /** Sets the status (when given) and rewrites the file now. */
  beat(status?: HealthStatus): Promise<void>;
  /** Stops the timer and removes the file: a stopped bot has no heartbeat. */
  stop(): Promise<void>;
}

/**
 * Rewrites `file` every `intervalMs` from `snapshot()`, atomically (a reader never
 * sees half a file). Write failures are logged once per kind, never thrown: a full
 * disk must not stop the bot answering.
 */
export function startHeartbeat(
  file: string,
  snapshot: () => Omit<Heartbeat, "status" | "pid" | "startedAt" | "updatedAt">,
  log: Logger,
  intervalMs = HEARTBEAT_INTERVAL_MS,
): HeartbeatWriter {
  const startedAt = new Date().toISOString();
  let status: HealthStatus = "starting";
  let lastError: string | null = null;
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;
  const write = async () => {
    if (stopped) return;
    const beat: Heartbeat = { status, pid: process.pid, startedAt, updatedAt: new Date().toISOString(), ...snapshot() };
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await ensureDir(path.dirname(file));
      await writeFile(tmp, `${JSON.stringify(beat)}\n`);
      await rename(tmp, file);
      lastError = null;
    } catch (error) {
      const detail = errorDetail(error);
      if (detail !== lastError) log.warn("health.write_failed", { file, error: detail });
      lastError = detail;
    }
  };
  const beat = (next?: HealthStatus) => {
    if (next) status = next;
    // One write at a time, in order: the last status set is the one on disk.
    writing = writing.then(write);
    return writing;
  };
  const timer = setInterval(() => void beat(), intervalMs);
  // The heartbeat alone must never keep a finished process alive.
  timer.unref();
  void beat();
  return {
    beat,
    async stop() {
      clearInterval(timer);
      await writing;
      stopped = true;
      await rm(file, { force: true }).catch(() => undefined);
    },
  };
}

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The verdict on a heartbeat file: healthy or not, and why, in one line. */
export async function checkHealth(file: string, maxAgeS = HEARTBEAT_MAX_AGE_S, now = Date.now()): Promise<{ healthy: boolean; message: string; heartbeat: Heartbeat | null }> {
  let heartbeat: Heartbeat;
  try {
    heartbeat = JSON.parse(await readFile(file, "utf8")) as Heartbeat;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return {
      healthy: false,
      heartbeat: null,
      message: missing ? `No heartbeat at ${file}: the bot is not running in this data folder.` : `The heartbeat at ${file} is unreadable (${errorDetail(error)}).`,
    };
  }
  const ageS = Math.round((now - Date.parse(heartbeat.updatedAt)) / 1000);
  const who = `pid ${heartbeat.pid}, heartbeat ${ageS} s ago`;
  if (!Number.isFinite(ageS)) return { healthy: false, heartbeat, message: `The heartbeat at ${file} has no valid time.` };
  if (!alive(heartbeat.pid)) return { healthy: false, heartbeat, message: `The bot (pid ${heartbeat.pid}) is gone; its last heartbeat was ${ageS} s ago.` };
  if (ageS > maxAgeS) return { healthy: false, heartbeat, message: `The bot has not written a heartbeat for ${ageS} s (more than ${maxAgeS} s): it is hung or overloaded (${who}).` };
  if (heartbeat.status !== "ready") return { healthy: false, heartbeat, message: `The bot is ${heartbeat.status} (${who}).` };
  const index = heartbeat.index ? `${heartbeat.index.articles} articles, ${heartbeat.index.chunks} passages` : "no index";
  return { healthy: true, heartbeat, message: `ok: connected to Discord, ${heartbeat.guilds} server(s), ${index}, ${heartbeat.inFlight} question(s) in flight (${who}).` };
}

export const HEALTH_USAGE = `health [--max-age S]   exit 0 when the bot using this data folder is connected and ready (for supervisors)`;

/** `summit health`: for a supervisor's health check. Reads the heartbeat only; loads nothing. */
export async function healthCommand(args: string[], io: CliIo, config: Config): Promise<number> {
  const { values } = parseArgs({ args, options: { "max-age": { type: "string" }, json: { type: "boolean", default: false } } });
  const maxAge = values["max-age"] === undefined ? HEARTBEAT_MAX_AGE_S : Number(values["max-age"]);
  if (!Number.isFinite(maxAge) || maxAge <= 0) {
    io.stderr.write(`--max-age must be a number of seconds above 0, not "${forTerminal(values["max-age"] ?? "")}".\n`);
    return EXIT.usage;
  }
  const verdict = await checkHealth(heartbeatFile(config), maxAge);
  io.stdout.write(values.json ? `${jsonForTerminal({ healthy: verdict.healthy, message: verdict.message, heartbeat: verdict.heartbeat })}\n` : `${forTerminal(verdict.message)}\n`);
  return verdict.healthy ? EXIT.ok : EXIT.failed;
}
