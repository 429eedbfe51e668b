/*
 * The fake Discord checks every REST request against Discord's own OpenAPI
 * description (test/fakes/discord-spec.ts). These tests prove the checker
 * catches bad payloads, passes good ones, and that the fake turns a mismatch
 * into a 400 `Invalid Form Body` plus a recorded violation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, Events, GatewayIntentBits, type ChatInputCommandInteraction } from "discord.js";
import { loadConfig } from "../../src/config.js";
import { allCommands } from "../../src/discord/commands/index.js";
import { registrationBody } from "../../src/discord/commands/command.js";
import { interactionResponder } from "../../src/discord/pipeline/responders.js";
import { renderEvidence } from "../../src/render/discord.js";
import { answerOf } from "../fixtures/answers.js";
import { checkRequest, findOperation, specVersion } from "../fakes/discord-spec.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/fake-discord.js";

const CHANNEL = "/channels/1234567890123456789/messages";
const CALLBACK = "/interactions/1234567890123456789/aW50ZXJhY3Rpb24tdG9rZW4/callback";
const ORIGINAL = "/webhooks/1234567890123456780/aW50ZXJhY3Rpb24tdG9rZW4/messages/@original";
const FOLLOW_UP = "/webhooks/1234567890123456780/aW50ZXJhY3Rpb24tdG9rZW4";

/** Roughly what the bot sends with an answer: text, an embed of sources, two buttons. */
const answer = {
  content: "The 2023 summit was held in Beijing [1].",
  embeds: [
    {
      title: "Sources",
      description: "[1] EU–China summit, Beijing",
      color: 0x2b6cb0,
      fields: [{ name: "1", value: "https://example.org/article", inline: false }],
      footer: { text: "Answers are generated from news articles." },
    },
  ],
  components: [
    {
      type: 1,
      components: [
        { type: 2, style: 2, label: "More", custom_id: "more:1" },
        { type: 2, style: 5, label: "Article", url: "https://example.org/article" },
      ],
    },
  ],
  allowed_mentions: { parse: [] },
  flags: 64,
};

