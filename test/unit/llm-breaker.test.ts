import { describe, expect, it } from "vitest";
import { CircuitBreaker, COOL_DOWN_MS, isNothingListening, unavailability } from "../../src/llm/breaker.js";
import { onFailedAttempt } from "../../src/llm/chat-model.js";
import { visibleDraft, withoutReasoning } from "../../src/llm/answer.js";
import { memoryLogger } from "../../src/log.js";

function setup() {
  let t = 1_000_000;
  const log = memoryLogger("debug");
  const breaker = new CircuitBreaker({ log, now: () => t, server: "http://127.0.0.1:11434/v1" });
  const events = (name: string) => log.lines.filter((l) => l.includes(`"event":"${name}"`));
  return { breaker, log, events, advance: (ms: number) => (t += ms) };
}

function admitted(breaker: CircuitBreaker) {
  const a = breaker.admit();
  if (!a.allowed) throw new Error(`expected a call to be allowed: ${a.reason}`);
  return a.permit;
}

/** What fetch (undici) throws inside the openai client's APIConnectionError for a closed port. */
function refused(): Error {
  const inner = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
  const fetchFailed = new TypeError("fetch failed", { cause: inner });
  return new Error("Connection error.", { cause: fetchFailed });
}

describe("the model server's circuit breaker", () => {
  it("opens on an unavailable server, turns questions away with the reason, and warns once", () => {
    const { breaker, events } = setup();
    admitted(breaker).unavailable("connection refused");
    expect(breaker.state).toBe("open");
    for (let i = 0; i < 5; i++) {
      const a = breaker.admit();
      expect(a).toEqual({ allowed: false, reason: "the model was skipped: it is unavailable (connection refused); it is tried again in 60 s" });
    }
    expect(events("llm.unavailable")).toHaveLength(1);
    expect(events("llm.unavailable")[0]).toContain('"level":"warn"');
  });

  it("lets one probe through after the cool-down; its success closes the breaker", () => {
    const { breaker, advance, events } = setup();
    admitted(breaker).unavailable("connection refused");
    advance(COOL_DOWN_MS - 1);
    expect(breaker.admit().allowed).toBe(false);
    advance(1);
    expect(breaker.state).toBe("half-open");
    const probe = admitted(breaker);
    expect(probe.probe).toBe(true);
    // Others wait while the probe is out.
    const other = breaker.admit();
    expect(other.allowed).toBe(false);
    expect(!other.allowed && other.reason).toMatch(/another question is trying it now/);
    probe.reached();
    expect(breaker.state).toBe("closed");
    expect(admitted(breaker).probe).toBe(false);
    expect(events("llm.available")).toHaveLength(1);
  });

  it("opens again for a whole cool-down when the probe fails, without a second warning", () => {
    const { breaker, advance, events } = setup();
    admitted(breaker).unavailable("connection refused");
    advance(COOL_DOWN_MS);
    admitted(breaker).unavailable("connection refused");
    expect(breaker.state).toBe("open");
    advance(COOL_DOWN_MS - 1);
    expect(breaker.admit().allowed).toBe(false);
    advance(1);
    expect(admitted(breaker).probe).toBe(true);
    expect(events("llm.unavailable")).toHaveLength(1);
    expect(events("llm.still_unavailable")).toHaveLength(1);
  });

  it("a probe released before it reached the server lets the next question probe", () => {
    const { breaker, advance } = setup();
    admitted(breaker).unavailable("no reply before the time-out");
    advance(COOL_DOWN_MS);
    admitted(breaker).release();
    expect(breaker.state).toBe("half-open");
    expect(admitted(breaker).probe).toBe(true);
  });

  it("a call under way when the breaker opened changes nothing when it fails too; a permit counts once", () => {
    const { breaker, advance, events } = setup();
    const a = admitted(breaker);
    const b = admitted(breaker);
    a.unavailable("connection refused");
    advance(30_000);
    b.unavailable("connection refused");
    advance(30_000);
    // Still measured from the first failure.
    expect(breaker.state).toBe("half-open");
    a.reached();
    expect(breaker.state).toBe("half-open");
    expect(events("llm.unavailable")).toHaveLength(1);
  });
});

