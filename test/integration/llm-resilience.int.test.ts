import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import { runMain } from "../../src/cli/main.js";
import type { Env } from "../../src/config.js";
import { COOL_DOWN_MS } from "../../src/llm/breaker.js";
import { memoryLogger } from "../../src/log.js";
import { startFakeLlm, type ChatRequest, type FakeLlm, type Reply } from "../fakes/fake-llm.js";
import { cleanup, fakeLlmWorld, REPO, tempDir, testConfig } from "../helpers.js";
import { blockedRequests } from "../setup-no-network.js";

/*
 * The model server through the real LangChain client: LLM_PROVIDER=ollama,
 * the circuit breaker for a server that is down, and the console's draft
 * while a reasoning model thinks. The fake server of the other LLM tests
 * stands in for the model; stopping it (its port then refuses connections)
 * stands in for a dead one.
 */

let root: string;
let fake: FakeLlm;
let env: Env;
let script: (req: ChatRequest) => Reply = () => ({ kind: "text", content: "NOT_IN_PASSAGES" });

beforeAll(async () => {
  root = await tempDir();
  fake = await startFakeLlm((req) => script(req));
  ({ env } = await fakeLlmWorld(root, fake.baseUrl));
}, 60_000);

afterAll(async () => {
  await fake.close();
  await cleanup(root);
});

afterEach(() => {
  vi.useRealTimers();
});

const QUESTION = "Which countries did Xi visit after France?";

/** The number the prompt gave the passage whose text contains `needle`. */
function passageWith(req: ChatRequest, needle: string): number {
  const user = String(req.body.messages.find((m) => m.role === "user")?.content ?? "");
  for (const m of user.matchAll(/<passage n="(\d+)">([\s\S]*?)<\/passage>/g)) if (m[2]?.includes(needle)) return Number(m[1]);
  throw new Error(`no passage contains ${needle}`);
}

/** A reply verification keeps: the passage's own sentence, cited. */
const supported = (req: ChatRequest): Reply => ({
  kind: "text",
  content: `After France, Xi was due to travel to Serbia and Hungary [${passageWith(req, "Serbia")}].`,
  chunkSize: 12,
});

describe("LLM_PROVIDER=ollama", () => {
  it("answers through Ollama's OpenAI-compatible API with the real client, no API key, and every citation checked", async () => {
    script = supported;
    const before = fake.requests.length;
    const app = createApp(testConfig({ ...env, LLM_PROVIDER: "ollama", LLM_API_KEY: "", LLM_BASE_URL: fake.baseUrl }));
    expect(app.config.llm).toMatchObject({ provider: "openai", baseUrl: fake.baseUrl, apiKey: "" });
    const a = await app.ask(QUESTION);
    expect(a.generation).toMatchObject({ outcome: "used", reason: null, stats: { claims: 1, claimsKept: 1 } });
    expect(a.text).toBe("After France, Xi was due to travel to Serbia and Hungary [1].");
    expect(a.citations[0]?.quote).toContain("Serbia and Hungary");
    expect(fake.requests).toHaveLength(before + 1);
    expect(fake.requests.at(-1)?.body).toMatchObject({ model: "fake-model", stream: true });
  });
});

