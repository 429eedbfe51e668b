import type { Interaction, Message } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../../src/app.js";
import type { Env } from "../../../src/config.js";
import { AnswerStore } from "../../../src/discord/answer-store.js";
import { allCommands } from "../../../src/discord/commands/index.js";
import type { BotContext } from "../../../src/discord/context.js";
import { FeedbackStore } from "../../../src/discord/feedback-store.js";
import { handleInteraction } from "../../../src/discord/interactions.js";
import { ConcurrencyGate, UserRateLimiter } from "../../../src/discord/limits.js";
import { handleMessage } from "../../../src/discord/messages.js";
import { BotStats } from "../../../src/discord/stats.js";
import { messageResponder } from "../../../src/discord/pipeline/responders.js";
import { MESSAGES } from "../../../src/discord/texts.js";
import { notice, renderPreview } from "../../../src/render/discord.js";
import { memoryLogger } from "../../../src/log.js";
import type { Answer } from "../../../src/types.js";
import { LruMap } from "../../../src/util/lru.js";
import { CHANNEL, fakeInteraction, fakeMessage, type Call, type Where } from "../../fakes/fake-interaction.js";
import { cleanup, tempDir, testConfig } from "../../helpers.js";

/*
 * The request checks, once, for every entry point: a slash command (/ask), a
 * message context-menu command, a button and a message mentioning the bot go
 * through the same pipeline, so each check must refuse each of them the same
 * way (a private notice for interactions; silence or a reply for messages)
 * and write one log line with the outcome.
 */

const BOT = "444444444444444444";
const BOT_ROLE = "555555555555555555";
let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
/** Every world's stores: they append to files in `dir` in the background, so the folder is removed only after they have written (CI once saw ENOTEMPTY). */
const stores: Array<{ flush(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.flush()));
  await cleanup(dir);
});

const answerTo = (question: string): Answer =>
  ({
    question,
    text: "“Xi arrived on May 5.” [1]",
    coverage: "full",
    abstained: false,
    citations: [{ n: 1, source: "a.txt", title: "T", outlet: null, date: null, url: null, basis: { title: "stated", outlet: "unknown", date: "unknown" }, quote: "Xi arrived on May 5.", start: 0, end: 20 }],
    passages: [],
    articles: ["a.txt"],
    closest: [],
    confidence: 1,
    timings: { embedMs: 0, lexicalMs: 0, denseMs: 0, composeMs: 0, totalMs: 0 },
    retrieval: { mode: "hybrid", embedder: "test" },
  }) as unknown as Answer;

interface World {
  ctx: BotContext;
  log: ReturnType<typeof memoryLogger>;
  stopping: { value: boolean };
  /** Resolve to let answers finish (they wait while `hold` is set); `entered` is called when one starts waiting. */
  hold: { promise: Promise<void> | null; entered?: () => void };
}

function world(env: Env = {}, limits: { burst?: number; maxConcurrent?: number; maxQueued?: number } = {}): World {
  const config = testConfig({ DISCORD_TOKEN: "x", DISCORD_APPLICATION_ID: BOT, DATA_DIR: dir, ...env });
  const log = memoryLogger("debug");
  const stopping = { value: false };
  const hold: World["hold"] = { promise: null };
  const app = {
    config,
    async ask(question: string) {
      if (hold.promise) hold.entered?.();
      await hold.promise;
      return answerTo(question);
    },
    events: async () => [],
    articles: async () => [],
    standaloneQuestion: async (_previous: string, followUp: string) => followUp,
    indexSummary: () => null,
  } as unknown as App;
  const answers = new AnswerStore(dir, log);
  const feedback = new FeedbackStore(dir, log);
  stores.push(answers, feedback);
  const ctx: BotContext = {
    app,
    config,
    discord: config.discord,
    log,
    limiter: new UserRateLimiter({ perMinute: 1, burst: limits.burst ?? 3 }),
    lightLimiter: new UserRateLimiter({ perMinute: 1, burst: limits.burst ?? 3 }),
    votes: new LruMap(100),
    gate: new ConcurrencyGate({ max: limits.maxConcurrent ?? 4, queue: limits.maxQueued ?? 10 }),
    answers,
    conversations: new LruMap(100),
    drafts: new Set(),
    feedback,
    stats: new BotStats(),
    botId: () => BOT,
    now: () => 0,
    shuttingDown: () => stopping.value,
    indexLoadedAt: () => null,
    exclusiveReload: async (work) => work(),
  };
  return { ctx, log, stopping, hold };
}

