import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PREVIEW_INTERVAL_MS } from "../../src/discord/pipeline/previews.js";
import { startFakeLlm, type ChatRequest, type FakeLlm } from "../fakes/fake-llm.js";
import { cleanup, tempDir } from "../helpers.js";
import { callbackFor, contentOf, embedsOf, originalEditFor, startBot, type BotUnderTest } from "./helpers.js";

/*
 * The bot with a language model configured (fake OpenAI-compatible server):
 * while the model writes, the reply shows the text at most about once a
 * second; then the verified answer replaces it.
 */

let root: string;
let llm: FakeLlm;
let t: BotUnderTest;

function passageWith(req: ChatRequest, needle: string): number {
  const user = String(req.body.messages.find((m) => m.role === "user")?.content ?? "");
  for (const m of user.matchAll(/<passage n="(\d+)">([\s\S]*?)<\/passage>/g)) if (m[2]?.includes(needle)) return Number(m[1]);
  return 0;
}

beforeAll(async () => {
  root = await tempDir();
  // Written slowly: 40 chunks 60 ms apart, about 2.4 s in all.
  llm = await startFakeLlm((req) => ({
    kind: "text",
    content: `After France, Xi is scheduled to travel to Serbia and Hungary [${passageWith(req, "Serbia")}]. ` + "That is all.",
    chunkSize: 3,
    chunkDelayMs: 60,
  }));
  t = await startBot(root, { LLM_PROVIDER: "openai", LLM_MODEL: "fake-model", LLM_BASE_URL: llm.baseUrl, LLM_MAX_RETRIES: "0" });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
  await cleanup(root);
});

describe("a mention with a language model", () => {
  it("replies with a preview at once, edits it as the model writes, and ends with the verified answer in the same message", async () => {
    const asked = t.fake.messageCreate({ content: "Which countries did Xi visit after France?", mentionBot: true, userId: "600000000000000001" });
    const first = await t.fake.waitForRequest((r) => r.method === "POST" && (r.body as { message_reference?: { message_id: string } } | null)?.message_reference?.message_id === asked.id, 15_000);
    expect(contentOf(first.body)).toMatch(/^✍️ Writing \(not yet checked against the articles\)…/);
    const replyId = (first.response as { id: string }).id;
    const editOf = (r: { method: string; path: string }) => r.method === "PATCH" && r.path === `/channels/${t.fake.channelId}/messages/${replyId}`;
    const final = await t.fake.waitForRequest((r) => editOf(r) && embedsOf(r.body).length > 0, 15_000);
    await t.log.waitFor((l) => l.includes('"event":"message"') && l.includes(asked.id));
    const edits = t.fake.requests.filter(editOf);
    expect(edits.at(-1)).toBe(final);
    expect(edits.length).toBeGreaterThanOrEqual(2);
    // The answer's edit turns link-preview suppression off again, or its embeds would not show.
    expect((final.body as { flags?: number }).flags).toBe(0);
    expect(embedsOf(final.body)[0]?.description).toBe("After France, Xi is scheduled to travel to Serbia and Hungary [1].");
    // One reply: the preview became the answer, no second message.
    expect(t.fake.channelMessages(t.fake.channelId).filter((m) => m.message_reference?.message_id === asked.id)).toHaveLength(1);
  });
});

describe("/ask with a language model", () => {
  it("previews the text at most about once a second, then posts the verified answer with citations", async () => {
    const sent = t.fake.slashCommand({ name: "ask", options: [{ name: "question", type: 3, value: "Which countries did Xi visit after France?" }] });
    await t.fake.waitForRequest(callbackFor(sent.id));
    const final = await t.fake.waitForRequest((r) => originalEditFor(sent.token)(r) && embedsOf(r.body).length > 0, 15_000);
    // Once the bot has logged the interaction as done, no preview may still arrive after the answer.
    await t.log.waitFor((l) => l.includes('"event":"interaction"') && l.includes(sent.id));
    const edits = t.fake.requests.filter(originalEditFor(sent.token));
    const previews = edits.filter((r) => contentOf(r.body).startsWith("✍️ Writing (not yet checked against the articles)…"));
    expect(previews.length).toBeGreaterThanOrEqual(2);
    // The final answer comes after every preview.
    expect(edits.at(-1)).toBe(final);
    for (let i = 1; i < previews.length; i++) {
      expect((previews[i]?.receivedAt ?? 0) - (previews[i - 1]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(PREVIEW_INTERVAL_MS - 50);
    }
    const [embed] = embedsOf(final.body);
    // "That is all." states nothing the passages support, so it is not shown.
    expect(embed?.description).toBe("After France, Xi is scheduled to travel to Serbia and Hungary [1].");
    expect(embed?.fields?.[0]?.value).toContain("Von der Leyen after meeting Xi");
    expect(contentOf(final.body)).toBe("");
    expect(embed?.footer?.text).toMatch(/^Written by a language model from the articles; each \[n\] was checked/);
  });
});
