/*
 * Proves the local fake Discord (test/fakes/fake-discord.ts) is good enough for
 * a real discord.js Client: a tiny bot defined here logs in, answers a slash
 * command, a mention (reply + thread), a button and an autocomplete, and we
 * assert on what reached the fake. A second tiny bot covers what members do
 * beyond that: message context-menu commands, DMs, mentions of the bot's role,
 * forum posts, and commands hidden by `default_member_permissions`.
 * Nothing sleeps: every step awaits a recorded request, a gateway frame or an
 * event from the bot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  ContextMenuCommandBuilder,
  DiscordjsErrorCodes,
  Events,
  GatewayIntentBits,
  HTTPError,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  Routes,
  SlashCommandBuilder,
  ApplicationCommandType,
  type AnyThreadChannel,
  type Interaction,
  type Message,
} from "discord.js";
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from "../fakes/fake-discord.js";

/** Values the bot reports, awaitable past or future (no polling, no sleeps). */
class Probe<T> {
  private readonly items: T[] = [];
  private readonly waiters = new Set<{ match: (x: T) => boolean; resolve: (x: T) => void }>();

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) {
      if (w.match(item)) {
        this.waiters.delete(w);
        w.resolve(item);
      }
    }
  }

  all(match: (x: T) => boolean): T[] {
    return this.items.filter(match);
  }

  next(match: (x: T) => boolean, timeoutMs = 5_000): Promise<T> {
    const found = this.items.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`bot did not report a matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (x: T) => {
          clearTimeout(timer);
          resolve(x);
        },
      };
      this.waiters.add(waiter);
    });
  }
}

type BotEvent =
  | { kind: "pong"; interactionId: string }
  | { kind: "editReplyError"; interactionId: string; error: unknown }
  | { kind: "buttonReplied"; interactionId: string; messageId: string }
  | { kind: "threadStarted"; sourceMessageId: string; threadId: string }
  | { kind: "threadMessage"; message: Message }
  | { kind: "error"; where: string; error: unknown };

/** The tiny bot under test: plain discord.js handlers, like a real bot would have. */
function attachBot(client: Client, events: Probe<BotEvent>): void {
  async function onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand() && interaction.commandName === "ping") {
      await interaction.deferReply();
      try {
        await interaction.editReply({ content: "pong", allowedMentions: { parse: [] } });
        events.push({ kind: "pong", interactionId: interaction.id });
      } catch (error) {
        events.push({ kind: "editReplyError", interactionId: interaction.id, error });
      }
    } else if (interaction.isButton() && interaction.customId === "confirm") {
      await interaction.reply({ content: "Confirmed.", flags: MessageFlags.Ephemeral });
      events.push({ kind: "buttonReplied", interactionId: interaction.id, messageId: interaction.message.id });
    } else if (interaction.isAutocomplete() && interaction.commandName === "ask") {
      const focused = interaction.options.getFocused(true);
      const topics = ["EU-China summit 2023", "EU-China summit 2024", "Trade and climate"];
      await interaction.respond(
        topics
          .filter((t) => t.toLowerCase().includes(focused.value.toLowerCase()))
          .map((name) => ({ name, value: name })),
      );
    }
  }

  async function onMessage(message: Message): Promise<void> {
    if (message.author.id === client.user?.id) return; // Discord echoes the bot's own messages
    if (message.channel.isThread()) {
      events.push({ kind: "threadMessage", message });
      return;
    }
    if (client.user && message.mentions.users.has(client.user.id)) {
      await message.reply({ content: "Let me look that up.", allowedMentions: { repliedUser: false } });
      const thread = await message.startThread({ name: "Summit question" });
      await thread.send("Here is what I found.");
      events.push({ kind: "threadStarted", sourceMessageId: message.id, threadId: thread.id });
    }
  }

  client.on(Events.InteractionCreate, (i) => {
    onInteraction(i).catch((error: unknown) => events.push({ kind: "error", where: "interaction", error }));
  });
  client.on(Events.MessageCreate, (m) => {
    onMessage(m).catch((error: unknown) => events.push({ kind: "error", where: "message", error }));
  });
}

const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent];

describe("fake Discord drives a real discord.js Client", () => {
  let fake: FakeDiscord;
  let client: Client;
  const events = new Probe<BotEvent>();
  const is =
    (method: string, path: string) =>
    (r: RecordedRequest): boolean =>
      r.method === method && r.path === path;

  beforeAll(async () => {
    fake = await startFakeDiscord({ heartbeatIntervalMs: 1_000 });
    client = new Client({ intents: INTENTS, rest: { api: fake.restApi } });
    attachBot(client, events);
    const clientReady = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(fake.token);
    await clientReady;
    await fake.ready();
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
    // Everything the tiny bot sent matches Discord's OpenAPI description.
    fake?.assertNoSpecViolations();
  });

  it("logs in with GET /gateway/bot only, identifies, and caches the guild and channel", async () => {
    const loginRequests = fake.requests.filter((r) => r.receivedAt <= (fake.gatewayFrames[0]?.at ?? Infinity));
    expect(loginRequests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /gateway/bot"]);
    expect(loginRequests[0]?.headers.authorization).toBe(`Bot ${fake.token}`);

    const identify = await fake.waitForGateway((f) => f.direction === "in" && f.op === 2);
    expect(identify.d).toMatchObject({ token: fake.token, intents: 1 | (1 << 9) | (1 << 15), shard: [0, 1], compress: false });
    expect(fake.gatewayFrames.filter((f) => f.direction === "out" && f.op === 0).map((f) => [f.t, f.s]).slice(0, 2)).toEqual([
      ["READY", 1],
      ["GUILD_CREATE", 2],
    ]);

    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.application?.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.members.me?.id).toBe(fake.botUser.id);
    expect(client.channels.cache.get(fake.channelId)?.isTextBased()).toBe(true);
  });

  it("/ping: deferReply then editReply reach the interaction callback and @original", async () => {
    const { id, token, sentAt } = fake.slashCommand({ name: "ping" });

    const callback = await fake.waitForRequest(is("POST", `/interactions/${id}/${token}/callback`));
    expect(callback.body).toEqual({ type: 5, data: { flags: 0 } });
    expect(callback.query).toEqual({ with_response: "false" });
    expect(callback.headers.authorization).toBeUndefined(); // interaction routes are unauthenticated
    expect(callback.status).toBe(204);

    const edit = await fake.waitForRequest(is("PATCH", `/webhooks/${fake.applicationId}/${token}/messages/@original`));
    expect(edit.body).toMatchObject({ content: "pong", allowed_mentions: { parse: [] } });
    expect(edit.status).toBe(200);
    expect(edit.response).toMatchObject({ content: "pong", channel_id: fake.channelId, author: { id: fake.botUser.id } });
    expect(callback.receivedAt).toBeGreaterThan(sentAt);
    expect(edit.receivedAt).toBeGreaterThan(callback.receivedAt);

    await events.next((e) => e.kind === "pong" && e.interactionId === id);
  });

  it("a mention gets a reply, a thread from the message and a post in it; thread messages reach the bot", async () => {
    const user = fake.user({ username: "bob" });
    const mention = fake.messageCreate({ content: "what happened at the 2023 summit?", mentionBot: true, userId: user.id });
    expect(mention.delivered).toBe(true);

    const reply = await fake.waitForRequest(
      (r) => is("POST", `/channels/${fake.channelId}/messages`)(r) && JSON.stringify(r.body).includes(mention.id),
    );
    expect(reply.body).toMatchObject({
      content: "Let me look that up.",
      message_reference: { message_id: mention.id },
      allowed_mentions: { replied_user: false },
    });
    expect(reply.response).toMatchObject({ type: 19, channel_id: fake.channelId, author: { id: fake.botUser.id, bot: true } });

    const start = await fake.waitForRequest(is("POST", `/channels/${fake.channelId}/messages/${mention.id}/threads`));
    expect(start.body).toMatchObject({ name: "Summit question", type: 11 });
    expect(start.response).toMatchObject({
      id: mention.id, // a thread started from a message has the message's id
      type: 11,
      parent_id: fake.channelId,
      guild_id: fake.guildId,
      owner_id: fake.botUser.id,
      thread_metadata: { archived: false, locked: false },
    });
    expect(fake.gatewayFrames.some((f) => f.t === "THREAD_CREATE" && (f.d as { id?: string }).id === mention.id)).toBe(true);

    const threadId = mention.id;
    const post = await fake.waitForRequest(is("POST", `/channels/${threadId}/messages`));
    expect(post.body).toMatchObject({ content: "Here is what I found." });
    expect(post.response).toMatchObject({ channel_id: threadId });

    const started = await events.next((e) => e.kind === "threadStarted" && e.sourceMessageId === mention.id);
    expect(started).toMatchObject({ threadId });
    expect(client.channels.cache.get(threadId)?.isThread()).toBe(true);

    const inThread = fake.messageCreate({ content: "and the 2024 one?", channelId: threadId, userId: user.id });
    const seen = await events.next((e) => e.kind === "threadMessage" && e.message.id === inThread.id);
    if (seen.kind !== "threadMessage") throw new Error("unreachable");
    expect(seen.message.channel.isThread()).toBe(true);
    expect(seen.message.channelId).toBe(threadId);
    expect(seen.message.author.id).toBe(user.id);
    expect(seen.message.author.bot).toBe(false);
    expect(seen.message.content).toBe("and the 2024 one?");
    if (seen.message.channel.isThread()) expect(seen.message.channel.parentId).toBe(fake.channelId);
  });

  it("a button click gets an ephemeral reply (callback type 4, flags 64)", async () => {
    const channel = client.channels.cache.get(fake.channelId);
    if (!channel?.isSendable()) throw new Error("channel not sendable");
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId("confirm").setLabel("Confirm").setStyle(ButtonStyle.Primary),
    );
    const sent = await channel.send({ content: "Confirm?", components: [row] });

    const click = fake.buttonClick({ customId: "confirm", message: { id: sent.id, channel_id: sent.channelId } });
    const callback = await fake.waitForRequest(is("POST", `/interactions/${click.id}/${click.token}/callback`));
    expect(callback.body).toMatchObject({ type: 4, data: { content: "Confirmed.", flags: 64 } });
    expect(callback.status).toBe(204);
    await expect(events.next((e) => e.kind === "buttonReplied" && e.interactionId === click.id)).resolves.toMatchObject({
      messageId: sent.id,
    });
  });

  it("autocomplete is answered with choices (callback type 8)", async () => {
    const { id, token } = fake.autocomplete({
      name: "ask",
      options: [{ name: "topic", type: 3, value: "summit", focused: true }],
    });
    const callback = await fake.waitForRequest(is("POST", `/interactions/${id}/${token}/callback`));
    expect(callback.body).toEqual({
      type: 8,
      data: {
        choices: [
          { name: "EU-China summit 2023", value: "EU-China summit 2023" },
          { name: "EU-China summit 2024", value: "EU-China summit 2024" },
        ],
      },
    });
  });

  it("an injected 500 on PATCH @original makes editReply reject (after @discordjs/rest's 3 retries)", async () => {
    const failure = fake.failNext((method, path) => method === "PATCH" && path.endsWith("/messages/@original"), {
      status: 500,
      times: 4, // @discordjs/rest retries 5xx `retries` (3) times before throwing
    });
    const { id, token } = fake.slashCommand({ name: "ping" });

    const seen = await events.next((e) => e.kind === "editReplyError" && e.interactionId === id);
    if (seen.kind !== "editReplyError") throw new Error("unreachable");
    expect(seen.error).toBeInstanceOf(HTTPError);
    expect(seen.error).toMatchObject({ status: 500, method: "PATCH" });

    const patches = fake.requests.filter(is("PATCH", `/webhooks/${fake.applicationId}/${token}/messages/@original`));
    expect(patches.map((p) => [p.status, p.injected])).toEqual([
      [500, true],
      [500, true],
      [500, true],
      [500, true],
    ]);
    expect(failure.used).toBe(4);
  });

  it("a 429 with Retry-After is waited out (Retry-After + 50 ms offset) and retried by @discordjs/rest", async () => {
    fake.failNext((method, path) => method === "POST" && path === `/channels/${fake.channelId}/messages`, {
      status: 429,
      retryAfter: 0.1,
    });
    const channel = client.channels.cache.get(fake.channelId);
    if (!channel?.isSendable()) throw new Error("channel not sendable");
    const message = await channel.send("after a rate limit");

    const attempts = fake.requests.filter(
      (r) => is("POST", `/channels/${fake.channelId}/messages`)(r) && (r.body as { content?: string }).content === "after a rate limit",
    );
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    const [limited, retried] = attempts;
    expect(limited?.response).toMatchObject({ retry_after: 0.1, global: false });
    expect((retried?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)).toBeGreaterThanOrEqual(145);
    expect(message.id).toBe((retried?.response as { id?: string }).id);
  });

  it("resumes after a dropped connection and replays the events it missed", async () => {
    const resumed = new Promise<number>((resolve) => client.once(Events.ShardResume, (_id, replayed) => resolve(replayed)));
    const lastSeq = fake.gatewayFrames.filter((f) => f.direction === "out" && f.s !== null).at(-1)?.s;

    fake.dropConnection(4000); // any non-1000, recoverable close code makes @discordjs/ws resume
    // Sent while the client is disconnected: the fake buffers it and replays it after RESUME.
    const missed = fake.messageCreate({ content: "are you still there?", mentionBot: true, username: "carol" });

    const resume = await fake.waitForGateway((f) => f.direction === "in" && f.op === 6);
    expect(resume.d).toMatchObject({ token: fake.token, seq: lastSeq });
    const replay = await fake.waitForGateway((f) => f.direction === "out" && f.t === "MESSAGE_CREATE" && f.at >= resume.at);
    expect(replay.d).toMatchObject({ id: missed.id });
    await fake.waitForGateway((f) => f.direction === "out" && f.t === "RESUMED");
    expect(await resumed).toBeGreaterThanOrEqual(1);

    // The replayed mention was handled like any other.
    await events.next((e) => e.kind === "threadStarted" && e.sourceMessageId === missed.id);
  });

  it("answers heartbeats with HEARTBEAT_ACK", async () => {
    // Interval 1000 ms here; the first beat of a connection comes after a random jitter, so by
    // now (after the resume) there usually is one already.
    const beat = await fake.waitForGateway((f) => f.direction === "in" && f.op === 1);
    expect(typeof beat.d === "number" || beat.d === null).toBe(true); // the last sequence number seen
    const ack = await fake.waitForGateway((f) => f.direction === "out" && f.op === 11 && f.at >= beat.at);
    expect(ack.at).toBeGreaterThanOrEqual(beat.at);
  });

  it("rejects a wrong token at login (401 on GET /gateway/bot -> TokenInvalid)", async () => {
    const intruder = new Client({ intents: INTENTS, rest: { api: fake.restApi } });
    try {
      await expect(intruder.login("not-the-token")).rejects.toMatchObject({ code: DiscordjsErrorCodes.TokenInvalid });
    } finally {
      await intruder.destroy();
    }
    const unauthorized = fake.requests.filter((r) => r.path === "/gateway/bot" && r.status === 401);
    expect(unauthorized).toHaveLength(1);
  });

  it("does not deliver a DM to a client without the DirectMessages intent", () => {
    const dm = fake.directMessage({ content: "psst", username: "mallory" });
    expect(dm.delivered).toBe(false);
    expect(fake.gatewayFrames.some((f) => f.t === "MESSAGE_CREATE" && (f.d as { id?: string }).id === dm.id)).toBe(false);
    // The DM channel exists all the same, with the message in it.
    expect(fake.channelMessages(dm.channelId).map((m) => m.content)).toEqual(["psst"]);
  });

  it("the bot reported no unexpected errors and nothing hit an unknown route", () => {
    expect(events.all((e) => e.kind === "error")).toEqual([]);
    expect(fake.requests.filter((r) => r.status === 404)).toEqual([]);
  });
});

type MemberEvent =
  | { kind: "contextMenu"; interactionId: string; channelId: string; targetId: string; targetContent: string; fetchedContent: string }
  | { kind: "permissions"; interactionId: string; commandName: string; permissions: string }
  | { kind: "dm"; message: Message; recipientId: string | null }
  | { kind: "dmReplied"; replyId: string }
  | { kind: "roleMention"; message: Message; roleId: string; roleBotId: string | null }
  | { kind: "threadCreate"; thread: AnyThreadChannel; newlyCreated: boolean }
  | { kind: "forumStarter"; message: Message; replyId: string }
  | { kind: "forumFollowUp"; message: Message }
  | { kind: "error"; where: string; error: unknown };

/** A second tiny bot: handles what members do beyond slash commands and mentions. */
function attachMemberBot(client: Client, events: Probe<MemberEvent>): void {
  async function onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isMessageContextMenuCommand()) {
      const target = interaction.targetMessage;
      const fetched = await target.fetch(true); // GET /channels/{id}/messages/{id}: the fake stored it
      await interaction.reply({ content: `About: ${target.content}`, allowedMentions: { parse: [] } });
      events.push({
        kind: "contextMenu",
        interactionId: interaction.id,
        channelId: interaction.channelId,
        targetId: interaction.targetId,
        targetContent: target.content,
        fetchedContent: fetched.content,
      });
    } else if (interaction.isChatInputCommand()) {
      await interaction.reply({ content: "done", flags: MessageFlags.Ephemeral });
      events.push({
        kind: "permissions",
        interactionId: interaction.id,
        commandName: interaction.commandName,
        permissions: interaction.memberPermissions?.bitfield.toString() ?? "none",
      });
    }
  }

  async function onMessage(message: Message): Promise<void> {
    if (message.author.id === client.user?.id) return;
    if (message.channel.type === ChannelType.DM) {
      // The channel was made from the message (Partials.Channel); fetching a DM channel is
      // POST /users/@me/channels in discord.js.
      const channel = await message.channel.fetch(true);
      events.push({ kind: "dm", message, recipientId: channel.type === ChannelType.DM ? channel.recipientId : null });
      await message.channel.sendTyping();
      const reply = await message.reply({ content: "Got it.", allowedMentions: { repliedUser: false } });
      await reply.edit("Got it, looking.");
      events.push({ kind: "dmReplied", replyId: reply.id });
      return;
    }
    const role = message.mentions.roles.find((r) => r.tags?.botId === client.user?.id);
    if (role) {
      events.push({ kind: "roleMention", message, roleId: role.id, roleBotId: role.tags?.botId ?? null });
      return;
    }
    const channel = message.channel;
    if (channel.isThread() && channel.parent?.type === ChannelType.GuildForum) {
      if (message.id === channel.id) {
        const reply = await channel.send("Thanks for your post.");
        events.push({ kind: "forumStarter", message, replyId: reply.id });
      } else {
        events.push({ kind: "forumFollowUp", message });
      }
    }
  }

  client.on(Events.InteractionCreate, (i) => {
    onInteraction(i).catch((error: unknown) => events.push({ kind: "error", where: "interaction", error }));
  });
  client.on(Events.MessageCreate, (m) => {
    onMessage(m).catch((error: unknown) => events.push({ kind: "error", where: "message", error }));
  });
  client.on(Events.ThreadCreate, (thread, newlyCreated) => events.push({ kind: "threadCreate", thread, newlyCreated }));
}

describe("fake Discord: context menus, DMs, role mentions, forum posts and permissions", () => {
  let fake: FakeDiscord;
  let client: Client;
  const events = new Probe<MemberEvent>();
  const MANAGE_GUILD = PermissionFlagsBits.ManageGuild.toString();
  let moderatorId = "";

  beforeAll(async () => {
    fake = await startFakeDiscord({ heartbeatIntervalMs: 1_000 });
    // Created before login: the member's permissions come with GUILD_CREATE (as a role).
    moderatorId = fake.user({ username: "mod", permissions: MANAGE_GUILD }).id;
    client = new Client({
      intents: [...INTENTS, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel], // discord.js drops messages from uncached DM channels without it
      rest: { api: fake.restApi },
    });
    attachMemberBot(client, events);
    const clientReady = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(fake.token);
    await clientReady;
    // Registered through REST (PUT guild commands), as a deploy script would. Discord's API
    // description types default_member_permissions as an integer (builders make a string).
    const commands = [
      new SlashCommandBuilder().setName("ping").setDescription("Anyone may ping").toJSON(),
      new SlashCommandBuilder().setName("purge").setDescription("Moderators only").setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild).toJSON(),
      new ContextMenuCommandBuilder().setName("Ask about this").setType(ApplicationCommandType.Message).toJSON(),
      new ContextMenuCommandBuilder()
        .setName("Report")
        .setType(ApplicationCommandType.Message)
        .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
        .toJSON(),
    ].map((c) => ({ ...c, default_member_permissions: c.default_member_permissions == null ? null : Number(c.default_member_permissions) }));
    await client.rest.put(Routes.applicationGuildCommands(fake.applicationId, fake.guildId), { body: commands });
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
    fake?.assertNoSpecViolations();
  });

  it("the guild has a second text channel, a forum channel and the bot's managed role", () => {
    const guild = client.guilds.cache.get(fake.guildId);
    expect(client.channels.cache.get(fake.otherChannelId)?.type).toBe(ChannelType.GuildText);
    const forum = client.channels.cache.get(fake.forumChannelId);
    expect(forum?.type).toBe(ChannelType.GuildForum);
    if (forum?.type === ChannelType.GuildForum) expect(forum.availableTags).toEqual([]);
    const role = guild?.roles.cache.get(fake.botRoleId);
    expect(role?.managed).toBe(true);
    expect(role?.tags?.botId).toBe(fake.botUser.id);
    expect(guild?.members.me?.roles.cache.has(fake.botRoleId)).toBe(true);
  });

  it("a message context-menu command on a fabricated message reaches the bot with the target message", async () => {
    const { id, token, channelId } = fake.messageContextMenu({
      name: "Ask about this",
      target: { content: "Was the 2023 summit in Beijing?" },
    });
    expect(channelId).toBe(fake.channelId);
    const seen = await events.next((e) => e.kind === "contextMenu" && e.interactionId === id);
    if (seen.kind !== "contextMenu") throw new Error("unreachable");
    expect(seen.targetContent).toBe("Was the 2023 summit in Beijing?");
    expect(seen.fetchedContent).toBe("Was the 2023 summit in Beijing?");
    expect(fake.channelMessages(fake.channelId).some((m) => m.id === seen.targetId && m.author.id === fake.defaultUser.id)).toBe(true);

    const frame = fake.gatewayFrames.find((f) => f.t === "INTERACTION_CREATE" && (f.d as { id?: string }).id === id);
    expect(frame?.d).toMatchObject({
      type: 2,
      data: { type: 3, name: "Ask about this", target_id: seen.targetId, resolved: { messages: { [seen.targetId]: { id: seen.targetId } } } },
    });
    const callback = await fake.waitForRequest((r) => r.path === `/interactions/${id}/${token}/callback`);
    expect(callback.body).toMatchObject({ type: 4, data: { content: "About: Was the 2023 summit in Beijing?" } });
  });

  it("a message context-menu command on a known message uses it and its channel", async () => {
    const bob = fake.user({ username: "bob" });
    const original = fake.messageCreate({ content: "The summit was postponed.", channelId: fake.otherChannelId, userId: bob.id });
    const { id } = fake.messageContextMenu({ name: "Ask about this", targetMessageId: original.id });
    const seen = await events.next((e) => e.kind === "contextMenu" && e.interactionId === id);
    expect(seen).toMatchObject({ channelId: fake.otherChannelId, targetId: original.id, targetContent: "The summit was postponed." });
  });

  it("a DM reaches the bot (no guild), which fetches the channel, types, replies and edits in it", async () => {
    const dm = fake.directMessage({ content: "hi bot, a question", username: "erin" });
    expect(dm.delivered).toBe(true);
    const frame = fake.gatewayFrames.find((f) => f.t === "MESSAGE_CREATE" && (f.d as { id?: string }).id === dm.id);
    expect(frame?.d).toMatchObject({ channel_id: dm.channelId, content: "hi bot, a question" });
    expect(frame?.d).not.toHaveProperty("guild_id");
    expect(frame?.d).not.toHaveProperty("member");

    const seen = await events.next((e) => e.kind === "dm" && e.message.id === dm.id);
    if (seen.kind !== "dm") throw new Error("unreachable");
    expect(seen.message.guildId).toBeNull();
    expect(seen.message.channelId).toBe(dm.channelId);
    expect(seen.message.content).toBe("hi bot, a question");
    const erin = fake.user({ username: "erin" });
    expect(seen.recipientId).toBe(erin.id);
    const open = await fake.waitForRequest((r) => r.method === "POST" && r.path === "/users/@me/channels");
    expect(open.body).toEqual({ recipient_id: erin.id });
    expect(open.response).toMatchObject({ id: dm.channelId, type: ChannelType.DM, recipients: [{ id: erin.id }] });
    await fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${dm.channelId}/typing` && r.status === 204);
    const reply = await fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${dm.channelId}/messages`);
    expect(reply.body).toMatchObject({ content: "Got it.", message_reference: { message_id: dm.id } });
    expect(reply.response).toMatchObject({ type: 19, channel_id: dm.channelId, message_reference: { message_id: dm.id } });
    const replied = await events.next((e) => e.kind === "dmReplied");
    if (replied.kind !== "dmReplied") throw new Error("unreachable");
    const edit = await fake.waitForRequest((r) => r.method === "PATCH" && r.path === `/channels/${dm.channelId}/messages/${replied.replyId}`);
    expect(edit.status).toBe(200);
    expect(fake.channelMessages(dm.channelId).map((m) => [m.author.id, m.content])).toEqual([
      [erin.id, "hi bot, a question"],
      [fake.botUser.id, "Got it, looking."],
    ]);

    // GET /channels/{id} answers the DM channel (discord.js' channels.fetch).
    const channel = await client.channels.fetch(dm.channelId, { force: true });
    expect(channel?.type).toBe(ChannelType.DM);
    // A second DM from the same user lands in the same channel.
    expect(fake.directMessage({ content: "thanks", userId: erin.id }).channelId).toBe(dm.channelId);
  });

  it("the bot can open a DM with a member (POST /users/@me/channels) and write there", async () => {
    const frank = fake.user({ username: "frank" });
    const sent = await client.users.send(frank.id, "Your answer is ready.");
    const open = await fake.waitForRequest(
      (r) => r.method === "POST" && r.path === "/users/@me/channels" && (r.body as { recipient_id?: string }).recipient_id === frank.id,
    );
    const dmId = (open.response as { id: string }).id;
    expect(sent.channelId).toBe(dmId);
    expect(fake.channelMessages(dmId).map((m) => m.content)).toEqual(["Your answer is ready."]);
  });

  it("a mention of the bot's managed role reaches the bot as a role mention with tags.botId", async () => {
    const sent = fake.messageCreate({ content: "what about trade?", mentionBotRole: true });
    expect(sent.delivered).toBe(true);
    const seen = await events.next((e) => e.kind === "roleMention" && e.message.id === sent.id);
    if (seen.kind !== "roleMention") throw new Error("unreachable");
    expect(seen.roleId).toBe(fake.botRoleId);
    expect(seen.roleBotId).toBe(fake.botUser.id);
    expect(seen.message.content).toBe(`<@&${fake.botRoleId}> what about trade?`);
    expect(seen.message.mentions.users.size).toBe(0);
  });

  it("a forum post creates a thread (THREAD_CREATE, then the starter message); the bot answers and sees follow-ups", async () => {
    const dora = fake.user({ username: "dora" });
    const post = fake.forumPost({ title: "When was the first summit?", content: "I cannot find it.", userId: dora.id });
    expect(post.delivered).toBe(true);
    expect(post.messageId).toBe(post.threadId);

    const created = await events.next((e) => e.kind === "threadCreate" && e.thread.id === post.threadId);
    if (created.kind !== "threadCreate") throw new Error("unreachable");
    expect(created.newlyCreated).toBe(true);
    expect(created.thread.type).toBe(ChannelType.PublicThread);
    expect(created.thread.parentId).toBe(fake.forumChannelId);
    expect(created.thread.ownerId).toBe(dora.id);
    expect(created.thread.name).toBe("When was the first summit?");
    const order = fake.gatewayFrames.filter((f) => (f.d as { id?: string } | null)?.id === post.threadId).map((f) => f.t);
    expect(order).toEqual(["THREAD_CREATE", "MESSAGE_CREATE"]);

    const starter = await events.next((e) => e.kind === "forumStarter" && e.message.id === post.messageId);
    if (starter.kind !== "forumStarter") throw new Error("unreachable");
    expect(starter.message.content).toBe("I cannot find it.");
    expect(starter.message.author.id).toBe(dora.id);
    const answer = await fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${post.threadId}/messages`);
    expect(answer.status).toBe(200);

    const followUp = fake.messageCreate({ channelId: post.threadId, content: "Found it: 1998.", userId: dora.id });
    const seen = await events.next((e) => e.kind === "forumFollowUp" && e.message.id === followUp.id);
    if (seen.kind !== "forumFollowUp") throw new Error("unreachable");
    expect(seen.message.channelId).toBe(post.threadId);
    expect(fake.channelMessages(post.threadId).map((m) => m.content)).toEqual([
      "I cannot find it.",
      "Thanks for your post.",
      "Found it: 1998.",
    ]);
  });

  it("members' permissions reach the bot, and commands hidden by default_member_permissions throw", async () => {
    // The moderator was created before login: GUILD_CREATE gave them a role with ManageGuild.
    const guild = client.guilds.cache.get(fake.guildId);
    const modMember = guild?.members.cache.get(moderatorId);
    expect(modMember?.permissions.has(PermissionFlagsBits.ManageGuild)).toBe(true);

    expect(() => fake.slashCommand({ name: "purge" })).toThrow(/would not show the command "purge"/);
    expect(() => fake.messageContextMenu({ name: "Report", target: { content: "spam" } })).toThrow(/would not show the command "Report"/);

    const purge = fake.slashCommand({ name: "purge", userId: moderatorId });
    const seen = await events.next((e) => e.kind === "permissions" && e.interactionId === purge.id);
    if (seen.kind !== "permissions") throw new Error("unreachable");
    expect(BigInt(seen.permissions) & PermissionFlagsBits.ManageGuild).toBe(PermissionFlagsBits.ManageGuild);

    // Permissions given after login arrive as GUILD_ROLE_CREATE; Administrator counts as every permission.
    const admin = fake.user({ username: "admin", permissions: PermissionFlagsBits.Administrator.toString() });
    await fake.waitForGateway((f) => f.t === "GUILD_ROLE_CREATE");
    const report = fake.messageContextMenu({ name: "Report", userId: admin.id, target: { content: "spam" } });
    const reportFrame = fake.gatewayFrames.find((f) => f.t === "INTERACTION_CREATE" && (f.d as { id?: string }).id === report.id);
    const sentPermissions = BigInt((reportFrame?.d as { member: { permissions: string } }).member.permissions);
    expect(sentPermissions & PermissionFlagsBits.ManageMessages).toBe(PermissionFlagsBits.ManageMessages);

    // Unrestricted and unregistered commands dispatch for everyone.
    const ping = fake.slashCommand({ name: "ping" });
    await events.next((e) => e.kind === "permissions" && e.interactionId === ping.id);
    expect(() => fake.slashCommand({ name: "not-registered" })).not.toThrow();
  });

  it("the bot reported no unexpected errors and nothing hit an unknown route", () => {
    expect(events.all((e) => e.kind === "error")).toEqual([]);
    expect(fake.requests.filter((r) => r.status === 404)).toEqual([]);
  });
});
