import net from "node:net";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedbackRefused, type FeedbackEntry } from "../../src/discord/feedback-store.js";
import { PgAnswerStore, PgRateLimiter, QUICK_MS, RETRY_DATABASE_AFTER_MS } from "../../src/discord/postgres-state.js";
import { createSharedState, type SharedState } from "../../src/discord/shared-state.js";
import { createPool } from "../../src/index/postgres/pg-backend.js";
import { migrate } from "../../src/index/postgres/schema.js";
import { memoryLogger } from "../../src/log.js";
import { isAnswerId } from "../../src/render/button-ids.js";
import type { Citation } from "../../src/types.js";
import { startPgliteServer, type PgliteServer } from "../fakes/pglite-server.js";
import { cleanup, tempDir, testConfig } from "../helpers.js";

/*
 * What a bot process keeps about members (src/discord/shared-state.ts), run
 * against the default (memory and the data folder) and Postgres (over the wire
 * protocol to PGlite): the same allowances, answers and votes. Then what only
 * Postgres gives: two processes (two pools, two SharedStates) that behave as one.
 */

let server: PgliteServer;
let admin: pg.Pool;
const dirs: string[] = [];
const opened: SharedState[] = [];

beforeAll(async () => {
  server = await startPgliteServer();
  admin = createPool({ url: server.url, max: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000 }, memoryLogger("debug"));
  // The bot's app migrates before the bot takes a question; here the test does.
  await migrate(admin);
}, 120_000);

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await admin?.end();
  await server?.stop();
  await cleanup(...dirs);
});

async function open(kind: "local" | "postgres", env: Record<string, string> = {}, log = memoryLogger("debug")): Promise<SharedState> {
  const dataDir = await tempDir();
  dirs.push(dataDir);
  const config = testConfig({ DATA_DIR: dataDir, DISCORD_RATE_LIMIT_BURST: "3", DISCORD_RATE_LIMIT_PER_MINUTE: "6", ...(kind === "postgres" ? { DATABASE_URL: server.url } : {}), ...env });
  const state = createSharedState(config, config.discord, log);
  opened.push(state);
  await state.answers.load();
  return state;
}

let members = 0;
const newMember = () => String(300000000000000000n + BigInt(++members));

const citation: Citation = {
  n: 1,
  source: "a.txt",
  title: "An article",
  outlet: "Outlet",
  date: "2024-05-06",
  url: null,
  basis: { title: "stated", outlet: "stated", date: "stated" },
  quote: "Xi visited Serbia and Hungary.",
  start: 10,
  end: 40,
};
const answer = { question: "Where did Xi go after France?", text: "Serbia and Hungary [1].", citations: [citation] };

function vote(userHash: string, answerId: string, v: "up" | "down"): FeedbackEntry {
  return { at: new Date().toISOString(), vote: v, userHash, guildId: "400000000000000001", answerId, question: answer.question, answer: answer.text, citations: [citation] };
}

describe.each(["local", "postgres"] as const)("shared state contract: %s", (kind) => {
  it("says where it lives", async () => {
    expect((await open(kind)).kind).toBe(kind);
  });

  it("gives each member their burst, then refuses with the time until the next question", async () => {
    const state = await open(kind);
    const [a, b] = [newMember(), newMember()];
    const takes = [];
    for (let i = 0; i < 4; i++) takes.push(await state.limiter.take(a, 0));
    expect(takes.map((t) => t.ok)).toEqual([true, true, true, false]);
    const refused = takes[3];
    // 6 a minute: one every 10 s; less has passed since the bucket was spent.
    expect(refused?.ok === false && refused.retryAfterMs).toBeGreaterThan(9_000);
    expect(refused?.ok === false && refused.retryAfterMs).toBeLessThanOrEqual(10_000);
    expect((await state.limiter.take(b, 0)).ok).toBe(true);
    // Lists and buttons have their own allowance.
    expect((await state.lightLimiter.take(a, 0)).ok).toBe(true);
  });

  it("keeps an answer under a new id and gives it back; an unknown id is undefined", async () => {
    const state = await open(kind);
    const id = await state.answers.remember(answer);
    expect(isAnswerId(id)).toBe(true);
    expect(await state.answers.get(id)).toEqual(answer);
    expect(await state.answers.get("unknownAnswer1")).toBeUndefined();
    expect(await state.answers.remember(answer)).not.toBe(id);
  });

  it("hashes members with one salt, refuses ids that are not Discord's, and keeps each member's last vote", async () => {
    const state = await open(kind);
    const member = newMember();
    const hash = await state.feedback.hashUser(member);
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(await state.feedback.hashUser(member)).toBe(hash);
    expect(await state.feedback.hashUser(newMember())).not.toBe(hash);
    await expect(state.feedback.hashUser("not-a-snowflake")).rejects.toBeInstanceOf(FeedbackRefused);
    const answerId = await state.answers.remember(answer);
    expect(await state.feedback.record(vote(hash, answerId, "up"))).toBe("recorded");
    expect(await state.feedback.record(vote(hash, answerId, "up"))).toBe("unchanged");
    expect(await state.feedback.record(vote(hash, answerId, "down"))).toBe("recorded");
    await expect(state.feedback.record(vote("nothex", answerId, "up"))).rejects.toBeInstanceOf(FeedbackRefused);
    await state.feedback.flush();
  });
});

