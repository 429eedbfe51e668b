import { Client, Events, GatewayIntentBits, Partials, type Message } from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { shardOptions } from "../../src/discord/bot.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/fake-discord.js";

/*
 * The fake Discord's gateway with shards: IDENTIFY's `shard: [id, count]`,
 * READY and GUILD_CREATE for the guilds a shard owns, guild events routed by
 * (guild_id >> 22) % count, DMs to shard 0, and GET /gateway/bot's
 * recommended count for clients with `shards: "auto"`. Real discord.js clients.
 */

const open: { fake?: FakeDiscord; clients: Client[] } = { clients: [] };

afterEach(async () => {
  await Promise.all(open.clients.map((c) => c.destroy()));
  open.clients = [];
  await open.fake?.close();
});

async function login(fake: FakeDiscord, options: ReturnType<typeof shardOptions>): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent], rest: { api: fake.restApi }, ...options });
  open.clients.push(client);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(fake.token);
  await ready;
  return client;
}

/** A fake with `extra` more guilds, and their ids with the shard of `count` each lands on. */
async function fakeWithGuilds(extra: number, count: number, recommendedShards = 1) {
  const fake = await startFakeDiscord({ recommendedShards });
  open.fake = fake;
  const guilds = [{ guildId: fake.guildId, channelId: fake.channelId }];
  // Ids that differ in the bits that pick a shard: consecutive shards.
  for (let i = 1; i <= extra; i++) guilds.push(fake.addGuild({ guildId: String(BigInt(fake.guildId) + (BigInt(i) << 22n)) }));
  return { fake, guilds: guilds.map((g) => ({ ...g, shard: fake.shardOf(g.guildId, count) })) };
}

describe("fake Discord: shards", () => {
  it("maps the bot's options: none, auto, every shard, or some of them", () => {
    expect(shardOptions(null)).toEqual({});
    expect(shardOptions({ count: "auto", ids: null })).toEqual({ shards: "auto" });
    expect(shardOptions({ count: 3, ids: null })).toEqual({ shards: [0, 1, 2], shardCount: 3 });
    expect(shardOptions({ count: 3, ids: [2] })).toEqual({ shards: [2], shardCount: 3 });
  });

  it("gives each shard's client only its guilds, and sends a guild's messages to its shard only", async () => {
    const { fake, guilds } = await fakeWithGuilds(3, 2);
    const clients = [await login(fake, shardOptions({ count: 2, ids: [0] })), await login(fake, shardOptions({ count: 2, ids: [1] }))];
    const seen: [number, string][] = [];
    let allSeen = () => {};
    const received = new Promise<void>((resolve) => (allSeen = resolve));
    clients.forEach((c, shard) =>
      c.on(Events.MessageCreate, (m: Message) => {
        seen.push([shard, m.guildId ?? "dm"]);
        if (seen.length === guilds.length) allSeen();
      }),
    );
    for (const [shard, client] of clients.entries()) {
      expect([...client.guilds.cache.keys()].sort()).toEqual(guilds.filter((g) => g.shard === shard).map((g) => g.guildId).sort());
    }
    for (const g of guilds) {
      const sent = fake.messageCreate({ channelId: g.channelId, content: "hello" });
      expect(sent.delivered).toBe(true);
    }
    await received;
    expect(seen.sort()).toEqual(guilds.map((g) => [g.shard, g.guildId] as [number, string]).sort());
  });

  it("sends direct messages to shard 0, as Discord does", async () => {
    const { fake } = await fakeWithGuilds(1, 2);
    const clients = [1, 0].map((id) => new Client({ intents: [GatewayIntentBits.DirectMessages], partials: [Partials.Channel], rest: { api: fake.restApi }, ...shardOptions({ count: 2, ids: [id] }) }));
    open.clients.push(...clients);
    const heard: string[] = [];
    let first = () => {};
    const received = new Promise<void>((resolve) => (first = resolve));
    for (const client of clients) {
      client.on(Events.MessageCreate, (m: Message) => {
        heard.push(`${client.ws.shards.first()?.id ?? "?"}:${m.content}`);
        first();
      });
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(fake.token);
      await ready;
    }
    expect(fake.directMessage({ content: "hello in private" }).delivered).toBe(true);
    await received;
    expect(heard).toEqual(["0:hello in private"]);
  });

  it("runs the recommended number of shards in one client with shards: auto", async () => {
    const { fake, guilds } = await fakeWithGuilds(1, 2, 2);
    const client = await login(fake, shardOptions({ count: "auto", ids: null }));
    expect(client.ws.shards.map((s) => s.id).sort()).toEqual([0, 1]);
    expect([...client.guilds.cache.keys()].sort()).toEqual(guilds.map((g) => g.guildId).sort());
    expect(fake.shardSessions().map((s) => s.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });

  it("closes a connection that identifies as a shard outside its count with 4010 Invalid shard", async () => {
    const fake = await startFakeDiscord();
    open.fake = fake;
    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
    ws.on("message", () => ws.send(JSON.stringify({ op: 2, d: { token: fake.token, intents: 1, properties: {}, shard: [2, 2] } })));
    expect(await closed).toBe(4010);
  });
});
