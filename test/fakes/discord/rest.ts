/*
 * The fake Discord's REST API v10: an HTTP server on 127.0.0.1, the route table,
 * request recording (awaitable), `failNext` injection and the check of every
 * request against Discord's OpenAPI description (../discord-spec.ts): a mismatch is
 * recorded and answered 400 `Invalid Form Body` before `failNext` or routing.
 * Handlers live in rest-commands.ts, rest-interactions.ts and rest-channels.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { buffer } from "node:stream/consumers";
import { checkRequest, discordFormErrors } from "../discord-spec.js";
import type { FakeGateway } from "./gateway.js";
import { ChannelHandlers } from "./rest-channels.js";
import { deleteCommand, overwriteCommands, upsertCommand, withCommands } from "./rest-commands.js";
import { InteractionHandlers } from "./rest-interactions.js";
import { isGuildChannel, type FakeState } from "./state.js";
import type { FailureHandle, InjectedResponse, RecordedFile, RecordedRequest, SpecViolation } from "./types.js";
import {
  AwaitableLog,
  defaultFailureBody,
  errorBody,
  lowerKeys,
  notFound,
  omit,
  parseBody,
  safeDecode,
  type Json,
  type Reply,
  type RequestContext,
} from "./util.js";

interface Route {
  method: string;
  pattern: RegExp;
  auth: boolean;
  handle(ctx: RequestContext, params: string[]): Reply;
}

interface Failure {
  match: (method: string, path: string) => boolean;
  reply: Reply;
  remaining: number;
  used: number;
}

export interface RestOptions {
  token: string;
  interactionDeadlineMs: number;
  validateAgainstSpec: boolean;
}

const API_PREFIX = "/api/v10";
const SNOWFLAKE = "(\\d{17,20})";
const TOKEN = "([^/]+)";

export class FakeRest {
  readonly requests: AwaitableLog<RecordedRequest>;
  readonly specViolations: SpecViolation[] = [];
  readonly server: http.Server;
  restApi = "";
  private readonly failures: Failure[] = [];
  private readonly routes: Route[];
  private readonly channels: ChannelHandlers;
  private readonly interactions: InteractionHandlers;

  constructor(
    private readonly state: FakeState,
    private readonly gateway: FakeGateway,
    private readonly options: RestOptions,
    private readonly onRequest: (r: RecordedRequest) => void,
  ) {
    this.requests = new AwaitableLog("request", () => this.describeRecentRequests());
    this.channels = new ChannelHandlers(state, gateway);
    this.interactions = new InteractionHandlers(state, gateway, options.interactionDeadlineMs);
    this.routes = this.buildRoutes();
    this.server = http.createServer((req, res) => void this.onHttp(req, res));
  }

  /** Listens on an ephemeral loopback port; returns it. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.restApi = `http://127.0.0.1:${port}/api`;
    this.state.restApi = this.restApi;
    return port;
  }

  async close(): Promise<void> {
    this.requests.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private describeRecentRequests(): string {
    const lines = this.requests.items.slice(-10).map((r) => `  ${r.method} ${r.path} -> ${r.status}`);
    return lines.length ? `; last requests:\n${lines.join("\n")}` : "; no requests recorded";
  }

  // -------------------------------------------------------------------------
  // Failure injection

  failNext(match: (method: string, path: string) => boolean, response: InjectedResponse): FailureHandle {
    const retryAfter = response.retryAfter ?? 0;
    const global = response.global ?? false;
    const headers: Record<string, string> = {};
    if (response.status === 429) {
      headers["retry-after"] = String(retryAfter);
      headers["x-ratelimit-scope"] = global ? "global" : "user";
      if (global) headers["x-ratelimit-global"] = "true";
    }
    const failure: Failure = {
      match,
      reply: {
        status: response.status,
        body: response.body ?? defaultFailureBody(response.status, retryAfter, global),
        // An empty string removes a default header (e.g. `"retry-after": ""` for a 429 without Retry-After).
        headers: Object.fromEntries(
          Object.entries({ ...headers, ...lowerKeys(response.headers ?? {}) }).filter(([, v]) => v !== ""),
        ),
      },
      remaining: response.times ?? 1,
      used: 0,
    };
    this.failures.push(failure);
    return {
      get used() {
        return failure.used;
      },
      cancel: () => {
        failure.remaining = 0;
      },
    };
  }

  private takeFailure(method: string, path: string): Reply | null {
    for (const f of this.failures) {
      if (f.remaining > 0 && f.match(method, path)) {
        f.remaining -= 1;
        f.used += 1;
        return f.reply;
      }
    }
    return null;
  }

  // -------------------------------------------------------------------------
  // HTTP

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    // discord.js percent-encodes some segments (e.g. `%40original`, emojis); record and route them decoded.
    const rawPath = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || "/" : url.pathname;
    const path = rawPath.split("/").map(safeDecode).join("/");

    let body: unknown = null;
    let files: RecordedFile[] = [];
    let reply: Reply;
    let injected = false;
    try {
      const raw = await buffer(req);
      ({ body, files } = await parseBody(raw, headers["content-type"] ?? ""));
      const violation = !this.options.validateAgainstSpec || !url.pathname.startsWith(API_PREFIX) ? null : this.checkSpec(method, path, body, headers);
      const failure = violation ? null : this.takeFailure(method, path);
      if (violation) {
        reply = violation;
      } else if (failure) {
        reply = failure;
        injected = true;
      } else if (!url.pathname.startsWith(API_PREFIX)) {
        reply = notFound(0, "404: Not Found");
      } else {
        reply = this.route({ method, path, query, body, files, headers, authorized: headers.authorization === `Bot ${this.options.token}` });
      }
    } catch (error) {
      reply =
        error instanceof SyntaxError
          ? { status: 400, body: errorBody(50109, "The request body contains invalid JSON.") }
          : { status: 500, body: errorBody(0, `500: fake Discord crashed: ${String(error)}`) };
    }

    const recorded: RecordedRequest = { method, path, query, body, files, headers, receivedAt, status: reply.status, response: reply.body, injected };
    this.requests.push(recorded);
    this.onRequest(recorded);

    const outHeaders: Record<string, string> = { ...reply.headers };
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status, outHeaders);
      res.end();
    } else {
      const payload = JSON.stringify(reply.body);
      res.writeHead(reply.status, { "content-type": "application/json", ...outHeaders });
      res.end(payload);
    }
  }

  /** Null when the request matches Discord's OpenAPI description; else records it and returns the 400 to answer. */
  private checkSpec(method: string, path: string, body: unknown, headers: Record<string, string>): Reply | null {
    const type = headers["content-type"] ?? "";
    const check =
      body !== null && typeof body === "string" && !type.startsWith("application/json") && !type.startsWith("multipart/form-data")
        ? { ok: false, operation: null, errors: [], text: `${method} ${path}: unsupported content type ${JSON.stringify(type)}` }
        : checkRequest(method, path, body);
    if (check.ok) return null;
    this.specViolations.push({
      method,
      path,
      operationId: check.operation?.operationId ?? null,
      body,
      message: check.text,
      errors: check.errors,
    });
    const errors = check.errors.length > 0 ? discordFormErrors(check.errors) : { _errors: [{ code: "SPEC_VIOLATION", message: check.text }] };
    return { status: 400, body: { ...errorBody(50035, "Invalid Form Body", errors), spec_violation: check.text } };
  }

  private route(ctx: RequestContext): Reply {
    for (const route of this.routes) {
      if (route.method !== ctx.method) continue;
      const m = route.pattern.exec(ctx.path);
      if (!m) continue;
      if (route.auth && !ctx.authorized) return { status: 401, body: errorBody(0, "401: Unauthorized") };
      return route.handle(ctx, m.slice(1).map((p) => p ?? ""));
    }
    return notFound(0, "404: Not Found");
  }

  // -------------------------------------------------------------------------
  // Route table

  private buildRoutes(): Route[] {
    const r = (method: string, path: string, handle: Route["handle"], auth = true): Route => ({
      method,
      pattern: new RegExp(`^${path}$`),
      auth,
      handle,
    });
    const S = SNOWFLAKE;
    const { state, channels, interactions } = this;
    const guild = (id: string | undefined, fn: () => Reply): Reply => (state.hasGuild(id) ? fn() : notFound(10004, "Unknown Guild"));

    return [
      // --- login
      r("GET", "/gateway/bot", () => ({
        status: 200,
        body: {
          url: this.gateway.gatewayUrl,
          shards: this.gateway.recommendedShards,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      })),
      r("GET", "/gateway", () => ({ status: 200, body: { url: this.gateway.gatewayUrl } }), false),
      r("GET", "/users/@me", () => ({ status: 200, body: state.botUser })),
      r("GET", `/users/${S}`, (_c, [id]) => {
        const user = state.users.get(id ?? "");
        return user ? { status: 200, body: user } : notFound(10013, "Unknown User");
      }),
      r("POST", "/users/@me/channels", (c) => channels.createDM(c)),
      r("GET", "/applications/@me", () => ({ status: 200, body: this.application() })),
      r("GET", "/oauth2/applications/@me", () => ({ status: 200, body: this.application() })),

      // --- application commands
      r("GET", `/applications/${S}/commands`, (_c, [app]) =>
        withCommands(state, app ?? "", null, (m) => ({ status: 200, body: [...m.values()] })),
      ),
      r("GET", `/applications/${S}/guilds/${S}/commands`, (_c, [app, g]) =>
        withCommands(state, app ?? "", g ?? "", (m) => ({ status: 200, body: [...m.values()] })),
      ),
      r("PUT", `/applications/${S}/commands`, (c, [app]) =>
        withCommands(state, app ?? "", null, (m) => overwriteCommands(state, m, c.body, null)),
      ),
      r("PUT", `/applications/${S}/guilds/${S}/commands`, (c, [app, g]) =>
        withCommands(state, app ?? "", g ?? "", (m) => overwriteCommands(state, m, c.body, g ?? null)),
      ),
      r("POST", `/applications/${S}/commands`, (c, [app]) =>
        withCommands(state, app ?? "", null, (m) => upsertCommand(state, m, c.body, null)),
      ),
      r("POST", `/applications/${S}/guilds/${S}/commands`, (c, [app, g]) =>
        withCommands(state, app ?? "", g ?? "", (m) => upsertCommand(state, m, c.body, g ?? null)),
      ),
      r("DELETE", `/applications/${S}/commands/${S}`, (_c, [app, id]) =>
        withCommands(state, app ?? "", null, (m) => deleteCommand(m, id ?? "")),
      ),
      r("DELETE", `/applications/${S}/guilds/${S}/commands/${S}`, (_c, [app, g, id]) =>
        withCommands(state, app ?? "", g ?? "", (m) => deleteCommand(m, id ?? "")),
      ),

      // --- interactions (no bot auth: the token in the path authorizes)
      r("POST", `/interactions/${S}/${TOKEN}/callback`, (c, [id, token]) => interactions.callback(c, id ?? "", token ?? ""), false),
      ...["GET", "PATCH", "DELETE"].map((method) =>
        r(method, `/webhooks/${S}/${TOKEN}/messages/(@original|\\d{17,20})`, (c, [app, token, mid]) =>
          interactions.webhookMessage(c, app ?? "", token ?? "", mid ?? ""), false),
      ),
      r("POST", `/webhooks/${S}/${TOKEN}`, (c, [app, token]) => interactions.followUp(c, app ?? "", token ?? ""), false),

      // --- guild
      r("GET", `/guilds/${S}`, (_c, [id]) =>
        guild(id, () => ({
          status: 200,
          body: omit(state.guildCreatePayload(), "channels", "threads", "members", "voice_states", "presences"),
        })),
      ),
      r("GET", `/guilds/${S}/channels`, (_c, [id]) =>
        guild(id, () => ({ status: 200, body: [...state.channels.values()].filter(isGuildChannel) })),
      ),
      r("GET", `/guilds/${S}/roles`, (_c, [id]) => guild(id, () => ({ status: 200, body: state.roles() }))),
      r("GET", `/guilds/${S}/members/${S}`, (_c, [id, userId]) =>
        guild(id, () => {
          const member = state.members.get(userId ?? "");
          return member ? { status: 200, body: member } : notFound(10007, "Unknown Member");
        }),
      ),

      // --- channels & messages
      r("GET", `/channels/${S}`, (_c, [id]) => {
        const channel = state.channels.get(id ?? "");
        return channel ? { status: 200, body: channel } : notFound(10003, "Unknown Channel");
      }),
      r("PATCH", `/channels/${S}`, (c, [id]) => channels.editChannel(c, id ?? "")),
      r("GET", `/channels/${S}/messages`, (c, [id]) => {
        if (!state.channels.has(id ?? "")) return notFound(10003, "Unknown Channel");
        const limit = Math.min(Number(c.query.limit ?? 50) || 50, 100);
        return { status: 200, body: state.channelMessages(id ?? "").reverse().slice(0, limit) };
      }),
      r("GET", `/channels/${S}/messages/${S}`, (_c, [cid, mid]) => {
        if (!state.channels.has(cid ?? "")) return notFound(10003, "Unknown Channel");
        const m = state.messages.get(mid ?? "");
        return m && m.channel_id === cid ? { status: 200, body: state.restMessage(m) } : notFound(10008, "Unknown Message");
      }),
      r("POST", `/channels/${S}/messages`, (c, [id]) => channels.createMessage(c, id ?? "")),
      r("PATCH", `/channels/${S}/messages/${S}`, (c, [cid, mid]) => channels.editMessage(c, cid ?? "", mid ?? "")),
      r("DELETE", `/channels/${S}/messages/${S}`, (_c, [cid, mid]) => {
        const m = state.messages.get(mid ?? "");
        if (!m || m.channel_id !== cid) return notFound(10008, "Unknown Message");
        state.messages.delete(m.id);
        this.gateway.echoDelete(m);
        return { status: 204 };
      }),
      r("POST", `/channels/${S}/typing`, (_c, [id]) => (state.channels.has(id ?? "") ? { status: 204 } : notFound(10003, "Unknown Channel"))),
      r("PUT", `/channels/${S}/messages/${S}/reactions/([^/]+)/@me`, (_c, [cid, mid]) =>
        state.messages.get(mid ?? "")?.channel_id === cid ? { status: 204 } : notFound(10008, "Unknown Message"),
      ),
      r("DELETE", `/channels/${S}/messages/${S}/reactions/([^/]+)/@me`, () => ({ status: 204 })),

      // --- threads
      r("POST", `/channels/${S}/messages/${S}/threads`, (c, [cid, mid]) => channels.startThread(c, cid ?? "", mid ?? "")),
      r("POST", `/channels/${S}/threads`, (c, [cid]) => channels.startThread(c, cid ?? "", null)),
      r("PUT", `/channels/${S}/thread-members/@me`, (_c, [id]) => channels.threadMembership(id ?? "")),
      r("DELETE", `/channels/${S}/thread-members/@me`, (_c, [id]) => channels.threadMembership(id ?? "")),
    ];
  }

  private application(): Json {
    const { state } = this;
    return {
      id: state.applicationId,
      name: state.botUser.username,
      icon: null,
      description: "",
      bot_public: false,
      bot_require_code_grant: false,
      verify_key: "0".repeat(64),
      flags: 0,
      team: null,
      owner: state.users.get(state.ownerId),
      bot: state.botUser,
      tags: [],
      approximate_guild_count: 1,
      integration_types_config: { "0": {} },
    };
  }
}