type Entry = "slash" | "context_menu" | "button" | "mention";
const ENTRIES: Entry[] = ["slash", "context_menu", "button", "mention"];

/** Sends `question` (or clicks Sources) through `entry` and returns what the bot called and the request's log line. */
async function ask(w: World, entry: Entry, question = "When did Xi arrive in France?", where: Where = {}): Promise<{ calls: Call[]; line: Record<string, unknown> }> {
  const r = await send(w, entry, question, where);
  if (!r.line) throw new Error(`no log line for ${entry}`);
  return { calls: r.calls, line: r.line };
}

async function send(w: World, entry: Entry, question: string, where: Where): Promise<{ calls: Call[]; line: Record<string, unknown> | undefined }> {
  let calls: Call[];
  let id: string;
  if (entry === "mention") {
    const m = fakeMessage(`<@${BOT}> ${question}`, { ...where, mentionsUser: BOT });
    calls = m.calls;
    id = (m.message as Message).id;
    await handleMessage(m.message, w.ctx);
  } else {
    const what =
      entry === "slash"
        ? ({ kind: "slash", commandName: "ask", options: { question } } as const)
        : entry === "context_menu"
          ? ({ kind: "context_menu", commandName: "Ask about this message", targetContent: question } as const)
          : ({ kind: "button", customId: "sources:answer01" } as const);
    const i = fakeInteraction(what, where);
    calls = i.calls;
    id = (i.interaction as Interaction).id;
    await handleInteraction(i.interaction, { ...w.ctx, commands: allCommands(w.ctx.config) });
  }
  const line = w.log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.req === id && (l.event === "interaction" || l.event === "message"));
  return { calls, line };
}

const text = (c: Call | undefined) => String(c?.options.content ?? "");
const isPrivate = (c: Call | undefined) => ((Number(c?.options.flags ?? 0) & 64) !== 0);

/** A refusal: one private reply for an interaction, a reply or silence for a message; nothing deferred. */
function expectRefused(entry: Entry, calls: Call[], message: string | null) {
  if (entry === "mention") {
    if (message === null) expect(calls).toEqual([]);
    else expect(calls.map((c) => [c.method, text(c)])).toEqual([["messageReply", message]]);
    return;
  }
  expect(calls.map((c) => c.method)).toEqual(["reply"]);
  expect(text(calls[0])).toBe(message);
  expect(isPrivate(calls[0])).toBe(true);
}

