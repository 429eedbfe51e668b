/*
 * A local fake of Discord (REST API v10 + JSON gateway v10) that a real
 * discord.js `Client` can log into and be driven by. Everything listens on
 * 127.0.0.1 on an ephemeral port; nothing leaves the machine.
 *
 *   const fake = await startFakeDiscord();
 *   const client = new Client({ intents, rest: { api: fake.restApi } });
 *   await client.login(fake.token);
 *   await fake.ready();
 *   const { id, token } = fake.slashCommand({ name: "ping" });
 *   const cb = await fake.waitForRequest((r) => r.path === `/interactions/${id}/${token}/callback`);
 *   ...
 *   await client.destroy();   // first: see close()
 *   await fake.close();
 *
 * What it models (read from discord.js 14.28 / @discordjs/rest 2.6 / @discordjs/ws 1.2 sources):
 * - login only needs `GET /gateway/bot`; the gateway then needs HELLO, READY and
 *   one GUILD_CREATE per guild listed (unavailable) in READY before `clientReady`.
 * - Interaction callbacks (3 s deadline, single acknowledgement), the interaction
 *   webhook (`@original`, follow-ups; the first follow-up after a defer replaces the
 *   "thinking" message), channel messages, threads (a thread started from a message
 *   has the message's id, and THREAD_CREATE is dispatched), application commands.
 * - Messages the bot creates are echoed as MESSAGE_CREATE/UPDATE/DELETE (non-ephemeral
 *   only) as Discord does; intents are honoured (no GuildMessages intent: no guild
 *   message events; no MessageContent intent: content blanked unless the bot is mentioned).
 * - Failures can be injected per route with `failNext` (5xx, 429 with Retry-After, ...).
 * - Every REST request is checked against Discord's own OpenAPI description
 *   (./discord-spec.ts, test/fixtures/discord-api-spec): an unknown method/path or a body
 *   its schema rejects is answered 400 `Invalid Form Body` (50035, with a `spec_violation`
 *   text) before `failNext` or routing, and recorded in `specViolations`
 *   (`assertNoSpecViolations()` throws listing them). Off with `validateAgainstSpec: false`.
 * Not modelled: DMs, permissions enforcement, real rate-limit buckets, zlib/etf encodings
 * (a `compress` query is ignored; frames are always plain JSON text, which @discordjs/ws accepts).
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { buffer } from "node:stream/consumers";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
  type APIApplicationCommand,
  type ApplicationFlags,
  type ChannelFlags,
  type GuildMemberFlags,
  type GuildSystemChannelFlags,
  type RoleFlags,
  type UserFlags,
  type APIChannel,
  type APIGuildMember,
  type APIInteractionDataResolved,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIRole,
  type APITextChannel,
  type APIThreadChannel,
  type APIUser,
  type GatewayGuildCreateDispatchData,
  type GatewayReadyDispatchData,
} from "discord.js";
import { checkRequest, discordFormErrors, warmUpSpec } from "./discord-spec.js";

// ---------------------------------------------------------------------------
// Public types

export interface RecordedFile {
  readonly field: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path without the `/api/v10` prefix and without the query, e.g. `/channels/123/messages`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Parsed JSON body, the parsed `payload_json` part of a multipart body, the raw text otherwise, or null. */
  readonly body: unknown;
  readonly files: readonly RecordedFile[];
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** performance.now() when the request arrived. */
  readonly receivedAt: number;
  /** Status the fake answered with. */
  readonly status: number;
  /** Body the fake answered with (undefined for 204). */
  readonly response: unknown;
  /** True when the answer came from `failNext`. */
  readonly injected: boolean;
}

/** A request whose method, path or body does not match Discord's OpenAPI description. */
export interface SpecViolation {
  readonly method: string;
  readonly path: string;
  /** The spec operation matched (`create_message`, ...), or null when none matches. */
  readonly operationId: string | null;
  readonly body: unknown;
  /** One line per problem, e.g. `POST /channels/1/messages (create_message, ...): /embeds/0/title must NOT have more than 256 characters`. */
  readonly message: string;
  /** The raw ajv errors. */
  readonly errors: readonly unknown[];
}

export interface GatewayFrame {
  readonly direction: "in" | "out";
  readonly op: number;
  readonly t: string | null;
  readonly s: number | null;
  readonly d: unknown;
  /** performance.now() when received / sent. */
  readonly at: number;
}

export interface InjectedResponse {
  status: number;
  /** Defaults to a Discord-style error body for the status (429: `{ message, retry_after, global }`). */
  body?: unknown;
  /** Extra response headers; an empty string removes a default one (e.g. `{ "retry-after": "" }`). */
  headers?: Record<string, string>;
  /** How many matching requests get this answer (default 1; `Infinity` for all). */
  times?: number;
  /** For 429: seconds, sent as `Retry-After` header and `retry_after` body field (default 0). */
  retryAfter?: number;
  /** For 429: mark as a global rate limit (`X-RateLimit-Global`, scope global). */
  global?: boolean;
}

export interface FailureHandle {
  /** How many requests this injection has answered so far. */
  readonly used: number;
  cancel(): void;
}

export interface CommandOption {
  name: string;
  type: number;
  value?: unknown;
  focused?: boolean;
  options?: CommandOption[];
}

export interface InteractionUserOptions {
  /** An existing fake user's id, or a new id to create a user with. */
  userId?: string;
  /** Finds (or creates) a fake user with this username. */
  username?: string;
  /** Defaults to the guild's text channel; may be a thread created through the fake. */
  channelId?: string;
  locale?: string;
}

export interface SlashCommandOptions extends InteractionUserOptions {
  name: string;
  options?: CommandOption[];
}

export interface ButtonClickOptions extends InteractionUserOptions {
  customId: string;
  /**
   * The message carrying the button. If `id` names a message the fake knows (e.g. one
   * the bot sent), that message is used, overlaid with the other given fields; otherwise
   * a bot message with a button is fabricated. Default: a fabricated message.
   */
  message?: { id: string; channel_id?: string } & Record<string, unknown>;
}

export interface DispatchResult {
  readonly id: string;
  readonly token: string;
  /** performance.now() when the INTERACTION_CREATE was written to the gateway socket (or queued). */
  readonly sentAt: number;
}

export interface MessageCreateOptions {
  content: string;
  channelId?: string;
  userId?: string;
  username?: string;
  /** Prefixes `<@botId> ` to the content and puts the bot in `mentions`. */
  mentionBot?: boolean;
  /** Replies to this message id (type 19, message_reference). */
  replyTo?: string;
}

export interface MessageCreateResult {
  readonly id: string;
  readonly channelId: string;
  readonly sentAt: number;
  /** False when the client's intents exclude guild messages (nothing was dispatched). */
  readonly delivered: boolean;
}

export interface FakeDiscordOptions {
  guildId?: string;
  guildName?: string;
  channelId?: string;
  channelName?: string;
  applicationId?: string;
  botId?: string;
  botUsername?: string;
  token?: string;
  /** HELLO heartbeat_interval (default 41250 like Discord). */
  heartbeatIntervalMs?: number;
  /** How long after INTERACTION_CREATE a callback is accepted (default 3000, like Discord). */
  interactionDeadlineMs?: number;
  /** Dispatch MESSAGE_CREATE/UPDATE/DELETE for messages the bot creates (default true, like Discord). */
  echoBotMessages?: boolean;
  /**
   * Check every REST request (method, path and JSON or payload_json body) against Discord's
   * OpenAPI description (test/fixtures/discord-api-spec); a mismatch is recorded in
   * `specViolations` and answered 400 `Invalid Form Body` (code 50035). Default true.
   */
  validateAgainstSpec?: boolean;
}

export interface FakeDiscordEvents {
  request: [RecordedRequest];
  gateway: [GatewayFrame];
}

