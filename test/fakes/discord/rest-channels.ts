/*
 * REST handlers for channels: bot messages (create with replies and files, edit),
 * threads (from a message: the thread has the message's id; or without one),
 * thread membership, channel edits and DM channels.
 */
import { ChannelType, GatewayDispatchEvents, MessageType, type ChannelFlags } from "discord.js";
import type { FakeGateway } from "./gateway.js";
import { GUILD_MESSAGES, GUILDS, HAS_THREAD, isDM, isThread, snowflake, type FakeState, type StoredMessage, type Thread } from "./state.js";
import { asRecord, errorBody, formError, hasContent, iso, notFound, str, type Reply, type RequestContext } from "./util.js";

const wrongChannelType = (): Reply => ({ status: 400, body: errorBody(50024, "Cannot execute action on this channel type") });

export class ChannelHandlers {
  constructor(
    private readonly state: FakeState,
    private readonly gateway: FakeGateway,
  ) {}

  /** POST /channels/{id}/messages (guild text channels, threads and DMs). */
  createMessage(ctx: RequestContext, channelId: string): Reply {
    const world = this.state;
    const channel = world.channels.get(channelId);
    if (!channel) return notFound(10003, "Unknown Channel");
    if (channel.type === ChannelType.GuildForum) return wrongChannelType();
    if (isThread(channel) && channel.thread_metadata?.archived && channel.thread_metadata.locked) {
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
      referenced = world.messages.get(ref.message_id);
      if ((!referenced || referenced.channel_id !== (str(ref.channel_id) ?? channelId)) && ref.fail_if_not_exists !== false) {
        return formError("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message");
      }
    }
    const message = world.newMessage(channelId, world.botUser, body, referenced ? MessageType.Reply : MessageType.Default);
    if (ctx.files.length > 0) {
      message.attachments = ctx.files.map((f) => {
        const id = snowflake();
        return {
          id,
          filename: f.name,
          size: f.size,
          content_type: f.contentType,
          url: `${world.restApi}/attachments/${id}/${f.name}`,
          proxy_url: `${world.restApi}/attachments/${id}/${f.name}`,
        };
      });
    }
    if (referenced) {
      message.message_reference = {
        type: 0,
        message_id: referenced.id,
        channel_id: referenced.channel_id,
        ...(isDM(channel) ? {} : { guild_id: world.guildOfChannel(channel.id) ?? world.guildId }),
      };
      message.referenced_message = world.restMessage(referenced);
      const allowed = asRecord(body.allowed_mentions);
      const pingReplied = !("allowed_mentions" in body) || allowed.replied_user === true;
      if (pingReplied && !message.mentions.some((u) => u.id === referenced.author.id) && world.members.has(referenced.author.id)) {
        message.mentions.push(world.mentionOf(referenced.author, message));
      }
    }
    this.gateway.echo("MESSAGE_CREATE", message);
    return { status: 200, body: world.restMessage(message) };
  }

  /** PATCH /channels/{id}/messages/{mid}: only the bot's own messages. */
  editMessage(ctx: RequestContext, channelId: string, messageId: string): Reply {
    const world = this.state;
    const message = world.messages.get(messageId);
    if (!message || message.channel_id !== channelId) return notFound(10008, "Unknown Message");
    if (message.author.id !== world.botUser.id) {
      return { status: 403, body: errorBody(50005, "Cannot edit a message authored by another user") };
    }
    world.applyMessageFields(message, asRecord(ctx.body));
    message.edited_timestamp = iso();
    this.gateway.echo("MESSAGE_UPDATE", message);
    return { status: 200, body: world.restMessage(message) };
  }