describe("which failures mean the server is unavailable", () => {
  it("a refused connection, a reset, an unknown host, a time-out, a gateway error", () => {
    expect(unavailability(refused())).toBe("connection refused");
    expect(unavailability(new Error("x", { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) }))).toBe("connection reset");
    expect(unavailability(new Error("x", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }) }))).toBe("host not found");
    expect(unavailability(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toBe("no reply before the time-out");
    expect(unavailability(Object.assign(new Error("Request timed out."), { name: "TimeoutError" }))).toBe("no reply before the time-out");
    expect(unavailability(Object.assign(new Error("503 overloaded"), { status: 503 }))).toBe("HTTP 503");
    // Node puts a host's several refused addresses in an AggregateError.
    const both = new AggregateError([Object.assign(new Error("connect ECONNREFUSED ::1:11434"), { code: "ECONNREFUSED" })], "");
    expect(unavailability(new Error("Connection error.", { cause: new TypeError("fetch failed", { cause: both }) }))).toBe("connection refused");
  });

  it("not the request's own faults, nor a reply the client could not read", () => {
    for (const status of [400, 401, 404, 422, 429, 500]) expect(unavailability(Object.assign(new Error(`${status}`), { status }))).toBeNull();
    expect(unavailability(new SyntaxError("Unexpected token n in JSON"))).toBeNull();
    expect(unavailability("a string")).toBeNull();
  });

  it("LangChain does not retry a refused connection, but keeps its own policy for the rest", () => {
    expect(isNothingListening(refused())).toBe(true);
    expect(() => onFailedAttempt(refused())).toThrow("Connection error.");
    // A server error is retried (the handler returns), a bad request is not (it throws).
    expect(() => onFailedAttempt(Object.assign(new Error("500"), { status: 500 }))).not.toThrow();
    expect(() => onFailedAttempt(Object.assign(new Error("400"), { status: 400 }))).toThrow("400");
    const reset = new Error("Connection error.", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    expect(isNothingListening(reset)).toBe(false);
    expect(() => onFailedAttempt(reset)).not.toThrow();
  });
});

describe("reasoning in drafts", () => {
  it("shows nothing of a <think> block, however it is cut into chunks", () => {
    const reply = "<think>The passages mention Serbia. Hmm.</think>\n\nXi travels to Serbia [1].";
    const shown: string[] = [];
    for (let i = 1; i <= reply.length; i++) {
      const d = visibleDraft(reply.slice(0, i));
      if (d !== (shown.at(-1) ?? "")) shown.push(d);
    }
    // Only ever grows, from the answer's first word.
    for (let i = 1; i < shown.length; i++) expect(shown[i]?.startsWith(shown[i - 1] ?? "")).toBe(true);
    expect(shown[0]).toBe("X");
    expect(shown.at(-1)).toBe("Xi travels to Serbia [1].");
    expect(shown.join("")).not.toMatch(/<|think|passages|Hmm/);
  });

  it("holds back what may be the start of a tag only until it is known not to be one", () => {
    expect(visibleDraft("Xi went <th")).toBe("Xi went ");
    expect(visibleDraft("Xi went <the")).toBe("Xi went <the");
    expect(visibleDraft("a <")).toBe("a ");
  });

  it("a closing tag with no opening one ends the reasoning too", () => {
    expect(withoutReasoning("Okay, the passages say...\n</think>\nXi travels to Serbia [1].")).toBe("\nXi travels to Serbia [1].");
    expect(withoutReasoning("<think>a</think>b<THINK>c</Think>d")).toBe("bd");
    expect(withoutReasoning("<think>unfinished")).toBe("");
  });
});
