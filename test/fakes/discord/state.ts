/*
 * The fake Discord's world: the guild, its roles, members and users, channels
 * (text, forum, threads, DMs), messages, registered application commands and the
 * interactions sent (with their callback deadlines), plus snowflakes. No I/O here:
 * rest.ts, gateway.ts and driver.ts read and change this state.
 */
import {
  ApplicationCommandType,
  ChannelType,
  GatewayIntentBits,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
  type APIApplicationCommand,
  type APIDMChannel,
  type APIGuildForumChannel,
  type APIGuildMember,
  type APIMessage,
  type APIRole,
  type APITextChannel,
  type APIThreadChannel,
  type APIUser,
  type ChannelFlags,
  type GatewayGuildCreateDispatchData,
  type GuildMemberFlags,
  type GuildSystemChannelFlags,
  type InteractionType,
  type RoleFlags,
  type UserFlags,
} from "discord.js";
import type { FakeDiscordOptions, UserOptions } from "./types.js";
import { asRecord, iso, omit, str, type Json } from "./util.js";

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

// ---------------------------------------------------------------------------
// Constants

export const MESSAGE_CONTENT = Number(GatewayIntentBits.MessageContent);
export const GUILD_MESSAGES = Number(GatewayIntentBits.GuildMessages);
export const DIRECT_MESSAGES = Number(GatewayIntentBits.DirectMessages);
export const GUILD_MEMBERS = Number(GatewayIntentBits.GuildMembers);
export const GUILDS = Number(GatewayIntentBits.Guilds);
export const LOADING = Number(MessageFlags.Loading);
export const EPHEMERAL = Number(MessageFlags.Ephemeral);
export const HAS_THREAD = Number(MessageFlags.HasThread);

const perms = (...flags: bigint[]): string => flags.reduce((a, b) => a | b, 0n).toString();

