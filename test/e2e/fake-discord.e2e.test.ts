/*
 * Proves the local fake Discord (test/fakes/fake-discord.ts) is good enough for
 * a real discord.js Client: a tiny bot defined here logs in, answers a slash
 * command, a mention (reply + thread), a button and an autocomplete, and we
 * assert on what reached the fake. Nothing sleeps: every step awaits a recorded
 * request, a gateway frame or an event from the bot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordjsErrorCodes,
  Events,
  GatewayIntentBits,
  HTTPError,
  MessageFlags,
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

  it("the bot reported no unexpected errors and nothing hit an unknown route", () => {
    expect(events.all((e) => e.kind === "error")).toEqual([]);
    expect(fake.requests.filter((r) => r.status === 404)).toEqual([]);
  });
});
