/*
 * A local fake of an OpenAI-compatible chat-completions server (the API that
 * OpenAI, Ollama's /v1, LM Studio, vLLM and llama.cpp serve), so tests can run
 * the real LangChain / openai clients against scripted replies. It listens on
 * 127.0.0.1 on an ephemeral port; nothing leaves the machine.
 *
 *   const fake = await startFakeLlm(() => ({ kind: "text", content: "Hello there." }));
 *   const model = new ChatOpenAI({
 *     model: "fake-model", apiKey: "test-key", maxRetries: 0, timeout: 5_000,
 *     configuration: { baseURL: fake.baseUrl },
 *   });
 *   await model.invoke("hi");
 *   const req = await fake.waitForRequest(() => true);
 *   ...
 *   await fake.close();
 *
 * What it serves (shapes read from openai 6.49 and @langchain/openai 1.5):
 * - `POST /v1/chat/completions`: a `chat.completion` object, or, when the request
 *   has `stream: true`, `text/event-stream` with `chat.completion.chunk` events:
 *   a first delta with the role, content deltas, a chunk with `finish_reason`, a
 *   usage chunk (`choices: []`) when `stream_options.include_usage` is set (as
 *   LangChain does by default), then `data: [DONE]`.
 * - `GET /v1/models` (list) and `GET /v1/models/{id}`.
 * - Anything else: 404 `{ error: { message: "Invalid URL (METHOD /path)", type, param, code } }`.
 * - A body that is not JSON, or lacks `model`/`messages`: 400 like OpenAI's. Such
 *   requests are not recorded in `requests`.
 * Token counts in `usage` are rough (characters / 4); they are not a tokenizer.
 * `connections` counts accepted TCP connections. To simulate a dead server, close
 * the fake (its port then refuses connections); to bring it back, start another
 * with `{ port }` set to the old one's.
 * Client-side timeouts of the openai SDK only cover the wait for response headers,
 * so `delayMs` and `hang` delay the headers; `chunkDelayMs` delays stream chunks
 * after the headers were sent.
 */
import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { buffer } from "node:stream/consumers";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

// ---------------------------------------------------------------------------
// Public types

export interface ChatRequest {
  /** Parsed JSON body (what the client sent; keys the client left undefined are absent). */
  readonly body: {
    model: string;
    messages: { role: string; content: unknown }[];
    stream?: boolean;
    temperature?: number;
    max_tokens?: number;
    max_completion_tokens?: number;
    [k: string]: unknown;
  };
  /** Lower-cased header names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  /** performance.now() when the request body had been read. */
  readonly receivedAt: number;
  /** Request path without the query, e.g. `/v1/chat/completions`. */
  readonly path: string;
}

export type Reply =
  /**
   * A completion. Streamed as SSE when the request has `stream: true` (content split
   * into `chunkSize` characters, default 4, `chunkDelayMs` apart, default 0), else one
   * JSON response. `delayMs` delays the response headers (default 0).
   * `finishReason` defaults to "stop". `resetAfterChunks`: for a streaming request,
   * destroy the connection after that many content chunks (no finish chunk, no
   * [DONE]); for a non-streaming one, destroy it instead of answering.
   */
  | {
      kind: "text";
      content: string;
      chunkSize?: number;
      chunkDelayMs?: number;
      delayMs?: number;
      finishReason?: string;
      resetAfterChunks?: number;
    }
  /**
   * An HTTP error (or any status). `body` defaults to an OpenAI-style error for the
   * status; a string body is sent verbatim (text/plain unless `headers` say otherwise),
   * anything else as JSON. `headers` (e.g. `{ "retry-after": "0" }`) are added.
   */
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  /**
   * 200 with a body that is not valid JSON. `stream` defaults to the request's
   * `stream`: when true, an SSE response whose first event is a valid role chunk
   * and whose second is `data: <raw>`, then the response ends (no [DONE]);
   * otherwise `application/json` with `raw` as the body.
   */
  | { kind: "malformed"; raw: string; stream?: boolean }
  /** Never answers (for timeouts) until the client gives up or the server closes. */
  | { kind: "hang" }
  /** Destroys the connection without any response (a crashed server / reset). */
  | { kind: "reset" };

