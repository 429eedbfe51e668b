import type { Readable } from "node:stream";
import type { Env } from "../config.js";

/** What a CLI command may touch: tests pass in-memory streams and an env object. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: { write(chunk: string): unknown; isTTY?: boolean };
  readonly stderr: { write(chunk: string): unknown };
  readonly env: Env;
  readonly cwd: string;
  /** Aborted to stop a command gracefully: the bot drains, an index build stops before switching CURRENT. */
  readonly signal?: AbortSignal;
}

/** `stopped` is what a shell reports for a command ended by Ctrl-C (128 + SIGINT). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70, stopped: 130 } as const;
