/*
 * Text from articles, metadata and file names reaches the terminal through
 * the real CLI paths (`ask`, `ask --json`, the console's answers and
 * /articles, the ingest summary) without a control sequence a terminal would
 * act on. Uses the tiny offline BERT and the seeds plus one hostile article.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../../src/cli/main.js";
import type { Env } from "../../src/config.js";
import { EXIT } from "../../src/cli/io.js";
import { addHostileArticle, HOSTILE_QUESTION, HOSTILE_SOURCE, TERMINAL_CONTROL } from "../fixtures/hostile-article.js";
import { cleanup, copySeeds, tempDir, tinyModelEnv } from "../helpers.js";

let root: string;
let env: Env;
/** A file whose name would set the terminal's title and reset it if printed raw. */
const HOSTILE_NAME = "006_\x1b]0;pwned\x07\x1bc.txt";

async function run(argv: string[], stdin: Readable = Readable.from([])): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runMain(argv, {
    stdin,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd: root,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  root = await tempDir("terminal-escapes-");
  const corpus = path.join(root, "corpus");
  await copySeeds(corpus);
  await addHostileArticle(corpus);
  await writeFile(path.join(corpus, HOSTILE_NAME), "Copper quotas\n\nThe copper quota was raised by a tenth in April, the ministry said.\n");
  env = { ...(await tinyModelEnv(path.join(root, "models"))), CORPUS_DIR: corpus, DATA_DIR: path.join(root, "data"), LOG_LEVEL: "silent" };
}, 60_000);

afterAll(() => cleanup(root));

describe("text printed to a terminal", () => {
  it("ingest lists the added files without the control sequences in their names", async () => {
    const r = await run(["ingest"]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain(HOSTILE_SOURCE);
    // The OSC (title) and ESC c sequences are removed whole, payload included.
    expect(r.stdout).toContain("006_.txt");
    expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
  });

  it("ask quotes the hostile article and its title with none of their escape sequences", async () => {
    const r = await run(["ask", "--debug", HOSTILE_QUESTION]);
    expect(r.code).toBe(EXIT.ok);
    // It did quote the sentence and name the title, minus what a terminal would act on.
    expect(r.stdout).toMatch(/would double\s+within a year\s+unless China lowered its export\s+quotas/);
    expect(r.stdout).toContain("**Lithium** # tariffs");
    expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
    expect(r.stdout).not.toContain("evil.example\x1b");
  });

  it("ask --json keeps the exact quote, escaped as JSON, with no raw control character on the line", async () => {
    const r = await run(["ask", "--json", HOSTILE_QUESTION]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
    const a = JSON.parse(r.stdout) as { citations: { source: string; quote: string; title: string }[] };
    const c = a.citations.find((x) => x.source === HOSTILE_SOURCE);
    // The data is unchanged: JSON carries the characters as \u escapes.
    expect(c?.quote).toContain("\x1bc\x1b]8;;https://evil.example\x1b\\");
    expect(c?.quote).toContain("\x9b2J");
    expect(c?.quote).toContain("\u202e");
  });

  it("the console's answers and /articles print none of them either", async () => {
    const stdin = new PassThrough();
    stdin.end(`/articles\n${HOSTILE_QUESTION}\n/nope\x1bc\n`);
    const r = await run(["console"], stdin);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain("**Lithium** # tariffs");
    expect(r.stdout).toMatch(/would double\s+within a year/);
    // An error that echoes what was typed: ESC c is removed with its "c".
    expect(r.stdout).toContain("Unknown command /nope.");
    expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
  });
});
