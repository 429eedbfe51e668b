/*
 * The fake Discord's public types: what tests import from test/fakes/fake-discord.ts.
 */
import type { APIMessage, APIUser } from "discord.js";

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
  /** The channel the interaction was invoked in. */
  readonly channelId: string;
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
  /**
   * Prefixes `<@&roleId> ` (the bot's managed role, `fake.botRoleId`) to the content and puts
   * the role in `mention_roles`, as when a member picks the bot's role in the mention picker.
   * Unlike `mentionBot`, this does not exempt the message from MessageContent blanking.
   */
  mentionBotRole?: boolean;
}

export interface MessageContextMenuOptions extends InteractionUserOptions {
  /** The command's name as registered (message commands may have spaces and capitals). */
  name: string;
  /** A message the fake knows (sent through it or by the bot); it must be in the interaction's channel. */
  targetMessageId?: string;
  /**
   * When `targetMessageId` is not given: a message the fake creates in the channel (default
   * author: the invoking user) and stores, so the bot can fetch it. Default content: "".
   */
  target?: { content: string; userId?: string };
}

export interface DirectMessageOptions {
  content: string;
  /** An existing fake user's id, or a new id to create a user with (default: `defaultUser`). */
  userId?: string;
  /** Finds (or creates) a fake user with this username. */
  username?: string;
}

export interface ForumPostOptions {
  /** The post's title: the thread's name. */
  title: string;
  /** The starter message's content. */
  content: string;
  userId?: string;
  username?: string;
}

export interface ForumPostResult {
  /** The new public thread; also the starter message's id. */
  readonly threadId: string;
  readonly messageId: string;
  /** performance.now() when the THREAD_CREATE was written (or queued). */
  readonly sentAt: number;
  /** False when the client's intents exclude the starter message's MESSAGE_CREATE (no GuildMessages). */
  readonly delivered: boolean;
}

export interface UserOptions {
  userId?: string;
  username?: string;
  /**
   * The member's permissions in the guild as a bitfield string (e.g.
   * `String(PermissionFlagsBits.ManageGuild)`), sent as `member.permissions` in interactions
   * (with Administrator, every bit is sent, as Discord does) and checked against commands'
   * `default_member_permissions`. When it differs from the @everyone default, the member gets a
   * role with these bits (in GUILD_CREATE, or dispatched as GUILD_ROLE_CREATE / GUILD_MEMBER_UPDATE
   * if the client is already connected). Given for an existing user, it replaces their permissions.
   */
  permissions?: string;
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
  /** The shard count GET /gateway/bot recommends (default 1), what a client with `shards: "auto"` runs. */
  recommendedShards?: number;
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
  /** A second text channel in the guild. */
  readonly otherChannelId: string;
  /** A forum channel (GUILD_FORUM, no tags) in the guild; see `forumPost`. */
  readonly forumChannelId: string;
  /** The bot's managed role (`tags.bot_id` is the bot's id), as Discord creates when a bot joins; see `mentionBotRole`. */
  readonly botRoleId: string;
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
  /**
   * INTERACTION_CREATE type 2 (chat input). Throws (nothing dispatched) when a command with this
   * name was registered with `default_member_permissions` the member lacks: Discord would not
   * show it to them. Unregistered commands are dispatched anyway.
   */
  slashCommand(opts: SlashCommandOptions): DispatchResult;
  /** INTERACTION_CREATE type 4; mark the option being typed with `focused: true`. */
  autocomplete(opts: SlashCommandOptions): DispatchResult;
  /** INTERACTION_CREATE type 3, component_type 2. */
  buttonClick(opts: ButtonClickOptions): DispatchResult;
  /** MESSAGE_CREATE from a fake user. */
  messageCreate(opts: MessageCreateOptions): MessageCreateResult;
  /**
   * A member runs a message context-menu command ("Apps" menu on a message): INTERACTION_CREATE
   * type 2 with `data.type` 3 (MESSAGE), `data.target_id` and the full message in
   * `data.resolved.messages`. discord.js sees `interaction.isMessageContextMenuCommand()`.
   * Throws (nothing dispatched) when a command with this name was registered with
   * `default_member_permissions` the member lacks: Discord would not show it to them.
   */
  messageContextMenu(opts: MessageContextMenuOptions): DispatchResult;
  /**
   * A user sends the bot a direct message: MESSAGE_CREATE (no guild_id/member) in the user's DM
   * channel (type 1, created and stored on first use, so the bot can GET, post, edit and type in
   * it). Delivered only when the client identified with the DirectMessages intent; discord.js
   * needs `partials: [Partials.Channel]` to emit messages from an uncached DM channel.
   */
  directMessage(opts: DirectMessageOptions): MessageCreateResult;
  /**
   * A member creates a post in the forum channel: a public thread (type 11, parent the forum,
   * owner the member, name the title) whose starter message has the thread's id. Dispatches
   * THREAD_CREATE (`newly_created: true`, Guilds intent) then the starter MESSAGE_CREATE in the
   * thread (GuildMessages intent). Follow-ups: `messageCreate({ channelId: threadId, ... })`.
   */
  forumPost(opts: ForumPostOptions): ForumPostResult;
  /**
   * Messages in a channel, oldest first, as REST returns them: what any member sees there
   * (ephemeral messages are left out; find those in `messages`).
   */
  channelMessages(channelId: string): APIMessage[];
  /**
   * Any dispatch event; returns its sequence number. With sharded clients it goes to the shard of the guild its
   * data's guild_id names ((guild_id >> 22) % count), to shard 0 when it names none.
   */
  dispatch(event: string, data: unknown): number;
  /**
   * Another guild the bot is in, with one text channel ("general"); members are shared with the first guild.
   * Call before the client connects (its READY and GUILD_CREATE list it).
   */
  addGuild(opts?: { guildId?: string; name?: string }): { guildId: string; channelId: string };
  /** Which shard of `count` receives the events of `guildId` (null: DMs, shard 0). */
  shardOf(guildId: string | null, count: number): number;
  /** The gateway sessions by shard (the latest per shard id), and whether each is connected now. */
  shardSessions(): { shard: [number, number]; connected: boolean }[];
  /** Finds or creates a fake (non-bot) user; it becomes a guild member. See `UserOptions.permissions`. */
  user(opts?: UserOptions): APIUser;
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