export interface FakeDiscord {
  /** Pass as `new Client({ rest: { api: fake.restApi } })` (discord.js appends `/v10/...`). */
  readonly restApi: string;
  /** The gateway URL returned by GET /gateway/bot. */
  readonly gatewayUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  readonly guildId: string;
  /** A text channel in the guild. */
  readonly channelId: string;
  /** The default fake (human) user used when no user is given. */
  readonly defaultUser: APIUser;
  readonly requests: readonly RecordedRequest[];
  readonly gatewayFrames: readonly GatewayFrame[];
  /** Requests that did not match Discord's OpenAPI description (each was answered 400); see `validateAgainstSpec`. */
  readonly specViolations: readonly SpecViolation[];
  /** Throws an error listing every spec violation so far, if any. */
  assertNoSpecViolations(): void;
  /** Messages the fake knows (sent by users through it or created by the bot through REST). */
  readonly messages: ReadonlyMap<string, APIMessage>;
  /** Resolves with the first recorded request (past or future) matching `match`; rejects after timeoutMs (default 5000). */
  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Like waitForRequest, for gateway frames (both directions). */
  waitForGateway(match: (f: GatewayFrame) => boolean, timeoutMs?: number): Promise<GatewayFrame>;
  /** Resolves when a client identified and the gateway sent READY and GUILD_CREATE. */
  ready(timeoutMs?: number): Promise<void>;
  /** INTERACTION_CREATE type 2 (chat input). */
  slashCommand(opts: SlashCommandOptions): DispatchResult;
  /** INTERACTION_CREATE type 4; mark the option being typed with `focused: true`. */
  autocomplete(opts: SlashCommandOptions): DispatchResult;
  /** INTERACTION_CREATE type 3, component_type 2. */
  buttonClick(opts: ButtonClickOptions): DispatchResult;
  /** MESSAGE_CREATE from a fake user. */
  messageCreate(opts: MessageCreateOptions): MessageCreateResult;
  /** Any dispatch event; returns its sequence number. */
  dispatch(event: string, data: unknown): number;
  /** Finds or creates a fake (non-bot) user; it becomes a guild member. */
  user(opts?: { userId?: string; username?: string }): APIUser;
  /** Answers the next matching request(s) with `response` instead of handling it (no side effects). */
  failNext(match: (method: string, path: string) => boolean, response: InjectedResponse): FailureHandle;
  /** Closes the client's gateway socket with `code` (default 4000: the client resumes). */
  dropConnection(code?: number): void;
  on<K extends keyof FakeDiscordEvents>(event: K, listener: (...args: FakeDiscordEvents[K]) => void): unknown;
  off<K extends keyof FakeDiscordEvents>(event: K, listener: (...args: FakeDiscordEvents[K]) => void): unknown;
  /**
   * Stops both servers. Destroy the client first: a still-connected client is
   * disconnected with close code 4004, which discord.js treats as unrecoverable
   * (so it does not keep reconnecting to a dead port).
   */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Snowflakes

const DISCORD_EPOCH = 1420070400000n;
let lastSnowflake = 0n;

/** A valid, strictly increasing snowflake for "now" (17-19 digits, timestamp parseable). */
export function snowflake(): string {
  const now = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
  const next = now > lastSnowflake ? now | (1n << 17n) : lastSnowflake + 1n;
  lastSnowflake = next;
  return next.toString();
}

export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

const iso = (ms: number = Date.now()): string => new Date(ms).toISOString();

// ---------------------------------------------------------------------------
// Internals

type Json = Record<string, unknown>;
type StoredMessage = APIMessage & { guild_id?: string };
type GuildTextLike = APITextChannel & { guild_id: string };
type Thread = APIThreadChannel & { guild_id: string };
type Channel = GuildTextLike | Thread;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface RequestContext {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  files: RecordedFile[];
  headers: Record<string, string>;
  authorized: boolean;
}

interface Route {
  method: string;
  pattern: RegExp;
  auth: boolean;
  handle(ctx: RequestContext, params: string[]): Reply;
}

interface InteractionState {
  id: string;
  token: string;
  type: InteractionType;
  channelId: string;
  user: APIUser;
  commandName: string | null;
  sentAt: number;
  callbackType: number | null;
  originalMessageId: string | null;
  componentMessageId: string | null;
}

interface Session {
  id: string;
  intents: number;
  seq: number;
  sent: { s: number; payload: string }[];
  socket: WebSocket | null;
}

interface Failure {
  match: (method: string, path: string) => boolean;
  reply: Reply;
  remaining: number;
  used: number;
}

interface Waiter<T> {
  match: (x: T) => boolean;
  resolve: (x: T) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const API_PREFIX = "/api/v10";
const SNOWFLAKE = "(\\d{17,20})";
const TOKEN = "([^/]+)";
const MESSAGE_CONTENT = Number(GatewayIntentBits.MessageContent);
const GUILD_MESSAGES = Number(GatewayIntentBits.GuildMessages);
const GUILDS = Number(GatewayIntentBits.Guilds);
const LOADING = Number(MessageFlags.Loading);
const EPHEMERAL = Number(MessageFlags.Ephemeral);
const HAS_THREAD = Number(MessageFlags.HasThread);

const perms = (...flags: bigint[]): string => flags.reduce((a, b) => a | b, 0n).toString();

const EVERYONE_PERMISSIONS = perms(
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.SendMessagesInThreads,
  PermissionFlagsBits.CreatePublicThreads,
  PermissionFlagsBits.EmbedLinks,
  PermissionFlagsBits.AttachFiles,
  PermissionFlagsBits.AddReactions,
  PermissionFlagsBits.UseExternalEmojis,
  PermissionFlagsBits.ReadMessageHistory,
  PermissionFlagsBits.UseApplicationCommands,
  PermissionFlagsBits.ChangeNickname,
);
const BOT_PERMISSIONS = perms(
  BigInt(EVERYONE_PERMISSIONS),
  PermissionFlagsBits.ManageMessages,
  PermissionFlagsBits.ManageThreads,
  PermissionFlagsBits.CreatePrivateThreads,
);

const errorBody = (code: number, message: string, errors?: unknown): Json =>
  errors === undefined ? { message, code } : { message, code, errors };
const formError = (field: string, code: string, message: string): Reply => ({
  status: 400,
  body: errorBody(50035, "Invalid Form Body", { [field]: { _errors: [{ code, message }] } }),
});
const notFound = (code: number, message: string): Reply => ({ status: 404, body: errorBody(code, message) });

function defaultFailureBody(status: number, retryAfter: number, global: boolean): unknown {
  if (status === 429) return { message: "You are being rate limited.", retry_after: retryAfter, global };
  const text = http.STATUS_CODES[status] ?? "Error";
  return errorBody(0, `${status}: ${text}`);
}

function asRecord(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function omit<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...obj };
  for (const key of keys) delete copy[key];
  return copy;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

class FakeDiscordServer extends EventEmitter<FakeDiscordEvents> implements FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  readonly guildId: string;
  readonly channelId: string;
  readonly defaultUser: APIUser;
  readonly requests: RecordedRequest[] = [];
  readonly gatewayFrames: GatewayFrame[] = [];
  readonly specViolations: SpecViolation[] = [];
  readonly messages = new Map<string, StoredMessage>();

  restApi = "";
  gatewayUrl = "";
  private resumeUrl = "";

  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly options: Required<Pick<FakeDiscordOptions, "heartbeatIntervalMs" | "interactionDeadlineMs" | "echoBotMessages" | "validateAgainstSpec">>;
  private readonly guildName: string;
  private readonly everyoneRole: APIRole;
  private readonly botRole: APIRole;
  private readonly ownerId: string;
  private readonly guildCreatedAt = iso();
  private readonly users = new Map<string, APIUser>();
  private readonly members = new Map<string, APIGuildMember>();
  private readonly channels = new Map<string, Channel>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly commandIdsByName = new Map<string, string>();
  private readonly globalCommands = new Map<string, APIApplicationCommand>();
  private readonly guildCommands = new Map<string, Map<string, APIApplicationCommand>>();
  private readonly sessions = new Map<string, Session>();
  private session: Session | null = null;
  private readonly sockets = new Set<WebSocket>();
  private readonly failures: Failure[] = [];
  private readonly requestWaiters = new Set<Waiter<RecordedRequest>>();
  private readonly gatewayWaiters = new Set<Waiter<GatewayFrame>>();
  private readyState: { promise: Promise<void>; resolve: () => void };
  private readonly routes: Route[];
  private closed = false;