export const EVERYONE_PERMISSIONS = perms(
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
export const BOT_PERMISSIONS = perms(
  BigInt(EVERYONE_PERMISSIONS),
  PermissionFlagsBits.ManageMessages,
  PermissionFlagsBits.ManageThreads,
  PermissionFlagsBits.CreatePrivateThreads,
);
/** What Discord sends as a member's permissions when they have Administrator. */
export const ALL_PERMISSIONS = perms(...Object.values(PermissionFlagsBits));

// ---------------------------------------------------------------------------
// Stored shapes

export type StoredMessage = APIMessage & { guild_id?: string };
export type GuildTextLike = APITextChannel & { guild_id: string };
export type Forum = APIGuildForumChannel & { guild_id: string };
export type Thread = APIThreadChannel & { guild_id: string };
export type GuildChannel = GuildTextLike | Forum;
export type Channel = GuildChannel | Thread | APIDMChannel;

export const isThread = (c: Channel): c is Thread =>
  c.type === ChannelType.PublicThread || c.type === ChannelType.PrivateThread || c.type === ChannelType.AnnouncementThread;
export const isGuildChannel = (c: Channel): c is GuildChannel => c.type === ChannelType.GuildText || c.type === ChannelType.GuildForum;
export const isDM = (c: Channel | undefined): c is APIDMChannel => c?.type === ChannelType.DM;

export interface InteractionState {
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

export type StateOptions = Pick<FakeDiscordOptions, "guildId" | "guildName" | "channelId" | "channelName" | "applicationId" | "botId" | "botUsername">;

/** Keys application commands by type and name, like Discord's uniqueness rule. */
export const commandKey = (type: number, name: string): string => `${type}:${name}`;

export class FakeState {
  readonly applicationId: string;
  readonly botUser: APIUser;
  readonly guildId: string;
  readonly guildName: string;
  readonly channelId: string;
  readonly otherChannelId: string;
  readonly forumChannelId: string;
  readonly everyoneRole: APIRole;
  readonly botRole: APIRole;
  readonly ownerId: string;
  readonly defaultUser: APIUser;
  readonly guildCreatedAt = iso();
  readonly users = new Map<string, APIUser>();
  readonly members = new Map<string, APIGuildMember>();
  /** Extra roles (beyond @everyone and the bot's), e.g. made for members with custom permissions. */
  readonly extraRoles = new Map<string, APIRole>();
  /** Members' permissions where they differ from @everyone's (see `UserOptions.permissions`). */
  readonly memberPermissions = new Map<string, string>();
  readonly channels = new Map<string, Channel>();
  /** DM channel id by recipient user id. */
  readonly dmChannels = new Map<string, string>();
  readonly messages = new Map<string, StoredMessage>();
  readonly interactions = new Map<string, InteractionState>();
  readonly commandIdsByName = new Map<string, string>();
  readonly globalCommands = new Map<string, APIApplicationCommand>();
  readonly guildCommands = new Map<string, Map<string, APIApplicationCommand>>();
  /** Guilds beyond the first (addGuild), by id: their name and @everyone role; members and the bot's role are shared. */
  readonly extraGuilds = new Map<string, { name: string; everyoneRole: APIRole }>();
  /** Base URL of the REST API (set once listening), for attachment URLs. */
  restApi = "";

  constructor(opts: StateOptions) {
    this.applicationId = opts.applicationId ?? snowflake();
    const botId = opts.botId ?? this.applicationId;
    this.guildId = opts.guildId ?? snowflake();
    this.channelId = opts.channelId ?? snowflake();
    this.guildName = opts.guildName ?? "Fake Guild";
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

    this.channels.set(this.channelId, this.textChannel(this.channelId, opts.channelName ?? "general", 0));
    this.otherChannelId = snowflake();
    this.channels.set(this.otherChannelId, this.textChannel(this.otherChannelId, "random", 1));
    this.forumChannelId = snowflake();
    this.channels.set(this.forumChannelId, {
      id: this.forumChannelId,
      type: ChannelType.GuildForum,
      guild_id: this.guildId,
      name: "questions",
      position: 2,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      default_auto_archive_duration: 4320,
      default_thread_rate_limit_per_user: 0,
      available_tags: [],
      default_reaction_emoji: null,
      default_sort_order: null,
      default_forum_layout: 0,
      flags: 0 as ChannelFlags,
      template: "",
    } as Forum);
  }

  /** Another guild the bot is in, with one text channel (every member of the first guild is a member). */
  addGuild(opts: { guildId?: string; name?: string; channelName?: string } = {}): { guildId: string; channelId: string } {
    const guildId = opts.guildId ?? snowflake();
    if (guildId === this.guildId || this.extraGuilds.has(guildId)) throw new Error(`fake Discord: guild ${guildId} exists already`);
    this.extraGuilds.set(guildId, { name: opts.name ?? `Fake Guild ${this.extraGuilds.size + 2}`, everyoneRole: this.role(guildId, "@everyone", EVERYONE_PERMISSIONS, 0) });
    const channelId = snowflake();
    this.channels.set(channelId, this.textChannel(channelId, opts.channelName ?? "general", 0, guildId));
    return { guildId, channelId };
  }

  /** Every guild the bot is in, the first one first. */
  guildIds(): string[] {
    return [this.guildId, ...this.extraGuilds.keys()];
  }

  hasGuild(id: string | undefined): boolean {
    return id === this.guildId || (id !== undefined && this.extraGuilds.has(id));
  }

  /** The guild a channel (or thread) is in; null for a DM. */
  guildOfChannel(channelId: string): string | null {
    const channel = this.channels.get(channelId);
    if (!channel || isDM(channel)) return null;
    return (channel as { guild_id?: string }).guild_id ?? this.guildId;
  }

  private textChannel(id: string, name: string, position: number, guildId = this.guildId): GuildTextLike {
    return {
      id,
      type: ChannelType.GuildText,
      guild_id: guildId,
      name,
      position,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: null,
      last_pin_timestamp: null,
      rate_limit_per_user: 0,
      default_auto_archive_duration: 1440,
      flags: 0 as ChannelFlags,
    };
  }

  // -------------------------------------------------------------------------
  // Roles, members, users, permissions

  role(id: string, name: string, permissions: string, position: number): APIRole {
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

  roles(): APIRole[] {
    return [this.everyoneRole, this.botRole, ...this.extraRoles.values()];
  }

  member(user: APIUser, roles: string[] = []): APIGuildMember {
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
  partialMember(userId: string): Omit<APIGuildMember, "user"> {
    const m = this.members.get(userId);
    if (!m) throw new Error(`unknown member ${userId}`);
    return omit(m, "user");
  }

  /** The member's permissions as Discord sends them in interactions (Administrator: every bit). */
  permissionsOf(userId: string): string {
    if (userId === this.botUser.id) return BOT_PERMISSIONS;
    if (userId === this.ownerId) return ALL_PERMISSIONS;
    const given = this.memberPermissions.get(userId) ?? EVERYONE_PERMISSIONS;
    return BigInt(given) & PermissionFlagsBits.Administrator ? ALL_PERMISSIONS : given;
  }

  /**
   * Finds or creates a user (and member). Returns the user and, when `permissions` changed the
   * member's roles, the role and member to announce.
   */
  upsertUser(opts: UserOptions = {}): { user: APIUser; changed: { role: APIRole; member: APIGuildMember; created: boolean } | null } {
    const user = this.findOrCreateUser(opts);
    if (opts.permissions === undefined || user.bot) return { user, changed: null };
    const permissions = BigInt(opts.permissions).toString();
    const member = this.members.get(user.id);
    if (!member) return { user, changed: null };
    const roleId = [...this.extraRoles.values()].find((r) => r.name === `perms-${user.id}`)?.id;
    if (permissions === EVERYONE_PERMISSIONS) {
      this.memberPermissions.delete(user.id);
      if (roleId) member.roles = member.roles.filter((r) => r !== roleId);
      return { user, changed: null };
    }
    this.memberPermissions.set(user.id, permissions);
    const role = this.role(roleId ?? snowflake(), `perms-${user.id}`, permissions, 1 + this.extraRoles.size);
    this.extraRoles.set(role.id, role);
    if (!member.roles.includes(role.id)) member.roles = [...member.roles, role.id];
    return { user, changed: { role, member, created: roleId === undefined } };
  }

  user(opts: UserOptions = {}): APIUser {
    return this.upsertUser(opts).user;
  }

  private findOrCreateUser(opts: UserOptions): APIUser {
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

  // -------------------------------------------------------------------------
  // Channels

  channelOrThrow(channelId: string): Channel {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`fake Discord: unknown channel ${channelId}`);
    return channel;
  }

  /** The DM channel between the bot and `user`, created (and stored) on first use. */
  dmChannel(user: APIUser): APIDMChannel {
    const existing = this.dmChannels.get(user.id);
    const channel = existing ? this.channels.get(existing) : undefined;
    if (isDM(channel)) return channel;
    const dm: APIDMChannel = {
      id: snowflake(),
      type: ChannelType.DM,
      last_message_id: null,
      flags: 0 as ChannelFlags,
      name: null,
      recipients: [user],
    };
    this.channels.set(dm.id, dm);
    this.dmChannels.set(user.id, dm.id);
    return dm;
  }

  guildCreatePayload(guildId = this.guildId): GatewayGuildCreateDispatchData {
    const all = [...this.channels.values()].filter((c) => !isDM(c) && this.guildOfChannel(c.id) === guildId);
    const channels = all.filter(isGuildChannel);
    const threads = all.filter(isThread);
    const extra = this.extraGuilds.get(guildId);
    return {
      id: guildId,
      name: extra?.name ?? this.guildName,
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
      roles: extra ? [extra.everyoneRole, this.botRole, ...this.extraRoles.values()] : this.roles(),
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
      channels: channels.map((c) => omit(c, "guild_id")) as GatewayGuildCreateDispatchData["channels"],
      threads,
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  // -------------------------------------------------------------------------
  // Messages

  newMessage(channelId: string, author: APIUser, fields: Json, type: MessageType = MessageType.Default, id: string = snowflake()): StoredMessage {
    const channel = this.channels.get(channelId);
    const message: StoredMessage = {
      id,
      channel_id: channelId,
      ...(isDM(channel) ? {} : { guild_id: this.guildOfChannel(channelId) ?? this.guildId }),
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
    if (channel) {
      channel.last_message_id = id;
      if (isThread(channel)) {
        channel.message_count = (channel.message_count ?? 0) + 1;
        channel.total_message_sent = (channel.total_message_sent ?? 0) + 1;
      }
    }
    return message;
  }

  /** Copies the message fields a create/edit body can set. */
  applyMessageFields(message: StoredMessage, fields: Json): void {
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
    message.mentions = this.mentionsIn(message, asRecord(fields.allowed_mentions), "allowed_mentions" in fields);
  }

  /** Users mentioned by `<@id>` in content, filtered by allowed_mentions like Discord does. */
  private mentionsIn(message: StoredMessage, allowed: Json, hasAllowed: boolean): APIMessage["mentions"] {
    const ids = [...message.content.matchAll(/<@!?(\d{17,20})>/g)].map((m) => m[1] ?? "");
    const parse = Array.isArray(allowed.parse) ? allowed.parse : null;
    const users = Array.isArray(allowed.users) ? allowed.users : null;
    return [...new Set(ids)]
      .filter((id) => !hasAllowed || parse?.includes("users") || users?.includes(id))
      .map((id) => this.users.get(id))
      .filter((u): u is APIUser => u !== undefined)
      .map((u) => this.mentionOf(u, message));
  }

  /** A user as it appears in a message's `mentions` (with `member` in guild channels). */
  mentionOf(user: APIUser, message: StoredMessage): APIMessage["mentions"][number] {
    return (message.guild_id && this.members.has(user.id) ? { ...user, member: this.partialMember(user.id) } : user) as APIMessage["mentions"][number];
  }

  /** REST representation of a stored message (no guild_id/member, as Discord's REST answers). */
  restMessage(message: StoredMessage): APIMessage {
    return omit(message, "guild_id");
  }

  /** MESSAGE_CREATE/UPDATE payload: guild messages get guild_id and the author's member. */
  gatewayMessage(message: StoredMessage): Json {
    const channel = this.channels.get(message.channel_id);
    if (isDM(channel)) return { ...this.restMessage(message), channel_type: channel.type };
    return {
      ...message,
      guild_id: message.guild_id ?? this.guildId,
      member: this.members.has(message.author.id) ? this.partialMember(message.author.id) : undefined,
      channel_type: channel?.type,
    };
  }

  /** Messages in a channel, oldest first, without ephemeral ones, in REST shape. */
  channelMessages(channelId: string): APIMessage[] {
    return [...this.messages.values()]
      .filter((m) => m.channel_id === channelId && !((m.flags ?? 0) & EPHEMERAL))
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
      .map((m) => this.restMessage(m));
  }

  // -------------------------------------------------------------------------
  // Application commands

  /** The registered command of this type and name (guild command first), if any. */
  registeredCommand(name: string, type: ApplicationCommandType, guildId = this.guildId): APIApplicationCommand | undefined {
    return this.guildCommands.get(guildId)?.get(commandKey(type, name)) ?? this.globalCommands.get(commandKey(type, name));
  }

  commandId(name: string, type: ApplicationCommandType = ApplicationCommandType.ChatInput): string {
    const registered = this.registeredCommand(name, type);
    if (registered) return registered.id;
    let id = this.commandIdsByName.get(name);
    if (!id) this.commandIdsByName.set(name, (id = snowflake()));
    return id;
  }

  commandGuildId(name: string, type: ApplicationCommandType = ApplicationCommandType.ChatInput, guildId = this.guildId): string | undefined {
    return this.guildCommands.get(guildId)?.has(commandKey(type, name)) ? guildId : undefined;
  }

  /**
   * Throws when `name` is registered with `default_member_permissions` that `userId` lacks
   * ("0": administrators only), i.e. Discord would not show the command to that member.
   */
  assertCommandVisible(name: string, type: ApplicationCommandType, userId: string): void {
    const required = this.registeredCommand(name, type)?.default_member_permissions;
    if (required === null || required === undefined) return;
    const has = BigInt(this.permissionsOf(userId));
    if (has & PermissionFlagsBits.Administrator) return;
    const need = BigInt(required);
    if (need !== 0n && (has & need) === need) return;
    const user = this.users.get(userId);
    throw new Error(
      `fake Discord: Discord would not show the command "${name}" to ${user?.username ?? userId}: ` +
        `it requires default_member_permissions ${required} and the member has ${has.toString()}`,
    );
  }
}