  /** POST /channels/{id}/messages/{mid}/threads (messageId) or /channels/{id}/threads (null), in text channels. */
  startThread(ctx: RequestContext, channelId: string, messageId: string | null): Reply {
    const world = this.state;
    const parent = world.channels.get(channelId);
    if (!parent) return notFound(10003, "Unknown Channel");
    if (parent.type !== ChannelType.GuildText) return wrongChannelType();
    const body = asRecord(ctx.body);
    const name = str(body.name) ?? "";
    if (name.length < 1 || name.length > 100) return formError("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");

    let starter: StoredMessage | undefined;
    if (messageId !== null) {
      starter = world.messages.get(messageId);
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
    // A thread started from a message has the message's id.
    const thread = this.newThread({
      id: starter?.id ?? snowflake(),
      type,
      parentId: channelId,
      ownerId: world.botUser.id,
      name,
      rateLimitPerUser: typeof body.rate_limit_per_user === "number" ? body.rate_limit_per_user : 0,
      autoArchiveDuration: typeof body.auto_archive_duration === "number" ? body.auto_archive_duration : 4320,
      invitable: body.invitable !== false,
    });
    const now = thread.thread_metadata?.create_timestamp ?? iso();
    this.gateway.dispatchIf(GUILDS, GatewayDispatchEvents.ThreadCreate, {
      ...thread,
      newly_created: true,
      member: { id: thread.id, user_id: world.botUser.id, join_timestamp: now, flags: 0 },
    });
    if (starter) {
      starter.flags = (starter.flags ?? 0) | HAS_THREAD;
      starter.thread = thread;
      this.gateway.dispatchIf(GUILD_MESSAGES, GatewayDispatchEvents.MessageUpdate, world.gatewayMessage(starter));
    }
    return { status: 201, body: thread };
  }

  /** Creates and stores a thread channel. */
  newThread(t: {
    id: string;
    type: ChannelType.PublicThread | ChannelType.PrivateThread;
    parentId: string;
    ownerId: string;
    name: string;
    rateLimitPerUser?: number;
    autoArchiveDuration?: number;
    invitable?: boolean;
  }): Thread {
    const now = iso();
    const thread = {
      id: t.id,
      type: t.type,
      guild_id: this.state.guildOfChannel(t.parentId) ?? this.state.guildId,
      parent_id: t.parentId,
      owner_id: t.ownerId,
      name: t.name,
      last_message_id: null,
      rate_limit_per_user: t.rateLimitPerUser ?? 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      flags: 0 as ChannelFlags,
      thread_metadata: {
        archived: false,
        auto_archive_duration: (t.autoArchiveDuration ?? 4320) as 60,
        archive_timestamp: now,
        locked: false,
        create_timestamp: now,
        ...(t.type === ChannelType.PrivateThread ? { invitable: t.invitable !== false } : {}),
      },
      applied_tags: [],
    } as Thread;
    this.state.channels.set(thread.id, thread);
    return thread;
  }

  /** PUT / DELETE /channels/{id}/thread-members/@me. */
  threadMembership(threadId: string): Reply {
    const channel = this.state.channels.get(threadId);
    if (!channel) return notFound(10003, "Unknown Channel");
    if (!isThread(channel)) return wrongChannelType();
    return { status: 204 };
  }

  /** PATCH /channels/{id}: name and topic (channels), archived/locked/auto-archive (threads). */
  editChannel(ctx: RequestContext, id: string): Reply {
    const channel = this.state.channels.get(id);
    if (!channel) return notFound(10003, "Unknown Channel");
    if (isDM(channel)) return wrongChannelType();
    const body = asRecord(ctx.body);
    if (typeof body.name === "string") channel.name = body.name;
    if (!isThread(channel)) {
      if (typeof body.topic === "string" || body.topic === null) channel.topic = body.topic as string | null;
      this.gateway.dispatchIf(GUILDS, GatewayDispatchEvents.ChannelUpdate, channel);
    } else if (channel.thread_metadata) {
      const md = channel.thread_metadata;
      if (typeof body.archived === "boolean") {
        md.archived = body.archived;
        md.archive_timestamp = iso();
      }
      if (typeof body.locked === "boolean") md.locked = body.locked;
      if (typeof body.auto_archive_duration === "number") md.auto_archive_duration = body.auto_archive_duration as 60;
      this.gateway.dispatchIf(GUILDS, GatewayDispatchEvents.ThreadUpdate, channel);
    }
    return { status: 200, body: channel };
  }

  /** POST /users/@me/channels `{ recipient_id }`: the DM channel with that user. */
  createDM(ctx: RequestContext): Reply {
    const recipientId = str(asRecord(ctx.body).recipient_id);
    const user = recipientId ? this.state.users.get(recipientId) : undefined;
    if (!user || user.bot) return notFound(10013, "Unknown User");
    return { status: 200, body: this.state.dmChannel(user) };
  }
}
