/*
 * What members do, as the bot sees it over the gateway: run slash and message
 * context-menu commands, type into autocomplete, click buttons, post messages (with
 * mentions of the bot or its role, replies), send the bot DMs and create forum posts.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  GatewayDispatchEvents,
  InteractionType,
  MessageType,
  type APIChannel,
  type APIInteractionDataResolved,
  type APIInteractionGuildMember,
  type APIUser,
} from "discord.js";
import type { FakeGateway, Session } from "./gateway.js";
import type { ChannelHandlers } from "./rest-channels.js";
import {
  BOT_PERMISSIONS,
  DIRECT_MESSAGES,
  GUILD_MEMBERS,
  GUILD_MESSAGES,
  GUILDS,
  MESSAGE_CONTENT,
  isDM,
  isThread,
  snowflake,
  type Channel,
  type FakeState,
  type InteractionState,
  type StoredMessage,
} from "./state.js";
import type {
  ButtonClickOptions,
  CommandOption,
  DirectMessageOptions,
  DispatchResult,
  ForumPostOptions,
  ForumPostResult,
  InteractionUserOptions,
  MessageContextMenuOptions,
  MessageCreateOptions,
  MessageCreateResult,
  SlashCommandOptions,
  UserOptions,
} from "./types.js";
import { omit, type Json } from "./util.js";

export class FakeDriver {
  constructor(
    private readonly state: FakeState,
    private readonly gateway: FakeGateway,
    private readonly channels: ChannelHandlers,
  ) {}

  user(opts: UserOptions = {}): APIUser {
    const { user, changed } = this.state.upsertUser(opts);
    if (changed) {
      // Members are members of every guild of the fake: each guild's shard hears of the change.
      for (const guild_id of this.state.guildIds()) {
        const event = changed.created ? GatewayDispatchEvents.GuildRoleCreate : GatewayDispatchEvents.GuildRoleUpdate;
        this.gateway.dispatchIf(GUILDS, event, { guild_id, role: changed.role });
        this.gateway.dispatchIf(GUILD_MEMBERS, GatewayDispatchEvents.GuildMemberUpdate, { guild_id, ...changed.member });
      }
    }
    return user;
  }

  // -------------------------------------------------------------------------
  // Interactions

  slashCommand(opts: SlashCommandOptions): DispatchResult {
    this.assertVisible(opts, ApplicationCommandType.ChatInput);
    const { state, payload } = this.baseInteraction(InteractionType.ApplicationCommand, opts);
    state.commandName = opts.name;
    const guildId = this.state.commandGuildId(opts.name, ApplicationCommandType.ChatInput, String(payload.guild_id));
    const resolved = this.resolvedFor(opts.options);
    payload.data = {
      id: this.state.commandId(opts.name),
      name: opts.name,
      type: ApplicationCommandType.ChatInput,
      ...(opts.options ? { options: opts.options } : {}),
      ...(resolved ? { resolved } : {}),
      ...(guildId ? { guild_id: guildId } : {}),
    };
    return this.sendInteraction(state, payload);
  }

  messageContextMenu(opts: MessageContextMenuOptions): DispatchResult {
    this.assertVisible(opts, ApplicationCommandType.Message);
    const known = opts.targetMessageId ? this.state.messages.get(opts.targetMessageId) : undefined;
    const channelId = known?.channel_id ?? opts.channelId ?? this.state.channelId;
    const { state, payload } = this.baseInteraction(InteractionType.ApplicationCommand, { ...opts, channelId });
    const target =
      known ??
      this.state.newMessage(channelId, opts.target?.userId ? this.user({ userId: opts.target.userId }) : state.user, {
        content: opts.target?.content ?? "",
      });
    state.commandName = opts.name;
    const type = ApplicationCommandType.Message;
    const guildId = this.state.commandGuildId(opts.name, type, String(payload.guild_id));
    payload.data = {
      id: this.state.commandId(opts.name, type),
      name: opts.name,
      type,
      target_id: target.id,
      resolved: { messages: { [target.id]: this.state.restMessage(target) } },
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
    const guildId = this.state.commandGuildId(opts.name, ApplicationCommandType.ChatInput, String(payload.guild_id));
    payload.data = {
      id: this.state.commandId(opts.name),
      name: opts.name,
      type: ApplicationCommandType.ChatInput,
      options: opts.options,
      ...(guildId ? { guild_id: guildId } : {}),
    };
    return this.sendInteraction(state, payload);
  }

  buttonClick(opts: ButtonClickOptions): DispatchResult {
    const world = this.state;
    const channelId = opts.message?.channel_id ?? opts.channelId ?? world.channelId;
    const { state, payload } = this.baseInteraction(InteractionType.MessageComponent, { ...opts, channelId });
    const known = opts.message ? world.messages.get(opts.message.id) : undefined;
    let message: StoredMessage;
    if (known) {
      message = Object.assign(known, opts.message);
    } else {
      message = world.newMessage(channelId, world.botUser, {
        content: "",
        components: [
          { type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, style: 1, label: "Button", custom_id: opts.customId }] },
        ],
      });
      if (opts.message) {
        world.messages.delete(message.id);
        message = Object.assign(message, opts.message);
        world.messages.set(message.id, message);
      }
    }
    state.componentMessageId = message.id;
    payload.message = world.restMessage(message);
    payload.data = { custom_id: opts.customId, component_type: ComponentType.Button };
    return this.sendInteraction(state, payload);
  }

  /** Throws when Discord would hide the command from this member (see FakeState.assertCommandVisible). */
  private assertVisible(opts: InteractionUserOptions & { name: string }, type: ApplicationCommandType): void {
    this.gateway.requireSession("an interaction", this.state.guildOfChannel(opts.channelId ?? this.state.channelId));
    const user = this.state.user({ userId: opts.userId, username: opts.username });
    this.state.assertCommandVisible(opts.name, type, user.id);
  }

  private baseInteraction(type: InteractionType, opts: InteractionUserOptions): { state: InteractionState; payload: Json } {
    const world = this.state;
    this.gateway.requireSession("an interaction", world.guildOfChannel(opts.channelId ?? world.channelId));
    const user = world.user({ userId: opts.userId, username: opts.username });
    const channel = world.channelOrThrow(opts.channelId ?? world.channelId);
    if (isDM(channel)) throw new Error("fake Discord: interactions in DMs are not modelled");
    const guildId = world.guildOfChannel(channel.id) ?? world.guildId;
    const id = snowflake();
    const token = `fake-interaction.${randomBytes(24).toString("base64url")}`;
    const member: APIInteractionGuildMember = {
      ...(world.members.get(user.id) ?? world.member(user)),
      user,
      permissions: world.permissionsOf(user.id),
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
      application_id: world.applicationId,
      type,
      token,
      version: 1,
      guild: { id: guildId, locale: "en-US", features: [] },
      guild_id: guildId,
      // Channel as it appears inside interactions (with the invoker's permissions).
      channel: { ...channel, permissions: world.permissionsOf(user.id) } as APIChannel & Json,
      channel_id: channel.id,
      member,
      app_permissions: BOT_PERMISSIONS,
      locale: opts.locale ?? "en-US",
      guild_locale: "en-US",
      entitlements: [],
      entitlement_sku_ids: [],
      authorizing_integration_owners: { "0": guildId },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
    };
    return { state, payload };
  }

  private sendInteraction(state: InteractionState, payload: Json): DispatchResult {
    this.state.interactions.set(state.token, state);
    state.sentAt = performance.now();
    this.gateway.dispatch(GatewayDispatchEvents.InteractionCreate, payload);
    return { id: state.id, token: state.token, channelId: state.channelId, sentAt: state.sentAt };
  }

  private resolvedFor(options: CommandOption[] | undefined): APIInteractionDataResolved | undefined {
    const world = this.state;
    const resolved: APIInteractionDataResolved & Json = {};
    const visit = (opts: CommandOption[]): void => {
      for (const o of opts) {
        if (o.options) visit(o.options);
        if (typeof o.value !== "string") continue;
        const id = o.value;
        if (o.type === ApplicationCommandOptionType.User || o.type === ApplicationCommandOptionType.Mentionable) {
          const user = world.users.get(id);
          const member = world.members.get(id);
          if (user) (resolved.users ??= {})[id] = user;
          if (member) {
            (resolved.members ??= {})[id] = { ...omit(member, "user", "deaf", "mute"), permissions: world.permissionsOf(id) };
          }
        }
        if (o.type === ApplicationCommandOptionType.Role || o.type === ApplicationCommandOptionType.Mentionable) {
          const role = world.roles().find((r) => r.id === id);
          if (role) (resolved.roles ??= {})[id] = role;
        }
        if (o.type === ApplicationCommandOptionType.Channel) {
          const channel = world.channels.get(id);
          if (channel && !isDM(channel)) {
            (resolved.channels ??= {})[id] = {
              id,
              name: channel.name,
              type: channel.type,
              permissions: world.permissionsOf(world.botUser.id),
              ...(isThread(channel) ? { thread_metadata: channel.thread_metadata, parent_id: channel.parent_id } : {}),
            } as NonNullable<APIInteractionDataResolved["channels"]>[string];
          }
        }
      }
    };
    visit(options ?? []);
    return Object.keys(resolved).length > 0 ? resolved : undefined;
  }

  // -------------------------------------------------------------------------
  // Messages

  messageCreate(opts: MessageCreateOptions): MessageCreateResult {
    const world = this.state;
    const channelId = opts.channelId ?? world.channelId;
    const session = this.gateway.requireSession("a message", world.guildOfChannel(channelId));
    const author = world.user({ userId: opts.userId, username: opts.username });
    const channel = world.channelOrThrow(channelId);
    if (isDM(channel)) throw new Error("fake Discord: use directMessage() for DMs");
    if (channel.type === ChannelType.GuildForum) throw new Error("fake Discord: use forumPost() to post in a forum");
    const prefix = (opts.mentionBot ? `<@${world.botUser.id}> ` : "") + (opts.mentionBotRole ? `<@&${world.botRole.id}> ` : "");
    const replyTo = opts.replyTo ? world.messages.get(opts.replyTo) : undefined;
    if (opts.replyTo && !replyTo) throw new Error(`fake Discord: unknown message ${opts.replyTo} to reply to`);
    const message = world.newMessage(channelId, author, { content: prefix + opts.content }, replyTo ? MessageType.Reply : MessageType.Default);
    if (opts.mentionBotRole) message.mention_roles = [world.botRole.id];
    if (replyTo) {
      message.message_reference = { type: 0, message_id: replyTo.id, channel_id: replyTo.channel_id, guild_id: replyTo.guild_id ?? world.guildId };
      message.referenced_message = world.restMessage(replyTo);
    }
    return this.deliverGuildMessage(session, message, replyTo?.author.id === world.botUser.id);
  }

  /** MESSAGE_CREATE of a member's guild message, as the client's intents allow. */
  private deliverGuildMessage(session: Session, message: StoredMessage, repliesToBot = false): MessageCreateResult {
    const { id, channel_id: channelId } = message;
    if (!(session.intents & GUILD_MESSAGES)) return { id, channelId, sentAt: performance.now(), delivered: false };
    const mentionsBot = message.mentions.some((u) => u.id === this.state.botUser.id) || repliesToBot;
    const data = this.state.gatewayMessage(message);
    if (!(session.intents & MESSAGE_CONTENT) && !mentionsBot) {
      // Discord blanks these fields without the MESSAGE_CONTENT privileged intent.
      Object.assign(data, { content: "", embeds: [], attachments: [], components: [] });
      delete data.poll;
    }
    const sentAt = performance.now();
    this.gateway.dispatch(GatewayDispatchEvents.MessageCreate, data, session);
    return { id, channelId, sentAt, delivered: true };
  }

  directMessage(opts: DirectMessageOptions): MessageCreateResult {
    const session = this.gateway.requireSession("a direct message");
    const user = this.state.user({ userId: opts.userId, username: opts.username });
    if (user.bot) throw new Error("fake Discord: a direct message comes from a (non-bot) user");
    const dm = this.state.dmChannel(user);
    const message = this.state.newMessage(dm.id, user, { content: opts.content });
    // DMs need the DIRECT_MESSAGES intent; their content is sent even without MESSAGE_CONTENT.
    if (!(session.intents & DIRECT_MESSAGES)) return { id: message.id, channelId: dm.id, sentAt: performance.now(), delivered: false };
    const sentAt = performance.now();
    this.gateway.dispatch(GatewayDispatchEvents.MessageCreate, this.state.gatewayMessage(message), session);
    return { id: message.id, channelId: dm.id, sentAt, delivered: true };
  }

  forumPost(opts: ForumPostOptions): ForumPostResult {
    const world = this.state;
    const session = this.gateway.requireSession("a forum post", world.guildOfChannel(world.forumChannelId));
    const author = world.user({ userId: opts.userId, username: opts.username });
    const forum = world.channelOrThrow(world.forumChannelId) as Channel & { last_message_id?: string | null };
    // A forum post is a public thread whose starter message has the thread's id.
    const thread = this.channels.newThread({
      id: snowflake(),
      type: ChannelType.PublicThread,
      parentId: forum.id,
      ownerId: author.id,
      name: opts.title,
    });
    const message = world.newMessage(thread.id, author, { content: opts.content }, MessageType.Default, thread.id);
    forum.last_message_id = thread.id;
    const sentAt = performance.now();
    // The bot is not a member of a thread someone else created, so no `member` here.
    this.gateway.dispatchIf(GUILDS, GatewayDispatchEvents.ThreadCreate, { ...thread, newly_created: true });
    const { delivered } = this.deliverGuildMessage(session, message);
    return { threadId: thread.id, messageId: message.id, sentAt, delivered };
  }
}