describe("Discord's API description as a request checker", () => {
  it("is the vendored spec and finds operations by method and path", () => {
    expect(specVersion()).toBe("10");
    expect(findOperation("POST", CHANNEL)?.operationId).toBe("create_message");
    expect(findOperation("POST", CALLBACK)?.operationId).toBe("create_interaction_response");
    // A literal segment wins over a parameter: @original is not a {message_id}.
    expect(findOperation("PATCH", ORIGINAL)?.operationId).toBe("update_original_webhook_message");
    expect(findOperation("PATCH", `${FOLLOW_UP}/messages/1234567890123456781`)?.operationId).toBe("update_webhook_message");
    expect(findOperation("POST", FOLLOW_UP)?.operationId).toBe("execute_webhook");
    expect(findOperation("POST", "/channels/1/messages/bulk-delete")?.operationId).toBe("bulk_delete_messages");
    expect(findOperation("POST", "/no/such/route")).toBeNull();
    expect(checkRequest("POST", "/no/such/route", {}).text).toContain("no such operation");
  });

  it("passes a valid message, deferral, interaction reply, @original edit and follow-up", () => {
    for (const [method, path, body] of [
      ["POST", CHANNEL, answer],
      ["POST", CALLBACK, { type: 5, data: { flags: 64 } }],
      ["POST", CALLBACK, { type: 4, data: answer }],
      ["POST", CALLBACK, { type: 8, data: { choices: [{ name: "Beijing 2023", value: "2023" }] } }],
      ["PATCH", ORIGINAL, { content: "edited", embeds: [], components: [] }],
      ["POST", FOLLOW_UP, answer],
      ["GET", "/gateway/bot", null],
    ] as const) {
      const check = checkRequest(method, path, body);
      expect(check.text).toBe("");
      expect(check.ok).toBe(true);
    }
  });

  it("rejects an embed title of 257 characters, naming the field and the operation", () => {
    const check = checkRequest("POST", CHANNEL, { embeds: [{ title: "x".repeat(257) }] });
    expect(check.ok).toBe(false);
    expect(check.text).toContain(`POST ${CHANNEL} (create_message, /channels/{channel_id}/messages)`);
    expect(check.text).toContain("/embeds/0/title must NOT have more than 256 characters");
    expect(checkRequest("POST", CHANNEL, { embeds: [{ title: "x".repeat(256) }] }).ok).toBe(true);
    // The same rule holds in an interaction reply and an @original edit.
    expect(checkRequest("POST", CALLBACK, { type: 4, data: { embeds: [{ title: "x".repeat(257) }] } }).text).toContain("/data/embeds/0/title");
    expect(checkRequest("PATCH", ORIGINAL, { embeds: [{ title: "x".repeat(257) }] }).text).toContain("/embeds/0/title");
  });

  it("rejects an unknown component type", () => {
    const bad = { components: [{ type: 1, components: [{ type: 99, style: 1, label: "?", custom_id: "x" }] }] };
    const check = checkRequest("POST", CHANNEL, bad);
    expect(check.ok).toBe(false);
    expect(check.text).toMatch(/\/components\/0\/components\/0\/type must be one of \[/);
    expect(checkRequest("POST", CALLBACK, { type: 4, data: bad }).ok).toBe(false);
    expect(checkRequest("PATCH", ORIGINAL, bad).ok).toBe(false);
  });

  it("rejects other things Discord refuses: unknown callback type, content over 2000, a missing body", () => {
    expect(checkRequest("POST", CALLBACK, { type: 42 }).ok).toBe(false);
    expect(checkRequest("POST", CALLBACK, { type: 4, data: { content: "x".repeat(2001) } }).text).toContain("/data/content must NOT have more than 2000 characters");
    expect(checkRequest("POST", CALLBACK, null).text).toContain("a request body is required");
  });

  it("passes the bot's own slash commands as deploy-commands registers them", () => {
    const body = [...allCommands(loadConfig({ DISCORD_ANSWER_DMS: "true" })).values()].map(registrationBody);
    for (const path of ["/applications/1234567890123456789/commands", "/applications/1234567890123456789/guilds/1234567890123456780/commands"]) {
      const check = checkRequest("PUT", path, body);
      expect(check.text).toBe("");
    }
    // What the validator found on its first run over the new commands: the builders' string form of
    // default_member_permissions ("32") is not what the description allows in a request (an integer).
    const asBuilt = [...allCommands(loadConfig({})).values()].map((c) => c.data);
    expect(checkRequest("PUT", "/applications/1234567890123456789/commands", asBuilt).text).toContain("default_member_permissions must be integer,null");
  });
});

describe("the fake Discord checks every request against the spec", () => {
  let fake: FakeDiscord;
  const send = (method: string, path: string, body: RequestInit["body"], type?: string) =>
    fetch(`${fake.restApi}/v10${path}`, {
      method,
      body,
      headers: { authorization: `Bot ${fake.token}`, ...(type ? { "content-type": type } : {}) },
    });

  beforeAll(async () => {
    fake = await startFakeDiscord();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("answers a bad JSON body 400 Invalid Form Body and records the violation", async () => {
    const res = await send("POST", `/channels/${fake.channelId}/messages`, JSON.stringify({ embeds: [{ title: "x".repeat(257) }] }), "application/json");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string; errors: unknown };
    expect(body).toMatchObject({ code: 50035, message: "Invalid Form Body", errors: { embeds: { 0: { title: { _errors: [{ code: "SPEC_MAXLENGTH" }] } } } } });
    expect(fake.specViolations).toHaveLength(1);
    expect(fake.specViolations[0]).toMatchObject({ method: "POST", operationId: "create_message" });
    expect(fake.specViolations[0]?.message).toContain("/embeds/0/title must NOT have more than 256 characters");
    expect(() => fake.assertNoSpecViolations()).toThrow(/1 request\(s\) that Discord's API description rejects:\n.*\/embeds\/0\/title/);
  });

  it("checks the payload_json part of a multipart body", async () => {
    const form = new FormData();
    form.append("payload_json", JSON.stringify({ components: [{ type: 1, components: [{ type: 99 }] }] }));
    form.append("files[0]", new Blob(["hello"], { type: "text/plain" }), "a.txt");
    const res = await send("POST", `/channels/${fake.channelId}/messages`, form);
    expect(res.status).toBe(400);
    expect(fake.specViolations.at(-1)?.message).toContain("/components/0/components/0/type must be one of");
  });

  it("passes a valid request through to the fake's own handling", async () => {
    const before = fake.specViolations.length;
    const res = await send("POST", `/channels/${fake.channelId}/messages`, JSON.stringify({ content: "hello", embeds: [{ title: "x".repeat(256) }] }), "application/json");
    expect(res.status).toBe(200);
    expect(fake.specViolations).toHaveLength(before);
  });

  it("can be switched off for a test that needs to send what Discord would refuse", async () => {
    const lax = await startFakeDiscord({ validateAgainstSpec: false });
    try {
      const res = await fetch(`${lax.restApi}/v10/channels/${lax.channelId}/messages`, {
        method: "POST",
        body: JSON.stringify({ content: "hi", embeds: [{ title: "x".repeat(257) }] }),
        headers: { authorization: `Bot ${lax.token}`, "content-type": "application/json" },
      });
      expect(res.status).toBe(200);
      expect(lax.specViolations).toEqual([]);
    } finally {
      await lax.close();
    }
  });
});

describe("the bot's replies on the wire, follow-ups included", () => {
  it("sends a deferral, an @original edit and follow-ups that all match the spec", async () => {
    const fake = await startFakeDiscord();
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.restApi } });
    try {
      const basis = { title: "stated", outlet: "stated", date: "stated" } as const;
      // 23 quoted sources: more embeds than one message holds, so the responder needs follow-ups.
      const citations = Array.from({ length: 23 }, (_, i) => ({
        n: i + 1,
        source: `00${i}_x.txt`,
        title: `Title ${i + 1} ${"é".repeat(300)}`,
        outlet: "Kyodo News",
        date: "2023-12-07",
        url: null,
        basis,
        quote: `Quote ${i + 1} ${"word ".repeat(900)}`,
        start: 0,
        end: 10,
      }));
      const messages = renderEvidence(answerOf(citations));
      expect(messages.length).toBeGreaterThan(1);
      const done = new Promise<void>((resolve, reject) => {
        client.on(Events.InteractionCreate, (i) => {
          if (!i.isChatInputCommand()) return;
          const interaction: ChatInputCommandInteraction = i;
          interaction
            .deferReply()
            .then(() => interactionResponder(interaction).send(messages, false))
            .then(() => resolve(), reject);
        });
      });
      await client.login(fake.token);
      await fake.ready();
      fake.slashCommand({ name: "ask" });
      await done;
      const followUps = fake.requests.filter((r) => r.method === "POST" && /^\/webhooks\/\d+\/[^/]+$/.test(r.path));
      expect(followUps).toHaveLength(messages.length - 1);
      expect(fake.requests.some((r) => r.method === "PATCH" && r.path.endsWith("/messages/@original"))).toBe(true);
      expect(fake.specViolations).toEqual([]);
    } finally {
      await client.destroy();
      await fake.close();
    }
  });
});
