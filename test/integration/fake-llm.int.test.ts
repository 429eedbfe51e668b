/*
 * The fake OpenAI-compatible server (test/fakes/fake-llm.ts) driven by the real
 * LangChain clients: `ChatOpenAI` from @langchain/openai and `initChatModel` from
 * langchain/chat_models/universal. Besides proving the fake, these tests pin down
 * how the client behaves on errors, retries and timeouts, which other tests rely on.
 *
 * Retries are LangChain's (the openai SDK inside ChatOpenAI runs with maxRetries 0):
 * p-retry, 1 s minimum, factor 2, randomised x1-2, so retry n waits 2^(n-1)..2^n s.
 * Measured durations are attached to each test with `annotate`.
 */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ChatOpenAI, OpenAIClient, type ChatOpenAIFields } from "@langchain/openai";
import { initChatModel } from "langchain/chat_models/universal";
import { performance } from "node:perf_hooks";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeLlm, type ChatRequest, type FakeLlm } from "../fakes/fake-llm.js";
import { blockedRequests } from "../setup-no-network.js";

const TEXT = "The summit ended with a joint statement on trade and climate.";

let fake: FakeLlm;

beforeEach(async () => {
  fake = await startFakeLlm(() => ({ kind: "text", content: TEXT }));
});

afterEach(async () => {
  await fake.close();
});

afterAll(() => {
  expect(blockedRequests).toEqual([]);
});

function chatModel(fields: ChatOpenAIFields = {}): ChatOpenAI {
  return new ChatOpenAI({
    model: "fake-model",
    apiKey: "test-key",
    maxRetries: 0,
    timeout: 5_000,
    ...fields,
    // logLevel "off": the openai SDK would otherwise console.error unparsable SSE data.
    configuration: { baseURL: fake.baseUrl, logLevel: "off", ...fields.configuration },
  });
}

/** The rejection reason of `p` (fails the test if `p` resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to reject");
}

/** Runs `fn`, returning its rejection and the elapsed milliseconds. */
async function timedRejection(fn: () => Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = performance.now();
  const err = await rejection(fn());
  return { err, ms: performance.now() - t0 };
}

function text(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content);
}

/** Consumes a LangChain stream, returning the text of every chunk (empty ones included). */
async function collect(stream: AsyncIterable<{ content: unknown }>, chunks: string[] = []): Promise<string[]> {
  for await (const c of stream) chunks.push(text(c.content));
  return chunks;
}

const msgs = (): (SystemMessage | HumanMessage)[] => [
  new SystemMessage("Answer from the articles only."),
  new HumanMessage("What did the summit agree?"),
];