describe("the request checks, for every entry point", () => {
  it.each(ENTRIES)("%s: passes a good request through, with one log line", async (entry) => {
    const w = world();
    const { calls, line } = await ask(w, entry);
    expect(line).toMatchObject({ kind: entry === "mention" ? "message" : entry === "slash" ? "command" : entry, outcome: entry === "button" ? "forgotten" : "answered" });
    if (entry === "button") expect(calls.map((c) => c.method)).toEqual(["reply"]);
    else if (entry === "mention") expect(calls.map((c) => c.method)).toEqual(["sendTyping", "messageReply", "startThread"]);
    else expect(calls.map((c) => c.method)).toEqual(["deferReply", "editReply"]);
  });

  it.each(ENTRIES)("%s: in a guild not allowed, refuses (a message quietly)", async (entry) => {
    const w = world({ DISCORD_ALLOWED_GUILDS: "999999999999999999" });
    const { calls, line } = await ask(w, entry);
    expect(line.outcome).toBe("guild_not_allowed");
    expectRefused(entry, calls, entry === "mention" ? null : MESSAGES.notAllowedHere);
  });

  it.each(ENTRIES)("%s: outside the allowed channels refuses, in their threads answers", async (entry) => {
    const w = world({ DISCORD_ALLOWED_CHANNELS: "777777777777777777" });
    const refused = await ask(w, entry);
    expect(refused.line.outcome).toBe("channel_not_allowed");
    expectRefused(entry, refused.calls, entry === "mention" ? null : MESSAGES.notAllowedInChannel);
    const inThread = await ask(w, entry, undefined, { channelId: "888888888888888888", parentId: "777777777777777777" });
    expect(inThread.line.outcome).toBe(entry === "button" ? "forgotten" : "answered");
  });

  it.each(ENTRIES)("%s: in a DM, refuses unless DMs are on", async (entry) => {
    const off = await send(world(), entry, "When did Xi arrive in France?", { guildId: null });
    // A DM is not even a request when DMs are off (the gateway is not asked for them either).
    expect(off.line?.outcome).toBe(entry === "mention" ? undefined : "dm_not_enabled");
    expectRefused(entry, off.calls, entry === "mention" ? null : MESSAGES.dmsOff);
    const on = await ask(world({ DISCORD_ANSWER_DMS: "true" }), entry, undefined, { guildId: null });
    expect(on.line.outcome).toBe(entry === "button" ? "forgotten" : "answered");
  });

  it.each(ENTRIES)("%s: while shutting down, says the bot is restarting", async (entry) => {
    const w = world();
    w.stopping.value = true;
    const { calls, line } = await ask(w, entry);
    expect(line.outcome).toBe("shutting_down");
    expectRefused(entry, calls, MESSAGES.restarting);
  });

  // (A message picked for "Ask about this message" is shortened instead: see below.)
  it.each(ENTRIES.filter((e) => e !== "button" && e !== "context_menu"))("%s: refuses an over-long question before spending the allowance", async (entry) => {
    const w = world({ MAX_QUESTION_CHARS: "50" }, { burst: 1 });
    const long = await ask(w, entry, `Why ${"really ".repeat(20)}?`);
    expect(long.line.outcome).toBe("refused:QUESTION_TOO_LONG");
    expectRefused(entry, long.calls, text(long.calls.find((c) => c.method === "reply" || c.method === "messageReply")));
    expect(text(long.calls.at(-1))).toMatch(/characters long/);
    // The refusal cost nothing: the one question of the allowance is still there.
    expect((await ask(w, entry)).line.outcome).toBe("answered");
  });

  it.each(ENTRIES)("%s: past the member's allowance, says when to try again", async (entry) => {
    const w = world({}, { burst: 1 });
    await ask(w, entry);
    const { calls, line } = await ask(w, entry);
    expect(line.outcome).toBe("rate_limited");
    expectRefused(entry, calls, MESSAGES.rateLimited(60_000));
  });

  it.each(ENTRIES.filter((e) => e !== "button"))("%s: when the queue is full, says the bot is busy", async (entry) => {
    const w = world({}, { maxConcurrent: 1, maxQueued: 0 });
    let release = () => {};
    w.hold.promise = new Promise<void>((resolve) => (release = resolve));
    const holding = new Promise<void>((resolve) => (w.hold.entered = resolve));
    const first = ask(w, "slash", "When did Xi arrive in France?", { userId: "666666666666666666" });
    // The first question holds the only slot before the second arrives.
    await holding;
    const { calls, line } = await ask(w, entry);
    expect(line.outcome).toBe("busy");
    // Acknowledged (the check comes after the deferral), then told.
    expect(calls.map((c) => text(c)).filter(Boolean)).toEqual([MESSAGES.busy]);
    release();
    expect((await first).line.outcome).toBe("answered");
  });
});