  constructor(opts: FakeDiscordOptions) {
    super();
    this.options = {
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
      interactionDeadlineMs: opts.interactionDeadlineMs ?? 3_000,
      echoBotMessages: opts.echoBotMessages ?? true,
      validateAgainstSpec: opts.validateAgainstSpec ?? true,
    };
    this.applicationId = opts.applicationId ?? snowflake();
    const botId = opts.botId ?? this.applicationId;
    this.guildId = opts.guildId ?? snowflake();
    this.channelId = opts.channelId ?? snowflake();
    this.guildName = opts.guildName ?? "Fake Guild";
    this.token =
      opts.token ?? `${Buffer.from(botId).toString("base64url")}.fake.${randomBytes(20).toString("base64url")}`;
    this.botUser = {
      id: botId,
      username: opts.botUsername ?? "fake-bot",
      discriminator: "0",
      global_name: null,
      avatar: null,
      bot: true,
      system: false,
      mfa_enabled: true,
      verified: true,
      flags: 0 as UserFlags,
      public_flags: 0 as UserFlags,
      banner: null,
      accent_color: null,
    };
    this.users.set(botId, this.botUser);

    this.everyoneRole = this.role(this.guildId, "@everyone", EVERYONE_PERMISSIONS, 0);
    this.botRole = { ...this.role(snowflake(), this.botUser.username, BOT_PERMISSIONS, 1), managed: true, tags: { bot_id: botId } };
    this.members.set(botId, this.member(this.botUser, [this.botRole.id]));

    const owner = this.user({ username: "guild-owner" });
    this.ownerId = owner.id;
    this.defaultUser = this.user({ username: "alice" });

    this.channels.set(this.channelId, {
      id: this.channelId,
      type: ChannelType.GuildText,
      guild_id: this.guildId,
      name: opts.channelName ?? "general",
      position: 0,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: null,
      last_pin_timestamp: null,
      rate_limit_per_user: 0,
      default_auto_archive_duration: 1440,
      flags: 0 as ChannelFlags,
    });

    let resolveReady!: () => void;
    const promise = new Promise<void>((resolve) => (resolveReady = resolve));
    this.readyState = { promise, resolve: resolveReady };

    this.routes = this.buildRoutes();
    this.server = http.createServer((req, res) => void this.onHttp(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.restApi = `http://127.0.0.1:${port}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    this.resumeUrl = `ws://127.0.0.1:${port}/resume`;
  }

  // -------------------------------------------------------------------------
  // Model helpers

  private role(id: string, name: string, permissions: string, position: number): APIRole {
    return {
      id,
      name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position,
      permissions,
      managed: false,
      mentionable: false,
      flags: 0 as RoleFlags,
    };
  }

  private member(user: APIUser, roles: string[] = []): APIGuildMember {
    return {
      user,
      nick: null,
      avatar: null,
      banner: null,
      roles,
      joined_at: this.guildCreatedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
      communication_disabled_until: null,
    };
  }

  /** A member object without `user`, as Discord embeds it in messages. */
  private partialMember(userId: string): Omit<APIGuildMember, "user"> {
    const m = this.members.get(userId);
    if (!m) throw new Error(`unknown member ${userId}`);
    return omit(m, "user");
  }

  private permissionsOf(userId: string): string {
    return userId === this.botUser.id ? BOT_PERMISSIONS : EVERYONE_PERMISSIONS;
  }

  user(opts: { userId?: string; username?: string } = {}): APIUser {
    if (opts.userId) {
      const existing = this.users.get(opts.userId);
      if (existing) return existing;
    } else if (opts.username) {
      for (const u of this.users.values()) if (u.username === opts.username && !u.bot) return u;
    } else if (this.defaultUser) {
      return this.defaultUser;
    }
    const id = opts.userId ?? snowflake();
    const user: APIUser = {
      id,
      username: opts.username ?? `user${this.users.size}`,
      discriminator: "0",
      global_name: null,
      avatar: null,
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
      banner: null,
      accent_color: null,
    };
    this.users.set(id, user);
    this.members.set(id, this.member(user));
    return user;
  }

  private channelOrThrow(channelId: string): Channel {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`fake Discord: unknown channel ${channelId}`);
    return channel;
  }

  /** Channel as it appears inside interactions (partial with the invoker's permissions). */
  private interactionChannel(channel: Channel, userId: string): APIChannel & Json {
    return { ...channel, permissions: this.permissionsOf(userId) } as APIChannel & Json;
  }

  private guildCreatePayload(): GatewayGuildCreateDispatchData {
    const channels = [...this.channels.values()].filter((c): c is GuildTextLike => c.type === ChannelType.GuildText);
    const threads = [...this.channels.values()].filter((c): c is Thread => c.type !== ChannelType.GuildText);
    return {
      id: this.guildId,
      name: this.guildName,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: this.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [this.everyoneRole, this.botRole],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0 as GuildSystemChannelFlags,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: "en-US" as GatewayGuildCreateDispatchData["preferred_locale"],
      nsfw_level: 0,
      hub_type: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      max_members: 500_000,
      incidents_data: null,
      // GUILD_CREATE extras
      joined_at: this.guildCreatedAt,
      large: false,
      unavailable: false,
      member_count: this.members.size,
      voice_states: [],
      members: [...this.members.values()],
      // Discord omits guild_id on channels inside GUILD_CREATE
      channels: channels.map((c) => omit(c, "guild_id")),
      threads,
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  private newMessage(channelId: string, author: APIUser, fields: Json, type: MessageType = MessageType.Default): StoredMessage {
    const id = snowflake();
    const message: StoredMessage = {
      id,
      channel_id: channelId,
      guild_id: this.guildId,
      author,
      content: "",
      timestamp: iso(snowflakeTimestamp(id)),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      type,
      flags: 0 as MessageFlags,
      components: [],
    };
    this.applyMessageFields(message, fields);
    this.messages.set(id, message);
    const channel = this.channels.get(channelId);
    if (channel) {
      channel.last_message_id = id;
      if (channel.type !== ChannelType.GuildText) {
        channel.message_count = (channel.message_count ?? 0) + 1;
        channel.total_message_sent = (channel.total_message_sent ?? 0) + 1;
      }
    }
    return message;
  }

  /** Copies the message fields a create/edit body can set. */
  private applyMessageFields(message: StoredMessage, fields: Json): void {
    const target = message as unknown as Json;
    for (const key of ["content", "embeds", "components", "tts", "nonce", "poll", "sticker_items"]) {
      if (key in fields && fields[key] !== undefined && fields[key] !== null) target[key] = fields[key];
    }
    if (typeof fields.flags === "number") {
      // Only SUPPRESS_EMBEDS(4), EPHEMERAL(64), SUPPRESS_NOTIFICATIONS(4096), IS_COMPONENTS_V2 (32768) are settable.
      const settable = 4 | EPHEMERAL | 4096 | 32768;
      message.flags = ((message.flags ?? 0) & ~settable) | (fields.flags & settable);
    }
    if (Array.isArray(fields.attachments)) {
      message.attachments = fields.attachments.map((a, i) => {
        const att = asRecord(a);
        const filename = str(att.filename) ?? `file${i}`;
        const id = snowflake();
        return {
          id,
          filename,
          size: 0,
          url: `${this.restApi}/attachments/${id}/${filename}`,
          proxy_url: `${this.restApi}/attachments/${id}/${filename}`,
        };
      });
    }
    message.mentions = this.mentionsIn(message.content, asRecord(fields.allowed_mentions), "allowed_mentions" in fields);
  }

  /** Users mentioned by `<@id>` in content, filtered by allowed_mentions like Discord does. */
  private mentionsIn(content: string, allowed: Json, hasAllowed: boolean): APIMessage["mentions"] {
    const ids = [...content.matchAll(/<@!?(\d{17,20})>/g)].map((m) => m[1] ?? "");
    const parse = Array.isArray(allowed.parse) ? allowed.parse : null;
    const users = Array.isArray(allowed.users) ? allowed.users : null;
    return [...new Set(ids)]
      .filter((id) => !hasAllowed || parse?.includes("users") || users?.includes(id))
      .map((id) => this.users.get(id))
      .filter((u): u is APIUser => u !== undefined)
      .map((u) => ({ ...u, member: this.partialMember(u.id) }));
  }

  /** REST representation of a stored message (no guild_id/member, as Discord's REST answers). */
  private restMessage(message: StoredMessage): APIMessage {
    return omit(message, "guild_id");
  }

  private gatewayMessage(message: StoredMessage): Json {
    const channel = this.channels.get(message.channel_id);
    return {
      ...message,
      guild_id: this.guildId,
      member: this.members.has(message.author.id) ? this.partialMember(message.author.id) : undefined,
      channel_type: channel?.type,
    };
  }

  private echo(event: "MESSAGE_CREATE" | "MESSAGE_UPDATE", message: StoredMessage): void {
    if (!this.options.echoBotMessages || !this.session) return;
    if ((message.flags ?? 0) & EPHEMERAL) return;
    if (!this.wants(GUILD_MESSAGES)) return;
    this.dispatch(event, this.gatewayMessage(message));
  }

  private echoDelete(message: StoredMessage): void {
    if (!this.options.echoBotMessages || !this.session || (message.flags ?? 0) & EPHEMERAL) return;
    if (!this.wants(GUILD_MESSAGES)) return;
    this.dispatch(GatewayDispatchEvents.MessageDelete, {
      id: message.id,
      channel_id: message.channel_id,
      guild_id: this.guildId,
    });
  }

  private wants(intent: number): boolean {
    return this.session !== null && (this.session.intents & intent) === intent;
  }

  // -------------------------------------------------------------------------
  // Waiting

  private waitFor<T>(
    log: readonly T[],
    waiters: Set<Waiter<T>>,
    match: (x: T) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const found = log.find(match);
    if (found) return Promise.resolve(found);
    if (this.closed) return Promise.reject(new Error(`fake Discord is closed (waiting for ${what})`));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        resolve: (x) => {
          clearTimeout(waiter.timer);
          waiters.delete(waiter);
          resolve(x);
        },
        reject: (e) => {
          clearTimeout(waiter.timer);
          waiters.delete(waiter);
          reject(e);
        },
        timer: setTimeout(() => {
          const recent = what === "request" ? this.describeRecentRequests() : "";
          waiter.reject(new Error(`fake Discord: no matching ${what} within ${timeoutMs} ms${recent}`));
        }, timeoutMs),
      };
      waiters.add(waiter);
    });
  }

