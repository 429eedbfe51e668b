import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFile, chmod, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { FeedbackStore, type FeedbackEntry } from "../../../src/discord/feedback-store.js";
import { memoryLogger } from "../../../src/log.js";
import { cleanup, REPO, tempDir } from "../../helpers.js";

/*
 * The feedback store on a real temporary folder: what is on disk after
 * crashes, changed votes, restarts and bad ids, and who may read it.
 */

const MEMBER = "80351110224678912";
const OTHER = "1234567890123456789";
const GUILD = "613425648685547541";

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));
async function dataDir(): Promise<string> {
  const dir = await tempDir("summit-feedback-");
  dirs.push(dir);
  return dir;
}

const feedbackFile = (dir: string) => path.join(dir, "feedback.jsonl");
const saltFile = (dir: string) => path.join(dir, "feedback-salt");
const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

function entry(over: Partial<FeedbackEntry> & Pick<FeedbackEntry, "userHash">): FeedbackEntry {
  return {
    at: new Date().toISOString(),
    vote: "up",
    guildId: GUILD,
    answerId: "answer01",
    question: "What did Xi say?",
    answer: "“He said so.” [1]",
    citations: [{ n: 1, source: "000.txt", start: 0, end: 12, quote: "He said so." }],
    ...over,
  };
}

/** Every line of the file as a vote; throws on a line that is not one (so a glued or torn line fails the test). */
async function votesIn(dir: string): Promise<FeedbackEntry[]> {
  const lines = (await readFile(feedbackFile(dir), "utf8")).split("\n");
  expect(lines.pop()).toBe("");
  return lines.map((l) => JSON.parse(l) as FeedbackEntry);
}

const summary = (votes: readonly FeedbackEntry[]) => votes.map((v) => `${v.answerId}:${v.vote}`);

