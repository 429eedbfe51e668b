import { appendFile, chmod, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AnswerStore, type SentAnswer } from "../../../src/discord/answer-store.js";
import { memoryLogger, silentLogger } from "../../../src/log.js";
import { cleanup, tempDir } from "../../helpers.js";

/*
 * The store of sent answers on a real temporary folder: what the Sources
 * button finds after a restart, how big memory and the file get, torn and
 * garbage lines, and who may read the file.
 */

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));
async function dataDir(): Promise<string> {
  const dir = await tempDir("summit-answers-");
  dirs.push(dir);
  return dir;
}

const answersFile = (dir: string) => path.join(dir, "recent-answers.jsonl");
const modeOf = async (file: string) => (await stat(file)).mode & 0o777;
const linesOf = async (dir: string) => (await readFile(answersFile(dir), "utf8")).split("\n").filter((l) => l !== "");

function answer(n: number, url?: string | null): SentAnswer {
  return {
    question: `What was agreed at summit ${n}?`,
    text: `They agreed on item ${n} [1].`,
    citations: [
      {
        n: 1,
        source: `${String(n).padStart(3, "0")}.txt`,
        title: `Summit ${n}`,
        outlet: n % 2 === 0 ? "Reuters" : null,
        date: "2024-05-06",
        basis: { title: "stated", outlet: n % 2 === 0 ? "stated" : "unknown", date: "inferred" },
        quote: `Leaders agreed on item ${n}.`,
        start: 10 * n,
        end: 10 * n + 25,
        ...(url === undefined ? {} : { url }),
      } as SentAnswer["citations"][number],
    ],
  };
}

async function loaded(dir: string, options?: { max?: number }, log = silentLogger): Promise<AnswerStore> {
  const store = new AnswerStore(dir, log, options);
  await store.load();
  return store;
}