describe("fake LLM server", () => {
  it("serves /v1/models and answers unknown routes with an OpenAI-style 404", async () => {
    const list = await fetch(`${fake.baseUrl}/models`);
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ object: "list", data: [{ id: "fake-model", object: "model" }] });

    const one = await fetch(`${fake.baseUrl}/models/fake-model`);
    expect(await one.json()).toMatchObject({ id: "fake-model", object: "model" });

    const missing = await fetch(`${fake.baseUrl}/embeddings`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { message: "Invalid URL (POST /v1/embeddings)", type: "invalid_request_error", param: null, code: null },
    });

    const bad = await fetch(`${fake.baseUrl}/chat/completions`, { method: "POST", body: "{oops" });
    expect(bad.status).toBe(400);
    expect(fake.requests).toHaveLength(0);
  });

  it("answers with real chat.completion and chat.completion.chunk shapes", async () => {
    const url = `${fake.baseUrl}/chat/completions`;
    const headers = { "content-type": "application/json" };
    const messages = [{ role: "user", content: "hi" }];

    const plain = await fetch(url, { method: "POST", headers, body: JSON.stringify({ model: "fake-model", messages }) });
    expect(plain.headers.get("content-type")).toBe("application/json");
    expect(await plain.json()).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/) as unknown,
      object: "chat.completion",
      created: expect.any(Number) as unknown,
      model: "fake-model",
      choices: [{ index: 0, message: { role: "assistant", content: TEXT }, finish_reason: "stop" }],
      usage: { prompt_tokens: expect.any(Number) as unknown, completion_tokens: expect.any(Number) as unknown },
    });

    fake.setScript(() => ({ kind: "text", content: "abcdefgh", chunkSize: 3, finishReason: "length" }));
    const body = JSON.stringify({ model: "fake-model", messages, stream: true, stream_options: { include_usage: true } });
    const sse = await fetch(url, { method: "POST", headers, body });
    expect(sse.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const raw = await sse.text();
    const events = raw.split("\n\n").filter(Boolean);
    expect(events.every((e) => e.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]).toMatchObject({ choices: [{ delta: { role: "assistant", content: "" }, finish_reason: null }] });
    expect(chunks.slice(1, 4).map((c) => c.choices)).toEqual(
      ["abc", "def", "gh"].map((content) => [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]),
    );
    expect(chunks[4]).toMatchObject({ choices: [{ delta: {}, finish_reason: "length" }], usage: null });
    expect(chunks[5]).toMatchObject({ choices: [], usage: { completion_tokens: expect.any(Number) as unknown } });
  });

  it("close() ends a hanging request", async () => {
    fake.setScript(() => ({ kind: "hang" }));
    const pending = rejection(chatModel({ timeout: 60_000 }).invoke("hi"));
    await fake.waitForRequest(() => true);
    const t0 = performance.now();
    await fake.close();
    const err = await pending;
    expect(performance.now() - t0).toBeLessThan(1_000);
    // The socket is destroyed: undici "fetch failed" (cause: other side closed), wrapped by the SDK.
    expect(err).toBeInstanceOf(OpenAIClient.APIConnectionError);
    expect(err).toMatchObject({ message: "Connection error." });
    await expect(fake.waitForRequest(() => false)).rejects.toThrow(/closed/);
  });

  it("close() leaves no servers, sockets or timers behind (also with a hang and a stalled stream)", async () => {
    await fake.close();
    // Closed handles stay listed until libuv's close callbacks ran (the close phase
    // follows the check phase, so give it two event-loop turns).
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const tcp = (): string[] => process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP"));
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await settle();
    expect(tcp()).toEqual([]);
    const timersBefore = timers();

    fake = await startFakeLlm((req) => {
      const last = text(req.body.messages.at(-1)?.content);
      if (last === "hang") return { kind: "hang" };
      if (last === "stall") return { kind: "text", content: TEXT, chunkDelayMs: 60_000 };
      return { kind: "text", content: TEXT };
    });
    const model = chatModel({ timeout: 60_000 });
    await model.invoke("plain");
    await collect(await model.stream("stream"));
    const hanging = rejection(model.invoke("hang"));
    const stall = (await model.stream("stall"))[Symbol.asyncIterator]();
    expect((await stall.next()).done).toBe(false); // the stream has started
    const stalled = rejection(
      (async () => {
        while (!(await stall.next()).done);
      })(),
    );
    await fake.waitForRequest((r) => text(r.body.messages.at(-1)?.content) === "hang");
    expect(tcp()).toContain("TCPServerWrap");
    expect(tcp()).toContain("TCPSocketWrap");

    await fake.close();
    expect(await hanging).toMatchObject({ message: "Connection error." });
    expect(await stalled).toMatchObject({ name: "TypeError", message: "terminated" });
    await settle();
    expect(tcp()).toEqual([]);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
  });
});

