import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/config.js";
import { cleanup, copySeeds, REPO, tempDir, tinyModelEnv } from "../helpers.js";

/* The commands as the README gives them, through npm itself (not runMain): what a user's shell sees. */

let root: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  root = await tempDir();
  await copySeeds(path.join(root, "corpus"));
  const model: Env = await tinyModelEnv(path.join(root, "models"));
  env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? root, ...model, CORPUS_DIR: path.join(root, "corpus"), DATA_DIR: path.join(root, "data") };
});
afterAll(() => cleanup(root));

function npm(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm scripts", () => {
  it("`npm run -s ask -- --json` prints one JSON object on stdout and nothing else", async () => {
    const r = await npm(["run", "-s", "ask", "--", "--json", "When did Xi arrive in France?"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0] ?? "") as { answer: string; citations: unknown[] };
    expect(answer.answer).toContain("May 5");
    expect(answer.citations.length).toBeGreaterThan(0);
  });
});