describe("AnswerStore", () => {
  it("returns a remembered answer by its id at once, and nothing for an unknown id", async () => {
    const store = await loaded(await dataDir());
    const id = store.remember(answer(1));
    const other = store.remember(answer(2));
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(other).not.toBe(id);
    expect(store.get(id)).toEqual(answer(1));
    expect(store.get(other)).toEqual(answer(2));
    expect(store.size).toBe(2);
    expect(store.get("AAAAAAAA")).toBeUndefined();
    expect(store.get("")).toBeUndefined();
    await store.flush();
  });

  it("finds the answers again after a restart, with their full citations", async () => {
    const dir = await dataDir();
    const first = await loaded(dir);
    const withUrl = answer(1, "https://example.com/summit-1");
    const ids = [first.remember(withUrl), first.remember(answer(2, null)), first.remember(answer(3))];
    await first.flush();

    const restarted = await loaded(dir);
    expect(restarted.size).toBe(3);
    expect(restarted.get(ids[0] ?? "")).toEqual(withUrl);
    expect(restarted.get(ids[1] ?? "")).toEqual(answer(2, null));
    // A citation stored without a web address comes back with none (null).
    expect(restarted.get(ids[2] ?? "")).toEqual(answer(3, null));
    const line = JSON.parse((await linesOf(dir))[0] ?? "{}") as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(["id", "at", "question", "text", "citations"]);
    expect(line).toMatchObject({ id: ids[0], question: withUrl.question, text: withUrl.text, citations: withUrl.citations });
    expect(new Date(String(line.at)).toISOString()).toBe(line.at);
  });

  it("keeps only the newest `max` answers across a restart, and compacts the file past twice that", async () => {
    const dir = await dataDir();
    const log = memoryLogger("info");
    const store = await loaded(dir, { max: 5 }, log);
    const ids: string[] = [];
    // One at a time, as members ask: the file is compacted after the 11th and holds six lines at the end.
    for (let n = 1; n <= 12; n++) {
      ids.push(store.remember(answer(n)));
      await store.flush();
    }
    expect(store.size).toBe(5);
    expect(ids.slice(0, 7).map((id) => store.get(id))).toEqual(Array(7).fill(undefined));
    expect((await linesOf(dir)).length).toBeLessThanOrEqual(10);
    expect(log.lines.some((l) => l.includes("answers.compacted"))).toBe(true);

    const restarted = await loaded(dir, { max: 5 });
    expect(restarted.size).toBe(5);
    expect(ids.map((id) => restarted.get(id)?.question ?? null)).toEqual([
      ...Array(7).fill(null),
      ...[8, 9, 10, 11, 12].map((n) => answer(n).question),
    ]);
  });

  it("compacts a file with more than twice `max` lines when loading it", async () => {
    const dir = await dataDir();
    const big = await loaded(dir, { max: 100 });
    const ids = Array.from({ length: 30 }, (_, i) => big.remember(answer(i + 1)));
    await big.flush();
    expect(await linesOf(dir)).toHaveLength(30);

    const small = await loaded(dir, { max: 10 });
    expect(await linesOf(dir)).toHaveLength(10);
    expect(small.get(ids[19] ?? "")).toBeUndefined();
    expect(small.get(ids[20] ?? "")).toEqual(answer(21, null));
    expect(small.get(ids[29] ?? "")).toEqual(answer(30, null));
  });

  it("keeps an answer read recently when older ones are forgotten", async () => {
    const store = await loaded(await dataDir(), { max: 3 });
    const [a, b] = [store.remember(answer(1)), store.remember(answer(2))];
    store.remember(answer(3));
    // Reading the oldest makes it the most recently used: the next answer pushes out the second instead.
    expect(store.get(a)).toEqual(answer(1));
    store.remember(answer(4));
    expect(store.get(a)).toEqual(answer(1));
    expect(store.get(b)).toBeUndefined();
    expect(store.size).toBe(3);
    await store.flush();
  });

  it("keeps answers read recently through a compaction", async () => {
    const dir = await dataDir();
    const store = await loaded(dir, { max: 2 });
    const first = store.remember(answer(1));
    for (let n = 2; n <= 5; n++) {
      expect(store.get(first)).toEqual(answer(1));
      store.remember(answer(n));
    }
    // Five lines > 2 × 2: compacted to the first answer and the last.
    await store.flush();
    expect(await linesOf(dir)).toHaveLength(2);
    const restarted = await loaded(dir, { max: 2 });
    expect(restarted.get(first)).toEqual(answer(1, null));
  });

  it("skips a torn last line and a garbage line with one warning, loads the rest, and writes on a new line", async () => {
    const dir = await dataDir();
    const first = await loaded(dir);
    const ids = [first.remember(answer(1)), first.remember(answer(2))];
    await first.flush();
    const whole = (await linesOf(dir))[1] ?? "";
    // Someone edited the file, then the process died halfway through writing an answer.
    await writeFile(answersFile(dir), `${(await linesOf(dir))[0]}\nnot json at all\n{"id":"short"}\n${whole}\n`);
    await appendFile(answersFile(dir), whole.replace(ids[1] ?? "", "Torn____").slice(0, 60));

    const log = memoryLogger("warn");
    const restarted = await loaded(dir, {}, log);
    expect(restarted.size).toBe(2);
    expect(restarted.get(ids[0] ?? "")).toEqual(answer(1, null));
    expect(restarted.get(ids[1] ?? "")).toEqual(answer(2, null));
    expect(restarted.get("Torn____")).toBeUndefined();
    const warnings = log.lines.filter((l) => l.includes("answers.unreadable_lines"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? "{}")).toMatchObject({ file: answersFile(dir), count: 3 });

    const third = restarted.remember(answer(3));
    await restarted.flush();
    const lines = await linesOf(dir);
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual([ids[0], ids[1], third]);
    const again = memoryLogger("warn");
    expect((await loaded(dir, {}, again)).size).toBe(3);
    expect(again.lines).toEqual([]);
  });

  it("starts the next answer on a line of its own after a line torn while it runs", async () => {
    const dir = await dataDir();
    const store = await loaded(dir);
    const first = store.remember(answer(1));
    await store.flush();
    await appendFile(answersFile(dir), '{"id":"Torn____","at":"2026-');
    const second = store.remember(answer(2));
    await store.flush();
    const restarted = await loaded(dir);
    expect(restarted.get(first)).toEqual(answer(1, null));
    expect(restarted.get(second)).toEqual(answer(2, null));
  });

  it("works when the data folder does not exist yet", async () => {
    const dir = path.join(await dataDir(), "not", "yet");
    const store = await loaded(dir);
    expect(store.size).toBe(0);
    const id = store.remember(answer(1));
    expect(store.get(id)).toEqual(answer(1));
    await store.flush();
    expect(await linesOf(dir)).toHaveLength(1);
    expect((await loaded(dir)).get(id)).toEqual(answer(1, null));
  });

  it("logs a failed write instead of throwing, and still returns the answer", async () => {
    const blocked = path.join(await dataDir(), "data");
    const log = memoryLogger("warn");
    const store = await loaded(blocked, {}, log);
    // The data folder turns out to be a file: nothing can be written under it.
    await writeFile(blocked, "");
    const id = store.remember(answer(1));
    await store.flush();
    expect(store.get(id)).toEqual(answer(1));
    expect(log.lines.filter((l) => l.includes("answers.append_failed"))).toHaveLength(1);
  });

  it("writes the file readable by its owner only, also when compacted, and makes an older 0644 file private", async () => {
    const dir = await dataDir();
    const store = await loaded(dir, { max: 1 });
    store.remember(answer(1));
    await store.flush();
    expect(await modeOf(answersFile(dir))).toBe(0o600);
    store.remember(answer(2));
    store.remember(answer(3));
    await store.flush();
    expect(await linesOf(dir)).toHaveLength(1);
    expect(await modeOf(answersFile(dir))).toBe(0o600);

    await chmod(answersFile(dir), 0o644);
    await loaded(dir);
    expect(await modeOf(answersFile(dir))).toBe(0o600);
  });
});