  private describeRecentRequests(): string {
    const lines = this.requests.slice(-10).map((r) => `  ${r.method} ${r.path} -> ${r.status}`);
    return lines.length ? `; last requests:\n${lines.join("\n")}` : "; no requests recorded";
  }

  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs = 5_000): Promise<RecordedRequest> {
    return this.waitFor(this.requests, this.requestWaiters, match, timeoutMs, "request");
  }

  waitForGateway(match: (f: GatewayFrame) => boolean, timeoutMs = 5_000): Promise<GatewayFrame> {
    return this.waitFor(this.gatewayFrames, this.gatewayWaiters, match, timeoutMs, "gateway frame");
  }

  async ready(timeoutMs = 10_000): Promise<void> {
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

  private record(frame: GatewayFrame): void {
    this.gatewayFrames.push(frame);
    this.emit("gateway", frame);
    for (const w of [...this.gatewayWaiters]) if (w.match(frame)) w.resolve(frame);
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
        reply = this.route({
          method,
          path,
          query,
          body,
          files,
          headers,
          authorized: headers.authorization === `Bot ${this.token}`,
        });
      }
    } catch (error) {
      reply =
        error instanceof SyntaxError
          ? { status: 400, body: errorBody(50109, "The request body contains invalid JSON.") }
          : { status: 500, body: errorBody(0, `500: fake Discord crashed: ${String(error)}`) };
    }

    const recorded: RecordedRequest = {
      method,
      path,
      query,
      body,
      files,
      headers,
      receivedAt,
      status: reply.status,
      response: reply.body,
      injected,
    };
    this.requests.push(recorded);
    this.emit("request", recorded);
    for (const w of [...this.requestWaiters]) if (w.match(recorded)) w.resolve(recorded);

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