describe("ChatOpenAI against the fake", () => {
  it("invoke returns the scripted text and sends messages, temperature and max tokens", async () => {
    const model = chatModel({ temperature: 0.2, maxTokens: 123 });
    const reply = await model.invoke(msgs());
    expect(reply.content).toBe(TEXT);
    expect(reply.response_metadata).toMatchObject({ finish_reason: "stop", model_name: "fake-model" });

    const req = await fake.waitForRequest(() => true);
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBe("Bearer test-key");
    expect(req.body).toMatchObject({
      model: "fake-model",
      stream: false,
      temperature: 0.2,
      max_tokens: 123,
      messages: [
        { role: "system", content: "Answer from the articles only." },
        { role: "user", content: "What did the summit agree?" },
      ],
    });
    expect(req.body.max_completion_tokens).toBeUndefined();
  });

  it("the script sees the messages and the request index", async () => {
    fake.setScript((req: ChatRequest, i) => ({ kind: "text", content: `#${i}: ${text(req.body.messages.at(-1)?.content)}` }));
    const model = chatModel();
    expect((await model.invoke("first")).content).toBe("#0: first");
    expect((await model.invoke("second")).content).toBe("#1: second");
  });

  it(".stream() yields several chunks that concatenate to the text", async () => {
    const chunks = await collect(await chatModel().stream(msgs()));
    expect(chunks.join("")).toBe(TEXT);
    expect(chunks.filter(Boolean).length).toBeGreaterThan(1);
    const req = await fake.waitForRequest(() => true);
    expect(req.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("maxRetries is 6 unless set (LangChain's AsyncCaller default, not the SDK's 2)", () => {
    // A 500 with the default would take 1+2+4+8+16+32 s (x1-2) to fail, so only inspect it
    // (`maxRetries` is protected on AsyncCaller).
    const { caller } = new ChatOpenAI({ model: "fake-model", apiKey: "test-key" });
    expect(Reflect.get(caller, "maxRetries")).toBe(6);
    expect(Reflect.get(chatModel({ maxRetries: 1 }).caller, "maxRetries")).toBe(1);
  });

  describe("429", () => {
    it("without retry-after: RateLimitError, never retried (even with maxRetries 2)", async ({ annotate }) => {
      fake.setScript(() => ({ kind: "status", status: 429 }));
      const { err, ms } = await timedRejection(() => chatModel({ maxRetries: 2 }).invoke("hi"));
      await annotate(`429 without retry-after, maxRetries 2: ${fake.requests.length} request(s), ${Math.round(ms)} ms`);
      expect(err).toBeInstanceOf(OpenAIClient.RateLimitError);
      expect(err).toMatchObject({
        status: 429,
        name: "RateLimitCapacityError", // renamed by LangChain's failed-attempt handler
        code: "rate_limit_exceeded",
        type: "requests",
        lc_error_code: "MODEL_RATE_LIMIT",
        rateLimitType: "capacity",
        rateLimitReason: "headerless_429",
        message: expect.stringMatching(/^429 Rate limit reached/) as unknown,
      });
      expect(fake.requests).toHaveLength(1);
      expect(ms).toBeLessThan(1_000);
    });

    it("with retry-after > 60 s: not retried", async () => {
      fake.setScript(() => ({ kind: "status", status: 429, headers: { "retry-after": "120" } }));
      const err = await rejection(chatModel({ maxRetries: 2 }).invoke("hi"));
      expect(err).toMatchObject({ status: 429, name: "RateLimitCapacityError", retryAfterMs: 120_000 });
      expect(fake.requests).toHaveLength(1);
    });

    it("with retry-after: 0 and maxRetries 0: rejects at once", async () => {
      fake.setScript(() => ({ kind: "status", status: 429, headers: { "retry-after": "0" } }));
      const { err, ms } = await timedRejection(() => chatModel({ maxRetries: 0 }).invoke("hi"));
      expect(err).toBeInstanceOf(OpenAIClient.RateLimitError);
      expect(err).toMatchObject({ status: 429, name: "Error", rateLimitType: "wait", retryAfterMs: 0 });
      expect(fake.requests).toHaveLength(1);
      expect(ms).toBeLessThan(1_000);
    });

    it("with retry-after: 0 and maxRetries 2: 3 requests, default backoff 1-2 s then 2-4 s", async ({ annotate }) => {
      fake.setScript((_req, i) =>
        i < 2 ? { kind: "status", status: 429, headers: { "retry-after": "0" } } : { kind: "text", content: TEXT },
      );
      const t0 = performance.now();
      const reply = await chatModel({ maxRetries: 2 }).invoke("hi");
      const ms = performance.now() - t0;
      expect(reply.content).toBe(TEXT);
      expect(fake.requests).toHaveLength(3);
      const [a, b, c] = fake.requests.map((r) => r.receivedAt);
      const gaps = [b! - a!, c! - b!];
      await annotate(`429 (retry-after 0) x2 then 200, maxRetries 2: 3 requests, gaps ${gaps.map(Math.round).join(" / ")} ms, total ${Math.round(ms)} ms`);
      expect(fake.requests.map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "0", "0"]);
      expect(gaps[0]).toBeGreaterThanOrEqual(950);
      expect(gaps[0]).toBeLessThan(2_500);
      expect(gaps[1]).toBeGreaterThanOrEqual(1_950);
      expect(gaps[1]).toBeLessThan(4_500);
    });
  });

  describe("500", () => {
    it("maxRetries 0: InternalServerError at once", async () => {
      fake.setScript(() => ({ kind: "status", status: 500 }));
      const { err, ms } = await timedRejection(() => chatModel({ maxRetries: 0 }).invoke("hi"));
      expect(err).toBeInstanceOf(OpenAIClient.InternalServerError);
      expect(err).toMatchObject({
        status: 500,
        name: "Error",
        type: "server_error",
        code: null,
        message: "500 The server had an error while processing your request. Sorry about that!",
      });
      expect((err as InstanceType<typeof OpenAIClient.APIError>).requestID).toMatch(/^req_fake/);
      expect(fake.requests).toHaveLength(1);
      expect(ms).toBeLessThan(1_000);
    });

    it("maxRetries 2: 3 requests, then the last error", async ({ annotate }) => {
      fake.setScript(() => ({ kind: "status", status: 500 }));
      const { err, ms } = await timedRejection(() => chatModel({ maxRetries: 2 }).invoke("hi"));
      await annotate(`500, maxRetries 2: ${fake.requests.length} requests, ${Math.round(ms)} ms`);
      expect(err).toBeInstanceOf(OpenAIClient.InternalServerError);
      expect(fake.requests).toHaveLength(3);
      expect(ms).toBeGreaterThanOrEqual(2_900);
      expect(ms).toBeLessThan(6_500);
    });

    it("a 500 before a stream starts is retried like invoke", async () => {
      fake.setScript((_req, i) => (i === 0 ? { kind: "status", status: 503 } : { kind: "text", content: TEXT }));
      const chunks = await collect(await chatModel({ maxRetries: 1 }).stream("hi"));
      expect(chunks.join("")).toBe(TEXT);
      expect(fake.requests).toHaveLength(2);
    });
  });

  describe("timeouts", () => {
    it("a slow reply (delayMs 2000) rejects after ~timeout with TimeoutError", async ({ annotate }) => {
      fake.setScript(() => ({ kind: "text", content: TEXT, delayMs: 2_000 }));
      const { err, ms } = await timedRejection(() => chatModel({ timeout: 300 }).invoke("hi"));
      await annotate(`delayMs 2000 vs timeout 300: rejected after ${Math.round(ms)} ms`);
      // LangChain replaces the SDK's APIConnectionTimeoutError by a plain Error named TimeoutError.
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(OpenAIClient.APIError);
      expect(err).toMatchObject({ name: "TimeoutError", message: "Request timed out." });
      expect(ms).toBeGreaterThanOrEqual(280);
      expect(ms).toBeLessThan(1_500);
    });

    it("a hanging stream request rejects the same way", async ({ annotate }) => {
      fake.setScript(() => ({ kind: "hang" }));
      const { err, ms } = await timedRejection(async () => collect(await chatModel({ timeout: 300 }).stream("hi")));
      await annotate(`stream, hang vs timeout 300: rejected after ${Math.round(ms)} ms`);
      expect(err).toMatchObject({ name: "TimeoutError", message: "Request timed out." });
      expect(ms).toBeLessThan(1_500);
    });

    it("timeouts are retried: maxRetries 1 makes 2 requests", async ({ annotate }) => {
      fake.setScript(() => ({ kind: "hang" }));
      const { err, ms } = await timedRejection(() => chatModel({ timeout: 300, maxRetries: 1 }).invoke("hi"));
      await annotate(`hang, timeout 300, maxRetries 1: ${fake.requests.length} requests, ${Math.round(ms)} ms`);
      expect(err).toMatchObject({ name: "TimeoutError" });
      expect(fake.requests).toHaveLength(2);
      expect(ms).toBeGreaterThanOrEqual(1_550);
      expect(ms).toBeLessThan(3_500);
    });

    it("a stream that starts then stalls is NOT covered by `timeout`; a call-level timeout ends it", async ({ annotate }) => {
      fake.setScript(() => ({ kind: "text", content: TEXT, chunkDelayMs: 60_000 }));
      const chunks: string[] = [];
      const t0 = performance.now();
      let firstAt = 0;
      const stream = await chatModel({ timeout: 300 }).stream("hi", { timeout: 1_000 });
      const err = await rejection(
        (async () => {
          for await (const c of stream) {
            firstAt ||= performance.now() - t0;
            chunks.push(text(c.content));
          }
        })(),
      );
      const ms = performance.now() - t0;
      await annotate(`stall after first chunk, client timeout 300, call timeout 1000: first chunk at ${Math.round(firstAt)} ms, rejected at ${Math.round(ms)} ms`);
      // The role chunk and the first content chunk arrived, then nothing for > 300 ms without a client timeout.
      expect(chunks).toEqual(["", TEXT.slice(0, 4)]);
      expect(err).toBeInstanceOf(DOMException);
      expect(err).toMatchObject({ name: "TimeoutError", message: "The operation was aborted due to timeout" });
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(2_000);
    });
  });

  describe("malformed replies", () => {
    it("invalid JSON (non-stream): SyntaxError, and it is retried", async ({ annotate }) => {
      fake.setScript(() => ({ kind: "malformed", raw: "{not json" }));
      const err = await rejection(chatModel({ maxRetries: 0 }).invoke("hi"));
      expect(err).toBeInstanceOf(SyntaxError);
      expect((err as Error).message).toBe("Expected property name or '}' in JSON at position 1");
      expect(fake.requests).toHaveLength(1);

      const { err: again, ms } = await timedRejection(() => chatModel({ maxRetries: 1 }).invoke("hi"));
      await annotate(`malformed JSON, maxRetries 1: ${fake.requests.length - 1} requests, ${Math.round(ms)} ms`);
      expect(again).toBeInstanceOf(SyntaxError);
      expect(fake.requests).toHaveLength(3);
      expect(ms).toBeGreaterThanOrEqual(950);
    });

    it("invalid JSON inside an SSE stream: SyntaxError after the first chunk, not retried", async () => {
      fake.setScript(() => ({ kind: "malformed", raw: "{not json" }));
      const chunks: string[] = [];
      const err = await rejection(chatModel({ maxRetries: 2 }).stream("hi").then((s) => collect(s, chunks)));
      expect(err).toBeInstanceOf(SyntaxError);
      expect((err as Error).message).toBe("Expected property name or '}' in JSON at position 1");
      expect(chunks).toEqual([""]);
      expect(fake.requests).toHaveLength(1);
    });

    it("a connection dropped mid-stream: TypeError 'terminated', not retried", async () => {
      fake.setScript(() => ({ kind: "text", content: TEXT, resetAfterChunks: 2 }));
      const chunks: string[] = [];
      const err = await rejection(chatModel({ maxRetries: 2 }).stream("hi").then((s) => collect(s, chunks)));
      expect(err).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ message: "terminated", cause: { code: "UND_ERR_SOCKET" } });
      expect(chunks.join("")).toBe(TEXT.slice(0, 8));
      expect(fake.requests).toHaveLength(1);
    });

    it("a connection reset before any response: APIConnectionError, retried", async ({ annotate }) => {
      fake.setScript((_req, i) => (i < 2 ? { kind: "reset" } : { kind: "text", content: TEXT }));
      const err = await rejection(chatModel({ maxRetries: 0 }).invoke("hi"));
      expect(err).toBeInstanceOf(OpenAIClient.APIConnectionError);
      expect(err).toMatchObject({ message: "Connection error.", status: undefined });
      expect((err as Error).cause).toMatchObject({ name: "TypeError", message: "fetch failed" });

      const t0 = performance.now();
      expect((await chatModel({ maxRetries: 1 }).invoke("hi")).content).toBe(TEXT);
      const ms = performance.now() - t0;
      await annotate(`reset then 200, maxRetries 1: 2 requests, ${Math.round(ms)} ms`);
      expect(fake.requests).toHaveLength(3);
      expect(ms).toBeGreaterThanOrEqual(950);
    });
  });
});

