/*
 * The fake Discord's gateway: a WebSocket server on the REST server's port
 * (`/gateway`, `/resume`), sessions with HELLO / IDENTIFY / RESUME (replaying what
 * the client missed) / heartbeats, intent filtering, dispatch, and dropConnection.
 * Frames are always plain JSON text (a `compress` query is ignored).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import {
  GatewayDispatchEvents,
  GatewayOpcodes,
  type ApplicationFlags,
  type GatewayReadyDispatchData,
} from "discord.js";
import type { GatewayFrame } from "./types.js";
import { DIRECT_MESSAGES, EPHEMERAL, GUILD_MESSAGES, GUILDS, isDM, type FakeState, type StoredMessage } from "./state.js";
import { AwaitableLog, asRecord, rawToString, type Json } from "./util.js";

export interface Session {
  id: string;
  /** [shard id, shard count] from IDENTIFY ([0, 1] when the client does not shard). */
  shard: [number, number];
  intents: number;
  seq: number;
  sent: { s: number; payload: string }[];
  socket: WebSocket | null;
}

/** Events whose data is the guild itself (its id in `id`, not `guild_id`). */
const GUILD_EVENTS = new Set<string>([GatewayDispatchEvents.GuildCreate, GatewayDispatchEvents.GuildUpdate, GatewayDispatchEvents.GuildDelete]);

/** The shard a guild's events go to: (guild_id >> 22) % shard count, as Discord routes them; DMs go to shard 0. */
export function shardOf(guildId: string | null, count: number): number {
  return guildId === null ? 0 : Number((BigInt(guildId) >> 22n) % BigInt(count));
}

export interface GatewayOptions {
  token: string;
  /** The `shards` GET /gateway/bot recommends. */
  recommendedShards: number;
  heartbeatIntervalMs: number;
  echoBotMessages: boolean;
}

export class FakeGateway {
  readonly frames = new AwaitableLog<GatewayFrame>("gateway frame");
  /** The session of the client that identified (or resumed) last. */
  session: Session | null = null;
  /** The latest session of each shard id, while clients shard (IDENTIFY with `shard`). */
  private readonly shardSessions = new Map<number, Session>();
  gatewayUrl = "";
  private resumeUrl = "";
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<WebSocket>();
  private readonly readyState: { promise: Promise<void>; resolve: () => void };
  private closed = false;

