import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, tempDir } from "../helpers.js";
import { callbackFor, contentOf, customIdsOf, embedsOf, originalEditFor, sentMessages, startBot, type BotUnderTest } from "./helpers.js";

/*
 * The real bot against the local fake Discord. Every step awaits a request
 * the fake received; assertions are on what the bot sent to Discord.
 */

let root: string;
let t: BotUnderTest;

beforeAll(async () => {
  root = await tempDir();
  // A small burst so the rate-limit test needs few asks; other tests use distinct users.
  t = await startBot(root, { DISCORD_RATE_LIMIT_BURST: "2", DISCORD_RATE_LIMIT_PER_MINUTE: "1" });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await cleanup(root);
});

let users = 0;
const newUser = () => ({ userId: String(200000000000000000n + BigInt(++users)), username: `member${users}` });

async function ask(question: string, extra: Record<string, unknown> = {}) {
  const user = newUser();
  const options = [{ name: "question", type: 3, value: question }, ...Object.entries(extra).map(([name, value]) => ({ name, type: typeof value === "boolean" ? 5 : 3, value }))];
  const sent = t.fake.slashCommand({ name: "ask", options, ...user });
  const callback = await t.fake.waitForRequest(callbackFor(sent.id));
  return { sent, callback, user };
}

describe("/ask", () => {
  it("defers at once, then edits the reply into an answer with citations, sources and buttons", async () => {
    const { sent, callback } = await ask("Which countries did Xi visit after France?");
    expect((callback.body as { type: number }).type).toBe(5);
    expect(callback.receivedAt - sent.sentAt).toBeLessThan(3_000);
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    const [embed] = embedsOf(edit.body);
    expect(embed?.title).toBe("Which countries did Xi visit after France?");
    expect(embed?.description).toMatch(/Serbia and Hungary.*\[1\]/s);
    // "[1] outlet, date" and the article's title; the file and offsets are behind Sources.
    expect(embed?.fields?.[0]?.name).toMatch(/^\[1\] .+, \d{4}-\d{2}(-\d{2})?$/);
    expect(embed?.fields?.[0]?.value).toMatch(/^Von der Leyen after meeting Xi/);
    expect(JSON.stringify(embed?.fields)).not.toMatch(/\.txt|characters \d/);
    expect(customIdsOf(edit.body)).toEqual([expect.stringMatching(/^sources:/), expect.stringMatching(/^feedback:up:/), expect.stringMatching(/^feedback:down:/)]);
    expect((edit.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it("answers privately when asked to (the deferral is ephemeral)", async () => {
    const { sent, callback } = await ask("What did Kallas say about rare earth exports?", { private: true });
    expect(callback.body).toMatchObject({ type: 5, data: { flags: 64 } });
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    expect(embedsOf(edit.body)[0]?.description).toContain("rare earth");
  });

  it("says plainly when the articles do not cover the question", async () => {
    const { sent } = await ask("Who won the football World Cup in 1998?");
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    expect(embedsOf(edit.body)[0]?.description).toMatch(/^The articles I have don't cover that/);
    expect(customIdsOf(edit.body).some((id) => id.startsWith("sources:"))).toBe(false);
  });

  it("narrows to one event, suggesting events as the member types", async () => {
    const typed = t.fake.autocomplete({
      name: "ask",
      options: [
        { name: "question", type: 3, value: "What did von der Leyen say?" },
        { name: "event", type: 3, value: "paris", focused: true },
      ],
      ...newUser(),
    });
    const suggestion = await t.fake.waitForRequest(callbackFor(typed.id));
    expect(suggestion.body).toMatchObject({ type: 8, data: { choices: [{ value: "paris-trilateral-2024" }] } });
    const { sent } = await ask("What did von der Leyen say?", { event: "paris-trilateral-2024" });
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    const [embed] = embedsOf(edit.body);
    expect(embed?.fields?.every((f) => f.value.startsWith("Von der Leyen after meeting Xi"))).toBe(true);
    expect(embed?.footer?.text).toContain("Macron–von der Leyen–Xi trilateral meeting");
  });

  it("refuses an over-long question at once, privately, without deferring", async () => {
    const { callback } = await ask("x".repeat(1600));
    expect(callback.body).toMatchObject({ type: 4, data: { flags: 64 | 4 } });
    expect(contentOf((callback.body as { data: unknown }).data)).toMatch(/1,600 characters long; the limit is 1,000/);
  });

  it("refuses a member who asks too fast, with a friendly message and no deferral", async () => {
    const user = newUser();
    const results = [];
    for (let i = 0; i < 3; i++) {
      const sent = t.fake.slashCommand({ name: "ask", options: [{ name: "question", type: 3, value: "When did Xi arrive in France?" }], ...user });
      results.push((await t.fake.waitForRequest(callbackFor(sent.id))).body as { type: number; data?: { content?: string; flags?: number } });
    }
    expect(results.map((r) => r.type)).toEqual([5, 5, 4]);
    expect(results[2]?.data?.flags).toBe(64 | 4);
    expect(results[2]?.data?.content).toMatch(/^You're asking faster than I can keep up\. Please wait \d+ s/);
  });

  it("turns an internal failure into a short message with an error id, and logs the id with the stack", async () => {
    const { sent } = await ask("please explode now");
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    const text = contentOf(edit.body);
    const id = /error id ([0-9a-f]{8})/.exec(text)?.[1];
    expect(text).toMatch(/^Sorry, something went wrong on my side/);
    expect(id).toBeDefined();
    const line = t.log.lines.find((l) => l.includes("interaction.failed") && l.includes(`"errorId":"${id}"`));
    expect(line).toContain("model crashed on purpose");
    expect(line).toContain('"stack"');
    expect(line).toContain(sent.id);
  });

  it("when Discord keeps failing to take the answer, tells the member with an error id, logs it, and keeps answering", async () => {
    const user = newUser();
    const first = t.fake.slashCommand({ name: "ask", options: [{ name: "question", type: 3, value: "When did Xi arrive in France?" }], ...user });
    // Registered before the bot can answer: the answer's edit fails on every try discord.js makes (4).
    t.fake.failNext((m, p) => m === "PATCH" && p.includes(first.token), { status: 500, times: 4 });
    const line = await t.log.waitFor((l) => l.includes("interaction.send_failed") && l.includes(first.id), 15_000);
    const errorId = JSON.parse(line).errorId as string;
    expect(errorId).toMatch(/^[0-9a-f]{8}$/);
    const notice = await t.fake.waitForRequest((r) => originalEditFor(first.token)(r) && contentOf(r.body).includes(errorId));
    expect(contentOf(notice.body)).toMatch(/^Sorry, something went wrong on my side/);
    const second = await ask("When did Xi arrive in France?");
    const edit = await t.fake.waitForRequest(originalEditFor(second.sent.token));
    expect(embedsOf(edit.body)[0]?.description).toContain("May 5");
  });

  it("replaces the deferral with an error notice when Discord refuses the answer outright", async () => {
    const sent = t.fake.slashCommand({ name: "ask", options: [{ name: "question", type: 3, value: "Who is Grzegorz Stec?" }], ...newUser() });
    t.fake.failNext((m, p) => m === "PATCH" && p.includes(sent.token), { status: 400, body: { code: 50035, message: "Invalid Form Body" } });
    const notice = await t.fake.waitForRequest((r) => originalEditFor(sent.token)(r) && contentOf(r.body).includes("error id"));
    expect(contentOf(notice.body)).toMatch(/^Sorry, something went wrong on my side \(error id [0-9a-f]{8}\)/);
  });
});

describe("buttons", () => {
  it("Sources shows the quoted evidence privately, exactly as in the file", async () => {
    const { sent } = await ask("How big was the EU's trade deficit with China?");
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    const sourcesId = customIdsOf(edit.body).find((id) => id.startsWith("sources:"));
    expect(sourcesId).toBeDefined();
    const message = edit.response as { id: string; channel_id: string };
    const click = t.fake.buttonClick({ customId: sourcesId ?? "", message: { id: message.id, channel_id: message.channel_id }, ...newUser() });
    const reply = await t.fake.waitForRequest(callbackFor(click.id));
    expect(reply.body).toMatchObject({ type: 4, data: { flags: 64 } });
    const [evidence] = embedsOf((reply.body as { data: unknown }).data);
    expect(evidence?.description).toMatch(/^> .*400 billion euros/s);
    const where = /(\S+\.txt), characters (\d+)–(\d+)/.exec(evidence?.footer?.text ?? "");
    const file = await readFile(path.join(root, "corpus", where?.[1] ?? ""), "utf8");
    expect(evidence?.description).toContain(file.slice(Number(where?.[2]), Number(where?.[3])).slice(0, 60).replace(/\*/g, "\\*"));
  });

  it("records 👍/👎 durably with the question, answer, citations and a hashed user id", async () => {
    const { sent } = await ask("What did Charles Michel say about China's responsibility?");
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    const up = customIdsOf(edit.body).find((id) => id.startsWith("feedback:up:")) ?? "";
    const voter = newUser();
    const message = edit.response as { id: string; channel_id: string };
    const click = t.fake.buttonClick({ customId: up, message: { id: message.id, channel_id: message.channel_id }, ...voter });
    const reply = await t.fake.waitForRequest(callbackFor(click.id));
    expect(reply.body).toMatchObject({ type: 4, data: { flags: 64 | 4, content: "Thanks, your 👍 is recorded." } });
    await t.log.waitFor((l) => l.includes("feedback.recorded") && l.includes(click.id));
    // Voting the same again is acknowledged but not stored twice.
    const again = t.fake.buttonClick({ customId: up, message: { id: message.id, channel_id: message.channel_id }, ...voter });
    const second = await t.fake.waitForRequest(callbackFor(again.id));
    expect(contentOf((second.body as { data: unknown }).data)).toBe("You already gave this answer that vote.");
    const lines = (await readFile(path.join(t.dataDir, "feedback.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    const entries = lines.filter((e) => e.answerId === up.split(":")[2]);
    expect(entries).toHaveLength(1);
    const entry = entries[0];
    expect(entry).toMatchObject({ vote: "up", question: "What did Charles Michel say about China's responsibility?", guildId: t.fake.guildId });
    expect(entry.answer).toContain("special responsibility");
    expect(entry.citations[0]).toMatchObject({ n: 1, source: "001_3170a22eac640a98.txt" });
    expect(entry.userHash).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(entry)).not.toContain(voter.userId);
  });

  it("refuses a vote on a malformed answer id before thanking anyone, and stores nothing", async () => {
    const click = t.fake.buttonClick({ customId: "feedback:up:", ...newUser() });
    const reply = await t.fake.waitForRequest(callbackFor(click.id));
    expect(contentOf((reply.body as { data: unknown }).data)).toMatch(/I don't know that command/);
    const stored = await readFile(path.join(t.dataDir, "feedback.jsonl"), "utf8").catch(() => "");
    expect(stored).not.toContain('"answerId":""');
  });

  it("explains when an answer is no longer in memory", async () => {
    const click = t.fake.buttonClick({ customId: "sources:unknown123", ...newUser() });
    const reply = await t.fake.waitForRequest(callbackFor(click.id));
    expect(contentOf((reply.body as { data: unknown }).data)).toMatch(/no longer have that answer/);
  });
});

describe("mentions and threads", () => {
  it("answers a mention in reply, opens a thread, and understands a follow-up there", async () => {
    const asked = t.fake.messageCreate({ content: "What did Kallas say about rare earth exports?", mentionBot: true, ...newUser() });
    const reply = await t.fake.waitForRequest(
      (r) => r.method === "POST" && r.path === `/channels/${t.fake.channelId}/messages` && (r.body as { message_reference?: { message_id: string } }).message_reference?.message_id === asked.id,
    );
    expect(embedsOf(reply.body)[0]?.description).toContain("rare earth");
    expect((reply.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [], replied_user: false });
    const replyId = (reply.response as { id: string }).id;
    const thread = await t.fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${t.fake.channelId}/messages/${replyId}/threads`);
    expect((thread.body as { name: string }).name).toBe("What did Kallas say about rare earth exports?");
    const threadId = (thread.response as { id: string }).id;

    // In the thread, no mention is needed, and the follow-up is read against the first question.
    const followUp = t.fake.messageCreate({ content: "and what did Wang Yi say?", channelId: threadId, ...newUser() });
    const answer = await t.fake.waitForRequest(
      (r) => r.method === "POST" && r.path === `/channels/${threadId}/messages` && (r.body as { message_reference?: { message_id: string } }).message_reference?.message_id === followUp.id,
    );
    const [embed] = embedsOf(answer.body);
    expect(embed?.title).toBe("What did Wang Yi say about rare earth exports?");
    // Only Kallas spoke about rare earths: the answer says so, then quotes her with a working [1].
    expect(embed?.description).toMatch(/^The articles don't quote Wang Yi on rare earth exports\. Kaja Kallas did: “.*rare earth exports\.” \[1\]$/);

    // Its own answer, echoed back into the thread by Discord, is not taken for a question.
    const ownId = (answer.response as { id: string }).id;
    await t.log.waitFor((l) => l.includes("message.ignored") && l.includes(ownId) && l.includes("from_a_bot"));
    // Nor is small talk.
    const thanks = t.fake.messageCreate({ content: "thanks, that's great!", channelId: threadId, ...newUser() });
    await t.log.waitFor((l) => l.includes("message.ignored") && l.includes(thanks.id) && l.includes("not_a_question"));
  });

  it("refuses an over-long question asked by mention, in reply, and logs why", async () => {
    const asked = t.fake.messageCreate({ content: `Why ${"x".repeat(1600)}?`, mentionBot: true, ...newUser() });
    const reply = await t.fake.waitForRequest((r) => (r.body as { message_reference?: { message_id: string } } | null)?.message_reference?.message_id === asked.id);
    expect(JSON.stringify(reply.body)).toMatch(/the limit is 1,000/);
    await t.log.waitFor((l) => l.includes('"event":"message"') && l.includes(asked.id) && l.includes('"outcome":"refused:QUESTION_TOO_LONG"'));
  });

  it("ignores messages that do not mention it outside its threads", async () => {
    const before = t.fake.requests.length;
    const plain = t.fake.messageCreate({ content: "What did Kallas say?", ...newUser() });
    // A later mention is answered, so the plain message before it was seen and ignored.
    const marker = t.fake.messageCreate({ content: "When did Xi arrive in France?", mentionBot: true, ...newUser() });
    await t.fake.waitForRequest((r) => (r.body as { message_reference?: { message_id: string } } | null)?.message_reference?.message_id === marker.id);
    const replies = t.fake.requests.slice(before).filter((r) => (r.body as { message_reference?: { message_id: string } } | null)?.message_reference?.message_id === plain.id);
    expect(replies).toEqual([]);
  });
});

describe("other commands", () => {
  it("/search lists passages with article and score", async () => {
    const sent = t.fake.slashCommand({ name: "search", options: [{ name: "query", type: 3, value: "Belt and Road Italy" }], ...newUser() });
    const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
    const [embed] = embedsOf(edit.body);
    expect(embed?.title).toBe("Passages for: Belt and Road Italy");
    expect(embed?.fields?.length).toBeGreaterThan(0);
    expect(embed?.fields?.[0]?.name).toMatch(/^1\. .* — score \d\.\d\d$/);
  });

  it("/sources, /summits and /help answer within the limits", async () => {
    for (const name of ["sources", "summits"]) {
      const sent = t.fake.slashCommand({ name, ...newUser() });
      // Private unless asked: the deferral is ephemeral.
      expect((await t.fake.waitForRequest(callbackFor(sent.id))).body).toMatchObject({ type: 5, data: { flags: 64 } });
      const edit = await t.fake.waitForRequest(originalEditFor(sent.token));
      expect(embedsOf(edit.body).length, name).toBeGreaterThan(0);
    }
    // /help is answered at once, privately, without a deferral.
    const help = t.fake.slashCommand({ name: "help", ...newUser() });
    const helpReply = await t.fake.waitForRequest(callbackFor(help.id));
    expect(helpReply.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(embedsOf((helpReply.body as { data: unknown }).data)[0]?.title).toBe("What I can do");
    const summits = t.fake.requests.filter((r) => r.method === "PATCH").map((r) => JSON.stringify(r.body)).find((b) => b.includes("Events the articles cover"));
    expect(summits).toContain("eu-china-summit-beijing-2023");
  });
});

describe("every message the bot sent", () => {
  it("had allowed_mentions empty, so it could ping nobody, and kept within Discord's limits", () => {
    const sent = sentMessages(t.fake);
    expect(sent.length).toBeGreaterThan(15);
    for (const { request, payload } of sent) {
      const where = `${request.method} ${request.path}`;
      expect(payload.allowed_mentions, where).toMatchObject({ parse: [] });
      expect(contentOf(payload).length, where).toBeLessThanOrEqual(2000);
      const embeds = embedsOf(payload);
      expect(embeds.length, where).toBeLessThanOrEqual(10);
      let total = 0;
      for (const e of embeds) {
        expect((e.description ?? "").length, where).toBeLessThanOrEqual(4096);
        expect((e.title ?? "").length, where).toBeLessThanOrEqual(256);
        expect((e.fields ?? []).length, where).toBeLessThanOrEqual(25);
        for (const f of e.fields ?? []) expect(f.value.length, where).toBeLessThanOrEqual(1024);
        total += (e.title ?? "").length + (e.description ?? "").length + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
      }
      expect(total, where).toBeLessThanOrEqual(6000);
    }
  });
});
