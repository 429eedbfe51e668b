import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../fakes/fake-discord.js";
import { cleanup, tempDir } from "../helpers.js";
import { callbackFor, contentOf, embedsOf, startBot, type BotUnderTest } from "./helpers.js";

/*
 * 200 questions from 20 members within 10 seconds, against the real bot on
 * the fake Discord. Every question must get exactly one outcome, an answer or
 * a rate-limit message, each in time, and memory must stay bounded.
 */

const USERS = 20;
const PER_USER = 10;
const SPREAD_MS = 6_000;
const QUESTIONS = [
  "Which countries did Xi visit after France?",
  "What did von der Leyen say about dual-use goods?",
  "How big was the EU's trade deficit with China?",
  "What did Kallas say about rare earth exports?",
  "Who is Grzegorz Stec?",
  "When did Xi arrive in France?",
  "Which country pulled out of the Belt and Road Initiative?",
  "What tariff rate did the EU impose on Chinese electric vehicles?",
];

let root: string;
let t: BotUnderTest;

beforeAll(async () => {
  root = await tempDir();
  t = await startBot(root, { DISCORD_RATE_LIMIT_BURST: "5", DISCORD_RATE_LIMIT_PER_MINUTE: "6", DISCORD_MAX_CONCURRENT: "4" });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await cleanup(root);
});

describe("load", () => {
  it(`answers or rate-limits each of ${USERS * PER_USER} questions from ${USERS} members exactly once`, async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const users = Array.from({ length: USERS }, (_, i) => ({ userId: String(300000000000000000n + BigInt(i)), username: `load${i}` }));
    const dispatched: { id: string; token: string; sentAt: number }[] = [];
    const total = USERS * PER_USER;
    const start = performance.now();
    // Spread over SPREAD_MS, interleaving members; each dispatch waits for the previous one's turn on the event loop only.
    for (let i = 0; i < total; i++) {
      const user = users[i % USERS];
      if (!user) throw new Error("no user");
      const due = start + (i * SPREAD_MS) / total;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      dispatched.push(t.fake.slashCommand({ name: "ask", options: [{ name: "question", type: 3, value: QUESTIONS[i % QUESTIONS.length] ?? "" }], ...user }));
    }
    const lastDispatch = performance.now() - start;

    const outcomes = await Promise.all(
      dispatched.map(async (d) => {
        const callback = await t.fake.waitForRequest(callbackFor(d.id), 20_000);
        const type = (callback.body as { type: number }).type;
        // 4: a message (the rate-limit refusal); 5: a deferral, edited into the answer later.
        expect([4, 5]).toContain(type);
        if (type === 4) return { d, callback, kind: "rate_limited" as const, text: contentOf((callback.body as { data: unknown }).data) };
        const edit = await t.fake.waitForRequest((r) => r.method === "PATCH" && r.path.endsWith(`/${d.token}/messages/@original`), 20_000);
        return { d, callback, edit, kind: "answered" as const, text: embedsOf(edit.body)[0]?.description ?? contentOf(edit.body) };
      }),
    );
    const finished = performance.now() - start;

    // All questions were asked within 10 seconds.
    expect(lastDispatch).toBeLessThan(10_000);
    // Exactly one acknowledgement per interaction, within Discord's 3 seconds.
    const callbacks = (id: string) => t.fake.requests.filter(callbackFor(id));
    for (const o of outcomes) {
      expect(callbacks(o.d.id)).toHaveLength(1);
      expect(o.callback.status).toBe(204);
      expect(o.callback.receivedAt - o.d.sentAt).toBeLessThan(3_000);
    }
    // Answered ones were edited exactly once, into an answer (or a clear "not covered").
    const edits = (token: string) => t.fake.requests.filter((r: RecordedRequest) => r.method === "PATCH" && r.path.includes(token));
    const answered = outcomes.filter((o) => o.kind === "answered");
    const limited = outcomes.filter((o) => o.kind === "rate_limited");
    for (const o of answered) {
      expect(edits(o.d.token)).toHaveLength(1);
      expect(o.text).toMatch(/\[1\]|^The articles I have don't cover that/);
    }
    for (const o of limited) expect(o.text).toMatch(/^You're asking faster than I can keep up/);
    // Each member gets the burst (5) plus what refills in ~6 s at 6 a minute; the rest are refused.
    expect(answered.length).toBeGreaterThanOrEqual(USERS * 5);
    expect(answered.length).toBeLessThanOrEqual(USERS * 6);
    // Each handler logs its one line last; once all are logged (and their promise settled), nothing is in flight.
    await Promise.all(dispatched.map((d) => t.log.waitFor((l) => l.includes('"event":"interaction"') && l.includes(`"req":"${d.id}"`))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.bot.inFlight).toBe(0);

    // No forced GC here, so garbage counts too: this bounds what the bot keeps from above.
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(heapGrowthMb).toBeLessThan(100);
    expect(finished).toBeLessThan(20_000);
  }, 60_000);
});