describe("FeedbackStore", () => {
  it("starts the next vote on a line of its own after a line torn by a crash, and loses no vote", async () => {
    const dir = await dataDir();
    const first = new FeedbackStore(dir);
    const hash = await first.hashUser(MEMBER);
    await first.record(entry({ userHash: hash, answerId: "answer01" }));
    // The process died halfway through writing its next vote.
    await appendFile(feedbackFile(dir), JSON.stringify(entry({ userHash: hash, answerId: "answer02" })).slice(0, 45));

    const log = memoryLogger("warn");
    const restarted = new FeedbackStore(dir, log);
    await restarted.record(entry({ userHash: await restarted.hashUser(OTHER), answerId: "answer03", vote: "down" }));
    expect(summary(await votesIn(dir))).toEqual(["answer01:up", "answer03:down"]);
    const warning = log.lines.find((l) => l.includes("feedback.unreadable_lines"));
    expect(JSON.parse(warning ?? "{}")).toMatchObject({ lines: [2], count: 1 });
  });

  it("keeps a complete last vote that lost its newline, and one an older version glued to the next", async () => {
    const dir = await dataDir();
    const store = new FeedbackStore(dir);
    const hash = await store.hashUser(MEMBER);
    const a = JSON.stringify(entry({ userHash: hash, answerId: "answer0a" }));
    const b = JSON.stringify(entry({ userHash: hash, answerId: "answer0b" }));
    const c = JSON.stringify(entry({ userHash: hash, answerId: "answer0c" }));
    // Line 1: a torn vote with a whole one glued after it (what the previous version wrote after a crash);
    // line 2: a whole vote without its newline.
    await writeFile(feedbackFile(dir), `${a.slice(0, 60)}${b}\n${c}`);
    await store.record(entry({ userHash: hash, answerId: "answer0d", vote: "down" }));
    expect(summary(await votesIn(dir))).toEqual(["answer0b:up", "answer0c:up", "answer0d:down"]);
  });

  it("starts a vote on a new line when another writer left the file torn while the store was open", async () => {
    const dir = await dataDir();
    const store = new FeedbackStore(dir);
    const hash = await store.hashUser(MEMBER);
    await store.record(entry({ userHash: hash, answerId: "answer01" }));
    await appendFile(feedbackFile(dir), '{"at":"2026-');
    await store.record(entry({ userHash: hash, answerId: "answer02" }));
    const lines = (await readFile(feedbackFile(dir), "utf8")).split("\n");
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ answerId: "answer01" });
    expect(lines[1]).toBe('{"at":"2026-');
    expect(JSON.parse(lines[2] ?? "")).toMatchObject({ answerId: "answer02" });
  });

  it("keeps one vote per member and answer, the last, across a restart", async () => {
    const dir = await dataDir();
    const store = new FeedbackStore(dir);
    const member = await store.hashUser(MEMBER);
    const other = await store.hashUser(OTHER);
    await store.record(entry({ userHash: other, vote: "up" }));
    // 👍 👎 👍 … ten times; the tenth is 👎.
    for (let i = 0; i < 10; i++) await store.record(entry({ userHash: member, vote: i % 2 === 0 ? "up" : "down" }));
    await store.record(entry({ userHash: member, answerId: "answer02", vote: "up" }));
    await store.flush();

    const restarted = new FeedbackStore(dir);
    expect(await restarted.hashUser(MEMBER)).toBe(member);
    // The vote stored before the restart counts: repeating it stores nothing.
    await restarted.record(entry({ userHash: member, vote: "down" }));
    const votes = await votesIn(dir);
    expect(votes.map((v) => `${v.userHash === member ? "member" : "other"}:${v.answerId}:${v.vote}`).sort()).toEqual([
      "member:answer01:down",
      "member:answer02:up",
      "other:answer01:up",
    ]);
    // And a change after the restart replaces it.
    await restarted.record(entry({ userHash: member, vote: "up" }));
    await restarted.flush();
    const again = new FeedbackStore(dir);
    await again.record(entry({ userHash: member, answerId: "answer03" }));
    expect((await votesIn(dir)).filter((v) => v.userHash === member && v.answerId === "answer01").map((v) => v.vote)).toEqual(["up"]);
  });

  it("compacts the file while it runs once changed votes pile up, without a restart", async () => {
    const dir = await dataDir();
    const log = memoryLogger("info");
    const store = new FeedbackStore(dir, log);
    const member = await store.hashUser(MEMBER);
    // One member flipping one vote a thousand times.
    for (let i = 0; i <= 1000; i++) await store.record(entry({ userHash: member, vote: i % 2 === 0 ? "up" : "down" }));
    expect(summary(await votesIn(dir))).toEqual(["answer01:up"]);
    expect(log.lines.filter((l) => l.includes("feedback.compacted"))).toHaveLength(1);
    expect(await modeOf(feedbackFile(dir))).toBe(0o600);
  });

  it("refuses an empty or foreign answer id, a hash that is not one and a member id that is not a snowflake, and logs why", async () => {
    const dir = await dataDir();
    const log = memoryLogger("warn");
    const store = new FeedbackStore(dir, log);
    const hash = await store.hashUser(MEMBER);
    for (const answerId of ["", "abc", "../../etc/passwd", "x".repeat(65)]) {
      await expect(store.record(entry({ userHash: hash, answerId }))).rejects.toMatchObject({
        name: "FeedbackRefused",
        message: expect.stringContaining("answerId"),
      });
    }
    await expect(store.record(entry({ userHash: "not-a-hash" }))).rejects.toMatchObject({ message: expect.stringContaining("userHash") });
    for (const id of ["", "12345", "<@80351110224678912>", "99999999999999999999"]) {
      await expect(store.hashUser(id)).rejects.toMatchObject({ name: "FeedbackRefused", message: expect.stringContaining("snowflake") });
    }
    // Valid votes around the refused ones are all kept.
    await store.record(entry({ userHash: hash, answerId: "answer01" }));
    await store.record(entry({ userHash: hash, answerId: "Ab-_9zXy", guildId: null }));
    expect(summary(await votesIn(dir))).toEqual(["answer01:up", "Ab-_9zXy:up"]);
    expect(log.lines.filter((l) => l.includes("feedback.refused"))).toHaveLength(9);
  });

  it("writes the votes and the salt readable by their owner only, and makes 0644 files of older versions private", async () => {
    const fresh = await dataDir();
    const store = new FeedbackStore(fresh);
    await store.record(entry({ userHash: await store.hashUser(MEMBER) }));
    expect(await modeOf(feedbackFile(fresh))).toBe(0o600);
    expect(await modeOf(saltFile(fresh))).toBe(0o600);

    const old = await dataDir();
    const salt = "0123456789abcdef0123456789abcdef";
    const oldHash = createHash("sha256").update(`${salt}:${MEMBER}`).digest("hex").slice(0, 32);
    await writeFile(saltFile(old), salt);
    await writeFile(feedbackFile(old), `${JSON.stringify(entry({ userHash: oldHash }))}\n`);
    await chmod(saltFile(old), 0o644);
    await chmod(feedbackFile(old), 0o644);
    const reopened = new FeedbackStore(old);
    // The existing salt is kept (the stored hashes stay comparable), only its mode changes.
    expect(await reopened.hashUser(MEMBER)).toBe(oldHash);
    await reopened.record(entry({ userHash: oldHash, answerId: "answer02" }));
    expect(await modeOf(feedbackFile(old))).toBe(0o600);
    expect(await modeOf(saltFile(old))).toBe(0o600);
    expect(summary(await votesIn(old))).toEqual(["answer01:up", "answer02:up"]);
  });

  it("replaces an empty salt file instead of hashing ids unsalted", async () => {
    const dir = await dataDir();
    await writeFile(saltFile(dir), "");
    const hash = await new FeedbackStore(dir).hashUser(MEMBER);
    expect(hash).not.toBe(createHash("sha256").update(`:${MEMBER}`).digest("hex").slice(0, 32));
    expect(await readFile(saltFile(dir), "utf8")).toMatch(/^[0-9a-f]{32}$/);
    expect(await modeOf(saltFile(dir))).toBe(0o600);
  });

  it("creates one salt when stores in this process and in two others start at the same moment", async () => {
    const dir = await dataDir();
    const storeUrl = pathToFileURL(path.join(REPO, "src/discord/feedback-store.ts")).href;
    // Each child says "ready", waits for a line on stdin, then hashes the same member id.
    const script = [
      `import { FeedbackStore } from ${JSON.stringify(storeUrl)};`,
      `process.stdout.write("ready\\n");`,
      `process.stdin.once("data", async () => { process.stdout.write((await new FeedbackStore(${JSON.stringify(dir)}).hashUser(${JSON.stringify(MEMBER)})) + "\\n"); process.exit(0); });`,
    ].join("\n");
    const tsx = path.join(REPO, "node_modules", ".bin", "tsx");
    const children = [1, 2].map(() => {
      const child = spawn(tsx, ["--eval", script], { cwd: REPO, stdio: ["pipe", "pipe", "inherit"] });
      let out = "";
      const ready = new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => (out += d.toString()).includes("ready\n") && resolve()));
      const done = new Promise<string>((resolve, reject) => {
        child.on("error", reject);
        child.on("exit", (code) => (code === 0 ? resolve(out.replace("ready\n", "").trim()) : reject(new Error(`child exited ${code}`))));
      });
      return { child, ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write("go\n");
    const here = await Promise.all([1, 2, 3, 4].map(() => new FeedbackStore(dir).hashUser(MEMBER)));
    const there = await Promise.all(children.map((c) => c.done));
    expect(new Set([...here, ...there]).size).toBe(1);
    expect(here[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(await modeOf(saltFile(dir))).toBe(0o600);
  });
});