  assertNoSpecViolations(): void {
    if (this.specViolations.length === 0) return;
    const lines = this.specViolations.map((v) => v.message).join("\n");
    throw new Error(`The bot sent ${this.specViolations.length} request(s) that Discord's API description rejects:\n${lines}`);
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

  private buildRoutes(): Route[] {
    const r = (method: string, path: string, handle: Route["handle"], auth = true): Route => ({
      method,
      pattern: new RegExp(`^${path}$`),
      auth,
      handle,
    });
    const S = SNOWFLAKE;
    const appCommands = (appId: string, guildId: string | null): Reply | Map<string, APIApplicationCommand> => {
      if (appId !== this.applicationId) return { status: 403, body: errorBody(50001, "Missing Access") };
      if (guildId === null) return this.globalCommands;
      if (guildId !== this.guildId) return notFound(10004, "Unknown Guild");
      let map = this.guildCommands.get(guildId);
      if (!map) this.guildCommands.set(guildId, (map = new Map()));
      return map;
    };
    const withCommands = (appId: string, guildId: string | null, fn: (m: Map<string, APIApplicationCommand>) => Reply): Reply => {
      const m = appCommands(appId, guildId);
      return m instanceof Map ? fn(m) : m;
    };

    return [
      // --- login
      r("GET", "/gateway/bot", () => ({
        status: 200,
        body: {
          url: this.gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      })),
      r("GET", "/gateway", () => ({ status: 200, body: { url: this.gatewayUrl } }), false),
      r("GET", "/users/@me", () => ({ status: 200, body: this.botUser })),
      r("GET", `/users/${S}`, (_c, [id]) => {
        const user = this.users.get(id ?? "");
        return user ? { status: 200, body: user } : notFound(10013, "Unknown User");
      }),
      r("GET", "/applications/@me", () => ({ status: 200, body: this.application() })),
      r("GET", "/oauth2/applications/@me", () => ({ status: 200, body: this.application() })),

      // --- application commands
      r("GET", `/applications/${S}/commands`, (_c, [app]) =>
        withCommands(app ?? "", null, (m) => ({ status: 200, body: [...m.values()] })),
      ),
      r("GET", `/applications/${S}/guilds/${S}/commands`, (_c, [app, guild]) =>
        withCommands(app ?? "", guild ?? "", (m) => ({ status: 200, body: [...m.values()] })),
      ),
      r("PUT", `/applications/${S}/commands`, (c, [app]) =>
        withCommands(app ?? "", null, (m) => this.overwriteCommands(m, c.body, null)),
      ),
      r("PUT", `/applications/${S}/guilds/${S}/commands`, (c, [app, guild]) =>
        withCommands(app ?? "", guild ?? "", (m) => this.overwriteCommands(m, c.body, guild ?? null)),
      ),
      r("POST", `/applications/${S}/commands`, (c, [app]) =>
        withCommands(app ?? "", null, (m) => this.upsertCommand(m, c.body, null)),
      ),
      r("POST", `/applications/${S}/guilds/${S}/commands`, (c, [app, guild]) =>
        withCommands(app ?? "", guild ?? "", (m) => this.upsertCommand(m, c.body, guild ?? null)),
      ),
      r("DELETE", `/applications/${S}/commands/${S}`, (_c, [app, id]) =>
        withCommands(app ?? "", null, (m) => this.deleteCommand(m, id ?? "")),
      ),
      r("DELETE", `/applications/${S}/guilds/${S}/commands/${S}`, (_c, [app, guild, id]) =>
        withCommands(app ?? "", guild ?? "", (m) => this.deleteCommand(m, id ?? "")),
      ),

      // --- interactions (no bot auth: the token in the path authorizes)
      r("POST", `/interactions/${S}/${TOKEN}/callback`, (c, [id, token]) => this.interactionCallback(c, id ?? "", token ?? ""), false),
      r("GET", `/webhooks/${S}/${TOKEN}/messages/(@original|\\d{17,20})`, (c, [app, token, mid]) =>
        this.webhookMessage(c, app ?? "", token ?? "", mid ?? ""), false),
      r("PATCH", `/webhooks/${S}/${TOKEN}/messages/(@original|\\d{17,20})`, (c, [app, token, mid]) =>
        this.webhookMessage(c, app ?? "", token ?? "", mid ?? ""), false),
      r("DELETE", `/webhooks/${S}/${TOKEN}/messages/(@original|\\d{17,20})`, (c, [app, token, mid]) =>
        this.webhookMessage(c, app ?? "", token ?? "", mid ?? ""), false),
      r("POST", `/webhooks/${S}/${TOKEN}`, (c, [app, token]) => this.followUp(c, app ?? "", token ?? ""), false),

      // --- guild
      r("GET", `/guilds/${S}`, (_c, [id]) => {
        if (id !== this.guildId) return notFound(10004, "Unknown Guild");
        const guild = omit(this.guildCreatePayload(), "channels", "threads", "members", "voice_states", "presences");
        return { status: 200, body: guild };
      }),
      r("GET", `/guilds/${S}/channels`, (_c, [id]) =>
        id === this.guildId
          ? { status: 200, body: [...this.channels.values()].filter((c) => c.type === ChannelType.GuildText) }
          : notFound(10004, "Unknown Guild"),
      ),
      r("GET", `/guilds/${S}/roles`, (_c, [id]) =>
        id === this.guildId ? { status: 200, body: [this.everyoneRole, this.botRole] } : notFound(10004, "Unknown Guild"),
      ),
      r("GET", `/guilds/${S}/members/${S}`, (_c, [id, userId]) => {
        if (id !== this.guildId) return notFound(10004, "Unknown Guild");
        const member = this.members.get(userId ?? "");
        return member ? { status: 200, body: member } : notFound(10007, "Unknown Member");
      }),

      // --- channels & messages
      r("GET", `/channels/${S}`, (_c, [id]) => {
        const channel = this.channels.get(id ?? "");
        return channel ? { status: 200, body: channel } : notFound(10003, "Unknown Channel");
      }),
      r("PATCH", `/channels/${S}`, (c, [id]) => this.editChannel(c, id ?? "")),
      r("GET", `/channels/${S}/messages`, (c, [id]) => {
        if (!this.channels.has(id ?? "")) return notFound(10003, "Unknown Channel");
        const limit = Math.min(Number(c.query.limit ?? 50) || 50, 100);
        const list = [...this.messages.values()]
          .filter((m) => m.channel_id === id && !((m.flags ?? 0) & EPHEMERAL))
          .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
          .slice(0, limit)
          .map((m) => this.restMessage(m));
        return { status: 200, body: list };
      }),
      r("GET", `/channels/${S}/messages/${S}`, (_c, [cid, mid]) => {
        if (!this.channels.has(cid ?? "")) return notFound(10003, "Unknown Channel");
        const m = this.messages.get(mid ?? "");
        return m && m.channel_id === cid ? { status: 200, body: this.restMessage(m) } : notFound(10008, "Unknown Message");
      }),
      r("POST", `/channels/${S}/messages`, (c, [id]) => this.createChannelMessage(c, id ?? "")),
      r("PATCH", `/channels/${S}/messages/${S}`, (c, [cid, mid]) => this.editChannelMessage(c, cid ?? "", mid ?? "")),
      r("DELETE", `/channels/${S}/messages/${S}`, (_c, [cid, mid]) => {
        const m = this.messages.get(mid ?? "");
        if (!m || m.channel_id !== cid) return notFound(10008, "Unknown Message");
        this.messages.delete(m.id);
        this.echoDelete(m);
        return { status: 204 };
      }),
      r("POST", `/channels/${S}/typing`, (_c, [id]) =>
        this.channels.has(id ?? "") ? { status: 204 } : notFound(10003, "Unknown Channel"),
      ),
      r("PUT", `/channels/${S}/messages/${S}/reactions/([^/]+)/@me`, (_c, [cid, mid]) =>
        this.messages.get(mid ?? "")?.channel_id === cid ? { status: 204 } : notFound(10008, "Unknown Message"),
      ),
      r("DELETE", `/channels/${S}/messages/${S}/reactions/([^/]+)/@me`, () => ({ status: 204 })),

      // --- threads
      r("POST", `/channels/${S}/messages/${S}/threads`, (c, [cid, mid]) => this.startThread(c, cid ?? "", mid ?? "")),
      r("POST", `/channels/${S}/threads`, (c, [cid]) => this.startThread(c, cid ?? "", null)),
      r("PUT", `/channels/${S}/thread-members/@me`, (_c, [id]) => this.threadMembership(id ?? "")),
      r("DELETE", `/channels/${S}/thread-members/@me`, (_c, [id]) => this.threadMembership(id ?? "")),
    ];
  }

  private application(): Json {
    return {
      id: this.applicationId,
      name: this.botUser.username,
      icon: null,
      description: "",
      bot_public: false,
      bot_require_code_grant: false,
      verify_key: "0".repeat(64),
      flags: 0,
      team: null,
      owner: this.users.get(this.ownerId),
      bot: this.botUser,
      tags: [],
      approximate_guild_count: 1,
      integration_types_config: { "0": {} },
    };
  }

  // --- commands

  private validateCommand(raw: unknown, index: number | null): { cmd: Json } | { error: Reply } {
    const cmd = asRecord(raw);
    const at = (field: string): string => (index === null ? field : `${index}.${field}`);
    const type = typeof cmd.type === "number" ? cmd.type : ApplicationCommandType.ChatInput;
    const name = str(cmd.name) ?? "";
    const chatInput = type === ApplicationCommandType.ChatInput;
    const validName = chatInput ? /^[-_'\p{L}\p{N}]{1,32}$/u.test(name) && name === name.toLowerCase() : name.length >= 1 && name.length <= 32;
    if (!validName) return { error: formError(at("name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid") };
    const description = str(cmd.description) ?? "";
    if (chatInput && (description.length < 1 || description.length > 100)) {
      return { error: formError(at("description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.") };
    }
    return { cmd: { ...cmd, type, name, description: chatInput ? description : "" } };
  }

  private commandObject(map: Map<string, APIApplicationCommand>, cmd: Json, guildId: string | null): APIApplicationCommand {
    const name = String(cmd.name);
    const existing = map.get(`${String(cmd.type)}:${name}`);
    const id = existing?.id ?? this.commandIdsByName.get(name) ?? snowflake();
    this.commandIdsByName.set(name, id);
    return {
      ...cmd,
      id,
      application_id: this.applicationId,
      ...(guildId ? { guild_id: guildId } : {}),
      name_localizations: (cmd.name_localizations as APIApplicationCommand["name_localizations"]) ?? null,
      description_localizations: (cmd.description_localizations as APIApplicationCommand["description_localizations"]) ?? null,
      default_member_permissions: (cmd.default_member_permissions as string | null | undefined) ?? null,
      nsfw: (cmd.nsfw as boolean | undefined) ?? false,
      contexts: (cmd.contexts as APIApplicationCommand["contexts"]) ?? null,
      integration_types: (cmd.integration_types as APIApplicationCommand["integration_types"]) ?? [0],
      version: snowflake(),
    } as APIApplicationCommand;
  }

  private overwriteCommands(map: Map<string, APIApplicationCommand>, body: unknown, guildId: string | null): Reply {
    if (!Array.isArray(body)) return formError("_", "BASE_TYPE_ARRAY", "Must be an array.");
    if (body.length > 100) return formError("_", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.");
    const next = new Map<string, APIApplicationCommand>();
    for (const [i, raw] of body.entries()) {
      const v = this.validateCommand(raw, i);
      if ("error" in v) return v.error;
      const key = `${String(v.cmd.type)}:${String(v.cmd.name)}`;
      if (next.has(key)) return formError(`${i}.name`, "APPLICATION_COMMANDS_DUPLICATE_NAME", `Application command names must be unique`);
      next.set(key, this.commandObject(map, v.cmd, guildId));
    }
    map.clear();
    for (const [k, v] of next) map.set(k, v);
    return { status: 200, body: [...map.values()] };
  }

  private upsertCommand(map: Map<string, APIApplicationCommand>, body: unknown, guildId: string | null): Reply {
    const v = this.validateCommand(body, null);
    if ("error" in v) return v.error;
    const key = `${String(v.cmd.type)}:${String(v.cmd.name)}`;
    const existed = map.has(key);
    const cmd = this.commandObject(map, v.cmd, guildId);
    map.set(key, cmd);
    return { status: existed ? 200 : 201, body: cmd };
  }

  private deleteCommand(map: Map<string, APIApplicationCommand>, id: string): Reply {
    for (const [k, v] of map) {
      if (v.id === id) {
        map.delete(k);
        return { status: 204 };
      }
    }
    return notFound(10063, "Unknown application command");
  }

  private commandId(name: string): string {
    for (const m of [this.guildCommands.get(this.guildId), this.globalCommands]) {
      const cmd = m?.get(`${ApplicationCommandType.ChatInput}:${name}`);
      if (cmd) return cmd.id;
    }
    let id = this.commandIdsByName.get(name);
    if (!id) this.commandIdsByName.set(name, (id = snowflake()));
    return id;
  }

  private commandGuildId(name: string): string | undefined {
    return this.guildCommands.get(this.guildId)?.has(`${ApplicationCommandType.ChatInput}:${name}`) ? this.guildId : undefined;
  }

  // --- interactions

  private interactionFor(token: string): InteractionState | undefined {
    return this.interactions.get(token);
  }

  private interactionCallback(ctx: RequestContext, id: string, token: string): Reply {
    const state = this.interactionFor(token);
    if (!state || state.id !== id) return notFound(10062, "Unknown interaction");
    if (performance.now() - state.sentAt > this.options.interactionDeadlineMs) return notFound(10062, "Unknown interaction");
    if (state.callbackType !== null) return { status: 400, body: errorBody(40060, "Interaction has already been acknowledged.") };
    const body = asRecord(ctx.body);
    const type = body.type;
    const data = asRecord(body.data);
    const allowed: Record<number, number[]> = {
      [InteractionType.ApplicationCommand]: [4, 5, 9, 12],
      [InteractionType.MessageComponent]: [4, 5, 6, 7, 9, 12],
      [InteractionType.ApplicationCommandAutocomplete]: [8],
      [InteractionType.ModalSubmit]: [4, 5, 6, 7],
    };
    if (typeof type !== "number" || !(allowed[state.type] ?? []).includes(type)) {
      return formError("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type");
    }

    let message: StoredMessage | null = null;
    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource: {
        if (!hasContent(data)) return { status: 400, body: errorBody(50006, "Cannot send an empty message") };
        message = this.interactionMessage(state, data, false);
        break;
      }
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        message = this.interactionMessage(state, { flags: typeof data.flags === "number" ? data.flags : 0 }, true);
        break;
      }
      case InteractionResponseType.UpdateMessage: {
        const target = state.componentMessageId ? this.messages.get(state.componentMessageId) : undefined;
        if (target) {
          this.applyMessageFields(target, data);
          target.edited_timestamp = iso();
          this.echo("MESSAGE_UPDATE", target);
          message = target;
        }
        state.originalMessageId = state.componentMessageId;
        break;
      }
      case InteractionResponseType.DeferredMessageUpdate:
        state.originalMessageId = state.componentMessageId;
        break;
      case InteractionResponseType.ApplicationCommandAutocompleteResult: {
        const choices = Array.isArray(data.choices) ? data.choices : null;
        if (!choices) return formError("data.choices", "BASE_TYPE_REQUIRED", "This field is required");
        if (choices.length > 25) return formError("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
        break;
      }
      default:
        break;
    }
    state.callbackType = type;

    if (ctx.query.with_response === "true") {
      return {
        status: 200,
        body: {
          interaction: {
            id: state.id,
            type: state.type,
            response_message_id: message?.id,
            response_message_loading: message ? ((message.flags ?? 0) & LOADING) !== 0 : undefined,
            response_message_ephemeral: message ? ((message.flags ?? 0) & EPHEMERAL) !== 0 : undefined,
          },
          resource: { type, ...(message ? { message: this.restMessage(message) } : {}) },
        },
      };
    }
    return { status: 204 };
  }

  private interactionMessage(state: InteractionState, data: Json, loading: boolean): StoredMessage {
    const isCommand = state.type === InteractionType.ApplicationCommand;
    const message = this.newMessage(state.channelId, this.botUser, data, isCommand ? MessageType.ChatInputCommand : MessageType.Default);
    if (loading) message.flags = (message.flags ?? 0) | LOADING;
    message.webhook_id = this.applicationId;
    message.application_id = this.applicationId;
    message.interaction_metadata = {
      id: state.id,
      type: state.type,
      user: state.user,
      authorizing_integration_owners: { "0": this.guildId },
      ...(state.componentMessageId ? { interacted_message_id: state.componentMessageId } : {}),
    } as APIMessage["interaction_metadata"];
    state.originalMessageId = message.id;
    this.echo("MESSAGE_CREATE", message);
    return message;
  }

  private webhookMessage(ctx: RequestContext, appId: string, token: string, which: string): Reply {
    const state = this.interactionFor(token);
    if (!state || appId !== this.applicationId) return notFound(10015, "Unknown Webhook");
    const id = which === "@original" ? state.originalMessageId : which;
    const message = id ? this.messages.get(id) : undefined;
    if (!message) return notFound(10008, "Unknown Message");
    if (ctx.method === "GET") return { status: 200, body: this.restMessage(message) };
    if (ctx.method === "DELETE") {
      this.messages.delete(message.id);
      if (message.id === state.originalMessageId) state.originalMessageId = null;
      this.echoDelete(message);
      return { status: 204 };
    }
    const body = asRecord(ctx.body);
    const wasLoading = ((message.flags ?? 0) & LOADING) !== 0;
    const ephemeral = (message.flags ?? 0) & EPHEMERAL;
    const edited = structuredClone(message);
    this.applyMessageFields(edited, { ...body, flags: undefined });
    if (!hasContent(edited as unknown as Json)) return { status: 400, body: errorBody(50006, "Cannot send an empty message") };
    Object.assign(message, edited);
    message.flags = ((message.flags ?? 0) & ~LOADING) | ephemeral;
    if (!wasLoading) message.edited_timestamp = iso();
    this.echo("MESSAGE_UPDATE", message);
    return { status: 200, body: this.restMessage(message) };
  }

  private followUp(ctx: RequestContext, appId: string, token: string): Reply {
    const state = this.interactionFor(token);
    if (!state || appId !== this.applicationId || state.callbackType === null) return notFound(10015, "Unknown Webhook");
    const body = asRecord(ctx.body);
    if (!hasContent(body) && ctx.files.length === 0) return { status: 400, body: errorBody(50006, "Cannot send an empty message") };
    const original = state.originalMessageId ? this.messages.get(state.originalMessageId) : undefined;
    let message: StoredMessage;
    if (original && (original.flags ?? 0) & LOADING) {
      // Discord: the first follow-up after a deferred reply replaces the "thinking" message.
      const ephemeral = (original.flags ?? 0) & EPHEMERAL;
      this.applyMessageFields(original, { ...body, flags: undefined });
      original.flags = ((original.flags ?? 0) & ~LOADING) | ephemeral;
      this.echo("MESSAGE_UPDATE", original);
      message = original;
    } else {
      message = this.newMessage(state.channelId, this.botUser, body);
      message.webhook_id = this.applicationId;
      message.application_id = this.applicationId;
      this.echo("MESSAGE_CREATE", message);
    }
    return ctx.query.wait === "false" ? { status: 204 } : { status: 200, body: this.restMessage(message) };
  }

  // --- channel messages

  private createChannelMessage(ctx: RequestContext, channelId: string): Reply {
    const channel = this.channels.get(channelId);
    if (!channel) return notFound(10003, "Unknown Channel");
    if (channel.type !== ChannelType.GuildText && channel.thread_metadata?.archived && channel.thread_metadata.locked) {
      return { status: 400, body: errorBody(50083, "Thread is archived") };
    }
    const body = asRecord(ctx.body);
    if (!hasContent(body) && ctx.files.length === 0) return { status: 400, body: errorBody(50006, "Cannot send an empty message") };
    if (typeof body.content === "string" && body.content.length > 2000) {
      return formError("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.");
    }
    const ref = asRecord(body.message_reference);
    let referenced: StoredMessage | undefined;
    if (typeof ref.message_id === "string") {
      referenced = this.messages.get(ref.message_id);
      if ((!referenced || referenced.channel_id !== (str(ref.channel_id) ?? channelId)) && ref.fail_if_not_exists !== false) {
        return formError("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message");
      }
    }
    const message = this.newMessage(channelId, this.botUser, body, referenced ? MessageType.Reply : MessageType.Default);
    if (ctx.files.length > 0) {
      message.attachments = ctx.files.map((f) => {
        const id = snowflake();
        return {
          id,
          filename: f.name,
          size: f.size,
          content_type: f.contentType,
          url: `${this.restApi}/attachments/${id}/${f.name}`,
          proxy_url: `${this.restApi}/attachments/${id}/${f.name}`,
        };
      });
    }
    if (referenced) {
      message.message_reference = { type: 0, message_id: referenced.id, channel_id: referenced.channel_id, guild_id: this.guildId };
      message.referenced_message = this.restMessage(referenced);
      const allowed = asRecord(body.allowed_mentions);
      const pingReplied = !("allowed_mentions" in body) || allowed.replied_user === true;
      if (pingReplied && !message.mentions.some((u) => u.id === referenced.author.id) && this.members.has(referenced.author.id)) {
        message.mentions.push({ ...referenced.author, member: this.partialMember(referenced.author.id) } as APIMessage["mentions"][number]);
      }
    }
    this.echo("MESSAGE_CREATE", message);
    return { status: 200, body: this.restMessage(message) };
  }

  private editChannelMessage(ctx: RequestContext, channelId: string, messageId: string): Reply {
    const message = this.messages.get(messageId);
    if (!message || message.channel_id !== channelId) return notFound(10008, "Unknown Message");
    if (message.author.id !== this.botUser.id) {
      return { status: 403, body: errorBody(50005, "Cannot edit a message authored by another user") };
    }
    this.applyMessageFields(message, asRecord(ctx.body));
    message.edited_timestamp = iso();
    this.echo("MESSAGE_UPDATE", message);
    return { status: 200, body: this.restMessage(message) };
  }

  // --- threads

  private startThread(ctx: RequestContext, channelId: string, messageId: string | null): Reply {
    const parent = this.channels.get(channelId);
    if (!parent) return notFound(10003, "Unknown Channel");
    if (parent.type !== ChannelType.GuildText) return { status: 400, body: errorBody(50024, "Cannot execute action on this channel type") };
    const body = asRecord(ctx.body);
    const name = str(body.name) ?? "";
    if (name.length < 1 || name.length > 100) return formError("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");

    let starter: StoredMessage | undefined;
    if (messageId !== null) {
      starter = this.messages.get(messageId);
      if (!starter || starter.channel_id !== channelId) return notFound(10008, "Unknown Message");
      if (starter.thread || (starter.flags ?? 0) & HAS_THREAD) {
        return { status: 400, body: errorBody(160004, "A thread has already been created for this message") };
      }
    }
    const type =
      messageId !== null
        ? ChannelType.PublicThread
        : body.type === ChannelType.PublicThread || body.type === ChannelType.PrivateThread
          ? body.type
          : ChannelType.PrivateThread;
    const now = iso();
    // A thread started from a message has the message's id.
    const id = starter?.id ?? snowflake();
    const thread: Thread = {
      id,
      type,
      guild_id: this.guildId,
      parent_id: channelId,
      owner_id: this.botUser.id,
      name,
      last_message_id: null,
      rate_limit_per_user: typeof body.rate_limit_per_user === "number" ? body.rate_limit_per_user : 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      flags: 0 as ChannelFlags,
      thread_metadata: {
        archived: false,
        auto_archive_duration: typeof body.auto_archive_duration === "number" ? (body.auto_archive_duration as 60) : 4320,
        archive_timestamp: now,
        locked: false,
        create_timestamp: now,
        ...(type === ChannelType.PrivateThread ? { invitable: body.invitable !== false } : {}),
      },
      applied_tags: [],
    } as Thread;
    this.channels.set(id, thread);

    if (this.session && this.wants(GUILDS)) {
      this.dispatch(GatewayDispatchEvents.ThreadCreate, {
        ...thread,
        newly_created: true,
        member: { id, user_id: this.botUser.id, join_timestamp: now, flags: 0 },
      });
    }
    if (starter) {
      starter.flags = (starter.flags ?? 0) | HAS_THREAD;
      starter.thread = thread;
      if (this.session && this.wants(GUILD_MESSAGES)) {
        this.dispatch(GatewayDispatchEvents.MessageUpdate, this.gatewayMessage(starter));
      }
    }
    return { status: 201, body: thread };
  }

  private threadMembership(threadId: string): Reply {
    const channel = this.channels.get(threadId);
    if (!channel) return notFound(10003, "Unknown Channel");
    if (channel.type === ChannelType.GuildText) return { status: 400, body: errorBody(50024, "Cannot execute action on this channel type") };
    return { status: 204 };
  }

  private editChannel(ctx: RequestContext, id: string): Reply {
    const channel = this.channels.get(id);
    if (!channel) return notFound(10003, "Unknown Channel");
    const body = asRecord(ctx.body);
    if (typeof body.name === "string") channel.name = body.name;
    if (channel.type === ChannelType.GuildText) {
      if (typeof body.topic === "string" || body.topic === null) channel.topic = body.topic as string | null;
      if (this.session && this.wants(GUILDS)) this.dispatch(GatewayDispatchEvents.ChannelUpdate, channel);
    } else if (channel.thread_metadata) {
      const md = channel.thread_metadata;
      if (typeof body.archived === "boolean") {
        md.archived = body.archived;
        md.archive_timestamp = iso();
      }
      if (typeof body.locked === "boolean") md.locked = body.locked;
      if (typeof body.auto_archive_duration === "number") md.auto_archive_duration = body.auto_archive_duration as 60;
      if (this.session && this.wants(GUILDS)) this.dispatch(GatewayDispatchEvents.ThreadUpdate, channel);
    }
    return { status: 200, body: channel };
  }

  // -------------------------------------------------------------------------
  // Gateway

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
          if (d.token !== this.token) {
            ws.close(4004, "Authentication failed");
            return;
          }
          if (typeof d.intents !== "number") {
            ws.close(4013, "Invalid intent(s)");
            return;
          }
          session = { id: randomBytes(16).toString("hex"), intents: d.intents, seq: 0, sent: [], socket: ws };
          this.sessions.set(session.id, session);
          this.session = session;
          this.sendReady(session);
          return;
        }
        case GatewayOpcodes.Resume: {
          const resumed = this.sessions.get(String(d.session_id));
          if (d.token !== this.token) {
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
          const ids = Array.isArray(d.user_ids) ? d.user_ids.map(String) : typeof d.user_ids === "string" ? [d.user_ids] : null;
          const members = [...this.members.values()].filter((m) => !ids || ids.includes(m.user.id));
          this.dispatch(GatewayDispatchEvents.GuildMembersChunk, {
            guild_id: this.guildId,
            members,
            chunk_index: 0,
            chunk_count: 1,
            not_found: ids ? ids.filter((id) => !this.members.has(id)) : [],
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
    const ready: GatewayReadyDispatchData & Json = {
      v: 10,
      user: this.botUser,
      guilds: [{ id: this.guildId, unavailable: true }],
      session_id: session.id,
      resume_gateway_url: this.resumeUrl,
      shard: [0, 1],
      application: { id: this.applicationId, flags: 0 as ApplicationFlags, flags_new: "0" },
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
      this.dispatch(GatewayDispatchEvents.GuildCreate, this.guildCreatePayload(), session);
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

  dispatch(event: string, data: unknown, session: Session | null = this.session): number {
    if (!session) throw new Error(`fake Discord: cannot dispatch ${event}: no client has identified on the gateway`);
    session.seq += 1;
    const s = session.seq;
    const payload = JSON.stringify({ op: GatewayOpcodes.Dispatch, t: event, s, d: data });
    session.sent.push({ s, payload });
    if (session.sent.length > 1000) session.sent.shift();
    if (session.socket) this.sendRaw(session.socket, payload, s, { op: GatewayOpcodes.Dispatch, t: event, d: data });
    return s;
  }

  dropConnection(code = 4000): void {
    const socket = this.session?.socket;
    if (!socket) throw new Error("fake Discord: no gateway connection to drop");
    socket.close(code, "Dropped by the fake");
  }

  // -------------------------------------------------------------------------
  // Driving the bot

  private requireSession(what: string): Session {
    if (!this.session) throw new Error(`fake Discord: cannot send ${what}: no client has identified on the gateway`);
    return this.session;
  }

  private baseInteraction(type: InteractionType, opts: InteractionUserOptions): { state: InteractionState; payload: Json } {
    this.requireSession("an interaction");
    const user = this.user({ userId: opts.userId, username: opts.username });
    const channel = this.channelOrThrow(opts.channelId ?? this.channelId);
    const id = snowflake();
    const token = `fake-interaction.${randomBytes(24).toString("base64url")}`;
    const member: APIInteractionGuildMember = {
      ...(this.members.get(user.id) ?? this.member(user)),
      user,
      permissions: this.permissionsOf(user.id),
    };
    const state: InteractionState = {
      id,
      token,
      type,
      channelId: channel.id,
      user,
      commandName: null,
      sentAt: 0,
      callbackType: null,
      originalMessageId: null,
      componentMessageId: null,
    };
    const payload: Json = {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      guild: { id: this.guildId, locale: "en-US", features: [] },
      guild_id: this.guildId,
      channel: this.interactionChannel(channel, user.id),
      channel_id: channel.id,
      member,
      app_permissions: BOT_PERMISSIONS,
      locale: opts.locale ?? "en-US",
      guild_locale: "en-US",
      entitlements: [],
      entitlement_sku_ids: [],
      authorizing_integration_owners: { "0": this.guildId },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
    };
    return { state, payload };
  }

  private sendInteraction(state: InteractionState, payload: Json): DispatchResult {
    this.interactions.set(state.token, state);
    state.sentAt = performance.now();
    this.dispatch(GatewayDispatchEvents.InteractionCreate, payload);
    return { id: state.id, token: state.token, sentAt: state.sentAt };
  }

  private resolvedFor(options: CommandOption[] | undefined): APIInteractionDataResolved | undefined {
    const resolved: APIInteractionDataResolved & Json = {};
    const visit = (opts: CommandOption[]): void => {
      for (const o of opts) {
        if (o.options) visit(o.options);
        if (typeof o.value !== "string") continue;
        const id = o.value;
        if (o.type === ApplicationCommandOptionType.User || o.type === ApplicationCommandOptionType.Mentionable) {
          const user = this.users.get(id);
          const member = this.members.get(id);
          if (user) (resolved.users ??= {})[id] = user;
          if (member) {
            (resolved.members ??= {})[id] = { ...omit(member, "user", "deaf", "mute"), permissions: this.permissionsOf(id) };
          }
        }
        if (o.type === ApplicationCommandOptionType.Role || o.type === ApplicationCommandOptionType.Mentionable) {
          const role = [this.everyoneRole, this.botRole].find((r) => r.id === id);
          if (role) (resolved.roles ??= {})[id] = role;
        }
        if (o.type === ApplicationCommandOptionType.Channel) {
          const channel = this.channels.get(id);
          if (channel) {
            (resolved.channels ??= {})[id] = {
              id,
              name: channel.name,
              type: channel.type,
              permissions: this.permissionsOf(this.botUser.id),
              ...(channel.type !== ChannelType.GuildText ? { thread_metadata: channel.thread_metadata, parent_id: channel.parent_id } : {}),
            } as NonNullable<APIInteractionDataResolved["channels"]>[string];
          }
        }
      }
    };
    visit(options ?? []);
    return Object.keys(resolved).length > 0 ? resolved : undefined;
  }

  slashCommand(opts: SlashCommandOptions): DispatchResult {
    const { state, payload } = this.baseInteraction(InteractionType.ApplicationCommand, opts);
    state.commandName = opts.name;
    const guildId = this.commandGuildId(opts.name);
    const resolved = this.resolvedFor(opts.options);
    payload.data = {
      id: this.commandId(opts.name),
      name: opts.name,
      type: ApplicationCommandType.ChatInput,
      ...(opts.options ? { options: opts.options } : {}),
      ...(resolved ? { resolved } : {}),
      ...(guildId ? { guild_id: guildId } : {}),
    };
    return this.sendInteraction(state, payload);
  }

  autocomplete(opts: SlashCommandOptions): DispatchResult {
    const countFocused = (list: CommandOption[]): number =>
      list.reduce((n, o) => n + (o.focused === true ? 1 : 0) + countFocused(o.options ?? []), 0);
    if (countFocused(opts.options ?? []) !== 1) {
      throw new Error("fake Discord: autocomplete needs exactly one option with focused: true");
    }
    const { state, payload } = this.baseInteraction(InteractionType.ApplicationCommandAutocomplete, opts);
    state.commandName = opts.name;
    const guildId = this.commandGuildId(opts.name);
    payload.data = {
      id: this.commandId(opts.name),
      name: opts.name,
      type: ApplicationCommandType.ChatInput,
      options: opts.options,
      ...(guildId ? { guild_id: guildId } : {}),
    };
    return this.sendInteraction(state, payload);
  }

  buttonClick(opts: ButtonClickOptions): DispatchResult {
    const channelId = opts.message?.channel_id ?? opts.channelId ?? this.channelId;
    const { state, payload } = this.baseInteraction(InteractionType.MessageComponent, { ...opts, channelId });
    const known = opts.message ? this.messages.get(opts.message.id) : undefined;
    let message: StoredMessage;
    if (known) {
      message = Object.assign(known, opts.message);
    } else {
      message = this.newMessage(channelId, this.botUser, {
        content: "",
        components: [
          { type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, style: 1, label: "Button", custom_id: opts.customId }] },
        ],
      });
      if (opts.message) {
        this.messages.delete(message.id);
        message = Object.assign(message, opts.message);
        this.messages.set(message.id, message);
      }
    }
    state.componentMessageId = message.id;
    payload.message = this.restMessage(message);
    payload.data = { custom_id: opts.customId, component_type: ComponentType.Button };
    return this.sendInteraction(state, payload);
  }

  messageCreate(opts: MessageCreateOptions): MessageCreateResult {
    const session = this.requireSession("a message");
    const author = this.user({ userId: opts.userId, username: opts.username });
    const channelId = opts.channelId ?? this.channelId;
    this.channelOrThrow(channelId);
    const content = opts.mentionBot ? `<@${this.botUser.id}> ${opts.content}` : opts.content;
    const replyTo = opts.replyTo ? this.messages.get(opts.replyTo) : undefined;
    if (opts.replyTo && !replyTo) throw new Error(`fake Discord: unknown message ${opts.replyTo} to reply to`);
    const message = this.newMessage(channelId, author, { content }, replyTo ? MessageType.Reply : MessageType.Default);
    if (replyTo) {
      message.message_reference = { type: 0, message_id: replyTo.id, channel_id: replyTo.channel_id, guild_id: this.guildId };
      message.referenced_message = this.restMessage(replyTo);
    }
    if (!(session.intents & GUILD_MESSAGES)) {
      return { id: message.id, channelId, sentAt: performance.now(), delivered: false };
    }
    const mentionsBot = message.mentions.some((u) => u.id === this.botUser.id) || replyTo?.author.id === this.botUser.id;
    const data = this.gatewayMessage(message);
    if (!(session.intents & MESSAGE_CONTENT) && !mentionsBot) {
      // Discord blanks these fields without the MESSAGE_CONTENT privileged intent.
      Object.assign(data, { content: "", embeds: [], attachments: [], components: [] });
      delete data.poll;
    }
    const sentAt = performance.now();
    this.dispatch(GatewayDispatchEvents.MessageCreate, data, session);
    return { id: message.id, channelId, sentAt, delivered: true };
  }

  // -------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.requestWaiters]) w.reject(new Error("fake Discord closed"));
    for (const w of [...this.gatewayWaiters]) w.reject(new Error("fake Discord closed"));
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
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

// ---------------------------------------------------------------------------
// HTTP body helpers


async function parseBody(raw: Buffer, contentType: string): Promise<{ body: unknown; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: null, files: [] };
  if (contentType.startsWith("application/json")) return { body: JSON.parse(raw.toString("utf8")) as unknown, files: [] };
  if (contentType.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
    let body: unknown = null;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === "string") {
        if (field === "payload_json") body = JSON.parse(value) as unknown;
      } else {
        files.push({ field, name: value.name, contentType: value.type, size: value.size });
      }
    }
    return { body, files };
  }
  return { body: raw.toString("utf8"), files: [] };
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

function hasContent(body: Json): boolean {
  const nonEmpty = (v: unknown): boolean => (typeof v === "string" ? v.length > 0 : Array.isArray(v) ? v.length > 0 : v != null);
  return ["content", "embeds", "components", "sticker_ids", "poll", "attachments"].some((k) => nonEmpty(body[k]));
}

// ---------------------------------------------------------------------------

/** Starts the fake REST API and gateway on 127.0.0.1 (ephemeral port). */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  if (options.validateAgainstSpec !== false) warmUpSpec();
  const fake = new FakeDiscordServer(options);
  await fake.listen();
  return fake;
}
