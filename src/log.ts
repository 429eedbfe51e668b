/*
 * One line per event, to a stream the caller picks (stderr in the CLIs, so
 * stdout stays clean for answers and JSON). Fields are flat key/values; a
 * request id travels in `fields.req` when there is one.
 */
import { safeJson } from "./text/terminal-safe.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: Fields): void;
  info(event: string, fields?: Fields): void;
  warn(event: string, fields?: Fields): void;
  error(event: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line (e.g. a request id). */
  child(fields: Fields): Logger;
}

const RANK: Record<LogLevel | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level: LogLevel | "silent";
  format: "text" | "json";
  write: (line: string) => void;
  now?: () => Date;
}

// Values that must never reach a log line, whatever field they arrive in.
const SECRET_KEY = /token|secret|password|api[-_]?key|authorization/i;

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return value;
}

function textValue(value: unknown): string {
  const v = serialise(value);
  if (typeof v === "string") return /[\s="\p{Cc}\p{Cf}]/u.test(v) ? JSON.stringify(v) : v;
  if (typeof v === "object" && v !== null && "stack" in v) return JSON.stringify((v as { stack?: string }).stack);
  return JSON.stringify(v);
}

export function createLogger(options: LoggerOptions, bound: Fields = {}): Logger {
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, event: string, fields: Fields = {}) => {
    if (RANK[level] < RANK[options.level]) return;
    const all: Fields = { ...bound, ...fields };
    for (const key of Object.keys(all)) if (SECRET_KEY.test(key)) all[key] = "[redacted]";
    if (options.format === "json") {
      const record: Fields = { time: now().toISOString(), level, event };
      for (const [k, v] of Object.entries(all)) record[k] = serialise(v);
      options.write(safeJson(JSON.stringify(record)));
      return;
    }
    const parts = [now().toISOString(), level.toUpperCase(), event];
    for (const [k, v] of Object.entries(all)) if (v !== undefined) parts.push(`${k}=${textValue(v)}`);
    // Every value with a control or format character is JSON-quoted above, so the whole line can be escaped as JSON is.
    options.write(safeJson(parts.join(" ")));
  };
  return {
    debug: (e, f) => emit("debug", e, f),
    info: (e, f) => emit("info", e, f),
    warn: (e, f) => emit("warn", e, f),
    error: (e, f) => emit("error", e, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (tests that do not inspect logs). */
export const silentLogger: Logger = createLogger({ level: "silent", format: "text", write: () => {} });

/** A logger that records JSON lines in memory, for tests that assert on logs. */
export function memoryLogger(level: LogLevel = "debug"): Logger & {
  lines: string[];
  /** Resolves with the first line (already written or to come) that matches. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
} {
  const lines: string[] = [];
  const waiters = new Set<(line: string) => boolean>();
  const logger = createLogger({
    level,
    format: "json",
    write: (line) => {
      lines.push(line);
      for (const w of [...waiters]) if (w(line)) waiters.delete(w);
    },
  });
  const waitFor = (match: (line: string) => boolean, timeoutMs = 10_000) => {
    const found = lines.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (line: string) => {
        if (!match(line)) return false;
        clearTimeout(timer);
        resolve(line);
        return true;
      };
      waiters.add(waiter);
    });
  };
  return Object.assign(logger, { lines, waitFor });
}