describe("initChatModel against the fake", () => {
  // initChatModel passes every field except modelProvider/configurableFields/configPrefix/profile
  // to `new ChatOpenAI({ model, ...fields })`; the fields are typed `Record<string, any>`, so typos pass silently.
  const init = (fields: Record<string, unknown> = {}) =>
    initChatModel("fake-model", {
      modelProvider: "openai",
      apiKey: "test-key",
      configuration: { baseURL: fake.baseUrl, logLevel: "off" },
      timeout: 5_000,
      maxRetries: 0,
      ...fields,
    });

  it("invoke and stream go to the fake with the configured options", async () => {
    const model = await init({ temperature: 0.7, maxTokens: 42 });
    const reply = await model.invoke(msgs());
    expect(reply.content).toBe(TEXT);
    const req = await fake.waitForRequest(() => true);
    expect(req.body).toMatchObject({
      model: "fake-model",
      stream: false,
      temperature: 0.7,
      max_tokens: 42,
      messages: [
        { role: "system", content: "Answer from the articles only." },
        { role: "user", content: "What did the summit agree?" },
      ],
    });

    const chunks = await collect(await model.stream("hi"));
    expect(chunks.join("")).toBe(TEXT);
    expect(chunks.filter(Boolean).length).toBeGreaterThan(1);
    expect(fake.requests[1]?.body).toMatchObject({ stream: true, temperature: 0.7, max_tokens: 42 });
  });

  it("forwards timeout and maxRetries", async ({ annotate }) => {
    fake.setScript(() => ({ kind: "hang" }));
    const model = await init({ timeout: 300, maxRetries: 0 });
    const { err, ms } = await timedRejection(() => model.invoke("hi"));
    await annotate(`initChatModel, hang vs timeout 300: rejected after ${Math.round(ms)} ms`);
    expect(err).toMatchObject({ name: "TimeoutError", message: "Request timed out." });
    expect(ms).toBeLessThan(1_500);
    expect(fake.requests).toHaveLength(1);

    fake.setScript(() => ({ kind: "status", status: 500 }));
    const err500 = await rejection(model.invoke("hi"));
    expect(err500).toBeInstanceOf(OpenAIClient.InternalServerError);
    expect(fake.requests).toHaveLength(2);
  });

  it("accepts the provider as a model prefix ('openai:fake-model')", async () => {
    const model = await initChatModel("openai:fake-model", {
      apiKey: "test-key",
      configuration: { baseURL: fake.baseUrl },
      maxRetries: 0,
    });
    expect((await model.invoke("hi")).content).toBe(TEXT);
    expect(fake.requests[0]?.body.model).toBe("fake-model");
  });
});