  constructor(
    private readonly state: FakeState,
    private readonly options: GatewayOptions,
    private readonly onFrame: (frame: GatewayFrame) => void,
  ) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.readyState = { promise, resolve };
  }

  /** Serves the gateway on `server`'s upgrade requests (call once it listens on `port`). */
  attach(server: Server, port: number): void {
    this.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    this.resumeUrl = `ws://127.0.0.1:${port}/resume`;
    server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  async ready(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`fake Discord: no client became ready within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.readyState.promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when a client identified with every bit of `intent`. */
  wants(intent: number): boolean {
    return this.session !== null && (this.session.intents & intent) === intent;
  }

  shards(): { shard: [number, number]; connected: boolean }[] {
    return [...this.shardSessions.values()].map((s) => ({ shard: s.shard, connected: s.socket !== null }));
  }

  get recommendedShards(): number {
    return this.options.recommendedShards;
  }

  /**
   * The session that receives a guild's events (`guildId` null: a DM's): with sharded clients, that of shard
   * (guild_id >> 22) % count; otherwise the last session.
   */
  sessionFor(guildId: string | null): Session | null {
    const count = this.session?.shard[1] ?? 1;
    if (count === 1) return this.session;
    const owner = this.shardSessions.get(shardOf(guildId, count));
    return owner && owner.shard[1] === count ? owner : null;
  }

  requireSession(what: string, guildId: string | null = null): Session {
    const session = this.sessionFor(guildId);
    if (!session) {
      throw new Error(`fake Discord: cannot send ${what}: ${this.session ? `no client has identified as shard ${shardOf(guildId, this.session.shard[1])}` : "no client has identified on the gateway"}`);
    }
    return session;
  }

  /** The session an event goes to, by the guild its data names (guild_id; a GUILD_CREATE/UPDATE/DELETE's id; none: shard 0). */
  private route(event: string, data: unknown): Session | null {
    const record = typeof data === "object" && data !== null ? (data as { guild_id?: unknown; id?: unknown }) : {};
    const named = GUILD_EVENTS.has(event) ? record.id : record.guild_id;
    return this.sessionFor(typeof named === "string" ? named : null);
  }

  /** The intent a message's MESSAGE_* events need: DirectMessages in DMs, GuildMessages elsewhere. */
  messageIntent(message: StoredMessage): number {
    return isDM(this.state.channels.get(message.channel_id)) ? DIRECT_MESSAGES : GUILD_MESSAGES;
  }

  /** Echoes a message the bot created or edited, as Discord does (not ephemeral ones). */
  echo(event: "MESSAGE_CREATE" | "MESSAGE_UPDATE", message: StoredMessage): void {
    if (!this.options.echoBotMessages || (message.flags ?? 0) & EPHEMERAL) return;
    this.dispatchIf(this.messageIntent(message), event, this.state.gatewayMessage(message));
  }

  echoDelete(message: StoredMessage): void {
    if (!this.options.echoBotMessages || (message.flags ?? 0) & EPHEMERAL) return;
    this.dispatchIf(this.messageIntent(message), GatewayDispatchEvents.MessageDelete, {
      id: message.id,
      channel_id: message.channel_id,
      ...(message.guild_id ? { guild_id: message.guild_id } : {}),
    });
  }

  /** Dispatches when the client identified with `intent` (e.g. GUILDS for THREAD_CREATE); returns whether it did. */
  dispatchIf(intent: number, event: string, data: unknown): boolean {
    const session = this.route(event, data);
    if (!session || (session.intents & intent) !== intent) return false;
    this.dispatch(event, data, session);
    return true;
  }

  /** Sends `event` to `session`; by default to the session of the guild its data names (see sessionFor). */
  dispatch(event: string, data: unknown, session: Session | null = this.route(event, data)): number {
    if (!session) throw new Error(`fake Discord: cannot dispatch ${event}: no client has identified on the gateway${this.session ? " as the shard of its guild" : ""}`);
    session.seq += 1;
    const s = session.seq;
    const payload = JSON.stringify({ op: GatewayOpcodes.Dispatch, t: event, s, d: data });
    session.sent.push({ s, payload });
    if (session.sent.length > 1000) session.sent.shift();
    if (session.socket) this.sendRaw(session.socket, payload, s, { op: GatewayOpcodes.Dispatch, t: event, d: data });
    return s;
  }

  dropConnection(code: number): void {
    const socket = this.session?.socket;
    if (!socket) throw new Error("fake Discord: no gateway connection to drop");
    socket.close(code, "Dropped by the fake");
  }

  async close(): Promise<void> {
    this.closed = true;
    this.frames.close();
    // 4004 is unrecoverable for discord.js, so a client still connected stops reconnecting.
    const closing = [...this.sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          const force = setTimeout(() => ws.terminate(), 500);
          ws.once("close", () => {
            clearTimeout(force);
            resolve();
          });
          ws.close(4004, "Fake Discord shut down");
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // -------------------------------------------------------------------------

  private record(frame: GatewayFrame): void {
    this.frames.push(frame);
    this.onFrame(frame);
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (this.closed || (url.pathname !== "/gateway" && url.pathname !== "/resume")) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url));
  }

  private onConnection(ws: WebSocket, url: URL): void {
    this.sockets.add(ws);
    let session: Session | null = null;
    ws.on("close", () => {
      this.sockets.delete(ws);
      if (session && session.socket === ws) session.socket = null;
    });
    ws.on("error", () => ws.terminate());

    if (url.searchParams.get("v") !== "10") {
      ws.close(4012, "Invalid API version");
      return;
    }
    if ((url.searchParams.get("encoding") ?? "json") !== "json") {
      ws.close(4002, "Only encoding=json is supported by the fake");
      return;
    }
    this.send(ws, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ["fake-gateway"] } });

    ws.on("message", (data: RawData) => {
      let payload: Json;
      try {
        // Clients never send compressed frames; text or binary, the payload is JSON.
        payload = asRecord(JSON.parse(rawToString(data)));
      } catch {
        ws.close(4002, "Decode error");
        return;
      }
      const op = typeof payload.op === "number" ? payload.op : -1;
      this.record({ direction: "in", op, t: null, s: null, d: payload.d, at: performance.now() });
      const d = asRecord(payload.d);
      switch (op) {
        case GatewayOpcodes.Heartbeat:
          this.send(ws, { op: GatewayOpcodes.HeartbeatAck });
          return;
        case GatewayOpcodes.Identify: {
          if (session) {
            ws.close(4005, "Already authenticated");
            return;
          }
          if (d.token !== this.options.token) {
            ws.close(4004, "Authentication failed");
            return;
          }
          if (typeof d.intents !== "number") {
            ws.close(4013, "Invalid intent(s)");
            return;
          }
          const shard = d.shard === undefined ? [0, 1] : d.shard;
          if (!Array.isArray(shard) || shard.length !== 2 || !shard.every(Number.isInteger) || shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]) {
            ws.close(4010, "Invalid shard");
            return;
          }
          session = { id: randomBytes(16).toString("hex"), shard: [shard[0] as number, shard[1] as number], intents: d.intents, seq: 0, sent: [], socket: ws };
          this.sessions.set(session.id, session);
          this.session = session;
          this.shardSessions.set(session.shard[0], session);
          this.sendReady(session);
          return;
        }
        case GatewayOpcodes.Resume: {
          const resumed = this.sessions.get(String(d.session_id));
          if (d.token !== this.options.token) {
            ws.close(4004, "Authentication failed");
            return;
          }
          if (!resumed || typeof d.seq !== "number" || d.seq > resumed.seq) {
            this.send(ws, { op: GatewayOpcodes.InvalidSession, d: false });
            return;
          }
          if (resumed.socket && resumed.socket !== ws) resumed.socket.terminate();
          session = resumed;
          resumed.socket = ws;
          this.session = resumed;
          this.shardSessions.set(resumed.shard[0], resumed);
          for (const item of resumed.sent) if (item.s > d.seq) this.sendRaw(ws, item.payload, item.s);
          this.dispatch(GatewayDispatchEvents.Resumed, null, resumed);
          return;
        }
        case GatewayOpcodes.PresenceUpdate:
        case GatewayOpcodes.VoiceStateUpdate:
          if (!session) ws.close(4003, "Not authenticated");
          return;
        case GatewayOpcodes.RequestGuildMembers: {
          if (!session) {
            ws.close(4003, "Not authenticated");
            return;
          }
          const members = this.state.members;
          const guildId = typeof d.guild_id === "string" ? d.guild_id : this.state.guildId;
          const ids = Array.isArray(d.user_ids) ? d.user_ids.map(String) : typeof d.user_ids === "string" ? [d.user_ids] : null;
          this.dispatch(GatewayDispatchEvents.GuildMembersChunk, {
            guild_id: guildId,
            members: [...members.values()].filter((m) => !ids || ids.includes(m.user.id)),
            chunk_index: 0,
            chunk_count: 1,
            not_found: ids ? ids.filter((id) => !members.has(id)) : [],
            ...(d.nonce !== undefined ? { nonce: d.nonce } : {}),
          }, session);
          return;
        }
        default:
          ws.close(session ? 4001 : 4003, session ? "Unknown opcode" : "Not authenticated");
      }
    });
  }

  private sendReady(session: Session): void {
    const { state } = this;
    // A shard is told of, and then sent, only the guilds it owns.
    const guilds = state.guildIds().filter((id) => shardOf(id, session.shard[1]) === session.shard[0]);
    const ready: GatewayReadyDispatchData & Json = {
      v: 10,
      user: state.botUser,
      guilds: guilds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.resumeUrl,
      shard: session.shard,
      application: { id: state.applicationId, flags: 0 as ApplicationFlags, flags_new: "0" },
      user_settings: {},
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      _trace: ["fake-gateway"],
    };
    this.dispatch(GatewayDispatchEvents.Ready, ready, session);
    if ((session.intents & GUILDS) === GUILDS) {
      for (const id of guilds) this.dispatch(GatewayDispatchEvents.GuildCreate, state.guildCreatePayload(id), session);
    }
    this.readyState.resolve();
  }

  private send(ws: WebSocket, payload: { op: number; d?: unknown; t?: string | null; s?: number | null }): void {
    const full = { op: payload.op, d: payload.d ?? null, s: payload.s ?? null, t: payload.t ?? null };
    this.sendRaw(ws, JSON.stringify(full), full.s, full);
  }

  private sendRaw(ws: WebSocket, text: string, s: number | null, parsed?: { op: number; d: unknown; t: string | null }): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(text);
    const p = parsed ?? (JSON.parse(text) as { op: number; d: unknown; t: string | null });
    this.record({ direction: "out", op: p.op, t: p.t, s, d: p.d, at: performance.now() });
  }
}
