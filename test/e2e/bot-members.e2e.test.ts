import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { PermissionFlagsBits } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, tempDir } from "../helpers.js";
import { callbackFor, contentOf, customIdsOf, embedsOf, originalEditFor, startBot, type BotUnderTest } from "./helpers.js";

/*
 * What members and moderators expect, end to end against the fake Discord:
 * the "Ask about this message" context menu, mentions of the bot's role,
 * DMs, auto-answer channels and forums, channel scope, private lists,
 * linked titles, Sources after a restart, /reload and /stats.
 */

const ASK = (question: string, userId?: string) => ({ name: "ask", options: [{ name: "question", type: 3, value: question }], ...(userId ? { userId } : {}) });
const replyTo = (messageId: string) => (r: { method: string; body: unknown }) =>
  r.method === "POST" && (r.body as { message_reference?: { message_id: string } } | null)?.message_reference?.message_id === messageId;
let nextUser = 700_000_000_000_000_000n;
const member = () => String(nextUser++);

let root: string;
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => cleanup(root));

describe("members", () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBot(
      path.join(root, "members"),
      (fake) => ({ DISCORD_ANSWER_DMS: "true", DISCORD_AUTO_ANSWER_CHANNELS: `${fake.forumChannelId},${fake.otherChannelId}` }),
      {
        // Every article gets a url in its metadata, so citations link their titles.
        async prepareCorpus(dir) {
          const file = path.join(dir, "metadata.json");
          const meta = JSON.parse(await readFile(file, "utf8")) as { articles: Record<string, Record<string, unknown>> };
          for (const [source, entry] of Object.entries(meta.articles)) entry.url = `https://news.example/${source.replace(/\.txt$/, "")}`;
          await writeFile(file, JSON.stringify(meta));
        },
      },
    );
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("answers “Ask about this message” about the selected message, privately", async () => {
    const target = t.fake.messageCreate({ content: "When did Xi arrive in France?", userId: member() });
    const sent = t.fake.messageContextMenu({ name: "Ask about this message", targetMessageId: target.id, userId: member() });
    expect((await t.fake.waitForRequest(callbackFor(sent.id))).body).toMatchObject({ type: 5, data: { flags: 64 } });
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    const [embed] = embedsOf(edit.body);
    expect(embed?.title).toBe("When did Xi arrive in France?");
    expect(embed?.description).toContain("May 5");
  });

  it("answers a mention of its managed role like a mention of itself", async () => {
    const asked = t.fake.messageCreate({ content: "When did Xi arrive in France?", mentionBotRole: true, userId: member() });
    const reply = await t.fake.waitForRequest(replyTo(asked.id));
    expect(embedsOf(reply.body)[0]?.title).toBe("When did Xi arrive in France?");
    expect(embedsOf(reply.body)[0]?.description).toContain("May 5");
  });

  it("links each cited article's title to its url from the metadata, and keeps file names for Sources", async () => {
    const sent = t.fake.slashCommand(ASK("When did Xi arrive in France?", member()));
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    const [embed] = embedsOf(edit.body);
    const field = embed?.fields?.[0];
    expect(field?.value).toMatch(/^\[.+\]\(<https:\/\/news\.example\/\d{3}_[0-9a-f]+>\)$/);
    expect(JSON.stringify(embed)).not.toMatch(/\.txt|characters \d/);
    const sources = customIdsOf(edit.body).find((id) => id.startsWith("sources:")) ?? "";
    const click = t.fake.buttonClick({ customId: sources, userId: member() });
    const evidence = await t.fake.waitForRequest(callbackFor(click.id));
    const [quote] = embedsOf((evidence.body as { data: unknown }).data);
    expect(quote?.footer?.text).toMatch(/\.txt, characters \d+–\d+$/);
    expect((quote as { url?: string }).url).toMatch(/^https:\/\/news\.example\//);
  });

  it("answers direct messages when enabled, with follow-ups, rate-limited like guilds", async () => {
    const user = member();
    const dm = t.fake.directMessage({ content: "When did Xi arrive in France?", userId: user });
    expect(dm.delivered).toBe(true);
    const reply = await t.fake.waitForRequest(replyTo(dm.id));
    expect(reply.path).toBe(`/channels/${dm.channelId}/messages`);
    expect(embedsOf(reply.body)[0]?.description).toContain("May 5");
    // Two more fit the burst of 3; the fourth is refused.
    for (let i = 0; i < 2; i++) {
      const again = t.fake.directMessage({ content: "Where did Xi go after France?", userId: user });
      await t.fake.waitForRequest(replyTo(again.id));
    }
    const tooFast = t.fake.directMessage({ content: "Where did Xi go after France?", userId: user });
    const refusal = await t.fake.waitForRequest(replyTo(tooFast.id));
    expect(contentOf(refusal.body)).toMatch(/faster than I can keep up/);
    // No thread in a DM.
    expect(t.fake.requests.some((r) => r.path.startsWith(`/channels/${dm.channelId}/messages/`) && r.path.endsWith("/threads"))).toBe(false);
  });

  it("answers every new post in an auto-answer forum in the post's thread, and follow-ups there", async () => {
    const post = t.fake.forumPost({ title: "Xi in France", content: "When did Xi arrive in France?", userId: member() });
    const answer = await t.fake.waitForRequest(replyTo(post.messageId));
    expect(answer.path).toBe(`/channels/${post.threadId}/messages`);
    expect(embedsOf(answer.body)[0]?.description).toContain("May 5");
    const followUp = t.fake.messageCreate({ channelId: post.threadId, content: "And where did he go after that?", userId: member() });
    const second = await t.fake.waitForRequest(replyTo(followUp.id));
    expect(second.path).toBe(`/channels/${post.threadId}/messages`);
    expect(embedsOf(second.body).length).toBeGreaterThan(0);
  });

  it("answers every message in an auto-answer channel without a mention, in a new thread", async () => {
    const asked = t.fake.messageCreate({ channelId: t.fake.otherChannelId, content: "When did Xi arrive in France?", userId: member() });
    const reply = await t.fake.waitForRequest(replyTo(asked.id));
    expect(embedsOf(reply.body)[0]?.description).toContain("May 5");
    const replyId = (reply.response as { id: string }).id;
    await t.fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${t.fake.otherChannelId}/messages/${replyId}/threads`);
    // In an ordinary channel, a message without a mention is left alone.
    const chat = t.fake.messageCreate({ content: "When did Xi arrive in France?", userId: member() });
    await t.log.waitFor((l) => l.includes(`"req":"${asked.id}"`) && l.includes('"event":"message"'));
    expect(t.fake.requests.some(replyTo(chat.id))).toBe(false);
  });

  it("shows /sources and /summits only to the member unless asked, and rate-limits them", async () => {
    const user = member();
    const shared = t.fake.slashCommand({ name: "sources", options: [{ name: "public", type: 5, value: true }], userId: user });
    const publicDeferral = (await t.fake.waitForRequest(callbackFor(shared.id))).body as { type: number; data?: { flags?: number } };
    expect(publicDeferral.type).toBe(5);
    expect((publicDeferral.data?.flags ?? 0) & 64).toBe(0);
    // A burst of 10 light requests; /sources was the first.
    for (let i = 0; i < 9; i++) await t.fake.waitForRequest(callbackFor(t.fake.slashCommand({ name: "summits", userId: user }).id));
    const limited = t.fake.slashCommand({ name: "summits", userId: user });
    const refusal = await t.fake.waitForRequest(callbackFor(limited.id));
    expect(refusal.body).toMatchObject({ type: 4, data: { flags: 64 | 4 } });
    expect(contentOf((refusal.body as { data: unknown }).data)).toMatch(/faster than I can keep up/);
  });
});

describe("DMs off (the default)", () => {
  it("does not ask the gateway for DMs, so none arrive", async () => {
    const t = await startBot(path.join(root, "no-dms"));
    try {
      const dm = t.fake.directMessage({ content: "When did Xi arrive in France?" });
      expect(dm.delivered).toBe(false);
    } finally {
      await t.stop();
    }
  });
});

describe("channel scope", () => {
  it("answers only in the allowed channels and their threads", async () => {
    const t = await startBot(path.join(root, "scope"), (fake) => ({ DISCORD_ALLOWED_CHANNELS: fake.channelId }));
    try {
      const elsewhere = t.fake.slashCommand({ ...ASK("When did Xi arrive in France?", member()), channelId: t.fake.otherChannelId });
      const refusal = await t.fake.waitForRequest(callbackFor(elsewhere.id));
      expect(refusal.body).toMatchObject({ type: 4, data: { flags: 64 | 4 } });
      expect(contentOf((refusal.body as { data: unknown }).data)).toMatch(/don't answer in this channel/);
      const mention = t.fake.messageCreate({ channelId: t.fake.otherChannelId, content: "When did Xi arrive in France?", mentionBot: true, userId: member() });
      await t.log.waitFor((l) => l.includes(`"req":"${mention.id}"`) && l.includes('"outcome":"channel_not_allowed"'));
      expect(t.fake.requests.some(replyTo(mention.id))).toBe(false);
      const here = t.fake.slashCommand(ASK("When did Xi arrive in France?", member()));
      expect(embedsOf((await t.fake.waitForRequest(originalEditFor(here.token))).body)[0]?.description).toContain("May 5");
    } finally {
      await t.stop();
    }
  });
});

describe("after a restart", () => {
  it("the Sources button of an answer sent before still shows its evidence", async () => {
    const first = await startBot(path.join(root, "restart"));
    const sent = first.fake.slashCommand(ASK("When did Xi arrive in France?"));
    const edit = await first.fake.waitForRequest(originalEditFor(sent.token));
    const sources = customIdsOf(edit.body).find((id) => id.startsWith("sources:")) ?? "";
    expect(sources).toMatch(/^sources:/);
    await first.stop();
    const second = await startBot(path.join(root, "restart"), {}, { dataDir: first.dataDir });
    try {
      const click = second.fake.buttonClick({ customId: sources });
      const evidence = await second.fake.waitForRequest(callbackFor(click.id));
      const [quote] = embedsOf((evidence.body as { data: unknown }).data);
      expect(quote?.description).toContain("May 5");
      expect(quote?.footer?.text).toMatch(/characters \d+–\d+$/);
    } finally {
      await second.stop();
    }
  });
});

describe("moderators", () => {
  let t: BotUnderTest;
  const moderator = member();
  beforeAll(async () => {
    t = await startBot(path.join(root, "moderators"));
    // Registered as deploy-commands does, so the fake (like Discord) applies default_member_permissions.
    const { deployCommandsCommand } = await import("../../src/cli/deploy-commands.js");
    const { testConfig } = await import("../helpers.js");
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } } as never;
    await deployCommandsCommand([], io, testConfig({ DISCORD_TOKEN: t.fake.token, DISCORD_APPLICATION_ID: t.fake.applicationId, DISCORD_API_URL: t.fake.restApi, DISCORD_DEV_GUILD_ID: t.fake.guildId }));
    expect(out.join("")).toMatch(/Registered 8 commands/);
    t.fake.user({ userId: moderator, permissions: String(PermissionFlagsBits.ManageGuild) });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("hides /reload and /stats from members without Manage Server", () => {
    const plain = member();
    expect(() => t.fake.slashCommand({ name: "reload", userId: plain })).toThrow();
    expect(() => t.fake.slashCommand({ name: "stats", userId: plain })).toThrow();
  });

  it("/reload picks up a new article without a restart and says what changed", async () => {
    await writeFile(
      path.join(t.corpusDir, "900_new.txt"),
      "Zanzibar trade talks\n\nOn June 3, 2025, the European Union and China opened talks on zanzibarite ore in Brussels. The talks were led by trade commissioner Ana Ortiz.\n",
    );
    const sent = t.fake.slashCommand({ name: "reload", userId: moderator });
    expect((await t.fake.waitForRequest(callbackFor(sent.id))).body).toMatchObject({ type: 5, data: { flags: 64 } });
    const done = await t.fake.waitForRequest(originalEditFor(sent.token), 60_000);
    expect(contentOf(done.body)).toMatch(/Added 1: 900\\_new\.txt/);
    const asked = t.fake.slashCommand(ASK("Who led the talks on zanzibarite ore?", member()));
    const edit = await t.fake.waitForRequest(originalEditFor(asked.token));
    expect(embedsOf(edit.body)[0]?.description).toContain("Ana Ortiz");
  }, 90_000);

  it("/stats reports the index and the questions answered since start", async () => {
    const sent = t.fake.slashCommand({ name: "stats", userId: moderator });
    const reply = await t.fake.waitForRequest(callbackFor(sent.id));
    expect(reply.body).toMatchObject({ type: 4, data: { flags: 64 | 4 } });
    const text = contentOf((reply.body as { data: unknown }).data);
    expect(text).toMatch(/Articles: 6 · passages: \d+ · embedder: /);
    expect(text).toMatch(/1 questions, 1 answered, 0 declined/);
    expect(text).toMatch(/latency p50 \d+ ms, p95 \d+ ms/);
  });
});
