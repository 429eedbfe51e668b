import { GatewayIntentBits } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, tempDir } from "../helpers.js";
import { callbackFor, contentOf, embedsOf, originalEditFor, startBot } from "./helpers.js";

/* Start-up, configuration switches and shutdown, each with a bot of its own. */

let root: string;
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => cleanup(root));

const ASK = (value: string) => ({ name: "ask", options: [{ name: "question", type: 3, value }] });

describe("bot lifecycle", () => {
  it("asks the gateway only for the intents it needs", async () => {
    const withMessages = await startBot(root);
    const withoutMessages = await startBot(root, { DISCORD_ANSWER_MESSAGES: "false" });
    try {
      const intentsOf = async (t: typeof withMessages) =>
        ((await t.fake.waitForGateway((f) => f.direction === "in" && f.op === 2)).d as { intents: number }).intents;
      expect(await intentsOf(withMessages)).toBe(GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent);
      expect(await intentsOf(withoutMessages)).toBe(GatewayIntentBits.Guilds);
      // With message answering off, a mention is not even delivered to the bot, and /ask still works.
      const sent = withoutMessages.fake.slashCommand(ASK("When did Xi arrive in France?"));
      const edit = await withoutMessages.fake.waitForRequest(originalEditFor(sent.token));
      expect(embedsOf(edit.body)[0]?.description).toContain("May 5");
    } finally {
      await withMessages.stop();
      await withoutMessages.stop();
    }
  });

  it("answers only in allowed guilds", async () => {
    const t = await startBot(root, { DISCORD_ALLOWED_GUILDS: "123456789012345678" });
    try {
      const sent = t.fake.slashCommand(ASK("When did Xi arrive in France?"));
      const reply = await t.fake.waitForRequest(callbackFor(sent.id));
      expect(reply.body).toMatchObject({ type: 4, data: { flags: 64 | 4 } });
      expect(contentOf((reply.body as { data: unknown }).data)).toBe("I'm not enabled on this server.");
      const mention = t.fake.messageCreate({ content: "When did Xi arrive in France?", mentionBot: true });
      await t.log.waitFor((l) => l.includes('"event":"message"') && l.includes(mention.id) && l.includes('"outcome":"guild_not_allowed"'));
      expect(t.fake.requests.some((r) => JSON.stringify(r.body ?? "").includes(mention.id))).toBe(false);
    } finally {
      await t.stop();
    }
  });

  it("on shutdown, finishes the answer in flight, turns new questions away, and disconnects", async () => {
    const t = await startBot(root);
    const slow = t.fake.slashCommand(ASK("When did Xi arrive in France, slowly?"));
    await t.fake.waitForRequest(callbackFor(slow.id));
    expect(t.bot.inFlight).toBe(1);
    const stopping = t.bot.stop(10_000);
    const late = t.fake.slashCommand(ASK("When did Xi arrive in France?"));
    const refused = await t.fake.waitForRequest(callbackFor(late.id));
    expect(contentOf((refused.body as { data: unknown }).data)).toMatch(/restarting/);
    t.release();
    const edit = await t.fake.waitForRequest(originalEditFor(slow.token));
    expect(embedsOf(edit.body)[0]?.description).toContain("May 5");
    await stopping;
    expect(t.bot.inFlight).toBe(0);
    expect(t.bot.client.isReady()).toBe(false);
    await t.log.waitFor((l) => l.includes("bot.stopped") && l.includes('"abandoned":0'));
    await t.fake.close();
  });

  it("when an answer cannot finish within the grace period, tells the member the bot is restarting", async () => {
    const t = await startBot(root);
    const slow = t.fake.slashCommand(ASK("When did Xi arrive in France, slowly?"));
    await t.fake.waitForRequest(callbackFor(slow.id));
    await t.bot.stop(200);
    const edit = await t.fake.waitForRequest(originalEditFor(slow.token));
    expect(contentOf(edit.body)).toMatch(/restarting/);
    await t.log.waitFor((l) => l.includes("bot.stopped") && l.includes('"abandoned":1'));
    t.release();
    await t.fake.close();
  });

  it("reports a connection Discord closed for good (refused intent) so the process can stop", async () => {
    const t = await startBot(root);
    try {
      t.fake.dropConnection(4014);
      const error = await t.bot.fatal;
      expect(error.userMessage).toMatch(/Message Content Intent.*DISCORD_ANSWER_MESSAGES=false/);
      await t.log.waitFor((l) => l.includes("discord.closed") && l.includes("4014"));
    } finally {
      await t.stop();
    }
  });

  it("tells members it is busy when the answer queue is full, and recovers", async () => {
    const t = await startBot(root, { DISCORD_MAX_CONCURRENT: "1", DISCORD_MAX_QUEUED: "0" });
    try {
      const slow = t.fake.slashCommand(ASK("When did Xi arrive in France, slowly?"));
      await t.fake.waitForRequest(callbackFor(slow.id));
      const second = t.fake.slashCommand({ ...ASK("When did Xi arrive in France?"), userId: "400000000000000001" });
      const busy = await t.fake.waitForRequest(originalEditFor(second.token));
      expect(contentOf(busy.body)).toBe("I'm answering a lot of questions right now. Please try again in a minute.");
      t.release();
      await t.fake.waitForRequest(originalEditFor(slow.token));
      const third = t.fake.slashCommand({ ...ASK("When did Xi arrive in France?"), userId: "400000000000000002" });
      const edit = await t.fake.waitForRequest(originalEditFor(third.token));
      expect(embedsOf(edit.body)[0]?.description).toContain("May 5");
    } finally {
      await t.stop();
    }
  });

  it("loads the index at start-up, so the first question needs no build", async () => {
    const t = await startBot(root);
    try {
      const readyLine = await t.log.waitFor((l) => l.includes("bot.ready"));
      expect(JSON.parse(readyLine)).toMatchObject({ articles: 5, chunks: expect.any(Number) });
      const readyAt = t.log.lines.indexOf(readyLine);
      // This bot's data folder was new: the index was built before the bot said it was ready...
      expect(t.log.lines.slice(0, readyAt).some((l) => l.includes("index.build"))).toBe(true);
      const sent = t.fake.slashCommand(ASK("Which countries did Xi visit after France?"));
      await t.fake.waitForRequest(originalEditFor(sent.token));
      // ...and not again for the first question.
      expect(t.log.lines.slice(readyAt).some((l) => /index\.(build|rebuild|written)/.test(l))).toBe(false);
    } finally {
      await t.stop();
    }
  });
});