describe("shared state in Postgres: two bot processes behave as one", () => {
  it("spends a member's allowance once across processes, even when both take at the same moment", async () => {
    const [one, two] = [await open("postgres"), await open("postgres")];
    const member = newMember();
    const takes = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).limiter.take(member, 0)));
    expect(takes.filter((t) => t.ok)).toHaveLength(3);
    expect((await one.limiter.take(member, 0)).ok).toBe(false);
    expect((await two.limiter.take(member, 0)).ok).toBe(false);
  });

  it("shows an answer one process sent to a click on the other", async () => {
    const [one, two] = [await open("postgres"), await open("postgres")];
    const id = await one.answers.remember({ ...answer, question: "Asked on shard 0?" });
    expect((await two.answers.get(id))?.question).toBe("Asked on shard 0?");
  });

  it("keeps at most its bound of answers, dropping the least recently used (every 100 answers)", async () => {
    await admin.query("DELETE FROM summit_answers");
    const store = new PgAnswerStore(() => Promise.resolve(admin), memoryLogger("debug"), { max: 3 });
    const first = await store.remember({ ...answer, question: "kept: read again later" });
    const ids = [];
    for (let i = 0; i < 98; i++) ids.push(await store.remember({ ...answer, question: `q${i}` }));
    // Read again: now among the most recently used.
    expect((await store.get(first))?.question).toBe("kept: read again later");
    const last = await store.remember({ ...answer, question: "the 100th" });
    // The 100th answer starts the trim in the background.
    await store.flush();
    const left = (await admin.query<{ id: string }>("SELECT id FROM summit_answers")).rows.map((r) => r.id).sort();
    expect(left).toEqual([first, ids.at(-1), last].sort());
  });

  it("stores votes from both in one table, under one salt, the last vote winning", async () => {
    const [one, two] = [await open("postgres"), await open("postgres")];
    const member = newMember();
    const hash = await one.feedback.hashUser(member);
    expect(await two.feedback.hashUser(member)).toBe(hash);
    const answerId = await one.answers.remember(answer);
    expect(await one.feedback.record(vote(hash, answerId, "up"))).toBe("recorded");
    expect(await two.feedback.record(vote(hash, answerId, "up"))).toBe("unchanged");
    expect(await two.feedback.record(vote(hash, answerId, "down"))).toBe("recorded");
    const rows = (await admin.query<{ vote: string; user_hash: string }>("SELECT vote, user_hash FROM summit_feedback WHERE answer_id = $1", [answerId])).rows;
    expect(rows).toEqual([{ vote: "down", user_hash: hash }]);
    // Hashes only: the member's id is nowhere in the table.
    const dump = JSON.stringify((await admin.query("SELECT * FROM summit_feedback")).rows);
    expect(dump).not.toContain(member);
  });

  it("keeps answering while the database is unreachable: allowances fall back to each process, said once in the log", async () => {
    const log = memoryLogger("debug");
    const state = await open("postgres", { DATABASE_URL: "postgres://postgres@127.0.0.1:9/postgres", DATABASE_CONNECT_TIMEOUT_MS: "1000" }, log);
    const member = newMember();
    const takes = [];
    for (let i = 0; i < 4; i++) takes.push(await state.limiter.take(member, 0));
    expect(takes.map((t) => t.ok)).toEqual([true, true, true, false]);
    expect(log.lines.filter((l) => l.includes("rate_limit.local"))).toHaveLength(1);
    // The answer is still sent; only its buttons cannot find it.
    const id = await state.answers.remember(answer);
    expect(isAnswerId(id)).toBe(true);
    expect(await state.answers.get(id)).toBeUndefined();
    expect(log.lines.some((l) => l.includes("answers.store_failed"))).toBe(true);
  });

  it("asks the database again only after RETRY_DATABASE_AFTER_MS, then shares allowances again", async () => {
    let now = 0;
    let calls = 0;
    const log = memoryLogger("debug");
    const source = () => (++calls === 1 ? Promise.reject(new Error("connection refused")) : Promise.resolve(admin));
    const limiter = new PgRateLimiter(source, "questions", { perMinute: 6, burst: 3 }, log, () => now);
    const member = newMember();
    expect((await limiter.take(member, 0)).ok).toBe(true);
    expect((await limiter.take(member, 0)).ok).toBe(true);
    expect(calls).toBe(1);
    now += RETRY_DATABASE_AFTER_MS;
    expect((await limiter.take(member, 0)).ok).toBe(true);
    expect(calls).toBe(2);
    expect(log.lines.filter((l) => l.includes("rate_limit.local"))).toHaveLength(1);
    expect(log.lines.filter((l) => l.includes("rate_limit.shared"))).toHaveLength(1);
    // The database's bucket is the member's own: this was its first take there.
    expect((await admin.query<{ tokens: number }>("SELECT tokens FROM summit_rate_limits WHERE bucket = 'questions' AND user_id = $1", [member])).rows[0]?.tokens).toBeCloseTo(2, 1);
  });

  it("does not wait on a server that accepts connections but never answers past Discord's deadline", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const log = memoryLogger("debug");
      const state = await open("postgres", { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`, DATABASE_CONNECT_TIMEOUT_MS: "4000" }, log);
      // Each waits at most QUICK_MS, well inside the 3 s an interaction has.
      const timed = async <T>(work: () => T | Promise<T>): Promise<T> => {
        const t0 = performance.now();
        const result = await work();
        expect(performance.now() - t0).toBeLessThan(QUICK_MS + 400);
        return result;
      };
      expect((await timed(() => state.limiter.take(newMember(), 0))).ok).toBe(true);
      expect(await timed(() => state.answers.get("Ab-_9zXy"))).toBeUndefined();
      expect(isAnswerId(await timed(() => state.answers.remember(answer)))).toBe(true);
      expect(log.lines.some((l) => l.includes("rate_limit.local") && l.includes("within 1000 ms"))).toBe(true);
      expect(log.lines.some((l) => l.includes("answers.store_slow"))).toBe(true);
      // Later checks do not wait on the database again (for RETRY_DATABASE_AFTER_MS).
      expect((await timed(() => state.limiter.take(newMember(), 0))).ok).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
