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
 * - Direct messages (a DM channel per user), a second text channel, a forum channel with
 *   member-created posts, message context-menu commands, mentions of the bot's managed role,
 *   members' permissions and commands' `default_member_permissions` (hidden commands throw).
 * Not modelled: channel permission overwrites, real rate-limit buckets, zlib/etf encodings
 * (a `compress` query is ignored; frames are always plain JSON text, which @discordjs/ws accepts).
 *
 * Layout (test/fakes/discord/): state.ts (the guild, users, channels, messages, commands,
 * interactions), rest.ts + rest-*.ts (HTTP API), gateway.ts (WebSocket gateway), driver.ts
 * (what members do), types.ts (the public types re-exported here), util.ts.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { APIMessage, APIUser } from "discord.js";
import { warmUpSpec } from "./discord-spec.js";
import { FakeDriver } from "./discord/driver.js";
import { FakeGateway, shardOf } from "./discord/gateway.js";
import { FakeRest } from "./discord/rest.js";
import { ChannelHandlers } from "./discord/rest-channels.js";
import { FakeState, type StoredMessage } from "./discord/state.js";
import type {
  ButtonClickOptions,
  DirectMessageOptions,
  DispatchResult,
  FailureHandle,
  FakeDiscord,
  FakeDiscordEvents,
  FakeDiscordOptions,
  ForumPostOptions,
  ForumPostResult,
  GatewayFrame,
  InjectedResponse,
  MessageContextMenuOptions,
  MessageCreateOptions,
  MessageCreateResult,
  RecordedRequest,
  SlashCommandOptions,
  SpecViolation,
  UserOptions,
} from "./discord/types.js";

export { snowflake, snowflakeTimestamp } from "./discord/state.js";
export type * from "./discord/types.js";

/** Wires state, REST, gateway and driver together behind the `FakeDiscord` interface. */
class FakeDiscordServer extends EventEmitter<FakeDiscordEvents> implements FakeDiscord {
  readonly token: string;
  private readonly state: FakeState;
  private readonly gateway: FakeGateway;
  private readonly rest: FakeRest;
  private readonly driver: FakeDriver;
  private closed = false;

  constructor(opts: FakeDiscordOptions) {
    super();
    this.state = new FakeState(opts);
    const botId = this.state.botUser.id;
    this.token = opts.token ?? `${Buffer.from(botId).toString("base64url")}.fake.${randomBytes(20).toString("base64url")}`;
    this.gateway = new FakeGateway(
      this.state,
      { token: this.token, heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250, echoBotMessages: opts.echoBotMessages ?? true, recommendedShards: opts.recommendedShards ?? 1 },
      (frame) => this.emit("gateway", frame),
    );
    this.rest = new FakeRest(
      this.state,
      this.gateway,
      { token: this.token, interactionDeadlineMs: opts.interactionDeadlineMs ?? 3_000, validateAgainstSpec: opts.validateAgainstSpec ?? true },
      (request) => this.emit("request", request),
    );
    this.driver = new FakeDriver(this.state, this.gateway, new ChannelHandlers(this.state, this.gateway));
  }

  async listen(): Promise<void> {
    const port = await this.rest.listen();
    this.gateway.attach(this.rest.server, port);
  }

  get restApi(): string {
    return this.rest.restApi;
  }
  get gatewayUrl(): string {
    return this.gateway.gatewayUrl;
  }
  get applicationId(): string {
    return this.state.applicationId;
  }
  get botUser(): APIUser {
    return this.state.botUser;
  }
  get guildId(): string {
    return this.state.guildId;
  }
  get channelId(): string {
    return this.state.channelId;
  }
  get otherChannelId(): string {
    return this.state.otherChannelId;
  }
  get forumChannelId(): string {
    return this.state.forumChannelId;
  }
  get botRoleId(): string {
    return this.state.botRole.id;
  }
  get defaultUser(): APIUser {
    return this.state.defaultUser;
  }
  get requests(): readonly RecordedRequest[] {
    return this.rest.requests.items;
  }
  get gatewayFrames(): readonly GatewayFrame[] {
    return this.gateway.frames.items;
  }
  get specViolations(): readonly SpecViolation[] {
    return this.rest.specViolations;
  }
  get messages(): ReadonlyMap<string, StoredMessage> {
    return this.state.messages;
  }

  assertNoSpecViolations(): void {
    const violations = this.rest.specViolations;
    if (violations.length === 0) return;
    const lines = violations.map((v) => v.message).join("\n");
    throw new Error(`The bot sent ${violations.length} request(s) that Discord's API description rejects:\n${lines}`);
  }

  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs = 5_000): Promise<RecordedRequest> {
    return this.rest.requests.waitFor(match, timeoutMs);
  }
  waitForGateway(match: (f: GatewayFrame) => boolean, timeoutMs = 5_000): Promise<GatewayFrame> {
    return this.gateway.frames.waitFor(match, timeoutMs);
  }
  ready(timeoutMs = 10_000): Promise<void> {
    return this.gateway.ready(timeoutMs);
  }

  slashCommand(opts: SlashCommandOptions): DispatchResult {
    return this.driver.slashCommand(opts);
  }
  autocomplete(opts: SlashCommandOptions): DispatchResult {
    return this.driver.autocomplete(opts);
  }
  buttonClick(opts: ButtonClickOptions): DispatchResult {
    return this.driver.buttonClick(opts);
  }
  messageContextMenu(opts: MessageContextMenuOptions): DispatchResult {
    return this.driver.messageContextMenu(opts);
  }
  messageCreate(opts: MessageCreateOptions): MessageCreateResult {
    return this.driver.messageCreate(opts);
  }
  directMessage(opts: DirectMessageOptions): MessageCreateResult {
    return this.driver.directMessage(opts);
  }
  forumPost(opts: ForumPostOptions): ForumPostResult {
    return this.driver.forumPost(opts);
  }
  user(opts: UserOptions = {}): APIUser {
    return this.driver.user(opts);
  }
  channelMessages(channelId: string): APIMessage[] {
    return this.state.channelMessages(channelId);
  }
  dispatch(event: string, data: unknown): number {
    return this.gateway.dispatch(event, data);
  }
  addGuild(opts: { guildId?: string; name?: string } = {}): { guildId: string; channelId: string } {
    return this.state.addGuild(opts);
  }
  shardOf(guildId: string | null, count: number): number {
    return shardOf(guildId, count);
  }
  shardSessions(): { shard: [number, number]; connected: boolean }[] {
    return this.gateway.shards();
  }
  failNext(match: (method: string, path: string) => boolean, response: InjectedResponse): FailureHandle {
    return this.rest.failNext(match, response);
  }
  dropConnection(code = 4000): void {
    this.gateway.dropConnection(code);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rest.requests.close();
    await this.gateway.close();
    await this.rest.close();
  }
}

/** Starts the fake REST API and gateway on 127.0.0.1 (ephemeral port). */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  if (options.validateAgainstSpec !== false) warmUpSpec();
  const fake = new FakeDiscordServer(options);
  await fake.listen();
  return fake;
}
