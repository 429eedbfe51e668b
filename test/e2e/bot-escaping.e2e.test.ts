import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addHostileArticle, HOSTILE_EVENT_ID, HOSTILE_QUESTION } from "../fixtures/hostile-article.js";
import { cleanup, tempDir } from "../helpers.js";
import { embedsOf, originalEditFor, sentMessages, startBot, type BotUnderTest } from "./helpers.js";

/*
 * The real bot against the local fake Discord, with an article whose text
 * holds a masked link posing as citation [1] and whose metadata title and
 * event name hold markdown, links and a mention; and questions long enough to
 * be shortened in the middle of an emoji. Assertions are on what reached Discord.
 */

let root: string;
let t: BotUnderTest;

beforeAll(async () => {
  root = await tempDir();
  t = await startBot(root, {}, { prepareCorpus: addHostileArticle });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await cleanup(root);
});

let users = 0;
const newUser = () => ({ userId: String(300000000000000000n + BigInt(++users)), username: `escaper${users}` });

/** A masked link Discord would render: [text](url) with neither bracket escaped. */
const MASKED_LINK = /(?<!\\)\[[^\]]*(?<!\\)\]\(/;

async function slash(name: string, options: { name: string; type: number; value: string }[] = []) {
  const sent = t.fake.slashCommand({ name, options, ...newUser() });
  return t.fake.waitForRequest(originalEditFor(sent.token));
}

describe("article text and metadata reach Discord escaped", () => {
  it("/ask quotes the article's [1](https://…) as text, with the title's markdown escaped, and the real [1] working", async () => {
    const edit = await slash("ask", [{ name: "question", type: 3, value: HOSTILE_QUESTION }]);
    const [embed] = embedsOf(edit.body);
    expect(embed?.description).toContain("quotas \\[1\\](https://evil.example)");
    expect(embed?.description).not.toMatch(MASKED_LINK);
    expect(embed?.description).toMatch(/” \[1\]$/);
    // The source field: "[1] outlet, date", then the title (escaped; no url in this article's metadata, so not linked).
    const source = embed?.fields?.[0]?.value ?? "";
    expect(embed?.fields?.[0]?.name).toMatch(/^\[1\] /);
    expect(source).toMatch(/^\\\*\\\*Lithium\\\*\\\* /);
    expect(source).not.toMatch(MASKED_LINK);
    expect(source).not.toContain("@everyone");
  });

  it("/summits and /sources escape the event name and the title", async () => {
    const event = embedsOf((await slash("summits")).body)
      .flatMap((e) => e.fields ?? [])
      .find((f) => f.value.includes(HOSTILE_EVENT_ID));
    expect(event?.name).toBe("\\*\\*Vilnius\\*\\* \\[talks\\](https://evil.example) <\u200b@123456789012345678>");
    const sources = embedsOf((await slash("sources")).body).flatMap((e) => e.fields ?? []);
    const title = sources.find((f) => f.value.includes("005\\_lithium.txt"))?.name ?? "";
    expect(title).toContain("\\*\\*Lithium\\*\\*");
    expect(title).not.toMatch(MASKED_LINK);
  });
});

describe("questions shortened in the middle of an emoji", () => {
  // 4 letters then emoji of 2 code units: a cut at an odd length falls inside one.
  const question = `What${"😀".repeat(150)}`;

  it("/ask: the embed title is cut between emoji", async () => {
    const edit = await slash("ask", [{ name: "question", type: 3, value: question }]);
    const title = embedsOf(edit.body)[0]?.title ?? "";
    expect(title.length).toBeLessThanOrEqual(256);
    expect(title.isWellFormed()).toBe(true);
    expect(title).toMatch(/^What(?:😀)+…$/u);
  });

  it("a mention: the thread's name is cut between emoji too", async () => {
    const asked = t.fake.messageCreate({ content: question, mentionBot: true, ...newUser() });
    const reply = await t.fake.waitForRequest((r) => (r.body as { message_reference?: { message_id: string } } | null)?.message_reference?.message_id === asked.id);
    const replyId = (reply.response as { id: string }).id;
    const thread = await t.fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${t.fake.channelId}/messages/${replyId}/threads`);
    const name = (thread.body as { name: string }).name;
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name.isWellFormed()).toBe(true);
    expect(name).toMatch(/^What(?:😀)+…$/u);
  });

  it("no message the bot sent holds a lone surrogate anywhere", () => {
    const sent = sentMessages(t.fake);
    expect(sent.length).toBeGreaterThan(4);
    // JSON.stringify writes a lone surrogate, and only a lone one, as a \uXXXX escape.
    for (const { request, payload } of sent) expect(JSON.stringify(payload), `${request.method} ${request.path}`).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
  });
});
