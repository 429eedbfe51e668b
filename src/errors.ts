import { randomBytes } from "node:crypto";

/**
 * Identifiers of the failures a user can be told about. Each has a message
 * written for the person asking; `cause` keeps the technical detail for logs.
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "EMPTY_QUESTION"
  | "QUESTION_TOO_LONG"
  | "UNSUPPORTED_LANGUAGE"
  | "EMPTY_CORPUS"
  | "EMBEDDER_UNAVAILABLE"
  | "INDEX_BUSY"
  | "DEPENDENCY_BROKEN"
  | "QA_FILE_INVALID"
  | "UNKNOWN_EVENT"
  | "PROMPT_INVALID"
  | "LLM_UNAVAILABLE"
  | "DISCORD_UNREACHABLE"
  | "DATABASE_UNAVAILABLE"
  | "BAD_USAGE"
  | "STOPPED";

/**
 * Refusals of what a person typed or configured: the message says it all, and
 * they are not logged as failures. Every other code is a failure of the system
 * and is logged with its cause.
 */
export const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "EMPTY_QUESTION",
  "QUESTION_TOO_LONG",
  "UNSUPPORTED_LANGUAGE",
  "UNKNOWN_EVENT",
  "BAD_USAGE",
  "QA_FILE_INVALID",
  "CONFIG_INVALID",
]);

/** A failure whose `userMessage` is safe and useful to show as is. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;

  constructor(code: ErrorCode, userMessage: string, options?: { cause?: unknown }) {
    super(`${code}: ${userMessage}`, options);
    this.name = "AppError";
    this.code = code;
    this.userMessage = userMessage;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Short id that ties a user-facing "something went wrong" to its log line. */
export function newErrorId(): string {
  return randomBytes(4).toString("hex");
}

export function errorDetail(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * An error and its causes, outermost first (at most 8): undici's "fetch failed" keeps the
 * socket's ECONNREFUSED in `cause`, and an AggregateError (a host with several addresses,
 * all refused) keeps its first in `errors`.
 */
export function errorChain(error: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let e = error; e && typeof e === "object" && out.length < 8; e = (e as { cause?: unknown }).cause) {
    out.push(e as Record<string, unknown>);
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner[0]) out.push(...errorChain(inner[0]));
  }
  return out.slice(0, 8);
}

/** Throws STOPPED once `signal` (Ctrl-C / SIGTERM in the CLI) has aborted: the one check long work makes between its stages. */
export function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AppError("STOPPED", "Stopped (Ctrl-C or SIGTERM); the index in the data folder was left as it was.");
  }
}