export type Script = (req: ChatRequest, index: number) => Reply;

export interface FakeLlmOptions {
  /** Model ids listed by `GET /v1/models` (default `["fake-model"]`). */
  models?: readonly string[];
  /**
   * The loopback port to listen on (default: an ephemeral one). To bring a
   * stopped server "back", start a new fake on the port the old one had.
   */
  port?: number;
}

export interface FakeLlm {
  /** e.g. "http://127.0.0.1:PORT/v1" — what to pass as the client's base URL. */
  readonly baseUrl: string;
  /** Chat-completion requests, in arrival order. */
  readonly requests: readonly ChatRequest[];
  /** TCP connections accepted so far (a client that only connects is counted here, not in `requests`). */
  readonly connections: number;
  /** Replies are taken from this function per request (scripts can look at the messages). */
  setScript(script: Script): void;
  /**
   * The first recorded request that matches, or the next one to arrive (default timeout 5 s).
   * Resolves when the request has been read, possibly before its reply is sent.
   */
  waitForRequest(match: (r: ChatRequest) => boolean, timeoutMs?: number): Promise<ChatRequest>;
  /** Stops the server; ends hanging and streaming responses; rejects pending waits. */
  close(): Promise<void>;
}

export const DEFAULT_REPLY_TEXT = "This is a fake reply.";

const defaultScript: Script = () => ({ kind: "text", content: DEFAULT_REPLY_TEXT });

// ---------------------------------------------------------------------------
// Response bodies

interface ApiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function apiError(message: string, type: string, code: string | null = null, param: string | null = null): ApiError {
  return { error: { message, type, param, code } };
}

