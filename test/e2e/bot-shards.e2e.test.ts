import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/fake-discord.js";
import { startPgliteServer, type PgliteServer } from "../fakes/pglite-server.js";
import { cleanup, tempDir } from "../helpers.js";
import { callbackFor, customIdsOf, embedsOf, originalEditFor, startBot, type BotUnderTest } from "./helpers.js";

/*
 * Two bot processes' worth of the real bot (two apps, two discord.js clients,
 * two shared-state pools) running shards 0 and 1 of two against one fake
 * Discord, with Postgres (PGlite over the wire protocol) for the index and the
 * state they share. The fake routes each guild's events to shard
 * (guild_id >> 22) % 2, as Discord does.
 */

let root: string;
let server: PgliteServer;
let fake: FakeDiscord;
const shards: BotUnderTest[] = [];
/** Guild, its text channel, and the shard that owns it. */
const guilds: { id: string; channelId: string; shard: number }[] = [];

beforeAll(async () => {
  [root, server, fake] = await Promise.all([tempDir(), startPgliteServer(), startFakeDiscord()]);
  // A second guild whose id differs in the bit that picks between two shards: one guild on each.
  const second = fake.addGuild({ guildId: String(BigInt(fake.guildId) ^ (1n << 22n)) });
  guilds.push({ id: fake.guildId, channelId: fake.channelId, shard: fake.shardOf(fake.guildId, 2) }, { id: second.guildId, channelId: second.channelId, shard: fake.shardOf(second.guildId, 2) });
  const env = { DATABASE_URL: server.url, DISCORD_SHARDS: "2", DISCORD_RATE_LIMIT_BURST: "2", DISCORD_RATE_LIMIT_PER_MINUTE: "1" };
  // Started together: both migrate and ingest into one database (the advisory lock takes them in turn).
  shards.push(
    ...(await Promise.all(
      [0, 1].map((id) => startBot(path.join(root, `shard-${id}`), { ...env, DISCORD_SHARD_IDS: String(id) }, { fake, dataDir: path.join(root, `data-${id}`) })),
    )),
  );
}, 240_000);

afterAll(async () => {
  await Promise.all(shards.map((s) => s.stop()));
  await fake?.close();
  await server?.stop();
  await cleanup(root);
});

const owner = (guild: { shard: number }) => shards[guild.shard] as BotUnderTest;
const other = (guild: { shard: number }) => shards[1 - guild.shard] as BotUnderTest;

let members = 0;
const newMember = () => ({ userId: String(500000000000000000n + BigInt(++members)), username: `sharded${members}` });

describe("two shards of one bot, sharing Postgres", () => {
  it("identify as shards 0 and 1 of 2, and each is sent only the guilds it owns", () => {
    expect(guilds.map((g) => g.shard).sort()).toEqual([0, 1]);
    expect(fake.shardSessions().map((s) => s.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const g of guilds) {
      expect([...owner(g).bot.client.guilds.cache.keys()]).toEqual([g.id]);
      expect(other(g).bot.client.guilds.cache.has(g.id)).toBe(false);
    }
    expect(shards.every((s) => s.log.lines.some((l) => l.includes('"event":"bot.ready"') && l.includes('"sharedState":"postgres"')))).toBe(true);
  });

  it("answer a mention in each guild from the shard that owns it, and only from that one", async () => {
    for (const g of guilds) {
      const member = newMember();
      const sent = fake.messageCreate({ channelId: g.channelId, content: "Which countries did Xi visit after France?", mentionBot: true, ...member });
      const line = await owner(g).log.waitFor((l) => l.includes('"event":"message"') && l.includes(`"req":"${sent.id}"`));
      expect(line).toContain('"outcome":"answered"');
      expect(line).toContain(`"guild":"${g.id}"`);
      const reply = await fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${g.channelId}/messages` && JSON.stringify(r.body).includes("Serbia"));
      expect(reply.status).toBe(200);
      expect(other(g).log.lines.some((l) => l.includes(sent.id))).toBe(false);
    }
  });

  it("hold a member's rate limit across shards: two questions in one guild spend the allowance in the other", async () => {
    const member = newMember();
    const [first, second] = guilds as [(typeof guilds)[number], (typeof guilds)[number]];
    for (let i = 0; i < 2; i++) {
      const asked = fake.slashCommand({ name: "ask", channelId: first.channelId, options: [{ name: "question", type: 3, value: "What did Kallas say about rare earth exports?" }], ...member });
      const edit = await fake.waitForRequest(originalEditFor(asked.token));
      expect(embedsOf(edit.body)[0]?.description).toContain("rare earth");
    }
    const refused = fake.slashCommand({ name: "ask", channelId: second.channelId, options: [{ name: "question", type: 3, value: "Who hosted the trilateral meeting in Paris?" }], ...member });
    const callback = await fake.waitForRequest(callbackFor(refused.id));
    expect(callback.body).toMatchObject({ type: 4, data: { flags: 64 | 4 } });
    expect(JSON.stringify(callback.body)).toMatch(/asking faster than I can keep up/);
    await owner(second).log.waitFor((l) => l.includes(`"req":"${refused.id}"`) && l.includes('"outcome":"rate_limited"'));
    // Another member is unaffected.
    const fresh = fake.slashCommand({ name: "ask", channelId: second.channelId, options: [{ name: "question", type: 3, value: "Who hosted the trilateral meeting in Paris?" }], ...newMember() });
    expect((await fake.waitForRequest(callbackFor(fresh.id))).body).toMatchObject({ type: 5 });
  });

  it("store votes from both shards in one table, under one member hash", async () => {
    const member = newMember();
    const answerIds: string[] = [];
    for (const g of guilds) {
      const asked = fake.slashCommand({ name: "ask", channelId: g.channelId, options: [{ name: "question", type: 3, value: "Which countries did Xi visit after France?" }], ...member });
      const edit = await fake.waitForRequest(originalEditFor(asked.token));
      const up = customIdsOf(edit.body).find((id) => id.startsWith("feedback:up:")) as string;
      const message = edit.response as { id: string; channel_id: string };
      const click = fake.buttonClick({ customId: up, message: { id: message.id, channel_id: message.channel_id }, ...member });
      await owner(g).log.waitFor((l) => l.includes("feedback.recorded") && l.includes(click.id));
      answerIds.push(up.split(":").at(-1) as string);
    }
    const rows = (await server.db.query<{ answer_id: string; user_hash: string; vote: string; guild_id: string }>("SELECT answer_id, user_hash, vote, guild_id FROM summit_feedback WHERE answer_id = ANY($1)", [answerIds])).rows;
    expect(rows.map((r) => r.guild_id).sort()).toEqual(guilds.map((g) => g.id).sort());
    expect(rows.every((r) => r.vote === "up")).toBe(true);
    expect(new Set(rows.map((r) => r.user_hash)).size).toBe(1);
  });
});
