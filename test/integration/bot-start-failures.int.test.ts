import { once } from "node:events";
import net from "node:net";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/io.js";
import { runMain } from "../../src/cli/main.js";
import type { Env } from "../../src/config.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/fake-discord.js";
import { cleanup, copySeeds, tempDir, tinyModelEnv } from "../helpers.js";

/* `summit bot` when it cannot start: what the operator reads, and the exit code the README gives. */

let root: string;
let env: Env;
let fake: FakeDiscord;
beforeAll(async () => {
  root = await tempDir();
  await copySeeds(path.join(root, "corpus"));
  env = { ...(await tinyModelEnv(path.join(root, "models"))), CORPUS_DIR: path.join(root, "corpus"), DATA_DIR: path.join(root, "data") };
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
  await cleanup(root);
});

async function bot(extra: Env): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const stdin = new PassThrough();
  stdin.end();
  const code = await runMain(["bot"], { stdin, stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: { ...env, ...extra }, cwd: root });
  return { code, stderr };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

describe("bot start-up failures", () => {
  it("without a token or application id: says what is missing, points to the console, exits 2", async () => {
    const r = await bot({ DISCORD_TOKEN: "", DISCORD_APPLICATION_ID: "" });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/needs DISCORD_TOKEN .* and DISCORD_APPLICATION_ID .*npm run console/s);
  });

  it("when Discord cannot be reached: names the address and the cause, exits 1 (not 'Something went wrong')", async () => {
    const port = await closedPort();
    const r = await bot({ DISCORD_TOKEN: fake.token, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_URL: `http://127.0.0.1:${port}/api` });
    expect(r.code).toBe(EXIT.failed);
    expect(r.stderr).toContain(`Could not reach Discord at http://127.0.0.1:${port}/api (ECONNREFUSED)`);
    expect(r.stderr).not.toMatch(/Something went wrong|\n\s+at /);
  });

  it("when Discord rejects the token: says how to fix it, exits 2", async () => {
    const r = await bot({ DISCORD_TOKEN: "not-the-token", DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_URL: fake.restApi });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/Discord rejected DISCORD_TOKEN/);
  });
});