/** OpenAI-style default error bodies. (No "try again in Ns" hint: LangChain parses it as a retry delay.) */
function defaultErrorBody(status: number, model: string): ApiError {
  switch (status) {
    case 400:
      return apiError("Bad request.", "invalid_request_error");
    case 401:
      return apiError("Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
    case 403:
      return apiError("You are not allowed to access this resource.", "invalid_request_error");
    case 404:
      return apiError(`The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found");
    case 429:
      return apiError(
        `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, Requested 1.`,
        "requests",
        "rate_limit_exceeded",
      );
    case 503:
      return apiError("The engine is currently overloaded, please try again later.", "server_error");
    default:
      return status >= 500
        ? apiError("The server had an error while processing your request. Sorry about that!", "server_error")
        : apiError(`Request failed with status ${status}.`, "invalid_request_error");
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const approxTokens = (text: string): number => Math.ceil(text.length / 4);

function promptText(messages: readonly { content: unknown }[]): string {
  return messages.map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? ""))).join("\n");
}

function usageFor(req: ChatRequest, content: string) {
  const prompt_tokens = approxTokens(promptText(req.body.messages));
  const completion_tokens = approxTokens(content);
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Splits by code points, so surrogate pairs are never cut. */
function splitChunks(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

// ---------------------------------------------------------------------------
// HTTP helpers


function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (the timer is cleared). */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function isChatBody(x: unknown): x is ChatRequest["body"] {
  return typeof x === "object" && x !== null && !Array.isArray(x) && typeof (x as { model?: unknown }).model === "string";
}

// ---------------------------------------------------------------------------
// Server

interface Waiter {
  match: (r: ChatRequest) => boolean;
  resolve: (r: ChatRequest) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class FakeLlmServer implements FakeLlm {
  readonly requests: ChatRequest[] = [];
  baseUrl = "";
  connections = 0;
  private script: Script;
  private readonly models: readonly string[];
  private readonly port: number;
  private readonly server: http.Server;
  private readonly waiters = new Set<Waiter>();
  /** Aborted when the server closes: ends pauses, hangs and streams. */
  private readonly shutdown = new AbortController();
  private closed = false;
  private seq = 0;

  constructor(script: Script | undefined, options: FakeLlmOptions) {
    this.script = script ?? defaultScript;
    this.models = options.models ?? ["fake-model"];
    this.port = options.port ?? 0;
    this.server = http.createServer((req, res) => {
      req.socket.setNoDelay(true);
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          this.sendJson(res, 500, apiError(`fake-llm internal error: ${String(err)}`, "server_error"));
        } else {
          res.destroy();
        }
      });
    });
    this.server.on("connection", () => this.connections++);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/v1`;
  }

  setScript(script: Script): void {
    this.script = script;
  }

  waitForRequest(match: (r: ChatRequest) => boolean, timeoutMs = 5_000): Promise<ChatRequest> {
    const found = this.requests.find(match);
    if (found) return Promise.resolve(found);
    if (this.closed) return Promise.reject(new Error("fake LLM is closed"));
    return new Promise<ChatRequest>((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (r) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          reject(e);
        },
        timer: setTimeout(() => {
          waiter.reject(new Error(`fake LLM: no matching request within ${timeoutMs} ms (${this.requests.length} recorded)`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters]) w.reject(new Error("fake LLM closed"));
    this.shutdown.abort();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await buffer(req);
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const method = req.method ?? "GET";

    if (method === "POST" && path === "/v1/chat/completions") return this.chat(req, res, raw, path);
    if (method === "GET" && path === "/v1/models") {
      return this.sendJson(res, 200, { object: "list", data: this.models.map((id) => this.modelObject(id)) });
    }
    const modelMatch = method === "GET" ? /^\/v1\/models\/(.+)$/.exec(path) : null;
    if (modelMatch?.[1] !== undefined) {
      const id = decodeURIComponent(modelMatch[1]);
      return this.models.includes(id)
        ? this.sendJson(res, 200, this.modelObject(id))
        : this.sendJson(res, 404, defaultErrorBody(404, id));
    }
    this.sendJson(res, 404, apiError(`Invalid URL (${method} ${path})`, "invalid_request_error"));
  }

  private modelObject(id: string) {
    return { id, object: "model", created: 1_700_000_000, owned_by: "fake-llm" };
  }

  private chat(req: IncomingMessage, res: ServerResponse, raw: Buffer, path: string): Promise<void> | void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      return this.sendJson(
        res,
        400,
        apiError(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
          "invalid_request_error",
        ),
      );
    }
    if (!isChatBody(parsed)) {
      return this.sendJson(res, 400, apiError("you must provide a model parameter", "invalid_request_error", null, "model"));
    }
    if (!Array.isArray(parsed.messages)) {
      return this.sendJson(
        res,
        400,
        apiError("Missing required parameter: 'messages'.", "invalid_request_error", "missing_required_parameter", "messages"),
      );
    }

    const chatReq: ChatRequest = { body: parsed, headers: flatHeaders(req), receivedAt: performance.now(), path };
    const index = this.requests.length;
    this.requests.push(chatReq);
    for (const w of [...this.waiters]) if (w.match(chatReq)) w.resolve(chatReq);

    let reply: Reply;
    try {
      reply = this.script(chatReq, index);
    } catch (err) {
      return this.sendJson(res, 500, apiError(`fake-llm script threw: ${String(err)}`, "fake_llm_script_error"), {
        "x-should-retry": "false",
      });
    }

    // Aborted when the client goes away or the server closes.
    const ac = new AbortController();
    const signal = AbortSignal.any([ac.signal, this.shutdown.signal]);
    res.on("close", () => ac.abort());

    return this.reply(req, res, chatReq, reply, signal);
  }

  private async reply(req: IncomingMessage, res: ServerResponse, chatReq: ChatRequest, reply: Reply, signal: AbortSignal): Promise<void> {
    const streaming = chatReq.body.stream === true;
    const id = `chatcmpl-fake${++this.seq}${randomBytes(6).toString("hex")}`;
    const requestId = `req_fake${randomBytes(8).toString("hex")}`;
    const model = chatReq.body.model;

    switch (reply.kind) {
      case "hang":
        await untilAborted(signal);
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "status": {
        const headers = { "x-request-id": requestId, ...lowerKeys(reply.headers) };
        const body = reply.body === undefined ? defaultErrorBody(reply.status, model) : reply.body;
        if (typeof body === "string") {
          res.writeHead(reply.status, { "content-type": "text/plain; charset=utf-8", ...headers });
          res.end(body);
        } else {
          this.sendJson(res, reply.status, body, headers);
        }
        return;
      }
      case "malformed": {
        if (!(reply.stream ?? streaming)) {
          res.writeHead(200, { "content-type": "application/json", "x-request-id": requestId });
          res.end(reply.raw);
          return;
        }
        this.startSse(res, requestId);
        const first = this.chunk(id, model, { role: "assistant", content: "", refusal: null }, null, chatReq);
        res.write(`data: ${JSON.stringify(first)}\n\n`);
        res.end(`data: ${reply.raw}\n\n`);
        return;
      }
      case "text":
        break;
    }

    if (!(await pause(reply.delayMs ?? 0, signal))) return;
    if (!streaming) {
      if (reply.resetAfterChunks !== undefined) {
        req.socket.destroy();
        return;
      }
      this.sendJson(
        res,
        200,
        {
          id,
          object: "chat.completion",
          created: nowSeconds(),
          model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: reply.content, refusal: null, annotations: [] },
              logprobs: null,
              finish_reason: reply.finishReason ?? "stop",
            },
          ],
          usage: usageFor(chatReq, reply.content),
          service_tier: "default",
          system_fingerprint: "fp_fake",
        },
        { "x-request-id": requestId },
      );
      return;
    }

    this.startSse(res, requestId);
    const send = (data: unknown): Promise<void> =>
      new Promise((resolve) => {
        res.write(`data: ${JSON.stringify(data)}\n\n`, () => resolve());
      });
    /** Destroys the socket once what was written has been handed to the OS. */
    const reset = (): void => {
      req.socket.destroy();
    };
    await send(this.chunk(id, model, { role: "assistant", content: "", refusal: null }, null, chatReq));
    const parts = splitChunks(reply.content, Math.max(1, reply.chunkSize ?? 4));
    for (const [i, part] of parts.entries()) {
      if (i > 0 && !(await pause(reply.chunkDelayMs ?? 0, signal))) return;
      if (reply.resetAfterChunks !== undefined && i >= reply.resetAfterChunks) return reset();
      await send(this.chunk(id, model, { content: part }, null, chatReq));
    }
    if (reply.resetAfterChunks !== undefined && reply.resetAfterChunks <= parts.length) return reset();
    await send(this.chunk(id, model, {}, reply.finishReason ?? "stop", chatReq));
    if (this.wantsUsage(chatReq)) {
      await send({ ...this.chunk(id, model, {}, null, chatReq), choices: [], usage: usageFor(chatReq, reply.content) });
    }
    res.end("data: [DONE]\n\n");
  }

  private wantsUsage(chatReq: ChatRequest): boolean {
    const opts = chatReq.body.stream_options;
    return typeof opts === "object" && opts !== null && (opts as { include_usage?: unknown }).include_usage === true;
  }

  private chunk(id: string, model: string, delta: Record<string, unknown>, finishReason: string | null, chatReq: ChatRequest) {
    return {
      id,
      object: "chat.completion.chunk",
      created: nowSeconds(),
      model,
      service_tier: "default",
      system_fingerprint: "fp_fake",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.wantsUsage(chatReq) ? { usage: null } : {}),
    };
  }

  private startSse(res: ServerResponse, requestId: string): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-request-id": requestId,
    });
    res.flushHeaders();
  }

  private sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }
}

export async function startFakeLlm(script?: Script, options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const fake = new FakeLlmServer(script, options);
  await fake.listen();
  return fake;
}
