import { errorChain } from "../errors.js";
import type { Logger } from "../log.js";

/*
 * A circuit breaker for the model server. When the server cannot be reached
 * (connection refused or lost before any reply, a timeout before the first
 * byte, a gateway saying the server behind it is down), every question would
 * otherwise spend its retries and time-outs on it before quoting. After one
 * such failure the breaker opens: for COOL_DOWN_MS questions skip the model
 * at once and are answered with quotes. Then one question probes the server
 * (half-open); if it gets through, the breaker closes, otherwise it opens
 * again. Anything else — an HTTP 4xx, a malformed reply, an answer that fails
 * verification — says the server is there, and does not open it.
 *
 * Small and in-process on purpose: one bot process, one model server, three
 * states. (opossum, the maintained Node breaker, wraps a function per breaker
 * and counts failure percentages in rolling windows; this needs "one failure
 * of one kind opens it", and the caller has to classify the failure anyway.)
 */

/** How long the breaker stays open before one question may try the server again. */
export const COOL_DOWN_MS = 60_000;

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  readonly log: Logger;
  /** Milliseconds, for the cool-down (default Date.now; tests pass their own clock). */
  readonly now?: () => number;
  readonly coolDownMs?: number;
  /** Named in log lines, e.g. the base URL. */
  readonly server?: string;
}

/** Leave to call the model once. Report how it went exactly once; `release` if it never reached the server. */
export interface Permit {
  /** The call is the one probe of a half-open breaker. */
  readonly probe: boolean;
  /** The server answered (whatever it said). */
  reached(): void;
  /** The server could not be reached; `cause` in a few words ("connection refused"). */
  unavailable(cause: string): void;
  /** The call ended before reaching the server (a prompt file was missing, the question was withdrawn). */
  release(): void;
}

export type Admission = { readonly allowed: true; readonly permit: Permit } | { readonly allowed: false; readonly reason: string };

export class CircuitBreaker {
  private stateNow: "closed" | "open" = "closed";
  private openedAt = 0;
  private cause = "";
  private probing = false;
  private readonly now: () => number;
  private readonly coolDownMs: number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? (() => Date.now());
    this.coolDownMs = options.coolDownMs ?? COOL_DOWN_MS;
  }

  get state(): BreakerState {
    if (this.stateNow === "closed") return "closed";
    return this.now() - this.openedAt >= this.coolDownMs ? "half-open" : "open";
  }

  /** Whether a call may go out now. While half-open, the first caller probes and the others are turned away. */
  admit(): Admission {
    const state = this.state;
    if (state === "closed") return { allowed: true, permit: this.permit(false) };
    if (state === "half-open" && !this.probing) {
      this.probing = true;
      this.options.log.info("llm.probe", { server: this.options.server, unavailableFor: `${Math.round((this.now() - this.openedAt) / 1000)} s` });
      return { allowed: true, permit: this.permit(true) };
    }
    const retryInS = Math.max(0, Math.ceil((this.openedAt + this.coolDownMs - this.now()) / 1000));
    const when = state === "half-open" ? "another question is trying it now" : `it is tried again in ${retryInS} s`;
    return { allowed: false, reason: `the model was skipped: it is unavailable (${this.cause}); ${when}` };
  }

  private permit(probe: boolean): Permit {
    let settled = false;
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      if (probe) this.probing = false;
      then();
    };
    return {
      probe,
      reached: () => settle(() => this.close()),
      unavailable: (cause) => settle(() => this.open(cause, probe)),
      release: () => settle(() => undefined),
    };
  }

  private open(cause: string, probe: boolean): void {
    const { log, server } = this.options;
    // A call that was already under way when another opened the breaker changes nothing.
    if (this.stateNow === "open" && !probe) return;
    const reopening = this.stateNow === "open";
    this.stateNow = "open";
    this.openedAt = this.now();
    this.cause = cause;
    const fields = { server, cause, coolDownS: this.coolDownMs / 1000 };
    // Warned once per outage; a failed probe only says it is still down.
    if (reopening) log.info("llm.still_unavailable", fields);
    else log.warn("llm.unavailable", { ...fields, effect: "questions are answered with quotes, without asking the model" });
  }

  private close(): void {
    if (this.stateNow === "closed") return;
    this.options.log.info("llm.available", { server: this.options.server, unavailableFor: `${Math.round((this.now() - this.openedAt) / 1000)} s` });
    this.stateNow = "closed";
    this.cause = "";
  }
}

/** Error codes of a connection that was never made, or was lost before any reply. */
const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed",
  UND_ERR_SOCKET: "connection closed",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
};

/** Codes of a connection nobody could have made: retrying it a second later only delays the quotes. */
const NOTHING_THERE = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);

function codeOf(error: unknown): string | null {
  for (const e of errorChain(error)) if (typeof e.code === "string" && e.code in CONNECTION_CODES) return e.code;
  return null;
}

/** A refused connection or an unknown host: the failure LangChain should not retry. */
export function isNothingListening(error: unknown): boolean {
  const code = codeOf(error);
  return code !== null && NOTHING_THERE.has(code);
}

/**
 * Why the server is unavailable, in a few words, when `error` says it is; null
 * when the error is the request's or the reply's (a 4xx, a malformed body, ...).
 */
export function unavailability(error: unknown): string | null {
  const code = codeOf(error);
  if (code) return CONNECTION_CODES[code] ?? null;
  const top = errorChain(error)[0];
  if (!top) return null;
  const name = String(top.name ?? "");
  const message = String(top.message ?? "");
  if (name === "TimeoutError" || /timed out|aborted due to timeout/i.test(message)) return "no reply before the time-out";
  // The openai client's error for a request that got no response at all.
  if ((top.constructor as { name?: string } | undefined)?.name === "APIConnectionError" || /^Connection error\.?$/.test(message)) return "no connection";
  const status = typeof top.status === "number" ? top.status : null;
  // A gateway in front of the model saying the server behind it is down or overloaded.
  if (status === 502 || status === 503 || status === 504) return `HTTP ${status}`;
  return null;
}