describe("the circuit breaker for a model server that is down", () => {
  it("quotes at once while the server is down, probes once a cool-down, and uses the model again when it is back", async () => {
    // Only Date is faked: the breaker's clock. Sockets, time-outs and the fake server run on real timers.
    vi.useFakeTimers({ toFake: ["Date"] });
    script = supported;
    const dead = await startFakeLlm((req) => script(req));
    const { port } = new URL(dead.baseUrl);
    await dead.close();
    const log = memoryLogger("debug");
    const events = (name: string) => log.lines.filter((l) => l.includes(`"event":"${name}"`));
    // One retry configured: a refused connection must still cost one attempt.
    const app = createApp(testConfig({ ...env, LLM_BASE_URL: dead.baseUrl, LLM_MAX_RETRIES: "1" }), { log });

    const first = await app.ask(QUESTION);
    expect(first.generation).toMatchObject({ outcome: "fallback", reason: "the model failed: Connection error. (connection refused)" });
    expect(first.citations[0]?.quote).toContain("Serbia and Hungary");
    expect(events("llm.unavailable")).toHaveLength(1);
    expect(events("llm.unavailable")[0]).toContain('"level":"warn"');

    // The server is back on its port, but the breaker is open: nothing reaches it, not even a connection.
    const back = await startFakeLlm((req) => script(req), { port: Number(port) });
    try {
      for (const q of [QUESTION, "What did von der Leyen say about dual-use goods?", QUESTION]) {
        const a = await app.ask(q);
        expect(a.generation?.outcome).toBe("fallback");
        expect(a.generation?.reason).toBe("the model was skipped: it is unavailable (connection refused); it is tried again in 60 s");
        expect(a.generation?.generateMs).toBe(0);
        expect(a.citations.length).toBeGreaterThan(0);
      }
      // Follow-ups are rewritten by the rules meanwhile.
      expect(await app.standaloneQuestion("What did von der Leyen say about dual-use goods?", "and what did Michel say?")).toBe(
        "What did Michel say about dual-use goods?",
      );
      expect(back.connections).toBe(0);
      expect(back.requests).toHaveLength(0);
      // One warning for the outage, not one per question.
      expect(events("llm.unavailable")).toHaveLength(1);
      expect(log.lines.filter((l) => l.includes('"level":"warn"') && l.includes("llm."))).toHaveLength(2); // llm.unavailable + the first llm.failed

      vi.setSystemTime(Date.now() + COOL_DOWN_MS);
      const probe = await app.ask(QUESTION);
      expect(back.requests).toHaveLength(1);
      expect(probe.generation).toMatchObject({ outcome: "used", reason: null });
      expect(probe.text).toBe("After France, Xi was due to travel to Serbia and Hungary [1].");
      expect(events("llm.available")).toHaveLength(1);

      const next = await app.ask(QUESTION);
      expect(next.generation?.outcome).toBe("used");
      expect(back.requests).toHaveLength(2);
    } finally {
      await back.close();
    }
  });

  it("a probe that finds the server still down costs one refused attempt and closes it again, without a second warning", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dead = await startFakeLlm();
    await dead.close();
    const log = memoryLogger("debug");
    const events = (name: string) => log.lines.filter((l) => l.includes(`"event":"${name}"`));
    const app = createApp(testConfig({ ...env, LLM_BASE_URL: dead.baseUrl, LLM_MAX_RETRIES: "1" }), { log });
    // The first question also loads the client; the probe below is a model call alone.
    expect((await app.ask(QUESTION)).generation?.reason).toMatch(/connection refused/);
    vi.setSystemTime(Date.now() + COOL_DOWN_MS);
    const probe = await app.ask(QUESTION);
    expect(probe.generation?.reason).toBe("the model failed: Connection error. (connection refused)");
    // LangChain would wait 1-2 s (randomised back-off) before a retry of a refused connection.
    expect(probe.generation?.generateMs).toBeLessThan(900);
    expect((await app.ask(QUESTION)).generation?.reason).toMatch(/^the model was skipped: it is unavailable \(connection refused\); it is tried again in 60 s$/);
    expect(events("llm.unavailable")).toHaveLength(1);
    expect(events("llm.still_unavailable")).toHaveLength(1);
    expect(events("llm.probe")).toHaveLength(1);
  });

  it("opens when the server accepts but does not reply within LLM_TIMEOUT_MS", async () => {
    script = () => ({ kind: "hang" });
    const before = fake.requests.length;
    const app = createApp(testConfig({ ...env, LLM_TIMEOUT_MS: "300" }));
    expect((await app.ask(QUESTION)).generation).toMatchObject({ outcome: "fallback", reason: "the model took longer than 300 ms" });
    const skipped = await app.ask(QUESTION);
    expect(skipped.generation?.reason).toBe("the model was skipped: it is unavailable (no reply before the time-out); it is tried again in 60 s");
    expect(fake.requests).toHaveLength(before + 1);
  });

  it.each([
    ["an HTTP 404 (a model the server does not have)", { kind: "status", status: 404 } as Reply],
    ["an HTTP 400", { kind: "status", status: 400 } as Reply],
    ["an answer verification rejects", { kind: "text", content: "Xi signed a nuclear energy agreement with Poland [1]." } as Reply],
    ["a stream cut off after it began", { kind: "text", content: "Xi was due to travel to Serbia and Hungary [1].", chunkSize: 5, resetAfterChunks: 2 } as Reply],
  ])("stays closed after %s: the next question asks the model", async (_label, reply) => {
    script = () => reply;
    const app = createApp(testConfig(env));
    const before = fake.requests.length;
    expect((await app.ask(QUESTION)).generation?.outcome).toBe("fallback");
    script = supported;
    expect((await app.ask(QUESTION)).generation?.outcome).toBe("used");
    expect(fake.requests).toHaveLength(before + 2);
  });
});

describe("the console's draft while a reasoning model thinks", () => {
  const THINKING =
    "<think>PONDERING which passage says it. " + "Passage 2 mentions Serbia; PONDERING more about Hungary and the order of the visits. ".repeat(8) + "</think>\n\n";

  it.each([1, 3, 7])("prints the draft header once per answer and no reasoning (chunks of %i characters)", async (chunkSize) => {
    script = (req) => {
      const n = passageWith(req, "Serbia");
      return { kind: "text", content: `${THINKING}After France, Xi is scheduled to travel to Serbia and Hungary [${n}].`, chunkSize };
    };
    const before = fake.requests.length;
    const out: string[] = [];
    const stdin = Readable.from([`${QUESTION}\n`, `${QUESTION}\n`, "/quit\n"]);
    const io = { stdin, stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true }, env: { ...env, LOG_LEVEL: "silent" }, cwd: REPO };
    expect(await runMain(["console"], io)).toBe(0);
    // Hundreds of chunks were streamed for each of the two answers.
    expect(fake.requests).toHaveLength(before + 2);
    const shown = out.join("");
    expect(shown.split("── draft from the model, not yet checked against the articles ──")).toHaveLength(3);
    expect(shown.split("── checked answer ──")).toHaveLength(3);
    expect(shown).not.toContain("starting over");
    expect(shown).not.toMatch(/PONDERING|<th|think>|Passage 2 mentions/);
    // The draft starts at the answer's first word, in the margin.
    expect(shown).toContain("── draft from the model, not yet checked against the articles ──\n│ After France, Xi is scheduled to travel to Serbia and Hungary [1].\n── checked answer ──");
  });
});

it("never reaches beyond 127.0.0.1", () => {
  expect(blockedRequests).toEqual([]);
});