describe("entry points specific", () => {
  it("a mention of the bot's managed role is a mention of the bot; the role mention is not part of the question", async () => {
    const w = world();
    const m = fakeMessage(`<@&${BOT_ROLE}> When did Xi arrive in France?`, { mentionsRole: { id: BOT_ROLE, botId: BOT } });
    await handleMessage(m.message, w.ctx);
    expect(m.calls.map((c) => c.method)).toEqual(["sendTyping", "messageReply", "startThread"]);
    expect(m.calls[2]?.options.name).toBe("When did Xi arrive in France?");
    const other = fakeMessage(`<@&${BOT_ROLE}> hello?`, { mentionsRole: { id: BOT_ROLE, botId: "123123123123123123" } });
    await handleMessage(other.message, w.ctx);
    expect(other.calls).toEqual([]);
  });

  it("in an auto-answer channel every message is answered without a mention; elsewhere not", async () => {
    const w = world({ DISCORD_AUTO_ANSWER_CHANNELS: CHANNEL });
    const here = fakeMessage("When did Xi arrive in France?");
    await handleMessage(here.message, w.ctx);
    expect(here.calls.map((c) => c.method)).toEqual(["sendTyping", "messageReply", "startThread"]);
    const elsewhere = fakeMessage("When did Xi arrive in France?", { channelId: "999999999999999999" });
    await handleMessage(elsewhere.message, w.ctx);
    expect(elsewhere.calls).toEqual([]);
  });

  it("a message from a bot is never answered", async () => {
    const w = world();
    const m = fakeMessage(`<@${BOT}> When did Xi arrive in France?`, { mentionsUser: BOT, authorIsBot: true });
    await handleMessage(m.message, w.ctx);
    expect(m.calls).toEqual([]);
  });

  it("an empty context-menu target gets a private explanation", async () => {
    const w = world();
    const { calls, line } = await ask(w, "context_menu", "<@123456789012345678>");
    expect(line.outcome).toBe("empty");
    expect(calls.map((c) => c.method)).toEqual(["deferReply", "editReply"]);
    expect(isPrivate(calls[0])).toBe(true);
    expect(text(calls[1])).toBe(MESSAGES.emptyTarget);
  });

  it("shortens a long message picked for “Ask about this message” to the question limit instead of refusing it", async () => {
    const w = world({ MAX_QUESTION_CHARS: "60" });
    const { calls, line } = await ask(w, "context_menu", `When did Xi arrive in France? ${"And some more words. ".repeat(20)}`);
    expect(line.outcome).toBe("answered");
    expect(calls.map((c) => c.method)).toEqual(["deferReply", "editReply"]);
  });

  it("keeps a delivered answer when a later step fails (the thread under it), and logs the failure", async () => {
    const w = world();
    const m = fakeMessage(`<@${BOT}> When did Xi arrive in France?`, { mentionsUser: BOT });
    const reply = m.message.reply.bind(m.message);
    m.message.reply = (async (o: never) => {
      const sent = (await reply(o)) as { startThread: unknown };
      sent.startThread = async () => {
        throw new Error("Missing Permissions");
      };
      return sent;
    }) as never;
    await handleMessage(m.message, w.ctx);
    expect(m.calls.map((c) => c.method)).toEqual(["sendTyping", "messageReply"]);
    const line = w.log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === "message" && l.req === m.message.id);
    expect(line?.outcome).toBe("answered");
    expect(w.log.lines.some((l) => l.includes("thread.create_failed"))).toBe(true);
  });

  it("answers privately with an error id when a check itself fails", async () => {
    const w = world();
    const broken = { ...w.ctx, limiter: { take: () => { throw new Error("limiter broke"); } } } as unknown as BotContext;
    const i = fakeInteraction({ kind: "slash", commandName: "ask", options: { question: "When did Xi arrive in France?" } });
    await handleInteraction(i.interaction, { ...broken, commands: allCommands(w.ctx.config) });
    expect(i.calls.map((c) => c.method)).toEqual(["reply"]);
    expect(text(i.calls[0])).toMatch(/error id/);
    expect(isPrivate(i.calls[0])).toBe(true);
  });

  it("keeps track of replies showing an unchecked draft until the answer replaces them (a shutdown replaces what is left)", async () => {
    const drafts = new Set<Message>();
    const m = fakeMessage("When did Xi arrive in France?");
    const responder = messageResponder(m.message, drafts);
    await responder.preview(renderPreview("Xi arrived"));
    expect(drafts.size).toBe(1);
    await responder.preview(renderPreview("Xi arrived on May 5"));
    expect(drafts.size).toBe(1);
    await responder.send([notice("answer")], false);
    expect(drafts.size).toBe(0);
    expect(m.calls.map((c) => c.method)).toEqual(["messageReply", "messageEdit", "messageEdit"]);
  });

  it("counts answered questions for /stats", async () => {
    const w = world();
    await ask(w, "slash");
    await ask(w, "mention");
    expect(w.ctx.stats.snapshot()).toMatchObject({ questions: 2, answered: 2, abstained: 0 });
  });

  it("answers a command it does not know, privately", async () => {
    const w = world();
    const i = fakeInteraction({ kind: "slash", commandName: "nope" });
    await handleInteraction(i.interaction, { ...w.ctx, commands: allCommands(w.ctx.config) });
    expect(i.calls.map((c) => [c.method, text(c)])).toEqual([["reply", MESSAGES.unknownCommand]]);
  });
});
